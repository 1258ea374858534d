"""tf.keras 2.x's later application families (EfficientNetV2, ConvNeXt,
MobileNetV3, RegNet, ResNetRS) against tf_keras 2.21: layer names,
classes, output shapes and parameter counts, summary length, outputs with
the same weights, and the ImageNet weight files they ask for.

The reference values come from tf_keras 2.21 building the same models
(weights=None) and filling them with the weights `fill` writes."""
import contextlib
import hashlib
import io
import json
import zlib

import numpy as np
import pytest
import torch

from keras_compat import applications
from keras_compat import backend as K
from keras_compat.applications import (_blocks, convnext, efficientnet_v2,
                                       imagenet_utils, mobilenet_v3, regnet,
                                       resnet_rs)

SMALL = (32, 32, 3)

# key: (build, number of layers, count_params, summary lines, sha1 of the
# layer table [name, class, output shape, params] (first 16 hex digits)),
# as tf_keras 2.21 gives them.
CASES = {
    'v2b0': (lambda: efficientnet_v2.EfficientNetV2B0(
        weights=None, input_shape=SMALL, classes=10),
        273, 5932122, 775, '2ee26702d63d7458'),
    'cnt': (lambda: convnext.ConvNeXtTiny(
        weights=None, input_shape=SMALL, classes=10),
        153, 27827818, 591, '679645fff552a040'),
    'mv3s': (lambda: mobilenet_v3.MobileNetV3Small(
        weights=None, input_shape=SMALL, classes=10),
        239, 1540218, 783, '2b8540292bf2d56b'),
    'mv3lm': (lambda: mobilenet_v3.MobileNetV3Large(
        weights=None, input_shape=SMALL, minimalistic=True,
        include_top=False, pooling='avg'),
        140, 1437608, 481, '46b2b5eba525f6d7'),
    'rx002': (lambda: regnet.RegNetX002(
        weights=None, input_shape=SMALL, classes=10),
        145, 2340330, 511, '2b3407e3f4138f62'),
    'ry002': (lambda: regnet.RegNetY002(
        weights=None, input_shape=SMALL, include_top=False, pooling='avg'),
        196, 2814844, 743, '4ff7b7e14cf0a70d'),
    'rs50': (lambda: resnet_rs.ResNetRS50(
        weights=None, input_shape=SMALL, classes=10),
        274, 33716778, 962, '7f5dc5c61e33bb24'),
}

# tf_keras 2.21's predictions on `IMAGES` after `fill`: all of them for
# the 10-class tops; for the pooled features, the first 6 of each row and
# the row sums.
FULL = {
    'v2b0': [[0.1352045, 0.06992593, 0.08890187, 0.07939593, 0.1316438,
              0.1003778, 0.09233835, 0.1088028, 0.09883396, 0.09457516],
             [0.1350933, 0.07000633, 0.08882247, 0.07937154, 0.1315515,
              0.1004885, 0.09225469, 0.1089496, 0.09884709, 0.09461489]],
    'cnt': [[0.1303045, 0.152132, 0.1677748, 0.1184578, 0.03609698,
             0.05627996, 0.02410002, 0.06343462, 0.05020932, 0.20121],
            [0.06333183, 0.09476012, 0.04979951, 0.1077988, 0.06022486,
             0.02468531, 0.1177505, 0.1294023, 0.1695047, 0.1827421]],
    'mv3s': [[0.137042, 0.07820272, 0.07545903, 0.09926609, 0.08402095,
              0.09102232, 0.1068784, 0.1083602, 0.1033825, 0.1163658],
             [0.1370432, 0.07820185, 0.07546031, 0.09926406, 0.08402041,
              0.09102203, 0.1068785, 0.1083601, 0.1033824, 0.1163672]],
    # RegNet's top has no activation (logits), as in tf.keras.
    'rx002': [[0.1328172, 0.4032874, -0.4507525, -0.8878412, -0.9179056,
               0.7353719, 1.424953, -0.5372559, -0.1894768, -0.7279882],
              [-0.02263001, 0.2475949, -0.2200003, -0.6243094, -0.88117,
               0.872391, 1.301879, -0.2943752, -0.1330461, -0.6560658]],
    'rs50': [[0.08001255, 0.137572, 0.09140336, 0.06718326, 0.07746176,
              0.09090891, 0.09418823, 0.1176532, 0.169045, 0.07457179],
             [0.08059908, 0.1385914, 0.09080062, 0.06622349, 0.07799917,
              0.08952656, 0.09412232, 0.1191624, 0.169901, 0.073074]],
}
POOLED = {
    'mv3lm': ([[0.1618223, 0.6917676, 0.2289388, 0.249055, 0.0, 0.1025503],
               [0.1547908, 0.692548, 0.2439104, 0.3353454, 0.0,
                0.09754103]], [180.47906, 179.40188]),
    'ry002': ([[0.03738198, 0.0, 1.03892, 0.8280918, 0.2424356,
                0.04796545],
               [0.03553116, 0.0, 1.062484, 0.646899, 0.2801192,
                0.06403309]], [153.024, 153.40012]),
}

