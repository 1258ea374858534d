"""How the processes of a torchrun job share the data, whatever it is.

Arrays are split inside every global batch (`local_part`). Data read
batch by batch is split by batch index, as torch's `DistributedSampler`
splits samples:

- a `keras.utils.Sequence` (the `ImageDataGenerator.flow*` iterators
  included) or a map-style `DataLoader`/`Dataset`: in training, process r
  of N takes the batches r, r+N, r+2N, ... of each pass, so every process
  runs ceil(len / N) steps. The batch order is the same everywhere:
  numpy's random state is rank 0's when a pass starts (fit's shuffle of a
  Sequence then draws one order) and again before the Sequence's
  `on_epoch_end` (a Sequence that shuffles itself shuffles alike); a
  DataLoader's sampler draws the order on rank 0. While the batches are
  read each process draws from a numpy stream of its own (different
  random augmentations). In the last round of an uneven pass the
  processes left without a batch rerun one with weight 0
  (`Share(0, True)`), so all stay in lock-step. In evaluation and
  prediction each process reads a contiguous block of batches, so the
  results concatenate in rank order.
- a plain Python generator or an iterable DataLoader cannot be split:
  in training each process runs ceil(steps / N) steps from its own
  generator (warned about once); evaluation and prediction read it
  whole on every process."""
import collections
import warnings

import numpy as np
import torch

from .. import distributed


class Share(collections.namedtuple('Share', 'loss_scale empty')):
    """A process's part of a global batch. `loss_scale` makes DDP's
    gradient average the mean over the global batch; an `empty` share
    holds a stand-in that trains with weight 0 and counts in no metric."""
    __slots__ = ()


def local_part(start, stop):
    """This process's rows of the global batch [start, stop) and its
    `Share`. A process left without rows reruns the first one with
    weight 0."""
    n = stop - start
    first, last = distributed.batch_share(n)
    if last == first:
        return start, start + 1, Share(0., True)
    scale = (last - first) * distributed.world_size() / float(n)
    return start + first, start + last, Share(scale, False)


# ----------------------------------------------------- batch-index splits
def steps_per_process(steps):
    """Steps each of the processes runs for `steps` global batches."""
    n = distributed.world_size()
    return (int(steps) + n - 1) // n


def training_slots(count):
    """[(position, Share)] of this process's batches in one pass over
    `count` batches. A round of N batches trains as one global batch: each
    of its k real batches weighs N / k, so DDP's average is their mean."""
    n, r = distributed.world_size(), distributed.rank()
    slots = []
    for first in range(0, count, n):
        real = min(n, count - first)
        if r < real:
            slots.append((first + r, Share(n / float(real), False)))
        else:
            slots.append(((first + r) % count, Share(0., True)))
    return slots


def evaluation_slots(count):
    """[(position, Share or None)] of this process's contiguous block of
    `count` batches. A process left without one reads a stand-in that
    only builds its metrics, so the metric states of all processes can be
    summed."""
    start, stop = distributed.batch_share(count)
    if start == stop:
        return [(distributed.rank() % count, Share(0., True))]
    return [(p, None) for p in range(start, stop)]


def shared_object(value):
    """Rank 0's `value` (any picklable object), on every process."""
    import torch.distributed as dist
    holder = [value]
    dist.broadcast_object_list(holder, src=0,
                               device=distributed.collective_device())
    return holder[0]


def share_numpy_random_state():
    """Gives every process rank 0's numpy random state."""
    np.random.set_state(shared_object(np.random.get_state()))


def distinct_numpy_streams():
    """Re-seeds numpy's global RNG differently on each process, from one
    draw of the (shared) state, so that what a Sequence draws while it is
    read (random augmentations) differs between processes."""
    base = int(np.random.randint(2 ** 31 - 1))
    np.random.seed((base + 7919 * distributed.rank()) % 2 ** 32)


def warn_unsplit_generator():
    warnings.warn(
        'A Python generator cannot be split across the %d processes of '
        'this run: each process trains on ceil(steps_per_epoch / %d) '
        'batches of its own generator. Make the batches differ between '
        'processes (e.g. seed or slice them with '
        'keras_compat.distributed.rank()), or pass a keras.utils.Sequence '
        'or a DataLoader, which are split by batch index.'
        % (distributed.world_size(), distributed.world_size()),
        stacklevel=4)


# ------------------------------------------------------------ DataLoaders
def is_splittable_loader(loader):
    """A map-style DataLoader: its batches are lists of dataset indices."""
    return isinstance(loader, torch.utils.data.DataLoader) and not \
        isinstance(loader.dataset, torch.utils.data.IterableDataset)


def loader_units(loader):
    """The index lists (batch_size set) or indices (batch_size=None) of
    the loader's next pass, as its sampler draws them."""
    source = loader.batch_sampler if loader.batch_sampler is not None \
        else loader.sampler
    return [list(unit) if isinstance(unit, (list, tuple)) else unit
            for unit in source]


def loader_over(loader, units):
    """A DataLoader like `loader` reading exactly `units`, in order."""
    kwargs = dict(num_workers=loader.num_workers,
                  collate_fn=loader.collate_fn, pin_memory=loader.pin_memory,
                  timeout=loader.timeout,
                  worker_init_fn=loader.worker_init_fn,
                  multiprocessing_context=loader.multiprocessing_context)
    if loader.num_workers > 0:
        kwargs['prefetch_factor'] = loader.prefetch_factor
    if loader.batch_sampler is not None:
        return torch.utils.data.DataLoader(loader.dataset,
                                           batch_sampler=units, **kwargs)
    return torch.utils.data.DataLoader(loader.dataset, batch_size=None,
                                       sampler=units, **kwargs)
