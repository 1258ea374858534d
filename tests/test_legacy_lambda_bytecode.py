"""Lambda functions saved as the bytecode of Python 2.7 / 3.5-3.10 load:
their source is recovered and recompiled (keras_compat.utils.legacy_bytecode).

Real fixtures are the base64 marshal data of Lambda layers found in public
files; hand-assembled ones follow the instruction sequences CPython of each
version compiles for the source shown (opcode numbers from that version's
Lib/opcode.py), written out with `_code` / `_wordcode` / `_bytecode` below.
Expected values are the formula the bytecode expresses, computed in NumPy."""
import json
import struct

import numpy as np
import pytest

from keras_compat.utils import legacy_bytecode
from keras_compat.utils.generic_utils import func_load

# --- real fixtures ---------------------------------------------------------
# `lambda x: x` by Python 3.8 (tf.keras model config in alien.h5, quoted in
# a CTF write-up "Mysterious-Learning").
ID38 = ('4wEAAAAAAAAAAAAAAAEAAAABAAAAQwAAAHMEAAAAfABTACkBTqkAKQHaAXhyAQAAAHIB'
        'AAAA+h88\naXB5dGhvbi1pbnB1dC0xMi02ZGI4ZTVhZTA2ZGE+2gg8bGFtYmRhPggAAA'
        'DzAAAAAA==\n')
# `def malicious(x): print('SFRCe24wdF9zb'); return x` by Python 3.8, the
# other Lambda of that same model config.
PRINT38 = ('4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMMAAAAdABkAYMBAQB8AFMAKQJO2g1TR'
           'lJDZTI0d2RG\nOXpiKQHaBXByaW50KQHaAXipAHIEAAAA+h88aXB5dGhvbi1pbnB1'
           'dC0xMS1kNTY5YzRhOTUyYjQ+\n2gltYWxpY2lvdXMCAAAAcwQAAAAAAQgB\n')
# `lambda x: x**2 + x` by Python 3.8 (keras2circom's `poly_activation`).
POLY38 = ('4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMMAAAAfABkARMAfAAXAFMAKQJO6QIAAA'
          'CpACkB2gF4\ncgIAAAByAgAAAHpOL3Zhci9mb2xkZXJzL2d0L3NnM3Y4cmQxM2w1Mm'
          'p4OTFtZmJnemJmYzAwMDBn\nbi9UL2lweWtlcm5lbF8xNTU3MS8yMTc2NzAzOTE5Ln'
          'B52gg8bGFtYmRhPggAAADzAAAAAA==\n')
# `lambda tt: tt[:, -1, :]` by Python 3.6/3.7 (snn_toolbox realtaste
# run.py, quoted in the docstring of a LastRowLayer written instead).
LAST36 = ('4wEAAAAAAAAAAQAAAAUAAABTAAAAcxYAAAB8AGQAZACFAmQBZABkAIUCZgMZAFMAKQ'
          'JO6f////+pACkB2gJ0dHICAAAAcgIAAAD6Sy9tbnQvMjY0NkJBRjQ0NkJBQzNCOS9S'
          'ZXBvc2l0b3JpZXMvTlBQL3Nubl90b29sYm94L3NjcmlwdHMvcmVhbHRhc3RlL3J1bi'
          '5wedoIPGxhbWJkYT5rAAAA8wAAAAA=')
# `def onehot(x, exp=100): max = tf.reduce_max(x); x = tf.subtract(x, max);
# x = tf.exp(x * exp); return x` by Python 3.8 (layer 'lambda' of
# lenet_mnist_onehot.h5, its config quoted in the script loading it).
ONEHOT38 = ('4wIAAAAAAAAAAAAAAAMAAAAEAAAAQwAAAHMoAAAAdACgAXwAoQF9AnQAoAJ8AHwC'
            'oQJ9AHQAoAN8\nAHwBFAChAX0AfABTACkBTikE2gJ0ZtoKcmVkdWNlX21heNoIc3'
            'VidHJhY3TaA2V4cCkD2gF4cgQA\nAADaA21heKkAcgcAAAD6LkQ6L3Jlc2VhcmNo'
            'ZXIvbW9kZWxzL2Nubi9MZW5ldC9sZW5ldF9vbmVo\nb3QucHnaBm9uZWhvdBMAAA'
            'BzCAAAAAABCgEMAQ4B\n')
