"""A two-input, two-output functional model (the Keras guide's headline and
auxiliary-input example) on synthetic data, saved and reloaded.

    python -m keras_compat run examples/functional_two_inputs.py
"""
import os
import tempfile

import numpy as np
import keras
from keras.layers import Input, Embedding, LSTM, Dense
from keras.models import Model, load_model

np.random.seed(0)
n, length, vocab = 512, 12, 200
headline = np.random.randint(1, vocab, size=(n, length))
extra = np.random.rand(n, 5)
label = ((headline[:, 0] > vocab // 2) ^ (extra[:, 0] > 0.5)).astype(int)

main_input = Input(shape=(length,), dtype='int32', name='main_input')
x = Embedding(output_dim=16, input_dim=vocab, input_length=length)(main_input)
lstm_out = LSTM(16)(x)
auxiliary_output = Dense(1, activation='sigmoid', name='aux_output')(lstm_out)
auxiliary_input = Input(shape=(5,), name='aux_input')
x = keras.layers.concatenate([lstm_out, auxiliary_input])
x = Dense(32, activation='relu')(x)
main_output = Dense(1, activation='sigmoid', name='main_output')(x)

model = Model(inputs=[main_input, auxiliary_input],
              outputs=[main_output, auxiliary_output])
model.compile(optimizer='rmsprop',
              loss={'main_output': 'binary_crossentropy',
                    'aux_output': 'binary_crossentropy'},
              loss_weights={'main_output': 1., 'aux_output': 0.2},
              metrics=['accuracy'])
model.summary()
model.fit({'main_input': headline, 'aux_input': extra},
          {'main_output': label, 'aux_output': label},
          epochs=3, batch_size=32, verbose=2)

path = os.path.join(tempfile.mkdtemp(), 'two_inputs.h5')
model.save(path)
restored = load_model(path)
same = np.allclose(restored.predict([headline, extra])[0],
                   model.predict([headline, extra])[0])
print('Metrics:', model.metrics_names)
print('Reloaded model predicts the same:', same)
