"""Transformations that combine or split elements: batch, padded_batch, unbatch, rebatch,
window, group_by_window and bucket_by_sequence_length."""

from __future__ import annotations

import numpy as np

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._data import structure
from tessera._data.dataset import INFINITE, UNKNOWN, DatasetV2, as_int
from tessera._data.functions import _wrap_function
from tessera._data.sparse import SparseTensor, batch_sparse, unbatch_sparse
from tessera._data.transformations import _Unary
from tessera._framework.convert import convert_to_tensor, wrap
from tessera._framework.tensor import EagerTensor, Tensor
from tessera._framework.tensor_shape import TensorShape, as_shape
from tessera._framework.tensor_spec import TensorSpec

_CPU = structure.CPU


def _shape_text(shape) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def stack_component(values: list, index: int):
    """Stack one component of several elements into a batch (tensors or SparseTensors)."""
    first = values[0]
    if type(first) is EagerTensor:
        try:
            arr = np.stack([v._value for v in values])
        except ValueError:
            s0 = first._value.shape
            for j, v in enumerate(values[1:], 1):
                if v._value.shape != s0:
                    raise errors.InvalidArgumentError(
                        None, None, f"Cannot batch tensors with different shapes in component "
                                    f"{index}. First element had shape {_shape_text(s0)} and "
                                    f"element {j} had shape {_shape_text(v._value.shape)}."
                    ) from None
            raise
        return wrap(arr, first._dtype, _CPU)
    if isinstance(first, SparseTensor):
        return batch_sparse(values)
    if isinstance(first, DatasetV2):
        raise errors.InvalidArgumentError(None, None, "Cannot batch elements that are "
                                                      "datasets.")
    if isinstance(first, Tensor):
        return convert_to_tensor(np.stack([np.asarray(v) for v in values]))
    raise TypeError(f"Cannot batch values of type {type(first).__name__}")


def make_batch(items: list):
    """One batch from a list of elements of the same structure."""
    first = items[0]
    if type(first) is EagerTensor:
        return stack_component(items, 0)
    if type(first) is tuple and all(type(c) is EagerTensor for c in first):
        return tuple(stack_component([e[k] for e in items], k) for k in range(len(first)))
    flats = [structure.flatten(e) for e in items]
    comps = [stack_component([f[k] for f in flats], k) for k in range(len(flats[0]))]
    return structure.pack(first, comps)


def _split_leaf(value) -> list:
    if type(value) is EagerTensor:
        arr, dt = value._value, value._dtype
        if arr.ndim == 0:
            raise errors.InvalidArgumentError(None, None, "Input element must have a non-scalar "
                                                          "value in each component.")
        return [wrap(arr[i, ...], dt, _CPU) for i in range(arr.shape[0])]
    if isinstance(value, SparseTensor):
        return unbatch_sparse(value)
    if type(value).__name__ == "RaggedTensor":
        return list(value)
    raise TypeError(f"Cannot unbatch values of type {type(value).__name__}")


def split_batch(element) -> list:
    """The rows of a batched element."""
    if type(element) is EagerTensor:
        return _split_leaf(element)
    flat = [_split_leaf(v) for v in structure.flatten(element)]
    n = len(flat[0])
    for f in flat[1:]:
        if len(f) != n:
            raise errors.InvalidArgumentError(None, None, "Input element must have the same "
                                                          "batch size in each component.")
    if type(element) is tuple and len(flat) == len(element):
        return [tuple(f[i] for f in flat) for i in range(n)]
    return [structure.pack(element, [f[i] for f in flat]) for i in range(n)]


def _batch_cardinality(n: int, batch_size: int, drop_remainder: bool) -> int:
    if n < 0:
        return n
    return n // batch_size if drop_remainder else -(-n // batch_size)


class BatchDataset(_Unary):
    _tf_name = "_BatchDataset"

    def __init__(self, input_dataset: DatasetV2, batch_size: int, drop_remainder: bool,
                 num_parallel_calls=None) -> None:
        super().__init__(input_dataset)
        if batch_size <= 0:
            raise errors.InvalidArgumentError(None, None, "Batch size must be greater than "
                                                          "zero.")
        self._batch_size, self._drop = batch_size, drop_remainder

    @property
    def element_spec(self):
        return structure.batched_spec(self._input.element_spec,
                                      self._batch_size if self._drop else None)

    def _cardinality(self) -> int:
        return _batch_cardinality(self._input._cardinality(), self._batch_size, self._drop)

    def _make_iter(self):
        return _batches(self._input._make_iter(), self._batch_size, self._drop, make_batch)