# A Python 2.7 function `fun2(frames_data)` (marshal text in a CTF pickle).
FUN27 = ('YwEAAAABAAAAAgAAAEMAAABzEwAAAHwAAGQBABlkAgAZZAMAGWoAAFMoBAAAAE5p+v/'
         '//2kBAAAAdAQAAABmbGFnKAEAAABSAAAAACgBAAAAdAsAAABmcmFtZXNfZGF0YSgAAA'
         'AAKAAAAABzRAAAAEM6L1VzZXJzL1BoYXJpc2FldXMvUHljaGFybVByb2plY3RzL3Vud'
         'Gl0bGVkL3NyYy8zMmMzL2d1cmtlL2d1cmtlLnB5dAQAAABmdW4yEAAAAHMCAAAAAAE=')
# A Python 2.7 `def echo(self): print "..."` (a blog post on marshal): the
# print statement is outside what is recovered.
ECHO27 = ('YwEAAAABAAAAAQAAAEMAAABzCQAAAGQBAEdIZAAAUygCAAAATnMrAAAAUGxheXdpMC'
          'dzIGJsb2cgdXJsIGlzIGh0dHA6Ly93d3cucGxheXdpMC5jbigAAAAAKAEAAAB0BAAA'
          'AHNlbGYoAAAAACgAAAAAcxgAAAAvaG9tZS9wbGF5d2luL3B5L3Rlc3QucHl0BAAAAG'
          'VjaG8DAAAAcwIAAAAAAQ==')
# A Lambda function of a model config as quoted in a decoding script: one
# byte of it is not marshal data (type code '*'), so nothing can read it.
BROKEN = ('4wEAAAAAAAAAAQAAAAMAAABDAAAAcxAAAAB8AGQBGQB8AGQCGQAbAFMAKQNO6QAAAA'
          'DpAQAAAKkAKgHaAXhyAwAAAHIDAAAA+h88aXB5dGhvbi1pbnB1dC0xMi0wNzc4YjAx'
          'MGY0Mzc+2gg8bGFtYmRhPiIAAABzAAAAAA==')


def _source(encoded):
    import base64
    return legacy_bytecode.decompile(base64.b64decode(encoded))


def test_real_lambdas_of_python_36_and_38_compute_their_formula():
    x = np.array([[1., -2.], [0.5, 3.]], 'float32')
    assert _source(POLY38)[2] == '3.8' and _source(LAST36)[2] == '3.6'
    np.testing.assert_allclose(func_load([POLY38, None, None])(x),
                               x ** 2 + x)
    np.testing.assert_allclose(func_load([ID38, None, None])(x), x)
    tt = np.arange(12.).reshape(2, 3, 2)
    np.testing.assert_allclose(func_load([LAST36, None, None])(tt),
                               tt[:, -1, :])
    assert func_load([POLY38, None, None]).__name__ == '<lambda>'


def test_real_def_function_with_statements_and_tf_global(capsys):
    fn = func_load([ONEHOT38, [100], None])
    assert fn.__name__ == 'onehot' and fn.__defaults__ == (100,)
    assert 'x = tf.exp(x * exp)' in fn.__recovered_source__
    x = np.array([[0., -0.01], [-0.02, 0.005]], 'float32')
    expected = np.exp(100 * (x - x.max()))
    np.testing.assert_allclose(np.asarray(fn(x)), expected, rtol=1e-5)
    out = func_load([PRINT38, None, None])(x)
    np.testing.assert_allclose(out, x)
    assert capsys.readouterr().out == 'SFRCe24wdF9zb\n'


def test_real_python_27_function_source():
    source, code, version = _source(FUN27)
    assert version == '2.7' and code.name == 'fun2'
    assert "return frames_data[-6][1]['flag'].flag" in source


def test_unsupported_and_unreadable_bytecode_name_the_layer():
    with pytest.raises(ValueError, match=r"layer 'echo_layer'.*PRINT|"
                       r"layer 'echo_layer'.*opcode 71.*recovered"):
        func_load([ECHO27, None, None], name='echo_layer')
    with pytest.raises(ValueError, match="layer 'l'.*another Python "
                                         "version"):
        func_load([BROKEN, None, None], name='l')


# --- hand-assembled code objects --------------------------------------------

def _marshal(value, layout):
    if value is None:
        return b'N'
    if isinstance(value, _Code):
        return value.dump(layout)
    if isinstance(value, int):
        return b'i' + struct.pack('<i', value)
    if isinstance(value, float):
        return b'g' + struct.pack('<d', value)
    if isinstance(value, str):
        return (b't' if layout == '2.7' else b'u') + \
            struct.pack('<i', len(value)) + value.encode()
    if isinstance(value, bytes):
        return b's' + struct.pack('<i', len(value)) + value
    assert isinstance(value, tuple)
    return b'(' + struct.pack('<i', len(value)) + \
        b''.join(_marshal(v, layout) for v in value)


