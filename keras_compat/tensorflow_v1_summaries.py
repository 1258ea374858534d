"""TensorFlow 1's graph-mode summaries: `tf.summary.scalar / histogram /
image / text / audio(name, tensor, collections=None, family=None)` make
string tensors (a serialized `Summary` each run) collected in
`GraphKeys.SUMMARIES`; `tf.summary.merge(list)` and `merge_all(key)`
join them; `tf.summary.FileWriter(logdir, graph)` writes them, with
`add_summary(bytes_or_proto, global_step)`, to TensorFlow event files
that TensorFlow and TensorBoard read; `tf.summary.FileWriterCache`.

A summary tensor is computed in a session run from the values of the
tensors it reads (fetched in the same run), as TensorFlow's summary
ops are."""
import io
import os
import re
import socket
import struct
import threading
import time
import wave
import zlib

import numpy as np
import torch

from . import tensorflow_event_protos as protos
from .backend import ops as _ops
from .engine.symbolic import is_symbolic

_INVALID_TAG_CHARACTERS = re.compile(r'[^-/\w\.]')


def _tf():
    from . import tensorflow_compat
    return tensorflow_compat


def _clean_tag(name):
    """TensorFlow's tag cleaning: characters other than letters, digits,
    '_', '-', '.', '/' become '_'; leading slashes go."""
    if name is None:
        return None
    return _INVALID_TAG_CHARACTERS.sub('_', name).lstrip('/')


def _summary_scope(name, family):
    """(tag, op name) of a summary made now: the name scope
    `family/name` opened inside the current scopes (made unique, as
    `loss_1`), its tag prefixed with the family again."""
    name, family = _clean_tag(name), _clean_tag(family)
    base = name if family is None else '%s/%s' % (family, name)
    scope = _ops._scoped_name(base)
    tag = scope if family is None else '%s/%s' % (family, scope)
    return tag, scope


def _collect(value, collections, default):
    from . import tensorflow_variables
    for key in (default if collections is None else collections):
        tensorflow_variables.add_to_collection(key, value)


class SummaryTensor(object):
    """A string tensor holding a serialized `Summary`: computed in each
    run that fetches it from the values, in that run, of the tensors it
    reads."""

    dtype = property(lambda self: _tf().string)

    def __init__(self, name, inputs, encode):
        self.name = name + ':0'
        self._inputs = list(inputs)
        self._encode = encode

    @property
    def _keras_host_inputs(self):
        """The tensors a run fetches to compute this one."""
        return [x for x in self._inputs if _fetchable(x)]

    def _keras_host_value(self, values):
        """This tensor's value (bytes) from its inputs' values in a run."""
        values = iter(values)
        return self._encode([next(values) if _fetchable(x) else x
                             for x in self._inputs])

    @property
    def shape(self):
        return _tf().TensorShape([])

    def get_shape(self):
        return self.shape

    @property
    def op(self):
        return _SummaryOp(self)

    graph = property(lambda self: _tf().get_default_graph())

    def eval(self, feed_dict=None, session=None):
        from .tensorflow_graph_run import run
        return run(self, feed_dict)

    def __repr__(self):
        return '<tf.Tensor %r shape=() dtype=string>' % self.name


class _SummaryOp(object):
    """A summary tensor's operation (`summary.op.name`)."""

    type = 'Summary'

    def __init__(self, tensor):
        self.name = tensor.name[:-2]
        self.outputs = [tensor]

    def run(self, feed_dict=None, session=None):
        self.outputs[0].eval(feed_dict)


def _fetchable(x):
    return is_symbolic(x) or isinstance(x, torch.Tensor) or \
        hasattr(x, '_keras_host_inputs') or hasattr(x, 'variable')


def _array(value):
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _invalid(message):
    return _tf().errors.InvalidArgumentError(None, None, message)


def _summary_bytes(values):
    return protos.Summary(value=values).SerializeToString()


# ---------------------------------------------------------------- scalar
def scalar(name, tensor, collections=None, family=None):
    """tf.compat.v1.summary.scalar: a summary of the scalar `tensor`
    under the tag `scope/name` (`family/scope/family/name` with a
    family)."""
    tag, scope = _summary_scope(name, family)

    def encode(values):
        value = _array(values[0])
        if value.ndim:
            raise _invalid("tags and values are not the same shape: [] != "
                           "%s (tag '%s')" % (list(value.shape), tag))
        return _summary_bytes([protos.Summary.Value(
            tag=tag, simple_value=float(np.float32(value)))])

    return _made(SummaryTensor(scope, [tensor], encode), collections)


