"""A siamese network: one shared encoder applied to two inputs, the
distance of the encodings predicting whether the pair belongs together.

    python -m keras_compat run examples/functional_siamese.py
"""
import os
import tempfile

import numpy as np
from keras import backend as K
from keras.layers import Input, Dense, Lambda
from keras.models import Model, Sequential, load_model

np.random.seed(0)
centers = np.random.randn(4, 8) * 2
classes = np.random.randint(4, size=(1024, 2))
left = centers[classes[:, 0]] + np.random.randn(1024, 8) * 0.3
right = centers[classes[:, 1]] + np.random.randn(1024, 8) * 0.3
same = (classes[:, 0] == classes[:, 1]).astype('float32')


def euclidean_distance(vects):
    x, y = vects
    sum_square = K.sum(K.square(x - y), axis=1, keepdims=True)
    return K.sqrt(K.maximum(sum_square, K.epsilon()))


def contrastive_loss(y_true, y_pred):
    margin = 1
    return K.mean(y_true * K.square(y_pred) +
                  (1 - y_true) * K.square(K.maximum(margin - y_pred, 0)))


encoder = Sequential([Dense(16, activation='relu', input_shape=(8,)),
                      Dense(8)], name='encoder')
input_a, input_b = Input(shape=(8,)), Input(shape=(8,))
distance = Lambda(euclidean_distance, output_shape=(1,))(
    [encoder(input_a), encoder(input_b)])
model = Model([input_a, input_b], distance)
model.compile(loss=contrastive_loss, optimizer='adam')
model.fit([left, right], same, batch_size=64, epochs=5, verbose=2)

pred = model.predict([left, right]).ravel()
accuracy = np.mean((pred < 0.5) == (same == 1))
print('Pair accuracy: %.3f' % accuracy)

path = os.path.join(tempfile.mkdtemp(), 'siamese.h5')
model.save(path)
restored = load_model(path, custom_objects={
    'contrastive_loss': contrastive_loss,
    'euclidean_distance': euclidean_distance})
print('Reloaded model predicts the same:',
      np.allclose(restored.predict([left, right]).ravel(), pred, atol=1e-6))
