"""Model files of every Keras 2 era load, predict the numbers their weights
give (computed in numpy), and keep training with their writer's update
rules."""
import copy
import json
import logging
import warnings

import numpy as np
import pytest
import torch

import era_fixtures
from era_fixtures import ERA_NAMES
from keras_compat import backend as K
from keras_compat import initializers, layers, models, optimizers
from keras_compat.saving import eras

H5_ERAS = [n for n in ERA_NAMES
           if era_fixtures.load(n).get('format') != 'json']


def _write(tmp_path, fixture, optimizer='default', seed=0):
    weights = era_fixtures.weight_values(fixture, seed)
    if optimizer == 'default':
        optimizer = era_fixtures.optimizer_values(fixture)
    path = str(tmp_path / 'model.h5')
    era_fixtures.write_h5(fixture, path, weights, optimizer)
    return path, weights, optimizer


def _load_quietly(path, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        model = models.load_model(path, **kwargs)
    messages = [str(w.message) for w in caught
                if 'training configuration' not in str(w.message)]
    return model, messages


def _predict(model, inputs):
    return model.predict(inputs if len(inputs) > 1 else inputs[0])


# ------------------------------------------------------- era fixtures
@pytest.mark.parametrize('name', H5_ERAS)
def test_era_file_loads_and_predicts_its_numbers(tmp_path, name):
    fixture = era_fixtures.load(name)
    path, weights, saved = _write(tmp_path, fixture)
    model, messages = _load_quietly(path)
    assert messages == []
    inputs = era_fixtures.inputs_for(fixture)
    expected = era_fixtures.predict(fixture, weights, inputs)
    np.testing.assert_allclose(_predict(model, inputs), expected,
                               rtol=fixture.get('rtol', 1e-5), atol=1e-6)
    if fixture.get('training_config'):
        # The whole saved optimizer state is in the optimizer.
        state = model.optimizer.get_weights()
        for saved_name, value in saved:
            base = saved_name.split(':')[0].split('/')[-1]
            if base in ('iterations', 'iter', 'iteration'):
                assert int(K.get_value(model.optimizer.iterations)) == \
                    int(value)
            elif value.ndim:
                assert any(s.shape == value.shape and np.array_equal(s, value)
                           for s in state), saved_name


def test_tf_keras_2_15_json_config(tmp_path):
    fixture = era_fixtures.load('tf_keras_2_15_json')
    weights = era_fixtures.weight_values(fixture)
    model = models.model_from_json(json.dumps(fixture['model_config']))
    model.set_weights(era_fixtures.keras_order(fixture, weights))
    inputs = era_fixtures.inputs_for(fixture)
    np.testing.assert_allclose(
        _predict(model, inputs),
        era_fixtures.predict(fixture, weights, inputs),
        rtol=1e-5, atol=1e-6)
    # The L1L2 regularizer and MaxNorm constraint inside the wrappers.
    dense = model.get_layer('dense')
    assert dense.kernel_regularizer.l2 == pytest.approx(0.001)
    assert dense.kernel_constraint.max_value == 3.0


def test_mixed_precision_policy_is_honoured(tmp_path):
    fixture = era_fixtures.load('tf_keras_2_6_mixed')
    path, _, _ = _write(tmp_path, fixture)
    model, _ = _load_quietly(path)
    assert model._policy.name == 'mixed_float16'
    assert model.get_layer('dense').dtype == 'float32'    # the weights


def test_keras_2_0_slots_listed_in_name_order_are_matched(tmp_path):
    fixture = era_fixtures.load('keras_2_0_8')
    values = era_fixtures.optimizer_values(fixture)
    by_name = sorted(values, key=lambda item: item[0])    # Variable_10 < _2
    assert [n for n, _ in by_name] != [n for n, _ in values]
    path, _, _ = _write(tmp_path, fixture, optimizer=by_name)
    model, messages = _load_quietly(path)
    assert messages == []
    # Keras 2.0's order: the first moments of the six weights, then the
    # second moments.
    expected = [v for _, v in values]
    state = model.optimizer.get_weights()
    for got, want in zip(state[1:13], expected[1:]):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize('name,untrained', [
    ('tf_keras_2_11', [('iteration:0', np.asarray(0, 'int64'))]),
    ('tf_keras_2_2', [('RMSprop/iter:0', np.asarray(0, 'int64'))]),
    ('keras_2_3_1', [('Nadam/iterations:0', np.asarray(0, 'int64')),
                     ('Nadam/m_schedule:0', np.asarray(1, 'float32'))]),
])
def test_compiled_untrained_file_loads_silently(tmp_path, name, untrained):
    fixture = era_fixtures.load(name)
    path, _, _ = _write(tmp_path, fixture, optimizer=untrained)
    model, messages = _load_quietly(path)
    assert messages == []
    assert int(K.get_value(model.optimizer.iterations)) == 0


def test_state_that_does_not_fit_is_refused_by_name(tmp_path):
    fixture = era_fixtures.load('tf_keras_2_11')
    values = era_fixtures.optimizer_values(fixture)
    values[3] = (values[3][0], np.zeros((9, 9), 'float32'))
    path, _, _ = _write(tmp_path, fixture, optimizer=values)
    model, messages = _load_quietly(path)
    assert len(messages) == 1
    assert 'Error in loading the saved optimizer state' in messages[0]
    assert values[3][0] in messages[0] and '(9, 9)' in messages[0]
    assert int(K.get_value(model.optimizer.iterations)) == 0


def test_state_with_unknown_weights_is_refused_by_name(tmp_path):
    fixture = era_fixtures.load('tf_keras_2_2')
    values = era_fixtures.optimizer_values(fixture)
    values.append(('RMSprop/dense/kernel/average:0',
                   np.zeros((8, 4), 'float32')))
    path, _, _ = _write(tmp_path, fixture, optimizer=values)
    _, messages = _load_quietly(path)
    assert len(messages) == 1 and 'dense/kernel/average:0' in messages[0]


def test_verbose_load_lists_dropped_keys_and_conversions(tmp_path, capsys,
                                                         caplog):
    fixture = era_fixtures.load('tf_keras_2_6')
    path, _, _ = _write(tmp_path, fixture)
    with caplog.at_level(logging.INFO, logger='keras_compat.saving'):
        models.load_model(path, verbose=True)
    printed = capsys.readouterr().out
    assert 'written by Keras 2.6.0 (tf.keras)' in printed
    assert "dropped ragged=False (layer 'input_1' (InputLayer))" in printed
    assert "dropped name='Adagrad' (optimizer Adagrad)" in printed
    assert 'TensorFlow function call -> torch' in printed
    assert 'tf.keras legacy optimizers' in printed
    assert printed.strip() in caplog.text
    models.load_model(path)
    assert capsys.readouterr().out == ''


def test_wrappers_and_policies_are_reported(tmp_path):
    report = eras.LoadReport(keras_version='2.15.0')
    fixture = era_fixtures.load('tf_keras_2_15_json')
    config = copy.deepcopy(fixture['model_config'])
    config['config']['layers'][1]['config']['dtype'] = {
        'module': 'keras.mixed_precision', 'class_name': 'Policy',
        'config': {'name': 'float32'}, 'registered_name': None}
    eras.normalize_model_config(config, report)
    text = report.summary()
    assert 'module/registered_name wrappers -> unwrapped' in text
    assert "dtype policy float32 -> 'float32' (layer 'dense' (Dense))" in text


# ------------------------------------------------ keys that are refused
def _tf_2_11_with(edit):
    fixture = copy.deepcopy(era_fixtures.load('tf_keras_2_11'))
    edit(fixture['model_config']['config']['layers'])
    return fixture


def test_unknown_key_is_refused_naming_layer_key_and_value(tmp_path):
    def edit(entries):
        entries[1]['config']['kernel_quantizer'] = 'int8'
    path, _, _ = _write(tmp_path, _tf_2_11_with(edit))
    with pytest.raises(ValueError) as error:
        models.load_model(path)
    message = str(error.value)
    assert "'dense'" in message and 'kernel_quantizer' in message and \
        "'int8'" in message


@pytest.mark.parametrize('layer,key,value,error', [
    (0, 'ragged', True, NotImplementedError),
    (0, 'optional', True, NotImplementedError),
])
def test_keys_that_change_behaviour_are_refused(tmp_path, layer, key, value,
                                                error):
    def edit(entries):
        entries[layer]['config'][key] = value
    path, _, _ = _write(tmp_path, _tf_2_11_with(edit))
    with pytest.raises(error) as raised:
        models.load_model(path)
    assert key in str(raised.value)


def test_sparse_input_is_fed_densely(tmp_path, capsys):
    def edit(entries):
        entries[0]['config']['sparse'] = True
    fixture = _tf_2_11_with(edit)
    path, weights, _ = _write(tmp_path, fixture)
    model = models.load_model(path, verbose=True)
    assert 'sparse=True -> sparse inputs are fed as dense tensors' in \
        capsys.readouterr().out
    scipy_sparse = pytest.importorskip('scipy.sparse')
    x = era_fixtures.inputs_for(fixture)[0]
    np.testing.assert_allclose(
        model.predict(scipy_sparse.csr_matrix(x)),
        era_fixtures.predict(fixture, weights, [x]), rtol=1e-5, atol=1e-6)


def test_time_major_rnn_is_refused(tmp_path):
    fixture = copy.deepcopy(era_fixtures.load('keras_2_2_4'))
    fixture['model_config']['config']['layers'][1]['config'][
        'time_major'] = True
    path, _, _ = _write(tmp_path, fixture)
    with pytest.raises(NotImplementedError, match='time_major'):
        models.load_model(path)


def test_unsupported_tensorflow_function_is_named(tmp_path):
    fixture = copy.deepcopy(era_fixtures.load('tf_keras_2_6'))
    fixture['model_config']['config']['layers'][8]['config'][
        'function'] = 'math.bessel_i0e'
    path, _, _ = _write(tmp_path, fixture)
    with pytest.raises(NotImplementedError, match=r'tf\.math\.bessel_i0e'):
        models.load_model(path)


def test_moving_average_optimizer_loads(tmp_path):
    fixture = copy.deepcopy(era_fixtures.load('tf_keras_2_11'))
    fixture['training_config']['optimizer_config']['config']['use_ema'] = \
        True
    path, _, _ = _write(tmp_path, fixture)
    optimizer = models.load_model(path).optimizer
    assert optimizer.use_ema and optimizer.is_legacy_optimizer is False


def test_keras_3_encodings_of_objects_in_configs():
    config = {'module': 'keras.layers', 'class_name': 'Dense',
              'registered_name': None,
              'config': {'name': 'd', 'units': 2, 'activation': {
                  'module': 'keras.src.activations', 'class_name':
                  'function', 'config': 'swish', 'registered_name':
                  'function'},
                  'dtype': {'module': 'keras', 'class_name': 'DTypePolicy',
                            'config': {'name': 'float32'},
                            'registered_name': None},
                  'kernel_initializer': {
                      'module': 'keras.initializers', 'class_name':
                      'HeUniform', 'config': {'seed': 3},
                      'registered_name': None}},
              'build_config': {'input_shape': [None, 3]}}
    report = eras.LoadReport()
    layer = layers.deserialize(eras.normalize_model_config(config, report))
    assert layer.activation.__name__ == 'swish'
    assert isinstance(layer.kernel_initializer, initializers.HeUniform)
    assert layer.dtype == 'float32'
    assert "dtype policy float32 -> 'float32'" in report.summary()


def test_registered_name_picks_a_custom_object():
    class MyDense(layers.Dense):
        pass
    config = {'module': 'my_package', 'class_name': 'MyDense',
              'registered_name': 'my_package>MyDense',
              'config': {'name': 'custom', 'units': 2}}
    report = eras.LoadReport()
    custom = {'my_package>MyDense': MyDense}
    normalised = eras.normalize_model_config(config, report, custom)
    layer = layers.deserialize(normalised, custom_objects=custom)
    assert type(layer) is MyDense


# ------------------------------------------- layers and configs of eras
@pytest.mark.parametrize('cls,shape,axes', [
    (layers.GlobalAveragePooling1D, (5, 3), (1,)),
    (layers.GlobalMaxPooling1D, (5, 3), (1,)),
    (layers.GlobalAveragePooling2D, (4, 5, 3), (1, 2)),
    (layers.GlobalMaxPooling2D, (4, 5, 3), (1, 2)),
    (layers.GlobalAveragePooling3D, (2, 3, 4, 3), (1, 2, 3)),
    (layers.GlobalMaxPooling3D, (2, 3, 4, 3), (1, 2, 3)),
])
def test_global_pooling_keepdims(cls, shape, axes):
    x = np.random.RandomState(0).rand(2, *shape).astype('float32')
    reduce = np.max if 'Max' in cls.__name__ else np.mean
    layer = cls.from_config({'name': 'pool', 'trainable': True,
                             'dtype': 'float32',
                             'data_format': 'channels_last',
                             'keepdims': True})
    model = models.Sequential([layers.InputLayer(input_shape=shape), layer])
    expected = reduce(x, axis=axes, keepdims=True)
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-6)
    assert model.output_shape == (None,) + expected.shape[1:]
    assert layer.compute_output_shape((None,) + shape) == \
        (None,) + expected.shape[1:]
    assert cls.from_config(layer.get_config()).keepdims is True
    assert 'keepdims' not in cls().get_config()     # Keras 2's config


