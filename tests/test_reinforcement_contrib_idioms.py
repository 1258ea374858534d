"""Keras 2 graph idioms of keras-rl (DQN, DDPG, NAF agents) and
keras-contrib (CRF, InstanceNormalization, DSSIM), written here in the
libraries' own style: soft target updates through an optimizer wrapping
another's `get_updates`, a policy gradient taken through a critic with
`K.function` updates, `tf.scan`/`tf.gather` layers, a CRF loss that finds
its layer's inputs through `y_pred._keras_history`, and TF1 patch
extraction. Expected values come from tf_keras 2.21 in graph mode
(`disable_eager_execution`, legacy optimizers) with the same weights and
data, or, where noted, from the CRF formula computed by enumeration."""
import itertools

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.layers import Concatenate, Dense, Embedding, Input, Lambda
from keras_compat.layers import Layer
from keras_compat.models import Model, Sequential, model_from_config
from keras_compat.optimizers import SGD, Adam, Optimizer


def _fill(model, seed):
    rs = np.random.RandomState(seed)
    model.set_weights([rs.uniform(-0.5, 0.5, size=w.shape).astype('float32')
                       for w in model.get_weights()])


# ----------------------------------------------------------------- keras-rl
class AdditionalUpdatesOptimizer(Optimizer):
    """keras-rl's optimizer that runs another one's updates plus its own."""

    def __init__(self, optimizer, additional_updates):
        super(AdditionalUpdatesOptimizer, self).__init__()
        self.optimizer = optimizer
        self.additional_updates = additional_updates

    def get_updates(self, params, loss):
        updates = self.optimizer.get_updates(params=params, loss=loss)
        updates += self.additional_updates
        self.updates = updates
        return self.updates

    def get_config(self):
        return self.optimizer.get_config()


def mean_q(y_true, y_pred):
    return K.mean(K.max(y_pred, axis=-1))


def _dueling_dqn():
    base = Sequential([Dense(5, activation='relu', input_shape=(3,)),
                       Dense(2)])
    y = Dense(3)(base.layers[-2].output)
    out = Lambda(lambda a: K.expand_dims(a[:, 0], -1) + a[:, 1:] -
                 K.mean(a[:, 1:], keepdims=True), output_shape=(2,))(y)
    model = Model(base.input, out)
    _fill(model, 1)
    return model


def test_dqn_soft_target_updates_through_wrapping_optimizer():
    model = _dueling_dqn()
    target = model_from_config({'class_name': model.__class__.__name__,
                                'config': model.get_config()})
    target.set_weights(model.get_weights())
    tws = target.trainable_weights + sum(
        [l.non_trainable_weights for l in target.layers], [])
    sws = model.trainable_weights + sum(
        [l.non_trainable_weights for l in model.layers], [])
    updates = [(tw, 0.1 * sw + (1. - 0.1) * tw) for tw, sw in zip(tws, sws)]

    def clipped_masked_error(args):
        y_true, y_pred, mask = args
        x = y_true - y_pred
        loss = tf.where(K.abs(x) < 1.0, .5 * K.square(x), K.abs(x) - .5)
        loss *= mask
        return K.sum(loss, axis=-1)

    y_true = Input(name='y_true', shape=(2,))
    mask = Input(name='mask', shape=(2,))
    loss_out = Lambda(clipped_masked_error, output_shape=(1,),
                      name='loss')([y_true, model.output, mask])
    trainable = Model([model.input, y_true, mask], [loss_out, model.output])
    trainable.compile(
        optimizer=AdditionalUpdatesOptimizer(Adam(lr=0.05), updates),
        loss=[lambda yt, yp: yp, lambda yt, yp: K.zeros_like(yp)],
        metrics={trainable.output_names[1]: [mean_q]})
    s = np.random.RandomState(2).randn(4, 3).astype('float32')
    targets = np.zeros((4, 2), 'float32')
    masks = np.zeros((4, 2), 'float32')
    for i, (action, r) in enumerate([(0, 2.5), (1, -1.0), (1, 0.3),
                                     (0, 0.7)]):
        targets[i, action], masks[i, action] = r, 1.
    history = [trainable.train_on_batch([s, targets, masks],
                                        [targets[:, 0], targets])
               for _ in range(3)]
    # tf_keras 2.21: [loss, loss_loss, lambda_loss, lambda_mean_q] per step.
    np.testing.assert_allclose(history, [
        [0.952686, 0.952686, 0.0, 0.18142],
        [0.665025, 0.665025, 0.0, 0.365735],
        [0.397724, 0.397724, 0.0, 0.630342]], atol=2e-5)
    np.testing.assert_allclose(model.get_weights()[-1],
                               [-0.036591, 0.335806, 0.185321], atol=2e-5)
    # The target update reads the online weights as they were before the
    # step's optimizer update (tf_keras 2.21 does so on most runs; its
    # graph leaves the order of the two free).
    np.testing.assert_allclose(target.get_weights()[-1],
                               [-0.170029, 0.200982, 0.320145], atol=2e-5)
    np.testing.assert_allclose(target.get_weights()[-2][0],
                               [0.2924, 0.48201, -0.20104], atol=2e-5)


