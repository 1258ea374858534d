"""Callbacks written by others for Keras 2 that drive the optimizer's
hyperparameters and the model's weights during `fit`: bckenstler's
CyclicLR, titu1994's OneCycleLR / LRFinder (keras-one-cycle) and
snapshot ensembles, surmenok's keras_lr_finder (LambdaCallback +
get_weights restore), the SGDRScheduler gist and keras-swa's SWA. Each is
reproduced in a few lines of the library's own style
(K.get_value / K.set_value on `model.optimizer.lr` and `.momentum`,
`self.params['samples']`, history dicts, save_weights per cycle).

The expected numbers come from Keras 2.3.1 (TensorFlow backend, TF1 graph
mode) running the libraries' own files on the same model, fixed weights
and data (rounded to 6 decimals)."""
import os

import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat.callbacks import (Callback, LambdaCallback,
                                    LearningRateScheduler, ModelCheckpoint)
from keras_compat.layers import Dense
from keras_compat.models import Sequential
from keras_compat.optimizers import SGD
from keras_compat.utils import to_categorical


def data(n=64, seed=0):
    rs = np.random.RandomState(seed)
    x = rs.randn(n, 8).astype('float32')
    return x, to_categorical(rs.randint(0, 3, size=(n,)), 3)


def build(opt=None):
    model = Sequential([Dense(16, activation='relu', input_dim=8),
                        Dense(3, activation='softmax')])
    rs = np.random.RandomState(1)
    for layer in model.layers:
        layer.set_weights([(rs.randn(*w.shape) * 0.3).astype('float32')
                           for w in layer.get_weights()])
    if opt is not None:
        model.compile(opt, 'categorical_crossentropy', metrics=['acc'])
    return model


def abs_sum(weights):
    return sum(float(np.abs(w).sum()) for w in weights)


class CyclicLR(Callback):
    """bckenstler/CLR's triangular2 policy."""

    def __init__(self, base_lr, max_lr, step_size):
        super(CyclicLR, self).__init__()
        self.base_lr, self.max_lr, self.step_size = base_lr, max_lr, step_size
        self.scale_fn = lambda x: 1 / (2. ** (x - 1))
        self.clr_iterations = self.trn_iterations = 0.
        self.history = {}

    def clr(self):
        cycle = np.floor(1 + self.clr_iterations / (2 * self.step_size))
        x = np.abs(self.clr_iterations / self.step_size - 2 * cycle + 1)
        return self.base_lr + (self.max_lr - self.base_lr) * \
            np.maximum(0, (1 - x)) * self.scale_fn(cycle)

    def on_train_begin(self, logs={}):
        K.set_value(self.model.optimizer.lr, self.base_lr
                    if self.clr_iterations == 0 else self.clr())

    def on_batch_end(self, epoch, logs=None):
        self.trn_iterations += 1
        self.clr_iterations += 1
        K.set_value(self.model.optimizer.lr, self.clr())
        self.history.setdefault('lr', []).append(
            K.get_value(self.model.optimizer.lr))
        self.history.setdefault('iterations', []).append(self.trn_iterations)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(v)


def test_cyclic_lr_trace_across_resumed_fits():
    x, y = data()
    model = build(SGD(lr=0.01, momentum=0.9))
    clr = CyclicLR(base_lr=0.001, max_lr=0.05, step_size=3.)
    h = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0,
                  callbacks=[clr])
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0,
              callbacks=[clr])
    clr.base_lr, clr.max_lr, clr.step_size = 0.002, 0.02, 2.
    clr.clr_iterations = 0.
    h3 = model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0,
                   callbacks=[clr])
    np.testing.assert_allclose(clr.history['lr'], [
        0.017333, 0.033667, 0.05, 0.033667, 0.017333, 0.001, 0.009167,
        0.017333, 0.0255, 0.017333, 0.009167, 0.001, 0.005083, 0.009167,
        0.01325, 0.009167, 0.011, 0.02, 0.011, 0.002], atol=2e-6)
    assert clr.history['iterations'][-1] == 20.
    assert sorted(clr.history) == ['acc', 'batch', 'iterations', 'loss',
                                   'lr', 'size']
    np.testing.assert_allclose(h.history['loss'],
                               [1.140185, 1.080366, 1.025071], atol=2e-6)
    np.testing.assert_allclose(h3.history['loss'], [0.97783, 0.97292],
                               atol=2e-6)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0),
                               [0.966815, 0.53125], atol=2e-6)