class _Code(object):
    def __init__(self, code, consts=(None,), names=(), varnames=('x',),
                 argcount=1, freevars=(), cellvars=(), name='<lambda>',
                 flags=0x43):
        self.__dict__.update(locals())

    def dump(self, layout):
        counts = {'2.7': [self.argcount, len(self.varnames), 8, self.flags],
                  '3.0': [self.argcount, 0, len(self.varnames), 8,
                          self.flags],
                  '3.8': [self.argcount, 0, 0, len(self.varnames), 8,
                          self.flags]}[layout]
        fields = (self.code, self.consts, self.names, self.varnames,
                  self.freevars, self.cellvars, 'test.py', self.name)
        return b'c' + struct.pack('<%di' % len(counts), *counts) + \
            b''.join(_marshal(f, layout) for f in fields) + \
            struct.pack('<i', 1) + _marshal(b'', layout)


def _wordcode(*ops):
    """3.6+: two bytes an instruction."""
    return bytes(b for op in ops for b in (op if len(op) == 2 else
                                             (op[0], 0)))


def _bytecode(*ops):
    """2.7 / 3.5: one byte, or three with a 16-bit argument."""
    out = []
    for op in ops:
        out += [op[0]] if len(op) == 1 else [op[0], op[1] & 0xff, op[1] >> 8]
    return bytes(out)


def _load(code, layout, defaults=None, closure=None, globs=None):
    import base64
    data = base64.b64encode(_marshal(code, layout)).decode()
    return func_load([data, defaults, closure], globs=globs)


# Opcode numbers (CPython Lib/opcode.py, 2.7 to 3.10).
LOAD_FAST, LOAD_CONST, LOAD_GLOBAL, LOAD_ATTR, LOAD_DEREF = \
    124, 100, 116, 106, 136
RETURN_VALUE, BINARY_ADD, BINARY_MULTIPLY, BINARY_SUBSCR = 83, 23, 20, 25
CALL_FUNCTION, CALL_FUNCTION_KW, LOAD_METHOD, CALL_METHOD = 131, 141, 160, 161
POP_JUMP_IF_FALSE, JUMP_FORWARD, BUILD_LIST, BUILD_SLICE = 114, 110, 103, 133
STORE_FAST, UNPACK_SEQUENCE, MAKE_FUNCTION, LOAD_CLOSURE = 125, 92, 132, 135
BUILD_TUPLE, IS_OP, LIST_EXTEND, BINARY_DIVIDE = 102, 117, 162, 21


def test_python_35_keyword_call_and_36_call_function_kw():
    x = np.array([[1., 2.], [3., 5.]], 'float32')
    # lambda x: K.mean(x, axis=1)   (3.5: keyword pairs on the stack)
    code35 = _Code(_bytecode((LOAD_GLOBAL, 0), (LOAD_ATTR, 1),
                             (LOAD_FAST, 0), (LOAD_CONST, 1),
                             (LOAD_CONST, 2), (CALL_FUNCTION, 0x101),
                             (RETURN_VALUE,)),
                   (None, 'axis', 1), ('K', 'mean'))
    # (3.6: CALL_FUNCTION_KW with the names tuple)
    code36 = _Code(_wordcode((LOAD_GLOBAL, 0), (LOAD_ATTR, 1),
                             (LOAD_FAST, 0), (LOAD_CONST, 1),
                             (LOAD_CONST, 2), (CALL_FUNCTION_KW, 2),
                             (RETURN_VALUE,)),
                   (None, 1, ('axis',)), ('K', 'mean'))
    for code in (code35, code36):
        np.testing.assert_allclose(np.asarray(_load(code, '3.0')(x)),
                                   [1.5, 4.0])
    # Keras < 2.1.2 wrote the bytecode as raw-unicode-escaped text.
    text = _marshal(code35, '3.0').decode('raw_unicode_escape')
    np.testing.assert_allclose(np.asarray(func_load(text)(x)), [1.5, 4.0])


