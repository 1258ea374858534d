"""Ten updates of each optimizer from identical weights and gradients
equal the Keras 2 update rule written out in numpy (Keras 3 dropped
`decay` and changed Nadam, so the Keras 2 formulas are the reference)."""
import numpy as np
import pytest
import torch

from keras_compat import optimizers
from keras_compat import backend as K

EPS = 1e-7
STEPS = 10
_R = np.random.RandomState(5)
GRADS = [_R.uniform(-0.5, 0.5, size=(3, 2)).astype(np.float32)
         for _ in range(STEPS)]
W0 = _R.uniform(-1, 1, size=(3, 2)).astype(np.float32)


def run_ours(optimizer, steps=STEPS):
    p = torch.nn.Parameter(torch.tensor(W0))
    optimizer._attach([p])
    out = []
    for g in GRADS[:steps]:
        p.grad = torch.tensor(g)
        optimizer.step()
        out.append(p.detach().numpy().copy())
    return out


def sgd_ref(lr, momentum, decay, nesterov):
    p, m, out = W0.astype(np.float64), np.zeros_like(W0, np.float64), []
    for it, g in enumerate(GRADS):
        lr_t = lr * (1. / (1. + decay * it))
        v = momentum * m - lr_t * g
        m = v
        p = p + momentum * v - lr_t * g if nesterov else p + v
        out.append(p)
    return out


def rmsprop_ref(lr, rho, decay=0.):
    p, a, out = W0.astype(np.float64), np.zeros_like(W0, np.float64), []
    for it, g in enumerate(GRADS):
        lr_t = lr / (1. + decay * it)
        a = rho * a + (1 - rho) * g ** 2
        p = p - lr_t * g / (np.sqrt(a) + EPS)
        out.append(p)
    return out


def adagrad_ref(lr):
    p, a, out = W0.astype(np.float64), np.zeros_like(W0, np.float64), []
    for g in GRADS:
        a = a + g ** 2
        p = p - lr * g / (np.sqrt(a) + EPS)
        out.append(p)
    return out


def ftrl_ref(lr, l1, l2, initial_accumulator=0.1, lr_power=-0.5):
    """FTRL-Proximal as TensorFlow's ApplyFtrl documents it."""
    p = W0.astype(np.float64)
    accum = np.full_like(p, initial_accumulator)
    linear, out = np.zeros_like(p), []
    for g in GRADS:
        new_accum = accum + g ** 2
        sigma = (new_accum ** -lr_power - accum ** -lr_power) / lr
        linear = linear + g - sigma * p
        quadratic = new_accum ** -lr_power / lr + 2 * l2
        p = np.where(np.abs(linear) > l1,
                     (np.sign(linear) * l1 - linear) / quadratic, 0.)
        accum = new_accum
        out.append(p)
    return out


def adadelta_ref(lr, rho):
    p = W0.astype(np.float64)
    a, d, out = np.zeros_like(p), np.zeros_like(p), []
    for g in GRADS:
        a = rho * a + (1 - rho) * g ** 2
        update = g * np.sqrt(d + EPS) / np.sqrt(a + EPS)
        p = p - lr * update
        d = rho * d + (1 - rho) * update ** 2
        out.append(p)
    return out


def adam_ref(lr, b1, b2, amsgrad):
    p = W0.astype(np.float64)
    m, v, vhat, out = np.zeros_like(p), np.zeros_like(p), \
        np.zeros_like(p), []
    for it, g in enumerate(GRADS):
        t = it + 1
        lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        if amsgrad:
            vhat = np.maximum(vhat, v)
            p = p - lr_t * m / (np.sqrt(vhat) + EPS)
        else:
            p = p - lr_t * m / (np.sqrt(v) + EPS)
        out.append(p)
    return out


def adamax_ref(lr, b1, b2):
    p = W0.astype(np.float64)
    m, u, out = np.zeros_like(p), np.zeros_like(p), []
    for it, g in enumerate(GRADS):
        lr_t = lr / (1 - b1 ** (it + 1))
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g))
        p = p - lr_t * m / (u + EPS)
        out.append(p)
    return out


def nadam_ref(lr, b1, b2, sd=0.004):
    p = W0.astype(np.float64)
    m, v, sched, out = np.zeros_like(p), np.zeros_like(p), 1., []
    for it, g in enumerate(GRADS):
        t = it + 1
        mc_t = b1 * (1 - 0.5 * 0.96 ** (t * sd))
        mc_t1 = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * sd))
        sched_new = sched * mc_t
        sched_next = sched * mc_t * mc_t1
        sched = sched_new
        g_prime = g / (1 - sched_new)
        m = b1 * m + (1 - b1) * g
        m_prime = m / (1 - sched_next)
        v = b2 * v + (1 - b2) * g ** 2
        v_prime = v / (1 - b2 ** t)
        m_bar = (1 - mc_t) * g_prime + mc_t1 * m_prime
        p = p - lr * m_bar / (np.sqrt(v_prime) + EPS)
        out.append(p)
    return out


def adamw_ref(lr, wd, b1, b2):
    # tf.keras 2.11+ / Keras 3: p -= lr * wd * p, then Adam's update.
    p = W0.astype(np.float64)
    m, v, out = np.zeros_like(p), np.zeros_like(p), []
    for it, g in enumerate(GRADS):
        t = it + 1
        p = p - lr * wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        p = p - lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (
            np.sqrt(v) + EPS)
        out.append(p)
    return out


