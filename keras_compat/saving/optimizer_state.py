"""Saved optimizer state (the `optimizer_weights` group of a model file)
matched to a built-in optimizer, whichever Keras 2 era wrote it.

The writers name the saved values differently:

- Keras 2.0-2.2: `Adam/iterations:0`, then unnamed slot variables
  `training/Adam/Variable:0`, `Variable_1:0`, ... in creation order (all
  first moments, then all second moments, ...); RMSprop, Adagrad and
  Adadelta saved no iteration count, Nadam no `m_schedule` (which that
  Keras starts again at 1 when it loads the file);
- Keras 2.3 and this package: `training/Adam/m_0:0`, `v_0`, `vhat_0`, ...
  (Keras 2.3 on TensorFlow: `m_0_1:0`, the graph's suffix added, as the
  zeros tensor it starts from took the plain name);
- tf.keras's legacy optimizers (2.0-2.10): `Adam/iter:0`,
  `Adam/dense/kernel/m:0`, ... grouped by slot;
- tf.keras 2.11+: `iteration:0`, `Adam/m/dense/kernel:0`,
  `Adam/v/dense/kernel:0`, ... interleaved per variable.

Slots are found by their kind and model weight (by name where the names
agree, else in order), by the number in their name for Keras 2.0-2.2 (so a
list written in name order, `Variable_10` before `Variable_2`, still
matches), and checked against the optimizer's shapes. Either the whole
state is restored or none of it, with a warning naming what did not
match."""
import re

import numpy as np

# The slot names each writer used, as this package's slot names, per class.
_SLOT_ALIASES = {
    'SGD': {'momentum': 'momentum', 'moment': 'momentum', 'm': 'momentum'},
    'RMSprop': {'accumulator': 'accumulator', 'rms': 'accumulator',
                'velocity': 'accumulator', 'momentum': 'momentum',
                'mg': 'mg', 'average_gradient': 'mg'},
    'Adagrad': {'accumulator': 'accumulator'},
    'Adadelta': {'accumulator': 'accumulator', 'accum_grad': 'accumulator',
                 'accumulated_grad': 'accumulator',
                 'delta_accumulator': 'delta_accumulator',
                 'accum_var': 'delta_accumulator',
                 'accumulated_delta_var': 'delta_accumulator'},
    'Adam': {'m': 'm', 'v': 'v', 'vhat': 'vhat'},
    'Adamax': {'m': 'm', 'u': 'u', 'v': 'u'},
    'Nadam': {'m': 'm', 'v': 'v'},
    'Ftrl': {'accumulator': 'accumulator', 'linear': 'linear'},
}
_SLOT_ALIASES['AdamW'] = _SLOT_ALIASES['Adam']
_SLOT_ALIASES['Lion'] = {'m': 'm', 'momentum': 'm'}
_SLOT_ALIASES['Adafactor'] = {'r': 'r', 'c': 'c', 'v': 'v'}
for _aliases in _SLOT_ALIASES.values():
    # tf.keras 2.11+'s moving averages of the weights (use_ema).
    _aliases['average'] = 'average'
# Keras 2.0-2.2's unnamed slots, in the order they were created.
_KERAS2_ORDER = {'SGD': ('momentum',), 'RMSprop': ('accumulator',),
                 'Adagrad': ('accumulator',),
                 'Adadelta': ('accumulator', 'delta_accumulator'),
                 'Adam': ('m', 'v', 'vhat'), 'Adamax': ('m', 'u'),
                 'Nadam': ('m', 'v'), 'Ftrl': ('accumulator', 'linear')}
_ITERATIONS = ('iterations', 'iteration', 'iter')
_M_SCHEDULE = ('m_schedule', 'momentum_cache')
_LOSS_SCALE = ('current_loss_scale', 'good_steps', 'loss_scale',
               'dynamic_scale', 'step_counter')
_NEW_SLOT = re.compile(r'^[^/]+/(m|v|vhat|u|velocity|momentum|'
                       r'average_gradient|accumulator|accumulated_grad|'
                       r'accumulated_delta_var|average|linear|r|c)/(.+)$')
_LEGACY_SLOT = re.compile(r'^(?:[^/]+/)?(.+)/(m|v|vhat|rms|momentum|mg|'
                          r'accumulator|accum_grad|accum_var|linear)$')
_INDEXED_SLOT = re.compile(r'^(moment|momentum|accumulator|linear|'
                           r'average|delta_accumulator|m|v|vhat|u|mg|r|c)_'
                           r'(\d+)(?:_\d+)?$')
_ORDINAL = re.compile(r'^(?:Variable|variable|param)(?:_(\d+))?$')


def _strip(name):
    return re.sub(r':\d+$', '', str(name))


def _class_key(optimizer):
    for klass in type(optimizer).__mro__:
        if klass.__name__ in _SLOT_ALIASES and \
                klass.__module__.startswith('keras_compat.'):
            return klass.__name__
    return None