def test_ddpg_actor_trained_through_critic_with_k_function():
    actor = Sequential([Dense(4, activation='relu', input_shape=(3,)),
                        Dense(1, activation='tanh')])
    a_in, o_in = Input(shape=(1,)), Input(shape=(3,))
    h = Dense(4, activation='relu')(Concatenate()([a_in, o_in]))
    critic = Model([a_in, o_in], Dense(1)(h))
    _fill(actor, 3)
    _fill(critic, 4)
    critic.compile(Adam(lr=0.01), 'mse')
    combined = critic([actor([o_in]), o_in])
    updates = Adam(lr=0.05).get_updates(params=actor.trainable_weights,
                                        loss=-K.mean(combined))
    train_fn = K.function([o_in, K.learning_phase()], [actor([o_in])],
                          updates=updates)
    obs = np.random.RandomState(5).randn(5, 3).astype('float32')
    outputs = [train_fn([obs, 0])[0].ravel() for _ in range(3)]
    # tf_keras 2.21 (graph mode, legacy Adam).
    np.testing.assert_allclose(outputs, [
        [-0.220242, -0.213156, -0.34316, -0.416974, -0.734855],
        [-0.164956, -0.164956, -0.238939, -0.293438, -0.58647],
        [-0.11589, -0.11589, -0.153112, -0.184066, -0.397185]], atol=2e-5)
    np.testing.assert_allclose(actor.get_weights()[0][0],
                               [0.200557, 0.066988, -0.06051, 0.144525],
                               atol=2e-5)
    grads = K.function([a_in, o_in], K.gradients(critic.output, [a_in]))(
        [np.full((5, 1), 0.3, 'float32'), obs])[0]
    np.testing.assert_allclose(
        grads.ravel(), [0.07007, 0.07007, 0.099891, 0.078685, 0.214017],
        atol=2e-5)


class NAFDiagonal(Layer):
    """keras-rl's NAF advantage, diagonal covariance, as its TensorFlow
    branch computes it (tf.scan over tf.gather, K.batch_dot)."""

    def __init__(self, nb_actions, **kwargs):
        self.nb_actions = nb_actions
        super(NAFDiagonal, self).__init__(**kwargs)

    def call(self, x, mask=None):
        L_flat, mu, a = x
        diag_mask = np.zeros((self.nb_actions, self.nb_actions), 'int32')
        diag_mask[np.diag_indices(self.nb_actions)] = range(
            1, self.nb_actions + 1)
        nb_rows = tf.shape(L_flat)[0]
        zeros = tf.expand_dims(tf.tile(K.zeros((1,)), [nb_rows]), 1)
        L_flat = tf.concat([zeros, L_flat], 1)
        P = tf.scan(lambda acc, x: tf.gather(x, diag_mask), L_flat,
                    initializer=K.zeros((self.nb_actions, self.nb_actions)))
        prod = K.batch_dot(K.expand_dims(a - mu, 1), P)
        prod = K.batch_dot(prod, K.expand_dims(a - mu, -1))
        return -.5 * K.batch_flatten(prod)

    def compute_output_shape(self, input_shape):
        return input_shape[0][0], 1