def test_python_37_method_calls():
    # lambda x: K.sqrt(K.square(x) + 0.001)
    code = _Code(_wordcode((LOAD_GLOBAL, 0), (LOAD_METHOD, 1),
                           (LOAD_GLOBAL, 0), (LOAD_METHOD, 2),
                           (LOAD_FAST, 0), (CALL_METHOD, 1), (LOAD_CONST, 1),
                           (BINARY_ADD,), (CALL_METHOD, 1), (RETURN_VALUE,)),
                 (None, 0.001), ('K', 'sqrt', 'square'))
    x = np.array([3., -4.], 'float32')
    np.testing.assert_allclose(np.asarray(_load(code, '3.0')(x)),
                               np.sqrt(x ** 2 + 0.001), rtol=1e-6)


@pytest.mark.parametrize('layout_jump', [12, 6])
def test_conditional_return_of_python_38_and_310(layout_jump):
    # lambda x, training=None: x * 0.5 if training else x
    # (3.8/3.9 jump to byte 12, 3.10 to instruction 6)
    code = _Code(_wordcode((LOAD_FAST, 1), (POP_JUMP_IF_FALSE, layout_jump),
                           (LOAD_FAST, 0), (LOAD_CONST, 1),
                           (BINARY_MULTIPLY,), (RETURN_VALUE,),
                           (LOAD_FAST, 0), (RETURN_VALUE,)),
                 (None, 0.5), (), ('x', 'training'), argcount=2)
    fn = _load(code, '3.8', defaults=[None])
    assert fn(4.0) == 4.0 and fn(4.0, True) == 2.0


def test_conditional_expression_inside_a_call():
    # lambda x: K.clip(x, 0.0 if low else -1.0, 1.0)   (3.8)
    code = _Code(_wordcode((LOAD_GLOBAL, 0), (LOAD_METHOD, 1),
                           (LOAD_FAST, 0), (LOAD_GLOBAL, 2),
                           (POP_JUMP_IF_FALSE, 14), (LOAD_CONST, 1),
                           (JUMP_FORWARD, 2), (LOAD_CONST, 2),
                           (LOAD_CONST, 3), (CALL_METHOD, 3),
                           (RETURN_VALUE,)),
                 (None, 0.0, -1.0, 1.0), ('K', 'clip', 'low'))
    x = np.array([-3., -0.5, 2.], 'float32')
    for low, bottom in ((True, 0.), (False, -1.)):
        fn = _load(code, '3.8', globs={'low': low})
        np.testing.assert_allclose(np.asarray(fn(x)),
                                   np.clip(x, bottom, 1.))


def test_python_39_list_extend_and_is_op():
    # lambda t: K.concatenate([t[0], *t[1:]], axis=-1)
    code = _Code(_wordcode((LOAD_GLOBAL, 0), (LOAD_ATTR, 1), (LOAD_FAST, 0),
                           (LOAD_CONST, 1), (BINARY_SUBSCR,),
                           (BUILD_LIST, 1), (LOAD_FAST, 0), (LOAD_CONST, 2),
                           (LOAD_CONST, 0), (BUILD_SLICE, 2),
                           (BINARY_SUBSCR,), (LIST_EXTEND, 1),
                           (LOAD_CONST, 3), (LOAD_CONST, 4),
                           (CALL_FUNCTION_KW, 2), (RETURN_VALUE,)),
                 (None, 0, 1, -1, ('axis',)), ('K', 'concatenate'),
                 ('t',))
    parts = [np.ones((1, 2), 'float32') * i for i in range(3)]
    np.testing.assert_allclose(np.asarray(_load(code, '3.8')(parts)),
                               np.concatenate(parts, axis=-1))
    # lambda x, m=None: x if m is None else x * m
    code = _Code(_wordcode((LOAD_FAST, 1), (LOAD_CONST, 0), (IS_OP, 0),
                           (POP_JUMP_IF_FALSE, 12), (LOAD_FAST, 0),
                           (RETURN_VALUE,), (LOAD_FAST, 0), (LOAD_FAST, 1),
                           (BINARY_MULTIPLY,), (RETURN_VALUE,)),
                 (None,), (), ('x', 'm'), argcount=2)
    fn = _load(code, '3.8', defaults=[None])
    assert fn(3.0) == 3.0 and fn(3.0, 2.0) == 6.0


def test_python_27_classic_division():
    # lambda x: x / 2 + 1.0   (Python 2 without `from __future__ import
    # division`: integers floor-divide)
    code = _Code(_bytecode((LOAD_FAST, 0), (LOAD_CONST, 1),
                           (BINARY_DIVIDE,), (LOAD_CONST, 2), (BINARY_ADD,),
                           (RETURN_VALUE,)), (None, 2, 1.0))
    fn = _load(code, '2.7')
    assert fn(7) == 4.0
    np.testing.assert_allclose(fn(np.array([7.], 'float32')), [4.5])


