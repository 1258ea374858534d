"""`model.summary()` under the tf.keras flavour: tf_keras 2.21's table
(a blank row after each layer, a leading space in each row, cells wrapped
over lines, an InputLayer's shape as `[(None, 4)]`, 'Connected to' as a
list, sizes in bytes in the totals, `expand_nested`, `show_trainable`,
`layer_range`); the Keras 2 flavour keeps the Keras 2 table.

Every expected table below is tf_keras 2.21's output for the same model
(TF_USE_LEGACY_KERAS=1, `print_fn=lines.append`), copied unchanged; each
line ends with a '$' that keeps its trailing spaces in this file."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat.backend import common
from keras_compat.utils.layer_utils import print_summary


@pytest.fixture(autouse=True)
def tf_keras_flavour():
    common.set_api_flavour('tf.keras')
    try:
        yield
    finally:
        common.set_api_flavour('keras')


def summary_lines(model, **kwargs):
    lines = []
    print_summary(model, print_fn=lines.append, **kwargs)
    return lines


def table(text):
    lines = text.split('\n')[:-1]
    assert all(line.endswith('$') for line in lines)
    return [line[:-1] for line in lines]


# ------------------------------------------------------------------ models
def sequential():
    return keras.Sequential([
        keras.layers.Dense(3, input_shape=(4,), name='d1'),
        keras.layers.Dense(1, name='d2')], name='seq')


def functional():
    a = keras.Input((4,), name='a')
    b = keras.Input((3,), name='b')
    x = keras.layers.Dense(2, name='da')(a)
    y = keras.layers.Dense(2, name='db')(b)
    z = keras.layers.concatenate([x, y, a, b], name='cat')
    out = keras.layers.Dense(1, name='out')(z)
    return keras.Model([a, b], out, name='func')


def nested():
    """A Sequential called twice inside a functional model."""
    inner = keras.Sequential([
        keras.layers.Dense(5, input_shape=(4,), name='in1'),
        keras.layers.Dense(3, name='in2')], name='inner')
    inp = keras.Input((4,), name='inp')
    inp2 = keras.Input((4,), name='inp2')
    out = keras.layers.add([inner(inp), inner(inp2)], name='sum')
    return keras.Model([inp, inp2], out, name='outer')


def nested_two_levels():
    """A functional model inside a Sequential inside a Sequential."""
    ii = keras.Input((3,), name='ii')
    core = keras.Model(ii, keras.layers.Dense(2, name='core_d')(ii),
                       name='core')
    mid = keras.Sequential([keras.layers.InputLayer((3,), name='mid_in'),
                            core, keras.layers.Dense(2, name='mid_d')],
                           name='mid')
    return keras.Sequential([mid, keras.layers.Dense(1, name='s_out')],
                            name='sq')


def non_trainable():
    return keras.Sequential([
        keras.layers.Dense(8, input_shape=(4,), name='d1'),
        keras.layers.BatchNormalization(name='bn'),
        keras.layers.Dense(3, name='frozen', trainable=False),
        keras.layers.Dropout(0.5, name='drop'),
        keras.layers.Dense(1, name='out')], name='nt')


# ------------------------------------------------------------------- tests
def test_sequential_table():
    lines = []
    sequential().summary(print_fn=lines.append)
    assert lines == table(SEQUENTIAL)


def test_show_trainable_adds_a_column():
    assert summary_lines(sequential(), show_trainable=True) == \
        table(SEQUENTIAL_TRAINABLE)


def test_line_length_and_positions_wrap_cells():
    assert summary_lines(sequential(), line_length=40,
                         positions=[.5, .8, 1.]) == table(SEQUENTIAL_NARROW)


def test_layer_range():
    assert summary_lines(sequential(), layer_range=['d2', 'd2']) == \
        table(LAYER_RANGE)


def test_functional_connections_are_lists():
    assert summary_lines(functional()) == table(FUNCTIONAL)


def test_nested_model_called_twice():
    assert summary_lines(nested()) == table(NESTED)


def test_expand_nested_with_trainable_column():
    assert summary_lines(nested(), expand_nested=True,
                         show_trainable=True) == table(NESTED_EXPANDED)


def test_expand_nested_two_levels():
    assert summary_lines(nested_two_levels(), expand_nested=True) == \
        table(NESTED_TWO_LEVELS)


def test_non_trainable_weights_and_frozen_layer():
    assert summary_lines(non_trainable(), show_trainable=True) == \
        table(NON_TRAINABLE)


def test_counts_follow_trainable_flags_set_after_compile():
    model = non_trainable()
    model.compile('sgd', 'mse')
    model.get_layer('d1').trainable = False
    assert summary_lines(model) == table(COMPILED_THEN_FROZEN)


def test_subclassed_model_built_by_calling_it():
    class Sub(keras.Model):
        def __init__(self):
            super().__init__(name='sub')
            self.d1 = keras.layers.Dense(4, name='sd1')
            self.d2 = keras.layers.Dense(2, name='sd2')
            self.unused = keras.layers.Dense(7, name='unused')

        def call(self, x):
            return self.d2(self.d1(x))

    model = Sub()
    model(np.zeros((2, 3), 'float32'))
    assert summary_lines(model) == table(SUBCLASSED)


def test_layer_with_several_output_shapes_and_shared_layer():
    inp = keras.Input((5, 3), name='seq_in')
    o, h, c = keras.layers.LSTM(4, return_state=True, name='lstm')(inp)
    shared = keras.layers.Dense(2, name='shared')
    out = keras.layers.concatenate([shared(h), shared(c), o], name='cat')
    model = keras.Model(inp, [out, h], name='multi')
    assert summary_lines(model) == table(MULTIPLE)


def test_sizes_in_megabytes_and_kilobytes():
    model = keras.Sequential([
        keras.layers.Dense(1000, input_shape=(299,), name='big'),
        keras.layers.Dense(1, name='small', dtype='float64')], name='sizes')
    assert summary_lines(model) == table(MEGABYTES)
    model = keras.Sequential([keras.layers.Dense(
        2, input_shape=(127,), dtype='float64', name='d64')], name='kb')
    assert summary_lines(model) == table(KILOBYTES)


def test_long_names_wrap():
    i1 = keras.Input((2,), name='a_really_long_input_name')
    i2 = keras.Input((2,), name='second')
    d = keras.layers.Dense(3, name='dense_with_a_very_long_name')(i1)
    c = keras.layers.concatenate([d, i2], name='concatenate_them_all')
    model = keras.Model([i1, i2], keras.layers.Dense(1, name='o')(c),
                        name='long')
    assert summary_lines(model, line_length=70) == table(LONG_NAMES)


def test_default_print_fn_prints_the_lines(capsys):
    sequential().summary()
    assert capsys.readouterr().out.split('\n')[:-1] == table(SEQUENTIAL)


def test_keras_flavour_keeps_the_keras2_table():
    common.set_api_flavour('keras')
    model = keras.Sequential([
        keras.layers.Dense(3, input_shape=(4,), name='d1'),
        keras.layers.Dense(1, name='d2')], name='seq')
    lines = summary_lines(model)
    assert lines[4:6] == ['d1 (Dense)'.ljust(29) + '(None, 3)'.ljust(26) +
                          '15'.ljust(10), '_' * 65]
    assert lines[-4:-1] == ['Total params: 19', 'Trainable params: 19',
                            'Non-trainable params: 0']
    with pytest.raises(TypeError):
        print_summary(model, expand_nested=True)


# ----------------------------------------------- tf_keras 2.21's output
SEQUENTIAL = '''\
Model: "seq"$
_________________________________________________________________$
 Layer (type)                Output Shape              Param #   $
=================================================================$
 d1 (Dense)                  (None, 3)                 15        $
                                                                 $
 d2 (Dense)                  (None, 1)                 4         $
                                                                 $
=================================================================$
Total params: 19 (76.00 Byte)$
Trainable params: 19 (76.00 Byte)$
Non-trainable params: 0 (0.00 Byte)$
_________________________________________________________________$
'''


SEQUENTIAL_TRAINABLE = '''\
Model: "seq"$
____________________________________________________________________________$
 Layer (type)                Output Shape              Param #   Trainable  $
============================================================================$
 d1 (Dense)                  (None, 3)                 15        Y          $
                                                                            $
 d2 (Dense)                  (None, 1)                 4         Y          $
                                                                            $
============================================================================$
Total params: 19 (76.00 Byte)$
Trainable params: 19 (76.00 Byte)$
Non-trainable params: 0 (0.00 Byte)$
____________________________________________________________________________$
'''


SEQUENTIAL_NARROW = '''\
Model: "seq"$
________________________________________$
 Layer (type)       Output Sh   Param # $
                    ape                 $
========================================$
 d1 (Dense)         (None, 3)   15      $
                                        $
 d2 (Dense)         (None, 1)   4       $
                                        $
========================================$
Total params: 19 (76.00 Byte)$
Trainable params: 19 (76.00 Byte)$
Non-trainable params: 0 (0.00 Byte)$
________________________________________$
'''


FUNCTIONAL = '''\
Model: "func"$
__________________________________________________________________________________________________$
 Layer (type)                Output Shape                 Param #   Connected to                  $
==================================================================================================$
 a (InputLayer)              [(None, 4)]                  0         []                            $
                                                                                                  $
 b (InputLayer)              [(None, 3)]                  0         []                            $
                                                                                                  $
 da (Dense)                  (None, 2)                    10        ['a[0][0]']                   $
                                                                                                  $
 db (Dense)                  (None, 2)                    8         ['b[0][0]']                   $
                                                                                                  $
 cat (Concatenate)           (None, 11)                   0         ['da[0][0]',                  $
                                                                     'db[0][0]',                  $
                                                                     'a[0][0]',                   $
                                                                     'b[0][0]']                   $
                                                                                                  $
 out (Dense)                 (None, 1)                    12        ['cat[0][0]']                 $
                                                                                                  $
==================================================================================================$
Total params: 30 (120.00 Byte)$
Trainable params: 30 (120.00 Byte)$
Non-trainable params: 0 (0.00 Byte)$
__________________________________________________________________________________________________$
'''


NESTED = '''\
Model: "outer"$
__________________________________________________________________________________________________$
 Layer (type)                Output Shape                 Param #   Connected to                  $
==================================================================================================$
 inp (InputLayer)            [(None, 4)]                  0         []                            $
                                                                                                  $
 inp2 (InputLayer)           [(None, 4)]                  0         []                            $
                                                                                                  $
 inner (Sequential)          (None, 3)                    43        ['inp[0][0]',                 $
                                                                     'inp2[0][0]']                $
                                                                                                  $
 sum (Add)                   (None, 3)                    0         ['inner[0][0]',               $
                                                                     'inner[1][0]']               $
                                                                                                  $
==================================================================================================$
Total params: 43 (172.00 Byte)$
Trainable params: 43 (172.00 Byte)$
Non-trainable params: 0 (0.00 Byte)$
__________________________________________________________________________________________________$
'''


NESTED_EXPANDED = '''\
Model: "outer"$
_____________________________________________________________________________________________________________$
 Layer (type)                Output Shape                 Param #   Connected to                  Trainable  $
=============================================================================================================$
 inp (InputLayer)            [(None, 4)]                  0         []                            Y          $
                                                                                                             $
 inp2 (InputLayer)           [(None, 4)]                  0         []                            Y          $
                                                                                                             $
 inner (Sequential)          (None, 3)                    43        ['inp[0][0]',                 Y          $
                                                                     'inp2[0][0]']                           $
|¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯|$
| in1 (Dense)                (None, 5)                    25        []                            Y         |$
|                                                                                                           |$
| in2 (Dense)                (None, 3)                    18        []                            Y         |$
¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯$
 sum (Add)                   (None, 3)                    0         ['inner[0][0]',               Y          $
                                                                     'inner[1][0]']                          $
                                                                                                             $
=============================================================================================================$
Total params: 43 (172.00 Byte)$
Trainable params: 43 (172.00 Byte)$
Non-trainable params: 0 (0.00 Byte)$
_____________________________________________________________________________________________________________$
'''


NESTED_TWO_LEVELS = '''\
Model: "sq"$
_________________________________________________________________$
 Layer (type)                Output Shape              Param #   $
=================================================================$
 mid (Sequential)            (None, 2)                 14        $
|¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯|$
| core (Functional)          (None, 2)                 8        |$
||¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯||$
|| ii (InputLayer)           [(None, 3)]               0       ||$
||                                                             ||$
|| core_d (Dense)            (None, 2)                 8       ||$
|¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯|$
| mid_d (Dense)              (None, 2)                 6        |$
¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯¯$
 s_out (Dense)               (None, 1)                 3         $
                                                                 $
=================================================================$
Total params: 17 (68.00 Byte)$
Trainable params: 17 (68.00 Byte)$
Non-trainable params: 0 (0.00 Byte)$
_________________________________________________________________$
'''


NON_TRAINABLE = '''\
Model: "nt"$
____________________________________________________________________________$
 Layer (type)                Output Shape              Param #   Trainable  $
============================================================================$
 d1 (Dense)                  (None, 8)                 40        Y          $
                                                                            $
 bn (BatchNormalization)     (None, 8)                 32        Y          $
                                                                            $
 frozen (Dense)              (None, 3)                 27        N          $
                                                                            $
 drop (Dropout)              (None, 3)                 0         Y          $
                                                                            $
 out (Dense)                 (None, 1)                 4         Y          $
                                                                            $
============================================================================$
Total params: 103 (412.00 Byte)$
Trainable params: 60 (240.00 Byte)$
Non-trainable params: 43 (172.00 Byte)$
____________________________________________________________________________$
'''


SUBCLASSED = '''\
Model: "sub"$
_________________________________________________________________$
 Layer (type)                Output Shape              Param #   $
=================================================================$
 sd1 (Dense)                 multiple                  16        $
                                                                 $
 sd2 (Dense)                 multiple                  10        $
                                                                 $
 unused (Dense)              multiple                  0 (unused)$
                                                                 $
=================================================================$
Total params: 26 (104.00 Byte)$
Trainable params: 26 (104.00 Byte)$
Non-trainable params: 0 (0.00 Byte)$
_________________________________________________________________$
'''


MULTIPLE = '''\
Model: "multi"$
__________________________________________________________________________________________________$
 Layer (type)                Output Shape                 Param #   Connected to                  $
==================================================================================================$
 seq_in (InputLayer)         [(None, 5, 3)]               0         []                            $
                                                                                                  $
 lstm (LSTM)                 [(None, 4),                  128       ['seq_in[0][0]']              $
                              (None, 4),                                                          $
                              (None, 4)]                                                          $
                                                                                                  $
 shared (Dense)              (None, 2)                    10        ['lstm[0][1]',                $
                                                                     'lstm[0][2]']                $
                                                                                                  $
 cat (Concatenate)           (None, 8)                    0         ['shared[0][0]',              $
                                                                     'shared[1][0]',              $
                                                                     'lstm[0][0]']                $
                                                                                                  $
==================================================================================================$
Total params: 138 (552.00 Byte)$
Trainable params: 138 (552.00 Byte)$
Non-trainable params: 0 (0.00 Byte)$
__________________________________________________________________________________________________$
'''


MEGABYTES = '''\
Model: "sizes"$
_________________________________________________________________$
 Layer (type)                Output Shape              Param #   $
=================================================================$
 big (Dense)                 (None, 1000)              300000    $
                                                                 $
 small (Dense)               (None, 1)                 1001      $
                                                                 $
=================================================================$
Total params: 301001 (1.15 MB)$
Trainable params: 301001 (1.15 MB)$
Non-trainable params: 0 (0.00 Byte)$
_________________________________________________________________$
'''


KILOBYTES = '''\
Model: "kb"$
_________________________________________________________________$
 Layer (type)                Output Shape              Param #   $
=================================================================$
 d64 (Dense)                 (None, 2)                 256       $
                                                                 $
=================================================================$
Total params: 256 (2.00 KB)$
Trainable params: 256 (2.00 KB)$
Non-trainable params: 0 (0.00 Byte)$
_________________________________________________________________$
'''


LAYER_RANGE = '''\
Model: "seq"$
_________________________________________________________________$
 Layer (type)                Output Shape              Param #   $
=================================================================$
 d2 (Dense)                  (None, 1)                 4         $
                                                                 $
=================================================================$
Total params: 19 (76.00 Byte)$
Trainable params: 19 (76.00 Byte)$
Non-trainable params: 0 (0.00 Byte)$
_________________________________________________________________$
'''


COMPILED_THEN_FROZEN = '''\
Model: "nt"$
_________________________________________________________________$
 Layer (type)                Output Shape              Param #   $
=================================================================$
 d1 (Dense)                  (None, 8)                 40        $
                                                                 $
 bn (BatchNormalization)     (None, 8)                 32        $
                                                                 $
 frozen (Dense)              (None, 3)                 27        $
                                                                 $
 drop (Dropout)              (None, 3)                 0         $
                                                                 $
 out (Dense)                 (None, 1)                 4         $
                                                                 $
=================================================================$
Total params: 103 (412.00 Byte)$
Trainable params: 20 (80.00 Byte)$
Non-trainable params: 83 (332.00 Byte)$
_________________________________________________________________$
'''


LONG_NAMES = '''\
Model: "long"$
______________________________________________________________________$
 Layer (type)        Output Shape         Para   Connected to         $
                                          m #                         $
======================================================================$
 a_really_long_inpu  [(None, 2)]          0      []                   $
 t_name (InputLayer                                                   $
 )                                                                    $
                                                                      $
 dense_with_a_very_  (None, 3)            9      ['a_really_long_input$
 long_name (Dense)                               _name[0][0]']        $
                                                                      $
 second (InputLayer  [(None, 2)]          0      []                   $
 )                                                                    $
                                                                      $
 concatenate_them_a  (None, 5)            0      ['dense_with_a_very_l$
 ll (Concatenate)                                ong_name[0][0]',     $
                                                  'second[0][0]']     $
                                                                      $
 o (Dense)           (None, 1)            6      ['concatenate_them_al$
                                                 l[0][0]']            $
                                                                      $
======================================================================$
Total params: 15 (60.00 Byte)$
Trainable params: 15 (60.00 Byte)$
Non-trainable params: 0 (0.00 Byte)$
______________________________________________________________________$
'''
