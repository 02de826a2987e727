"""Datasets that start a pipeline: tensors, slices, ranges, generators, zip, concatenate,
file lists and sampling between datasets."""

from __future__ import annotations

import glob as _glob
import os

import numpy as np

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._data import structure
from tessera._data.dataset import INFINITE, UNKNOWN, DatasetV2, as_int
from tessera._data.sparse import SparseTensor
from tessera._framework.convert import to_numpy, wrap
from tessera._framework.tensor import Tensor
from tessera._framework.tensor_shape import TensorShape, as_shape
from tessera._framework.tensor_spec import TensorSpec

_CPU = structure.CPU


class TensorDataset(DatasetV2):
    _tf_name = "_TensorDataset"

    def __init__(self, element) -> None:
        self._element = structure.normalize_element(element)
        self._spec = structure.spec_of(self._element)

    @property
    def element_spec(self):
        return self._spec

    def _cardinality(self) -> int:
        return 1

    def _make_iter(self):
        return iter((self._element,))


def _np(t) -> np.ndarray:
    return t._value if hasattr(t, "_value") else np.asarray(t)


class _Slicer:
    """Slices one component along its first dimension; ``a[i, ...]`` keeps a 0-d array."""

    def __init__(self, leaf) -> None:
        if isinstance(leaf, SparseTensor):
            self.sparse = leaf
            self.n = int(_np(leaf.dense_shape)[0]) if leaf.dense_shape.shape[0] else None
            self.spec = structure.unbatched_spec(structure.spec_of_leaf(leaf))
            self._rows = None
            return
        if isinstance(leaf, DatasetV2):
            raise TypeError("from_tensor_slices cannot slice a dataset; use Dataset.zip or "
                            "flat_map instead")
        self.sparse = None
        if type(leaf).__name__ == "RaggedTensor":
            self.rows = list(leaf)
            self.n = len(self.rows)
            self.spec = None
            return
        arr = _np(leaf)
        if arr.ndim == 0:
            raise ValueError("Unbatching a tensor is only supported for rank >= 1")
        self.arr, self.dtype, self.n = arr, leaf.dtype, arr.shape[0]
        self.spec = TensorSpec(arr.shape[1:], leaf.dtype)

    def get(self, i: int):
        if self.sparse is not None:
            if self._rows is None:
                from tessera._data.sparse import unbatch_sparse

                self._rows = unbatch_sparse(self.sparse)
            return self._rows[i]
        if self.spec is None:
            return self.rows[i]
        return wrap(self.arr[i, ...], self.dtype, _CPU)


class TensorSliceDataset(DatasetV2):
    _tf_name = "_TensorSliceDataset"

    def __init__(self, tensors) -> None:
        element = structure.normalize_element(tensors)
        self._structure = element
        leaves = structure.flatten(element)
        if not leaves:
            raise ValueError("Invalid `tensors`. `tensors` should not be empty.")
        self._slicers = [_Slicer(v) for v in leaves]
        n = self._slicers[0].n
        for s in self._slicers[1:]:
            if s.n != n:
                raise ValueError(f"Dimensions {n} and {s.n} are not compatible")
        self._n = n
        self._spec = structure.pack(element, [s.spec if s.spec is not None else
                                              structure.spec_of_leaf(s.get(0))
                                              for s in self._slicers])

    @property
    def element_spec(self):
        return self._spec

    def _cardinality(self) -> int:
        return self._n

    def _make_iter(self):
        n, slicers, st = self._n, self._slicers, self._structure
        if len(slicers) == 1 and not isinstance(st, tuple | dict):
            get = slicers[0].get
            if slicers[0].sparse is None and slicers[0].spec is not None:
                arr, dtype = slicers[0].arr, slicers[0].dtype
                return (wrap(arr[i, ...], dtype, _CPU) for i in range(n))
            return (get(i) for i in range(n))
        if type(st) is tuple and all(not isinstance(v, tuple | dict) for v in st):
            gets = [s.get for s in slicers]
            return (tuple([g(i) for g in gets]) for i in range(n))
        return (structure.pack(st, [s.get(i) for s in slicers]) for i in range(n))


