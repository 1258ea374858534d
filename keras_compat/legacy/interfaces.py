"""Keras 1 argument spellings that Keras 2 still accepted (with a warning):
`Dense(output_dim=..., init=...)`, `Convolution2D(32, 3, 3,
border_mode='same')`, `Dropout(p=0.5)`, `LSTM(dropout_W=...)` and so on."""
import os
import sys
import threading
import warnings

import numpy as np

_DIM_ORDERING = {'tf': 'channels_last', 'th': 'channels_first',
                 'default': None}

DENSE = [('output_dim', 'units'), ('init', 'kernel_initializer'),
         ('W_regularizer', 'kernel_regularizer'),
         ('b_regularizer', 'bias_regularizer'),
         ('W_constraint', 'kernel_constraint'),
         ('b_constraint', 'bias_constraint'), ('bias', 'use_bias')]
DROPOUT = [('p', 'rate')]
EMBEDDING = [('init', 'embeddings_initializer'),
             ('W_regularizer', 'embeddings_regularizer'),
             ('W_constraint', 'embeddings_constraint')]
POOLING_1D = [('pool_length', 'pool_size'), ('stride', 'strides'),
              ('border_mode', 'padding')]
POOLING = [('border_mode', 'padding'), ('dim_ordering', 'data_format')]
DATA_FORMAT = [('dim_ordering', 'data_format')]
PRELU = [('init', 'alpha_initializer')]
GAUSSIAN_NOISE = [('sigma', 'stddev')]
UPSAMPLING_1D = [('length', 'size')]
RECURRENT = [('output_dim', 'units'), ('init', 'kernel_initializer'),
             ('inner_init', 'recurrent_initializer'),
             ('inner_activation', 'recurrent_activation'),
             ('W_regularizer', 'kernel_regularizer'),
             ('b_regularizer', 'bias_regularizer'),
             ('U_regularizer', 'recurrent_regularizer'),
             ('dropout_W', 'dropout'), ('dropout_U', 'recurrent_dropout'),
             ('consume_less', 'implementation')]
CONV_1D = [('nb_filter', 'filters'), ('filter_length', 'kernel_size'),
           ('subsample_length', 'strides'), ('border_mode', 'padding'),
           ('init', 'kernel_initializer'),
           ('W_regularizer', 'kernel_regularizer'),
           ('b_regularizer', 'bias_regularizer'),
           ('W_constraint', 'kernel_constraint'),
           ('b_constraint', 'bias_constraint'), ('bias', 'use_bias')]
CONV = [('nb_filter', 'filters'), ('subsample', 'strides'),
        ('border_mode', 'padding'), ('dim_ordering', 'data_format'),
        ('init', 'kernel_initializer'),
        ('W_regularizer', 'kernel_regularizer'),
        ('b_regularizer', 'bias_regularizer'),
        ('W_constraint', 'kernel_constraint'),
        ('b_constraint', 'bias_constraint'), ('bias', 'use_bias')]
CONV_LSTM_2D = [('nb_filter', 'filters'), ('subsample', 'strides'),
                ('border_mode', 'padding'), ('dim_ordering', 'data_format'),
                ('init', 'kernel_initializer'),
                ('inner_init', 'recurrent_initializer'),
                ('W_regularizer', 'kernel_regularizer'),
                ('U_regularizer', 'recurrent_regularizer'),
                ('b_regularizer', 'bias_regularizer'),
                ('inner_activation', 'recurrent_activation'),
                ('dropout_W', 'dropout'), ('dropout_U', 'recurrent_dropout'),
                ('bias', 'use_bias')]
BATCHNORM = [('beta_init', 'beta_initializer'),
             ('gamma_init', 'gamma_initializer')]
VALUE_CONVERSIONS = {'dim_ordering': _DIM_ORDERING,
                     'consume_less': {'cpu': 0, 'mem': 1, 'gpu': 2}}
_LEGACY_KEYWORDS = frozenset(
    old for table in (DENSE, DROPOUT, EMBEDDING, POOLING_1D, POOLING,
                      DATA_FORMAT, PRELU, GAUSSIAN_NOISE, UPSAMPLING_1D,
                      RECURRENT, CONV_1D, CONV, CONV_LSTM_2D, BATCHNORM)
    for old, _ in table)


