"""`K.ctc_decode`: greedy (best path) and beam search decoding of softmax
outputs `(samples, time, classes)` whose last class is the CTC blank, as
TensorFlow's `ctc_greedy_decoder` and `ctc_beam_search_decoder` decode
them for Keras 2 and tf.keras."""
import heapq
import math

import torch

from . import common
from .ops import _float, _t

_LOG_ZERO = -math.inf


def ctc_decode(y_pred, input_length, greedy=True, beam_width=100,
               top_paths=1, merge_repeated=None):
    """Decodes the first `input_length` steps of each sample of `y_pred`
    (softmax outputs, the blank last) from the log-probabilities
    `log(y_pred + epsilon)`.

    Greedy: the per-step argmax with repeats merged and blanks dropped;
    the score is minus the sum of the chosen log-probabilities, shape
    `(samples, 1)`. Beam search (`greedy=False`): TensorFlow's CTC prefix
    beam search keeping `beam_width` prefixes, returning the `top_paths`
    best, each scored by its log-probability (summed over the alignments
    the beam kept), shape `(samples, top_paths)`;
    `merge_repeated` also merges equal neighbouring labels of a result
    (Keras 2.3's default False; tf.keras always merges).

    Returns ([one dense int64 matrix per path, padded with -1], scores).
    The matrices are as wide as the longest decoded sequence in Keras 2,
    as the time axis in tf.keras."""
    y_pred = _float(y_pred)
    lengths = [int(v) for v in _t(input_length).reshape(-1).tolist()]
    log_probs = torch.log(y_pred + common.epsilon())
    if greedy:
        sequences, scores = _greedy(log_probs, lengths)
        paths = [sequences]
    else:
        if merge_repeated is None:
            merge_repeated = common.is_tf_keras()
        paths, scores = _beam_search(log_probs, lengths, beam_width,
                                     top_paths, merge_repeated)
    width = y_pred.shape[1] if common.is_tf_keras() else None
    decoded = [_dense(sequences, width, y_pred.device) for sequences in paths]
    return decoded, torch.tensor(scores, dtype=y_pred.dtype,
                                 device=y_pred.device).reshape(
                                     len(lengths), -1)


def _dense(sequences, width, device):
    """The label sequences as rows of an int64 matrix padded with -1."""
    if width is None:
        width = max([len(s) for s in sequences] + [0])
    dense = torch.full((len(sequences), width), -1, dtype=torch.int64)
    for row, labels in enumerate(sequences):
        if labels:
            dense[row, :len(labels)] = torch.tensor(labels[:width])
    return dense.to(device)


def _greedy(log_probs, lengths):
    best, best_index = log_probs.max(dim=-1)
    blank = log_probs.shape[-1] - 1
    sequences, scores = [], []
    for b, length in enumerate(lengths):
        path = best_index[b, :length].tolist()
        sequences.append([c for i, c in enumerate(path)
                          if c != blank and (i == 0 or c != path[i - 1])])
        scores.append([-float(best[b, :length].sum())])
    return sequences, scores


def _beam_search(log_probs, lengths, beam_width, top_paths,
                 merge_repeated):
    if top_paths > beam_width:
        raise ValueError('ctc_decode: requested more paths (top_paths=%d) '
                         'than the beam width (%d).'
                         % (top_paths, beam_width))
    paths = [[] for _ in range(top_paths)]
    scores = []
    rows = log_probs.detach().cpu().double().tolist()
    for b, length in enumerate(lengths):
        search = _BeamSearch(beam_width)
        for step in rows[b][:length]:
            search.step(step)
        best = search.top(top_paths)
        for p, entry in enumerate(best):
            paths[p].append(entry.labels(merge_repeated))
        scores.append([entry.new[0] for entry in best])
    return paths, scores


def _log_sum_exp(a, b):
    if a == _LOG_ZERO:
        return b
    if b == _LOG_ZERO:
        return a
    if a < b:
        a, b = b, a
    return a + math.log1p(math.exp(b - a))