def test_initializer_configs_of_tf_keras_1():
    for name in ('GlorotUniform', 'GlorotNormal', 'HeNormal', 'HeUniform',
                 'LecunNormal', 'LecunUniform', 'Zeros', 'Ones',
                 'Orthogonal'):
        config = {'seed': None, 'dtype': 'float32'} if name not in (
            'Zeros', 'Ones') else {'dtype': 'float32'}
        initializer = initializers.deserialize({'class_name': name,
                                                'config': config})
        assert type(initializer).__name__ == name
        value = initializer((4, 3))
        assert tuple(value.shape) == (4, 3)
    glorot = initializers.GlorotUniform(seed=1)
    assert glorot.get_config() == {'seed': 1}
    assert (glorot.scale, glorot.mode, glorot.distribution) == (
        1., 'fan_avg', 'uniform')
    # Keras 2's functions still return VarianceScaling.
    assert type(initializers.glorot_uniform()).__name__ == 'VarianceScaling'


def test_uint16_input():
    inputs = layers.Input((4,), dtype='uint16')
    scaled = layers.Lambda(lambda t: K.cast(t, 'float32') / 65535.)(inputs)
    model = models.Model(inputs, scaled)
    x = np.array([[0, 1000, 40000, 65535]], dtype='uint16')
    np.testing.assert_allclose(model.predict(x), x / 65535., rtol=1e-6)
    assert K.dtype(K.variable(np.zeros(2, 'uint16'), dtype='uint16')) == \
        'uint16'