_PLAIN_OBJECT_MODULES = ('keras_compat.regularizers',
                         'keras_compat.initializers',
                         'keras_compat.constraints')


def _describe(value):
    if isinstance(value, str):
        return '"%s"' % value
    text = 'array' if isinstance(value, np.ndarray) else str(value)
    module = type(value).__module__
    if module in _PLAIN_OBJECT_MODULES:
        # Keras 2's regularizers, initializers and constraints printed as
        # plain objects.
        text = '<keras.%s.%s object at %s>' % (
            module.split('.')[-1], type(value).__name__, hex(id(value)))
    return text[:10] + '...' if len(text) > 10 else text


# The constructor call a layer was made with, as written, while it holds
# Keras 1 keywords (noted by Layer.__new__): the warning quotes the whole
# call, positional arguments included, as Keras 2's did.
_CALL_AS_WRITTEN = threading.local()
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def note_call(cls, args, kwargs):
    """Keeps a layer constructor's call when it uses a Keras 1 keyword."""
    if kwargs and not _LEGACY_KEYWORDS.isdisjoint(kwargs) or \
            'forget_bias_init' in kwargs or \
            'mode' in kwargs and cls.__name__ == 'BatchNormalization' or \
            'input_dim' in kwargs and \
            getattr(cls, '_keras1_input_dim', False):
        _CALL_AS_WRITTEN.call = (cls.__name__, args, dict(kwargs))


def _call_as_written(object_name, conversions, recurrent=False):
    """(positional args, Keras 2 keywords in Keras 2's order) of the noted
    call of `object_name`, or None; the note is used once."""
    call = getattr(_CALL_AS_WRITTEN, 'call', None)
    _CALL_AS_WRITTEN.call = None
    if call is None or call[0] != object_name:
        return None
    kwargs = dict(call[2])
    if object_name == 'BatchNormalization':
        kwargs.pop('mode', None)
    if object_name == 'Embedding':
        kwargs.pop('dropout', None)
    if kwargs.pop('forget_bias_init', None) == 'one':
        kwargs['unit_forget_bias'] = True
    if recurrent and 'input_dim' in kwargs:
        length = kwargs.pop('input_length', None)
        kwargs['input_shape'] = (length, kwargs.pop('input_dim'))
    for key, table in VALUE_CONVERSIONS.items():
        if key in kwargs and isinstance(kwargs[key], str) and \
                kwargs[key] in table:
            kwargs[key] = table[kwargs[key]]
    for old, new in conversions:
        if old in kwargs:
            kwargs[new] = kwargs.pop(old)
    return call[1], kwargs


def _user_stacklevel():
    """The `stacklevel` of the first frame outside this package, for a
    warning raised by this module's `convert`."""
    # (Frame 2, convert's caller, is what stacklevel=2 names.)
    level, frame = 2, sys._getframe(2)
    while frame is not None and (
            frame.f_code.co_filename.startswith(_PACKAGE_DIR) or
            frame.f_code.co_filename.startswith('<frozen')):
        frame = frame.f_back
        level += 1
    return level if frame is not None else 2


def convert(object_name, kwargs, conversions, args=(), written=None,
            converted=False):
    """Renames Keras 1 keyword arguments in place, warning once with the
    Keras 2 call to write instead (`written`: the call's positional
    arguments and Keras 2 keywords, when known; `converted`: a Keras 1
    argument was already rewritten, so the warning is due anyway)."""
    for key, table in VALUE_CONVERSIONS.items():
        if key in kwargs and any(key == old for old, _ in conversions):
            value = kwargs[key]
            if isinstance(value, str) and value in table:
                kwargs[key] = table[value]
    for old, new in conversions:
        if old in kwargs:
            value = kwargs.pop(old)
            if new in kwargs:
                raise TypeError('For the `' + new + '` argument, the layer '
                                'received both the legacy keyword argument `'
                                + old + '` and the Keras 2 keyword argument `'
                                + new + '`. Stick to the latter!')
            kwargs[new] = value
            converted = True
    if converted:
        shown_args, shown_kwargs = written or (args, kwargs)
        parts = [_describe(a) for a in shown_args]
        parts += ['%s=%s' % (k, _describe(v))
                  for k, v in shown_kwargs.items()]
        warnings.warn('Update your `%s` call to the Keras 2 API: `%s(%s)`'
                      % (object_name, object_name, ', '.join(parts)),
                      stacklevel=_user_stacklevel())
    return kwargs