class OneCycleLR(Callback):
    """keras-one-cycle's OneCycleLR: lr and SGD momentum per batch, the
    cycle sized from Keras 2's `params` (samples, batch_size, steps)."""

    def __init__(self, max_lr, end_percentage=0.1, max_momentum=0.95,
                 min_momentum=0.85):
        super(OneCycleLR, self).__init__()
        self.initial_lr, self.end_percentage = max_lr, end_percentage
        self.scale = float(end_percentage)
        self.max_momentum, self.min_momentum = max_momentum, min_momentum
        self.history = {}

    def compute_lr(self):
        it, mid = self.clr_iterations, self.mid_cycle_id
        if it > 2 * mid:
            pct = (it - 2 * mid) / float(self.num_iterations - 2 * mid)
            lr = self.initial_lr * (1. + (pct * (1. - 100.) / 100.)) * \
                self.scale
        else:
            pct = 1. - (it - mid) / mid if it > mid else it / mid
            lr = self.initial_lr * (1. + pct * (self.scale * 100 - 1.)) * \
                self.scale
        if it == self.num_iterations:
            self.clr_iterations = 0
        return lr

    def compute_momentum(self):
        it, mid = self.clr_iterations, float(self.mid_cycle_id)
        if it > 2 * mid:
            return self.max_momentum
        pct = 1. - (it - mid) / mid if it > mid else it / mid
        return self.max_momentum - pct * (self.max_momentum -
                                          self.min_momentum)

    def on_train_begin(self, logs={}):
        steps = self.params['steps']
        self.num_iterations = self.params['epochs'] * steps \
            if steps is not None else \
            self.params['epochs'] * self.params['samples'] // \
            self.params['batch_size']
        self.mid_cycle_id = int(self.num_iterations *
                                ((1. - self.end_percentage)) / float(2))
        self.clr_iterations = 0.
        K.set_value(self.model.optimizer.lr, self.compute_lr())
        K.set_value(self.model.optimizer.momentum, self.compute_momentum())

    def on_batch_end(self, epoch, logs=None):
        self.clr_iterations += 1
        new_lr = self.compute_lr()
        self.history.setdefault('lr', []).append(
            K.get_value(self.model.optimizer.lr))
        K.set_value(self.model.optimizer.lr, new_lr)
        new_momentum = self.compute_momentum()
        self.history.setdefault('momentum', []).append(
            K.get_value(self.model.optimizer.momentum))
        K.set_value(self.model.optimizer.momentum, new_momentum)


def test_one_cycle_lr_and_momentum_trace():
    x, y = data()
    model = build(SGD(lr=0.1, momentum=0.9, nesterov=True))
    cb = OneCycleLR(max_lr=0.1, end_percentage=0.2)
    h = model.fit(x, y, batch_size=10, epochs=3, shuffle=False, verbose=0,
                  callbacks=[cb])
    assert (cb.num_iterations, cb.mid_cycle_id) == (19, 7)
    np.testing.assert_allclose(cb.history['lr'], [
        0.02, 0.074286, 0.128571, 0.182857, 0.237143, 0.291429, 0.345714,
        0.4, 0.345714, 0.291429, 0.237143, 0.182857, 0.128571, 0.074286,
        0.02, 0.01604, 0.01208, 0.00812, 0.00416, 0.0002, 0.074286],
        atol=2e-6)
    np.testing.assert_allclose(cb.history['momentum'], [
        0.95, 0.935714, 0.921429, 0.907143, 0.892857, 0.878571, 0.864286,
        0.85, 0.864286, 0.878571, 0.892857, 0.907143, 0.921429, 0.935714,
        0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.935714], atol=2e-6)
    np.testing.assert_allclose(h.history['loss'],
                               [1.163974, 1.184785, 0.795247], atol=2e-6)
    assert K.get_value(model.optimizer.lr) == pytest.approx(0.128571, 1e-5)
    assert K.get_value(model.optimizer.momentum) == \
        pytest.approx(0.921429, 1e-5)
    assert abs_sum(model.get_weights()) == pytest.approx(63.76565, 1e-5)


