"""A denoising autoencoder trained only through `model.add_loss`: the
reconstruction error is a tensor of the graph, no target is passed to fit.

    python -m keras_compat run examples/functional_autoencoder_add_loss.py
"""
import os
import tempfile

import numpy as np
from keras import backend as K
from keras.layers import Input, Dense, GaussianNoise
from keras.models import Model

np.random.seed(0)
basis = np.random.randn(3, 20)
data = np.random.randn(2000, 3) @ basis

inputs = Input(shape=(20,))
noisy = GaussianNoise(0.1)(inputs)
code = Dense(3, name='code')(Dense(16, activation='tanh')(noisy))
recon = Dense(20)(Dense(16, activation='tanh')(code))
autoencoder = Model(inputs, recon)
autoencoder.add_loss(K.mean(K.square(recon - inputs)))
autoencoder.add_metric(K.mean(K.abs(code)), name='code_magnitude')
autoencoder.compile(optimizer='adam')
history = autoencoder.fit(data, None, epochs=10, batch_size=64, verbose=2)
print('Reconstruction error: %.4f -> %.4f'
      % (history.history['loss'][0], history.history['loss'][-1]))

path = os.path.join(tempfile.mkdtemp(), 'autoencoder_weights.h5')
autoencoder.save_weights(path)
clone = Model(inputs, recon)
clone.load_weights(path)
print('Reloaded weights predict the same:',
      np.allclose(clone.predict(data[:10]), autoencoder.predict(data[:10])))
