"""Element-wise and stream transformations run in the consumer's thread: map, filter,
shuffle, repeat, take, skip, flat_map, scan, ignore_errors, shard, unique, take_while."""

from __future__ import annotations

import logging
import os

import numpy as np

from tessera import errors
from tessera._data import structure
from tessera._data.dataset import INFINITE, UNKNOWN, DatasetV2
from tessera._data.functions import _wrap_function
from tessera._framework.tensor import Tensor


class _Unary(DatasetV2):
    """One input, same elements spec unless a subclass says otherwise."""

    def __init__(self, input_dataset: DatasetV2) -> None:
        self._input = input_dataset
        self._inputs = (input_dataset,)

    @property
    def element_spec(self):
        return self._input.element_spec

    def _cardinality(self) -> int:
        return self._input._cardinality()


class MapDataset(_Unary):
    _tf_name = "_MapDataset"

    def __init__(self, input_dataset: DatasetV2, map_func) -> None:
        super().__init__(input_dataset)
        self._fn = _wrap_function(map_func, _LazySpec(input_dataset), input_dataset._first)

    @property
    def element_spec(self):
        return self._fn.output_spec()

    def _make_iter(self):
        return _MapIterator(self._input._make_iter(), self._fn.call)


class _LazySpec:
    """Stands for an input's element_spec until the function's output spec is asked for."""

    def __init__(self, dataset: DatasetV2) -> None:
        self._dataset = dataset


def _resolve(spec):
    return spec._dataset.element_spec if isinstance(spec, _LazySpec) else spec


class _MapIterator:
    """A class (not a generator) so an error in one element leaves the iterator usable."""

    __slots__ = ("_call", "_it")

    def __init__(self, it, call) -> None:
        self._it, self._call = it, call

    def __iter__(self):
        return self

    def __next__(self):
        return self._call(next(self._it))

    def close(self):
        c = getattr(self._it, "close", None)
        if c is not None:
            c()


