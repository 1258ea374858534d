"""Horovod's Keras callbacks: broadcast of the initial weights, metric
averaging, and learning rate warmup and schedules (Horovod 0.28's
formulas)."""
import numpy as np
import torch

from ... import backend as K
from ... import callbacks as keras_callbacks
from .. import common


class BroadcastGlobalVariablesCallback(keras_callbacks.Callback):
    """Gives every process rank `root_rank`'s model weights and optimizer
    state when training begins (after the first batch when the model
    only builds its weights then), once per callback."""

    def __init__(self, root_rank, device='', local_variables=None):
        super(BroadcastGlobalVariablesCallback, self).__init__()
        self.root_rank = root_rank
        self.device = device
        self.broadcast_done = False
        self._local_vars = set()
        for var in ([local_variables] if isinstance(local_variables,
                                                    torch.Tensor)
                    else local_variables or []):
            self.register_local_var(var)

    def register_local_var(self, var):
        """Leaves `var` out of the broadcast (it stays per process)."""
        self._local_vars.add(id(var))

    def _broadcast(self):
        variables = [v for v in self.model.weights
                     if id(v) not in self._local_vars]
        values = [torch.as_tensor(np.asarray(w))
                  for w in K.batch_get_value(variables)]
        optimizer = getattr(self.model, 'optimizer', None)
        state = optimizer.get_weights() if optimizer is not None and \
            hasattr(optimizer, 'get_weights') else []
        values += [torch.as_tensor(np.asarray(w)) for w in state]
        values = [common.as_numpy(t) for t in
                  common.broadcast_tensors(values, self.root_rank)]
        K.batch_set_value(list(zip(variables, values[:len(variables)])))
        if state:
            optimizer.set_weights(values[len(variables):])
        self.broadcast_done = True

    def on_train_begin(self, logs=None):
        if not self.broadcast_done and self.model.weights:
            self._broadcast()

    def on_batch_end(self, batch, logs=None):
        if not self.broadcast_done:
            self._broadcast()


class MetricAverageCallback(keras_callbacks.Callback):
    """Replaces every value of the epoch's logs by its average over the
    processes (in sorted order of the names), for the callbacks after it
    (ReduceLROnPlateau, EarlyStopping, checkpoints, History)."""

    def __init__(self, device=''):
        super(MetricAverageCallback, self).__init__()
        self.device = device

    def _average_metrics_in_place(self, logs):
        logs = logs if logs is not None else {}
        names = sorted(logs)
        if not names:
            return
        values = [torch.as_tensor(np.asarray(logs[n], dtype=np.float32))
                  for n in names]
        averaged = common.allreduce_tensors(values, common.Average)
        for name, value in zip(names, averaged):
            logs[name] = common.as_numpy(value)[()]

    def on_epoch_end(self, epoch, logs=None):
        self._average_metrics_in_place(logs)