def input_dim_to_shape(kwargs):
    """Keras 2.0's recurrent/conv1d preprocessors: Keras 1 `input_dim` +
    `input_length` -> `input_shape=(input_length, input_dim)`. Keras 1
    configs of a first layer also hold `batch_input_shape`, which the Keras
    2 Layer prefers, so both legacy keys are then dropped."""
    if 'input_dim' not in kwargs and 'input_length' not in kwargs:
        return kwargs
    length = kwargs.pop('input_length', None)
    dim = kwargs.pop('input_dim', None)
    if 'input_shape' in kwargs or 'batch_input_shape' in kwargs:
        return kwargs
    if dim is not None or length is not None:
        kwargs['input_shape'] = (length, dim)
    return kwargs


def _recurrent_input_shape(kwargs):
    """Keras 2's recurrent preprocessor: `input_dim` (and `input_length`)
    become `input_shape=(input_length, input_dim)`, with its warning."""
    length = kwargs.pop('input_length', None)
    kwargs['input_shape'] = (length, kwargs.pop('input_dim'))
    warnings.warn('The `input_dim` and `input_length` arguments in '
                  'recurrent layers are deprecated. Use `input_shape` '
                  'instead.', stacklevel=_user_stacklevel())


def legacy_args(object_name, kwargs, conversions, current,
                recurrent=False, converted=False):
    """Pops the Keras 1 names of `conversions` from `kwargs` and returns
    `current` (the Keras 2 arguments) updated with their values. A
    recurrent layer (`recurrent`) also takes Keras 1's `input_dim` /
    `input_length` as Keras 2 did. `converted`: the caller already
    rewrote a Keras 1 argument (`BatchNormalization(mode=0)`,
    `forget_bias_init='one'`), which Keras 2 also warned about."""
    old_names = {old for old, _ in conversions}
    found = {k: kwargs.pop(k) for k in list(kwargs) if k in old_names}
    written = None
    if recurrent and 'input_dim' in kwargs:
        written = _call_as_written(object_name, conversions, recurrent)
        _recurrent_input_shape(kwargs)
        found = found or {'input_shape': kwargs['input_shape']}
    if not found and not converted:
        return current
    written = written or _call_as_written(object_name, conversions)
    converted = convert(object_name, dict(found),
                        conversions + [('input_shape', 'input_shape')],
                        written=written, converted=converted)
    converted.pop('input_shape', None)
    current = dict(current)
    for name, value in converted.items():
        if name in current:
            current[name] = value
        else:
            kwargs[name] = value
    return current


def _legacy_kernel_size(rank, args, kwargs):
    """Keras 2.0's conv2d/conv3d preprocessors: the Keras 1 kernel size
    given positionally (`Convolution2D(32, 3, 3)`), as keywords
    (`nb_row=3, nb_col=3`, `kernel_dim1..3`, the form of every Keras 1
    config) or mixed becomes `kernel_size`. Returns the positional args."""
    dims = ['nb_row', 'nb_col'] if rank == 2 else \
        ['kernel_dim1', 'kernel_dim2', 'kernel_dim3']
    if len(args) == rank + 1 and all(isinstance(a, int) for a in args[1:]):
        if rank == 2 and any(k in kwargs for k in ('padding', 'strides',
                                                   'data_format')):
            raise ValueError(
                'It seems that you are using the Keras 2 and you are '
                'passing both `kernel_size` and `strides` as integer '
                'positional arguments. For safety reasons, this is '
                'disallowed. Pass `strides` as a keyword argument instead.')
        return [args[0], tuple(args[1:])]
    given = max(len(args) - 1, 0)
    missing = dims[given:]
    if len(args) > rank or not all(d in kwargs for d in missing):
        return args
    if 'kernel_size' in kwargs:
        raise TypeError('The layer received both the legacy keyword '
                        'arguments %s and the Keras 2 keyword argument '
                        '`kernel_size`. Stick to the latter!' % missing)
    kwargs['kernel_size'] = tuple(list(args[1:]) +
                                  [kwargs.pop(d) for d in missing])
    return list(args[:1])