class SmoothedLRFinder(Callback):
    """keras-one-cycle's LRFinder, linear scale: a bias-corrected running
    loss per batch, saved with np.save at the end of the epoch."""

    def __init__(self, num_samples, batch_size, minimum_lr, maximum_lr,
                 save_dir, beta=0.98):
        super(SmoothedLRFinder, self).__init__()
        self.initial_lr, self.beta, self.save_dir = minimum_lr, beta, save_dir
        self.lr_multiplier_ = np.linspace(minimum_lr, maximum_lr,
                                          num=num_samples // batch_size)
        self.best_loss_, self.history = 1e6, {}

    def on_train_begin(self, logs=None):
        K.set_value(self.model.optimizer.lr, self.initial_lr)

    def on_epoch_begin(self, epoch, logs=None):
        self.current_batch_ = 0

    def on_batch_begin(self, batch, logs=None):
        self.current_batch_ += 1

    def on_batch_end(self, batch, logs=None):
        loss = logs['loss']
        running_loss = self.beta * loss + (1. - self.beta) * loss
        running_loss = running_loss / (1. - self.beta ** self.current_batch_)
        if self.current_batch_ > 1 and running_loss > 4. * self.best_loss_:
            return
        if running_loss < self.best_loss_ or self.current_batch_ == 1:
            self.best_loss_ = running_loss
        current_lr = K.get_value(self.model.optimizer.lr)
        self.history.setdefault('running_loss_', []).append(running_loss)
        self.history.setdefault('log_lrs', []).append(current_lr)
        K.set_value(self.model.optimizer.lr,
                    self.lr_multiplier_[self.current_batch_ - 1])

    def on_epoch_end(self, epoch, logs=None):
        os.makedirs(self.save_dir)
        np.save(os.path.join(self.save_dir, 'losses.npy'),
                np.array(self.history['running_loss_']))
        np.save(os.path.join(self.save_dir, 'lrs.npy'),
                np.array(self.history['log_lrs']))


def test_lr_finder_smoothed_losses_saved_with_np_save(tmp_path):
    x, y = data()
    model = build(SGD(lr=0.1, momentum=0.9))
    save_dir = str(tmp_path / 'schedule')
    lrf = SmoothedLRFinder(64, 8, 1e-3, 1., save_dir)
    h = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0,
                  callbacks=[lrf])
    losses = np.load(os.path.join(save_dir, 'losses.npy'))
    lrs = np.load(os.path.join(save_dir, 'lrs.npy'))
    np.testing.assert_allclose(losses, [
        51.354122, 32.683064, 21.16728, 14.476192, 12.663399, 10.779694,
        10.507242, 6.942617], rtol=2e-6)
    np.testing.assert_allclose(lrs, [
        0.001, 0.001, 0.143714, 0.286429, 0.429143, 0.571857, 0.714571,
        0.857286], atol=2e-6)
    np.testing.assert_allclose(h.history['loss'], [1.19487], atol=2e-6)
    np.testing.assert_allclose(h.history['acc'], [0.328125])


class LRFinder(object):
    """surmenok/keras_lr_finder: a LambdaCallback raising the lr
    exponentially per batch; the weights come back with set_weights."""

    def __init__(self, model):
        self.model, self.losses, self.lrs, self.best_loss = model, [], [], 1e9

    def on_batch_end(self, batch, logs):
        lr = K.get_value(self.model.optimizer.lr)
        self.lrs.append(lr)
        loss = logs['loss']
        self.losses.append(loss)
        if batch > 5 and (np.isnan(loss) or loss > self.best_loss * 4):
            self.model.stop_training = True
            return
        self.best_loss = min(self.best_loss, loss)
        K.set_value(self.model.optimizer.lr, lr * self.lr_mult)

    def find(self, x_train, y_train, start_lr, end_lr, batch_size, epochs):
        num_batches = epochs * x_train.shape[0] / batch_size
        self.lr_mult = (float(end_lr) / float(start_lr)) ** \
            (float(1) / float(num_batches))
        initial_weights = self.model.get_weights()
        original_lr = K.get_value(self.model.optimizer.lr)
        K.set_value(self.model.optimizer.lr, start_lr)
        callback = LambdaCallback(
            on_batch_end=lambda batch, logs: self.on_batch_end(batch, logs))
        self.model.fit(x_train, y_train, batch_size=batch_size,
                       epochs=epochs, callbacks=[callback], verbose=0)
        self.model.set_weights(initial_weights)
        K.set_value(self.model.optimizer.lr, original_lr)


