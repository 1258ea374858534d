"""Trains a classifier, then builds a feature extractor from the outputs of
its inner layers (`Model(model.input, layer.output)`) and reads
activations with `K.function`.

    python -m keras_compat run examples/functional_feature_extractor.py
"""
import numpy as np
import keras
from keras import backend as K
from keras.layers import Dense, Dropout
from keras.models import Model, Sequential

np.random.seed(0)
x = np.random.rand(1000, 10)
y = keras.utils.to_categorical((x[:, :3].sum(axis=1) > 1.5).astype(int), 2)

model = Sequential([Dense(32, activation='relu', input_shape=(10,),
                          name='hidden_1'),
                    Dropout(0.2),
                    Dense(16, activation='relu', name='hidden_2'),
                    Dense(2, activation='softmax')])
model.compile('adam', 'categorical_crossentropy', metrics=['accuracy'])
model.fit(x, y, epochs=5, batch_size=32, verbose=2)

extractor = Model(inputs=model.input,
                  outputs=[model.get_layer('hidden_1').output,
                           model.get_layer('hidden_2').output])
features_1, features_2 = extractor.predict(x[:5])
print('Feature shapes:', features_1.shape, features_2.shape)

get_hidden = K.function([model.input, K.learning_phase()],
                        [model.get_layer('hidden_2').output])
print('K.function agrees:', np.allclose(get_hidden([x[:5], 0])[0],
                                         features_2, atol=1e-6))
