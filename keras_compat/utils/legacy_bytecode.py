"""Functions of Lambda layers saved as the bytecode of an older Python.

Keras 2 saves a Lambda layer's function as `marshal.dumps(func.__code__)`,
and bytecode only loads into the Python version that wrote it. This module
reads the marshal data of CPython 2.7 and 3.5 to 3.10 by itself, turns the
code object back into Python source by running its bytecode symbolically
(the operations, calls, subscripts, conditional expressions and straight-line
statements that Lambda functions hold), and compiles that source with the
running Python. Anything else raises `UnsupportedBytecode`.
"""
import keyword
import struct
import sys
import types


class UnsupportedBytecode(ValueError):
    """The bytecode is not of a known Python version, or uses what the
    source recovery does not cover."""


# ---------------------------------------------------------------- marshal

_FLAG_REF = 0x80
_NULL = object()


class LegacyCode(object):
    """A code object read from another Python version's marshal data."""

    def __init__(self, layout, fields):
        self.layout = layout
        self.__dict__.update(fields)


class _Reader(object):
    """Reads marshal data with the code object layout `layout`: '2.7'
    (4 counts), '3.0' (5 counts: 3.0 to 3.7) or '3.8' (6 counts: 3.8 to
    3.10)."""

    def __init__(self, data, layout):
        self.data = data
        self.pos = 0
        self.layout = layout
        self.refs = []
        self.interned = []

    def _take(self, n):
        if self.pos + n > len(self.data):
            raise UnsupportedBytecode('truncated marshal data')
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def _int32(self):
        return struct.unpack('<i', self._take(4))[0]

    def _byte(self):
        return self._take(1)[0]

    def read(self):
        code = self._byte()
        flag = code & _FLAG_REF
        if flag and self.layout == '2.7':
            raise UnsupportedBytecode('marshal reference flag in 2.x data')
        kind = chr(code & ~_FLAG_REF)
        index = None
        if flag:
            index = len(self.refs)
            self.refs.append(None)
        value = self._value(kind, index)
        if flag:
            self.refs[index] = value
        return value

    def _value(self, kind, index):
        simple = {'N': None, 'F': False, 'T': True, '.': Ellipsis,
                  'S': StopIteration, '0': _NULL}
        if kind in simple:
            return simple[kind]
        reader = getattr(self, '_read_' + _KIND_NAMES.get(kind, 'unknown'))
        return reader(kind, index)

    def _read_unknown(self, kind, index):
        raise UnsupportedBytecode('unknown marshal type code %r' % kind)

    def _read_int(self, kind, index):
        return self._int32()

    def _read_int64(self, kind, index):
        return struct.unpack('<q', self._take(8))[0]

    def _read_long(self, kind, index):
        n = self._int32()
        value = 0
        for i in range(abs(n)):
            value |= struct.unpack('<H', self._take(2))[0] << (15 * i)
        return -value if n < 0 else value

    def _read_float(self, kind, index):
        return float(self._take(self._byte()).decode('ascii'))

    def _read_binary_float(self, kind, index):
        return struct.unpack('<d', self._take(8))[0]

    def _read_complex(self, kind, index):
        real = float(self._take(self._byte()).decode('ascii'))
        return complex(real, float(self._take(self._byte()).decode('ascii')))

    def _read_binary_complex(self, kind, index):
        return complex(*struct.unpack('<dd', self._take(16)))

    def _read_bytes(self, kind, index):
        data = self._take(self._int32())
        if kind == 't' and self.layout == '2.7':
            self.interned.append(data)
        elif kind == 't':
            return data.decode('utf-8', 'surrogatepass')
        return data

    def _read_stringref(self, kind, index):
        if self.layout != '2.7':
            raise UnsupportedBytecode('string reference in 3.x data')
        return self.interned[self._int32()]

    def _read_unicode(self, kind, index):
        return self._take(self._int32()).decode('utf-8', 'surrogatepass')

    def _read_ascii(self, kind, index):
        size = self._byte() if kind in 'zZ' else self._int32()
        return self._take(size).decode('latin-1')

    def _read_tuple(self, kind, index):
        size = self._byte() if kind == ')' else self._int32()
        items = tuple(self.read() for _ in range(size))
        return items if kind in '()' else list(items)

    def _read_dict(self, kind, index):
        result = {}
        while True:
            key = self.read()
            if key is _NULL:
                return result
            result[key] = self.read()

    def _read_set(self, kind, index):
        items = [self.read() for _ in range(self._int32())]
        return frozenset(items) if kind == '>' else set(items)

    def _read_ref(self, kind, index):
        ref = self._int32()
        if not 0 <= ref < len(self.refs) or self.refs[ref] is None:
            raise UnsupportedBytecode('bad marshal reference %d' % ref)
        return self.refs[ref]

    def _read_code(self, kind, index):
        names = _CODE_COUNTS[self.layout]
        fields = {name: self._int32() for name in names}
        fields.setdefault('posonlyargcount', 0)
        fields.setdefault('kwonlyargcount', 0)
        for name in ('code', 'consts', 'names', 'varnames', 'freevars',
                     'cellvars', 'filename', 'name'):
            fields[name] = self.read()
        fields['firstlineno'] = self._int32()
        fields['lnotab'] = self.read()
        code = LegacyCode(self.layout, fields)
        _check_code(code)
        return code


_KIND_NAMES = {
    'i': 'int', 'I': 'int64', 'l': 'long', 'f': 'float',
    'g': 'binary_float', 'x': 'complex', 'y': 'binary_complex',
    's': 'bytes', 't': 'bytes', 'R': 'stringref', 'u': 'unicode',
    'a': 'ascii', 'A': 'ascii', 'z': 'ascii', 'Z': 'ascii',
    '(': 'tuple', ')': 'tuple', '[': 'tuple', '{': 'dict',
    '<': 'set', '>': 'set', 'r': 'ref', 'c': 'code'}

_CODE_COUNTS = {
    '2.7': ('argcount', 'nlocals', 'stacksize', 'flags'),
    '3.0': ('argcount', 'kwonlyargcount', 'nlocals', 'stacksize',
            'flags'),
    '3.8': ('argcount', 'posonlyargcount', 'kwonlyargcount', 'nlocals',
            'stacksize', 'flags'),
}


