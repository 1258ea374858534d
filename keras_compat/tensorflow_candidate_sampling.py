"""TensorFlow's candidate samplers (`tf.random.log_uniform_candidate_sampler`,
`tf.random.uniform_candidate_sampler`, also under `tf.nn`), as sampled
softmax and word2vec's negative sampling use them.

Each returns TensorFlow's triple: `num_sampled` int64 candidates in
`[0, range_max)`, the float32 expected counts of `true_classes`
(`[batch, num_true]`) and of the candidates. With `unique=True` the
candidates are drawn without replacement (rejection, as TensorFlow's
range sampler does) and an expected count is `1 - (1 - p) ** tries`;
otherwise it is `p * num_sampled`. The draws come from torch's generator,
so the candidates are not TensorFlow's for a given seed."""
import math

import numpy as np
import torch

from .backend import device as _device


def _log_uniform_probability(values, range_max):
    """Zipf-like P(k) = log((k + 2) / (k + 1)) / log(range_max + 1)."""
    return np.log((values + 2.0) / (values + 1.0)) / math.log1p(range_max)


def _log_uniform_draw(uniforms, range_max):
    drawn = np.exp(uniforms * math.log1p(range_max)).astype(np.int64) - 1
    return np.minimum(drawn, range_max - 1)


def _uniform_probability(values, range_max):
    return np.full(np.shape(values), 1.0 / range_max)


def _uniform_draw(uniforms, range_max):
    return np.minimum((uniforms * range_max).astype(np.int64), range_max - 1)


def _uniforms(count, generator):
    return torch.rand(count, dtype=torch.float64,
                      generator=generator).numpy()


def _draw(draw, num_sampled, unique, range_max, generator):
    """(candidates, number of tries)."""
    if not unique:
        return draw(_uniforms(num_sampled, generator), range_max), \
            num_sampled
    picked, seen, tries = [], set(), 0
    while len(picked) < num_sampled:
        for value in draw(_uniforms(max(4 * num_sampled, 16), generator),
                          range_max).tolist():
            tries += 1
            if value not in seen:
                seen.add(value)
                picked.append(value)
                if len(picked) == num_sampled:
                    break
    return np.array(picked, np.int64), tries


def _expected_count(probability, num_sampled, tries):
    if tries == num_sampled:
        return probability * num_sampled
    return -np.expm1(tries * np.log1p(-probability))


def _true_classes(true_classes, num_true, invalid):
    values = np.asarray(true_classes.detach().cpu().numpy()
                        if isinstance(true_classes, torch.Tensor)
                        else true_classes)
    if values.ndim != 2:
        raise invalid('true_classes must be a matrix, got shape %s.'
                         % (values.shape,))
    if values.shape[1] != num_true:
        raise invalid('true_classes must have num_true columns, '
                         'expected: %d was: %d' % (num_true, values.shape[1]))
    return values.astype(np.int64)


def _sampler(probability, draw, invalid):
    def sample(true_classes, num_true, num_sampled, unique, range_max,
               seed=None, name=None):
        num_true, num_sampled = int(num_true), int(num_sampled)
        range_max = int(range_max)
        classes = _true_classes(true_classes, num_true, invalid)
        if unique and num_sampled > range_max:
            raise invalid("Sampler's range is too small.")
        generator = None
        if seed is not None:
            generator = torch.Generator().manual_seed(int(seed))
        candidates, tries = _draw(draw, num_sampled, unique, range_max,
                                  generator)
        true_count = _expected_count(probability(classes, range_max),
                                     num_sampled, tries)
        sampled_count = _expected_count(probability(candidates, range_max),
                                        num_sampled, tries)
        device = _device.get_device()
        return (torch.as_tensor(candidates, device=device),
                torch.as_tensor(true_count, dtype=torch.float32,
                                device=device),
                torch.as_tensor(sampled_count, dtype=torch.float32,
                                device=device))
    return sample


def install(random, nn, invalid_argument_error):
    """Puts both samplers in the `random` and `nn` modules; bad arguments
    raise `invalid_argument_error` (tf.errors.InvalidArgumentError)."""
    for name, probability, draw, doc in _SAMPLERS:
        sample = _sampler(probability, draw, invalid_argument_error)
        sample.__name__, sample.__doc__ = name, doc
        setattr(random, name, sample)
        setattr(nn, name, sample)


_SAMPLERS = (
    ('log_uniform_candidate_sampler', _log_uniform_probability,
     _log_uniform_draw,
     'Candidates from the log-uniform (Zipfian) distribution over '
     '`[0, range_max)`: (sampled_candidates, true_expected_count, '
     'sampled_expected_count).'),
    ('uniform_candidate_sampler', _uniform_probability, _uniform_draw,
     'Candidates drawn uniformly from `[0, range_max)`: '
     '(sampled_candidates, true_expected_count, sampled_expected_count).'))
