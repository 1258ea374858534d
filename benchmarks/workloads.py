"""Benchmark workloads, each defined once as a Keras model (run by
keras_compat, or by Keras 3 / tf_keras when given their module) and once
as an idiomatic hand-written PyTorch module and training loop."""
import numpy as np

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:  # the tf_keras comparison column runs without torch
    torch = nn = F = None


class Workload(object):
    """Data, a Keras model builder and a PyTorch equivalent."""

    name = ''
    epochs_per_run = 1

    def __init__(self, quick=False):
        self.quick = quick
        rng = np.random.RandomState(0)
        self.x, self.y = self.make_data(rng)

    # Keras side -------------------------------------------------------
    def keras_model(self, keras):
        raise NotImplementedError

    def keras_fit_kwargs(self):
        return {'batch_size': self.batch_size, 'shuffle': True}

    # Torch side -------------------------------------------------------
    def torch_model(self):
        raise NotImplementedError

    def torch_optimizer(self, params):
        raise NotImplementedError

    def torch_loss(self, out, target):
        raise NotImplementedError

    def torch_correct(self, out, target):
        raise NotImplementedError

    def torch_targets(self, y):
        return torch.from_numpy(y)

    def torch_inputs(self, x):
        return torch.from_numpy(x)

    def torch_shuffle(self):
        return True

    @property
    def steps(self):
        return -(-len(self.x) // self.batch_size)


def _classes(rng, n, classes):
    return rng.randint(classes, size=n)


class MLP(Workload):
    """20 -> Dense64 -> Dropout -> Dense64 -> Dropout -> Dense10 softmax,
    SGD with Nesterov momentum, batch 128."""

    name = 'mlp'
    batch_size = 128

    def make_data(self, rng):
        n = 1024 if self.quick else 60000
        x = rng.rand(n, 20).astype('float32')
        labels = _classes(rng, n, 10)
        return x, np.eye(10, dtype='float32')[labels]

    def keras_model(self, keras):
        L = keras.layers
        model = keras.models.Sequential([
            L.Dense(64, activation='relu', input_shape=(20,)),
            L.Dropout(0.5),
            L.Dense(64, activation='relu'), L.Dropout(0.5),
            L.Dense(10, activation='softmax')])
        sgd = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9,
                                   nesterov=True)
        model.compile(loss='categorical_crossentropy', optimizer=sgd,
                      metrics=['accuracy'])
        return model

    def torch_model(self):
        return nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.5),
                             nn.Linear(64, 64), nn.ReLU(), nn.Dropout(0.5),
                             nn.Linear(64, 10))

    def torch_optimizer(self, params):
        return torch.optim.SGD(params, lr=0.01, momentum=0.9, nesterov=True)

    def torch_targets(self, y):
        return torch.from_numpy(y.argmax(-1))

    def torch_loss(self, out, target):
        return F.cross_entropy(out, target)

    def torch_correct(self, out, target):
        return (out.argmax(-1) == target).sum()


class MnistMLP(MLP):
    """784-512-512-10 with dropout 0.2, RMSprop, batch 128."""

    name = 'mnist_mlp'

    def make_data(self, rng):
        n = 1024 if self.quick else 60000
        x = rng.rand(n, 784).astype('float32')
        return x, np.eye(10, dtype='float32')[_classes(rng, n, 10)]

    def keras_model(self, keras):
        L = keras.layers
        model = keras.models.Sequential([
            L.Dense(512, activation='relu', input_shape=(784,)),
            L.Dropout(0.2), L.Dense(512, activation='relu'), L.Dropout(0.2),
            L.Dense(10, activation='softmax')])
        model.compile(loss='categorical_crossentropy',
                      optimizer=keras.optimizers.RMSprop(),
                      metrics=['accuracy'])
        return model

    def torch_model(self):
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2),
                             nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.2),
                             nn.Linear(512, 10))

    def torch_optimizer(self, params):
        return torch.optim.RMSprop(params, lr=0.001, alpha=0.9, eps=1e-7)


