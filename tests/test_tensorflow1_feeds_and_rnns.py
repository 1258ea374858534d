"""TensorFlow 1 graph programs that feed more than placeholders and run
RNNs over batches of any length: a char-rnn training loop that feeds the
last state back (`feed[c] = state[i].c` over `cell.zero_state(...)`) and
samples with the whole state structure as one feed key, a computed
tensor or a variable overridden for one run, `tf.placeholder_with_default`,
a seq2seq encoder built with `tf.nn.bidirectional_dynamic_rnn` over a
`[None, None, d]` placeholder with `sequence_length`, `tf.contrib.rnn`
cells and `DropoutWrapper(output_keep_prob=<placeholder>)`, and learning
rates fed per run to `tf.train` optimizers.

Expected numbers come from the same programs run with TensorFlow 2.21 in
TF1 graph mode (`tf.compat.v1`, `disable_v2_behavior`, tf_keras 2.21's
legacy RNN cells behind `tf.compat.v1.nn.rnn_cell`), with the trainable
variables loaded from `RandomState(0).uniform(-0.5, 0.5)` in the order of
their sorted names."""
import numpy as np
import pytest

from keras_compat import tensorflow_compat as tf


@pytest.fixture(autouse=True)
def graph_mode():
    tf.disable_v2_behavior()
    yield


def _load_fixed(sess, seed=0):
    rng = np.random.RandomState(seed)
    for v in sorted(tf.trainable_variables(), key=lambda v: v.name):
        v.load(rng.uniform(-0.5, 0.5, v.get_shape().as_list())
               .astype(np.float32), sess)