def _made(summary, collections):
    _collect(summary, collections, ['summaries'])
    return summary


# ------------------------------------------------------------- histogram
def _default_bucket_limits():
    """TensorFlow's histogram bucket edges: +-1e-12 growing by 10% up to
    1e20, 0, and +-DBL_MAX at the ends."""
    limits, value = [], 1.0e-12
    while value < 1.0e20:
        limits.append(value)
        value *= 1.1
    limits.append(np.finfo(np.float64).max)
    return np.array([-v for v in reversed(limits)] + [0.0] + limits)


_BUCKET_LIMITS = _default_bucket_limits()


def histogram_proto(values):
    """The HistogramProto TensorFlow's histogram summary makes of
    `values` (float64): empty runs of buckets merged into the bucket that
    ends them."""
    values = np.asarray(values, dtype=np.float64).ravel()
    counts = np.bincount(np.searchsorted(_BUCKET_LIMITS, values,
                                         side='right'),
                         minlength=len(_BUCKET_LIMITS)).astype(np.float64)
    limits, buckets, i = [], [], 0
    nonzero = np.flatnonzero(counts)
    for index in nonzero:
        if index > i:
            limits.append(_BUCKET_LIMITS[index - 1])
            buckets.append(0.0)
        limits.append(_BUCKET_LIMITS[index])
        buckets.append(counts[index])
        i = index + 1
    if i < len(counts):
        limits.append(_BUCKET_LIMITS[-1])
        buckets.append(0.0)
    big = np.finfo(np.float64).max
    total = np.cumsum(values)[-1] if values.size else 0.0
    squares = np.cumsum(values * values)[-1] if values.size else 0.0
    return protos.HistogramProto(
        min=float(values.min()) if values.size else big,
        max=float(values.max()) if values.size else -big,
        num=float(values.size), sum=float(total),
        sum_squares=float(squares), bucket_limit=[float(v) for v in limits],
        bucket=[float(v) for v in buckets])


def histogram(name, values, collections=None, family=None):
    """tf.compat.v1.summary.histogram: TensorFlow's histogram of
    `values` (InvalidArgumentError for NaN or infinite values)."""
    tag, scope = _summary_scope(name, family)

    def encode(found):
        array = _array(found[0]).astype(np.float64)
        if not np.all(np.isfinite(array)):
            raise _invalid('Nan in summary histogram for: %s' % scope)
        return _summary_bytes([protos.Summary.Value(
            tag=tag, histo=histogram_proto(array))])

    return _made(SummaryTensor(scope, [values], encode), collections)


# ----------------------------------------------------------------- image
def _png(image):
    """PNG bytes of a [height, width, channels] uint8 image."""
    height, width, channels = image.shape
    color = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    rows = b''.join(b'\x00' + image[row].tobytes() for row in range(height))

    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack(
            '>I', zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack('>IIBBBBB', width, height, 8, color, 0, 0, 0)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) +
            chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b''))


def _uint8_image(image, bad_color):
    """TensorFlow's image summary scaling of one float image: by
    255/max when no value is negative, else centred at 128 and scaled by
    127/max|value|; pixels with a non-finite channel get `bad_color`."""
    image = image.astype(np.float32)
    finite = np.all(np.isfinite(image), axis=-1)
    seen = image[finite]
    low = seen.min() if seen.size else np.inf
    high = seen.max() if seen.size else -np.inf
    if low < 0:
        top = max(abs(low), abs(high))
        scale = np.float32(0.0 if top < 1e-6 else 127.0 / top)
        offset = np.float32(128.0)
    else:
        scale = np.float32(0.0 if high < 1e-6 else 255.0 / high)
        offset = np.float32(0.0)
    with np.errstate(invalid='ignore'):
        scaled = image * scale + offset
    out = np.where(finite[..., None], scaled, 0).astype(np.uint8)
    out[~finite] = bad_color[:image.shape[-1]]
    return out