def test_closures_of_saved_and_nested_lambdas():
    # lambda x: x * scale, `scale` a free variable saved with the function
    # (Python 3.5)
    code = _Code(_bytecode((LOAD_FAST, 0), (LOAD_DEREF, 0),
                           (BINARY_MULTIPLY,), (RETURN_VALUE,)),
                 freevars=('scale',), flags=0x13)
    assert _load(code, '3.0', closure=[3.0])(2.0) == 6.0
    # lambda x, n: sum(map(lambda r: r * n, x))   (3.6, closure cell `n`)
    inner = _Code(_wordcode((LOAD_FAST, 0), (LOAD_DEREF, 0),
                            (BINARY_MULTIPLY,), (RETURN_VALUE,)),
                  varnames=('r',), freevars=('n',), flags=0x13)
    outer = _Code(_wordcode((LOAD_GLOBAL, 0), (LOAD_GLOBAL, 1),
                            (LOAD_CLOSURE, 0), (BUILD_TUPLE, 1),
                            (LOAD_CONST, 1), (LOAD_CONST, 2),
                            (MAKE_FUNCTION, 8), (LOAD_FAST, 0),
                            (CALL_FUNCTION, 2), (CALL_FUNCTION, 1),
                            (RETURN_VALUE,)),
                  (None, inner, '<lambda>.<locals>.<lambda>'),
                  ('sum', 'map'), ('x', 'n'), argcount=2, cellvars=('n',),
                  flags=0x03)
    assert _load(outer, '3.0')([1, 2, 3], 2) == 12


def test_def_with_tuple_unpacking():
    # def sampling(args): z_mean, z_log_var = args
    #                     return z_mean + K.exp(0.5 * z_log_var)   (3.6)
    code = _Code(_wordcode((LOAD_FAST, 0), (UNPACK_SEQUENCE, 2),
                           (STORE_FAST, 1), (STORE_FAST, 2), (LOAD_FAST, 1),
                           (LOAD_GLOBAL, 0), (LOAD_ATTR, 1), (LOAD_CONST, 1),
                           (LOAD_FAST, 2), (BINARY_MULTIPLY,),
                           (CALL_FUNCTION, 1), (BINARY_ADD,),
                           (RETURN_VALUE,)),
                 (None, 0.5), ('K', 'exp'), ('args', 'z_mean', 'z_log_var'),
                 name='sampling')
    mean = np.array([[1., 2.]], 'float32')
    log_var = np.array([[0., 2.]], 'float32')
    fn = _load(code, '3.0')
    assert fn.__name__ == 'sampling'
    np.testing.assert_allclose(np.asarray(fn([mean, log_var])),
                               mean + np.exp(0.5 * log_var), rtol=1e-6)


def test_model_from_json_with_a_real_python_38_lambda():
    from keras_compat.models import model_from_json
    config = {'class_name': 'Sequential', 'keras_version': '2.4.0',
              'backend': 'tensorflow', 'config': {'name': 's', 'layers': [
                  {'class_name': 'Dense', 'config': {
                      'name': 'dense_1', 'units': 3, 'use_bias': False,
                      'activation': 'linear',
                      'batch_input_shape': [None, 2]}},
                  # the layer config quoted with lenet_mnist_onehot.h5
                  {'class_name': 'Lambda', 'config': {
                      'name': 'lambda', 'trainable': True,
                      'dtype': 'float32',
                      'function': [ONEHOT38, [100], None],
                      'function_type': 'lambda', 'module': '__main__',
                      'output_shape': None, 'output_shape_type': 'raw',
                      'output_shape_module': None, 'arguments': {}}},
                  {'class_name': 'Lambda', 'config': {
                      'name': 'poly', 'function': [POLY38, None, None],
                      'function_type': 'lambda', 'module': '__main__',
                      'output_shape': None, 'output_shape_type': 'raw',
                      'output_shape_module': None, 'arguments': {}}}]}}
    model = model_from_json(json.dumps(config))
    kernel = np.array([[0.01, -0.02, 0.], [0.005, 0.01, -0.01]], 'float32')
    model.layers[0].set_weights([kernel])
    x = np.array([[1., 0.5], [-1., 2.]], 'float32')
    dense = x @ kernel
    onehot = np.exp(100 * (dense - dense.max()))
    np.testing.assert_allclose(model.predict(x), onehot ** 2 + onehot,
                               rtol=1e-5)
