"""TensorFlow internal modules that Keras libraries import helpers from:
`tensorflow.python.client.device_lib`, `tensorflow.python.util.tf_inspect`,
`tensorflow.python.eager.tape` and `tensorflow.python.ops.custom_gradient`,
served on torch."""
import collections
import contextlib
import inspect

import torch


class BackendKernels(object):
    """The functions of keras_compat's backend as it defines them, for the
    TensorFlow stand-in: TensorFlow's operations do not go through
    `keras.backend`, whose functions a program may rebind (`K.reshape =
    my_reshape`, where `my_reshape` calls `tf.reshape`)."""

    def __init__(self, module):
        self._module = module
        # The functions, as instance attributes (found without a call to
        # __getattr__); other module values (settings) are read from the
        # module as they are now.
        self.__dict__.update((name, value) for name, value in
                             vars(module).items()
                             if callable(value) and name != '_module')

    def __getattr__(self, name):
        return getattr(self._module, name)


class _DeviceAttributes(object):
    """What `device_lib.list_local_devices()` describes of one device."""

    def __init__(self, name, device_type, memory_limit, description):
        self.name = name
        self.device_type = device_type
        self.memory_limit = memory_limit
        self.physical_device_desc = description

    def __repr__(self):
        return 'name: "%s"\ndevice_type: "%s"\nmemory_limit: %d\n' % (
            self.name, self.device_type, self.memory_limit)


def list_local_devices(session_config=None):
    """The devices computations can run on: the CPU, then each CUDA GPU
    (`name` such as `/device:GPU:0`, `device_type` 'CPU' or 'GPU')."""
    devices = [_DeviceAttributes('/device:CPU:0', 'CPU', 268435456, '')]
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            properties = torch.cuda.get_device_properties(index)
            devices.append(_DeviceAttributes(
                '/device:GPU:%d' % index, 'GPU', properties.total_memory,
                'device: %d, name: %s' % (index, properties.name)))
    return devices


_ArgSpec = collections.namedtuple('ArgSpec',
                                  ['args', 'varargs', 'keywords', 'defaults'])


def getargspec(obj):
    """Python 2's `inspect.getargspec` (`keywords` names the `**`
    argument), which TensorFlow's tf_inspect still offers."""
    spec = inspect.getfullargspec(obj)
    return _ArgSpec(spec.args, spec.varargs, spec.varkw, spec.defaults)


def _tf_inspect_attribute(name):
    return getattr(inspect, name)


@contextlib.contextmanager
def stop_recording():
    """Operations inside are not recorded for gradients."""
    with torch.no_grad():
        yield


def record_operation(op_type, output_tensors, input_tensors,
                     backward_function, forward_function=None):
    raise NotImplementedError(
        'tensorflow.python.eager.tape.record_operation (attaching a '
        'gradient to tensors already computed) is not supported: give the '
        'function its gradient with tf.custom_gradient instead.')


def install(python, custom_gradient, submodule):
    """Adds the modules above under the stand-in's `tensorflow.python`."""
    python.client = submodule('python.client', 'Client utilities.')
    python.client.device_lib = submodule('python.client.device_lib',
                                         'Local devices.')
    python.client.device_lib.list_local_devices = list_local_devices
    python.util.tf_inspect = submodule('python.util.tf_inspect',
                                       "Python's inspect, as TensorFlow's.")
    python.util.tf_inspect.getargspec = getargspec
    python.util.tf_inspect.__getattr__ = _tf_inspect_attribute
    python.eager.tape = submodule('python.eager.tape', 'Gradient tapes.')
    python.eager.tape.stop_recording = stop_recording
    python.eager.tape.record_operation = record_operation
    python.ops.custom_gradient = submodule('python.ops.custom_gradient',
                                           'Functions with own gradients.')
    python.ops.custom_gradient.custom_gradient = custom_gradient
    python.ops.custom_gradient._graph_mode_decorator = \
        lambda f, args, kwargs: custom_gradient(f)(*args, **kwargs)