def test_computed_tensors_variables_and_defaults_are_feedable():
    x = tf.placeholder(tf.float32, [None, 4], name='x')
    w = tf.Variable(np.arange(12, dtype=np.float32).reshape(4, 3) / 10.,
                    name='w')
    hidden = tf.tanh(tf.matmul(x, w))
    out = tf.reduce_sum(hidden * 2.0, axis=1)
    d = tf.placeholder_with_default(tf.constant(3.0), shape=[], name='d')
    scaled = out * d
    xv = np.ones((2, 4), np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        # TensorFlow 2.21: 5.8231535; a fed hidden layer gives 3.0 without
        # `x`; a fed variable 5.9959755 for that run only.
        np.testing.assert_allclose(sess.run(out, {x: xv}), [5.8231535] * 2,
                                   rtol=1e-6)
        np.testing.assert_allclose(
            sess.run(out, {hidden: np.full((2, 3), 0.5, np.float32)}),
            [3., 3.])
        np.testing.assert_allclose(
            sess.run(out, {x: xv, w: np.ones((4, 3), np.float32)}),
            [5.9959755] * 2, rtol=1e-6)
        np.testing.assert_allclose(sess.run(w)[0], [0., .1, .2])
        np.testing.assert_allclose(sess.run(scaled, {x: xv}),
                                   [17.46946] * 2, rtol=1e-6)
        np.testing.assert_allclose(sess.run(scaled, {x: xv, d: 0.5}),
                                   [2.9115767] * 2, rtol=1e-6)
        np.testing.assert_allclose(sess.run(hidden, {hidden: [[7.] * 3]}),
                                   [[7.] * 3])
        with pytest.raises(ValueError, match=r'Cannot feed value of shape '
                           r'\(2, 3\) for Tensor x:0, which has shape '
                           r'\(\?, 4\)'):
            sess.run(out, {x: np.ones((2, 3), np.float32)})
        with pytest.raises(ValueError, match=r'shape \(2, 4\) for Tensor '
                           r'.*which has shape \(\?, 3\)'):
            sess.run(out, {hidden: np.ones((2, 4), np.float32)})


def test_placeholder_with_default_takes_any_length_of_its_shape():
    default = tf.placeholder_with_default([1., 2., 3.], shape=[None])
    total = tf.reduce_sum(default * 2.)
    with tf.Session() as sess:
        assert sess.run(total) == 12.
        assert sess.run(total, {default: [1., 1., 1., 1., 1.]}) == 10.


def test_gradients_through_a_fed_hidden_tensor():
    x = tf.placeholder(tf.float32, [None, 2], name='x')
    w = tf.Variable([[1., 2.], [3., 4.]])
    v = tf.Variable([[0.5], [-1.]])
    hidden = tf.nn.relu(tf.matmul(x, w))
    out = tf.matmul(hidden, v)
    loss = tf.reduce_sum(tf.square(out))
    grads = tf.gradients(loss, [hidden, v])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        g_hidden, g_v = sess.run(grads, {hidden: [[1., 2.]]})
        # TensorFlow 2.21: [[-1.5, 3.0]], [[-3.0], [-6.0]].
        np.testing.assert_allclose(g_hidden, [[-1.5, 3.0]])
        np.testing.assert_allclose(g_v, [[-3.0], [-6.0]])
        np.testing.assert_allclose(sess.run(out, {x: [[1., 0.5]]}),
                                   [[-2.75]])
        np.testing.assert_allclose(sess.run(out, {hidden: [[1., 1.]]}),
                                   [[-0.5]])


def test_char_rnn_feeds_its_state_back_and_samples():
    """sherjilozair/char-rnn-tensorflow's loop: `feed[c] = state[i].c`
    over the zero state's tensors, Adam at a rate assigned to a variable,
    gradients clipped by their global norm; sampling feeds
    `{initial_state: state}`."""
    rnn = tf.contrib.rnn
    B, T, V, H = 2, 3, 5, 4
    cell = rnn.MultiRNNCell([rnn.DropoutWrapper(rnn.LSTMCell(H),
                                                output_keep_prob=1.0)
                             for _ in range(2)], state_is_tuple=True)
    inp = tf.placeholder(tf.int32, [B, T])
    tgt = tf.placeholder(tf.int32, [B, T])
    initial_state = cell.zero_state(B, tf.float32)
    with tf.variable_scope('rnnlm'):
        softmax_w = tf.get_variable('softmax_w', [H, V])
        softmax_b = tf.get_variable('softmax_b', [V])
    embedding = tf.get_variable('embedding', [V, H])
    xs = [tf.squeeze(t, [1]) for t in
          tf.split(tf.nn.embedding_lookup(embedding, inp), T, 1)]
    outs, final_state = rnn.static_rnn(cell, xs, initial_state,
                                       scope='rnnlm')
    logits = tf.matmul(tf.reshape(tf.concat(outs, 1), [-1, H]),
                       softmax_w) + softmax_b
    probs = tf.nn.softmax(logits)
    cost = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.reshape(tgt, [-1]), logits=logits))
    lr = tf.Variable(0.0, trainable=False)
    tvars = tf.trainable_variables()
    grads, _ = tf.clip_by_global_norm(tf.gradients(cost, tvars), 5.0)
    train_op = tf.train.AdamOptimizer(lr).apply_gradients(zip(grads, tvars))
    assert sorted(v.name for v in tvars) == [
        'embedding:0', 'rnnlm/multi_rnn_cell/cell_0/lstm_cell/bias:0',
        'rnnlm/multi_rnn_cell/cell_0/lstm_cell/kernel:0',
        'rnnlm/multi_rnn_cell/cell_1/lstm_cell/bias:0',
        'rnnlm/multi_rnn_cell/cell_1/lstm_cell/kernel:0',
        'rnnlm/softmax_b:0', 'rnnlm/softmax_w:0']
    data = np.random.RandomState(1).randint(0, V, size=(3, B, T + 1))
    losses = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _load_fixed(sess)
        sess.run(tf.assign(lr, 0.05))
        state = sess.run(initial_state)
        for b in range(3):
            feed = {inp: data[b][:, :-1], tgt: data[b][:, 1:]}
            for i, (c, h) in enumerate(initial_state):
                feed[c] = state[i].c
                feed[h] = state[i].h
            loss, state, _ = sess.run([cost, final_state, train_op], feed)
            losses.append(loss)
        assert type(state[1]).__name__ == 'LSTMStateTuple'
        p = sess.run(probs, {inp: data[0][:, :-1], initial_state: state})
    # TensorFlow 2.21.
    np.testing.assert_allclose(losses, [1.6830368, 1.6589557, 1.5545111],
                               rtol=2e-6)
    np.testing.assert_allclose(
        state[1].h[0], [0.39745837, -0.29200903, -0.24391456, -0.09304132],
        atol=2e-6)
    np.testing.assert_allclose(
        p[0], [0.23377854, 0.19820452, 0.25115278, 0.12738971, 0.18947442],
        atol=2e-6)