def test_lambda_callback_lr_finder_restores_weights_and_lr():
    x, y = data(96)
    model = build(SGD(lr=0.05, momentum=0.5))
    w0 = model.get_weights()
    lrf = LRFinder(model)
    np.random.seed(11)  # fit's shuffling draws from numpy's generator
    lrf.find(x, y, start_lr=1e-3, end_lr=0.5, batch_size=16, epochs=2)
    assert lrf.lr_mult == pytest.approx(1.6784722559064955)
    np.testing.assert_allclose(lrf.lrs[:4], [0.001, 0.001678, 0.002817,
                                             0.004729], atol=2e-6)
    np.testing.assert_allclose(lrf.losses, [
        1.159607, 1.151875, 1.411146, 1.252193, 1.309323, 1.042131,
        1.493826, 1.132849, 1.154901, 1.053796, 1.281378, 1.120268],
        atol=2e-6)
    assert all(np.array_equal(a, b) for a, b in zip(w0, model.get_weights()))
    assert K.get_value(model.optimizer.lr) == pytest.approx(0.05)


class SGDRScheduler(Callback):
    """The SGDRScheduler gist (cosine annealing with warm restarts); like
    the gist, its __init__ does not call Callback.__init__."""

    def __init__(self, min_lr, max_lr, steps_per_epoch, lr_decay=1,
                 cycle_length=10, mult_factor=2):
        self.min_lr, self.max_lr, self.lr_decay = min_lr, max_lr, lr_decay
        self.batch_since_restart, self.next_restart = 0, cycle_length
        self.steps_per_epoch, self.cycle_length = steps_per_epoch, \
            cycle_length
        self.mult_factor, self.history = mult_factor, {}

    def clr(self):
        fraction = self.batch_since_restart / (self.steps_per_epoch *
                                               self.cycle_length)
        return self.min_lr + 0.5 * (self.max_lr - self.min_lr) * \
            (1 + np.cos(fraction * np.pi))

    def on_train_begin(self, logs={}):
        K.set_value(self.model.optimizer.lr, self.max_lr)

    def on_batch_end(self, batch, logs={}):
        self.history.setdefault('lr', []).append(
            K.get_value(self.model.optimizer.lr))
        self.batch_since_restart += 1
        K.set_value(self.model.optimizer.lr, self.clr())

    def on_epoch_end(self, epoch, logs={}):
        if epoch + 1 == self.next_restart:
            self.batch_since_restart = 0
            self.cycle_length = np.ceil(self.cycle_length * self.mult_factor)
            self.next_restart += self.cycle_length
            self.max_lr *= self.lr_decay
            self.best_weights = self.model.get_weights()

    def on_train_end(self, logs={}):
        self.model.set_weights(self.best_weights)


def test_sgdr_scheduler_restarts():
    x, y = data(96)
    model = build(SGD(lr=0.1, momentum=0.9))
    sch = SGDRScheduler(min_lr=1e-3, max_lr=0.05,
                        steps_per_epoch=np.ceil(96 / 32), lr_decay=0.9,
                        cycle_length=2, mult_factor=2)
    h = model.fit(x, y, batch_size=32, epochs=7, shuffle=False, verbose=0,
                  callbacks=[sch])
    np.testing.assert_allclose(sch.history['lr'], [
        0.05, 0.046718, 0.03775, 0.0255, 0.01325, 0.004282, 0.001, 0.04425,
        0.042053, 0.038556, 0.034, 0.028694, 0.023, 0.017306, 0.012,
        0.007444, 0.003947, 0.00175, 0.001, 0.040331, 0.039827], atol=2e-6)
    np.testing.assert_allclose(h.history['loss'], [
        1.217197, 1.173641, 1.136363, 1.099877, 1.065362, 1.040112,
        1.027542], atol=2e-6)
    assert (sch.next_restart, sch.max_lr) == (14.0, pytest.approx(0.0405))
    assert abs_sum(model.get_weights()) == pytest.approx(41.00933, 1e-5)


