"""tf.distribute in the TensorFlow stand-in: the strategy idioms of tf.keras
scripts, with what TensorFlow 2.21 gives on a machine with one device."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import tensorflow_compat as tf


def test_the_tpu_fallback_idiom_takes_the_default_strategy():
    # Kaggle notebooks: no TPU raises ValueError, caught.
    try:
        tpu = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(tpu)
        strategy = tf.distribute.experimental.TPUStrategy(tpu)
    except ValueError as error:
        assert str(error) == 'Please provide a TPU Name to connect to.'
        strategy = tf.distribute.get_strategy()
    assert type(strategy).__name__ == '_DefaultDistributionStrategy'
    assert strategy.num_replicas_in_sync == 1
    assert not tf.distribute.has_strategy()
    with pytest.raises(NotImplementedError, match='TPUStrategy'):
        tf.distribute.TPUStrategy()


def test_a_model_built_and_trained_in_a_mirrored_strategy_scope():
    strategy = tf.distribute.MirroredStrategy(
        cross_device_ops=tf.distribute.HierarchicalCopyAllReduce())
    assert strategy.num_replicas_in_sync == 1     # one device, one process
    with strategy.scope():
        assert tf.distribute.has_strategy()
        assert tf.distribute.get_strategy() is strategy
        assert tf.distribute.in_cross_replica_context()
        assert tf.distribute.get_replica_context() is None
        model = keras.models.Sequential([keras.layers.Dense(
            1, kernel_initializer='ones', input_shape=(2,))])
        model.compile(keras.optimizers.SGD(0.1), 'mse')
    assert tf.distribute.get_strategy() is not strategy
    x = np.ones((4, 2), 'float32')
    batch = 4 * strategy.num_replicas_in_sync
    history = model.fit(x, np.zeros((4, 1), 'float32'), batch_size=batch,
                        epochs=1, verbose=0)
    assert history.history['loss'] == [pytest.approx(4.)]


def test_run_reduce_and_distributed_datasets():
    # TensorFlow 2.21 with one replica.
    strategy = tf.distribute.MirroredStrategy()
    result = strategy.run(lambda x: x * 2, args=(tf.constant([1., 2., 3.]),))
    assert result.tolist() == [2., 4., 6.]
    sum_op = tf.distribute.ReduceOp.SUM
    assert strategy.reduce(sum_op, result, axis=None).tolist() == \
        [2., 4., 6.]
    assert float(strategy.reduce('MEAN', result, axis=0)) == 4.
    assert float(strategy.reduce(sum_op, result, axis=0)) == 12.
    local = strategy.experimental_local_results(result)
    assert len(local) == 1 and local[0] is result
    dataset = tf.data.Dataset.from_tensor_slices(np.arange(6.)).batch(2)
    assert [b.tolist() for b in strategy.experimental_distribute_dataset(
        dataset)] == [[0., 1.], [2., 3.], [4., 5.]]

    def dataset_fn(context):
        assert (context.num_input_pipelines, context.input_pipeline_id,
                context.get_per_replica_batch_size(8)) == (1, 0, 8)
        return dataset
    assert strategy.distribute_datasets_from_function(dataset_fn) is dataset
    context = tf.distribute.get_replica_context()
    assert (context.num_replicas_in_sync,
            context.replica_id_in_sync_group) == (1, 0)
    assert isinstance(context.all_reduce(sum_op, torch.ones(1)),
                      torch.Tensor)
    assert tf.distribute.OneDeviceStrategy('/cpu:0').num_replicas_in_sync \
        == 1
    assert tf.distribute.MultiWorkerMirroredStrategy() \
        .num_replicas_in_sync == 1


def test_replicas_are_the_torchrun_processes(monkeypatch):
    monkeypatch.setenv('WORLD_SIZE', '4')
    monkeypatch.setenv('RANK', '1')
    assert tf.distribute.MirroredStrategy().num_replicas_in_sync == 4
    assert tf.distribute.get_strategy().num_replicas_in_sync == 1