def _batches(it, size: int, drop: bool, build):
    import itertools

    islice = itertools.islice
    while True:
        items = list(islice(it, size))
        if not items or (drop and len(items) < size):
            return
        yield build(items)


# -- padded_batch -------------------------------------------------------------------------------

def _pad_value(spec, value):
    if value is None:
        fill = b"" if spec.dtype == _dtypes.string else 0
        return np.asarray(fill, dtype=object if spec.dtype == _dtypes.string
                          else spec.dtype.as_numpy_dtype)
    t = convert_to_tensor(value, dtype=spec.dtype) if not isinstance(value, Tensor) else value
    if t.dtype != spec.dtype:
        raise TypeError(f"Padding value dtype {t.dtype.name} does not match the component's "
                        f"dtype {spec.dtype.name}")
    arr = t._value if hasattr(t, "_value") else np.asarray(t)
    if arr.ndim != 0:
        raise ValueError(f"Invalid `padding_values`. `padding_values` values should be scalars, "
                         f"but got {arr.shape}.")
    return arr


def _broadcast_to_structure(value, spec, name: str) -> list:
    """``value`` given for each component of ``spec`` (or once for all), flattened."""
    n = len(structure.flatten(spec))
    if value is None:
        return [None] * n
    if isinstance(spec, tuple | dict):
        if isinstance(value, tuple | dict):
            if not structure.same_structure(spec, value):
                raise ValueError(f"The two structures don't have the same nested structure: "
                                 f"{name} {value} and element {spec}")
            return structure.flatten(value)
        if name == "padded_shapes":
            raise ValueError(f"`padded_shapes` must match the element structure {spec}")
        return [value] * n
    return [value]


class PaddedBatchDataset(_Unary):
    _tf_name = "_PaddedBatchDataset"

    def __init__(self, input_dataset: DatasetV2, batch_size: int, padded_shapes, padding_values,
                 drop_remainder: bool) -> None:
        super().__init__(input_dataset)
        if batch_size <= 0:
            raise errors.InvalidArgumentError(None, None, "Batch size must be greater than "
                                                          "zero.")
        spec = input_dataset.element_spec
        flat_spec = structure.flatten(spec)
        for s in flat_spec:
            if not isinstance(s, TensorSpec):
                raise TypeError(f"padded_batch supports dense tensor components only, got {s!r}")
        shapes = _broadcast_to_structure(padded_shapes, spec, "padded_shapes")
        if padded_shapes is None:
            shapes = [s.shape for s in flat_spec]
        for s in flat_spec:
            if s.shape.rank is None:
                raise ValueError("You must provide `padded_shapes` argument because component "
                                 "has unknown rank.")
        pshapes = []
        for s, p in zip(flat_spec, shapes):
            ps = as_shape([None if d == -1 else d for d in _as_list(p)]) if p is not None \
                else s.shape
            if ps.rank != s.shape.rank:
                raise ValueError(f"The padded shape {ps} is not compatible with the shape "
                                 f"{s.shape} of the corresponding input component.")
            pshapes.append(ps)
        self._pshapes = pshapes
        self._pvalues = [_pad_value(s, v) for s, v in
                         zip(flat_spec, _broadcast_to_structure(padding_values, spec,
                                                                "padding_values"))]
        self._flat_spec = flat_spec
        self._batch_size, self._drop = batch_size, drop_remainder

    @property
    def element_spec(self):
        b = self._batch_size if self._drop else None
        spec = self._input.element_spec
        return structure.pack(spec, [TensorSpec(TensorShape([b]).concatenate(p), s.dtype)
                                     for p, s in zip(self._pshapes, self._flat_spec)])

    def _cardinality(self) -> int:
        return _batch_cardinality(self._input._cardinality(), self._batch_size, self._drop)

    def _build(self, items: list):
        flats = [structure.flatten(e) for e in items]
        comps = []
        for k, (pshape, fill, spec) in enumerate(zip(self._pshapes, self._pvalues,
                                                    self._flat_spec)):
            arrs = [f[k]._value for f in flats]
            target = []
            for d, dim in enumerate(pshape.as_list()):
                longest = max(a.shape[d] for a in arrs)
                if dim is not None and longest > dim:
                    raise errors.DataLossError(None, None, "Attempted to pad to a smaller size "
                                                           "than the input element.")
                target.append(longest if dim is None else dim)
            out = np.empty([len(arrs), *target], dtype=arrs[0].dtype)
            out[...] = fill
            for i, a in enumerate(arrs):
                out[(i, *(slice(0, n) for n in a.shape))] = a
            comps.append(wrap(out, spec.dtype, _CPU))
        return structure.pack(items[0], comps)

    def _make_iter(self):
        return _batches(self._input._make_iter(), self._batch_size, self._drop, self._build)


