"""``tf.data.Dataset``: the base class, its iterator and the cardinality constants.

A dataset is an immutable description; iterating it asks ``_make_iter()`` for a fresh
Python iterator over elements (nests of eager tensors). Each transformation is a small
subclass in ``sources``, ``transformations``, ``batching``, ``parallel`` or the file
readers; the methods here only construct them.
"""

from __future__ import annotations

import os
import threading

import numpy as np

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._data import structure
from tessera._data.options import Options
from tessera._framework.convert import wrap

AUTOTUNE = -1
INFINITE = -1
UNKNOWN = -2

_CPU = structure.CPU
_peeking = threading.local()


def peeking() -> bool:
    """Whether iterators are being made only to peek at a first element."""
    return bool(getattr(_peeking, "active", 0))


def _i64(v: int):
    return wrap(np.asarray(v, dtype=np.int64), _dtypes.int64, _CPU)


def as_int(value, name: str = "value") -> int:
    """A Python int from an int, NumPy integer or scalar integer tensor."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        value = value.item()
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be an integer, got {value!r}") from None


def default_parallelism() -> int:
    return max(2, os.cpu_count() or 2)


class DatasetV2:
    """Base of every dataset. Subclasses define ``_make_iter``, ``element_spec`` and
    ``_cardinality``; ``_inputs`` lists the datasets they read (for options)."""

    _inputs: tuple = ()
    _own_options: Options | None = None

    # -- what subclasses provide ---------------------------------------------------------------
    def _make_iter(self):  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def element_spec(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _cardinality(self) -> int:
        return UNKNOWN

    # -- iteration -------------------------------------------------------------------------------
    def __iter__(self) -> OwnedIterator:
        return OwnedIterator(self)

    def __bool__(self) -> bool:
        return True

    def __len__(self) -> int:
        n = self._cardinality()
        if n == INFINITE:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return n

    def __repr__(self) -> str:
        name = getattr(self, "_tf_name", type(self).__name__)
        return f"<{name} element_spec={self.element_spec!r}>"

    def _first(self):
        """The first element, or None if the dataset is empty (used to learn specs). A peek
        leaves no trace: shuffles do not count it as an epoch."""
        _peeking.active = getattr(_peeking, "active", 0) + 1
        try:
            it = self._make_iter()
        finally:
            _peeking.active -= 1
        try:
            return next(it)
        except StopIteration:
            return None
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()

    def cardinality(self):
        return _i64(self._cardinality())

    def options(self) -> Options:
        out = Options()
        for d in self._inputs:
            out._merge_from(d.options())
        if self._own_options is not None:
            out._merge_from(self._own_options)
        return out

    def _deterministic(self, deterministic) -> bool:
        if deterministic is not None:
            return bool(deterministic)
        d = self.options().deterministic
        return True if d is None else d

    def as_numpy_iterator(self):
        def to_np(v):
            if isinstance(v, DatasetV2):
                raise TypeError(f"Dataset.as_numpy_iterator() is not supported for datasets "
                                f"that produce values of type {DatasetV2}")
            return v.numpy()

        return _NumpyIterator(self, to_np)

    # -- sources ---------------------------------------------------------------------------------
    @staticmethod
    def from_tensors(tensors, name=None) -> DatasetV2:
        from tessera._data.sources import TensorDataset

        return TensorDataset(tensors)

    @staticmethod
    def from_tensor_slices(tensors, name=None) -> DatasetV2:
        from tessera._data.sources import TensorSliceDataset

        return TensorSliceDataset(tensors)

    @staticmethod
    def range(*args, dtype=_dtypes.int64, name=None) -> DatasetV2:
        from tessera._data.sources import RangeDataset

        return RangeDataset(*args, dtype=dtype)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None) -> DatasetV2:
        from tessera._data.sources import GeneratorDataset

        return GeneratorDataset(generator, output_types, output_shapes, args, output_signature)

    @staticmethod
    def zip(*args, datasets=None, name=None) -> DatasetV2:
        from tessera._data.sources import ZipDataset

        if datasets is not None and args:
            raise TypeError("Both `*args` and `datasets` cannot be set.")
        if datasets is None:
            if not args:
                raise TypeError("Must pass at least one dataset to `zip`.")
            datasets = args[0] if len(args) == 1 else args
        return ZipDataset(datasets)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None) -> DatasetV2:
        from tessera._data.sources import list_files

        return list_files(file_pattern, shuffle, seed)

    @staticmethod
    def counter(start=0, step=1, dtype=_dtypes.int64, name=None) -> DatasetV2:
        from tessera._data.sources import RangeDataset

        return RangeDataset(start, None, step, dtype=dtype)

    @staticmethod
    def load(path, element_spec=None, compression=None, reader_func=None, wait=False
             ) -> DatasetV2:
        from tessera._data.save import load

        return load(path, element_spec, compression, reader_func)

    @staticmethod
    def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False,
                             rerandomize_each_iteration=None) -> DatasetV2:
        from tessera._data.sources import SampleFromDatasets

        return SampleFromDatasets(list(datasets), weights, seed, stop_on_empty_dataset)

    @staticmethod
    def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True
                             ) -> DatasetV2:
        from tessera._data.sources import ChooseFromDatasets

        return ChooseFromDatasets(list(datasets), choice_dataset, stop_on_empty_dataset)

    # -- transformations -------------------------------------------------------------------------
    def map(self, map_func, num_parallel_calls=None, deterministic=None, synchronous=None,
            use_unbounded_threadpool=False, name=None) -> DatasetV2:
        if num_parallel_calls is None:
            from tessera._data.transformations import MapDataset

            return MapDataset(self, map_func)
        from tessera._data.parallel import ParallelMapDataset

        return ParallelMapDataset(self, map_func, as_int(num_parallel_calls),
                                  deterministic)

    def filter(self, predicate, name=None) -> DatasetV2:
        from tessera._data.transformations import FilterDataset

        return FilterDataset(self, predicate)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None) -> DatasetV2:
        from tessera._data.batching import BatchDataset

        return BatchDataset(self, as_int(batch_size, "batch_size"), bool(drop_remainder),
                            num_parallel_calls)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None) -> DatasetV2:
        from tessera._data.batching import PaddedBatchDataset

        return PaddedBatchDataset(self, as_int(batch_size, "batch_size"), padded_shapes,
                                  padding_values, bool(drop_remainder))

    def unbatch(self, name=None) -> DatasetV2:
        from tessera._data.batching import UnbatchDataset

        return UnbatchDataset(self)

    def rebatch(self, batch_size, drop_remainder=False, name=None) -> DatasetV2:
        from tessera._data.batching import RebatchDataset

        return RebatchDataset(self, batch_size, bool(drop_remainder))

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None
                ) -> DatasetV2:
        from tessera._data.transformations import ShuffleDataset

        return ShuffleDataset(self, as_int(buffer_size, "buffer_size"), seed,
                              reshuffle_each_iteration)

    def repeat(self, count=None, name=None) -> DatasetV2:
        from tessera._data.transformations import RepeatDataset

        return RepeatDataset(self, -1 if count is None else as_int(count, "count"))

    def take(self, count, name=None) -> DatasetV2:
        from tessera._data.transformations import TakeDataset

        return TakeDataset(self, as_int(count, "count"))

    def skip(self, count, name=None) -> DatasetV2:
        from tessera._data.transformations import SkipDataset

        return SkipDataset(self, as_int(count, "count"))

    def prefetch(self, buffer_size, name=None) -> DatasetV2:
        from tessera._data.parallel import PrefetchDataset

        return PrefetchDataset(self, as_int(buffer_size, "buffer_size"))

    def cache(self, filename="", name=None) -> DatasetV2:
        from tessera._data.cache import CacheDataset

        return CacheDataset(self, os.fspath(filename) if not hasattr(filename, "numpy")
                            else filename.numpy().decode())

    def interleave(self, map_func, cycle_length=None, block_length=None,
                   num_parallel_calls=None, deterministic=None, name=None) -> DatasetV2:
        from tessera._data.parallel import InterleaveDataset

        return InterleaveDataset(self, map_func, cycle_length, block_length,
                                 num_parallel_calls, deterministic)

    def flat_map(self, map_func, name=None) -> DatasetV2:
        from tessera._data.transformations import FlatMapDataset

        return FlatMapDataset(self, map_func)

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None
               ) -> DatasetV2:
        from tessera._data.batching import WindowDataset

        size = as_int(size, "size")
        return WindowDataset(self, size, size if shift is None else as_int(shift, "shift"),
                             as_int(stride, "stride"), bool(drop_remainder))

    def enumerate(self, start=0, name=None) -> DatasetV2:
        from tessera._data.sources import RangeDataset, ZipDataset

        return ZipDataset((RangeDataset(as_int(start), None, 1), self))

    def concatenate(self, dataset, name=None) -> DatasetV2:
        from tessera._data.sources import ConcatenateDataset

        return ConcatenateDataset(self, dataset)

    def scan(self, initial_state, scan_func, name=None) -> DatasetV2:
        from tessera._data.transformations import ScanDataset

        return ScanDataset(self, initial_state, scan_func)

    def reduce(self, initial_state, reduce_func, name=None):
        from tessera._data.functions import _wrap_function

        state = structure.normalize_element(initial_state)
        fn = _wrap_function(reduce_func, (structure.spec_of(state), self.element_spec))
        for element in self._make_iter():
            state = fn.call_raw(state, element)
        return state

    def apply(self, transformation_func) -> DatasetV2:
        out = transformation_func(self)
        if not isinstance(out, DatasetV2):
            raise TypeError(f"`transformation_func` must return a `tf.data.Dataset` object. "
                            f"Got {type(out)}.")
        return out

    def bucket_by_sequence_length(self, element_length_func, bucket_boundaries,
                                  bucket_batch_sizes, padded_shapes=None, padding_values=None,
                                  pad_to_bucket_boundary=False, no_padding=False,
                                  drop_remainder=False, name=None) -> DatasetV2:
        from tessera._data.batching import bucket_by_sequence_length

        return bucket_by_sequence_length(self, element_length_func, bucket_boundaries,
                                         bucket_batch_sizes, padded_shapes, padding_values,
                                         pad_to_bucket_boundary, no_padding, drop_remainder)

    def group_by_window(self, key_func, reduce_func, window_size=None, window_size_func=None,
                        name=None) -> DatasetV2:
        from tessera._data.batching import GroupByWindowDataset

        return GroupByWindowDataset(self, key_func, reduce_func, window_size, window_size_func)

    def ignore_errors(self, log_warning=False, name=None) -> DatasetV2:
        from tessera._data.transformations import IgnoreErrorsDataset

        return IgnoreErrorsDataset(self, log_warning)

    def with_options(self, options: Options, name=None) -> DatasetV2:
        from tessera._data.transformations import OptionsDataset

        return OptionsDataset(self, options)

    def shard(self, num_shards, index, name=None) -> DatasetV2:
        from tessera._data.transformations import ShardDataset

        return ShardDataset(self, as_int(num_shards, "num_shards"), as_int(index, "index"))

    def unique(self, name=None) -> DatasetV2:
        from tessera._data.transformations import UniqueDataset

        return UniqueDataset(self)

    def take_while(self, predicate, name=None) -> DatasetV2:
        from tessera._data.transformations import TakeWhileDataset

        return TakeWhileDataset(self, predicate)

    def get_single_element(self, name=None):
        it = self._make_iter()
        try:
            first = next(it)
        except StopIteration:
            raise errors.InvalidArgumentError(None, None, "Dataset was empty.") from None
        try:
            next(it)
        except StopIteration:
            return first
        raise errors.InvalidArgumentError(None, None, "Dataset had more than one element.")

    def save(self, path, compression=None, shard_func=None, checkpoint_args=None) -> None:
        from tessera._data.save import save

        save(self, path, compression, shard_func)

    def snapshot(self, path, compression="AUTO", reader_func=None, shard_func=None,
                 name=None) -> DatasetV2:
        """Like ``cache(path)``: the first complete pass is written, later ones read it."""
        from tessera._data.cache import CacheDataset

        return CacheDataset(self, os.fspath(path))


Dataset = DatasetV2


class _NumpyIterator:
    """What ``as_numpy_iterator`` returns: elements with NumPy leaves."""

    def __init__(self, dataset: DatasetV2, to_np) -> None:
        self._it = dataset._make_iter()
        self._to_np = to_np

    def __iter__(self):
        return self

    def __next__(self):
        return structure.map_structure(self._to_np, next(self._it))

    next = __next__


class Optional:
    """``tf.experimental.Optional``: a value or nothing."""

    def __init__(self, value, has_value: bool, element_spec) -> None:
        self._value, self._has, self._spec = value, has_value, element_spec

    @staticmethod
    def from_value(value) -> Optional:
        v = structure.normalize_element(value)
        return Optional(v, True, structure.spec_of(v))

    @staticmethod
    def empty(element_spec) -> Optional:
        return Optional(None, False, element_spec)

    def has_value(self, name=None):
        return wrap(np.asarray(self._has), _dtypes.bool, _CPU)

    def get_value(self, name=None):
        if not self._has:
            raise errors.InvalidArgumentError(None, None, "The optional does not have a value.")
        return self._value

    @property
    def element_spec(self):
        return self._spec


class OwnedIterator:
    """What ``iter(dataset)`` returns: ``next()``, ``get_next()``, ``element_spec``."""

    __slots__ = ("_dataset", "_it")

    def __init__(self, dataset: DatasetV2) -> None:
        self._dataset = dataset
        self._it = dataset._make_iter()

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._it)

    def next(self):
        return next(self._it)

    def get_next(self):
        try:
            return next(self._it)
        except StopIteration:
            raise errors.OutOfRangeError(None, None, "End of sequence") from None

    def get_next_as_optional(self) -> Optional:
        try:
            return Optional(next(self._it), True, self._dataset.element_spec)
        except StopIteration:
            return Optional(None, False, self._dataset.element_spec)

    @property
    def element_spec(self):
        return self._dataset.element_spec

    @property
    def output_types(self):
        return structure.map_structure(lambda s: s.dtype, self.element_spec)

    @property
    def output_shapes(self):
        return structure.map_structure(lambda s: s.shape, self.element_spec)

    @property
    def output_classes(self):
        return structure.map_structure(lambda s: s.value_type if hasattr(s, "value_type")
                                       else type(None), self.element_spec)

    def __del__(self):
        close = getattr(getattr(self, "_it", None), "close", None)
        if close is not None:
            try:
                close()
            except Exception:
                pass
