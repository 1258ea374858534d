"""TensorFlow's event-file protocol buffers written and read by hand
(no `protobuf` or `tensorboard` package needed): `Event`, `Summary`
(with `Summary.Value`, `Summary.Image`, `Summary.Audio`),
`HistogramProto`, `SummaryMetadata`, `TensorProto`, `SessionLog`, and
the TFRecord framing of event files (`events.out.tfevents.*`).

Messages take their fields as keywords, serialize in field-number order
as TensorFlow's C++ code does (`SerializeToString`), parse
(`FromString`), and answer `HasField` and `WhichOneof`."""
import struct

from . import tensorflow_bundle_writer as _bundle_writer
from . import tensorflow_records as _records


class _Repeated(list):
    """A repeated field: `add(**fields)` appends a new message."""

    def __init__(self, kind, values=()):
        list.__init__(self, values)
        self._kind = kind

    def add(self, **fields):
        self.append(self._kind(**fields))
        return self[-1]


_WIRE = {'string': 2, 'bytes': 2, 'float': 5, 'double': 1, 'int': 0,
         'bool': 0}


class Message(object):
    """A protocol buffer message declared by FIELDS: (number, name, kind,
    repeated) with kind 'string', 'bytes', 'float', 'double', 'int'
    (int32, int64 and enums), 'bool' or a Message class; ONEOF names the
    fields of which only one is set."""

    FIELDS = ()
    ONEOF = ()

    def __init__(self, **fields):
        self.__dict__['_set'] = {}
        for name, value in fields.items():
            setattr(self, name, value)

    @classmethod
    def _field(cls, name):
        for field in cls.FIELDS:
            if field[1] == name:
                return field
        raise AttributeError('%s has no field %r' % (cls.__name__, name))

    def __getattr__(self, name):
        if name.startswith('_'):
            raise AttributeError(name)
        number, _, kind, repeated = self._field(name)
        if repeated:
            value = _Repeated(kind if isinstance(kind, type) else None)
            self._set[name] = value
            return value
        if isinstance(kind, type):
            value = kind()
            self._set[name] = value
            return value
        return {'string': '', 'bytes': b'', 'float': 0.0, 'double': 0.0,
                'int': 0, 'bool': False}[kind]

    def __getattribute__(self, name):
        if not name.startswith('_'):
            found = object.__getattribute__(self, '__dict__')['_set']
            if name in found:
                return found[name]
        return object.__getattribute__(self, name)

    def __setattr__(self, name, value):
        _, _, kind, repeated = self._field(name)
        if repeated:
            value = _Repeated(kind if isinstance(kind, type) else None,
                              value)
        elif isinstance(kind, type) and isinstance(value, (bytes,
                                                           bytearray)):
            value = kind.FromString(value)
        elif isinstance(kind, type) and not isinstance(value, kind) and \
                hasattr(value, 'SerializeToString'):
            value = kind.FromString(value.SerializeToString())
        if name in self.ONEOF:
            for other in self.ONEOF:
                self._set.pop(other, None)
        self._set[name] = value

    def HasField(self, name):
        """Whether the message or oneof field `name` is set."""
        _, _, kind, _ = self._field(name)
        if name in self.ONEOF:
            return name in self._set
        if not isinstance(kind, type):
            raise ValueError('Protocol message has no non-repeated '
                             'submessage field "%s"' % name)
        return name in self._set and bool(self._set[name]._encode())

    def WhichOneof(self, group):
        """The oneof field set, or None."""
        for name in self.ONEOF:
            if name in self._set:
                return name
        return None

    def ClearField(self, name):
        self._set.pop(name, None)

    def CopyFrom(self, other):
        self.ParseFromString(other.SerializeToString())

    def MergeFrom(self, other):
        self._decode(other.SerializeToString())

    def SerializeToString(self, deterministic=None):
        return self._encode()

    @classmethod
    def FromString(cls, data):
        message = cls()
        message._decode(bytes(data))
        return message

    def ParseFromString(self, data):
        self._set.clear()
        self._decode(bytes(data))
        return len(data)

    def ListFields(self):
        return [(field, self._set[field[1]]) for field in self.FIELDS
                if field[1] in self._set]

    def _encode(self):
        out = []
        for number, name, kind, repeated in self.FIELDS:
            if name not in self._set:
                continue
            value = self._set[name]
            if repeated:
                if kind in ('float', 'double', 'int', 'bool'):
                    if len(value):
                        packed = b''.join(_scalar(kind, v) for v in value)
                        out.append(_records._field(number, packed))
                    continue
                for item in value:
                    out.append(_one(number, kind, item))
            elif name in self.ONEOF or isinstance(kind, type) or \
                    value != self._field_default(kind):
                out.append(_one(number, kind, value))
        return b''.join(out)

    @staticmethod
    def _field_default(kind):
        return {'string': '', 'bytes': b'', 'float': 0.0, 'double': 0.0,
                'int': 0, 'bool': False}[kind]

    def _decode(self, data):
        fields = {f[0]: f for f in self.FIELDS}
        for number, wire, raw in _records._fields(data):
            if number not in fields:
                continue
            _, name, kind, repeated = fields[number]
            if repeated and wire == 2 and kind in ('float', 'double', 'int',
                                                   'bool'):
                getattr(self, name).extend(_unpacked(kind, raw))
            elif repeated:
                getattr(self, name).append(_parsed(kind, wire, raw))
            elif isinstance(kind, type) and name in self._set:
                self._set[name]._decode(raw)
            else:
                setattr(self, name, _parsed(kind, wire, raw))

    def __bool__(self):
        return True

    def __eq__(self, other):
        return type(self) is type(other) and \
            self._encode() == other._encode()

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):
        return '%s(%s)' % (type(self).__name__, ', '.join(
            '%s=%r' % (field[1], value) for field, value
            in self.ListFields()))