class _BeamEntry(object):
    """A prefix of the beam: log-probabilities (total, ending in a blank,
    ending in its last label) at the previous (`old`) and current (`new`)
    step, and its children by label."""

    __slots__ = ('parent', 'label', 'children', 'old', 'new')

    def __init__(self, parent, label):
        self.parent = parent
        self.label = label
        self.children = {}
        self.old = [_LOG_ZERO] * 3
        self.new = [_LOG_ZERO] * 3

    def active(self):
        return self.new[0] != _LOG_ZERO

    def child(self, label):
        entry = self.children.get(label)
        if entry is None:
            entry = self.children[label] = _BeamEntry(self, label)
        return entry

    def labels(self, merge_repeated):
        labels, previous, entry = [], -1, self
        while entry.parent is not None:
            if not merge_repeated or entry.label != previous:
                labels.append(entry.label)
            previous = entry.label
            entry = entry.parent
        return labels[::-1]


class _BeamSearch(object):
    """TensorFlow's CTCBeamSearchDecoder with its default scorer: at each
    step every prefix in the beam is extended by a blank or its own label,
    then (best prefixes first) by each other label, a new prefix
    entering the beam only when it beats the beam's worst. The beam is a
    min-heap of (total log-probability, arrival, prefix)."""

    def __init__(self, beam_width):
        self.beam_width = beam_width
        self.root = _BeamEntry(None, -1)
        self.root.new = [0.0, 0.0, _LOG_ZERO]
        self.leaves = [(0.0, 0, self.root)]
        self.arrivals = 1

    def _push(self, entry):
        heapq.heappush(self.leaves, (entry.new[0], self.arrivals, entry))
        self.arrivals += 1

    def _is_candidate(self, probability):
        return probability[0] > _LOG_ZERO and (
            len(self.leaves) < self.beam_width or
            probability[0] > self.leaves[0][0])

    def step(self, log_probs):
        blank = len(log_probs) - 1
        branches = [e for _, _, e in sorted(
            self.leaves, key=lambda item: (-item[0], item[1]))]
        self.leaves = []
        for entry in branches:
            entry.old = list(entry.new)
        for entry in branches:
            self._extend_in_place(entry, log_probs, blank)
            self._push(entry)
        for entry in branches:
            if self._is_candidate(entry.old):
                self._grow(entry, log_probs, blank)

    @staticmethod
    def _extend_in_place(entry, log_probs, blank):
        label = entry.new[2]
        if entry.parent is not None:
            parent = entry.parent
            if parent.active():
                previous = parent.old[1] if entry.label == parent.label \
                    else parent.old[0]
                label = _log_sum_exp(label, previous)
            label += log_probs[entry.label]
        blank_p = entry.old[0] + log_probs[blank]
        entry.new = [_log_sum_exp(blank_p, label), blank_p, label]

    def _grow(self, entry, log_probs, blank):
        # Once the beam is full its worst only rises: a prefix no better
        # than the worst now never enters it (and, as TensorFlow does to
        # every rejected prefix, loses its previous-step probabilities).
        floor = self.leaves[0][0] if len(self.leaves) == self.beam_width \
            else _LOG_ZERO
        total, after_blank = entry.old[0], entry.old[1]
        for label in range(blank):
            value = log_probs[label] + (after_blank if label == entry.label
                                        else total)
            if value <= floor:
                child = entry.children.get(label)
                if child is not None and not child.active():
                    child.old = [_LOG_ZERO] * 3
                continue
            child = entry.child(label)
            if child.active():
                continue
            child.new = [value, _LOG_ZERO, value]
            if self._is_candidate(child.new):
                if len(self.leaves) == self.beam_width:
                    _, _, bottom = heapq.heappop(self.leaves)
                    bottom.new = [_LOG_ZERO] * 3
                self._push(child)
            else:
                child.old = [_LOG_ZERO] * 3
                child.new = [_LOG_ZERO] * 3

    def top(self, count):
        if count > len(self.leaves):
            raise ValueError('ctc_decode: fewer prefixes in the beam (%d) '
                             'than the top_paths requested (%d).'
                             % (len(self.leaves), count))
        ranked = sorted(self.leaves, key=lambda item: (-item[0], item[1]))
        return [entry for _, _, entry in ranked[:count]]