IMAGES = np.random.RandomState(0).uniform(0, 255, (2,) + SMALL).astype(
    'float32')


def fill(model):
    """Deterministic weights, written the same way for tf_keras: each
    weight drawn from a RandomState seeded by its layer's name and index,
    kernels scaled by 1/sqrt(fan-in), BatchNormalization variances and
    scales around 1, other vectors around 0."""
    for layer in model.layers:
        values = []
        for j, w in enumerate(layer.weights):
            shape = tuple(w.shape)
            rng = np.random.RandomState(
                zlib.crc32(('%s/%d' % (layer.name, j)).encode()))
            u = rng.uniform(-1, 1, shape)
            if len(shape) >= 2:
                fan_in = np.prod(shape[:2]) if shape[-1] == 1 else \
                    np.prod(shape[:-1])
                v = u * np.sqrt(3. / fan_in)
            elif 'variance' in w.name or 'gamma' in w.name:
                v = 1 + 0.5 * u
            else:
                v = 0.2 * u
            values.append(v.astype('float32'))
        if values:
            layer.set_weights(values)


def describe(model):
    layers = []
    for layer in model.layers:
        shape = layer.output_shape
        if isinstance(shape, list):
            shape = shape[0]
        layers.append([layer.name, layer.__class__.__name__,
                       [-1 if d is None else int(d) for d in shape],
                       int(layer.count_params())])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        model.summary()
    digest = hashlib.sha1(json.dumps(layers).encode()).hexdigest()[:16]
    return (len(layers), int(model.count_params()),
            len(out.getvalue().splitlines()), digest), layers


@pytest.fixture
def tf_keras_names():
    """tf.keras's layer names; one torch thread (the initializers of
    these large models run several times faster on a busy machine)."""
    K.common.set_api_flavour('tf.keras')
    K.clear_session()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize('key', sorted(CASES))