def _names(value, py2):
    if py2 and isinstance(value, tuple):
        value = tuple(v.decode('latin-1') if isinstance(v, bytes) else v
                      for v in value)
    if not isinstance(value, tuple) or \
            not all(isinstance(v, str) for v in value):
        raise UnsupportedBytecode('bad name table')
    return value


def _check_code(code):
    """Validates a code object read with one layout (a wrong layout
    misreads the fields), normalising 2.x strings to str."""
    py2 = code.layout == '2.7'
    if not isinstance(code.code, bytes) or \
            not isinstance(code.consts, tuple) or \
            not isinstance(code.lnotab, bytes):
        raise UnsupportedBytecode('bad code object fields')
    for name in ('names', 'varnames', 'freevars', 'cellvars'):
        setattr(code, name, _names(getattr(code, name), py2))
    for name in ('filename', 'name'):
        value = getattr(code, name)
        if py2 and isinstance(value, bytes):
            value = value.decode('latin-1')
        if not isinstance(value, str):
            raise UnsupportedBytecode('bad code object name')
        setattr(code, name, value)
    if py2:
        code.consts = tuple(c.decode('latin-1') if isinstance(c, bytes)
                            else c for c in code.consts)
    nargs = code.argcount + code.kwonlyargcount + \
        bool(code.flags & 0x04) + bool(code.flags & 0x08)
    if code.nlocals != len(code.varnames) or nargs > code.nlocals or \
            code.posonlyargcount > code.argcount or code.argcount < 0:
        raise UnsupportedBytecode('inconsistent code object counts')


def read_code(data):
    """The LegacyCode of marshal data written by Python 2.7 or 3.x before
    3.11 (the layout is found by reading with each and validating)."""
    if not data or data[0] & ~_FLAG_REF != ord('c'):
        raise UnsupportedBytecode('not a marshalled code object')
    errors = []
    for layout in ('3.8', '3.0', '2.7'):
        reader = _Reader(data, layout)
        try:
            code = reader.read()
        except (UnsupportedBytecode, UnicodeDecodeError, ValueError,
                IndexError, struct.error, RecursionError) as e:
            errors.append('%s: %s' % (layout, e))
            continue
        if reader.pos == len(data):
            return code
        errors.append('%s: trailing data' % layout)
    raise UnsupportedBytecode('no known code object layout fits (%s)'
                              % '; '.join(errors))


# ---------------------------------------------------------------- opcodes

# Opcode numbers of the operations handled, from CPython's Lib/opcode.py
# of each version (numbers shared by 2.7 and 3.x are listed once).
_COMMON = {
    1: 'POP_TOP', 2: 'ROT_TWO', 4: 'DUP_TOP', 9: 'NOP',
    10: 'UNARY_POSITIVE', 11: 'UNARY_NEGATIVE', 12: 'UNARY_NOT',
    15: 'UNARY_INVERT', 19: 'BINARY_POWER', 20: 'BINARY_MULTIPLY',
    22: 'BINARY_MODULO', 23: 'BINARY_ADD', 24: 'BINARY_SUBTRACT',
    25: 'BINARY_SUBSCR', 26: 'BINARY_FLOOR_DIVIDE',
    27: 'BINARY_TRUE_DIVIDE', 28: 'INPLACE_FLOOR_DIVIDE',
    29: 'INPLACE_TRUE_DIVIDE', 55: 'INPLACE_ADD', 56: 'INPLACE_SUBTRACT',
    57: 'INPLACE_MULTIPLY', 59: 'INPLACE_MODULO', 62: 'BINARY_LSHIFT',
    63: 'BINARY_RSHIFT', 64: 'BINARY_AND', 65: 'BINARY_XOR',
    66: 'BINARY_OR', 67: 'INPLACE_POWER', 75: 'INPLACE_LSHIFT',
    76: 'INPLACE_RSHIFT', 77: 'INPLACE_AND', 78: 'INPLACE_XOR',
    79: 'INPLACE_OR', 83: 'RETURN_VALUE', 90: 'STORE_NAME',
    92: 'UNPACK_SEQUENCE', 100: 'LOAD_CONST', 101: 'LOAD_NAME',
    102: 'BUILD_TUPLE', 103: 'BUILD_LIST', 104: 'BUILD_SET',
    105: 'BUILD_MAP', 106: 'LOAD_ATTR', 107: 'COMPARE_OP',
    110: 'JUMP_FORWARD', 111: 'JUMP_IF_FALSE_OR_POP',
    112: 'JUMP_IF_TRUE_OR_POP', 113: 'JUMP_ABSOLUTE',
    114: 'POP_JUMP_IF_FALSE', 115: 'POP_JUMP_IF_TRUE',
    116: 'LOAD_GLOBAL', 124: 'LOAD_FAST', 125: 'STORE_FAST',
    131: 'CALL_FUNCTION', 132: 'MAKE_FUNCTION', 133: 'BUILD_SLICE',
    135: 'LOAD_CLOSURE', 136: 'LOAD_DEREF', 137: 'STORE_DEREF',
}



def _table(extra, base=_COMMON):
    table = dict(base)
    table.update(extra)
    return table