# ------------------------------------------ optimizers of every era
def _linear_fixture(keras_version, optimizer_config):
    """A Sequential(InputLayer, Dense(2)) file as tf.keras 2.x writes it."""
    dense = {'name': 'dense', 'trainable': True, 'dtype': 'float32',
             'batch_input_shape': [None, 3], 'units': 2,
             'activation': 'linear', 'use_bias': True,
             'kernel_initializer': {'class_name': 'GlorotUniform',
                                    'config': {'seed': None}},
             'bias_initializer': {'class_name': 'Zeros', 'config': {}},
             'kernel_regularizer': None, 'bias_regularizer': None,
             'activity_regularizer': None, 'kernel_constraint': None,
             'bias_constraint': None}
    return {
        'keras_version': keras_version, 'backend': 'tensorflow',
        'model_config': {'class_name': 'Sequential', 'config': {
            'name': 'sequential', 'layers': [
                {'class_name': 'InputLayer', 'config': {
                    'batch_input_shape': [None, 3], 'dtype': 'float32',
                    'sparse': False, 'ragged': False,
                    'name': 'dense_input'}},
                {'class_name': 'Dense', 'config': dense}]}},
        'training_config': {'loss': 'mse', 'metrics': None,
                            'weighted_metrics': None, 'loss_weights': None,
                            'optimizer_config': optimizer_config},
        'layer_names': ['dense'],
        'weights': {'dense': [['dense/kernel:0', [3, 2]],
                              ['dense/bias:0', [2]]]},
        'optimizer_weights': None, 'top_level_model_weights': True,
    }