class SnapshotModelCheckpoint(Callback):
    """titu1994's snapshot ensembles: the weights saved once per cycle."""

    def __init__(self, nb_epochs, nb_snapshots, fn_prefix='Model'):
        super(SnapshotModelCheckpoint, self).__init__()
        self.check, self.fn_prefix = nb_epochs // nb_snapshots, fn_prefix

    def on_epoch_end(self, epoch, logs={}):
        if epoch != 0 and (epoch + 1) % self.check == 0:
            filepath = self.fn_prefix + "-%d.h5" % ((epoch + 1) // self.check)
            self.model.save_weights(filepath, overwrite=True)


def test_snapshot_ensemble_cycles(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.makedirs('weights/')
    T, M, alpha_zero = 6, 2, 0.1

    def cosine_anneal_schedule(t):
        cos_inner = np.pi * (t % (T // M)) / (T // M)
        return float(alpha_zero / 2 * (np.cos(cos_inner) + 1))
    x, y = data(96)
    xv, yv = data(32, seed=7)
    model = build(SGD(lr=0.1, momentum=0.9))
    h = model.fit(x, y, batch_size=32, epochs=T, shuffle=False, verbose=0,
                  validation_data=(xv, yv), callbacks=[
                      ModelCheckpoint('weights/M-Best.h5', monitor='val_acc',
                                      save_best_only=True,
                                      save_weights_only=True),
                      LearningRateScheduler(schedule=cosine_anneal_schedule),
                      SnapshotModelCheckpoint(T, M, fn_prefix='weights/M')])
    assert sorted(os.listdir('weights')) == ['M-1.h5', 'M-2.h5', 'M-Best.h5']
    np.testing.assert_allclose(h.history['val_loss'], [
        1.144805, 1.124366, 1.142526, 1.185111, 1.230155, 1.259885],
        atol=2e-6)
    expected = {'M-1.h5': [0.306763, 0.2823, 0.410937],
                'M-2.h5': [0.317387, 0.275088, 0.407524],
                'M-Best.h5': [0.360768, 0.26033, 0.378903]}
    for name, first_row in expected.items():
        snapshot = build()
        snapshot.load_weights('weights/' + name)
        np.testing.assert_allclose(snapshot.predict(xv[:4])[0], first_row,
                                   atol=2e-6)


class SWA(Callback):
    """keras-swa's SWA, cyclic schedule: per-batch lr set in
    on_batch_begin, a running weight average in on_epoch_end, the average
    set at the end and the lrs appended to model.history."""

    def __init__(self, start_epoch, swa_lr, swa_lr2, swa_freq):
        super().__init__()
        self.start_epoch, self.swa_freq = start_epoch - 1, swa_freq
        self.swa_lr, self.swa_lr2 = swa_lr, swa_lr2

    def on_train_begin(self, logs=None):
        self.lr_record = []
        self.epochs = self.params.get('epochs')
        self.init_lr = K.eval(self.model.optimizer.lr)

    def on_epoch_begin(self, epoch, logs=None):
        self.current_epoch = epoch
        self.is_swa_epoch = epoch >= self.start_epoch and \
            (epoch - self.start_epoch) % self.swa_freq == 0
        if epoch == self.start_epoch:
            self.swa_weights = self.model.get_weights()

    def on_batch_begin(self, batch, logs=None):
        epoch = self.current_epoch
        steps = self.params['samples'] // self.params['batch_size']
        if epoch >= self.start_epoch:
            i = ((epoch - self.start_epoch) % self.swa_freq) * steps + \
                batch + 1
            t = (((i - 1) % (self.swa_freq * steps)) + 1) / \
                (self.swa_freq * steps)
            lr = (1 - t) * self.swa_lr2 + t * self.swa_lr
        else:
            lr = self.init_lr
        K.set_value(self.model.optimizer.lr, lr)
        self.lr_record.append(lr)

    def on_epoch_end(self, epoch, logs=None):
        if self.is_swa_epoch:
            n = (epoch - self.start_epoch) / self.swa_freq
            self.swa_weights = [(swa_w * n + w) / (n + 1) for swa_w, w in
                                zip(self.swa_weights,
                                    self.model.get_weights())]

    def on_train_end(self, logs=None):
        self.model.set_weights(self.swa_weights)
        for batch_lr in self.lr_record:
            self.model.history.history.setdefault('lr', []).append(batch_lr)


def test_swa_cyclic_weight_average():
    x, y = data()
    model = build(SGD(0.05, momentum=0.9))
    h = model.fit(x, y, batch_size=16, epochs=5, shuffle=False, verbose=0,
                  callbacks=[SWA(2, swa_lr=0.001, swa_lr2=0.01, swa_freq=2)])
    np.testing.assert_allclose(h.history['lr'], [
        0.05, 0.05, 0.05, 0.05, 0.008875, 0.00775, 0.006625, 0.0055,
        0.004375, 0.00325, 0.002125, 0.001, 0.008875, 0.00775, 0.006625,
        0.0055, 0.004375, 0.00325, 0.002125, 0.001], atol=2e-6)
    np.testing.assert_allclose(h.history['loss'], [
        1.133623, 1.026752, 0.997053, 0.996292, 0.993547], atol=2e-6)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0),
                               [0.987797, 0.53125], atol=2e-6)
    assert abs_sum(model.get_weights()) == pytest.approx(42.22044, 1e-5)