def test_layers_and_outputs_match_tf_keras(key, tf_keras_names):
    build, n_layers, params, lines, digest = CASES[key]
    model = build()
    summary, layers = describe(model)
    assert summary[:3] == (n_layers, params, lines)
    assert summary[3] == digest, layers[:5]
    fill(model)
    got = model.predict(IMAGES, verbose=0)
    if key in FULL:
        np.testing.assert_allclose(got, FULL[key], rtol=1e-4, atol=1e-6)
    else:
        head, sums = POOLED[key]
        np.testing.assert_allclose(got[:, :6], head, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(got.sum(axis=1), sums, rtol=1e-5)


class Offline(Exception):
    pass


@pytest.fixture
def downloads(monkeypatch, tf_keras_names):
    """The get_file calls of the models, failing as without a network."""
    calls = []

    def get_file(fname, origin, cache_subdir='datasets', file_hash=None,
                 **kwargs):
        calls.append((fname, origin, cache_subdir, file_hash))
        raise Offline('URL fetch failure on %s' % origin)
    monkeypatch.setattr(_blocks, 'get_file', get_file)
    return calls


GS = 'https://storage.googleapis.com/tensorflow/keras-applications/'


@pytest.mark.parametrize('build,name,url,file_hash', [
    (lambda: efficientnet_v2.EfficientNetV2B0(
        include_top=False, input_shape=SMALL),
     'efficientnetv2-b0_notop.h5', GS + 'efficientnet_v2/',
     '893217f2bb855e2983157299931e43ff'),
    (lambda: convnext.ConvNeXtTiny(include_top=False, input_shape=SMALL),
     'convnext_tiny_notop.h5', GS + 'convnext/',
     'd547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1'),
    (lambda: mobilenet_v3.MobileNetV3Small(input_shape=SMALL),
     'weights_mobilenet_v3_small_224_1.0_float.h5', GS + 'mobilenet_v3/',
     '8768d4c2e7dee89b9d02b2d03d65d862'),
    (lambda: mobilenet_v3.MobileNetV3Large(
        minimalistic=True, include_top=False, input_shape=SMALL),
     'weights_mobilenet_v3_large_minimalistic_224_1.0_float_no_top_v2.h5',
     GS + 'mobilenet_v3/', 'ec5221f64a2f6d1ef965a614bdae7973'),
    (lambda: regnet.RegNetX002(include_top=False, input_shape=SMALL),
     'regnetx002_notop.h5', GS + 'regnet/',
     '5445b66cd50445eb7ecab094c1e78d4d3d29375439d1a7798861c4af15ffff21'),
])
def test_imagenet_weight_files(downloads, build, name, url, file_hash):
    # tf_keras 2.21's file names, URLs and hashes; the download failure
    # reaches the caller.
    with pytest.raises(Offline, match='URL fetch failure on ' + url + name):
        build()
    assert downloads == [(name, url + name, 'models', file_hash)]


def test_resnet_rs_imagenet_weight_variants(downloads, monkeypatch):
    # 'imagenet' is the largest input size's file ('-i160' for depth 50,
    # '-i256' for 152); others are named 'imagenet-i<size>'. (The block
    # groups are left out: the file choice does not depend on them.)
    monkeypatch.setattr(resnet_rs, 'block_group', lambda x, *a, **k: x)
    for build, name, md5 in [
            (lambda: resnet_rs.ResNetRS50(include_top=False),
             'resnet-rs-50-i160_notop.h5',
             '90daa68cd26c95aa6c5d25451e095529'),
            (lambda: resnet_rs.ResNetRS152(weights='imagenet-i192',
                                           input_shape=SMALL, classes=1000),
             'resnet-rs-152-i192.h5', '8d72a301ed8a6f11a47c4ced4396e338')]:
        del downloads[:]
        with pytest.raises(Offline):
            build()
        assert downloads == [(name, GS + 'resnet_rs/' + name, 'models', md5)]
    with pytest.raises(ValueError, match=r"available \['imagenet-i160'\]"):
        resnet_rs.ResNetRS50(weights='imagenet-i224')
    with pytest.raises(ValueError, match='`classes` should be 1000'):
        resnet_rs.ResNetRS50(weights='imagenet', classes=10)


def test_argument_errors(tf_keras_names):
    with pytest.raises(ValueError, match='alpha can be one of'):
        mobilenet_v3.MobileNetV3Small(alpha=0.5)
    with pytest.raises(ValueError, match='at least 32x32'):
        mobilenet_v3.MobileNetV3Large(weights=None, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match='`classes` should be 1000'):
        convnext.ConvNeXtTiny(classes=10)
    with pytest.raises(ValueError, match='at least 32x32'):
        efficientnet_v2.EfficientNetV2B0(weights=None, include_top=False,
                                         input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match='`weights` argument'):
        regnet.RegNetY002(weights='no/such/file.h5')


def test_modules_and_preprocessing(monkeypatch):
    # tf.keras's names; preprocess_input passes its input through and
    # decode_predictions is ImageNet's.
    for module, names in [
            (efficientnet_v2, ['EfficientNetV2B0', 'EfficientNetV2B1',
                               'EfficientNetV2B2', 'EfficientNetV2B3',
                               'EfficientNetV2S', 'EfficientNetV2M',
                               'EfficientNetV2L']),
            (convnext, ['ConvNeXtTiny', 'ConvNeXtSmall', 'ConvNeXtBase',
                        'ConvNeXtLarge', 'ConvNeXtXLarge']),
            (mobilenet_v3, ['MobileNetV3Small', 'MobileNetV3Large']),
            (regnet, ['RegNet%s%03d' % (kind, flops) for kind in 'XY'
                      for flops in (2, 4, 6, 8, 16, 32, 40, 64, 80, 120,
                                    160, 320)]),
            (resnet_rs, ['ResNetRS%d' % d
                         for d in (50, 101, 152, 200, 270, 350, 420)])]:
        for name in names:
            assert getattr(applications, name) is getattr(module, name)
            assert getattr(module, name).__name__ == name
        x = np.arange(6.).reshape(1, 1, 2, 3)
        assert module.preprocess_input(x) is x
        preds = np.zeros((1, 1000), 'float32')
        preds[0, 7] = 1.
        monkeypatch.setattr(imagenet_utils, '_CLASS_INDEX', {
            str(i): ['n%08d' % i, 'class%d' % i] for i in range(1000)})
        assert module.decode_predictions(preds, top=1) == \
            [[('n00000007', 'class7', 1.)]]
        with pytest.raises(ValueError, match='expects a batch'):
            module.decode_predictions(preds[:, :10])


def test_layer_scale_and_stochastic_depth():
    # As tf.keras's convnext layers: LayerScale multiplies by 'gamma'
    # (init_values); StochasticDepth keeps or drops whole samples in
    # training, scaled by 1 / keep_prob, and is the identity otherwise.
    scale = convnext.LayerScale(0.5, 3, name='scale')
    x = np.ones((2, 2, 3), 'float32')
    np.testing.assert_allclose(K.eval(scale(K.constant(x))), x * 0.5)
    assert [w.name.split('/')[-1].split(':')[0]
            for w in scale.weights] == ['gamma']
    assert scale.get_config()['projection_dim'] == 3
    drop = convnext.StochasticDepth(0.5)
    x = K.constant(np.ones((64, 2, 2, 3), 'float32'))
    y = K.eval(drop(x, training=True))
    per_sample = y.reshape(64, -1)
    assert set(np.unique(per_sample)) <= {0., 2.}
    assert (per_sample.min(1) == per_sample.max(1)).all()
    assert 0 < (per_sample[:, 0] == 0).sum() < 64
    np.testing.assert_allclose(K.eval(drop(x, training=False)), K.eval(x))
    assert convnext.StochasticDepth.from_config(
        drop.get_config()).drop_path_rate == 0.5


def test_mobilenet_v3_saves_and_loads_its_nested_layer_names(
        tf_keras_names, tmp_path):
    # Layer names that are paths inside other layers' names ('Conv' and
    # 'Conv/BatchNorm') are written as tf.keras writes them, in name order.
    model = CASES['mv3s'][0]()
    fill(model)
    path = str(tmp_path / 'mv3.h5')
    model.save_weights(path)
    other = CASES['mv3s'][0]()
    other.load_weights(path)
    np.testing.assert_allclose(other.predict(IMAGES, verbose=0),
                               model.predict(IMAGES, verbose=0), rtol=1e-6)