NEW_BASE = {'weight_decay': None, 'clipnorm': None, 'global_clipnorm': None,
            'clipvalue': None, 'use_ema': False, 'ema_momentum': 0.99,
            'ema_overwrite_frequency': None, 'jit_compile': True,
            'is_legacy_optimizer': False}
VARIABLES = ('dense/kernel', 'dense/bias')
SHAPES = ((3, 2), (2,))


def _state(names_and_kinds, seed=5):
    """Saved slot values: positive for second-moment slots."""
    rng = np.random.RandomState(seed)
    state = []
    for name, kind in names_and_kinds:
        shape = SHAPES[VARIABLES.index(kind[1])] if kind[1] else ()
        if kind[0] == 'iterations':
            value = np.asarray(5, 'int64')
        elif kind[0] == 'schedule':
            value = np.asarray(kind[2], 'float32')
        elif kind[0] == 'positive':
            value = rng.uniform(0.5, 1.5, shape).astype('float32')
        else:
            value = rng.normal(0, 0.1, shape).astype('float32')
        state.append((name, value))
    return state


def _legacy_names(opt, slots, extra=()):
    names = [('%s/iter:0' % opt, ('iterations', None))]
    names += [('%s/%s:0' % (opt, e), ('schedule', None, v))
              for e, v in extra]
    for slot, kind in slots:
        names += [('%s/%s/%s:0' % (opt, var, slot), (kind, var))
                  for var in VARIABLES]
    return names


def _new_names(opt, slots, interleaved):
    names = [('iteration:0', ('iterations', None))]
    if interleaved:
        for var in VARIABLES:
            names += [('%s/%s/%s:0' % (opt, slot, var), (kind, var))
                      for slot, kind in slots]
    else:
        for slot, kind in slots:
            names += [('%s/%s/%s:0' % (opt, slot, var), (kind, var))
                      for var in VARIABLES]
    return names


def _mse_grads(kernel, bias, x, y):
    error = x @ kernel + bias - y
    scale = 2. / error.size
    return [scale * x.T @ error, scale * error.sum(0)]


def _continue(tmp_path, keras_version, optimizer_config, names, rule,
              steps=3):
    """Loads the file, trains `steps` batches, and checks the weights
    against `rule(params, grads, state, iteration)` applied in numpy from
    the saved state."""
    fixture = _linear_fixture(keras_version, optimizer_config)
    saved = _state(names)
    path, weights, _ = _write(tmp_path, fixture, optimizer=saved)
    model, messages = _load_quietly(path)
    assert messages == []
    rng = np.random.RandomState(3)
    x = rng.uniform(-1, 1, (8, 3)).astype('float32')
    y = rng.uniform(-1, 1, (8, 2)).astype('float32')
    params = [w.astype('float64') for w in weights['dense']]
    # Slots by (slot name, variable index), from the saved names.
    slots = {}
    iteration = 0
    for (name, kind), (_, value) in zip(names, saved):
        if kind[0] == 'iterations':
            iteration = int(value)
        elif kind[0] == 'schedule':
            slots['m_schedule'] = float(value)
        else:
            slot = name.split('/')[1] if _new_layout(name) else \
                name.split(':')[0].split('/')[-1]
            slots[(slot, VARIABLES.index(kind[1]))] = value.astype('float64')
    for _ in range(steps):
        grads = _mse_grads(params[0], params[1], x, y)
        rule(params, grads, slots, iteration)
        iteration += 1
        model.train_on_batch(x, y)
    for got, want in zip(model.get_weights(), params):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6)
    assert int(K.get_value(model.optimizer.iterations)) == iteration
    return model


def _new_layout(name):
    return name.split('/')[1] in ('m', 'v', 'velocity', 'momentum',
                                  'average_gradient', 'accumulator')


def _rmsprop_rule(lr, rho, eps, momentum, centered, eps_inside):
    def rule(params, grads, slots, iteration, names=('rms', 'momentum',
                                                      'mg')):
        rms_name, mom_name, mg_name = names
        for i, (p, g) in enumerate(zip(params, grads)):
            rms = slots[(rms_name, i)] = rho * slots[(rms_name, i)] + \
                (1 - rho) * g * g
            denom = rms
            if centered:
                mg = slots[(mg_name, i)] = rho * slots[(mg_name, i)] + \
                    (1 - rho) * g
                denom = rms - mg * mg
            if eps_inside:
                increment = lr * g / np.sqrt(denom + eps)
            else:
                increment = lr * g / (np.sqrt(denom) + eps)
            if momentum:
                slots[(mom_name, i)] = momentum * slots[(mom_name, i)] + \
                    increment
                p -= slots[(mom_name, i)]
            else:
                p -= increment
    return rule


@pytest.mark.parametrize('momentum,centered', [(0.9, True), (0.9, False),
                                               (0.0, True)])
def test_tf_keras_legacy_rmsprop_continues_with_its_rule(tmp_path, momentum,
                                                         centered):
    config = {'class_name': 'RMSprop', 'config': {
        'name': 'RMSprop', 'learning_rate': 0.01, 'decay': 0.0, 'rho': 0.9,
        'momentum': momentum, 'epsilon': 0.5, 'centered': centered}}
    slots = [('rms', 'positive')]
    if momentum:
        slots.append(('momentum', 'signed'))
    if centered:
        slots.append(('mg', 'signed'))
    # ResourceApply(Centered)RMSProp with momentum: epsilon inside the
    # square root; the plain update without: outside.
    rule = _rmsprop_rule(0.01, 0.9, 0.5, momentum, centered,
                         eps_inside=bool(momentum))
    model = _continue(tmp_path, '2.3.0-tf', config,
                      _legacy_names('RMSprop', slots), rule)
    assert model.optimizer.centered is centered