def test_naf_scan_gather_advantage_trains():
    o, a = Input((3,)), Input((2,))
    L_out = Dense(2)(Concatenate()([a, o]))
    advantage = NAFDiagonal(2)([L_out, Dense(2)(o), a])
    out = Lambda(lambda x: x[0] + x[1], output_shape=lambda x: x[0])(
        [advantage, Dense(1)(o)])
    model = Model([a, o], out)
    _fill(model, 6)
    model.compile(Adam(lr=0.05),
                  lambda yt, yp: K.mean(.5 * K.square(yt - yp), axis=-1))
    rs = np.random.RandomState(7)
    acts = rs.randn(4, 2).astype('float32')
    obs = rs.randn(4, 3).astype('float32')
    returns = rs.randn(4).astype('float32')
    # tf_keras 2.21 (graph mode, legacy Adam).
    np.testing.assert_allclose(
        model.predict_on_batch([acts, obs]).ravel(),
        [-0.549022, 0.333721, 0.399456, -2.556447], atol=2e-5)
    losses = [float(model.train_on_batch([acts, obs], returns))
              for _ in range(3)]
    np.testing.assert_allclose(losses, [3.314585, 1.993666, 1.183136],
                               atol=2e-5)
    np.testing.assert_allclose(
        model.predict_on_batch([acts, obs]).ravel(),
        [0.820689, 0.575826, 0.013144, -0.08551], atol=2e-5)


