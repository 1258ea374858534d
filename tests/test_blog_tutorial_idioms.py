"""Idioms of the most copied Keras 2 tutorial code: stateful LSTM
forecasting with a hand-written epoch loop and walk-forward prediction,
encoder-decoder and ConvLSTM2D sequence models, multi-input/multi-output
functional models, SGD with decay and Nesterov momentum, GAN training
with `trainable` toggled, 'th' image ordering, and the scikit-learn
wrappers inside a Pipeline. Numbers come from tf_keras 2.21 run on the
same weights (legacy optimizers, shuffle=False)."""
import warnings

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat.optimizers import SGD, Adam

L = keras.layers


def _fixed(model, seed, scale=0.3):
    rng = np.random.RandomState(seed)
    model.set_weights([rng.uniform(-scale, scale, w.shape).astype('float32')
                       for w in model.get_weights()])


def test_stateful_lstm_epoch_loop_and_walk_forward_prediction():
    series = np.sin(np.arange(12) * 0.7).astype('float32')
    x, y = series[:-1].reshape(-1, 1, 1), series[1:]
    model = keras.models.Sequential([
        L.LSTM(3, batch_input_shape=(1, 1, 1), stateful=True), L.Dense(1)])
    model.compile(loss='mean_squared_error', optimizer=Adam(lr=0.01))
    _fixed(model, 0)
    losses = []
    for _ in range(3):
        losses += model.fit(x[:8], y[:8], epochs=1, batch_size=1, verbose=0,
                            shuffle=False).history['loss']
        model.reset_states()
    model.predict(x[:8], batch_size=1)
    preds = [model.predict(x[i:i + 1], batch_size=1)[0, 0]
             for i in range(8, 11)]
    np.testing.assert_allclose(losses, [0.626274, 0.581315, 0.557256],
                               atol=3e-6)
    np.testing.assert_allclose(preds, [-0.11006, -0.075196, -0.022245],
                               atol=3e-6)
    # Keras 2.3's check of a stateful fit.
    with pytest.raises(ValueError, match='divided by the batch size. '
                                         'Found: 11 samples'):
        model.fit(x, y, epochs=1, batch_size=2, verbose=0)


def test_encoder_decoder_and_conv_lstm_forecasters():
    x = (np.arange(24).reshape(4, 3, 2) / 24.).astype('float32')
    y = x[:, :2, :1] * 2
    model = keras.models.Sequential([
        L.LSTM(4, activation='relu', input_shape=(3, 2)), L.RepeatVector(2),
        L.LSTM(4, activation='relu', return_sequences=True),
        L.TimeDistributed(L.Dense(1))])
    model.compile(optimizer=Adam(lr=0.01), loss='mse')
    _fixed(model, 1, 0.5)
    hist = model.fit(x, y, epochs=2, batch_size=2, verbose=0, shuffle=False)
    np.testing.assert_allclose(hist.history['loss'], [0.599087, 0.569719],
                               atol=2e-6)
    np.testing.assert_allclose(model.predict(x[:1]),
                               [[[0.328534], [0.360378]]], atol=2e-6)
    x5 = x.reshape(4, 3, 1, 2, 1)
    model = keras.models.Sequential([
        L.ConvLSTM2D(2, (1, 2), activation='relu', input_shape=(3, 1, 2, 1)),
        L.Flatten(), L.Dense(1)])
    assert model.layers[0].name.startswith('conv_lst_m2d')
    model.compile(optimizer=Adam(lr=0.01), loss='mse')
    _fixed(model, 3, 0.5)
    hist = model.fit(x5, y[:, 0], epochs=2, batch_size=2, verbose=0,
                     shuffle=False)
    np.testing.assert_allclose(hist.history['loss'], [0.586274, 0.566011],
                               atol=2e-6)
    np.testing.assert_allclose(model.predict(x5[:2]),
                               [[0.233468], [0.243932]], atol=2e-6)


