"""``tf.TensorArray``: eagerly a Python list of tensors; inside a trace one stacked buffer
tensor ``[size, *element_shape]`` that flows through ``tf.while_loop`` / ``tf.cond`` like a
tensor (loops unwrap it to its buffer and wrap the result again; see control_flow)."""

from __future__ import annotations

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._framework.context import context
from tessera._framework.convert import convert_to_tensor
from tessera._framework.tensor import Tensor
from tessera._framework.tensor_shape import TensorShape


def _symbolic(x) -> bool:
    return isinstance(x, Tensor) and not hasattr(x, "_value")


class TensorArray:
    """``tf.TensorArray(dtype, size=None, dynamic_size=None, ..., element_shape=None)``."""

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None) -> None:
        self._dtype = _dtypes.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        self._element_shape = TensorShape(element_shape) if element_shape is not None else \
            TensorShape(None)
        self._infer_shape = infer_shape
        self._size = size
        self._items: list | None = None
        self._buffer = None
        # Traced with a size only known at run time, the buffer starts empty and grows as
        # elements are written in order (tracing needs static shapes to allocate zeros).
        self._grow = self._dynamic_size or _symbolic(size)
        if context.graph is None and not _symbolic(size):
            n = 0 if size is None else int(convert_to_tensor(size).numpy())
            self._items = [None] * n
        elif self._element_shape.is_fully_defined():
            self._buffer = self._empty_buffer(self._element_shape.as_list())

    # -- properties ---------------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    @property
    def element_shape(self) -> TensorShape:
        return self._element_shape

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic_size

    @property
    def handle(self):
        return self

    @property
    def flow(self):
        return self._buffer

    def _carried_shape(self) -> TensorShape:
        """The buffer's shape as a loop variable: a growing buffer changes its length."""
        shape = self._as_tensor().shape
        return TensorShape([None, *shape.as_list()[1:]]) if self._grow and shape.rank else shape

    def _empty_buffer(self, element_shape: list):
        """The traced buffer before any write: ``size`` rows of zeros, none when growing."""
        from tessera._ops import array_ops

        rows = 0 if self._grow or self._size is None else int(self._size)
        return array_ops.zeros([rows, *element_shape], self._dtype)

    def _with_buffer(self, buffer) -> TensorArray:
        new = object.__new__(TensorArray)
        new.__dict__.update(self.__dict__)
        new._buffer, new._items = buffer, None
        if buffer is not None and buffer.shape.rank:
            new._element_shape = TensorShape(buffer.shape.as_list()[1:])
        return new

    def _as_tensor(self):
        """The stacked buffer: what loops and branches carry."""
        if self._items is not None:
            return self.stack()
        if self._buffer is None:
            raise ValueError("a TensorArray carried through tf.while_loop or tf.cond inside "
                             "tf.function needs a known element shape: pass element_shape=..."
                             " (or write to it once before the loop)")
        return self._buffer

    # -- eager helpers ------------------------------------------------------------------
    def _check_index(self, i: int, writing: bool) -> None:
        n = len(self._items)
        if i < 0 or (i >= n and not (writing and self._dynamic_size)):
            what = "write to" if writing else "read from"
            fixed = "array is not resizeable and size is" if writing else "array size is"
            raise errors.OutOfRangeError(
                None, None, f"Tried to {what} index {i} but {fixed}: {n} ")

    # -- API ------------------------------------------------------------------------------
    def write(self, index, value, name=None) -> TensorArray:
        value = convert_to_tensor(value, dtype=self._dtype)
        if self._items is not None and not _symbolic(index) and not _symbolic(value):
            i = int(convert_to_tensor(index).numpy())
            self._check_index(i, writing=True)
            if i >= len(self._items):
                self._items.extend([None] * (i + 1 - len(self._items)))
            if self._infer_shape and self._element_shape.rank is not None and \
                    not self._element_shape.is_compatible_with(value.shape):
                raise ValueError(f"Incompatible shape for value ({value.shape}), expected "
                                 f"({self._element_shape})")
            self._items[i] = value
            self._element_shape = value.shape if self._element_shape.rank is None else \
                self._element_shape.merge_with(value.shape)
            return self
        from tessera._graph.control_flow import cond
        from tessera._ops import array_ops, math_ops, shape_ops

        buffer = self._buffer if self._items is None else self.stack()
        if buffer is None:
            buffer = self._empty_buffer(value.shape.as_list())
        idx = math_ops.cast(convert_to_tensor(index), _dtypes.int32)
        row = shape_ops.expand_dims(value, 0)
        if self._grow:
            from tessera._ops import debugging_ops

            n = array_ops.shape(buffer)[0]
            debugging_ops.assert_less_equal(
                idx, n, message="TensorArray: a TensorArray whose size is only known at run "
                                "time inside tf.function is filled in order; write index")
            buffer = cond(idx < n,
                          lambda: shape_ops.tensor_scatter_nd_update(
                              buffer, array_ops.reshape(idx, [1, 1]), row),
                          lambda: array_ops.concat([buffer, row], 0))
        else:
            buffer = shape_ops.tensor_scatter_nd_update(
                buffer, array_ops.reshape(idx, [1, 1]), row)
        return self._with_buffer(buffer)

    def read(self, index, name=None):
        if self._items is not None and not _symbolic(index):
            i = int(convert_to_tensor(index).numpy())
            self._check_index(i, writing=False)
            item = self._items[i]
            if item is None:
                from tessera._ops import array_ops

                if not self._element_shape.is_fully_defined():
                    raise errors.InvalidArgumentError(
                        None, None, f"Could not read from TensorArray index {i}.  Furthermore, "
                                    f"the element shape is not fully defined")
                return array_ops.zeros(self._element_shape.as_list(), self._dtype)
            return item
        from tessera._ops import shape_ops

        return shape_ops.gather(self._as_tensor(), index)

    def stack(self, name=None):
        from tessera._ops import array_ops

        if self._items is not None:
            if not self._items:
                shape = self._element_shape.as_list() if self._element_shape.rank is not None \
                    else []
                return array_ops.zeros([0, *[d or 0 for d in shape]], self._dtype)
            items = [t if t is not None else array_ops.zeros(self._element_shape.as_list(),
                                                              self._dtype) for t in self._items]
            return array_ops.stack(items)
        return self._as_tensor()

    def gather(self, indices, name=None):
        from tessera._ops import shape_ops

        return shape_ops.gather(self.stack(), indices)

    def concat(self, name=None):
        from tessera._ops import array_ops

        stacked = self.stack()
        shape = stacked.shape.as_list()
        return array_ops.reshape(stacked, [-1, *shape[2:]])

    def unstack(self, value, name=None) -> TensorArray:
        value = convert_to_tensor(value, dtype=self._dtype)
        if context.graph is None and hasattr(value, "_value"):
            from tessera._ops import array_ops

            self._items = list(array_ops.unstack(value)) if value.shape[0] else []
            if value.shape.rank:
                self._element_shape = TensorShape(value.shape.as_list()[1:])
            return self
        return self._with_buffer(value)

    def scatter(self, indices, value, name=None) -> TensorArray:
        ta = self
        value = convert_to_tensor(value, dtype=self._dtype)
        for k, i in enumerate(convert_to_tensor(indices).numpy().tolist()):
            ta = ta.write(i, value[k])
        return ta

    def split(self, value, lengths, name=None) -> TensorArray:
        from tessera._ops import shape_ops

        parts = shape_ops.split(convert_to_tensor(value, dtype=self._dtype),
                                [int(x) for x in convert_to_tensor(lengths).numpy()])
        ta = self
        for i, p in enumerate(parts):
            ta = ta.write(i, p)
        return ta

    def size(self, name=None):
        from tessera._ops import array_ops

        if self._items is not None:
            return convert_to_tensor(len(self._items), dtype=_dtypes.int32)
        return array_ops.shape(self._as_tensor())[0]

    def close(self, name=None) -> None:
        self._items = [] if self._items is not None else None

    def identity(self) -> TensorArray:
        return self

    def mark_used(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"<tf.TensorArray dtype={self._dtype.name} element_shape={self._element_shape}>"


def _export_all() -> None:
    from tessera._api import export

    export("TensorArray", TensorArray)


_export_all()