def conv_legacy_support(rank, separable=False, transposed=False,
                        conversions=None):
    """Decorator for conv layer constructors accepting the Keras 1 forms
    `Convolution2D(32, 3, 3, border_mode='same', subsample=(2, 2))`,
    `Convolution1D(nb_filter=64, filter_length=3)` and
    `Convolution3D(8, 3, 3, 3)`."""
    import functools
    if conversions is None:
        conversions = CONV_1D if rank == 1 else CONV
    if separable:
        conversions = [c for c in conversions if c[0] != 'init']

    def decorator(init):
        @functools.wraps(init)
        def wrapper(self, *args, **kwargs):
            args = list(args)
            name = type(self).__name__
            if transposed:
                # Keras 1 Deconvolution2D took the output shape; Keras 2
                # computes it.
                if len(args) == 4 and isinstance(args[3], tuple):
                    args = args[:3]
                kwargs.pop('output_shape', None)
            if rank > 1:
                args = _legacy_kernel_size(rank, args, kwargs)
            if separable and 'init' in kwargs:
                value = kwargs.pop('init')
                kwargs['depthwise_initializer'] = value
                kwargs['pointwise_initializer'] = value
            if rank == 1:
                input_dim_to_shape(kwargs)
            converted = kwargs.get('forget_bias_init') == 'one'
            if converted:
                # (ConvLSTM2D: Keras 1's initial forget bias of one.)
                del kwargs['forget_bias_init']
                kwargs['unit_forget_bias'] = True
            if converted or any(old in kwargs for old, _ in conversions):
                convert(name, kwargs, conversions, args,
                        converted=converted)
            return init(self, *args, **kwargs)
        return wrapper
    return decorator


def legacy_get_updates_support(get_updates):
    """Keras 2's decorator for `Optimizer.get_updates`: also accepts Keras
    1's `get_updates(params, constraints, loss)` call."""
    import functools

    @functools.wraps(get_updates)
    def wrapper(self, *args, **kwargs):
        if len(args) > 3:
            raise TypeError('`get_update` call received more arguments '
                            'than expected.')
        if len(args) == 3:
            # Keras 1: (params, constraints, loss)
            params, _, loss = args
            return get_updates(self, loss=loss, params=params, **kwargs)
        if len(args) == 2 and isinstance(args[0], (list, tuple)) and \
                isinstance(args[1], dict):
            # Keras 1 with the loss as keyword: (params, constraints)
            return get_updates(self, params=args[0], **kwargs)
        return get_updates(self, *args, **kwargs)
    return wrapper


# ------------------------------------------- Keras 2's named decorators
# Layers copied from Keras 2's source (custom variants of Dense, Conv2D,
# LSTM, ...) apply these to their `__init__`.
def generate_legacy_interface(allowed_positional_args=None, conversions=None,
                              preprocessor=None, value_conversions=None,
                              object_type='class'):
    """Keras 2's decorator factory: the decorated constructor (or method,
    `object_type='method'`) accepts the Keras 1 keyword names in
    `conversions` (with a warning naming the Keras 2 call), values in
    `value_conversions`, and at most `allowed_positional_args` positional
    arguments (any number for None); `preprocessor(args, kwargs)` returns
    `(args, kwargs, converted)` first."""
    import functools
    conversions = conversions or []
    value_conversions = value_conversions or {}

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if object_type == 'class':
                object_name = args[0].__class__.__name__
            else:
                object_name = func.__name__
            preconverted = []
            if preprocessor:
                args, kwargs, preconverted = preprocessor(args, kwargs)
            if allowed_positional_args is not None and \
                    len(args) > len(allowed_positional_args) + 1:
                raise TypeError('`' + object_name + '` can accept only ' +
                                str(len(allowed_positional_args)) +
                                ' positional arguments ' +
                                str(tuple(allowed_positional_args)) +
                                ', but you passed the following '
                                'positional arguments: ' +
                                str(list(args[1:])))
            for key, table in value_conversions.items():
                if key in kwargs and kwargs[key] in table:
                    kwargs[key] = table[kwargs[key]]
            convert(object_name, kwargs, conversions, args[1:],
                    converted=bool(preconverted))
            return func(*args, **kwargs)
        wrapper._original_function = func
        return wrapper
    return decorator


