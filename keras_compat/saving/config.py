"""Model configuration as JSON/YAML: `model_from_config`,
`model_from_json`, `model_from_yaml`."""
import json

from ..utils.generic_utils import CustomObjectScope
from . import eras


def model_from_config(config, custom_objects=None):
    """A model (Sequential or functional) from `{'class_name', 'config'}`,
    as any Keras 2 era wrote it (see `saving.eras`; what was dropped or
    converted is logged)."""
    if isinstance(config, list):
        raise TypeError('`model_from_config` expects a dictionary, not a '
                        'list. Maybe you meant to use '
                        '`Sequential.from_config(config)`?')
    report = eras.LoadReport(keras_version=config.get('keras_version'),
                             backend=config.get('backend'))
    model = build_model(config, custom_objects, report)
    report.emit()
    return model


def build_model(config, custom_objects, report):
    """The model of a config of any era, recording in `report` (an
    `eras.LoadReport`) what was dropped or converted."""
    from .. import layers
    with CustomObjectScope(custom_objects or {}):
        return eras.deserialize(
            config, custom_objects,
            lambda normalised: layers._deserialize(normalised,
                                                   custom_objects),
            report)


def model_from_json(json_string, custom_objects=None):
    """A model from the JSON string `model.to_json()` returned."""
    return model_from_config(json.loads(json_string),
                             custom_objects=custom_objects)


def _yaml_loader(yaml):
    """A SafeLoader that also reads the `!!python/tuple` tags of the YAML
    Keras 2 and tf.keras `to_yaml()` (`yaml.dump`) wrote for tuples (Keras
    2 read them with `yaml.load`); no other Python object is built."""
    class KerasYamlLoader(yaml.SafeLoader):
        pass

    def construct_tuple(loader, node):
        return tuple(loader.construct_sequence(node, deep=True))
    KerasYamlLoader.add_constructor(u'tag:yaml.org,2002:python/tuple',
                                    construct_tuple)
    return KerasYamlLoader


def model_from_yaml(yaml_string, custom_objects=None):
    """A model from the YAML string `model.to_yaml()` returned (needs
    PyYAML)."""
    try:
        import yaml
    except ImportError:
        raise ImportError('`model_from_yaml` requires PyYAML '
                          '(`pip install pyyaml`).')
    config = yaml.load(yaml_string, Loader=_yaml_loader(yaml))
    return model_from_config(config, custom_objects=custom_objects)
