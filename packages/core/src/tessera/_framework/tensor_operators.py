"""Python operators on tensors, as TensorFlow overloads them. Installed once the op library
exists (operators call public ops, which dispatch through ``execute``)."""

from __future__ import annotations

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._framework.tensor import Tensor


def install() -> None:
    from tessera._ops import array_ops, math_ops
    from tessera._ops import indexing as _indexing

    m = math_ops

    from tessera._framework.convert import convert_to_tensor

    _EAGER = type(convert_to_tensor(0))

    def binary(fn, hint_only: bool = False):
        # TF converts a non-tensor operand with this tensor's dtype, strictly (TypeError
        # "Cannot convert 1.5 to EagerTensor of dtype int32"); only `x + y` uses it as a hint.
        def op(self, other):
            if type(other) is not _EAGER and not isinstance(other, Tensor) and not hint_only \
                    and not hasattr(other, "_as_tensor"):
                other = convert_to_tensor(other, dtype=self.dtype)
            return fn(self, other)

        def rop(self, other):
            if not isinstance(other, Tensor):
                other = convert_to_tensor(other, dtype=self.dtype)
            return fn(other, self)

        return (fn if hint_only else op), rop

    for name, fn in [("add", m.add), ("sub", m.subtract), ("mul", m.multiply),
                     ("truediv", m.truediv), ("floordiv", m.floordiv), ("mod", m.floormod),
                     ("pow", m.pow)]:
        op, rop = binary(fn, hint_only=(name == "add"))
        setattr(Tensor, f"__{name}__", op)
        setattr(Tensor, f"__r{name}__", rop)

    def matmul(a, b):
        from tessera._ops import linalg_ops

        return linalg_ops.matmul(a, b)

    op, rop = binary(matmul)
    Tensor.__matmul__, Tensor.__rmatmul__ = op, rop

    def _logic_or_bits(logical, bitwise):
        def fn(x, y):
            from tessera._ops._args import tensor

            x = tensor(x)
            if x.dtype is _dtypes.bool:
                return logical(x, y)
            from tessera._ops import bitwise_ops

            return getattr(bitwise_ops, bitwise)(x, y)

        return fn

    for name, logical, bitwise in [("and", m.logical_and, "bitwise_and"),
                                   ("or", m.logical_or, "bitwise_or"),
                                   ("xor", m.logical_xor, "bitwise_xor")]:
        op, rop = binary(_logic_or_bits(logical, bitwise))
        setattr(Tensor, f"__{name}__", op)
        setattr(Tensor, f"__r{name}__", rop)

    def invert(self):
        if self.dtype is _dtypes.bool:
            return m.logical_not(self)
        from tessera._ops import bitwise_ops

        return bitwise_ops.invert(self)

    Tensor.__invert__ = invert
    Tensor.__neg__ = lambda self: m.negative(self)
    Tensor.__pos__ = lambda self: self
    Tensor.__abs__ = lambda self: m.abs(self)
    Tensor.__lt__ = binary(m.less)[0]
    Tensor.__le__ = binary(m.less_equal)[0]
    Tensor.__gt__ = binary(m.greater)[0]
    Tensor.__ge__ = binary(m.greater_equal)[0]

    def eq(self, other):
        # TF: None compares False; incompatible shapes give a scalar False, not an error.
        if other is None:
            return False
        if not isinstance(other, Tensor) and not hasattr(other, "_as_tensor"):
            other = convert_to_tensor(other, dtype=self.dtype)
        try:
            return m.equal(self, other)
        except errors.InvalidArgumentError as e:
            if "Incompatible shapes" in str(e):
                return array_ops.constant_false()
            raise

    def ne(self, other):
        if other is None:
            return True
        if not isinstance(other, Tensor) and not hasattr(other, "_as_tensor"):
            other = convert_to_tensor(other, dtype=self.dtype)
        try:
            return m.not_equal(self, other)
        except errors.InvalidArgumentError as e:
            if "Incompatible shapes" in str(e):
                return array_ops.constant_true()
            raise

    Tensor.__eq__ = eq
    Tensor.__ne__ = ne
    Tensor.__hash__ = Tensor.__dict__["__hash__"]  # defining __eq__ must not reset it
    Tensor.__getitem__ = _indexing.getitem
