"""`keras.utils`: array helpers, Sequence, get_file, custom objects,
progress bar, summaries and plotting."""
import random

import numpy as np
import torch

from . import np_utils, generic_utils, data_utils, io_utils, layer_utils
from .np_utils import to_categorical, normalize, to_ordinal
from .data_utils import (Sequence, get_file, SequenceEnqueuer,
                         OrderedEnqueuer, GeneratorEnqueuer)
from .generic_utils import (Progbar, CustomObjectScope, custom_object_scope,
                            get_custom_objects, serialize_keras_object,
                            deserialize_keras_object, to_list,
                            register_keras_serializable,
                            get_registered_name, get_registered_object)
from .io_utils import (HDF5Matrix, enable_interactive_logging,
                       disable_interactive_logging,
                       is_interactive_logging_enabled)
from .layer_utils import (print_summary, convert_all_kernels_in_model,
                          get_source_inputs)
from . import metrics_utils
from .multi_gpu_utils import multi_gpu_model
from .vis_utils import plot_model, model_to_dot


# tf.keras 2.x's `keras.utils.legacy`: the Keras 2 config format.
from .submodules import submodule as _submodule  # noqa: E402
legacy = _submodule(__name__, 'legacy',
                    "tf.keras 2.x's `keras.utils.legacy` serialization.",
                    serialize_keras_object=serialize_keras_object,
                    deserialize_keras_object=deserialize_keras_object)


def set_random_seed(seed):
    """Seeds Python's, numpy's and torch's random generators, so that two
    runs of a script give the same weights, shuffles and dropout masks."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


# tf.keras 2.x names keras.utils for the preprocessing helpers and the
# step-data packing; resolved on first use (the modules import this one).
_LATER = {
    'array_to_img': ('..preprocessing.image', 'array_to_img'),
    'img_to_array': ('..preprocessing.image', 'img_to_array'),
    'load_img': ('..preprocessing.image', 'load_img'),
    'save_img': ('..preprocessing.image', 'save_img'),
    'pad_sequences': ('..preprocessing.sequence', 'pad_sequences'),
    'timeseries_dataset_from_array': ('.dataset_utils',
                                      'timeseries_dataset_from_array'),
    'image_dataset_from_directory': ('.dataset_utils',
                                     'image_dataset_from_directory'),
    'text_dataset_from_directory': ('.dataset_utils',
                                    'text_dataset_from_directory'),
    'FeatureSpace': ('.feature_space', 'FeatureSpace'),
    'split_dataset': ('.dataset_utils', 'split_dataset'),
    'pack_x_y_sample_weight': ('..engine.custom_steps',
                               'pack_x_y_sample_weight'),
    'unpack_x_y_sample_weight': ('..engine.custom_steps',
                                 'unpack_x_y_sample_weight'),
}


def __getattr__(name):
    if name not in _LATER:
        raise AttributeError("module %r has no attribute %r"
                             % (__name__, name))
    import importlib
    module, attr = _LATER[name]
    return getattr(importlib.import_module(module, __name__), attr)