def _as_list(shape) -> list:
    if isinstance(shape, TensorShape):
        return shape.as_list()
    if isinstance(shape, Tensor):
        return [int(d) for d in np.asarray(shape).reshape(-1)]
    if isinstance(shape, int):
        return [shape]
    return [None if d is None else int(d) for d in shape]


class UnbatchDataset(_Unary):
    _tf_name = "_UnbatchDataset"

    @property
    def element_spec(self):
        return structure.unbatched_spec(self._input.element_spec)

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        return INFINITE if n == INFINITE else UNKNOWN

    def _make_iter(self):
        def gen():
            for e in self._input._make_iter():
                yield from split_batch(e)

        return gen()


class RebatchDataset(_Unary):
    _tf_name = "_RebatchDataset"

    def __init__(self, input_dataset: DatasetV2, batch_size, drop_remainder: bool) -> None:
        super().__init__(input_dataset)
        if isinstance(batch_size, Tensor):
            batch_size = np.asarray(batch_size).tolist()
        sizes = [int(b) for b in batch_size] if isinstance(batch_size, list | tuple) else [
            as_int(batch_size, "batch_size")]
        self._sizes, self._drop = sizes, drop_remainder

    @property
    def element_spec(self):
        spec = structure.unbatched_spec(self._input.element_spec)
        b = self._sizes[0] if self._drop and len(set(self._sizes)) == 1 else None
        return structure.batched_spec(spec, b)

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        return INFINITE if n == INFINITE else UNKNOWN

    def _make_iter(self):
        sizes, drop = self._sizes, self._drop

        def gen():
            buf, k = [], 0
            for e in self._input._make_iter():
                buf.extend(split_batch(e))
                while len(buf) >= sizes[k % len(sizes)]:
                    n = sizes[k % len(sizes)]
                    k += 1
                    if n:
                        yield make_batch(buf[:n])
                    del buf[:n]
            if buf and not drop:
                yield make_batch(buf)

        return gen()


# -- window ---------------------------------------------------------------------------------------

class _ListDataset(DatasetV2):
    """A dataset over an in-memory list of elements (the datasets ``window`` yields)."""

    _tf_name = "_VariantDataset"

    def __init__(self, elements: list, spec) -> None:
        self._elements, self._spec = elements, spec

    @property
    def element_spec(self):
        return self._spec

    def _cardinality(self) -> int:
        return len(self._elements)

    def _make_iter(self):
        return iter(self._elements)