def test_tf_keras_2_11_rmsprop_continues_with_its_rule(tmp_path):
    config = {'class_name': 'Custom>RMSprop', 'config': dict(
        NEW_BASE, name='RMSprop', learning_rate=0.01, rho=0.9, momentum=0.0,
        epsilon=0.5, centered=True)}
    names = _new_names('RMSprop', [('velocity', 'positive'),
                                   ('average_gradient', 'signed')],
                       interleaved=False)
    base = _rmsprop_rule(0.01, 0.9, 0.5, 0.0, True, eps_inside=True)

    def rule(params, grads, slots, iteration):
        base(params, grads, slots, iteration,
             names=('velocity', 'momentum', 'average_gradient'))
    _continue(tmp_path, '2.11.0', config, names, rule)


@pytest.mark.parametrize('legacy', [True, False])
def test_tf_keras_adagrad_continues_with_its_rule(tmp_path, legacy):
    lr, eps = 0.05, 0.5
    if legacy:
        config = {'class_name': 'Adagrad', 'config': {
            'name': 'Adagrad', 'learning_rate': lr, 'decay': 0.0,
            'initial_accumulator_value': 0.1, 'epsilon': eps}}
        names = _legacy_names('Adagrad', [('accumulator', 'positive')])
    else:
        config = {'class_name': 'Custom>Adagrad', 'config': dict(
            NEW_BASE, name='Adagrad', learning_rate=lr,
            initial_accumulator_value=0.1, epsilon=eps)}
        names = _new_names('Adagrad', [('accumulator', 'positive')], False)

    def rule(params, grads, slots, iteration):
        for i, (p, g) in enumerate(zip(params, grads)):
            acc = slots[('accumulator', i)] = slots[('accumulator', i)] + \
                g * g
            p -= lr * g / ((np.sqrt(acc) + eps) if legacy else
                           np.sqrt(acc + eps))
    model = _continue(tmp_path, '2.6.0' if legacy else '2.12.0', config,
                      names, rule)
    assert model.optimizer.initial_accumulator_value == pytest.approx(0.1)


def test_fresh_adagrad_accumulators_start_at_initial_value():
    model = models.Sequential([layers.Dense(2, input_shape=(3,))])
    model.compile(optimizers.deserialize({'class_name': 'Adagrad', 'config': {
        'name': 'Adagrad', 'learning_rate': 0.1, 'decay': 0.0,
        'initial_accumulator_value': 0.1, 'epsilon': 1e-07}}), 'mse')
    x = np.ones((4, 3), 'float32')
    kernel, bias = [w.astype('float64') for w in model.get_weights()]
    grads = _mse_grads(kernel, bias, x, np.zeros((4, 2)))
    model.train_on_batch(x, np.zeros((4, 2), 'float32'))
    want = kernel - 0.1 * grads[0] / (np.sqrt(0.1 + grads[0] ** 2) + 1e-7)
    np.testing.assert_allclose(model.get_weights()[0], want, rtol=1e-5)


def _nadam_rule(lr, b1, b2, eps, schedule_decay):
    def rule(params, grads, slots, iteration):
        t = iteration + 1
        mu_t = b1 * (1 - 0.5 * 0.96 ** (t * schedule_decay))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * schedule_decay))
        schedule = slots['m_schedule'] * mu_t
        schedule_next = schedule * mu_next
        slots['m_schedule'] = schedule
        for i, (p, g) in enumerate(zip(params, grads)):
            m = slots[('m', i)] = b1 * slots[('m', i)] + (1 - b1) * g
            v = slots[('v', i)] = b2 * slots[('v', i)] + (1 - b2) * g * g
            m_bar = (1 - mu_t) * g / (1 - schedule) + \
                mu_next * m / (1 - schedule_next)
            p -= lr * m_bar / (np.sqrt(v / (1 - b2 ** t)) + eps)
    return rule


def test_tf_keras_legacy_nadam_reads_decay_as_its_schedule(tmp_path):
    config = {'class_name': 'Nadam', 'config': {
        'name': 'Nadam', 'learning_rate': 0.01, 'decay': 0.3,
        'beta_1': 0.9, 'beta_2': 0.999, 'epsilon': 0.01}}
    names = _legacy_names('Nadam', [('m', 'signed'), ('v', 'positive')],
                          extra=[('momentum_cache', 0.7)])
    model = _continue(tmp_path, '2.4.0', config, names,
                      _nadam_rule(0.01, 0.9, 0.999, 0.01, 0.3))
    assert model.optimizer.schedule_decay == pytest.approx(0.3)


def test_tf_keras_2_11_nadam_continues_with_its_schedule(tmp_path):
    config = {'class_name': 'Custom>Nadam', 'config': dict(
        NEW_BASE, name='Nadam', learning_rate=0.01, beta_1=0.9,
        beta_2=0.999, epsilon=0.01)}
    names = _new_names('Nadam', [('m', 'signed'), ('v', 'positive')], True)
    rule = _nadam_rule(0.01, 0.9, 0.999, 0.01, 1.0)

    def continued(params, grads, slots, iteration):
        # tf.keras 2.11+ keeps the schedule product outside its saved
        # variables: it is the product over the steps already taken.
        slots.setdefault('m_schedule', float(np.prod(
            [0.9 * (1 - 0.5 * 0.96 ** s) for s in range(1, iteration + 1)])))
        rule(params, grads, slots, iteration)
    _continue(tmp_path, '2.11.0', config, names, continued)