class ConvNet(Workload):
    """The seed guide's VGG-like convnet on (100, 100, 3) images, batch
    32."""

    name = 'convnet'
    batch_size = 32

    def make_data(self, rng):
        n = 64 if self.quick else 200
        size = 32 if self.quick else 100
        x = rng.rand(n, size, size, 3).astype('float32')
        return x, np.eye(10, dtype='float32')[_classes(rng, n, 10)]

    def keras_model(self, keras):
        L = keras.layers
        size = self.x.shape[1]
        model = keras.models.Sequential([
            L.Conv2D(32, (3, 3), activation='relu',
                     input_shape=(size, size, 3)),
            L.Conv2D(32, (3, 3), activation='relu'), L.MaxPooling2D((2, 2)),
            L.Dropout(0.25), L.Conv2D(64, (3, 3), activation='relu'),
            L.Conv2D(64, (3, 3), activation='relu'), L.MaxPooling2D((2, 2)),
            L.Dropout(0.25), L.Flatten(), L.Dense(256, activation='relu'),
            L.Dropout(0.5), L.Dense(10, activation='softmax')])
        sgd = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9,
                                   nesterov=True)
        model.compile(loss='categorical_crossentropy', optimizer=sgd,
                      metrics=['accuracy'])
        return model

    def torch_model(self):
        size = self.x.shape[1]
        flat = ((((size - 4) // 2) - 4) // 2) ** 2 * 64
        return nn.Sequential(
            nn.Conv2d(3, 32, 3), nn.ReLU(), nn.Conv2d(32, 32, 3), nn.ReLU(),
            nn.MaxPool2d(2), nn.Dropout(0.25), nn.Conv2d(32, 64, 3),
            nn.ReLU(), nn.Conv2d(64, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Dropout(0.25), nn.Flatten(), nn.Linear(flat, 256), nn.ReLU(),
            nn.Dropout(0.5), nn.Linear(256, 10))

    def torch_inputs(self, x):
        # NCHW, as a hand-written torch model takes images.
        return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1,
                                                                 2)))

    def torch_optimizer(self, params):
        return torch.optim.SGD(params, lr=0.01, momentum=0.9, nesterov=True)

    torch_targets = MLP.torch_targets
    torch_loss = MLP.torch_loss
    torch_correct = MLP.torch_correct


class Conv1DNet(Workload):
    """The seed guide's Conv1D sequence classifier on (64, 100), batch 16."""

    name = 'conv1d'
    batch_size = 16

    def make_data(self, rng):
        n = 128 if self.quick else 2000
        x = rng.rand(n, 64, 100).astype('float32')
        return x, rng.randint(2, size=(n, 1)).astype('float32')

    def keras_model(self, keras):
        L = keras.layers
        model = keras.models.Sequential([
            L.Conv1D(64, 3, activation='relu', input_shape=(64, 100)),
            L.Conv1D(64, 3, activation='relu'), L.MaxPooling1D(3),
            L.Conv1D(128, 3, activation='relu'),
            L.Conv1D(128, 3, activation='relu'),
            L.GlobalAveragePooling1D(), L.Dropout(0.5),
            L.Dense(1, activation='sigmoid')])
        model.compile(loss='binary_crossentropy', optimizer='rmsprop',
                      metrics=['accuracy'])
        return model

    def torch_model(self):
        class Net(nn.Module):
            def __init__(self):
                super(Net, self).__init__()
                self.c1 = nn.Conv1d(100, 64, 3)
                self.c2 = nn.Conv1d(64, 64, 3)
                self.c3 = nn.Conv1d(64, 128, 3)
                self.c4 = nn.Conv1d(128, 128, 3)
                self.drop = nn.Dropout(0.5)
                self.out = nn.Linear(128, 1)

            def forward(self, x):
                x = x.transpose(1, 2)
                x = F.relu(self.c2(F.relu(self.c1(x))))
                x = F.max_pool1d(x, 3)
                x = F.relu(self.c4(F.relu(self.c3(x))))
                return self.out(self.drop(x.mean(dim=2)))
        return Net()

    def torch_optimizer(self, params):
        return torch.optim.RMSprop(params, lr=0.001, alpha=0.9, eps=1e-7)

    def torch_loss(self, out, target):
        return F.binary_cross_entropy_with_logits(out, target)

    def torch_correct(self, out, target):
        return ((out > 0).float() == target).sum()


class LSTMNet(Workload):
    """Embedding(1024, 256) + LSTM(128) + Dense(1), length 80."""

    name = 'lstm'
    batch_size = 16

    def __init__(self, quick=False, batch_size=16):
        self.batch_size = batch_size
        self.name = 'lstm_b%d' % batch_size
        super(LSTMNet, self).__init__(quick)

    def make_data(self, rng):
        n = 128 if self.quick else 2000
        x = rng.randint(1024, size=(n, 80)).astype('int64')
        return x, rng.randint(2, size=(n, 1)).astype('float32')

    def keras_model(self, keras):
        L = keras.layers
        model = keras.models.Sequential([
            L.Embedding(1024, 256), L.LSTM(128),
            L.Dense(1, activation='sigmoid')])
        model.compile(loss='binary_crossentropy', optimizer='rmsprop',
                      metrics=['accuracy'])
        return model

    def torch_model(self):
        class Net(nn.Module):
            def __init__(self):
                super(Net, self).__init__()
                self.embed = nn.Embedding(1024, 256)
                self.lstm = nn.LSTM(256, 128, batch_first=True)
                self.out = nn.Linear(128, 1)

            def forward(self, x):
                _, (h, _) = self.lstm(self.embed(x))
                return self.out(h[-1])
        return Net()

    torch_optimizer = Conv1DNet.torch_optimizer
    torch_loss = Conv1DNet.torch_loss
    torch_correct = Conv1DNet.torch_correct


class StatefulLSTM(Workload):
    """The seed guide's stacked stateful LSTM, batch 32, shuffle=False."""

    name = 'stateful'
    batch_size = 32

    def make_data(self, rng):
        n = 32 * (4 if self.quick else 10)
        x = rng.rand(n, 8, 16).astype('float32')
        return x, rng.rand(n, 10).astype('float32')

    def keras_model(self, keras):
        L = keras.layers
        if getattr(keras, '__version__', '2').startswith('3'):
            first = [keras.Input(batch_shape=(32, 8, 16)),
                     L.LSTM(32, return_sequences=True, stateful=True)]
        else:
            first = [L.LSTM(32, return_sequences=True, stateful=True,
                            batch_input_shape=(32, 8, 16))]
        model = keras.models.Sequential(first + [
            L.LSTM(32, return_sequences=True, stateful=True),
            L.LSTM(32, stateful=True), L.Dense(10, activation='softmax')])
        model.compile(loss='categorical_crossentropy', optimizer='rmsprop',
                      metrics=['accuracy'])
        return model

    def keras_fit_kwargs(self):
        return {'batch_size': self.batch_size, 'shuffle': False}

    def torch_shuffle(self):
        return False

    def torch_model(self):
        class Net(nn.Module):
            def __init__(self):
                super(Net, self).__init__()
                self.l1 = nn.LSTM(16, 32, batch_first=True)
                self.l2 = nn.LSTM(32, 32, batch_first=True)
                self.l3 = nn.LSTM(32, 32, batch_first=True)
                self.out = nn.Linear(32, 10)
                self.states = [None, None, None]

            def forward(self, x):
                for i, lstm in enumerate((self.l1, self.l2, self.l3)):
                    x, state = lstm(x, self.states[i])
                    self.states[i] = tuple(s.detach() for s in state)
                return self.out(x[:, -1])
        return Net()

    torch_optimizer = Conv1DNet.torch_optimizer

    def torch_loss(self, out, target):
        return -(target * F.log_softmax(out, dim=-1)).sum(-1).mean()

    def torch_correct(self, out, target):
        return (out.argmax(-1) == target.argmax(-1)).sum()


def hard_sigmoid(x):
    """Keras 2's hard_sigmoid: clip(0.2 x + 0.5, 0, 1)."""
    return torch.clamp(x * 0.2 + 0.5, 0.0, 1.0)


class _StepLoopRNN(Workload):
    """Embedding(1024, 128) + a recurrent layer of 64 units with
    hard_sigmoid gates + Dense(1), length 40, batch 32, a binary
    classifier trained with RMSprop; `recurrent_layer` names the layer."""

    batch_size = 32
    units = 64
    timesteps = 40

    def make_data(self, rng):
        n = 64 if self.quick else 1024
        x = rng.randint(1024, size=(n, self.timesteps)).astype('int64')
        return x, rng.randint(2, size=(n, 1)).astype('float32')

    def recurrent_layer(self, layers):
        raise NotImplementedError

    def keras_model(self, keras):
        L = keras.layers
        model = keras.models.Sequential([
            L.Embedding(1024, 128), self.recurrent_layer(L),
            L.Dense(1, activation='sigmoid')])
        model.compile(loss='binary_crossentropy', optimizer='rmsprop',
                      metrics=['accuracy'])
        return model

    torch_optimizer = Conv1DNet.torch_optimizer
    torch_loss = Conv1DNet.torch_loss
    torch_correct = Conv1DNet.torch_correct


class HardSigmoidLSTM(_StepLoopRNN):
    """LSTM(64, recurrent_activation='hard_sigmoid'). Keras 2.2's default
    gate activation has no fused kernel, so both sides run a loop over
    timesteps; the hand-written loop projects the inputs once, then steps
    the cell."""

    name = 'lstm_hard_sigmoid'

    def recurrent_layer(self, layers):
        return layers.LSTM(self.units, recurrent_activation='hard_sigmoid')

    def torch_model(self):
        units = self.units

        class Net(nn.Module):
            def __init__(self):
                super(Net, self).__init__()
                self.embed = nn.Embedding(1024, 128)
                self.ih = nn.Linear(128, 4 * units)
                self.hh = nn.Linear(units, 4 * units, bias=False)
                self.out = nn.Linear(units, 1)

            def forward(self, x):
                xw = self.ih(self.embed(x))          # (batch, time, 4u)
                h = xw.new_zeros(x.shape[0], units)
                c = h
                for t in range(xw.shape[1]):
                    z = xw[:, t] + self.hh(h)
                    i, f, g, o = z.chunk(4, dim=1)
                    c = hard_sigmoid(f) * c + hard_sigmoid(i) * torch.tanh(g)
                    h = hard_sigmoid(o) * torch.tanh(c)
                return self.out(h)
        return Net()


class Keras2GRU(_StepLoopRNN):
    """GRU(64, recurrent_activation='hard_sigmoid', reset_after=False):
    Keras 2's GRU, whose reset gate acts before the recurrent product.
    torch's fused kernel applies it after, so both sides run a loop over
    timesteps; the hand-written loop projects the inputs once, then steps
    the cell."""

    name = 'gru_keras2'

    def recurrent_layer(self, layers):
        return layers.GRU(self.units, recurrent_activation='hard_sigmoid',
                          reset_after=False)

    def torch_model(self):
        units = self.units

        class Net(nn.Module):
            def __init__(self):
                super(Net, self).__init__()
                self.embed = nn.Embedding(1024, 128)
                self.ih = nn.Linear(128, 3 * units)
                self.hh_zr = nn.Linear(units, 2 * units, bias=False)
                self.hh_h = nn.Linear(units, units, bias=False)
                self.out = nn.Linear(units, 1)

            def forward(self, x):
                xw = self.ih(self.embed(x))          # (batch, time, 3u)
                h = xw.new_zeros(x.shape[0], units)
                for t in range(xw.shape[1]):
                    x_z, x_r, x_h = xw[:, t].chunk(3, dim=1)
                    h_z, h_r = self.hh_zr(h).chunk(2, dim=1)
                    z = hard_sigmoid(x_z + h_z)
                    r = hard_sigmoid(x_r + h_r)
                    hh = torch.tanh(x_h + self.hh_h(r * h))
                    h = z * h + (1 - z) * hh
                return self.out(h)
        return Net()


WORKLOADS = {
    'mlp': MLP, 'mnist_mlp': MnistMLP, 'convnet': ConvNet,
    'conv1d': Conv1DNet,
    'lstm_b16': lambda quick: LSTMNet(quick, 16),
    'lstm_b128': lambda quick: LSTMNet(quick, 128),
    'stateful': StatefulLSTM,
    'lstm_hard_sigmoid': HardSigmoidLSTM,
    'gru_keras2': Keras2GRU,
}


def make(name, quick=False):
    """The workload called `name`, with its data."""
    if name not in WORKLOADS:
        raise SystemExit('unknown workload %r; known: %s'
                         % (name, ', '.join(WORKLOADS)))
    return WORKLOADS[name](quick)