class WindowDataset(_Unary):
    _tf_name = "_WindowDataset"

    def __init__(self, input_dataset: DatasetV2, size: int, shift: int, stride: int,
                 drop_remainder: bool) -> None:
        super().__init__(input_dataset)
        for name, v in (("size", size), ("shift", shift), ("stride", stride)):
            if v <= 0:
                raise errors.InvalidArgumentError(None, None, f"Window {name} must be greater "
                                                              f"than zero, but got {v}.")
        self._size, self._shift, self._stride, self._drop = size, shift, stride, drop_remainder

    @property
    def element_spec(self):
        return structure.map_structure(structure.DatasetSpec, self._input.element_spec)

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if n < 0:
            return n
        if self._drop:
            span = (self._size - 1) * self._stride + 1
            return max(0, (n - span) // self._shift + 1) if n >= span else 0
        return -(-n // self._shift)

    def _make_iter(self):
        size, shift, stride, drop = self._size, self._shift, self._stride, self._drop
        span = (size - 1) * stride + 1
        spec = self._input.element_spec
        flat_spec = structure.flatten(spec)

        def emit(elements):
            flats = [structure.flatten(e) for e in elements]
            comps = [_ListDataset([f[k] for f in flats], s) for k, s in enumerate(flat_spec)]
            return structure.pack(spec, comps)

        def gen():
            from collections import deque

            it = self._input._make_iter()
            buf: deque = deque()
            base = start = 0  # absolute input index of buf[0] and of the window's start
            exhausted = False
            while True:
                while not exhausted and base + len(buf) < start + span:
                    try:
                        buf.append(next(it))
                    except StopIteration:
                        exhausted = True
                while buf and base < start:
                    buf.popleft()
                    base += 1
                window = [buf[j] for j in range(0, min(span, len(buf)), stride)]
                if not window or (drop and len(window) < size):
                    return
                yield emit(window)
                start += shift

        return gen()


# -- group_by_window / bucket_by_sequence_length ----------------------------------------------------

def _scalar_int(value, what: str) -> int:
    if isinstance(value, Tensor):
        if value.dtype != _dtypes.int64 or value.shape.rank != 0:
            raise ValueError(f"`{what}` must return a single tf.int64 tensor. Got type="
                             f"{value.dtype!r} and shape={value.shape}")
        return int(value)
    return int(value)


class GroupByWindowDataset(_Unary):
    _tf_name = "_GroupByWindowDataset"

    def __init__(self, input_dataset: DatasetV2, key_func, reduce_func, window_size,
                 window_size_func) -> None:
        super().__init__(input_dataset)
        if (window_size is None) == (window_size_func is None):
            raise ValueError("Either the `window_size` argument or the `window_size_func` "
                             "argument must be specified.")
        if window_size is not None:
            ws = as_int(window_size, "window_size")
            window_size_func = lambda key: ws  # noqa: E731
        self._key = _wrap_function(key_func, None).call
        self._reduce = _wrap_function(reduce_func, None)
        self._wsize = window_size_func
        self._spec = None

    @property
    def element_spec(self):
        if self._spec is None:
            window = _ListDataset([], self._input.element_spec)
            key = wrap(np.asarray(0, np.int64), _dtypes.int64, _CPU)
            out = self._reduce.call_raw(key, window)
            if not isinstance(out, DatasetV2):
                raise TypeError("`reduce_func` must return a `Dataset` object.")
            self._spec = out.element_spec
        return self._spec

    def _cardinality(self) -> int:
        return UNKNOWN

    def _make_iter(self):
        key_fn, size_fn, spec = self._key, self._wsize, self._input.element_spec

        def reduce(key, elements):
            k = wrap(np.asarray(key, np.int64), _dtypes.int64, _CPU)
            out = self._reduce.call_raw(k, _ListDataset(elements, spec))
            if not isinstance(out, DatasetV2):
                raise TypeError("`reduce_func` must return a `Dataset` object.")
            return out._make_iter()

        def gen():
            windows: dict[int, list] = {}
            sizes: dict[int, int] = {}
            for e in self._input._make_iter():
                key = _scalar_int(key_fn(e), "key_func")
                if key not in windows:
                    windows[key] = []
                    size = size_fn(wrap(np.asarray(key, np.int64), _dtypes.int64, _CPU))
                    sizes[key] = _scalar_int(size, "window_size_func")
                    if sizes[key] <= 0:
                        raise errors.InvalidArgumentError(None, None, "Window size must be "
                                                                      "greater than zero")
                windows[key].append(e)
                if len(windows[key]) == sizes[key]:
                    elements = windows.pop(key)
                    yield from reduce(key, elements)
            for key, elements in list(windows.items()):
                if elements:
                    yield from reduce(key, elements)

        return gen()


def bucket_by_sequence_length(dataset, element_length_func, bucket_boundaries,
                              bucket_batch_sizes, padded_shapes, padding_values,
                              pad_to_bucket_boundary, no_padding, drop_remainder) -> DatasetV2:
    boundaries = [int(b) for b in bucket_boundaries]
    sizes = [int(b) for b in bucket_batch_sizes]
    if len(sizes) != len(boundaries) + 1:
        raise ValueError(f"`len(bucket_batch_sizes)` must equal `len(bucket_boundaries) + 1` "
                         f"but `len(bucket_batch_sizes)={len(sizes)}` and "
                         f"`len(bucket_boundaries)={len(boundaries)}`.")
    if boundaries != sorted(boundaries):
        raise ValueError(f"`bucket_boundaries` must be sorted in ascending order, got "
                         f"{boundaries}")

    def key_func(*args):
        element = args[0] if len(args) == 1 else args
        length = int(element_length_func(*args))
        if pad_to_bucket_boundary and boundaries and length >= boundaries[-1]:
            raise errors.InvalidArgumentError(
                None, None, "When pad_to_bucket_boundary=True, elements must have length < "
                            "max(bucket_boundaries).")
        del element
        return np.int64(int(np.searchsorted(boundaries, length, side="right")))

    def size_func(key):
        return np.int64(sizes[int(key)])

    def reduce_func(key, window):
        if no_padding:
            return window.batch(sizes[int(key)], drop_remainder=drop_remainder)
        shapes = padded_shapes
        if pad_to_bucket_boundary:
            bound = boundaries[int(key)] - 1 if int(key) < len(boundaries) else None
            spec = window.element_spec
            shapes = structure.map_structure(
                lambda s: TensorShape([bound] + [None] * (s.shape.rank - 1))
                if s.shape.rank else TensorShape([]), spec)
        return window.padded_batch(sizes[int(key)], shapes, padding_values,
                                   drop_remainder=drop_remainder)

    return GroupByWindowDataset(dataset, key_func, reduce_func, None, size_func)