_OPCODES = {
    # 2.7: classic division, Python 2 slices, STORE_MAP, the 3.5-style
    # calls, EXTENDED_ARG 145.
    '2.7': _table({
        21: 'BINARY_DIVIDE', 58: 'INPLACE_DIVIDE', 30: 'SLICE+0',
        31: 'SLICE+1', 32: 'SLICE+2', 33: 'SLICE+3', 54: 'STORE_MAP',
        134: 'MAKE_CLOSURE', 140: 'CALL_FUNCTION_VAR',
        141: 'CALL_FUNCTION_KW', 142: 'CALL_FUNCTION_VAR_KW',
        145: 'EXTENDED_ARG'}),
    '3.5': _table({
        16: 'BINARY_MATRIX_MULTIPLY', 17: 'INPLACE_MATRIX_MULTIPLY',
        134: 'MAKE_CLOSURE', 140: 'CALL_FUNCTION_VAR',
        141: 'CALL_FUNCTION_KW', 142: 'CALL_FUNCTION_VAR_KW',
        144: 'EXTENDED_ARG', 149: 'BUILD_LIST_UNPACK',
        150: 'BUILD_MAP_UNPACK', 151: 'BUILD_MAP_UNPACK_WITH_CALL',
        152: 'BUILD_TUPLE_UNPACK'}),
    # 3.6 and 3.7 (3.7 adds LOAD_METHOD / CALL_METHOD).
    '3.6': _table({
        16: 'BINARY_MATRIX_MULTIPLY', 17: 'INPLACE_MATRIX_MULTIPLY',
        141: 'CALL_FUNCTION_KW', 142: 'CALL_FUNCTION_EX',
        144: 'EXTENDED_ARG', 149: 'BUILD_LIST_UNPACK',
        150: 'BUILD_MAP_UNPACK', 151: 'BUILD_MAP_UNPACK_WITH_CALL',
        152: 'BUILD_TUPLE_UNPACK', 156: 'BUILD_CONST_KEY_MAP',
        158: 'BUILD_TUPLE_UNPACK_WITH_CALL', 160: 'LOAD_METHOD',
        161: 'CALL_METHOD'}),
}
# 3.8 and 3.9 (3.9 replaces the BUILD_*_UNPACK operations by LIST_EXTEND
# and friends under numbers 3.8 does not use for them, and moves `is` /
# `in` out of COMPARE_OP); 3.10 has the same numbers with jump arguments
# counted in instructions.
_OPCODES['3.8'] = _table({
    82: 'LIST_TO_TUPLE', 117: 'IS_OP', 118: 'CONTAINS_OP',
    162: 'LIST_EXTEND', 164: 'DICT_MERGE', 165: 'DICT_UPDATE'},
    _OPCODES['3.6'])
_OPCODES['3.10'] = _OPCODES['3.8']

_HAVE_ARGUMENT = 90
_WORDCODE = ('3.6', '3.8', '3.10')
_CANDIDATES = {'2.7': ('2.7',), '3.0': ('3.6', '3.5'),
               '3.8': ('3.8', '3.10')}
_VERSION_NAMES = {'2.7': 'Python 2.7', '3.5': 'Python 3.5',
                  '3.6': 'Python 3.6/3.7', '3.8': 'Python 3.8/3.9',
                  '3.10': 'Python 3.10'}

_ABSOLUTE_JUMPS = ('JUMP_IF_FALSE_OR_POP', 'JUMP_IF_TRUE_OR_POP',
                   'JUMP_ABSOLUTE', 'POP_JUMP_IF_FALSE', 'POP_JUMP_IF_TRUE')

_BINARY = {
    'POWER': '**', 'MULTIPLY': '*', 'MATRIX_MULTIPLY': '@', 'MODULO': '%',
    'ADD': '+', 'SUBTRACT': '-', 'FLOOR_DIVIDE': '//',
    'TRUE_DIVIDE': '/', 'LSHIFT': '<<', 'RSHIFT': '>>', 'AND': '&',
    'XOR': '^', 'OR': '|', 'DIVIDE': '/'}
_UNARY = {'UNARY_POSITIVE': '+', 'UNARY_NEGATIVE': '-',
          'UNARY_NOT': 'not ', 'UNARY_INVERT': '~'}
_COMPARE = ('<', '<=', '==', '!=', '>', '>=', 'in', 'not in', 'is',
            'is not')
_PY2_DIVISION = '_py2_classic_division'


class _Instruction(object):
    __slots__ = ('offset', 'name', 'arg', 'next')

    def __init__(self, offset, name, arg, next_offset):
        self.offset, self.name, self.arg = offset, name, arg
        self.next = next_offset


def _instructions(code, version):
    """The instructions of `code` under `version`'s opcode table, as a
    dict by offset, with jump arguments turned into target offsets."""
    table = _OPCODES[version]
    raw = code.code
    result = {}
    pos, extended, start = 0, 0, None
    while pos < len(raw):
        start = pos if start is None else start
        op = raw[pos]
        if version in _WORDCODE:
            if pos + 1 >= len(raw):
                raise UnsupportedBytecode('odd wordcode length')
            arg, pos = raw[pos + 1] | extended, pos + 2
        elif op >= _HAVE_ARGUMENT:
            if pos + 2 >= len(raw):
                raise UnsupportedBytecode('truncated instruction')
            arg = (raw[pos + 1] | raw[pos + 2] << 8) | extended
            pos += 3
        else:
            arg, pos = None, pos + 1
        name = table.get(op)
        if name is None:
            raise UnsupportedBytecode('opcode %d at offset %d' % (op, start))
        if name == 'EXTENDED_ARG':
            extended = arg << (8 if version in _WORDCODE else 16)
            continue
        if version == '3.10' and (name in _ABSOLUTE_JUMPS or
                                  name == 'JUMP_FORWARD'):
            arg *= 2
        if name == 'JUMP_FORWARD':
            arg += pos
        result[start] = _Instruction(start, name, arg, pos)
        extended, start = 0, None
    return result


# ---------------------------------------------------------------- source

class _Expr(object):
    """A value on the symbolic stack: its source text, whether it needs
    no parentheses as an operand (`atom`), and, for tuples, lists, dicts
    and slices under construction, their parts."""

    def __init__(self, text, atom=True, kind=None, parts=None, value=_NULL):
        self.text, self.atom, self.kind = text, atom, kind
        self.parts, self.value = parts, value

    def operand(self):
        if self.kind == 'slice':
            raise UnsupportedBytecode('slice outside a subscript')
        return self.text if self.atom else '(%s)' % self.text


def _const_source(value):
    if isinstance(value, float):
        if value != value or value in (float('inf'), float('-inf')):
            return "float('%r')" % value
        return repr(value)
    if isinstance(value, complex):
        return 'complex(%s, %s)' % (_const_source(value.real),
                                    _const_source(value.imag))
    if isinstance(value, tuple):
        inner = ', '.join(_const_source(v) for v in value)
        return '(%s,)' % inner if len(value) == 1 else '(%s)' % inner
    if isinstance(value, frozenset):
        return 'frozenset({%s})' % ', '.join(_const_source(v) for v in value)
    if value is Ellipsis:
        return '...'
    if value is None or isinstance(value, (bool, int, str, bytes)):
        return repr(value)
    raise UnsupportedBytecode('constant of type %s' % type(value).__name__)