# ------------------------------------------------------------- keras-contrib
class CRF(Layer):
    """keras-contrib's linear-chain CRF (no regularizers or constraints),
    with its K.rnn recursions, K.slice of the mask constant and
    K.in_train_phase output."""

    def __init__(self, units, learn_mode='join', **kwargs):
        super(CRF, self).__init__(**kwargs)
        self.supports_masking = True
        self.units = units
        self.learn_mode = learn_mode
        self.test_mode = 'viterbi' if learn_mode == 'join' else 'marginal'
        self.sparse_target = False

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                      name='kernel', initializer='uniform')
        self.chain_kernel = self.add_weight(
            shape=(self.units, self.units), name='chain_kernel',
            initializer='uniform')
        self.bias = self.add_weight(shape=(self.units,), name='bias',
                                    initializer='zeros')
        self.left_boundary = self.add_weight(
            shape=(self.units,), name='left_boundary', initializer='zeros')
        self.right_boundary = self.add_weight(
            shape=(self.units,), name='right_boundary', initializer='zeros')
        self.built = True

    def call(self, X, mask=None):
        if self.test_mode == 'viterbi':
            test_output = self.viterbi_decoding(X, mask)
        else:
            test_output = self.get_marginal_prob(X, mask)
        if self.learn_mode == 'join':
            train_output = K.zeros_like(K.dot(X, self.kernel))
            return K.in_train_phase(train_output, test_output)
        return test_output

    def compute_output_shape(self, input_shape):
        return input_shape[:2] + (self.units,)

    def compute_mask(self, input, mask=None):
        if mask is not None and self.learn_mode == 'join':
            return K.any(mask, axis=1)
        return mask

    @staticmethod
    def shift_left(x, offset=1):
        return K.concatenate([x[:, offset:], K.zeros_like(x[:, :offset])],
                             axis=1)

    @staticmethod
    def shift_right(x, offset=1):
        return K.concatenate([K.zeros_like(x[:, :offset]), x[:, :-offset]],
                             axis=1)

    def input_energy(self, X, mask):
        energy = K.dot(X, self.kernel) + self.bias
        start = K.expand_dims(K.expand_dims(self.left_boundary, 0), 0)
        end = K.expand_dims(K.expand_dims(self.right_boundary, 0), 0)
        mask = K.expand_dims(K.cast(mask, K.floatx()))
        start_mask = K.cast(K.greater(mask, self.shift_right(mask)),
                            K.floatx())
        end_mask = K.cast(K.greater(self.shift_left(mask), mask), K.floatx())
        return energy + start_mask * start + end_mask * end

    def get_negative_log_likelihood(self, y_true, X, mask):
        input_energy = self.input_energy(X, mask)
        mask_f = K.cast(mask, K.floatx())
        energy = K.sum(K.sum(input_energy * y_true, 2) * mask_f, -1) + K.sum(
            K.sum(K.dot(y_true[:, :-1, :], self.chain_kernel) *
                  y_true[:, 1:, :], 2) * mask_f[:, :-1] * mask_f[:, 1:], -1)
        logZ = self.recursion(input_energy, mask, return_sequences=False,
                              input_length=K.int_shape(X)[1])[:, 0]
        return (logZ + energy) / K.sum(mask_f, 1)

    def step(self, input_energy_t, states, return_logZ=True):
        prev_target_val, i, chain_energy = states[:3]
        t = K.cast(i[0, 0], dtype='int32')
        m = K.slice(states[3], [0, t], [-1, 2])
        input_energy_t = input_energy_t * K.expand_dims(m[:, 0])
        chain_energy = chain_energy * K.expand_dims(
            K.expand_dims(m[:, 0] * m[:, 1]))
        if return_logZ:
            energy = chain_energy + K.expand_dims(
                input_energy_t - prev_target_val, 2)
            new_target_val = K.logsumexp(-energy, 1)
            return new_target_val, [new_target_val, i + 1]
        energy = chain_energy + K.expand_dims(
            input_energy_t + prev_target_val, 2)
        argmin_table = K.cast(K.argmin(energy, 1), K.floatx())
        return argmin_table, [K.min(energy, 1), i + 1]

    def recursion(self, input_energy, mask, go_backwards=False,
                  return_sequences=True, return_logZ=True,
                  input_length=None):
        chain_energy = K.expand_dims(self.chain_kernel, 0)
        prev_target_val = K.zeros_like(input_energy[:, 0, :])
        if go_backwards:
            input_energy = K.reverse(input_energy, 1)
            mask = K.reverse(mask, 1)
        initial_states = [prev_target_val,
                          K.zeros_like(prev_target_val[:, :1])]
        mask2 = K.cast(K.concatenate([mask, K.zeros_like(mask[:, :1])],
                                     axis=1), K.floatx())
        last, seq, _ = K.rnn(
            lambda e, states: self.step(e, states, return_logZ),
            input_energy, initial_states, constants=[chain_energy, mask2],
            input_length=input_length)
        if return_sequences:
            return K.reverse(seq, 1) if go_backwards else seq
        return last

    def get_marginal_prob(self, X, mask):
        input_energy = self.input_energy(X, mask)
        length = K.int_shape(X)[1]
        alpha = self.recursion(input_energy, mask, input_length=length)
        beta = self.recursion(input_energy, mask, go_backwards=True,
                              input_length=length)
        input_energy = input_energy * K.expand_dims(K.cast(mask, K.floatx()))
        margin = -(self.shift_right(alpha) + input_energy +
                   self.shift_left(beta))
        exp_x = K.exp(margin - K.max(margin, axis=-1, keepdims=True))
        return exp_x / K.sum(exp_x, axis=-1, keepdims=True)

    def viterbi_decoding(self, X, mask):
        argmin_tables = self.recursion(self.input_energy(X, mask), mask,
                                       return_logZ=False)
        argmin_tables = K.reverse(K.cast(argmin_tables, 'int32'), 1)
        initial_best_idx = [K.expand_dims(argmin_tables[:, 0, 0])]

        def find_path(argmin_table, best_idx):
            n = K.shape(best_idx[0])[0]
            indices = K.transpose(K.stack([tf.range(n), best_idx[0][:, 0]]))
            next_best_idx = K.expand_dims(tf.gather_nd(argmin_table,
                                                       indices))
            return next_best_idx, [next_best_idx]

        _, best_paths, _ = K.rnn(find_path, argmin_tables, initial_best_idx,
                                 input_length=K.int_shape(X)[1])
        best_paths = K.squeeze(K.reverse(best_paths, 1), 2)
        return K.one_hot(best_paths, self.units)


def crf_loss(y_true, y_pred):
    crf, idx = y_pred._keras_history[:2]
    if crf.learn_mode == 'marginal':
        return keras.losses.categorical_crossentropy(y_true, y_pred)
    if crf._outbound_nodes:
        raise TypeError('When learn_model="join", CRF must be the last layer.')
    X = crf._inbound_nodes[idx].input_tensors[0]
    mask = crf._inbound_nodes[idx].input_masks[0]
    return crf.get_negative_log_likelihood(y_true, X, mask)


def crf_accuracy(y_true, y_pred):
    crf, idx = y_pred._keras_history[:2]
    X = crf._inbound_nodes[idx].input_tensors[0]
    mask = crf._inbound_nodes[idx].input_masks[0]
    if crf.test_mode == 'viterbi':
        y_pred = crf.viterbi_decoding(X, mask)
    else:
        y_pred = crf.get_marginal_prob(X, mask)
    judge = K.cast(K.equal(K.argmax(y_pred, -1), K.argmax(y_true, -1)),
                   K.floatx())
    mask = K.cast(mask, K.floatx())
    return K.sum(judge * mask) / K.sum(mask)