def generate_legacy_method_interface(allowed_positional_args=None,
                                     conversions=None, preprocessor=None,
                                     value_conversions=None):
    return generate_legacy_interface(allowed_positional_args, conversions,
                                     preprocessor, value_conversions,
                                     object_type='method')


def _input_dim_preprocessor(args, kwargs):
    input_dim_to_shape(kwargs)
    return args, kwargs, []


legacy_dense_support = generate_legacy_interface(
    allowed_positional_args=['units'], conversions=DENSE,
    preprocessor=lambda args, kwargs: _dense_preprocessor(args, kwargs))
legacy_dropout_support = generate_legacy_interface(
    allowed_positional_args=['rate', 'noise_shape', 'seed'],
    conversions=DROPOUT)
legacy_embedding_support = generate_legacy_interface(
    allowed_positional_args=['input_dim', 'output_dim'],
    conversions=EMBEDDING)
legacy_pooling1d_support = generate_legacy_interface(
    allowed_positional_args=['pool_size', 'strides', 'padding'],
    conversions=POOLING_1D)
legacy_pooling2d_support = generate_legacy_interface(
    allowed_positional_args=['pool_size', 'strides', 'padding'],
    conversions=POOLING, value_conversions={'dim_ordering': _DIM_ORDERING})
legacy_pooling3d_support = legacy_pooling2d_support
legacy_global_pooling_support = generate_legacy_interface(
    conversions=DATA_FORMAT, value_conversions={'dim_ordering':
                                                _DIM_ORDERING})
legacy_prelu_support = generate_legacy_interface(
    allowed_positional_args=['alpha_initializer'], conversions=PRELU)
legacy_gaussiannoise_support = generate_legacy_interface(
    allowed_positional_args=['stddev'], conversions=GAUSSIAN_NOISE)
legacy_gaussiandropout_support = generate_legacy_interface(
    allowed_positional_args=['rate'], conversions=DROPOUT)
legacy_recurrent_support = generate_legacy_interface(
    allowed_positional_args=['units'], conversions=RECURRENT,
    preprocessor=_input_dim_preprocessor,
    value_conversions={'consume_less': {'cpu': 0, 'mem': 1, 'gpu': 2}})
legacy_upsampling1d_support = generate_legacy_interface(
    allowed_positional_args=['size'], conversions=UPSAMPLING_1D)
legacy_upsampling2d_support = generate_legacy_interface(
    allowed_positional_args=['size'], conversions=DATA_FORMAT,
    value_conversions={'dim_ordering': _DIM_ORDERING})
legacy_upsampling3d_support = legacy_upsampling2d_support
legacy_zeropadding2d_support = generate_legacy_interface(
    allowed_positional_args=['padding'], conversions=DATA_FORMAT,
    value_conversions={'dim_ordering': _DIM_ORDERING})
legacy_zeropadding3d_support = legacy_zeropadding2d_support
legacy_cropping2d_support = generate_legacy_interface(
    allowed_positional_args=['cropping'], conversions=DATA_FORMAT,
    value_conversions={'dim_ordering': _DIM_ORDERING})
legacy_cropping3d_support = legacy_cropping2d_support
legacy_spatialdropout1d_support = generate_legacy_interface(
    allowed_positional_args=['rate'], conversions=DROPOUT)