class RangeDataset(DatasetV2):
    _tf_name = "_RangeDataset"

    def __init__(self, *args, dtype=_dtypes.int64) -> None:
        args = [as_int(a) if a is not None else None for a in args]
        if len(args) == 1:
            start, stop, step = 0, args[0], 1
        elif len(args) == 2:
            (start, stop), step = args, 1
        elif len(args) == 3:
            start, stop, step = args
        else:
            raise ValueError(f"Invalid `args`. The length of `args` should be between 1 and 3 "
                             f"but was {len(args)}.")
        if step == 0:
            raise errors.InvalidArgumentError(None, None, "step must be a non-zero integer.")
        self._start, self._stop, self._step = start, stop, step
        self._dtype = _dtypes.as_dtype(dtype)

    @property
    def element_spec(self):
        return TensorSpec([], self._dtype)

    def _cardinality(self) -> int:
        if self._stop is None:
            return INFINITE
        return len(range(self._start, self._stop, self._step))

    def _make_iter(self):
        dtype, npdt = self._dtype, self._dtype.as_numpy_dtype
        start, stop, step = self._start, self._stop, self._step
        chunk = 4096

        def gen():
            lo = start
            while True:
                if stop is None:
                    hi = lo + chunk * step
                else:
                    hi = lo + chunk * step
                    hi = min(hi, stop) if step > 0 else max(hi, stop)
                vals = np.arange(lo, hi, step, dtype=np.int64).astype(npdt)
                if not len(vals):
                    return
                for i in range(len(vals)):
                    yield wrap(vals[i, ...], dtype, _CPU)
                lo = hi

        return gen()


def _leaf_from_generator(value, spec, legacy: bool):
    npdt = spec.dtype.as_numpy_dtype
    if spec.dtype == _dtypes.string:
        arr, _ = to_numpy(value, _dtypes.string)
    else:
        try:
            arr = np.asarray(value, dtype=npdt)
        except (TypeError, ValueError) as e:
            raise errors.InvalidArgumentError(
                None, None, f"TypeError: `generator` yielded an element that could not be "
                            f"converted to the expected type. The expected type was "
                            f"{spec.dtype.name}, but the yielded element was {value!r}.") from e
    if not spec.shape.is_compatible_with(as_shape(arr.shape)):
        raise errors.InvalidArgumentError(
            None, None, f"TypeError: `generator` yielded an element of shape "
                        f"{TensorShape(arr.shape)} where an element of shape {spec.shape} was "
                        f"expected.")
    return wrap(arr, spec.dtype, _CPU)


class GeneratorDataset(DatasetV2):
    _tf_name = "_FlatMapDataset"

    def __init__(self, generator, output_types, output_shapes, args, output_signature) -> None:
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable.")
        if output_signature is not None:
            if output_types is not None or output_shapes is not None:
                raise TypeError("The `output_types` and `output_shapes` arguments can not be "
                                "used together with the `output_signature` argument.")
            spec = output_signature
            for s in structure.flatten(spec):
                if not isinstance(s, TensorSpec | structure.DatasetSpec) and not hasattr(
                        s, "dtype"):
                    raise TypeError(f"`output_signature` must contain objects that are "
                                    f"subclass of `tf.TypeSpec` but found {type(s)} which is "
                                    f"not.")
            legacy = False
        else:
            if output_types is None:
                raise TypeError("To specify the output signature you need to provide either "
                                "the `output_signature` argument or the `output_types` "
                                "argument.")
            if isinstance(output_types, list):
                output_types = tuple(output_types)
            types = structure.flatten(output_types)
            if output_shapes is None:
                shapes = [TensorShape(None)] * len(types)
            else:
                if isinstance(output_shapes, list) and isinstance(output_types, tuple) and (
                        len(output_types) == len(output_shapes)) and all(
                        isinstance(x, list | tuple | TensorShape) for x in output_shapes):
                    output_shapes = tuple(output_shapes)
                shapes = ([as_shape(output_shapes)] if not structure.is_nested(output_types)
                          else _flatten_shapes(output_shapes, len(types)))
            spec = structure.pack(output_types, [TensorSpec(s, t) for s, t in zip(shapes, types)])
            legacy = True
        self._spec, self._legacy = spec, legacy
        self._generator = generator
        self._args = tuple(args) if args is not None else ()

    @property
    def element_spec(self):
        return self._spec

    def _make_iter(self):
        args = [a.numpy() if isinstance(a, Tensor) else a for a in self._args]
        spec, legacy = self._spec, self._legacy
        flat_spec = structure.flatten(spec)
        nested = isinstance(spec, tuple | dict)

        def gen():
            for value in self._generator(*args):
                if nested:
                    if isinstance(value, list) and isinstance(spec, tuple):
                        value = tuple(value)
                    if not structure.same_structure(spec, value):
                        raise errors.InvalidArgumentError(
                            None, None, f"TypeError: `generator` yielded an element that did "
                                        f"not match the expected structure. The expected "
                                        f"structure was {spec}, but the yielded element was "
                                        f"{value}.")
                    flat = structure.flatten(value)
                    yield structure.pack(spec, [_leaf_from_generator(v, s, legacy)
                                                for v, s in zip(flat, flat_spec)])
                else:
                    yield _leaf_from_generator(value, spec, legacy)

        return gen()