class _Entry(object):
    def __init__(self, name, value):
        self.name = name
        self.value = value
        stripped = _strip(name)
        self.base = stripped.split('/')[-1]
        self.kind, self.slot, self.variable, self.index = \
            'unknown', None, None, None
        if self.base in _ITERATIONS:
            self.kind = 'iterations'
        elif self.base in _M_SCHEDULE or re.match(r'^extra_0$', self.base):
            self.kind = 'm_schedule'
        elif self.base in _LOSS_SCALE or 'LossScaleOptimizer' in stripped:
            self.kind = 'loss_scale'
        elif _NEW_SLOT.match(stripped):
            match = _NEW_SLOT.match(stripped)
            self.kind, self.slot, self.variable = \
                'named', match.group(1), match.group(2)
        elif _LEGACY_SLOT.match(stripped):
            match = _LEGACY_SLOT.match(stripped)
            self.kind, self.slot, self.variable = \
                'named', match.group(2), match.group(1)
        elif _INDEXED_SLOT.match(self.base):
            match = _INDEXED_SLOT.match(self.base)
            self.kind, self.slot, self.index = \
                'indexed', match.group(1), int(match.group(2))
        elif _ORDINAL.match(self.base):
            match = _ORDINAL.match(self.base)
            self.kind, self.index = 'ordinal', int(match.group(1) or 0)


class Mismatch(Exception):
    """The saved state does not fit the optimizer; the message says which
    weights and why."""


def _param_names(model):
    """id(torch parameter) -> the weight's Keras name ('dense/kernel')."""
    names = {}
    for view in getattr(model, 'weights', []):
        source = getattr(view, '_keras_source', None)
        if source is None:
            continue
        layer = source[0]()
        tensor = getattr(layer, source[1].attr, None) if layer is not None \
            else None
        if tensor is not None:
            names.setdefault(id(tensor), _strip(view.name))
    return names


def _assign_by_variable(entries, slot, param_names, label):
    """Entries of one slot in parameter order: by weight name when every
    name is found once, else in the order saved."""
    if len(entries) != len(param_names):
        raise Mismatch('%d saved %s slot(s) (%s...) for %d trainable '
                       'weights' % (len(entries), label, entries[0].name,
                                    len(param_names)))

    def keys(name):
        parts = name.split('/')
        return [name, (parts[0], parts[-1])]
    for key_index in (0, 1):
        wanted = [keys(n)[key_index] for n in param_names]
        saved = [keys(e.variable)[key_index] for e in entries]
        if len(set(wanted)) == len(wanted) and sorted(
                map(str, wanted)) == sorted(map(str, saved)):
            by_key = dict(zip(saved, entries))
            return [by_key[k] for k in wanted]
    return list(entries)


def _not_needed(optimizer, slot):
    """Slots whose saved value cannot change the next steps."""
    if slot == 'vhat':
        return not getattr(optimizer, 'amsgrad', False)
    if slot == 'momentum' and _class_key(optimizer) == 'SGD':
        return float(optimizer._hyper['momentum']) == 0.
    return False