_RS = np.random.RandomState(0)
TOKENS = _RS.randint(1, 6, size=(6, 5))
TOKENS[0, 3:] = 0
TOKENS[2, 4:] = 0
TOKENS[4, 2:] = 0
LABELS = _RS.randint(0, 3, size=(6, 5))
ONE_HOT = np.eye(3, dtype='float32')[LABELS]


def _crf_model(learn_mode):
    tokens = Input((5,))
    crf = CRF(3, learn_mode=learn_mode)
    model = Model(tokens, crf(Embedding(6, 4, mask_zero=True)(tokens)))
    model.compile(SGD(lr=0.1), loss=crf_loss, metrics=[crf_accuracy])
    _fill(model, 1)
    return model, crf


def _enumerated_crf(model):
    """Per sequence: (negative log-likelihood as keras-contrib normalises
    it, best path), by enumerating every label sequence."""
    emb, kernel, chain, bias, left, _ = model.get_weights()
    results = []
    for tokens, labels in zip(TOKENS, LABELS):
        n = int((tokens != 0).sum())
        unary = emb[tokens[:n]] @ kernel + bias
        # (With a mask, keras-contrib's end mask `shift_left(mask) > mask`
        # is never true after the last step: no right boundary energy.)
        unary[0] += left

        def energy(path):
            return sum(unary[t, path[t]] for t in range(n)) + sum(
                chain[path[t], path[t + 1]] for t in range(n - 1))
        paths = list(itertools.product(range(3), repeat=n))
        energies = np.array([energy(p) for p in paths], 'float64')
        log_z = np.log(np.exp(-energies).sum())
        # Each padded step after the sequence adds log(3) to the
        # recursion's log Z (its masked chain lets every label follow).
        log_z += (5 - n) * np.log(3.)
        results.append(((log_z + energy(labels[:n])) / n,
                        paths[int(energies.argmin())]))
    return results


def test_crf_join_loss_and_viterbi_match_enumeration():
    model, crf = _crf_model('join')
    expected = _enumerated_crf(model)
    loss, acc = model.evaluate(TOKENS, ONE_HOT, batch_size=6, verbose=0)
    np.testing.assert_allclose(loss, np.mean([e[0] for e in expected]),
                               rtol=1e-5)
    best = model.predict(TOKENS, batch_size=6).argmax(-1)
    for row, (tokens, (_, path)) in enumerate(zip(TOKENS, expected)):
        assert tuple(best[row, :len(path)]) == path
    mask = TOKENS != 0
    np.testing.assert_allclose(
        acc, (best == LABELS)[mask].mean(), rtol=1e-6)
    history = model.fit(TOKENS, ONE_HOT, epochs=2, batch_size=3, verbose=0,
                        shuffle=False).history['loss']
    assert history[1] < history[0] < loss


def test_crf_marginal_mode_matches_tf_keras():
    model, crf = _crf_model('marginal')
    loss, acc = model.evaluate(TOKENS, ONE_HOT, batch_size=6, verbose=0)
    # tf_keras 2.21 loss; the accuracy is the masked mean of the marginal
    # argmax (keras-contrib's formula).
    np.testing.assert_allclose(loss, 1.114561, atol=2e-5)
    np.testing.assert_allclose(acc, 5. / 12., atol=1e-6)
    history = model.fit(TOKENS, ONE_HOT, epochs=3, batch_size=3, verbose=0,
                        shuffle=False).history['loss']
    np.testing.assert_allclose(history, [1.12452, 1.11457, 1.10616],
                               atol=2e-5)
    np.testing.assert_allclose(model.get_weights()[-3],
                               [-0.1018, 0.43344, -0.18154], atol=2e-5)
    probs = model.predict(TOKENS, batch_size=6)
    np.testing.assert_allclose(probs[0, :3].ravel(), [
        0.3301, 0.2998, 0.3701, 0.3294, 0.4263, 0.2442, 0.3542, 0.3398,
        0.306], atol=1e-4)


