"""Deep Learning with Python (2nd edition) idioms on tf.keras 2.x:
`text_dataset_from_directory` feeding `TextVectorization` (chapter 11),
the directory datasets' label and error rules, and mixed-precision
policies (chapter 13). Reference values come from tf_keras 2.21 on
TensorFlow, run on the same files."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat.backend import common
from keras_compat.mixed_precision import policy as policy_module
from keras_compat.utils import dataset_utils

TEXTS = {
    ('neg', '0.txt'): b'the movie was bad. <br />Bad!',
    ('neg', '1.txt'): b'awful plot',
    ('neg', '2.txt'): b'boring film',
    ('pos', '0.txt'): b'a great movie',
    ('pos', '1.txt'): b'I loved the actor',
}


@pytest.fixture(autouse=True)
def tf_keras_flavour():
    previous = common.api_flavour()
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour(previous)
    policy_module.set_global_policy('float32')


@pytest.fixture
def text_folder(tmp_path):
    for (label, name), content in TEXTS.items():
        folder = tmp_path / label
        folder.mkdir(exist_ok=True)
        (folder / name).write_bytes(content)
    (tmp_path / '.hidden').mkdir()
    return str(tmp_path)


def _all_batches(dataset):
    texts, labels = [], []
    for x, y in dataset:
        texts.extend(list(x))
        labels.append(np.asarray(y))
    return texts, np.concatenate(labels)


def test_text_dataset_batches_raw_bytes_and_int_labels(text_folder, capsys):
    dataset = keras.utils.text_dataset_from_directory(
        text_folder, batch_size=2, shuffle=False)
    # tf_keras 2.21: class folders sorted, hidden folders skipped, files
    # of each in order; texts are the files' bytes, labels int32.
    assert 'Found 5 files belonging to 2 classes.' in capsys.readouterr().out
    assert dataset.class_names == ['neg', 'pos']
    texts, labels = _all_batches(dataset)
    assert texts == [TEXTS[('neg', '0.txt')], TEXTS[('neg', '1.txt')],
                     TEXTS[('neg', '2.txt')], TEXTS[('pos', '0.txt')],
                     TEXTS[('pos', '1.txt')]]
    assert labels.tolist() == [0, 0, 0, 1, 1]
    assert labels.dtype == np.int32
    assert [len(x) for x, _ in dataset] == [2, 2, 1]


def test_text_dataset_feeds_text_vectorization(text_folder):
    # Chapter 11: adapt on the texts alone, then map the batches.
    dataset = keras.utils.text_dataset_from_directory(
        text_folder, batch_size=2, shuffle=False)
    vectorizer = keras.layers.TextVectorization(max_tokens=8,
                                                output_mode='multi_hot')
    vectorizer.adapt(dataset.map(lambda x, y: x))
    # tf_keras 2.21's vocabulary and first multi-hot row.
    assert vectorizer.get_vocabulary() == [
        '[UNK]', 'the', 'movie', 'bad', 'was', 'plot', 'loved', 'i']
    encoded = dataset.map(lambda x, y: (vectorizer(x), y),
                          num_parallel_calls=4)
    first, _ = next(iter(encoded))
    assert np.asarray(first)[0].tolist() == [1., 1., 1., 1., 1., 0., 0., 0.]


def test_text_dataset_label_modes_and_max_length(text_folder):
    single = keras.utils.text_dataset_from_directory(
        text_folder, batch_size=None, shuffle=False, max_length=5,
        label_mode='categorical')
    text, label = next(iter(single))
    assert text.numpy() == b'the m'
    assert np.asarray(label).tolist() == [1., 0.]
    binary = keras.utils.text_dataset_from_directory(
        text_folder, batch_size=8, shuffle=False, label_mode='binary')
    _, labels = next(iter(binary))
    assert np.asarray(labels).tolist() == [[0.], [0.], [0.], [1.], [1.]]


def test_unlabelled_text_dataset_has_one_unnamed_class(text_folder, capsys):
    dataset = keras.utils.text_dataset_from_directory(
        text_folder, labels=None, batch_size=3, shuffle=False)
    assert 'Found 5 files belonging to 1 classes.' in capsys.readouterr().out
    assert dataset.class_names == ['']
    assert list(next(iter(dataset)))[0] == TEXTS[('neg', '0.txt')]


def test_explicit_labels_name_their_classes(text_folder):
    dataset = keras.utils.text_dataset_from_directory(
        text_folder, labels=[3, 1, 1, 3, 1], batch_size=5, shuffle=False)
    assert dataset.class_names == [1, 3]
    _, labels = next(iter(dataset))
    assert np.asarray(labels).tolist() == [3, 1, 1, 3, 1]


def test_text_dataset_splits_as_tf_keras(text_folder, capsys):
    train, val = keras.utils.text_dataset_from_directory(
        text_folder, validation_split=0.4, subset='both', seed=1,
        batch_size=8)
    out = capsys.readouterr().out
    assert 'Using 3 files for training.' in out
    assert 'Using 2 files for validation.' in out
    train_texts, _ = _all_batches(train)
    val_texts, _ = _all_batches(val)
    assert sorted(train_texts + val_texts) == sorted(TEXTS.values())


@pytest.mark.parametrize('kwargs, message', [
    (dict(labels='x'), '`labels` argument should be a list/tuple of '
                       'integer labels, of the same size as the number of '
                       'text files'),
    (dict(label_mode='sparse'), '`label_mode` argument must be one of '
                                '"int", "categorical", "binary", or None. '
                                'Received: label_mode=sparse'),
    (dict(labels=[0] * 5, class_names=['a']),
     'You can only pass `class_names` if `labels="inferred"`.'),
    (dict(validation_split=0.2), 'If `subset` is set, `validation_split` '
                                 'must be set, and inversely.'),
])
def test_text_dataset_argument_errors_are_tf_keras(text_folder, kwargs,
                                                   message):
    with pytest.raises(ValueError) as error:
        keras.utils.text_dataset_from_directory(text_folder, **kwargs)
    assert message in str(error.value)


def test_empty_directories_raise_tf_keras_errors(tmp_path):
    (tmp_path / 'a').mkdir()
    with pytest.raises(ValueError, match='No text files found in directory '
                       '.*Allowed format: .txt'):
        keras.utils.text_dataset_from_directory(str(tmp_path))
    with pytest.raises(ValueError, match=r'No images found in directory '
                       r".*Allowed formats: \('.bmp', '.gif', '.jpeg', "
                       r"'.jpg', '.png'\)"):
        keras.utils.image_dataset_from_directory(str(tmp_path))


def test_image_dataset_refuses_class_names_with_explicit_labels(tmp_path):
    with pytest.raises(ValueError, match='You can only pass `class_names`'):
        keras.utils.image_dataset_from_directory(
            str(tmp_path), labels=[0], class_names=['a'])


def test_only_the_training_split_is_shuffled_each_epoch(text_folder):
    # tf_keras shuffles the training dataset of subset='both' only.
    train, val = keras.utils.text_dataset_from_directory(
        text_folder, validation_split=0.4, subset='both', seed=3,
        batch_size=1)
    def epoch_orders(dataset):
        orders = []
        for _ in range(6):
            orders.append([bytes(x[0]) for x, _ in dataset])
            dataset.on_epoch_end()  # (what fit calls after each epoch)
        return orders
    assert len({tuple(order) for order in epoch_orders(train)}) > 1
    assert len({tuple(order) for order in epoch_orders(val)}) == 1


@pytest.mark.parametrize('name, compute, variable', [
    ('mixed_float16', 'float16', 'float32'),
    ('mixed_bfloat16', 'bfloat16', 'float32'),
    ('float', 'float32', 'float32'),
    ('half', 'float16', 'float16'),
    ('uint16', 'uint16', 'uint16'),
])
def test_policy_dtypes_are_tf_keras(name, compute, variable):
    policy = keras.mixed_precision.Policy(name)
    assert (policy.name, policy.compute_dtype, policy.variable_dtype) == \
        (name, compute, variable)
    assert repr(policy) == '<Policy "%s">' % name


@pytest.mark.parametrize('name, error, message', [
    ('mixed_int8', ValueError, "Cannot convert value mixed_int8 to a mixed "
     "precision Policy. Valid policies include 'mixed_float16', "
     "'mixed_bfloat16', and the name of any dtype such as 'float32'."),
    ('float16_with_float32_vars', ValueError, "Policies ending in "
     "'_float32_vars' have been removed from TensorFlow. Please use the "
     "'mixed_float16' policy instead. Got policy name: "
     "'float16_with_float32_vars'"),
    ('infer_float32_vars', ValueError, "Please use the 'mixed_float16' or "
     "'mixed_bfloat16' policy instead."),
    (3, TypeError, "'name' must be a string, but got: 3"),
])
def test_policy_errors_are_tf_keras(name, error, message):
    with pytest.raises(error) as raised:
        keras.mixed_precision.Policy(name)
    assert message in str(raised.value)


def test_global_policy_takes_dtype_aliases():
    keras.mixed_precision.set_global_policy('float')
    assert keras.mixed_precision.global_policy().compute_dtype == 'float32'
    keras.mixed_precision.set_global_policy(None)
    assert keras.mixed_precision.global_policy().name == 'float32'


def test_index_directory_skips_hidden_folders(text_folder):
    _, _, class_names = dataset_utils.index_directory(
        text_folder, 'inferred', ('.txt',), shuffle=False)
    assert class_names == ['neg', 'pos']