def image(name, tensor, max_outputs=3, collections=None, family=None):
    """tf.compat.v1.summary.image: PNG images of the first `max_outputs`
    of `tensor` ([batch, height, width, 1|3|4], uint8 or float scaled as
    TensorFlow scales them), tagged `tag/image` or `tag/image/i`."""
    tag, scope = _summary_scope(name, family)
    bad_color = np.array([255, 0, 0, 255], dtype=np.uint8)

    def encode(found):
        images = _array(found[0])
        if images.ndim != 4 or images.shape[-1] not in (1, 3, 4):
            raise _invalid('Tensor must be 4-D with last dim 1, 3, or 4, '
                           'not %s' % (list(images.shape),))
        values = []
        for i in range(min(len(images), max_outputs)):
            pixels = images[i] if images.dtype == np.uint8 else \
                _uint8_image(images[i], bad_color)
            height, width, channels = pixels.shape
            values.append(protos.Summary.Value(
                tag='%s/image/%d' % (tag, i) if max_outputs > 1
                else tag + '/image',
                image=protos.Summary.Image(
                    height=height, width=width, colorspace=channels,
                    encoded_image_string=_png(pixels))))
        return _summary_bytes(values)

    return _made(SummaryTensor(scope, [tensor], encode), collections)


# ------------------------------------------------------------ text, audio
_DT_STRING = 7


def _string_tensor_proto(array):
    return protos.TensorProto(
        dtype=_DT_STRING,
        tensor_shape=protos.TensorShapeProto(dim=[
            protos.TensorShapeProto.Dim(size=d) for d in array.shape]),
        string_val=[v if isinstance(v, bytes) else str(v).encode('utf-8')
                    for v in array.ravel()])


def text(name, tensor, collections=None):
    """tf.compat.v1.summary.text: the strings of `tensor` as a tensor
    summary of TensorBoard's text plugin."""
    tag, scope = _summary_scope(name, None)

    def encode(found):
        array = np.asarray(found[0], dtype=object)
        metadata = protos.SummaryMetadata(
            plugin_data=protos.SummaryMetadata.PluginData(
                plugin_name='text'))
        return _summary_bytes([protos.Summary.Value(
            tag=tag, metadata=metadata,
            tensor=_string_tensor_proto(array))])

    return _made(SummaryTensor(scope, [tensor], encode), collections)


def _wav(clip, sample_rate):
    """16-bit PCM WAV bytes of [frames, channels] samples in [-1, 1]."""
    pcm = (np.clip(clip, -1.0, 1.0) * 32767.0).astype('<i2')
    buffer = io.BytesIO()
    with wave.open(buffer, 'wb') as out:
        out.setnchannels(clip.shape[1])
        out.setsampwidth(2)
        out.setframerate(int(sample_rate))
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


def audio(name, tensor, sample_rate, max_outputs=3, collections=None,
          family=None):
    """tf.compat.v1.summary.audio: WAV clips of the first `max_outputs`
    of `tensor` ([batch, frames] or [batch, frames, channels], values in
    [-1, 1]), tagged `tag/audio` or `tag/audio/i`."""
    tag, scope = _summary_scope(name, family)

    def encode(found):
        clips, rate = _array(found[0]).astype(np.float32), found[1]
        rate = float(_array(rate))
        if clips.ndim == 2:
            clips = clips[:, :, None]
        values = []
        for i in range(min(len(clips), max_outputs)):
            values.append(protos.Summary.Value(
                tag='%s/audio/%d' % (tag, i) if max_outputs > 1
                else tag + '/audio',
                audio=protos.Summary.Audio(
                    sample_rate=rate, num_channels=clips.shape[2],
                    length_frames=clips.shape[1], content_type='audio/wav',
                    encoded_audio_string=_wav(clips[i], rate))))
        return _summary_bytes(values)

    return _made(SummaryTensor(scope, [tensor, sample_rate], encode),
                 collections)


# ----------------------------------------------------------------- merge
def merge(inputs, collections=None, name=None):
    """tf.compat.v1.summary.merge: one summary of the values of `inputs`
    (summary tensors); InvalidArgumentError for a tag found twice."""
    inputs = list(inputs)
    scope = _ops._scoped_name(name or 'Merge')
    op_name = '%s/%s' % (scope, name or 'MergeSummary')

    def encode(found):
        seen, out = set(), []
        for raw in found:
            for value in protos.Summary.FromString(raw).value:
                if value.tag in seen:
                    raise _invalid('Duplicate tag %s found in summary '
                                   'inputs' % value.tag)
                seen.add(value.tag)
            out.append(bytes(raw))
        return b''.join(out)

    summary = SummaryTensor(op_name, inputs, encode)
    if collections:
        _collect(summary, collections, [])
    return summary


def merge_all(key='summaries', scope=None, name=None):
    """tf.compat.v1.summary.merge_all: the summaries of collection `key`
    merged; None when it holds none."""
    from . import tensorflow_variables
    found = tensorflow_variables.get_collection(key, scope)
    if not found:
        return None
    return merge(found, name=name)