class InstanceNormalization(Layer):
    """keras-contrib's InstanceNormalization (K.mean / K.std over the
    non-batch, non-feature axes)."""

    def __init__(self, axis=None, epsilon=1e-3, **kwargs):
        super(InstanceNormalization, self).__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon

    def build(self, input_shape):
        shape = (1,) if self.axis is None else (input_shape[self.axis],)
        self.gamma = self.add_weight(shape=shape, name='gamma',
                                     initializer='ones')
        self.beta = self.add_weight(shape=shape, name='beta',
                                    initializer='zeros')
        self.built = True

    def call(self, inputs, training=None):
        input_shape = K.int_shape(inputs)
        reduction_axes = list(range(0, len(input_shape)))
        if self.axis is not None:
            del reduction_axes[self.axis]
        del reduction_axes[0]
        mean = K.mean(inputs, reduction_axes, keepdims=True)
        stddev = K.std(inputs, reduction_axes, keepdims=True) + self.epsilon
        normed = (inputs - mean) / stddev
        broadcast_shape = [1] * len(input_shape)
        if self.axis is not None:
            broadcast_shape[self.axis] = input_shape[self.axis]
        return normed * K.reshape(self.gamma, broadcast_shape) + \
            K.reshape(self.beta, broadcast_shape)


def extract_image_patches(x, ksizes, ssizes, padding='same'):
    """keras-contrib's TensorFlow backend helper (channels_last)."""
    bs_i, w_i, h_i, ch_i = K.int_shape(x)
    patches = tf.extract_image_patches(
        x, [1, ksizes[0], ksizes[1], 1], [1, ssizes[0], ssizes[1], 1],
        [1, 1, 1, 1], padding.upper())
    bs, w, h, ch = K.int_shape(patches)
    reshaped = tf.reshape(patches, [-1, w, h, tf.floordiv(ch, ch_i), ch_i])
    final_shape = [-1, w, h, ch_i, ksizes[0], ksizes[1]]
    patches = tf.reshape(tf.transpose(reshaped, [0, 1, 2, 4, 3]),
                         final_shape)
    return K.permute_dimensions(patches, [0, 1, 2, 4, 5, 3])


def dssim(y_true, y_pred, kernel_size=3, c1=0.01 ** 2, c2=0.03 ** 2):
    """keras-contrib's DSSIMObjective."""
    kernel = [kernel_size, kernel_size]
    y_true = K.reshape(y_true, [-1] + list(K.int_shape(y_pred)[1:]))
    y_pred = K.reshape(y_pred, [-1] + list(K.int_shape(y_pred)[1:]))
    patches_pred = extract_image_patches(y_pred, kernel, kernel, 'valid')
    patches_true = extract_image_patches(y_true, kernel, kernel, 'valid')
    bs, w, h, k1, k2, c = K.int_shape(patches_pred)
    patches_pred = K.reshape(patches_pred, [-1, w, h, k1 * k2 * c])
    patches_true = K.reshape(patches_true, [-1, w, h, k1 * k2 * c])
    u_true = K.mean(patches_true, axis=-1)
    u_pred = K.mean(patches_pred, axis=-1)
    var_true = K.var(patches_true, axis=-1)
    var_pred = K.var(patches_pred, axis=-1)
    covar = K.mean(patches_true * patches_pred, axis=-1) - u_true * u_pred
    ssim = (2 * u_true * u_pred + c1) * (2 * covar + c2)
    ssim /= (K.square(u_true) + K.square(u_pred) + c1) * (
        var_pred + var_true + c2)
    return K.mean((1.0 - ssim) / 2.0)


@pytest.mark.parametrize('axis, expected, pixel', [
    (None, [0.510085, 0.502078, 0.493777], [0.34988, 0.31338, 0.16656]),
    (-1, [0.515503, 0.510339, 0.505115], [0.29518, 0.13752, 0.88361]),
    (1, [0.484631, 0.478192, 0.472503], [-0.3004, -0.02251, -0.47834]),
])
def test_instance_normalization_trained_with_dssim(axis, expected, pixel):
    rs = np.random.RandomState(0)
    rs.randint(1, 6, size=(6, 5)), rs.randint(0, 3, size=(6, 5))
    images = rs.uniform(size=(2, 6, 6, 2)).astype('float32')
    targets = rs.uniform(size=(2, 6, 6, 3)).astype('float32')
    inp = Input((6, 6, 2))
    out = InstanceNormalization(axis=axis)(
        keras.layers.Conv2D(3, 3, padding='same')(inp))
    model = Model(inp, out)
    model.compile(Adam(lr=0.01), loss=dssim)
    _fill(model, 2)
    # tf_keras 2.21: loss before training, then per epoch.
    np.testing.assert_allclose(model.evaluate(images, targets, verbose=0),
                               expected[0], atol=2e-6)
    history = model.fit(images, targets, epochs=3, batch_size=2,
                        verbose=0).history['loss']
    np.testing.assert_allclose(history, expected, atol=2e-6)
    np.testing.assert_allclose(model.predict(images)[0, 0, 0], pixel,
                               atol=2e-5)