def test_tf_keras_adamw_continues_with_decoupled_weight_decay(tmp_path):
    lr, wd, b1, b2, eps = 0.01, 0.1, 0.9, 0.999, 1e-7
    config = {'class_name': 'Custom>AdamW', 'config': dict(
        NEW_BASE, name='AdamW', weight_decay=wd, learning_rate=lr,
        beta_1=b1, beta_2=b2, epsilon=eps, amsgrad=False)}
    names = _new_names('AdamW', [('m', 'signed'), ('v', 'positive')], True)

    def rule(params, grads, slots, iteration):
        t = iteration + 1
        alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        for i, (p, g) in enumerate(zip(params, grads)):
            p -= p * wd * lr
            m = slots[('m', i)] = slots[('m', i)] + (g - slots[('m', i)]) * (
                1 - b1)
            v = slots[('v', i)] = slots[('v', i)] + (
                g * g - slots[('v', i)]) * (1 - b2)
            p -= m * alpha / (np.sqrt(v) + eps)
    model = _continue(tmp_path, '2.13.1', config, names, rule)
    assert isinstance(model.optimizer, optimizers.AdamW)


@pytest.mark.parametrize('flavour', [None, True, False])
def test_clipnorm_per_weight_for_tf_keras_global_for_keras_2(flavour):
    kwargs = {} if flavour is None else {'is_legacy_optimizer': flavour}
    optimizer = optimizers.SGD(learning_rate=1.0, clipnorm=1.0, **kwargs)
    import torch
    grads = [torch.full((4,), 2.0), torch.full((1,), 0.5)]
    clipped = [g.numpy() for g in optimizer._clipped(grads)]
    if flavour is None:       # Keras 2: the global norm (sqrt(16.25))
        np.testing.assert_allclose(clipped[1], [0.5 / np.sqrt(16.25)],
                                   rtol=1e-6)
    else:                     # tf.keras: each gradient by its own norm
        np.testing.assert_allclose(clipped[0], [0.5] * 4, rtol=1e-6)
        np.testing.assert_allclose(clipped[1], [0.5], rtol=1e-6)


def test_optimizer_configs_of_every_era_round_trip():
    for config in [
            {'class_name': 'RMSprop', 'config': {
                'name': 'RMSprop', 'learning_rate': 0.01, 'decay': 0.0,
                'rho': 0.9, 'momentum': 0.5, 'epsilon': 1e-07,
                'centered': True}},
            {'class_name': 'Custom>Adam', 'config': dict(
                NEW_BASE, name='Adam', learning_rate=0.01, beta_1=0.9,
                beta_2=0.999, epsilon=1e-07, amsgrad=True,
                global_clipnorm=2.0)},
            {'class_name': 'LossScaleOptimizer', 'config': {
                'inner_optimizer': {'class_name': 'SGD', 'config': {
                    'name': 'SGD', 'learning_rate': 0.1, 'decay': 0.0,
                    'momentum': 0.0, 'nesterov': False}},
                'dynamic': True, 'initial_scale': 32768.0,
                'dynamic_growth_steps': 2000}}]:
        optimizer = optimizers.deserialize(copy.deepcopy(config))
        again = optimizers.deserialize({
            'class_name': type(optimizer).__name__,
            'config': optimizer.get_config()})
        assert again.get_config() == optimizer.get_config()
    assert again.is_legacy_optimizer is True
    # A schedule as tf.keras 2.13+ writes it.
    scheduled = optimizers.deserialize({'class_name': 'Adam', 'config': {
        'name': 'Adam', 'learning_rate': {
            'module': 'keras.optimizers.schedules',
            'class_name': 'ExponentialDecay', 'registered_name': None,
            'config': {'initial_learning_rate': 0.1, 'decay_steps': 2,
                       'decay_rate': 0.5, 'staircase': True,
                       'name': None}}}})
    assert scheduled.get_config()['learning_rate']['config'][
        'decay_steps'] == 2


# ------------------- applications saved in tf.keras style (must show)
def _policy(name='float32'):
    return {'module': 'keras.mixed_precision', 'class_name': 'Policy',
            'config': {'name': name}, 'registered_name': None}


def _tf_keras_style(model_config, drop_reshape_after_pooling=False):
    """A keras_compat model config as tf.keras 2.13+ writes it: Functional,
    module/registered_name wrappers on layers and nested objects,
    keepdims on global pooling, BatchNormalization axis lists, InputLayer
    `ragged`, dtype policies."""
    config = copy.deepcopy(model_config)
    config['class_name'] = 'Functional'
    body = config['config']
    renames = {}
    kept = []

    def wrap(value, module):
        if isinstance(value, dict) and 'class_name' in value:
            return {'module': module, 'class_name': value['class_name'],
                    'config': value['config'], 'registered_name': None}
        return value
    entries = body['layers']
    for index, entry in enumerate(entries):
        cls, layer = entry['class_name'], entry['config']
        nodes = entry['inbound_nodes']
        for node in nodes:
            for item in node:
                item[0] = renames.get(item[0], item[0])
        if cls.startswith('Global'):
            following = entries[index + 1] if index + 1 < len(entries) \
                else None
            if drop_reshape_after_pooling and following and \
                    following['class_name'] == 'Reshape':
                layer['keepdims'] = True
                renames[following['name']] = entry['name']
            else:
                layer['keepdims'] = False
        if entry['name'] in renames:
            continue
        for key, value in list(layer.items()):
            if key.endswith('initializer'):
                layer[key] = wrap(value, 'keras.initializers')
            elif key.endswith('regularizer'):
                layer[key] = wrap(value, 'keras.regularizers')
            elif key.endswith('constraint'):
                layer[key] = wrap(value, 'keras.constraints')
        if cls == 'InputLayer':
            layer['ragged'] = False
        else:
            layer['dtype'] = _policy()
        if cls == 'BatchNormalization':
            layer['axis'] = [3]
        kept.append({'module': 'keras.layers', 'class_name': cls,
                     'config': layer, 'registered_name': None,
                     'name': entry['name'], 'inbound_nodes': nodes})
    body['layers'] = kept
    body['output_layers'] = [[renames.get(e[0], e[0])] + e[1:]
                             for e in body['output_layers']]
    return config