def _flatten_shapes(shapes, n: int) -> list:
    if n == 1 and not isinstance(shapes, tuple | dict):
        return [as_shape(shapes)]
    if isinstance(shapes, dict):
        return [as_shape(shapes[k]) for k in sorted(shapes)]
    if isinstance(shapes, tuple) and all(not isinstance(s, int) and s is not None
                                         for s in shapes):
        out = []
        for s in shapes:
            out.extend(_flatten_shapes(s, 1 if not isinstance(s, tuple | dict)
                                       or isinstance(s, TensorShape) else len(s)))
        return out
    return [as_shape(shapes)]


def _validate_datasets(datasets) -> None:
    for d in structure.flatten(datasets):
        if not isinstance(d, DatasetV2):
            raise TypeError(f"Invalid input to `zip`. Inputs are expected to be (nested) "
                            f"structures of `tf.data.Dataset` objects. Python `list` is not "
                            f"supported and you should use `tuple` instead. Got {d!r}")


class ZipDataset(DatasetV2):
    _tf_name = "_ZipDataset"

    def __init__(self, datasets) -> None:
        if isinstance(datasets, list):
            datasets = tuple(datasets)
        _validate_datasets(datasets)
        self._datasets = datasets
        self._inputs = tuple(structure.flatten(datasets))

    @property
    def element_spec(self):
        return structure.map_structure(lambda d: d.element_spec, self._datasets)

    def _cardinality(self) -> int:
        cards = [d._cardinality() for d in self._inputs]
        finite = [c for c in cards if c >= 0]
        if UNKNOWN in cards:
            return min(finite) if finite and min(finite) == 0 else UNKNOWN
        return min(finite) if finite else INFINITE

    def _make_iter(self):
        inputs, st = self._inputs, self._datasets
        simple = type(st) is tuple and len(inputs) == len(st)

        def gen():
            iters = [d._make_iter() for d in inputs]
            while True:
                try:
                    vals = [next(it) for it in iters]
                except StopIteration:
                    return
                yield tuple(vals) if simple else structure.pack(st, vals)

        return gen()


class ConcatenateDataset(DatasetV2):
    _tf_name = "_ConcatenateDataset"

    def __init__(self, a: DatasetV2, b: DatasetV2) -> None:
        if not isinstance(b, DatasetV2):
            raise TypeError(f"`dataset` must be a `tf.data.Dataset`, got {type(b)}")
        sa, sb = a.element_spec, b.element_spec
        if not structure.same_structure(sa, sb):
            raise TypeError(f"Incompatible dataset elements:\n  {sa} vs.   {sb}")
        try:
            self._spec = structure.most_general(sa, sb)
        except TypeError:
            raise TypeError(f"Incompatible dataset elements:\n  {sa} vs.   {sb}") from None
        self._inputs = (a, b)

    @property
    def element_spec(self):
        return self._spec

    def _cardinality(self) -> int:
        a, b = (d._cardinality() for d in self._inputs)
        if INFINITE in (a, b):
            return INFINITE
        if UNKNOWN in (a, b):
            return UNKNOWN
        return a + b

    def _make_iter(self):
        a, b = self._inputs

        def gen():
            yield from a._make_iter()
            yield from b._make_iter()

        return gen()