def test_multi_input_multi_output_model_with_loss_weights():
    a_in, b_in = L.Input((4,)), L.Input((3,))
    merged = L.concatenate([L.Dense(5, activation='relu')(a_in),
                            L.Dense(5, activation='relu')(b_in)])
    model = keras.models.Model([a_in, b_in], [
        L.Dense(1, activation='sigmoid', name='cls')(merged),
        L.Dense(2, name='reg')(merged)])
    model.compile(optimizer=Adam(lr=0.01), loss=['binary_crossentropy', 'mse'],
                  loss_weights=[1., 0.5], metrics=['accuracy'])
    _fixed(model, 4)
    rs = np.random.RandomState(0)
    a, b = rs.rand(12, 4).astype('float32'), rs.rand(12, 3).astype('float32')
    y1, y2 = (a[:, 0] > .5).astype('float32'), rs.rand(12, 2).astype('float32')
    hist = model.fit([a, b], [y1, y2], epochs=2, batch_size=4, verbose=0,
                     shuffle=False, validation_split=0.25)
    # Keras 2.3 names: '<output>_<metric>' for every output.
    assert model.metrics_names == ['loss', 'cls_loss', 'reg_loss',
                                   'cls_accuracy', 'reg_accuracy']
    np.testing.assert_allclose(hist.history['loss'], [0.846951, 0.794545],
                               atol=2e-6)
    np.testing.assert_allclose(hist.history['cls_loss'], [0.71096, 0.703037],
                               atol=2e-6)
    np.testing.assert_allclose(hist.history['val_reg_loss'],
                               [0.308439, 0.210708], atol=2e-6)
    np.testing.assert_allclose(
        model.evaluate([a, b], [y1, y2], verbose=0),
        [0.775639, 0.702013, 0.147252, 0.416667, 0.583333], atol=2e-6)


def test_sgd_decay_nesterov_max_norm_and_checkpoint_names(tmp_path, capsys):
    pytest.importorskip('h5py')
    rs = np.random.RandomState(1)
    x = rs.rand(30, 4).astype('float32')
    y = (x[:, 0] + x[:, 3] > 1).astype('float32')
    model = keras.models.Sequential([
        L.Dense(6, input_dim=4, activation='relu',
                kernel_constraint=keras.constraints.maxnorm(1.)),
        L.Dense(1, activation='sigmoid')])
    _fixed(model, 5, 0.6)
    model.compile(loss='binary_crossentropy', metrics=['accuracy'],
                  optimizer=SGD(lr=0.2, momentum=0.8, decay=0.05,
                                nesterov=True))
    path = str(tmp_path / 'weights-improvement-{epoch:02d}-{val_acc:.2f}.hdf5')
    hist = model.fit(x, y, validation_split=0.3, epochs=5, batch_size=7,
                     verbose=0, shuffle=False, callbacks=[
                         keras.callbacks.ModelCheckpoint(
                             path, monitor='val_acc', verbose=1,
                             save_best_only=True, mode='max')])
    np.testing.assert_allclose(
        hist.history['loss'],
        [0.671095, 0.642479, 0.618286, 0.591733, 0.554979], atol=2e-6)
    np.testing.assert_allclose(
        hist.history['val_loss'],
        [0.732062, 0.702413, 0.675362, 0.656224, 0.635987], atol=2e-6)
    np.testing.assert_allclose(hist.history['val_acc'],
                               [4 / 9., 4 / 9., 7 / 9., 7 / 9., 7 / 9.],
                               atol=1e-6)
    np.testing.assert_allclose(
        np.sqrt((model.get_weights()[0] ** 2).sum(0)),
        [0.641116, 0.612948, 0.636837, 1.0, 0.632001, 0.497156], atol=2e-6)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'weights-improvement-01-0.44.hdf5', 'weights-improvement-03-0.78.hdf5']
    # Keras 2's message names the monitor as given.
    assert 'Epoch 00003: val_acc improved from 0.44444 to 0.77778, saving ' \
        'model to' in capsys.readouterr().out