def _save_tf_keras_style(model, path, **kwargs):
    import h5py
    model.save(path)
    with h5py.File(path, 'r+') as f:
        config = json.loads(f.attrs['model_config'])
        f.attrs['model_config'] = json.dumps(
            _tf_keras_style(config, **kwargs)).encode('utf8')
        f.attrs['keras_version'] = '2.13.1'


def test_mobilenet_saved_by_tf_keras_predicts_the_same(tmp_path):
    from keras_compat.applications import MobileNet
    model = MobileNet(weights=None, alpha=0.25, input_shape=(64, 64, 3),
                      classes=7)
    path = str(tmp_path / 'mobilenet.h5')
    _save_tf_keras_style(model, path, drop_reshape_after_pooling=True)
    loaded, messages = _load_quietly(path)
    assert messages == []
    pooling = [l for l in loaded.layers
               if type(l).__name__ == 'GlobalAveragePooling2D'][0]
    assert pooling.keepdims is True
    assert len(loaded.layers) == len(model.layers) - 1
    x = np.random.RandomState(0).rand(2, 64, 64, 3).astype('float32')
    np.testing.assert_allclose(loaded.predict(x), model.predict(x),
                               rtol=1e-5, atol=1e-7)


def test_resnet50_saved_by_tf_keras_predicts_the_same(tmp_path):
    from keras_compat.applications import ResNet50
    model = ResNet50(weights=None, input_shape=(64, 64, 3), classes=5)
    path = str(tmp_path / 'resnet50.h5')
    _save_tf_keras_style(model, path)
    loaded, messages = _load_quietly(path, compile=False)
    assert messages == []
    x = np.random.RandomState(0).rand(2, 64, 64, 3).astype('float32')
    np.testing.assert_allclose(loaded.predict(x), model.predict(x),
                               rtol=1e-5, atol=1e-7)


# ------------------------------------ every layer config of tf.keras 2.15
LAYER_CONFIGS = json.load(open(era_fixtures.os.path.join(
    era_fixtures.ERAS, 'tf_keras_2_15_layers.json')))['layers']


@pytest.mark.parametrize('entry', LAYER_CONFIGS,
                         ids=[e['config']['name'] for e in LAYER_CONFIGS])
def test_tf_keras_layer_config_deserialises_and_runs(entry):
    report = eras.LoadReport(keras_version='2.15.0')
    config = eras.normalize_model_config(
        {'class_name': entry['class_name'],
         'config': copy.deepcopy(entry['config'])}, report)
    layer = layers.deserialize(config)
    assert type(layer).__name__ == entry['class_name']
    shape = entry['input_shape']
    rng = np.random.RandomState(0)
    if shape == 'pair:4':
        inputs = [layers.Input((4,)), layers.Input((4,))]
        data = [rng.rand(2, 4).astype('float32') for _ in inputs]
    elif isinstance(shape, str):
        inputs = layers.Input((int(shape.split(':')[1]),), dtype='int32')
        data = rng.randint(1, 10, (2, int(shape.split(':')[1])))
    else:
        inputs = layers.Input(tuple(shape))
        data = rng.rand(2, *shape).astype('float32')
    model = models.Model(inputs, layer(inputs))
    assert np.all(np.isfinite(model.predict(data)))
    # This package's own config of the layer passes the same checks.
    own = eras.normalize_model_config(
        {'class_name': entry['class_name'], 'config': layer.get_config()},
        eras.LoadReport(keras_version='2.3.1'))
    assert type(layers.deserialize(own)) is type(layer)


def test_nested_model_saved_frozen_stays_frozen(tmp_path):
    import h5py
    inner_in = layers.Input((3,))
    inner = models.Model(inner_in, layers.Dense(2)(inner_in), name='inner')
    outer_in = layers.Input((3,))
    outer = models.Model(outer_in, layers.Dense(1)(inner(outer_in)))
    outer.compile('sgd', 'mse')
    path = str(tmp_path / 'nested.h5')
    outer.save(path)
    with h5py.File(path, 'r+') as f:
        config = json.loads(f.attrs['model_config'])
        config['config']['layers'][1]['config']['trainable'] = False
        f.attrs['model_config'] = json.dumps(config).encode('utf8')
    loaded, _ = _load_quietly(path)
    assert loaded.get_layer('inner').trainable is False
    assert len(loaded.trainable_weights) == 2