legacy_spatialdropoutNd_support = generate_legacy_interface(
    allowed_positional_args=['rate'],
    conversions=DROPOUT + DATA_FORMAT,
    value_conversions={'dim_ordering': _DIM_ORDERING})
legacy_lambda_support = generate_legacy_interface(
    allowed_positional_args=['function', 'output_shape'])
legacy_batchnorm_support = generate_legacy_interface(
    conversions=BATCHNORM)
legacy_conv1d_support = conv_legacy_support(1)
legacy_conv2d_support = conv_legacy_support(2)
legacy_conv3d_support = conv_legacy_support(3)
legacy_deconv2d_support = conv_legacy_support(2, transposed=True)
legacy_separable_conv2d_support = conv_legacy_support(2, separable=True)
legacy_convlstm2d_support = conv_legacy_support(2,
                                                conversions=CONV_LSTM_2D)
legacy_model_constructor_support = generate_legacy_interface(
    allowed_positional_args=None, conversions=[('input', 'inputs'),
                                               ('output', 'outputs')])
legacy_input_support = generate_legacy_interface(
    allowed_positional_args=None, conversions=[('input_dtype', 'dtype')])
legacy_add_weight_support = generate_legacy_interface(
    allowed_positional_args=['name', 'shape'],
    preprocessor=lambda args, kwargs: _add_weight_preprocessor(args, kwargs))


def _generator_methods_preprocessor(args, kwargs):
    """Keras 2's: `samples_per_epoch` becomes `steps_per_epoch` (divided
    by the generator's `batch_size` when it has one); any other Keras 1
    argument warns that the semantics changed."""
    converted = []
    if len(args) < 3 and 'samples_per_epoch' in kwargs:
        samples = kwargs.pop('samples_per_epoch')
        generator = args[1] if len(args) > 1 else kwargs['generator']
        size = getattr(generator, 'batch_size', None)
        kwargs['steps_per_epoch'] = samples // size if size else samples
        converted.append(('samples_per_epoch', 'steps_per_epoch'))
    if {'samples_per_epoch', 'val_samples', 'nb_epoch', 'nb_val_samples',
            'nb_worker'}.intersection(kwargs):
        warnings.warn(
            'The semantics of the Keras 2 argument `steps_per_epoch` is not '
            'the same as the Keras 1 argument `samples_per_epoch`. '
            '`steps_per_epoch` is the number of batches to draw from the '
            'generator at each epoch. Basically steps_per_epoch = '
            'samples_per_epoch/batch_size. Similarly `nb_val_samples`->'
            '`validation_steps` and `val_samples`->`steps` arguments have '
            'changed. Update your method calls accordingly.',
            stacklevel=_user_stacklevel())
    return args, kwargs, converted


# (Keras 2 also refused more than three positional arguments; tf.keras
# programs pass more, so they are not counted.)
legacy_generator_methods_support = generate_legacy_method_interface(
    allowed_positional_args=None,
    preprocessor=_generator_methods_preprocessor,
    conversions=[('samples_per_epoch', 'steps_per_epoch'),
                 ('val_samples', 'steps'), ('nb_epoch', 'epochs'),
                 ('nb_val_samples', 'validation_steps'),
                 ('nb_worker', 'workers'), ('pickle_safe',
                                            'use_multiprocessing'),
                 ('max_q_size', 'max_queue_size')])


def _dense_preprocessor(args, kwargs):
    """Keras 1 Dense(input_dim=...) -> input_shape=(input_dim,)."""
    if 'input_dim' in kwargs and 'input_shape' not in kwargs and \
            'batch_input_shape' not in kwargs:
        kwargs['input_shape'] = (kwargs.pop('input_dim'),)
    return args, kwargs, []


def _add_weight_preprocessor(args, kwargs):
    """Keras 2.0's add_weight(shape, initializer, ...) order: a shape
    given first is moved to its keyword."""
    if len(args) > 1 and isinstance(args[1], (list, tuple)):
        kwargs['shape'] = args[1]
        args = (args[0],) + tuple(args[2:])
        if len(args) > 1:
            kwargs['initializer'] = args[1]
            args = (args[0],)
    return args, kwargs, []
