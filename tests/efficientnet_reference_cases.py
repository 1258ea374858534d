"""tf.keras 2.x EfficientNetB0..B7, for tests/applications/
test_efficientnet.py.

    /path/to/tf_keras/python tests/efficientnet_reference_cases.py

under TensorFlow 2 with tf_keras (tf_keras 2.21 with TensorFlow 2.21 on
the CPU wrote the files there now) writes to tests/data/:

- efficientnet_reference.json: per model (B0 and B1 with and without the
  top, B0 as weights='imagenet' builds it), [name, class name, output
  shape, count_params] of every layer in `model.layers` order and the
  model's name and count_params; and count_params of B0..B7 without the
  top at 32x32 and with it at their default size.
- efficientnet_b0_weights.h5.gz: `save_weights` of an EfficientNetB0
  (include_top=False, weights=None, input_shape=(64, 64, 3)) whose weights
  were set to random values (quantized to few bits so that the gzipped file
  stays small; the values are float32 as tf.keras writes them), the
  Normalization layer's mean/variance included.
- efficientnet_b0_model.h5.gz: `model.save` (HDF5) of the model
  weights='imagenet' builds (its extra `tf.math.multiply` TFOpLambda layer,
  pooling='avg'), with the same weights: the ImageNet download is replaced
  by the file above.
- efficientnet_reference.npz: the input `x` (2 images, 64x64, values in
  [0, 255]), `weights_none` (predict of the weights=None model) and
  `weights_imagenet` (predict of the weights='imagenet' build,
  pooling='avg')."""
import gzip
import json
import os
import shutil
import tempfile

import numpy as np

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data')
NAMES = ['EfficientNetB%d' % i for i in range(8)]


def describe(model):
    layers = []
    for layer in model.layers:
        shape = layer.output_shape
        if isinstance(shape, list):
            shape = shape[0]
        layers.append([layer.name, layer.__class__.__name__,
                       [-1 if d is None else int(d) for d in shape],
                       int(layer.count_params())])
    return {'name': model.name, 'count_params': int(model.count_params()),
            'layers': layers}


def randomize(model, rs):
    """Random weights of tf.keras's scale, quantized to a few bits."""
    for layer in model.layers:
        cls = layer.__class__.__name__
        values = []
        for w in layer.weights:
            v = w.numpy()
            base = w.name.split('/')[-1].split(':')[0]
            if cls == 'Normalization':
                v = {'mean': np.array([0.485, 0.456, 0.406]),
                     'variance': np.array([0.229, 0.224, 0.225]) ** 2,
                     'count': np.array(1000)}[base]
            elif cls == 'BatchNormalization':
                k = rs.randint(-4, 5, v.shape)
                v = {'gamma': 1. + k / 16., 'beta': k / 32.,
                     'moving_mean': k / 32.,
                     'moving_variance': 1. + np.abs(k) / 8.}[base]
            elif base == 'bias':
                v = rs.randint(-4, 5, v.shape) / 32.
            else:
                step = 2. ** np.round(np.log2(v.std() / 4.))
                v = np.round(v / step) * step
            values.append(np.asarray(v, w.dtype.as_numpy_dtype))
        layer.set_weights(values)


def gzip_to(src, name):
    with open(src, 'rb') as f, gzip.GzipFile(
            os.path.join(DATA, name), 'wb', compresslevel=9, mtime=0) as g:
        shutil.copyfileobj(f, g)


def main():
    import tensorflow as tf
    import tf_keras as keras
    from tf_keras.src.applications import efficientnet

    tf.random.set_seed(0)
    rs = np.random.RandomState(0)
    apps = keras.applications
    reference = {}

    def fresh():
        keras.backend.clear_session()

    fresh()
    reference['b0_top'] = describe(apps.EfficientNetB0(weights=None))
    fresh()
    reference['b1_top'] = describe(apps.EfficientNetB1(weights=None))
    fresh()
    reference['b1_notop_64'] = describe(apps.EfficientNetB1(
        weights=None, include_top=False, input_shape=(64, 64, 3)))
    counts = {}
    for name in NAMES:
        fresh()
        notop = getattr(apps, name)(weights=None, include_top=False,
                                    input_shape=(32, 32, 3)).count_params()
        fresh()
        top = getattr(apps, name)(weights=None).count_params()
        counts[name] = [int(notop), int(top)]
    reference['count_params_notop_32_and_top'] = counts

    tmp = tempfile.mkdtemp()
    fresh()
    model = apps.EfficientNetB0(weights=None, include_top=False,
                                input_shape=(64, 64, 3))
    reference['b0_notop_64'] = describe(model)
    randomize(model, rs)
    weights_path = os.path.join(tmp, 'efficientnetb0_notop.h5')
    model.save_weights(weights_path)
    x = rs.uniform(0, 255, (2, 64, 64, 3)).astype('float32')
    expected = {'x': x, 'weights_none': model.predict(x)}

    # weights='imagenet' with the file above standing for the download.
    fetched = []

    def get_file(fname, origin, **kwargs):
        fetched.append([fname, origin, kwargs])
        return weights_path
    efficientnet.data_utils.get_file = get_file
    fresh()
    model = apps.EfficientNetB0(include_top=False, pooling='avg',
                                input_shape=(64, 64, 3))
    reference['b0_imagenet_notop_avg_64'] = describe(model)
    reference['b0_imagenet_get_file'] = fetched[0]
    expected['weights_imagenet'] = model.predict(x)
    model_path = os.path.join(tmp, 'model.h5')
    model.save(model_path, save_format='h5')

    gzip_to(weights_path, 'efficientnet_b0_weights.h5.gz')
    gzip_to(model_path, 'efficientnet_b0_model.h5.gz')
    np.savez_compressed(os.path.join(DATA, 'efficientnet_reference.npz'),
                        **expected)
    with open(os.path.join(DATA, 'efficientnet_reference.json'), 'w') as f:
        json.dump(reference, f, separators=(',', ':'))
    shutil.rmtree(tmp)


if __name__ == '__main__':
    main()