def test_bidirectional_encoder_over_batches_of_any_length():
    """A seq2seq encoder-decoder on `[None, None, d]` placeholders:
    `bidirectional_dynamic_rnn` with `sequence_length`, contrib cells in
    DropoutWrappers at a fed keep probability, a decoder started from the
    encoder's states, a masked loss, and plain gradient descent at a
    learning rate fed per run."""
    rnn = tf.contrib.rnn
    D, H = 3, 4
    src = tf.placeholder(tf.float32, [None, None, D])
    src_len = tf.placeholder(tf.int32, [None])
    tgt_in = tf.placeholder(tf.float32, [None, None, D])
    tgt_len = tf.placeholder(tf.int32, [None])
    labels = tf.placeholder(tf.int32, [None, None])
    keep = tf.placeholder(tf.float32, [])
    lr = tf.placeholder(tf.float32, [])
    with tf.variable_scope('encoder'):
        fw = rnn.DropoutWrapper(rnn.GRUCell(H), output_keep_prob=keep)
        bw = rnn.DropoutWrapper(rnn.LSTMCell(H), output_keep_prob=keep)
        (o_fw, o_bw), (s_fw, s_bw) = tf.nn.bidirectional_dynamic_rnn(
            fw, bw, src, sequence_length=src_len, dtype=tf.float32)
        memory = tf.concat([o_fw, o_bw], 2)
        enc_state = tf.concat([s_fw, s_bw.h], 1)
    assert o_fw.get_shape().as_list() == [None, None, H]
    assert enc_state.get_shape().as_list() == [None, 2 * H]
    with tf.variable_scope('decoder'):
        dec_out, _ = tf.nn.dynamic_rnn(
            rnn.GRUCell(2 * H), tgt_in, sequence_length=tgt_len,
            initial_state=enc_state)
        w_out = tf.get_variable('w_out', [2 * H, 3])
    logits = tf.reshape(tf.matmul(tf.reshape(dec_out, [-1, 2 * H]), w_out),
                        [tf.shape(tgt_in)[0], -1, 3])
    mask = tf.sequence_mask(tgt_len, tf.shape(labels)[1], dtype=tf.float32)
    xent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                          logits=logits)
    loss = tf.reduce_sum(xent * mask) / tf.reduce_sum(mask)
    train = tf.train.GradientDescentOptimizer(learning_rate=lr).minimize(
        loss)
    assert sorted(v.name for v in tf.trainable_variables()) == [
        'decoder/rnn/gru_cell/candidate/bias:0',
        'decoder/rnn/gru_cell/candidate/kernel:0',
        'decoder/rnn/gru_cell/gates/bias:0',
        'decoder/rnn/gru_cell/gates/kernel:0', 'decoder/w_out:0',
        'encoder/bidirectional_rnn/bw/lstm_cell/bias:0',
        'encoder/bidirectional_rnn/bw/lstm_cell/kernel:0',
        'encoder/bidirectional_rnn/fw/gru_cell/candidate/bias:0',
        'encoder/bidirectional_rnn/fw/gru_cell/candidate/kernel:0',
        'encoder/bidirectional_rnn/fw/gru_cell/gates/bias:0',
        'encoder/bidirectional_rnn/fw/gru_cell/gates/kernel:0']
    rng = np.random.RandomState(2)

    def batch(t1, t2):
        return {src: rng.randn(2, t1, D).astype(np.float32),
                src_len: [t1, t1 - 1],
                tgt_in: rng.randn(2, t2, D).astype(np.float32),
                tgt_len: [t2 - 1, t2], labels: rng.randint(0, 3, (2, t2))}

    batches = [batch(3, 2), batch(5, 4), batch(2, 3)]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _load_fixed(sess)
        mem = sess.run(memory, {**batches[1], keep: 1.0})
        losses = [sess.run([loss, train],
                           {**feed, keep: 1.0, lr: 0.5 / (i + 1)})[0]
                  for i, feed in enumerate(batches)]
        final = sess.run(loss, {**batches[1], keep: 1.0})
        dropped = sess.run(o_fw, {**batches[1], keep: 0.5})
        kept = sess.run(o_fw, {**batches[1], keep: 1.0})
    # TensorFlow 2.21: the second sequence (length 4 of 5) ends in zeros.
    np.testing.assert_allclose(mem[1, 0], [
        0.14777958, 0.30365038, -0.03548707, -0.20881948, 0.09099787,
        0.06895721, 0.19992347, -0.09284493], atol=2e-6)
    np.testing.assert_allclose(mem[1, 3], [
        -0.14977422, 0.24472669, 0.23320793, -0.56088626, 0.14106624,
        -0.20936729, -0.08289913, 0.01374891], atol=2e-6)
    np.testing.assert_array_equal(mem[1, 4], np.zeros(8))
    np.testing.assert_allclose(losses, [1.2193203, 1.1508955, 1.2123413],
                               rtol=2e-6)
    np.testing.assert_allclose(final, 1.1115582, rtol=2e-6)
    # Dropout at keep 0.5: outputs zeroed or doubled.
    on = dropped != 0
    np.testing.assert_allclose(dropped[on], 2 * kept[on], rtol=1e-5)
    assert 0 < (~on & (kept != 0)).sum() < (kept != 0).sum()


