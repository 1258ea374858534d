"""tf.data's mixing of datasets: `Dataset.choose_from_datasets` and
`Dataset.sample_from_datasets` (also under `tf.data.experimental`), on
keras_compat's list-backed `tf.data.Dataset`."""
import numpy as np

# An endless random mix is one cycle of this many draws, repeated.
_ENDLESS_DRAWS = 1 << 14
# An endless chosen mix has a period; past this many elements it is cut.
_MAX_PERIOD = 1 << 20


def _passes(datasets):
    return [dataset._pass() for dataset in datasets]


def _mixed(dataset_class, passes, choices, stop_on_empty, endless):
    """The elements `choices` picks (indices into `passes`); a finite
    dataset that runs out ends the mix (`stop_on_empty`) or is skipped."""
    positions = [0] * len(passes)
    out = []
    for index in choices:
        items, repeats = passes[index]
        if positions[index] >= len(items) and not repeats:
            if stop_on_empty:
                break
            continue
        out.append(items[positions[index] % len(items)])
        positions[index] += 1
    dataset = dataset_class(lambda: out)
    return dataset.repeat() if endless else dataset


def _period_choices(choice_items, passes):
    """The choices of one period of an endless choice over endless
    datasets: until every position is back where it started."""
    choices, positions = [], [0] * len(passes)
    for step in range(_MAX_PERIOD):
        index = int(choice_items[step % len(choice_items)])
        choices.append(index)
        positions[index] = (positions[index] + 1) % len(passes[index][0])
        if (step + 1) % len(choice_items) == 0 and not any(positions):
            break
    return choices


def choose_from_datasets(dataset_class):
    """tf.data.Dataset.choose_from_datasets for the Dataset class."""
    def choose(datasets, choice_dataset, stop_on_empty_dataset=True):
        passes = _passes(datasets)
        choice_items, choice_endless = choice_dataset._pass()
        endless = choice_endless and all(r for _, r in passes)
        if endless:
            choices = _period_choices(choice_items, passes)
        else:
            choices = [int(c) for c in choice_items]
        return _mixed(dataset_class, passes, choices, stop_on_empty_dataset,
                      endless)
    return staticmethod(choose)


def sample_from_datasets(dataset_class):
    """tf.data.Dataset.sample_from_datasets for the Dataset class: each
    element from a dataset drawn with `weights` (equal by default) by a
    generator seeded with `seed`; an endless mix repeats a cycle of
    2**14 draws. The draws are not TensorFlow's random sequence."""
    def sample(datasets, weights=None, seed=None,
               stop_on_empty_dataset=False, rerandomize_each_iteration=None):
        if weights is not None and not isinstance(weights, (list, tuple,
                                                            np.ndarray)):
            raise NotImplementedError(
                'sample_from_datasets: `weights` as a dataset is not '
                'supported; pass a list of floats.')

        passes = _passes(datasets)
        live = np.ones(len(passes)) if weights is None else \
            np.array(weights, 'float64')
        generator = np.random.RandomState(seed)
        endless = all(r for _, r in passes)
        total = _ENDLESS_DRAWS if endless else \
            sum(len(items) for items, _ in passes)
        choices, left = [], [len(items) for items, _ in passes]
        while len(choices) < total and live.sum() > 0:
            index = generator.choice(len(passes), p=live / live.sum())
            choices.append(index)
            if not passes[index][1]:
                left[index] -= 1
                if left[index] <= 0:
                    if stop_on_empty_dataset:
                        break
                    live[index] = 0.
        return _mixed(dataset_class, passes, choices, stop_on_empty_dataset,
                      endless)
    return staticmethod(sample)


def install(data):
    """Adds the mixing functions to tf.data."""
    dataset_class = data.Dataset
    dataset_class.choose_from_datasets = choose_from_datasets(dataset_class)
    dataset_class.sample_from_datasets = sample_from_datasets(dataset_class)
    data.experimental.choose_from_datasets = \
        dataset_class.choose_from_datasets
    data.experimental.sample_from_datasets = \
        dataset_class.sample_from_datasets

