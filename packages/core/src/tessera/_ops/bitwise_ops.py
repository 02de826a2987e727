"""``tf.bitwise``: each op declared once."""

from __future__ import annotations

import numpy as np

from tessera._framework.execute import execute
from tessera._framework.op import declare, not_differentiable
from tessera._ops import _rules, _samples
from tessera._ops._args import INTS, check_dtype, same_dtype, tensor

_INT_SAMPLES = ("int32", "uint8", "int64")


def _declare_binary(name, kernel, onnx_type):
    op = declare(name, kernel, infer=_rules.broadcast,
                 samples=lambda: _samples.binary(_INT_SAMPLES, low=0, high=100, grad=False))
    not_differentiable(op)
    op.def_onnx(lambda b, x, y: b.op(onnx_type, x, y))

    def fn(x, y, name=None):
        x, y = same_dtype(op.name, x, y)
        check_dtype(op.name, x, INTS)
        return execute(op, (x, y), {})

    return op, fn


BITWISE_AND, bitwise_and = _declare_binary("BitwiseAnd", np.bitwise_and, "BitwiseAnd")
BITWISE_OR, bitwise_or = _declare_binary("BitwiseOr", np.bitwise_or, "BitwiseOr")
BITWISE_XOR, bitwise_xor = _declare_binary("BitwiseXor", np.bitwise_xor, "BitwiseXor")

INVERT = declare("Invert", np.invert, infer=_rules.unary,
                 samples=lambda: _samples.unary(_INT_SAMPLES, low=0, high=100, grad=False))
not_differentiable(INVERT)
INVERT.def_onnx(lambda b, x: b.op("BitwiseNot", x))


def invert(x, name=None):
    """``tf.bitwise.invert``."""
    x = tensor(x)
    check_dtype("Invert", x, INTS)
    return execute(INVERT, (x,), {})


def _export_all() -> None:
    from tessera._api import export

    for n, f in [("bitwise_and", bitwise_and), ("bitwise_or", bitwise_or),
                 ("bitwise_xor", bitwise_xor), ("invert", invert)]:
        export(f"bitwise.{n}", f)


_export_all()