class LearningRateScheduleCallback(keras_callbacks.Callback):
    """Sets the learning rate to `initial_lr * multiplier(epoch)` from
    `start_epoch` to `end_epoch` (exclusive): at the first batch of each
    epoch with `staircase`, else at every batch with the fractional epoch
    `epoch + batch / steps_per_epoch`. A constant `multiplier` m means
    m ** (epoch - start_epoch). With `momentum_correction`, an
    optimizer's momentum is scaled by new_lr / old_lr for the batch the
    learning rate changes at. `initial_lr` None takes the optimizer's
    learning rate when training begins (Horovod before 0.21)."""

    def __init__(self, initial_lr=None, multiplier=None, start_epoch=0,
                 end_epoch=None, staircase=True, momentum_correction=True,
                 steps_per_epoch=None):
        super(LearningRateScheduleCallback, self).__init__()
        if multiplier is None:
            raise TypeError("LearningRateScheduleCallback() missing required "
                            "argument: 'multiplier'")
        self.start_epoch = start_epoch
        self.end_epoch = end_epoch
        self.staircase = staircase
        self.momentum_correction = momentum_correction
        self.initial_lr = initial_lr
        self.restore_momentum = None
        self.steps_per_epoch = steps_per_epoch
        self.current_epoch = None
        if not callable(multiplier):
            self.multiplier = \
                lambda epoch: multiplier ** (epoch - start_epoch)
        else:
            self.multiplier = multiplier

    def _autodetect_steps_per_epoch(self):
        if self.params.get('steps'):
            return self.params['steps']
        if self.params.get('samples') and self.params.get('batch_size'):
            return self.params['samples'] // self.params['batch_size']
        raise ValueError('Could not autodetect the number of steps per '
                         'epoch. Please specify the steps_per_epoch '
                         'parameter to the %s() or upgrade to the latest '
                         'version of Keras.' % self.__class__.__name__)

    def _adjust_learning_rate(self, epoch):
        optimizer = self.model.optimizer
        old_lr = K.get_value(optimizer.lr)
        new_lr = self.initial_lr * self.multiplier(epoch)
        K.set_value(optimizer.lr, new_lr)
        if hasattr(optimizer, 'momentum') and self.momentum_correction:
            self.restore_momentum = K.get_value(optimizer.momentum)
            K.set_value(optimizer.momentum,
                        self.restore_momentum * new_lr / old_lr)

    def _restore_momentum_if_needed(self):
        if self.restore_momentum:
            K.set_value(self.model.optimizer.momentum, self.restore_momentum)
            self.restore_momentum = None

    def on_train_begin(self, logs=None):
        if self.initial_lr is None:
            self.initial_lr = K.get_value(self.model.optimizer.lr)
        if not self.staircase and not self.steps_per_epoch:
            self.steps_per_epoch = self._autodetect_steps_per_epoch()

    def on_epoch_begin(self, epoch, logs=None):
        self.current_epoch = epoch

    def on_batch_begin(self, batch, logs=None):
        if self.current_epoch < self.start_epoch or (
                self.end_epoch is not None and
                self.current_epoch >= self.end_epoch):
            return
        if self.staircase and batch == 0:
            self._adjust_learning_rate(self.current_epoch)
        elif not self.staircase:
            self._adjust_learning_rate(
                self.current_epoch + float(batch) / self.steps_per_epoch)

    def on_batch_end(self, batch, logs=None):
        self._restore_momentum_if_needed()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs['lr'] = K.get_value(self.model.optimizer.lr)


class LearningRateWarmupCallback(LearningRateScheduleCallback):
    """Raises the learning rate from `initial_lr / size()` to `initial_lr`
    over `warmup_epochs` epochs, batch by batch (Goyal et al., 2017):
    lr(epoch) = initial_lr / size * (epoch' * (size - 1) / warmup + 1) with
    epoch' = epoch + (batch + 1) / steps_per_epoch. `verbose` prints the
    rate reached at the end of the warmup (rank 0)."""

    def __init__(self, initial_lr=None, warmup_epochs=5,
                 momentum_correction=True, steps_per_epoch=None, verbose=0):
        def multiplier(epoch):
            epoch += 1. / self.steps_per_epoch
            return 1. / common.size() * (
                epoch * (common.size() - 1) / warmup_epochs + 1)
        super(LearningRateWarmupCallback, self).__init__(
            initial_lr, multiplier, start_epoch=0, end_epoch=warmup_epochs,
            staircase=False, momentum_correction=momentum_correction,
            steps_per_epoch=steps_per_epoch)
        self.verbose = verbose

    def on_epoch_end(self, epoch, logs=None):
        super(LearningRateWarmupCallback, self).on_epoch_end(epoch, logs)
        if epoch == self.end_epoch - 1 and self.verbose > 0 and \
                common.rank() == 0:
            new_lr = K.get_value(self.model.optimizer.lr)
            print('\nEpoch %d: finished gradual learning rate warmup to %g.'
                  % (epoch + 1, new_lr))