def _const(value):
    text = _const_source(value)
    atom = not (isinstance(value, (int, float)) and value < 0 or
                isinstance(value, complex))
    if isinstance(value, tuple):
        parts = [('pos', _const(v)) for v in value]
        return _Expr(text, True, 'tuple', parts, value)
    return _Expr(text, atom, None, None, value)


def _check_name(name):
    if not name.isidentifier() or keyword.iskeyword(name):
        raise UnsupportedBytecode('name %r is not an identifier here'
                                  % name)
    return name


def _sequence(kind, parts):
    items = [('*' + expr.operand()) if how == 'star' else expr.text
             for how, expr in parts]
    text = ', '.join(items)
    if kind == 'tuple':
        text = '(%s,)' % text if len(items) == 1 else '(%s)' % text
    elif kind == 'list':
        text = '[%s]' % text
    else:
        text = '{%s}' % text if items else 'set()'
    return _Expr(text, True, kind, list(parts))


def _dict(parts):
    items = []
    for key, value in parts:
        items.append('**' + value.operand() if key is None
                     else '%s: %s' % (key.text, value.text))
    return _Expr('{%s}' % ', '.join(items), True, 'dict', list(parts))


def _call(func, args, kwargs):
    """`func(...)` from positional parts [('pos'|'star', expr)] and
    keyword parts [(name or None for **, expr)]."""
    items = []
    for how, expr in args:
        items.append(('*' if how == 'star' else '') +
                     (expr.operand() if how == 'star' else expr.text))
    for name, expr in kwargs:
        items.append('**' + expr.operand() if name is None
                     else '%s=%s' % (_check_name(name), expr.text))
    return _Expr('%s(%s)' % (func.operand(), ', '.join(items)))


def _subscript(base, index):
    if index.kind == 'tuple' and index.parts and index.value is _NULL and \
            all(how == 'pos' for how, _ in index.parts):
        inner = ', '.join(e.text for _, e in index.parts)
        if len(index.parts) == 1:
            inner += ','
    else:
        inner = index.text
    return _Expr('%s[%s]' % (base.operand(), inner))


class _Frame(object):
    """Runs the bytecode of one code object symbolically."""

    def __init__(self, code, version):
        self.code = code
        self.version = version
        self.py2 = version == '2.7'
        self.at = _instructions(code, version)
        self.offsets = sorted(self.at)
        self.uses_py2_division = False

    # -- names
    def deref_name(self, index):
        cells = self.code.cellvars + self.code.freevars
        if not 0 <= index < len(cells):
            raise UnsupportedBytecode('bad cell index %d' % index)
        return cells[index]

    def table(self, name, index):
        values = getattr(self.code, name)
        if not 0 <= index < len(values):
            raise UnsupportedBytecode('bad %s index %d' % (name, index))
        return values[index]

    # -- blocks
    def block(self, pc, end, stack, lines, indent):
        """Runs [pc, end): statements go to `lines`; returns (pc where it
        stopped, stack, whether it ended in a return)."""
        while pc < end:
            ins = self.at.get(pc)
            if ins is None:
                raise UnsupportedBytecode('jump into an instruction')
            name = ins.name
            if name == 'RETURN_VALUE':
                self.statement(lines, indent, 'return ' + stack.pop().text,
                               stack)
                return end, stack, True
            if name in ('JUMP_FORWARD', 'JUMP_ABSOLUTE'):
                if ins.arg <= pc or ins.next != end:
                    raise UnsupportedBytecode('loop or unstructured jump')
                return ins.arg, stack, False
            if name in ('POP_JUMP_IF_FALSE', 'POP_JUMP_IF_TRUE'):
                pc = self.branch(ins, end, stack, lines, indent)
                continue
            if name in ('JUMP_IF_FALSE_OR_POP', 'JUMP_IF_TRUE_OR_POP'):
                pc = self.short_circuit(ins, stack, lines, indent)
                continue
            pc = self.step(ins, stack, lines, indent)
        return pc, stack, False

    def statement(self, lines, indent, text, stack):
        if stack:
            raise UnsupportedBytecode('statement inside an expression')
        lines.append('    ' * indent + text)

    def branch(self, ins, end, stack, lines, indent):
        """`if` statements and conditional expressions."""
        condition = stack.pop()
        target = ins.arg
        if not ins.next < target <= end:
            raise UnsupportedBytecode('jump out of its block')
        test = condition.text if ins.name == 'POP_JUMP_IF_FALSE' \
            else 'not %s' % condition.operand()
        depth = len(stack)
        then_lines = []
        then_end, then_stack, returned = self.block(
            ins.next, target, list(stack), then_lines, indent + 1)
        if returned:
            if not then_lines:
                raise UnsupportedBytecode('empty branch')
            self.statement(lines, indent, 'if %s:' % test, stack)
            lines.extend(then_lines)
            return target
        if then_end == target:
            # if without else
            if len(then_stack) != depth or not then_lines:
                raise UnsupportedBytecode('unbalanced branch')
            self.statement(lines, indent, 'if %s:' % test, stack)
            lines.extend(then_lines)
            return target
        if then_end < target or then_end > end:
            raise UnsupportedBytecode('unstructured jump')
        else_lines = []
        else_end, else_stack, else_returned = self.block(
            target, then_end, list(stack), else_lines, indent + 1)
        if len(then_stack) == depth + 1 and not then_lines and \
                not else_lines and not else_returned and \
                len(else_stack) == depth + 1 and else_end == then_end:
            yes, no = then_stack[-1], else_stack[-1]
            if ins.name == 'POP_JUMP_IF_TRUE':
                yes, no = no, yes
            stack.append(_Expr('%s if %s else %s' % (
                yes.operand(), condition.operand(), no.operand()),
                False, 'cond'))
            return then_end
        if len(then_stack) != depth or not then_lines or not else_lines or \
                (not else_returned and (else_end != then_end or
                                        len(else_stack) != depth)):
            raise UnsupportedBytecode('unbalanced branch')
        self.statement(lines, indent, 'if %s:' % test, stack)
        lines.extend(then_lines)
        lines.append('    ' * indent + 'else:')
        lines.extend(else_lines)
        return then_end

    def short_circuit(self, ins, stack, lines, indent):
        """`a and b` / `a or b`."""
        left = stack.pop()
        depth = len(stack)
        inner = []
        end, result, returned = self.block(ins.next, ins.arg, list(stack),
                                           inner, indent)
        if returned or inner or end != ins.arg or len(result) != depth + 1:
            raise UnsupportedBytecode('unstructured boolean operation')
        op = 'and' if ins.name == 'JUMP_IF_FALSE_OR_POP' else 'or'
        stack.append(_Expr('%s %s %s' % (left.operand(), op,
                                         result[-1].operand()), False))
        return ins.arg

    # -- straight-line operations
    def step(self, ins, stack, lines, indent):
        name = ins.name
        handler = _HANDLERS.get(name)
        if handler is not None:
            return handler(self, ins, stack, lines, indent) or ins.next
        kind = name.split('_', 1)
        if kind[0] == 'BINARY' and kind[1] in _BINARY:
            right, left = stack.pop(), stack.pop()
            stack.append(self.binary(left, kind[1], right))
        elif kind[0] == 'INPLACE' and kind[1] in _BINARY:
            right, left = stack.pop(), stack.pop()
            expr = self.binary(left, kind[1], right)
            expr.kind, expr.parts = 'inplace', (left, kind[1], right)
            stack.append(expr)
        elif name in _UNARY:
            operand = stack.pop()
            stack.append(_Expr(_UNARY[name] + operand.operand(), False))
        else:
            raise UnsupportedBytecode('operation %s' % name)
        return ins.next

    def binary(self, left, op, right):
        if op == 'DIVIDE':
            self.uses_py2_division = True
            return _Expr('%s(%s, %s)' % (_PY2_DIVISION, left.text,
                                         right.text))
        return _Expr('%s %s %s' % (left.operand(), _BINARY[op],
                                   right.operand()), False)


