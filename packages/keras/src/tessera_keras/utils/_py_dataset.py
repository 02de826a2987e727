"""``keras.utils.PyDataset`` (alias ``Sequence``): batches produced by Python code.

Batches are read in-process, one after the other: ``workers``, ``use_multiprocessing`` and
``max_queue_size`` are accepted and kept (as Keras) but start no threads or processes (nothing
is pickled)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np


class PyDataset:
    """Subclass it: implement ``__len__`` (number of batches) and ``__getitem__(index)``
    returning ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``; optionally
    ``on_epoch_begin`` / ``on_epoch_end`` (called around each epoch by fit/evaluate/predict).
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10) -> None:
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self) -> None:
        warn = False
        for attr, default in (("_workers", 1), ("_use_multiprocessing", False),
                              ("_max_queue_size", 10)):
            if not hasattr(self, attr):
                setattr(self, attr, default)
                warn = True
        if warn:
            warnings.warn("Your `PyDataset` class should call `super().__init__(**kwargs)` in "
                          "its constructor. `**kwargs` can include `workers`, "
                          "`use_multiprocessing`, `max_queue_size`. Do not pass these "
                          "arguments to `fit()`, as they will be ignored.", stacklevel=3)

    @property
    def workers(self):
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value) -> None:
        self._workers = value

    @property
    def use_multiprocessing(self):
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value) -> None:
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value) -> None:
        self._max_queue_size = value

    def __getitem__(self, index):
        raise NotImplementedError

    def __iter__(self):
        n = self.num_batches
        for index in (range(n) if n is not None else itertools.count()):
            yield self[index]

    @property
    def num_batches(self):
        """The number of batches, or None for an endless dataset (``__len__`` by default)."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError("You need to implement the `num_batches` property:\n\n"
                                  "@property\ndef num_batches(self):\n  return ...")

    def on_epoch_begin(self) -> None:
        """Called at the beginning of every epoch."""

    def on_epoch_end(self) -> None:
        """Called at the end of every epoch."""


Sequence = PyDataset


def standardize_batch(batch):
    """A batch as a ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` tuple (or a dict)."""
    if isinstance(batch, dict):
        return batch
    if isinstance(batch, np.ndarray):
        batch = (batch,)
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple) or len(batch) not in (1, 2, 3):
        raise ValueError("PyDataset.__getitem__() must return a tuple or a dict. If a tuple, "
                         "it must be ordered either (input,) or (inputs, targets) or "
                         "(inputs, targets, sample_weights). "
                         f"Received: {str(batch)[:100]}... of type {type(batch)}")
    return batch


def class_weighted(batch, class_weight):
    """Append per-sample weights looked up from ``class_weight`` to an ``(x, y)`` batch."""
    if class_weight is None:
        return batch
    if len(batch) == 3:
        raise ValueError("You cannot specify `class_weight` and `sample_weight` at the same "
                         "time.")
    if len(batch) == 2:
        labels = np.asarray(batch[1])
        labels = labels.argmax(-1) if labels.ndim > 1 and labels.shape[-1] > 1 else \
            labels.reshape(labels.shape[0], -1)[:, 0]
        sw = np.array([class_weight.get(int(c), 1.0) for c in labels], dtype="float32")
        batch = batch + (sw,)
    return batch


def epoch_batches(dataset, shuffle=False, rng=None, limit=None, class_weight=None):
    """One epoch of a PyDataset: ``on_epoch_begin``, its batches (in shuffled order when
    ``shuffle``, as Keras's fit), then ``on_epoch_end``."""
    n = dataset.num_batches
    if n is None and shuffle:
        warnings.warn("`shuffle=True` was passed, but will be ignored since the data `x` was "
                      "provided as an infinite PyDataset. The PyDataset is expected to already "
                      "be shuffled.", stacklevel=3)
    if n is not None:
        indices = np.arange(n)
        if shuffle:
            (rng or np.random.default_rng()).shuffle(indices)
        indices = iter(indices.tolist())
    else:
        indices = itertools.count()
    if limit is not None:
        indices = itertools.islice(indices, limit)
    dataset.on_epoch_begin()
    try:
        for i in indices:
            yield class_weighted(standardize_batch(dataset[i]), class_weight)
    finally:
        # Also when the loop stops early (steps, stop_training) and closes the generator.
        dataset.on_epoch_end()