CASES = [
    ('sgd', lambda: optimizers.SGD(lr=0.1), sgd_ref(0.1, 0., 0., False)),
    ('sgd_momentum', lambda: optimizers.SGD(lr=0.1, momentum=0.9),
     sgd_ref(0.1, 0.9, 0., False)),
    ('sgd_nesterov_decay',
     lambda: optimizers.SGD(lr=0.01, decay=1e-2, momentum=0.9,
                            nesterov=True),
     sgd_ref(0.01, 0.9, 1e-2, True)),
    ('sgd_learning_rate_kwarg',
     lambda: optimizers.SGD(learning_rate=0.05), sgd_ref(0.05, 0, 0, False)),
    ('rmsprop', lambda: optimizers.RMSprop(), rmsprop_ref(0.001, 0.9)),
    ('rmsprop_decay', lambda: optimizers.RMSprop(lr=0.01, decay=0.1),
     rmsprop_ref(0.01, 0.9, 0.1)),
    ('adagrad', lambda: optimizers.Adagrad(), adagrad_ref(0.01)),
    ('adadelta', lambda: optimizers.Adadelta(), adadelta_ref(1.0, 0.95)),
    ('adam', lambda: optimizers.Adam(), adam_ref(0.001, 0.9, 0.999, False)),
    ('adam_amsgrad', lambda: optimizers.Adam(lr=0.01, amsgrad=True),
     adam_ref(0.01, 0.9, 0.999, True)),
    ('adamax', lambda: optimizers.Adamax(), adamax_ref(0.002, 0.9, 0.999)),
    ('ftrl', lambda: optimizers.Ftrl(0.1), ftrl_ref(0.1, 0., 0.)),
    ('ftrl_l1_l2', lambda: optimizers.Ftrl(
        0.1, l1_regularization_strength=0.05,
        l2_regularization_strength=0.1), ftrl_ref(0.1, 0.05, 0.1)),
    ('nadam', lambda: optimizers.Nadam(), nadam_ref(0.002, 0.9, 0.999)),
    ('adamw', lambda: optimizers.AdamW(learning_rate=0.01, weight_decay=0.1),
     adamw_ref(0.01, 0.1, 0.9, 0.999)),
]


@pytest.mark.parametrize('name,make,expected', CASES,
                         ids=[c[0] for c in CASES])
def test_first_updates_follow_keras_formula(name, make, expected):
    got = run_ours(make())
    for step, (g, e) in enumerate(zip(got, expected)):
        np.testing.assert_allclose(g, e, rtol=0, atol=1e-6,
                                   err_msg='%s step %d' % (name, step + 1))


def test_string_ids_and_defaults():
    assert isinstance(optimizers.get('sgd'), optimizers.SGD)
    assert isinstance(optimizers.get('Adam'), optimizers.Adam)
    rms = optimizers.get('rmsprop')
    assert K.get_value(rms.lr) == pytest.approx(0.001)
    assert rms.epsilon == pytest.approx(1e-7)
    assert K.get_value(optimizers.Adadelta().lr) == pytest.approx(1.0)
    with pytest.raises(ValueError, match='Valid names'):
        optimizers.get('adamw_typo')


def test_unknown_keyword_rejected():
    with pytest.raises(TypeError, match='Unexpected keyword argument'):
        optimizers.SGD(lr=0.1, foo=1)


def test_lr_is_a_settable_variable():
    opt = optimizers.SGD(lr=0.1)
    assert K.get_value(opt.lr) == pytest.approx(0.1)
    K.set_value(opt.lr, 0.5)
    assert K.get_value(opt.lr) == pytest.approx(0.5)
    opt.lr = 0.25
    assert float(K.get_value(opt.learning_rate)) == pytest.approx(0.25)
    got = run_ours(opt, steps=1)
    np.testing.assert_allclose(got[0], W0 - 0.25 * GRADS[0], atol=1e-7)
    assert int(K.get_value(opt.iterations)) == 1


def test_clipnorm_uses_global_norm():
    opt = optimizers.SGD(lr=1.0, clipnorm=0.1)
    got = run_ours(opt, steps=1)[0]
    g = GRADS[0]
    expected = W0 - g * 0.1 / np.sqrt((g ** 2).sum())
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_clipvalue():
    opt = optimizers.SGD(lr=1.0, clipvalue=0.1)
    got = run_ours(opt, steps=1)[0]
    np.testing.assert_allclose(got, W0 - np.clip(GRADS[0], -0.1, 0.1),
                               atol=1e-6)


def test_get_config_round_trip():
    opt = optimizers.SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)
    config = opt.get_config()
    assert config == pytest.approx({'learning_rate': 0.01, 'momentum': 0.9,
                                    'decay': 1e-6, 'nesterov': True})
    clone = optimizers.deserialize({'class_name': 'SGD', 'config': config})
    assert clone.get_config() == config
    legacy = optimizers.deserialize({'class_name': 'Adam',
                                     'config': {'lr': 0.003}})
    assert K.get_value(legacy.lr) == pytest.approx(0.003)


def test_weights_are_iterations_then_slots():
    opt = optimizers.Adam()
    run_ours(opt, steps=2)
    weights = opt.get_weights()
    assert int(weights[0]) == 2
    assert len(weights) == 1 + 3
    clone = optimizers.Adam()
    p = torch.nn.Parameter(torch.tensor(W0))
    clone._attach([p])
    clone.set_weights(weights)
    for a, b in zip(clone.get_weights(), weights):
        np.testing.assert_array_equal(a, b)