# -- handlers of single operations: (frame, ins, stack, lines, indent)

def _load_const(frame, ins, stack, lines, indent):
    value = frame.table('consts', ins.arg)
    if isinstance(value, LegacyCode):
        stack.append(_Expr('<code>', kind='code', value=value))
    else:
        stack.append(_const(value))


def _load_name(table):
    def load(frame, ins, stack, lines, indent):
        stack.append(_Expr(_check_name(frame.table(table, ins.arg))))
    return load


def _load_deref(frame, ins, stack, lines, indent):
    stack.append(_Expr(_check_name(frame.deref_name(ins.arg))))


def _load_closure(frame, ins, stack, lines, indent):
    stack.append(_Expr(frame.deref_name(ins.arg), kind='cell'))


def _store(frame, ins, stack, lines, indent):
    if ins.name == 'STORE_FAST':
        target = _check_name(frame.table('varnames', ins.arg))
    else:
        target = _check_name(frame.deref_name(ins.arg))
    value = stack.pop()
    shared = [i for i, e in enumerate(stack) if e is value]
    if len(shared) != len(stack):
        raise UnsupportedBytecode('statement inside an expression')
    if value.kind == 'inplace':
        left, op, right = value.parts
        if left.text != target:
            raise UnsupportedBytecode('augmented assignment to another '
                                      'target')
        text = '%s %s= %s' % (target, _BINARY[op], right.text)
    else:
        text = '%s = %s' % (target, value.text)
    lines.append('    ' * indent + text)
    for i in shared:
        stack[i] = _Expr(target)


def _dup_top(frame, ins, stack, lines, indent):
    following = frame.at.get(ins.next)
    if following is None or following.name not in ('STORE_FAST',
                                                   'STORE_DEREF'):
        raise UnsupportedBytecode('DUP_TOP outside a chained assignment')
    stack.append(stack[-1])


def _unpack(frame, ins, stack, lines, indent):
    value = stack.pop()
    if stack:
        raise UnsupportedBytecode('statement inside an expression')
    targets, pc = [], ins.next
    for _ in range(ins.arg):
        store = frame.at.get(pc)
        if store is None or store.name not in ('STORE_FAST', 'STORE_DEREF'):
            raise UnsupportedBytecode('nested unpacking')
        targets.append(_check_name(
            frame.table('varnames', store.arg) if store.name == 'STORE_FAST'
            else frame.deref_name(store.arg)))
        pc = store.next
    text = ', '.join(targets) + (',' if len(targets) == 1 else '')
    lines.append('    ' * indent + '%s = %s' % (text, value.text))
    return pc


def _pop_top(frame, ins, stack, lines, indent):
    value = stack.pop()
    frame.statement(lines, indent, value.text, stack)


def _rot_two(frame, ins, stack, lines, indent):
    raise UnsupportedBytecode('ROT_TWO (swap assignment)')


def _load_attr(frame, ins, stack, lines, indent):
    base = stack.pop()
    attr = _check_name(frame.table('names', ins.arg))
    text = base.operand()
    if isinstance(base.value, (int, float)) and not text.startswith('('):
        text = '(%s)' % text
    stack.append(_Expr('%s.%s' % (text, attr)))


_METHOD = object()


def _load_method(frame, ins, stack, lines, indent):
    _load_attr(frame, ins, stack, lines, indent)
    stack.insert(len(stack) - 1, _Expr('', kind='method', value=_METHOD))


def _call_method(frame, ins, stack, lines, indent):
    args = _pop(stack, ins.arg)
    func = stack.pop()
    if stack.pop().kind != 'method':
        raise UnsupportedBytecode('CALL_METHOD without LOAD_METHOD')
    stack.append(_call(func, [('pos', a) for a in args], []))


def _pop(stack, n):
    if n > len(stack):
        raise UnsupportedBytecode('stack underflow')
    items = stack[len(stack) - n:]
    del stack[len(stack) - n:]
    return items