def _scalar(kind, value):
    if kind == 'float':
        return struct.pack('<f', value)
    if kind == 'double':
        return struct.pack('<d', value)
    return _records._varint(int(value))


def _one(number, kind, value):
    if isinstance(kind, type):
        return _records._field(number, value._encode())
    if kind in ('string', 'bytes'):
        if isinstance(value, str):
            value = value.encode('utf-8')
        return _records._field(number, bytes(value))
    return _records._varint(number << 3 | _WIRE[kind]) + _scalar(kind, value)


def _parsed(kind, wire, raw):
    if isinstance(kind, type):
        return kind.FromString(raw)
    if kind == 'string':
        return raw.decode('utf-8')
    if kind == 'bytes':
        return bytes(raw)
    if kind == 'float':
        return struct.unpack('<f', raw)[0]
    if kind == 'double':
        return struct.unpack('<d', raw)[0]
    if kind == 'bool':
        return bool(raw)
    return raw - (1 << 64) if raw >= 1 << 63 else raw


def _unpacked(kind, raw):
    if kind == 'float':
        return list(struct.unpack('<%df' % (len(raw) // 4), raw))
    if kind == 'double':
        return list(struct.unpack('<%dd' % (len(raw) // 8), raw))
    values, position = [], 0
    while position < len(raw):
        value, position = _records._read_varint(raw, position)
        values.append(_parsed(kind, 0, value))
    return values


# ------------------------------------------------------------- messages
class TensorShapeProto(Message):
    """A tensor's shape: `dim` (each `size`, `name`), `unknown_rank`."""

    class Dim(Message):
        FIELDS = ((1, 'size', 'int', False), (2, 'name', 'string', False))

    FIELDS = ((2, 'dim', Dim, True), (3, 'unknown_rank', 'bool', False))


class TensorProto(Message):
    """A tensor's dtype (DataType number), shape and values."""

    FIELDS = ((1, 'dtype', 'int', False),
              (2, 'tensor_shape', TensorShapeProto, False),
              (3, 'version_number', 'int', False),
              (4, 'tensor_content', 'bytes', False),
              (5, 'float_val', 'float', True),
              (6, 'double_val', 'double', True),
              (7, 'int_val', 'int', True),
              (8, 'string_val', 'bytes', True),
              (10, 'int64_val', 'int', True),
              (11, 'bool_val', 'bool', True),
              (13, 'half_val', 'int', True))


class HistogramProto(Message):
    """A histogram: min, max, num, sum, sum_squares and the buckets
    (`bucket_limit[i]` the right edge of `bucket[i]`)."""

    FIELDS = ((1, 'min', 'double', False), (2, 'max', 'double', False),
              (3, 'num', 'double', False), (4, 'sum', 'double', False),
              (5, 'sum_squares', 'double', False),
              (6, 'bucket_limit', 'double', True),
              (7, 'bucket', 'double', True))


class SummaryMetadata(Message):
    """What a summary value holds: its plugin (`plugin_data.plugin_name`,
    `plugin_data.content`), display name and description."""

    class PluginData(Message):
        FIELDS = ((1, 'plugin_name', 'string', False),
                  (2, 'content', 'bytes', False))

    FIELDS = ((1, 'plugin_data', PluginData, False),
              (2, 'display_name', 'string', False),
              (3, 'summary_description', 'string', False),
              (4, 'data_class', 'int', False))


class Summary(Message):
    """A list of tagged values (`value`), each a scalar (`simple_value`),
    an image, a histogram (`histo`), an audio clip or a tensor."""

    class Image(Message):
        FIELDS = ((1, 'height', 'int', False), (2, 'width', 'int', False),
                  (3, 'colorspace', 'int', False),
                  (4, 'encoded_image_string', 'bytes', False))

    class Audio(Message):
        FIELDS = ((1, 'sample_rate', 'float', False),
                  (2, 'num_channels', 'int', False),
                  (3, 'length_frames', 'int', False),
                  (4, 'encoded_audio_string', 'bytes', False),
                  (5, 'content_type', 'string', False))

    class Value(Message):
        FIELDS = ()
        ONEOF = ('simple_value', 'obsolete_old_style_histogram', 'image',
                 'histo', 'audio', 'tensor')

    FIELDS = ()


Summary.Value.FIELDS = (
    (1, 'tag', 'string', False), (2, 'simple_value', 'float', False),
    (3, 'obsolete_old_style_histogram', 'bytes', False),
    (4, 'image', Summary.Image, False), (5, 'histo', HistogramProto, False),
    (6, 'audio', Summary.Audio, False), (7, 'node_name', 'string', False),
    (8, 'tensor', TensorProto, False),
    (9, 'metadata', SummaryMetadata, False))
Summary.FIELDS = ((1, 'value', Summary.Value, True),)


class LogMessage(Message):
    FIELDS = ((1, 'level', 'int', False), (2, 'message', 'string', False))


class SessionLog(Message):
    """A session's start, stop or checkpoint, in an event file."""

    STATUS_UNSPECIFIED, START, STOP, CHECKPOINT = 0, 1, 2, 3
    FIELDS = ((1, 'status', 'int', False),
              (2, 'checkpoint_path', 'string', False),
              (3, 'msg', 'string', False))


class SourceMetadata(Message):
    FIELDS = ((1, 'writer', 'string', False),)


class TaggedRunMetadata(Message):
    FIELDS = ((1, 'tag', 'string', False), (2, 'run_metadata', 'bytes',
                                            False))


class Event(Message):
    """One record of an event file: `wall_time`, `step`, and one of
    `file_version`, `graph_def`, `summary`, `log_message`, `session_log`,
    `tagged_run_metadata`, `meta_graph_def`."""

    FIELDS = ((1, 'wall_time', 'double', False), (2, 'step', 'int', False),
              (3, 'file_version', 'string', False),
              (4, 'graph_def', 'bytes', False),
              (5, 'summary', Summary, False),
              (6, 'log_message', LogMessage, False),
              (7, 'session_log', SessionLog, False),
              (8, 'tagged_run_metadata', TaggedRunMetadata, False),
              (9, 'meta_graph_def', 'bytes', False),
              (10, 'source_metadata', SourceMetadata, False))
    ONEOF = ('file_version', 'graph_def', 'summary', 'log_message',
             'session_log', 'tagged_run_metadata', 'meta_graph_def')


# ------------------------------------------------------------- framing
def framed(record):
    """`record` as a TFRecord: length, masked CRC32-C of the length, the
    bytes, their masked CRC32-C."""
    length = struct.pack('<Q', len(record))
    return (length + struct.pack('<I', _bundle_writer.masked_crc32c(length))
            + record + struct.pack('<I', _bundle_writer.masked_crc32c(record)))


def summary_iterator(path):
    """tf.compat.v1.train.summary_iterator: the Event messages of the
    event file `path`, in order."""
    from . import tensorflow_gfile
    for record in _records.read_records(tensorflow_gfile.local_path(path)):
        yield Event.FromString(record)
