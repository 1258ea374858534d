"""Backend configuration: float type, epsilon, image data format, name uids,
learning phase. Mirrors `keras.backend.common` of Keras 2 and reads the
same `~/.keras/keras.json` (or `$KERAS_HOME/keras.json`)."""
import json
import os
from collections import defaultdict

import numpy as np

_FLOATX = 'float32'
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = 'channels_last'
_VALID_FLOATX = ('float16', 'float32', 'float64', 'bfloat16')
_VALID_FORMATS = ('channels_last', 'channels_first')


def keras_dir():
    """The Keras home folder: `$KERAS_HOME`, else `~/.keras` (or `/tmp/.keras`
    when the home folder is not writable), as Keras 2 decides it."""
    if 'KERAS_HOME' in os.environ:
        return os.environ['KERAS_HOME']
    base = os.path.expanduser('~')
    if not os.access(base, os.W_OK):
        base = '/tmp'
    return os.path.join(base, '.keras')


def epsilon():
    """The fuzz factor used in numeric expressions (default 1e-7)."""
    return _EPSILON


def set_epsilon(e):
    global _EPSILON
    _EPSILON = float(e)


def floatx():
    """The default float type as a string, e.g. 'float32'."""
    return _FLOATX


def set_floatx(value=None, floatx=None):
    """Sets the default float type; `floatx` is Keras 2's name for
    `value` (tf.keras's)."""
    global _FLOATX
    if floatx is not None:
        if value is not None:
            raise TypeError("set_floatx() got multiple values for 'value'")
        value = floatx
    if value not in _VALID_FLOATX:
        raise ValueError('Unknown floatx type: ' + str(value))
    _FLOATX = str(value)


def cast_to_floatx(x):
    """Casts a Numpy array to the default Keras float type; a tensor or
    variable is cast as a tensor (gradients flow through it), as in
    tf.keras."""
    import torch
    if isinstance(x, torch.Tensor):
        from .ops import cast
        return cast(x, _FLOATX)
    return np.asarray(x, dtype=_FLOATX)


