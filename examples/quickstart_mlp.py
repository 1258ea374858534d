"""A Keras 2 MLP, exactly as written for Keras: trains a 3-class classifier
on synthetic blobs and reports test accuracy.

    python -m keras_compat run examples/quickstart_mlp.py
"""
import numpy as np
import keras
from keras.models import Sequential
from keras.layers import Dense, Dropout
from keras.optimizers import SGD

np.random.seed(0)
centers = np.random.randn(3, 20) * 2
y = np.random.randint(3, size=3000)
x = centers[y] + np.random.randn(3000, 20)
y = keras.utils.to_categorical(y, num_classes=3)
x_train, x_test, y_train, y_test = x[:2500], x[2500:], y[:2500], y[2500:]

model = Sequential()
model.add(Dense(64, activation='relu', input_dim=20))
model.add(Dropout(0.5))
model.add(Dense(64, activation='relu'))
model.add(Dropout(0.5))
model.add(Dense(3, activation='softmax'))
model.summary()

sgd = SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)
model.compile(loss='categorical_crossentropy', optimizer=sgd,
              metrics=['accuracy'])
model.fit(x_train, y_train, epochs=5, batch_size=128, validation_split=0.1)
loss, accuracy = model.evaluate(x_test, y_test, batch_size=128, verbose=0)
print('Test loss %.4f, test accuracy %.4f' % (loss, accuracy))
