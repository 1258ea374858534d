"""`keras.utils.FeatureSpace`: preprocessing and encoding of structured
data (a dict of named columns), as tf.keras 2.12+ gives it."""
import numpy as np

from .. import backend as K


def _layers():
    from .. import layers
    return layers


def _tf():
    from .. import tensorflow_compat
    return tensorflow_compat


def _rank(value):
    return len(value.shape)


def _is_text(value):
    return isinstance(value, np.ndarray) and value.dtype.kind in 'USO'


def _default_name(prefix):
    return '%s_%d' % (prefix, K.get_uid(prefix))


class Cross:
    """A crossing of features hashed into `crossing_dim` bins, as
    `FeatureSpace.cross` gives it (output_mode 'int' or 'one_hot')."""

    def __init__(self, feature_names, crossing_dim, output_mode='one_hot'):
        if output_mode not in {'int', 'one_hot'}:
            raise ValueError(
                'Invalid value for argument `output_mode`. '
                "Expected one of {'int', 'one_hot'}. "
                'Received: output_mode=%s' % (output_mode,))
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self):
        return '_X_'.join(self.feature_names)

    def get_config(self):
        return {'feature_names': self.feature_names,
                'crossing_dim': self.crossing_dim,
                'output_mode': self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Feature:
    """One feature of a FeatureSpace: its input dtype, its preprocessing
    layer and how it is encoded ('int', 'one_hot' or 'float')."""

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in {'int', 'one_hot', 'float'}:
            raise ValueError(
                'Invalid value for argument `output_mode`. '
                "Expected one of {'int', 'one_hot', 'float'}. "
                'Received: output_mode=%s' % (output_mode,))
        self.dtype = dtype
        if isinstance(preprocessor, dict):
            from .generic_utils import deserialize_keras_object
            preprocessor = deserialize_keras_object(preprocessor)
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self):
        from .generic_utils import serialize_keras_object
        return {'dtype': self.dtype,
                'preprocessor': serialize_keras_object(self.preprocessor),
                'output_mode': self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


_NAMED_FEATURES = ('float', 'float_normalized', 'float_rescaled',
                   'float_discretized', 'integer_categorical',
                   'string_categorical', 'integer_hashed', 'string_hashed')


class FeatureSpace:
    """tf.keras's `keras.utils.FeatureSpace`: one Input per feature, each
    feature preprocessed (Normalization, Discretization, IntegerLookup,
    StringLookup, Hashing, Rescaling), crosses hashed with HashedCrossing,
    'one_hot' features multi-hot encoded with CategoryEncoding, then the
    features in sorted name order (crosses after them) concatenated
    (`output_mode='concat'`) or returned as a dict (`'dict'`)."""

    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode='one_hot'):
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):
        name = name or _default_name('float')
        preprocessor = _layers().Identity(dtype='float32',
                                          name='%s_preprocessor' % name)
        return Feature('float32', preprocessor, 'float')

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        name = name or _default_name('float_rescaled')
        preprocessor = _layers().Rescaling(
            scale=scale, offset=offset, name='%s_preprocessor' % name)
        return Feature('float32', preprocessor, 'float')

    @classmethod
    def float_normalized(cls, name=None):
        name = name or _default_name('float_normalized')
        preprocessor = _layers().Normalization(
            axis=-1, name='%s_preprocessor' % name)
        return Feature('float32', preprocessor, 'float')

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None,
                          output_mode='one_hot', name=None):
        name = name or _default_name('float_discretized')
        preprocessor = _layers().Discretization(
            num_bins=num_bins, bin_boundaries=bin_boundaries,
            name='%s_preprocessor' % name)
        return Feature('float32', preprocessor, output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1,
                            output_mode='one_hot', name=None):
        name = name or _default_name('integer_categorical')
        preprocessor = _layers().IntegerLookup(
            name='%s_preprocessor' % name, max_tokens=max_tokens,
            num_oov_indices=num_oov_indices)
        return Feature('int64', preprocessor, output_mode)

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1,
                           output_mode='one_hot', name=None):
        name = name or _default_name('string_categorical')
        preprocessor = _layers().StringLookup(
            name='%s_preprocessor' % name, max_tokens=max_tokens,
            num_oov_indices=num_oov_indices)
        return Feature('string', preprocessor, output_mode)

    @classmethod
    def string_hashed(cls, num_bins, output_mode='one_hot', name=None):
        name = name or _default_name('string_hashed')
        preprocessor = _layers().Hashing(name='%s_preprocessor' % name,
                                         num_bins=num_bins)
        return Feature('string', preprocessor, output_mode)

    @classmethod
    def integer_hashed(cls, num_bins, output_mode='one_hot', name=None):
        name = name or _default_name('integer_hashed')
        preprocessor = _layers().Hashing(name='%s_preprocessor' % name,
                                         num_bins=num_bins)
        return Feature('int64', preprocessor, output_mode)

    def __init__(self, features, output_mode='concat', crosses=None,
                 crossing_dim=32, hashing_dim=32, num_discretization_bins=32):
        if not features:
            raise ValueError(
                'The `features` argument cannot be None or empty.')
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {name: self._standardize_feature(name, value)
                         for name, value in features.items()}
        self.crosses = [self._standardize_cross(cross, features)
                        for cross in crosses or ()]
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        if output_mode not in {'dict', 'concat'}:
            raise ValueError(
                'Invalid value for argument `output_mode`. '
                "Expected one of {'dict', 'concat'}. "
                'Received: output_mode=%s' % (output_mode,))
        self.output_mode = output_mode
        self.inputs = {name: self._feature_to_input(name, value)
                       for name, value in self.features.items()}
        self.preprocessors = {name: value.preprocessor
                              for name, value in self.features.items()}
        self.encoded_features = None
        self.crossers = {cross.name: _layers().HashedCrossing(
            cross.crossing_dim, name=cross.name) for cross in self.crosses}
        self.one_hot_encoders = {}
        self.built = False
        self._is_adapted = False
        self.concat = None
        self._preprocessed_features_names = None
        self._crossed_features_names = None

    # ---------------------------------------------------------- set-up
    def _standardize_cross(self, cross, features):
        if isinstance(cross, dict):
            from .generic_utils import deserialize_keras_object
            cross = deserialize_keras_object(
                cross, custom_objects={'Cross': Cross})
        if isinstance(cross, Cross):
            return cross
        if not self.crossing_dim:
            raise ValueError(
                'When specifying `crosses`, the argument `crossing_dim` '
                '(dimensionality of the crossing space) should be '
                'specified as well.')
        for key in cross:
            if key not in features:
                raise ValueError(
                    'All features referenced in the `crosses` argument '
                    'should be present in the `features` dict. '
                    'Received unknown features: %s' % (cross,))
        return Cross(cross, crossing_dim=self.crossing_dim)

    def _feature_to_input(self, name, feature):
        return _layers().Input(shape=(1,), dtype=feature.dtype, name=name)

    def _standardize_feature(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            from .generic_utils import deserialize_keras_object
            return deserialize_keras_object(
                feature, custom_objects={'Feature': Feature})
        if feature not in _NAMED_FEATURES:
            raise ValueError('Invalid feature type: %s' % (feature,))
        if feature == 'float_discretized':
            return self.float_discretized(
                name=name, num_bins=self.num_discretization_bins)
        if feature == 'integer_hashed':
            return self.integer_hashed(self.hashing_dim, name=name)
        if feature == 'string_hashed':
            return self.string_hashed(self.hashing_dim, name=name)
        return getattr(self, feature)(name=name)

    def _list_adaptable_preprocessors(self):
        names = []
        for name in self.features:
            preprocessor = self.preprocessors[name]
            if isinstance(preprocessor, _layers().Normalization) and \
                    getattr(preprocessor, 'input_mean', None) is not None:
                continue  # preset mean and variance: nothing to learn
            if hasattr(preprocessor, 'adapt'):
                names.append(name)
        return names

    # ---------------------------------------------------------- adapt
    def adapt(self, dataset):
        """Adapts each adaptable preprocessor on its column of `dataset`
        (a tf.data.Dataset of dicts), then builds the encoded features."""
        tf = _tf()
        if not isinstance(dataset, tf.data.Dataset):
            raise ValueError(
                '`adapt()` can only be called on a tf.data.Dataset. '
                'Received instead: %s (of type %s)' % (dataset,
                                                       type(dataset)))
        for name in self._list_adaptable_preprocessors():
            self.preprocessors[name].adapt(
                self._feature_dataset(dataset, name))
        self._is_adapted = True
        self.get_encoded_features()
        self.built = True

    @staticmethod
    def _feature_dataset(dataset, name):
        """The column `name`, batched and with a trailing axis of 1."""
        tf = _tf()
        feature_dataset = dataset.map(lambda x: x[name])
        for first in feature_dataset.take(1):
            pass
        if _rank(first) == 0:
            feature_dataset = feature_dataset.batch(32)
        if _rank(first) in {0, 1}:
            feature_dataset = feature_dataset.map(
                lambda x: tf.expand_dims(x, -1))
        return feature_dataset

    def get_inputs(self):
        self._check_if_built()
        return self.inputs

    def get_encoded_features(self):
        self._check_if_adapted()
        if self.encoded_features is None:
            preprocessed = self._preprocess_features(self.inputs)
            crossed = self._cross_features(preprocessed)
            self.encoded_features = self._merge_features(preprocessed,
                                                         crossed)
        return self.encoded_features

    # ---------------------------------------------------------- encoding
    def _preprocess_features(self, features):
        return {name: self.preprocessors[name](features[name])
                for name in features}

    def _cross_features(self, features):
        return {cross.name: self.crossers[cross.name](
            [features[name] for name in cross.feature_names])
            for cross in self.crosses}

    def _merge_features(self, preprocessed_features, crossed_features):
        if not self._preprocessed_features_names:
            self._preprocessed_features_names = sorted(preprocessed_features)
            self._crossed_features_names = sorted(crossed_features)
        all_names = self._preprocessed_features_names + \
            self._crossed_features_names
        all_features = [preprocessed_features[name] for name in
                        self._preprocessed_features_names] + \
            [crossed_features[name] for name in self._crossed_features_names]
        if self.built:
            encoded = [self._encode_built(name, feature)
                       for name, feature in zip(all_names, all_features)]
        else:
            encoded = [self._encode_first(name, feature)
                       for name, feature in zip(all_names, all_features)]
            if self.output_mode == 'concat':
                self.concat = _layers().Concatenate(axis=-1)
        if self.output_mode == 'dict':
            return dict(zip(all_names, encoded))
        return self.concat(encoded)

    def _encode_built(self, name, feature):
        encoder = self.one_hot_encoders.get(name)
        return encoder(feature) if encoder else feature

    def _spec(self, name):
        return self.features.get(name) or self.crosses_by_name[name]

    def _encode_first(self, name, feature):
        """Makes the one-hot encoder of `name` (if its spec asks for one)
        and checks a concatenated feature is encoded."""
        if self._spec(name).output_mode == 'one_hot':
            dtype = _dtype_name(feature)
            if not dtype.startswith('int'):
                raise ValueError(
                    "Feature '%s' has `output_mode='one_hot'`. Thus its "
                    'preprocessor should return an int64 dtype. Instead '
                    'it returns a %s dtype.' % (name, dtype))
            encoder = _layers().CategoryEncoding(
                num_tokens=self._cardinality(name), output_mode='multi_hot')
            self.one_hot_encoders[name] = encoder
            feature = encoder(feature)
        if self.output_mode == 'concat':
            dtype = _dtype_name(feature)
            if dtype.startswith('int') or dtype == 'string':
                raise ValueError(
                    "Cannot concatenate features because feature '%s' has "
                    'not been encoded (it has dtype %s). Consider using '
                    "`output_mode='dict'`." % (name, dtype))
        return feature

    def _cardinality(self, name):
        layers = _layers()
        preprocessor = self.preprocessors.get(name) or \
            self.crossers.get(name)
        if isinstance(preprocessor, (layers.IntegerLookup,
                                     layers.StringLookup)):
            return preprocessor.vocabulary_size()
        if isinstance(preprocessor, layers.CategoryEncoding):
            return preprocessor.num_tokens
        if isinstance(preprocessor, (layers.Discretization,
                                     layers.HashedCrossing, layers.Hashing)):
            return preprocessor.num_bins
        raise ValueError(
            "Feature '%s' has `output_mode='one_hot'`. However it isn't a "
            'standard feature and the dimensionality of its output space '
            'is not known, thus it cannot be one-hot encoded. Try using '
            "`output_mode='int'`." % (name,))

    def _check_if_adapted(self):
        if not self._is_adapted:
            if self._list_adaptable_preprocessors():
                raise ValueError(
                    'You need to call `.adapt(dataset)` on the FeatureSpace '
                    'before you can start using it.')
            self._is_adapted = True

    def _check_if_built(self):
        if not self.built:
            self._check_if_adapted()
            self.get_encoded_features()
            self.built = True

    # ---------------------------------------------------------- calling
    def __call__(self, data):
        self._check_if_built()
        if not isinstance(data, dict):
            raise ValueError(
                'A FeatureSpace can only be called with a dict. '
                'Received: data=%s (of type %s' % (data, type(data)))
        data = {key: _tf().convert_to_tensor(value)
                for key, value in data.items()}
        rebatched = any(_rank(x) == 0 for x in data.values())
        data = {name: _as_column(x) for name, x in data.items()}
        preprocessed = self._preprocess_features(data)
        crossed = self._cross_features(preprocessed)
        merged = self._merge_features(preprocessed, crossed)
        if not rebatched:
            return merged
        if self.output_mode == 'concat':
            return merged[0]
        return {name: x[0] if _rank(x) == 2 and x.shape[0] == 1 else x
                for name, x in merged.items()}

    # ---------------------------------------------------------- saving
    def get_config(self):
        from .generic_utils import serialize_keras_object
        return {'features': {name: serialize_keras_object(feature)
                             for name, feature in self.features.items()},
                'output_mode': self.output_mode,
                'crosses': [serialize_keras_object(cross)
                            for cross in self.crosses],
                'crossing_dim': self.crossing_dim,
                'hashing_dim': self.hashing_dim,
                'num_discretization_bins': self.num_discretization_bins}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def save(self, filepath):
        raise NotImplementedError(
            'FeatureSpace.save (a .keras archive of the FeatureSpace) is '
            'not supported; save the inference model built from '
            '`get_inputs()` and `get_encoded_features()` instead.')


def _dtype_name(value):
    if _is_text(value):
        return 'string'
    dtype = getattr(value, 'dtype', None)
    name = getattr(dtype, 'name', None)
    if name is None:
        name = str(dtype).replace('torch.', '')
    return name


def _as_column(value):
    """A scalar as a (1, 1) batch, a vector as a column (batch, 1)."""
    if _rank(value) == 0:
        if _is_text(value) or isinstance(value, (bytes, str)):
            return np.reshape(np.asarray(value, dtype=object), (1, 1))
        return _tf().reshape(value, [1, 1])
    if _rank(value) == 1:
        if _is_text(value):
            return np.expand_dims(value, -1)
        return _tf().expand_dims(value, -1)
    return value