def image_data_format():
    """'channels_last' or 'channels_first'."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    global _IMAGE_DATA_FORMAT
    if data_format not in _VALID_FORMATS:
        raise ValueError('Unknown data_format: ' + str(data_format))
    _IMAGE_DATA_FORMAT = str(data_format)


def normalize_data_format(value):
    """Returns `value` or the configured default, checked and lower-cased."""
    if value is None:
        value = image_data_format()
    data_format = value.lower()
    if data_format not in _VALID_FORMATS:
        raise ValueError('The `data_format` argument must be one of '
                         '"channels_first", "channels_last". Received: ' +
                         str(value))
    return data_format


def image_dim_ordering():
    """Keras 1 spelling: 'tf' for channels_last, 'th' for channels_first."""
    return 'tf' if _IMAGE_DATA_FORMAT == 'channels_last' else 'th'


def set_image_dim_ordering(dim_ordering):
    if dim_ordering not in ('tf', 'th'):
        raise ValueError('Unknown dim_ordering: ' + str(dim_ordering))
    set_image_data_format('channels_last' if dim_ordering == 'tf'
                          else 'channels_first')


def _load_config_file():
    path = os.path.join(keras_dir(), 'keras.json')
    if not os.path.exists(path):
        return
    try:
        with open(path) as f:
            config = json.load(f)
    except (ValueError, OSError):
        return
    if config.get('floatx') in _VALID_FLOATX:
        set_floatx(config['floatx'])
    if isinstance(config.get('epsilon'), (int, float)):
        set_epsilon(config['epsilon'])
    if config.get('image_data_format') in _VALID_FORMATS:
        set_image_data_format(config['image_data_format'])


_load_config_file()

# ---------------------------------------------------------------- name uids
_UIDS = defaultdict(int)


def get_uid(prefix=''):
    """Per-prefix counter starting at 1, as Keras 2 numbers layer names."""
    _UIDS[prefix] += 1
    return _UIDS[prefix]


def reset_uids():
    _UIDS.clear()


class fresh_object_names(object):
    """A scope whose tf.keras object names count from scratch, as in a
    new TensorFlow graph (the metrics tf.keras makes from compile()'s
    strings are named in its train function's graph: 'auc', 'auc_1')."""

    def __enter__(self):
        self._saved = {k: v for k, v in _UIDS.items()
                       if isinstance(k, tuple)}
        for key in self._saved:
            del _UIDS[key]
        return self

    def __exit__(self, *exc):
        for key in [k for k in _UIDS if isinstance(k, tuple)]:
            del _UIDS[key]
        _UIDS.update(self._saved)
        return False


# TensorFlow 2 runs eagerly unless a program calls
# `tf.compat.v1.disable_eager_execution()` (TF1 graph semantics).
_EAGER = [True]


def executing_eagerly():
    return _EAGER[0]


def set_executing_eagerly(eager):
    _EAGER[0] = bool(eager)


def unique_layer_name(prefix):
    """A new default name for a layer or model of the snake-case class
    name `prefix`: Keras 2 numbers them from 1 ('dense_1', 'dense_2'),
    tf.keras from 0 without a suffix ('dense', 'dense_1')."""
    if is_tf_keras():
        # tf.keras counts object names apart from `K.get_uid(prefix)`
        # (its key is a (namespace, name) pair); `reset_uids` clears both.
        _UIDS[('', prefix)] += 1
        uid = _UIDS[('', prefix)]
        return prefix if uid == 1 else '%s_%d' % (prefix, uid - 1)
    return '%s_%d' % (prefix, get_uid(prefix))


# ---------------------------------------------------------- API flavour
# Standalone Keras 2 and tf.keras 2.x disagree on some defaults (layer
# names, GRU's reset_after, optimizer learning rates, the logs callbacks
# get, what `model.trainable = False` does to the layers inside). A
# program is served the defaults of the Keras it was written for: tf.keras's
# once it imports `tensorflow.keras`, `tf.keras` or `tf_keras`, Keras 2's
# otherwise. $KERAS_COMPAT_API ('keras' or 'tf.keras') sets the start.
_API_FLAVOURS = ('keras', 'tf.keras')
_API_FLAVOUR = os.environ.get('KERAS_COMPAT_API') or 'keras'
if _API_FLAVOUR not in _API_FLAVOURS:
    import warnings
    warnings.warn('KERAS_COMPAT_API=%r is not one of %s: Keras 2\'s '
                  'defaults are used.' % (_API_FLAVOUR, _API_FLAVOURS))
    _API_FLAVOUR = 'keras'


def api_flavour():
    """'keras' (standalone Keras 2's defaults) or 'tf.keras' (tf.keras
    2.x's, as tf_keras gives them)."""
    return _API_FLAVOUR


def set_api_flavour(flavour):
    """Serves the defaults of standalone Keras 2 ('keras') or of tf.keras
    2.x ('tf.keras') to the objects made from now on."""
    global _API_FLAVOUR
    if flavour not in _API_FLAVOURS:
        raise ValueError('Unknown API flavour %r: expected one of %s.'
                         % (flavour, ', '.join(map(repr, _API_FLAVOURS))))
    _API_FLAVOUR = flavour


def is_tf_keras():
    return _API_FLAVOUR == 'tf.keras'


# ----------------------------------------------------------- learning phase
# `_FORCED_PHASE` is what the user set with `set_learning_phase`; when it is
# None the phase follows the loop that runs the model (fit: 1, predict: 0).
_FORCED_PHASE = None
_LOOP_PHASE = 0
_ACTIVE_LOOP = None     # 1 in fit, 0 in evaluate/predict, None outside


class LearningPhase(int):
    """The learning phase as `K.learning_phase()` returns it: an int (0 or
    1) that also marks where it came from, so that `K.switch` and
    `K.in_train_phase` on symbolic branches choose when the graph runs
    (as Keras 2's placeholder did), not when it is built. `forced`: whether
    `set_learning_phase` had fixed it (else it follows the running loop,
    as Keras 2's placeholder did)."""

    forced = False


def learning_phase():
    """1 while training, 0 otherwise: the value `set_learning_phase` forced,
    else the one the running loop set (`fit` trains with 1)."""
    phase = LearningPhase(_LOOP_PHASE if _FORCED_PHASE is None
                          else _FORCED_PHASE)
    phase.forced = _FORCED_PHASE is not None
    return phase


def current_phase():
    """`learning_phase()` as a plain int."""
    return _LOOP_PHASE if _FORCED_PHASE is None else _FORCED_PHASE


def set_learning_phase(value):
    global _FORCED_PHASE
    if value not in (0, 1):
        raise ValueError('Expected learning phase to be 0 or 1.')
    _FORCED_PHASE = int(value)


def forced_learning_phase():
    """The phase set by `set_learning_phase`, or None."""
    return _FORCED_PHASE


def in_inference_loop():
    """True inside evaluate/predict, where layers update no state."""
    return _ACTIVE_LOOP == 0


def clear_forced_learning_phase():
    global _FORCED_PHASE
    _FORCED_PHASE = None


class loop_phase(object):
    """Context manager the training loops use to set the learning phase.
    With `updates=False` (a K.function given none of the layers' updates)
    layers update no state, as in evaluate/predict, whatever the phase."""

    def __init__(self, value, updates=True):
        self.value = int(value)
        self.updates = updates

    def __enter__(self):
        global _LOOP_PHASE, _ACTIVE_LOOP
        self._previous = (_LOOP_PHASE, _ACTIVE_LOOP)
        _LOOP_PHASE = self.value
        _ACTIVE_LOOP = self.value if self.updates else 0
        return self

    def __exit__(self, *exc):
        global _LOOP_PHASE, _ACTIVE_LOOP
        _LOOP_PHASE, _ACTIVE_LOOP = self._previous
        return False


_EXPLICIT_TRAINING = None   # `training=` given to the model being called


def training_flag(value):
    """A `training=` argument as True/False; None for None or for a value
    that is no single truth value (tf.keras passes such a value on to the
    layers that take `training`, where none of these models' layers read
    it)."""
    if value is None or isinstance(value, bool):
        return value
    try:
        size = value.size if hasattr(value, 'size') and \
            not callable(value.size) else value.numel() \
            if hasattr(value, 'numel') else 1
    except TypeError:
        return None
    if size != 1:
        return None
    return bool(value)


def explicit_training():
    """The `training=` argument of the innermost model call that was given
    one, or None."""
    return _EXPLICIT_TRAINING


class model_training(object):
    """Context manager of a model call given `training=`: layers inside
    that have their own default for a missing `training` (tf.keras's
    random augmentation layers) follow the model's argument."""

    def __init__(self, value):
        self.value = bool(value)

    def __enter__(self):
        global _EXPLICIT_TRAINING
        self._previous = _EXPLICIT_TRAINING
        _EXPLICIT_TRAINING = self.value
        return self

    def __exit__(self, *exc):
        global _EXPLICIT_TRAINING
        _EXPLICIT_TRAINING = self._previous
        return False


class learning_phase_scope(object):
    """Context manager forcing the learning phase, restored on exit."""

    def __init__(self, value):
        self.value = value

    def __enter__(self):
        global _FORCED_PHASE
        self._previous = _FORCED_PHASE
        _FORCED_PHASE = self.value
        return self

    def __exit__(self, *exc):
        global _FORCED_PHASE
        _FORCED_PHASE = self._previous
        return False