def _call_function(frame, ins, stack, lines, indent):
    if frame.version in ('2.7', '3.5'):
        return _call_function_35(frame, ins, stack)
    args = _pop(stack, ins.arg)
    stack.append(_call(stack.pop(), [('pos', a) for a in args], []))


def _call_function_kw(frame, ins, stack, lines, indent):
    if frame.version in ('2.7', '3.5'):
        return _call_function_35(frame, ins, stack)
    names = stack.pop().value
    if not isinstance(names, tuple) or len(names) > ins.arg:
        raise UnsupportedBytecode('CALL_FUNCTION_KW without names')
    values = _pop(stack, ins.arg)
    npos = ins.arg - len(names)
    stack.append(_call(stack.pop(), [('pos', a) for a in values[:npos]],
                       list(zip(names, values[npos:]))))


def _call_function_35(frame, ins, stack):
    """2.7 / 3.5 calls: positional count in the low byte, keyword pairs
    in the next, then *args and **kwargs on top as the opcode says."""
    kwargs = [(None, stack.pop())] if ins.name in (
        'CALL_FUNCTION_KW', 'CALL_FUNCTION_VAR_KW') else []
    star = [('star', stack.pop())] if ins.name in (
        'CALL_FUNCTION_VAR', 'CALL_FUNCTION_VAR_KW') else []
    pairs = _pop(stack, 2 * ((ins.arg >> 8) & 0xff))
    keywords = []
    for key, value in zip(pairs[::2], pairs[1::2]):
        if not isinstance(key.value, str):
            raise UnsupportedBytecode('keyword name not a constant')
        keywords.append((key.value, value))
    args = [('pos', a) for a in _pop(stack, ins.arg & 0xff)]
    stack.append(_call(stack.pop(), args + star, keywords + kwargs))


def _call_function_var(frame, ins, stack, lines, indent):
    _call_function_35(frame, ins, stack)


def _call_function_ex(frame, ins, stack, lines, indent):
    kwargs = stack.pop() if ins.arg & 1 else None
    args = stack.pop()
    func = stack.pop()
    if args.kind == 'tuple' and args.parts is not None:
        positional = list(args.parts)
    else:
        positional = [('star', args)]
    keywords = []
    if kwargs is not None:
        keywords = _keyword_parts(kwargs)
    stack.append(_call(func, positional, keywords))


def _keyword_parts(expr):
    if expr.kind != 'dict' or expr.parts is None:
        return [(None, expr)]
    result = []
    for key, value in expr.parts:
        if key is None:
            result.append((None, value))
        elif isinstance(key.value, str):
            result.append((key.value, value))
        else:
            raise UnsupportedBytecode('keyword name not a constant')
    return result


def _build(kind):
    def build(frame, ins, stack, lines, indent):
        items = _pop(stack, ins.arg)
        stack.append(_sequence(kind, [('pos', e) for e in items]))
    return build


def _build_unpack(kind):
    def build(frame, ins, stack, lines, indent):
        parts = []
        for expr in _pop(stack, ins.arg):
            if expr.kind in ('tuple', 'list') and expr.parts is not None:
                parts.extend(expr.parts)
            else:
                parts.append(('star', expr))
        stack.append(_sequence(kind, parts))
    return build


def _list_extend(frame, ins, stack, lines, indent):
    iterable = stack.pop()
    target = stack[-ins.arg]
    if target.kind != 'list' or target.parts is None:
        raise UnsupportedBytecode('LIST_EXTEND of an unknown list')
    if iterable.kind == 'tuple' and iterable.parts is not None:
        parts = target.parts + iterable.parts
    else:
        parts = target.parts + [('star', iterable)]
    stack[-ins.arg] = _sequence('list', parts)


def _list_to_tuple(frame, ins, stack, lines, indent):
    value = stack.pop()
    stack.append(_sequence('tuple', value.parts))


def _build_map(frame, ins, stack, lines, indent):
    if frame.version == '2.7':
        stack.append(_dict([]))
        return
    items = _pop(stack, 2 * ins.arg)
    stack.append(_dict(list(zip(items[::2], items[1::2]))))


def _store_map(frame, ins, stack, lines, indent):
    key, value = stack.pop(), stack.pop()
    target = stack.pop()
    if target.kind != 'dict':
        raise UnsupportedBytecode('STORE_MAP to an unknown dict')
    stack.append(_dict(target.parts + [(key, value)]))


def _build_const_key_map(frame, ins, stack, lines, indent):
    keys = stack.pop().value
    if not isinstance(keys, tuple) or len(keys) != ins.arg:
        raise UnsupportedBytecode('BUILD_CONST_KEY_MAP without keys')
    values = _pop(stack, ins.arg)
    stack.append(_dict([(_const(k), v) for k, v in zip(keys, values)]))


def _build_map_unpack(frame, ins, stack, lines, indent):
    count = ins.arg & 0xff if frame.version == '3.5' and \
        ins.name == 'BUILD_MAP_UNPACK_WITH_CALL' else ins.arg
    parts = []
    for expr in _pop(stack, count):
        if expr.kind == 'dict' and expr.parts is not None:
            parts.extend(expr.parts)
        else:
            parts.append((None, expr))
    stack.append(_dict(parts))


def _dict_merge(frame, ins, stack, lines, indent):
    other = stack.pop()
    target = stack[-ins.arg]
    if target.kind != 'dict' or target.parts is None:
        raise UnsupportedBytecode('DICT_MERGE into an unknown dict')
    extra = other.parts if other.kind == 'dict' and other.parts is not None \
        else [(None, other)]
    stack[-ins.arg] = _dict(target.parts + extra)


def _build_slice(frame, ins, stack, lines, indent):
    texts = ['' if e.value is None else e.operand()
             for e in _pop(stack, ins.arg)]
    stack.append(_Expr(':'.join(texts), kind='slice'))


def _py2_slice(frame, ins, stack, lines, indent):
    which = int(ins.name[-1])
    upper = stack.pop().text if which & 2 else ''
    lower = stack.pop().text if which & 1 else ''
    base = stack.pop()
    stack.append(_Expr('%s[%s:%s]' % (base.operand(), lower, upper)))


def _binary_subscr(frame, ins, stack, lines, indent):
    index, base = stack.pop(), stack.pop()
    stack.append(_subscript(base, index))