def _pattern_list(file_pattern) -> list[str]:
    if isinstance(file_pattern, Tensor):
        arr = _np(file_pattern)
        pats = [arr.item()] if arr.ndim == 0 else list(arr.reshape(-1))
    elif isinstance(file_pattern, str | bytes | os.PathLike):
        pats = [file_pattern]
    else:
        pats = list(file_pattern)
    return [os.fsdecode(p) if not isinstance(p, str) else p for p in pats]


def glob_files(patterns) -> list[str]:
    out = []
    for p in patterns:
        out.extend(_glob.glob(p))
    return sorted(set(out))


def list_files(file_pattern, shuffle=None, seed=None) -> DatasetV2:
    patterns = _pattern_list(file_pattern)
    files = glob_files(patterns)
    if not files:
        raise errors.InvalidArgumentError(
            None, None, f"Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. "
                        f"Summarized data: b'No files matched pattern: {', '.join(patterns)}'")
    ds = TensorSliceDataset(np.array([f.encode() for f in files], dtype=object))
    if shuffle is None or shuffle:
        ds = ds.shuffle(len(files), seed=seed)
    return ds


class _DirectedInterleave(DatasetV2):
    """Elements drawn from several datasets: their most general common element spec."""

    _tf_name = "_DirectedInterleaveDataset"

    def __init__(self, datasets, stop_on_empty_dataset) -> None:
        if not datasets:
            raise ValueError("Invalid `datasets`. `datasets` should not be empty.")
        self._stop = stop_on_empty_dataset
        self._spec = datasets[0].element_spec
        for d in datasets[1:]:
            self._spec = structure.most_general(self._spec, d.element_spec)

    @property
    def element_spec(self):
        return self._spec


class SampleFromDatasets(_DirectedInterleave):
    def __init__(self, datasets, weights, seed, stop_on_empty_dataset) -> None:
        super().__init__(datasets, stop_on_empty_dataset)
        self._inputs = tuple(datasets)
        n = len(datasets)
        w = np.full(n, 1.0 / n) if weights is None else np.asarray(
            _np(weights) if isinstance(weights, Tensor) else weights, dtype=np.float64)
        self._weights = w / w.sum()
        from tessera._ops.random_ops import get_seed

        self._seeds = get_seed(seed)

    def _make_iter(self):
        s = self._seeds
        rng = np.random.default_rng(None if s[0] is None else [s[0], s[1]])

        def gen():
            iters = [d._make_iter() for d in self._inputs]
            w = self._weights.copy()
            while w.sum() > 0:
                i = int(rng.choice(len(iters), p=w / w.sum()))
                try:
                    yield next(iters[i])
                except StopIteration:
                    if self._stop:
                        return
                    w[i] = 0.0

        return gen()


class ChooseFromDatasets(_DirectedInterleave):
    def __init__(self, datasets, choice_dataset, stop_on_empty_dataset) -> None:
        super().__init__(datasets, stop_on_empty_dataset)
        self._inputs = (*datasets, choice_dataset)
        self._datasets, self._choice = datasets, choice_dataset

    def _make_iter(self):
        def gen():
            iters = [d._make_iter() for d in self._datasets]
            done = [False] * len(iters)
            for c in self._choice._make_iter():
                i = int(c)
                if done[i]:
                    continue
                try:
                    yield next(iters[i])
                except StopIteration:
                    if self._stop:
                        return
                    done[i] = True

        return gen()


def from_list(elements) -> DatasetV2:
    """``tf.data.experimental.from_list``: one element per list item."""
    if not elements:
        raise ValueError("Invalid `elements`. `elements` should not be empty.")
    from tessera._data.batching import _ListDataset

    items = [structure.normalize_element(e) for e in elements]
    spec = structure.spec_of(items[0])
    for e in items[1:]:
        spec = structure.most_general(spec, structure.spec_of(e))
    ds = _ListDataset(items, spec)
    ds._tf_name = "_ListDataset"
    return ds