# ------------------------------------------------------------ FileWriter
def _serialized_summary(summary):
    if isinstance(summary, (bytes, bytearray)):
        return protos.Summary.FromString(bytes(summary))
    if isinstance(summary, protos.Summary):
        return summary
    if hasattr(summary, 'SerializeToString'):
        return protos.Summary.FromString(summary.SerializeToString())
    # (A plain object with `value`s of tag and simple_value.)
    return protos.Summary(value=[protos.Summary.Value(
        tag=v.tag, simple_value=float(v.simple_value))
        for v in getattr(summary, 'value', [])
        if getattr(v, 'simple_value', None) is not None])


class FileWriter(object):
    """tf.compat.v1.summary.FileWriter: writes Event records to
    `logdir/events.out.tfevents.<seconds>.<host><suffix>`, the file
    TensorFlow's writer makes (its first event the file version). The
    graph itself is not written: on PyTorch there is no GraphDef."""

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120,
                 graph_def=None, filename_suffix=None, session=None):
        if session is not None:
            raise NotImplementedError(
                'FileWriter(session=...): summaries are written by the '
                'Python writer here; pass logdir.')
        self._logdir = str(logdir)
        self._suffix = filename_suffix or ''
        self._seen_tags = set()
        self._lock = threading.Lock()
        self._open()

    def _open(self):
        from . import tensorflow_gfile
        local = tensorflow_gfile.local_path(self._logdir)
        os.makedirs(local, exist_ok=True)
        now = time.time()
        self._path = os.path.join(local, 'events.out.tfevents.%010d.%s%s' % (
            int(now), socket.gethostname(), self._suffix))
        self._file = open(self._path, 'ab')
        self._closed = False
        self._write(protos.Event(
            wall_time=float(int(now)), file_version='brain.Event:2',
            source_metadata=protos.SourceMetadata(
                writer='tensorflow.core.util.events_writer')))
        self._file.flush()

    def _write(self, event):
        with self._lock:
            self._file.write(protos.framed(event.SerializeToString()))

    def get_logdir(self):
        """The directory the events go to."""
        return self._logdir

    def add_event(self, event):
        """Writes `event` (an Event message) as it is."""
        if self._closed:
            return
        if not isinstance(event, protos.Event):
            event = protos.Event.FromString(event.SerializeToString())
        self._write(event)

    def _add(self, event, global_step):
        event.wall_time = time.time()
        if global_step is not None:
            event.step = int(_array(global_step))
        self.add_event(event)

    def add_summary(self, summary, global_step=None):
        """Writes a Summary (message or its serialized bytes, as a run of
        a summary tensor gives) at `global_step`; the plugin metadata of
        a tag is kept on its first value only."""
        summary = _serialized_summary(summary)
        for value in summary.value:
            if value.HasField('metadata'):
                if value.tag in self._seen_tags:
                    value.ClearField('metadata')
                else:
                    self._seen_tags.add(value.tag)
        self._add(protos.Event(summary=summary), global_step)

    def add_session_log(self, session_log, global_step=None):
        """Writes a SessionLog (START, STOP, CHECKPOINT) event."""
        self._add(protos.Event(session_log=session_log), global_step)

    def add_graph(self, graph, global_step=None, graph_def=None):
        """Nothing is written: on PyTorch a graph is no GraphDef."""
        return None

    def add_meta_graph(self, meta_graph_def, global_step=None):
        return None

    def add_run_metadata(self, run_metadata, tag, global_step=None):
        return None

    def flush(self):
        """Writes the buffered events to disk."""
        if not self._closed:
            self._file.flush()

    def close(self):
        """Flushes and closes the file; `reopen()` starts a new one."""
        if not self._closed:
            self._file.close()
            self._closed = True

    def reopen(self):
        """After `close()`, writes the next events to a new file in the
        same directory."""
        if self._closed:
            self._open()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class FileWriterCache(object):
    """One FileWriter per log directory (`FileWriterCache.get(logdir)`),
    shared by the hooks writing summaries there."""

    _cache = {}
    _lock = threading.Lock()

    @staticmethod
    def get(logdir):
        with FileWriterCache._lock:
            writer = FileWriterCache._cache.get(logdir)
            if writer is None:
                writer = FileWriter(logdir)
                FileWriterCache._cache[logdir] = writer
            return writer

    @staticmethod
    def clear():
        with FileWriterCache._lock:
            for writer in FileWriterCache._cache.values():
                writer.close()
            FileWriterCache._cache.clear()