def _truth(value, what: str) -> bool:
    if isinstance(value, Tensor):
        if value.shape.rank != 0 or value.dtype.name != "bool":
            raise ValueError(f"Invalid `{what}`. `{what}` must return a scalar boolean "
                             f"`tf.Tensor`, but its return type is {value!r}.")
        return bool(value._value) if hasattr(value, "_value") else bool(value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    raise ValueError(f"Invalid `{what}`. `{what}` must return a `tf.bool` scalar tensor, but "
                     f"its return type is {type(value)}.")


class _FilterIterator:
    __slots__ = ("_it", "_pred")

    def __init__(self, it, pred) -> None:
        self._it, self._pred = it, pred

    def __iter__(self):
        return self

    def __next__(self):
        it, pred = self._it, self._pred
        while True:
            e = next(it)
            if _truth(pred(e), "predicate"):
                return e


class FilterDataset(_Unary):
    _tf_name = "_FilterDataset"

    def __init__(self, input_dataset: DatasetV2, predicate) -> None:
        super().__init__(input_dataset)
        if not callable(predicate):
            raise TypeError(f"`predicate` must be callable, got {predicate!r}")
        self._pred = _wrap_function(predicate, _LazySpec(input_dataset)).call

    def _cardinality(self) -> int:
        return UNKNOWN

    def _make_iter(self):
        return _FilterIterator(self._input._make_iter(), self._pred)


class ShuffleDataset(_Unary):
    _tf_name = "_ShuffleDataset"

    def __init__(self, input_dataset: DatasetV2, buffer_size: int, seed,
                 reshuffle_each_iteration) -> None:
        super().__init__(input_dataset)
        if buffer_size <= 0 and buffer_size != -1:
            raise errors.InvalidArgumentError(None, None, "buffer_size must be greater than "
                                                          "zero.")
        self._buffer_size = buffer_size
        from tessera._ops.random_ops import get_seed

        s1, s2 = get_seed(seed)
        if s1 is None:  # nondeterministic: a fresh seed for this dataset
            s1, s2 = (int.from_bytes(os.urandom(4), "little"),
                      int.from_bytes(os.urandom(4), "little"))
        self._seeds = (int(s1), int(s2))
        self._reshuffle = True if reshuffle_each_iteration is None else bool(
            reshuffle_each_iteration)
        self._epoch = 0

    def _make_iter(self):
        from tessera._data.dataset import peeking

        epoch = self._epoch
        if self._reshuffle and not peeking():
            self._epoch += 1
        rng = np.random.Generator(np.random.Philox(key=[self._seeds[0], self._seeds[1]],
                                                   counter=[0, 0, 0, epoch]))
        size = self._buffer_size
        if size == -1:
            size = 1 << 62
        return _shuffle(self._input._make_iter(), size, rng)


def _shuffle(it, size: int, rng):
    """TF's buffer shuffle: fill ``size`` elements, emit a random one, refill its slot."""
    buf = []
    append = buf.append
    for e in it:
        append(e)
        if len(buf) >= size:
            break
    draws = rng.integers(0, 1 << 62, size=1024).tolist()
    k = 0
    for e in it:
        if k == 1024:
            draws, k = rng.integers(0, 1 << 62, size=1024).tolist(), 0
        i = draws[k] % size
        k += 1
        out = buf[i]
        buf[i] = e
        yield out
    # input exhausted: drain the buffer in random order
    n = len(buf)
    if n:
        for i in rng.permutation(n).tolist():
            yield buf[i]


class RepeatDataset(_Unary):
    _tf_name = "_RepeatDataset"

    def __init__(self, input_dataset: DatasetV2, count: int) -> None:
        super().__init__(input_dataset)
        self._count = count

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if self._count == 0 or n == 0:
            return 0
        if self._count < 0 or n == INFINITE:
            return INFINITE
        if n == UNKNOWN:
            return UNKNOWN
        return n * self._count

    def _make_iter(self):
        count, src = self._count, self._input

        def gen():
            k = 0
            while count < 0 or k < count:
                produced = False
                for e in src._make_iter():
                    produced = True
                    yield e
                if not produced:
                    return
                k += 1

        return gen()


class TakeDataset(_Unary):
    _tf_name = "_TakeDataset"

    def __init__(self, input_dataset: DatasetV2, count: int) -> None:
        super().__init__(input_dataset)
        self._count = count

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if self._count < 0:
            return n
        if n == UNKNOWN:
            return UNKNOWN
        if n == INFINITE:
            return self._count
        return min(n, self._count)

    def _make_iter(self):
        it = self._input._make_iter()
        if self._count < 0:
            return it
        import itertools

        return itertools.islice(it, self._count)


class SkipDataset(_Unary):
    _tf_name = "_SkipDataset"

    def __init__(self, input_dataset: DatasetV2, count: int) -> None:
        super().__init__(input_dataset)
        self._count = count

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if n < 0:
            return n
        if self._count < 0:
            return 0
        return max(0, n - self._count)

    def _make_iter(self):
        import itertools

        it = self._input._make_iter()
        if self._count < 0:
            for _ in it:
                pass
            return iter(())
        return itertools.islice(it, self._count, None)


def _check_dataset(value, what: str) -> DatasetV2:
    if not isinstance(value, DatasetV2):
        raise TypeError(f"The `{what}` function must return a `tf.data.Dataset` object, got "
                        f"{type(value).__name__}")
    return value


class FlatMapDataset(_Unary):
    _tf_name = "_FlatMapDataset"

    def __init__(self, input_dataset: DatasetV2, map_func) -> None:
        super().__init__(input_dataset)
        self._fn = _wrap_function(map_func, _LazySpec(input_dataset), input_dataset._first)

    @property
    def element_spec(self):
        spec = self._fn.output_spec()
        if not isinstance(spec, structure.DatasetSpec):
            raise TypeError(f"The `map_func` argument must return a `Dataset` object. Got "
                            f"{spec!r}.")
        return spec.element_spec

    def _cardinality(self) -> int:
        return UNKNOWN

    def _make_iter(self):
        call = self._fn.call

        def gen():
            for e in self._input._make_iter():
                yield from _check_dataset(call(e), "map_func")._make_iter()

        return gen()


class ScanDataset(_Unary):
    _tf_name = "_ScanDataset"

    def __init__(self, input_dataset: DatasetV2, initial_state, scan_func) -> None:
        super().__init__(input_dataset)
        self._state = structure.normalize_element(initial_state)
        self._fn = _wrap_function(scan_func, None)
        self._spec = None

    @property
    def element_spec(self):
        if self._spec is None:
            first = self._input._first()
            if first is None:
                raise ValueError("Cannot infer the scan's output spec from an empty dataset")
            _, out = self._step(self._state, first)
            self._spec = structure.spec_of(out)
        return self._spec

    def _step(self, state, element):
        result = self._fn.call_raw(state, element)
        if not isinstance(result, tuple) or len(result) != 2:
            raise TypeError(f"The scan function must return a pair comprising the new state "
                            f"and the output value. Got {result!r}.")
        new_state, out = result
        if not structure.same_structure(new_state, self._state):
            raise TypeError(f"The element types for the new state must match the initial "
                            f"state. Expected {structure.spec_of(self._state)}; got "
                            f"{structure.spec_of(new_state)}.")
        return new_state, out

    def _make_iter(self):
        def gen():
            state = self._state
            for e in self._input._make_iter():
                state, out = self._step(state, e)
                yield out

        return gen()


class _IgnoreErrorsIterator:
    def __init__(self, it, log_warning: bool) -> None:
        self._it, self._log = it, log_warning

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            try:
                return next(self._it)
            except StopIteration:
                raise
            except Exception as e:
                if self._log:
                    logging.getLogger("tessera").warning("Error raised with error message %s",
                                                         e)


class IgnoreErrorsDataset(_Unary):
    _tf_name = "_IgnoreErrorsDataset"

    def __init__(self, input_dataset: DatasetV2, log_warning: bool) -> None:
        super().__init__(input_dataset)
        self._log = log_warning

    def _cardinality(self) -> int:
        return UNKNOWN

    def _make_iter(self):
        return _IgnoreErrorsIterator(self._input._make_iter(), self._log)


class OptionsDataset(_Unary):
    _tf_name = "_OptionsDataset"

    def __init__(self, input_dataset: DatasetV2, options) -> None:
        super().__init__(input_dataset)
        from tessera._data.options import Options

        if not isinstance(options, Options):
            raise TypeError(f"`options` must be a tf.data.Options, got {type(options)}")
        self._own_options = options

    def _make_iter(self):
        return self._input._make_iter()


class ShardDataset(_Unary):
    _tf_name = "_ShardDataset"

    def __init__(self, input_dataset: DatasetV2, num_shards: int, index: int) -> None:
        super().__init__(input_dataset)
        if num_shards <= 0:
            raise errors.InvalidArgumentError(None, None, "Number of shards must be greater "
                                                          "than zero (currently num_shards = "
                                                          f"{num_shards}).")
        if not 0 <= index < num_shards:
            raise errors.InvalidArgumentError(None, None, f"Index must be between 0 and "
                                                          f"{num_shards - 1} (currently index = "
                                                          f"{index}).")
        self._n, self._i = num_shards, index

    def _cardinality(self) -> int:
        c = self._input._cardinality()
        if c < 0:
            return c
        return c // self._n + (1 if self._i < c % self._n else 0)

    def _make_iter(self):
        import itertools

        return itertools.islice(self._input._make_iter(), self._i, None, self._n)


class UniqueDataset(_Unary):
    _tf_name = "_UniqueDataset"

    def __init__(self, input_dataset: DatasetV2) -> None:
        super().__init__(input_dataset)
        spec = input_dataset.element_spec
        from tessera._framework.tensor_spec import TensorSpec

        if not isinstance(spec, TensorSpec) or spec.dtype.name not in ("int32", "int64",
                                                                       "string"):
            raise TypeError(f"`tf.data.Dataset.unique` does not support type {spec!r}: only "
                            f"datasets of single int32, int64 or string tensors are supported")

    def _cardinality(self) -> int:
        return UNKNOWN

    def _make_iter(self):
        def gen():
            seen = set()
            for e in self._input._make_iter():
                key = e._value.tobytes() if e._value.dtype != object else (
                    e._value.shape, tuple(e._value.reshape(-1)))
                key = (e._value.shape, key)
                if key not in seen:
                    seen.add(key)
                    yield e

        return gen()


class TakeWhileDataset(_Unary):
    _tf_name = "_TakeWhileDataset"

    def __init__(self, input_dataset: DatasetV2, predicate) -> None:
        super().__init__(input_dataset)
        self._pred = _wrap_function(predicate, _LazySpec(input_dataset)).call

    def _cardinality(self) -> int:
        return UNKNOWN

    def _make_iter(self):
        pred = self._pred

        def gen():
            for e in self._input._make_iter():
                if not _truth(pred(e), "predicate"):
                    return
                yield e

        return gen()


class AssertCardinalityDataset(_Unary):
    _tf_name = "_AssertCardinalityDataset"

    def __init__(self, input_dataset: DatasetV2, expected: int) -> None:
        super().__init__(input_dataset)
        self._expected = expected

    def _cardinality(self) -> int:
        return self._expected

    def _make_iter(self):
        expected = self._expected

        def gen():
            n = 0
            for e in self._input._make_iter():
                n += 1
                if expected >= 0 and n > expected:
                    raise errors.FailedPreconditionError(
                        None, None, f"Input dataset was expected to contain {expected} "
                                    f"elements but contained at least {n} elements.")
                yield e
            if expected == INFINITE or n < expected:
                raise errors.FailedPreconditionError(
                    None, None, f"Input dataset was expected to contain {expected} elements "
                                f"but contained only {n} elements.")

        return gen()


def assert_cardinality(dataset: DatasetV2, expected) -> DatasetV2:
    from tessera._data.dataset import as_int

    return AssertCardinalityDataset(dataset, as_int(expected, "expected_cardinality"))