def test_gan_loop_with_frozen_discriminator_inside_the_combined_model():
    disc = keras.models.Sequential([L.Dense(4, activation='relu', input_dim=2),
                                    L.Dense(1, activation='sigmoid')])
    disc.compile(loss='binary_crossentropy', optimizer=Adam(lr=0.01),
                 metrics=['accuracy'])
    _fixed(disc, 10)
    gen = keras.models.Sequential([L.Dense(4, input_dim=3),
                                   L.LeakyReLU(alpha=0.2), L.Dense(2)])
    _fixed(gen, 11)
    disc.trainable = False
    gan = keras.models.Sequential([gen, disc])
    gan.compile(loss='binary_crossentropy', optimizer=Adam(lr=0.01))
    assert len(gan.trainable_weights) == 4 and not disc.trainable_weights
    rng = np.random.RandomState(3)
    out = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        for _ in range(2):
            x_real = rng.rand(4, 2).astype('float32')
            x_fake = gen.predict(rng.randn(4, 3).astype('float32'))
            out += disc.train_on_batch(x_real, np.ones((4, 1)))
            out += disc.train_on_batch(x_fake, np.zeros((4, 1)))
            out.append(gan.train_on_batch(rng.randn(4, 3).astype('float32'),
                                          np.ones((4, 1))))
    # Keras 2 warns: the discriminator was compiled while trainable.
    assert any('Discrepancy between trainable weights' in str(w.message)
               for w in caught)
    np.testing.assert_allclose(out, [
        0.611591, 1.0, 0.790649, 0.0, 0.606341,
        0.600626, 1.0, 0.790563, 0.0, 0.606976], atol=2e-6)
    np.testing.assert_allclose(gen.predict(np.ones((1, 3), 'float32')),
                               [[-0.298579, -0.370349]], atol=2e-6)


def test_th_image_ordering_cnn_flattens_in_channels_last_order():
    K.set_image_dim_ordering('th')
    try:
        x = np.random.RandomState(0).rand(6, 1, 5, 5).astype('float32')
        y = keras.utils.np_utils.to_categorical(np.arange(6) % 3)
        model = keras.models.Sequential([
            L.Conv2D(3, (2, 2), input_shape=(1, 5, 5), activation='relu'),
            L.MaxPooling2D((2, 2)), L.Flatten(),
            L.Dense(3, activation='softmax')])
        model.compile(loss='categorical_crossentropy', optimizer=Adam(lr=0.01),
                      metrics=['accuracy'])
        _fixed(model, 2, 0.5)
        hist = model.fit(x, y, epochs=2, batch_size=3, verbose=0,
                         shuffle=False)
        # tf_keras 2.21 on the channels-last transpose of the same data.
        np.testing.assert_allclose(hist.history['loss'],
                                   [1.134686, 1.125935], atol=2e-6)
        np.testing.assert_allclose(
            model.predict(x[:2]), [[0.252022, 0.315535, 0.432443],
                                   [0.233324, 0.304185, 0.46249]], atol=2e-6)
    finally:
        K.set_image_data_format('channels_last')


def _regressor_pipeline(wrappers):
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    def build():
        model = keras.models.Sequential([
            L.Dense(4, input_dim=3, activation='relu'), L.Dense(1)])
        model.compile(loss='mean_squared_error', optimizer=Adam(lr=0.05))
        _fixed(model, 1, 0.5)
        return model
    return Pipeline([('standardize', StandardScaler()),
                     ('mlp', wrappers.KerasRegressor(
                         build_fn=build, epochs=3, batch_size=4, verbose=0,
                         shuffle=False))])


def test_keras_regressor_in_a_pipeline_scores_each_fold():
    pytest.importorskip('sklearn')
    from sklearn.model_selection import KFold, cross_val_score
    from keras_compat.wrappers import scikit_learn
    from sklearn.utils.validation import check_is_fitted
    rs = np.random.RandomState(0)
    x = rs.rand(12, 3).astype('float32')
    y = x[:, 0] * 2 + x[:, 1]
    pipe = _regressor_pipeline(scikit_learn)
    with pytest.raises(Exception, match='not fitted'):
        check_is_fitted(pipe.steps[-1][1])
    # Keras 2.3's wrappers with the same weights on tf_keras 2.21.
    np.testing.assert_allclose(cross_val_score(pipe, x, y, cv=KFold(2)),
                               [-1.04641, -0.658365], atol=3e-6)
    pipe.fit(x, y)
    assert pipe.score(x, y) == pytest.approx(-0.497917, abs=3e-6)
    np.testing.assert_allclose(pipe.predict(x[:3]),
                               [1.125127, 1.288213, 1.122409], atol=3e-6)
