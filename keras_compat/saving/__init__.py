"""Saving and loading models in the Keras 2 formats."""
from .hdf5 import (save_model, load_model, save_weights, load_weights,
                   save_weights_to_hdf5_group, load_weights_from_hdf5_group,
                   load_weights_from_hdf5_group_by_name)
from .config import model_from_config, model_from_json, model_from_yaml
from ..utils.generic_utils import (register_keras_serializable,  # noqa
                                   get_registered_name, get_custom_objects,
                                   get_registered_object,
                                   custom_object_scope,
                                   serialize_keras_object,
                                   deserialize_keras_object)