def _compare(frame, ins, stack, lines, indent):
    right, left = stack.pop(), stack.pop()
    if ins.name == 'COMPARE_OP':
        if not 0 <= ins.arg < len(_COMPARE):
            raise UnsupportedBytecode('comparison %d' % ins.arg)
        op = _COMPARE[ins.arg]
    elif ins.name == 'IS_OP':
        op = 'is not' if ins.arg else 'is'
    else:
        op = 'not in' if ins.arg else 'in'
    stack.append(_Expr('%s %s %s' % (left.operand(), op, right.operand()),
                       False))


def _nop(frame, ins, stack, lines, indent):
    return None


def _make_function(frame, ins, stack, lines, indent):
    """A nested lambda, written inline (`(lambda a, b=<default>: ...)`)."""
    if frame.version not in ('2.7',):
        stack.pop()  # qualified name
    code = stack.pop()
    if code.kind != 'code':
        raise UnsupportedBytecode('MAKE_FUNCTION of an unknown code object')
    defaults, kwdefaults = [], {}
    if frame.version in ('2.7', '3.5'):
        if ins.name == 'MAKE_CLOSURE':
            stack.pop()
        if ins.arg >> 16:
            raise UnsupportedBytecode('annotations')
        for key, value in zip(*[iter(_pop(stack, 2 * (ins.arg >> 8 & 0xff)))]
                              * 2):
            kwdefaults[key.value] = value
        defaults = _pop(stack, ins.arg & 0xff)
    else:
        if ins.arg & 0x08:
            stack.pop()
        if ins.arg & 0x04:
            raise UnsupportedBytecode('annotations')
        if ins.arg & 0x02:
            value = stack.pop()
            kwdefaults = {k.value: v for k, v in (value.parts or [])}
        if ins.arg & 0x01:
            value = stack.pop()
            defaults = [e for _, e in value.parts] if value.parts is not None \
                else None
            if defaults is None:
                raise UnsupportedBytecode('defaults of a nested lambda')
    stack.append(_lambda_source(code.value, frame.version, defaults,
                                kwdefaults, frame))


def _lambda_source(code, version, defaults, kwdefaults, parent):
    if code.name != '<lambda>':
        raise UnsupportedBytecode('nested %s' % code.name)
    frame = _Frame(code, version)
    body = frame.expression()
    parent.uses_py2_division |= frame.uses_py2_division
    params = _parameters(code, defaults, kwdefaults)
    return _Expr('(lambda %s: %s)' % (params, body) if params
                 else '(lambda: %s)' % body)


def _parameters(code, defaults=(), kwdefaults=None):
    """The parameter list of `code`; `defaults` / `kwdefaults` are source
    expressions (nested lambdas), else none are written."""
    names = [_check_name(n) for n in code.varnames]
    nargs = code.argcount
    params = []
    first_default = nargs - len(defaults)
    for i in range(nargs):
        text = names[i]
        if i >= first_default:
            text += '=' + defaults[i - first_default].text
        params.append(text)
        if code.posonlyargcount and i == code.posonlyargcount - 1:
            params.append('/')
    kwonly = names[nargs:nargs + code.kwonlyargcount]
    rest = nargs + code.kwonlyargcount
    if code.flags & 0x04:
        params.append('*' + names[rest])
        rest += 1
    elif kwonly:
        params.append('*')
    for name in kwonly:
        value = (kwdefaults or {}).get(name)
        params.append(name + ('=' + value.text if value is not None else ''))
    if code.flags & 0x08:
        params.append('**' + names[rest])
    return ', '.join(params)


def _expression(self):
    """The body of a lambda: a single returned expression (its
    `if c: return a` / `return b` statements as `a if c else b`)."""
    lines = []
    self.run(lines)
    return _as_expression(lines, 1)


def _as_expression(lines, indent):
    prefix = '    ' * indent
    first = lines[0] if lines else ''
    if len(lines) == 1 and first.startswith(prefix + 'return '):
        return first[len(prefix) + 7:]
    if not (first.startswith(prefix + 'if ') and first.endswith(':')):
        raise UnsupportedBytecode('statements in a nested lambda')
    inner = prefix + '    '
    i = 1
    while i < len(lines) and lines[i].startswith(inner):
        i += 1
    then, rest = lines[1:i], lines[i:]
    if rest and rest[0] == prefix + 'else:':
        other = rest[1:]
        if not all(line.startswith(inner) for line in other):
            raise UnsupportedBytecode('statements in a nested lambda')
        otherwise = _as_expression(other, indent + 1)
    else:
        otherwise = _as_expression(rest, indent)
    return '(%s) if (%s) else (%s)' % (_as_expression(then, indent + 1),
                                      first[len(prefix) + 3:-1], otherwise)


def _run(self, lines):
    if self.code.flags & 0x20 or self.code.flags & 0x80 or \
            self.code.flags & 0x100 or self.code.flags & 0x200:
        raise UnsupportedBytecode('generator or coroutine')
    end = len(self.code.code)
    pc, stack, returned = self.block(0, end, [], lines, 1)
    if not returned:
        raise UnsupportedBytecode('code falls off its end')


_Frame.expression = _expression
_Frame.run = _run