def test_learning_rate_placeholders_fed_per_run():
    """`tf.train.MomentumOptimizer(lr, 0.9)` through compute_gradients /
    apply_gradients and `AdamOptimizer(learning_rate=lr).minimize`, `lr` a
    placeholder decayed by the feed each epoch."""
    rng = np.random.RandomState(0)
    X = rng.randn(8, 3).astype(np.float32)
    Y = X @ np.array([[1.], [-2.], [0.5]], np.float32) + 0.3
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [None, 1])
    lr = tf.placeholder(tf.float32, shape=[], name='lr')
    w = tf.Variable(np.full((3, 1), 0.1, np.float32))
    b = tf.Variable(np.zeros(1, np.float32))
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
    opt = tf.train.MomentumOptimizer(lr, 0.9)
    train = opt.apply_gradients(opt.compute_gradients(loss))
    w2 = tf.Variable(np.full((3, 1), 0.1, np.float32))
    loss2 = tf.reduce_mean(tf.square(tf.matmul(x, w2) - y))
    train2 = tf.train.AdamOptimizer(learning_rate=lr).minimize(loss2)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        losses = [sess.run([loss, train, loss2, train2],
                           {x: X, y: Y, lr: 0.1 / (1 + epoch)})[::2]
                  for epoch in range(4)]
        # TensorFlow 2.21.
        np.testing.assert_allclose(losses, [
            [2.5023801, 2.5023801], [1.9705695, 2.2309425],
            [1.6000775, 2.1139784], [1.3245708, 2.0379701]], rtol=2e-6)
        np.testing.assert_allclose(sess.run(w).ravel(),
                                   [0.12509838, -0.64322805, 0.32317334],
                                   rtol=1e-5)
        np.testing.assert_allclose(sess.run(w2).ravel(),
                                   [0.04482634, -0.10734110, 0.29963633],
                                   rtol=2e-5)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="You must feed a value for placeholder "
                                 "tensor 'lr'"):
            sess.run(train, {x: X, y: Y})


def test_contrib_rnn_serves_the_cells_and_names_the_rest():
    rnn = tf.contrib.rnn
    assert rnn.LSTMCell is tf.nn.rnn_cell.LSTMCell
    assert rnn.LSTMStateTuple is tf.nn.rnn_cell.LSTMStateTuple
    for name in ('BasicLSTMCell', 'GRUCell', 'MultiRNNCell',
                 'DropoutWrapper', 'static_rnn'):
        assert hasattr(rnn, name)
    with pytest.raises(AttributeError, match="'slim'.*contrib.rnn and"):
        tf.contrib.slim
    with pytest.raises(NotImplementedError, match='variational_recurrent'):
        rnn.DropoutWrapper(rnn.GRUCell(2), variational_recurrent=True)
