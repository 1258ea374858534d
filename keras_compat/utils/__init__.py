"""`keras.utils`: array helpers, Sequence, get_file, custom objects,
progress bar, summaries and plotting."""
import random

import numpy as np
import torch

from . import np_utils, generic_utils, data_utils, io_utils, layer_utils
from .np_utils import to_categorical, normalize
from .data_utils import (Sequence, get_file, SequenceEnqueuer,
                         OrderedEnqueuer, GeneratorEnqueuer)
from .generic_utils import (Progbar, CustomObjectScope, custom_object_scope,
                            get_custom_objects, serialize_keras_object,
                            deserialize_keras_object, to_list,
                            register_keras_serializable,
                            get_registered_name)
from .io_utils import HDF5Matrix
from .layer_utils import (print_summary, convert_all_kernels_in_model,
                          get_source_inputs)
from . import metrics_utils
from .multi_gpu_utils import multi_gpu_model
from .vis_utils import plot_model, model_to_dot


def set_random_seed(seed):
    """Seeds Python's, numpy's and torch's random generators, so that two
    runs of a script give the same weights, shuffles and dropout masks."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