_HANDLERS = {
    'LOAD_CONST': _load_const, 'LOAD_FAST': _load_name('varnames'),
    'LOAD_GLOBAL': _load_name('names'), 'LOAD_NAME': _load_name('names'),
    'LOAD_DEREF': _load_deref, 'LOAD_CLOSURE': _load_closure,
    'STORE_FAST': _store, 'STORE_DEREF': _store, 'DUP_TOP': _dup_top,
    'UNPACK_SEQUENCE': _unpack, 'POP_TOP': _pop_top, 'ROT_TWO': _rot_two,
    'LOAD_ATTR': _load_attr, 'LOAD_METHOD': _load_method,
    'CALL_METHOD': _call_method, 'CALL_FUNCTION': _call_function,
    'CALL_FUNCTION_KW': _call_function_kw,
    'CALL_FUNCTION_VAR': _call_function_var,
    'CALL_FUNCTION_VAR_KW': _call_function_var,
    'CALL_FUNCTION_EX': _call_function_ex,
    'BUILD_TUPLE': _build('tuple'), 'BUILD_LIST': _build('list'),
    'BUILD_SET': _build('set'),
    'BUILD_TUPLE_UNPACK': _build_unpack('tuple'),
    'BUILD_TUPLE_UNPACK_WITH_CALL': _build_unpack('tuple'),
    'BUILD_LIST_UNPACK': _build_unpack('list'),
    'LIST_EXTEND': _list_extend, 'LIST_TO_TUPLE': _list_to_tuple,
    'BUILD_MAP': _build_map, 'STORE_MAP': _store_map,
    'BUILD_CONST_KEY_MAP': _build_const_key_map,
    'BUILD_MAP_UNPACK': _build_map_unpack,
    'BUILD_MAP_UNPACK_WITH_CALL': _build_map_unpack,
    'DICT_MERGE': _dict_merge, 'DICT_UPDATE': _dict_merge,
    'BUILD_SLICE': _build_slice, 'BINARY_SUBSCR': _binary_subscr,
    'SLICE+0': _py2_slice, 'SLICE+1': _py2_slice, 'SLICE+2': _py2_slice,
    'SLICE+3': _py2_slice,
    'COMPARE_OP': _compare, 'IS_OP': _compare, 'CONTAINS_OP': _compare,
    'NOP': _nop, 'MAKE_FUNCTION': _make_function,
    'MAKE_CLOSURE': _make_function,
}


# ---------------------------------------------------------------- public

def decompile(data):
    """(source, code, version) for marshal `data` of a function written by
    Python 2.7 or 3.5-3.10: `source` defines `_recovered` (the function,
    inside `_outer` binding its free variables where it has any)."""
    code = read_code(data)
    source, version = _recover_source(code)
    return source, code, version


def _recover_source(code):
    errors = []
    for version in _CANDIDATES[code.layout]:
        try:
            source = _source(code, version)
            compile(source, '<recovered>', 'exec')
            return source, version
        except (UnsupportedBytecode, SyntaxError, IndexError, KeyError,
                TypeError, AttributeError) as e:
            errors.append('as %s bytecode: %s' % (_VERSION_NAMES[version], e))
    raise UnsupportedBytecode('; '.join(errors))


def foreign_code(data):
    """The LegacyCode of marshal `data` written by a Python whose code
    objects this one cannot load (2.7, 3.5 to 3.10 where this is 3.11 or
    later), with its recovered `source` and `version`; None where `data`
    is not such a code object. UnsupportedBytecode where it is but its
    source cannot be recovered."""
    try:
        code = read_code(data)
    except UnsupportedBytecode:
        return None
    if code.layout == '3.8' and sys.version_info < (3, 11):
        return None
    code.source, code.version = _recover_source(code)
    return code


def _source(code, version):
    frame = _Frame(code, version)
    lines = []
    frame.run(lines)
    header = 'def _recovered(%s):' % _parameters(code)
    body = [header] + lines
    if code.freevars:
        free = [_check_name(n) for n in code.freevars]
        body = ['def _outer():', '    %s = None' % ' = '.join(free)] + \
            ['    ' + line for line in body] + ['    return _recovered']
    source = '\n'.join(body) + '\n'
    if frame.uses_py2_division:
        source = '# uses %s\n' % _PY2_DIVISION + source
    return source


def _py2_classic_division(a, b):
    """Python 2's `/` without `from __future__ import division`: floor
    division of two integers, true division otherwise."""
    if _is_integer(a) and _is_integer(b):
        return a // b
    return a / b


def _is_integer(value):
    if isinstance(value, bool) or isinstance(value, int):
        return True
    dtype = getattr(value, 'dtype', None)
    if dtype is None:
        return False
    if hasattr(dtype, 'is_floating_point'):
        return not dtype.is_floating_point and not dtype.is_complex
    return getattr(dtype, 'kind', '') in 'iub'


def _find_code(container, name):
    for const in container.co_consts:
        if isinstance(const, types.CodeType) and const.co_name == name:
            return const
    raise UnsupportedBytecode('recompiled source lacks %s' % name)


def recover_function(data, globs, defaults=None, closure_values=None):
    """The function whose code `data` holds (marshal data of another
    Python version, or its `foreign_code`), recompiled for this Python
    and bound to `globs` (with the names of `default_globals` where it
    lacks them);
    `closure_values` are the values of its free variables in the order of
    the saved code object's free variables."""
    if isinstance(data, LegacyCode):
        legacy = data
        source, version = legacy.source, legacy.version
    else:
        source, legacy, version = decompile(data)
    filename = '<%s bytecode of %s, recovered>' % (
        _VERSION_NAMES[version], legacy.filename)
    module = compile(source, filename, 'exec')
    if legacy.freevars:
        code = _find_code(_find_code(module, '_outer'), '_recovered')
    else:
        code = _find_code(module, '_recovered')
    replace = {'co_name': legacy.name}
    if sys.version_info >= (3, 11):
        replace['co_qualname'] = legacy.name
    code = code.replace(**replace)
    namespace = dict(default_globals())
    namespace.update(globs if globs is not None else {})
    if _PY2_DIVISION in source:
        namespace[_PY2_DIVISION] = _py2_classic_division
    closure = None
    if legacy.freevars:
        values = dict(zip(legacy.freevars, closure_values or ()))
        if len(values) != len(legacy.freevars):
            raise UnsupportedBytecode('closure values missing')
        closure = tuple(types.CellType(values[n]) for n in code.co_freevars)
    function = types.FunctionType(code, namespace, legacy.name,
                                  tuple(defaults) if defaults else None,
                                  closure)
    function.__recovered_source__ = source
    return function


def default_globals():
    """Names that Lambda functions of Keras 2 programs commonly read
    from their module: the backend (`K`, `backend`), TensorFlow (`tf`),
    Keras (`keras`), NumPy (`np`) and `math`."""
    import math
    import numpy as np
    import keras_compat
    from .. import backend
    from .. import tensorflow_compat
    return {'K': backend, 'backend': backend, 'tf': tensorflow_compat,
            'keras': keras_compat, 'np': np, 'math': math}