def test_tf1_extract_image_patches_spellings():
    images = np.arange(32, dtype='float32').reshape(1, 4, 4, 2)
    out = tf.extract_image_patches(images, ksizes=[1, 2, 2, 1],
                                   strides=[1, 2, 2, 1], rates=[1, 1, 1, 1],
                                   padding='VALID')
    same = tf.image.extract_image_patches(images, [1, 2, 2, 1], [1, 2, 2, 1],
                                          [1, 1, 1, 1], 'VALID')
    # TensorFlow 2.21 tf.compat.v1.extract_image_patches.
    np.testing.assert_array_equal(np.asarray(out)[0, 0, 1],
                                  [4, 5, 6, 7, 12, 13, 14, 15])
    np.testing.assert_array_equal(np.asarray(out), np.asarray(same))
    with pytest.raises(ValueError, match='ksizes'):
        tf.extract_image_patches(images, strides=[1, 1, 1, 1],
                                 rates=[1, 1, 1, 1], padding='VALID')


def test_symbolic_output_has_no_len_attribute():
    # Keras 2.0-2.2 on TensorFlow <= 1.13: a tensor has no `__len__`, so
    # keras-rl's `hasattr(model.output, '__len__') and len(...) > 1`
    # tells a list of outputs from one output.
    model = Sequential([Dense(2, input_shape=(3,))])
    assert not hasattr(model.output, '__len__')
    assert hasattr(model.outputs, '__len__')
    with pytest.raises(TypeError):
        len(model.output)


def test_k_function_learning_phase_left_unfed():
    # keras-rl's DDPG builds `K.function(inputs + [K.learning_phase()],
    # ...)` and passes the phase only when a layer uses it; Keras 2 feeds
    # inputs pairwise and the phase takes its default.
    inp = Input((3,))
    out = keras.layers.Dropout(0.5)(Dense(2, kernel_initializer='ones')(inp))
    fn = K.function([inp, K.learning_phase()], [out])
    x = np.ones((4, 3), 'float32')
    np.testing.assert_allclose(fn([x])[0], np.full((4, 2), 3.))
    # An input left unfed that no output needs is fine (TensorFlow 1 ran
    # the session with what was fed); one an output needs is refused.
    other = Input((3,))
    np.testing.assert_allclose(K.function([inp, other], [out])([x])[0],
                               np.full((4, 2), 3.))
    with pytest.raises(Exception, match='You must feed a value for '
                                        'placeholder'):
        K.function([inp, other], [Dense(2)(other)])([x])


def test_crf_loss_in_a_sequential_model():
    model = Sequential()
    model.add(Embedding(6, 4, mask_zero=True, input_length=5))
    model.add(CRF(3, learn_mode='marginal'))
    model.compile(SGD(lr=0.1), loss=crf_loss, metrics=[crf_accuracy])
    _fill(model, 1)
    loss, acc = model.evaluate(TOKENS, ONE_HOT, batch_size=6, verbose=0)
    # tf_keras 2.21 (Sequential, graph mode).
    np.testing.assert_allclose(loss, 1.114561, atol=2e-5)
    np.testing.assert_allclose(acc, 5. / 12., atol=1e-6)
    model, _ = _crf_model('join')
    seq = Sequential([Embedding(6, 4, mask_zero=True, input_length=5),
                      CRF(3)])
    seq.compile(SGD(lr=0.1), loss=crf_loss, metrics=[crf_accuracy])
    seq.set_weights(model.get_weights())
    np.testing.assert_allclose(
        seq.evaluate(TOKENS, ONE_HOT, batch_size=6, verbose=0),
        model.evaluate(TOKENS, ONE_HOT, batch_size=6, verbose=0), rtol=1e-6)