# ------------------------------------------- TensorFlow functions -> torch
_X = np.random.RandomState(4).uniform(-1, 1, (2, 3, 4)).astype('float32')
OP_CASES = [
    ('math.reduce_mean', (_X,), {'axis': [1, 2], 'keepdims': True},
     _X.mean(axis=(1, 2), keepdims=True)),
    ('compat.v1.reduce_sum', (_X,), {'reduction_indices': 1,
                                     'keep_dims': False}, _X.sum(1)),
    ('math.reduce_max', (_X,), {'axis': -1}, _X.max(-1)),
    ('reduce_prod', (_X,), {'axis': [0, 2]}, _X.prod(axis=(0, 2))),
    ('reshape', (_X,), {'shape': [-1, 12]}, _X.reshape(-1, 12)),
    ('transpose', (_X,), {'perm': [0, 2, 1]}, _X.transpose(0, 2, 1)),
    ('expand_dims', (_X,), {'axis': 1}, _X[:, None]),
    ('squeeze', (_X[:, :1],), {'axis': [1]}, _X[:, 0]),
    ('nn.softmax', (_X,), {'axis': 1},
     np.exp(_X) / np.exp(_X).sum(1, keepdims=True)),
    ('math.l2_normalize', (_X,), {'axis': -1},
     _X / np.sqrt((_X ** 2).sum(-1, keepdims=True))),
    ('linalg.matmul', (_X, _X), {'transpose_b': True},
     _X @ _X.transpose(0, 2, 1)),
    ('tile', (_X,), {'multiples': [1, 2, 1]}, np.tile(_X, (1, 2, 1))),
    ('pad', (_X,), {'paddings': [[0, 0], [1, 0], [0, 2]]},
     np.pad(_X, ((0, 0), (1, 0), (0, 2)))),
    ('clip_by_value', (_X, -0.2, 0.3), {}, np.clip(_X, -0.2, 0.3)),
    ('math.maximum', (_X, 0.1), {}, np.maximum(_X, 0.1)),
    ('__operators__.add', (1.5, _X), {}, 1.5 + _X),
    ('math.truediv', (_X, 2.0), {}, _X / 2.),
    ('math.squared_difference', (_X, 0.5), {}, (_X - 0.5) ** 2),
    ('nn.relu6', (_X * 10,), {}, np.clip(_X * 10, 0, 6)),
    ('compat.v1.nn.leaky_relu', (_X,), {'alpha': 0.1},
     np.where(_X > 0, _X, 0.1 * _X)),
    ('cast', (_X,), {'dtype': 'int32'}, _X.astype('int32')),
    ('concat', ([_X, _X],), {'axis': -1}, np.concatenate([_X, _X], -1)),
    ('stack', ([_X, _X],), {'axis': 1}, np.stack([_X, _X], 1)),
    ('gather', (_X, [2, 0]), {'axis': 1}, _X[:, [2, 0]]),
    ('__operators__.getitem', (_X,), {'slice_spec': [
        {'class_name': '__ellipsis__'}, {'start': 1, 'stop': None,
                                         'step': 2}]}, _X[..., 1::2]),
    ('__operators__.getitem', (_X,), {'slice_spec': [
        {'start': None, 'stop': None, 'step': None}, 0, None]},
     _X[:, 0, None]),
]


@pytest.mark.parametrize('symbol,args,kwargs,expected', OP_CASES,
                         ids=['%s-%d' % (c[0], i)
                              for i, c in enumerate(OP_CASES)])
def test_tensorflow_function_table(symbol, args, kwargs, expected):
    import torch
    from keras_compat.layers import tf_op_layer

    def tensor(value):
        if isinstance(value, np.ndarray):
            return torch.tensor(value)
        if isinstance(value, list) and value and \
                isinstance(value[0], np.ndarray):
            return [torch.tensor(v) for v in value]
        return value
    out = tf_op_layer.resolve(symbol)(*[tensor(a) for a in args], **kwargs)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)


def test_layers_deserialize_reads_every_era_too(caplog):
    fixture = era_fixtures.load('tf_keras_2_6')
    with caplog.at_level(logging.INFO, logger='keras_compat.saving'):
        model = layers.deserialize(copy.deepcopy(fixture['model_config']))
    assert type(model).__name__ == 'Model'
    assert model.output_shape == (None, 4)
    assert 'TFOpLambda' in caplog.text


def _attention_model_config(class_name):
    # tf.keras writes MultiHeadAttention(q, v) with `value` as a tensor
    # argument.
    return {'class_name': 'Functional', 'config': {
        'name': 'model', 'layers': [
            {'class_name': 'InputLayer', 'name': 'q', 'inbound_nodes': [],
             'config': {'batch_input_shape': [None, 3, 4],
                        'dtype': 'float32', 'name': 'q'}},
            {'class_name': 'InputLayer', 'name': 'v', 'inbound_nodes': [],
             'config': {'batch_input_shape': [None, 5, 4],
                        'dtype': 'float32', 'name': 'v'}},
            {'class_name': class_name, 'name': 'mha',
             'config': {'name': 'mha', 'num_heads': 2, 'key_dim': 3},
             'inbound_nodes': [[['q', 0, 0, {'value': ['v', 0, 0]}]]]}],
        'input_layers': [['q', 0, 0], ['v', 0, 0]],
        'output_layers': [['mha', 0, 0]]},
        'keras_version': '2.21.0', 'backend': 'tensorflow'}


def test_a_missing_layer_with_tensor_arguments_is_named_unknown():
    config = _attention_model_config('SomeAttention')
    with pytest.raises(ValueError, match='Unknown layer: SomeAttention'):
        models.model_from_json(json.dumps(config))


def test_tensor_call_arguments_become_the_layers_node_inputs():
    model = models.model_from_json(json.dumps(
        _attention_model_config('MultiHeadAttention')))
    rng = np.random.RandomState(0)
    q = rng.rand(2, 3, 4).astype('float32')
    v = rng.rand(2, 5, 4).astype('float32')
    layer = model.get_layer('mha')
    direct = layer(torch.tensor(q), torch.tensor(v)).detach().numpy()
    np.testing.assert_allclose(model.predict([q, v]), direct, rtol=1e-6)