def match(optimizer, names, values, model=None):
    """(values for `optimizer.set_weights`, notes) from the saved names
    and values; raises Mismatch naming what does not fit."""
    key = _class_key(optimizer)
    entries = [_Entry(n, np.asarray(v)) for n, v in zip(names, values)]
    notes = []
    if key is None:
        raise Mismatch('%s is not a built-in optimizer'
                       % type(optimizer).__name__)
    aliases = _SLOT_ALIASES[key]
    params = list(optimizer._params)
    layout = optimizer._slot_layout()
    slot_names = list(optimizer._slot_names)
    # The weights that have each kind of slot (all, but for Adafactor's
    # factored moments).
    holders = {slot: [i for s, i in layout if s == slot]
               for slot in slot_names}
    by_param = _param_names(model) if model is not None else {}
    param_names = [by_param.get(id(p), 'weight_%d' % i)
                   for i, p in enumerate(params)]
    unknown = [e.name for e in entries if e.kind == 'unknown']
    if unknown:
        raise Mismatch('saved weights %s are not state of %s'
                       % (', '.join(unknown), key))
    skipped = [e.name for e in entries if e.kind == 'loss_scale']
    if skipped:
        notes.append('loss scale %s not restored (dynamic loss scaling '
                     'starts again)' % ', '.join(skipped))
    iterations = [e for e in entries if e.kind == 'iterations']
    schedules = [e for e in entries if e.kind == 'm_schedule']
    named = [e for e in entries if e.kind == 'named']
    indexed = [e for e in entries if e.kind == 'indexed']
    ordinal = [e for e in entries if e.kind == 'ordinal']
    if sum(bool(group) for group in (named, indexed, ordinal)) > 1:
        raise Mismatch('the saved slot names mix several layouts (%s)'
                       % ', '.join(e.name for e in named + indexed +
                                   ordinal))
    slots = {}
    if named or indexed:
        groups = {}
        for entry in named + indexed:
            target = aliases.get(entry.slot)
            if target is None:
                raise Mismatch('saved weight %s is a %r slot, which %s does '
                               'not have' % (entry.name, entry.slot, key))
            groups.setdefault(target, []).append(entry)
        for target, group in groups.items():
            if target not in slot_names:
                if _not_needed(optimizer, target) or all(
                        not np.any(e.value) for e in group):
                    notes.append('%s slots not used by this optimizer '
                                 'ignored' % target)
                    continue
                raise Mismatch('saved %s slots (%s, ...) but this %s has '
                               'none (its configuration differs)'
                               % (target, group[0].name, key))
            if group[0].kind == 'indexed':
                group = sorted(group, key=lambda e: e.index)
                if [e.index for e in group] != holders[target]:
                    raise Mismatch('saved %s slots %s do not cover the %d '
                                   'trainable weights' % (target, ', '.join(
                                       e.name for e in group),
                                       len(holders[target])))
            else:
                group = _assign_by_variable(
                    group, target,
                    [param_names[i] for i in holders[target]], target)
            slots[target] = dict(zip(holders[target], group))
    elif ordinal:
        ordinal = sorted(ordinal, key=lambda e: e.index)
        if [e.name for e in ordinal] != [e.name for e in entries
                                         if e.kind == 'ordinal']:
            notes.append('slots ordered by the numbers in their names')
        order = [s for s in _KERAS2_ORDER[key] if s in slot_names]
        n = len(params)
        if n and len(ordinal) == n * len(order) - n and order[-1] == 'vhat':
            order = order[:-1]          # Keras 2.0's Adam: no vhat
        if len(ordinal) != n * len(order):
            raise Mismatch('%d unnamed saved slots (%s ... %s) for %d '
                           'trainable weights and slots %s'
                           % (len(ordinal), ordinal[0].name,
                              ordinal[-1].name, n, ', '.join(order)))
        for k, target in enumerate(order):
            slots[target] = dict(enumerate(ordinal[k * n:(k + 1) * n]))
    missing = [s for s in slot_names if s not in slots]
    saved_steps = int(np.asarray(iterations[0].value)) if iterations else 0
    if missing and (slots or saved_steps):
        needed = [s for s in missing if not _not_needed(optimizer, s)]
        if needed:
            raise Mismatch('no saved %s slots' % ', '.join(needed))
    # The optimizer's own list: iterations, extra weights, slots.
    current = optimizer.get_weights()
    result = [np.asarray(saved_steps, dtype=np.int64)]
    extra = len(optimizer._extra_weights())
    if extra:
        if schedules:
            result.append(schedules[0].value)
        elif ordinal:
            # Keras 2.0-2.2's Nadam builds `m_schedule` at 1 after loading
            # (it saved none), so the schedule starts again from there.
            result.append(np.float32(1.))
            if saved_steps:
                notes.append('m_schedule starts again at 1 after the %d '
                             'saved steps, as Keras 2.0-2.2 does'
                             % saved_steps)
        elif hasattr(optimizer, 'm_schedule_after'):
            result.append(optimizer.m_schedule_after(saved_steps))
            if saved_steps:
                notes.append('m_schedule computed from the %d saved steps'
                             % saved_steps)
        else:
            result += current[1:1 + extra]
    position = 1 + extra
    for slot, i in layout:
        group = slots.get(slot)
        expected = current[position]
        position += 1
        if group is None:
            result.append(expected)
            continue
        value = group[i].value
        if tuple(np.shape(value)) != tuple(np.shape(expected)):
            if slot == 'vhat' and _not_needed(optimizer, 'vhat'):
                result.append(expected)
                continue
            raise Mismatch('saved %s has shape %s, but the %s slot of '
                           'weight %s has shape %s'
                           % (group[i].name, tuple(np.shape(value)),
                              slot, param_names[i],
                              tuple(np.shape(expected))))
        result.append(value)
    if len(result) != len(current):
        raise Mismatch('%d values for an optimizer of %d weights'
                       % (len(result), len(current)))
    return result, notes


def restore(optimizer, names, values, model=None):
    """Sets the optimizer's state from the saved names and values: all of
    it or, when it does not fit, none. Returns (problem or None, notes)."""
    if optimizer._custom_updates:
        try:
            optimizer.set_weights(values)
        except ValueError as error:
            return str(error), []
        return None, []
    try:
        state, notes = match(optimizer, names, values, model)
    except Mismatch as error:
        return str(error), []
    try:
        optimizer.set_weights(state)
    except ValueError as error:
        return str(error), []
    return None, notes
