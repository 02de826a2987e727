"""Linear algebra (``tf.linalg``): each op declared once."""

from __future__ import annotations

import numpy as np

from tessera import errors
from tessera._framework.execute import execute
from tessera._framework.op import Sample, declare
from tessera._ops import _samples
from tessera._ops._args import check_dtype, same_dtype

_MATMUL_TYPES = frozenset(["bfloat16", "float16", "float32", "float64", "int32", "int64",
                           "complex64", "complex128"])


def _matmul_kernel(a, b, transpose_a, transpose_b, adjoint_a, adjoint_b):
    if transpose_a or adjoint_a:
        a = np.swapaxes(a, -1, -2)
        if adjoint_a:
            a = np.conj(a)
    if transpose_b or adjoint_b:
        b = np.swapaxes(b, -1, -2)
        if adjoint_b:
            b = np.conj(b)
    return np.matmul(a, b)


def _infer_matmul(a, b, transpose_a, transpose_b, adjoint_a, adjoint_b):
    if a is None or b is None:
        return None
    m, k1 = (a[-1], a[-2]) if (transpose_a or adjoint_a) else (a[-2], a[-1])
    k2, n = (b[-1], b[-2]) if (transpose_b or adjoint_b) else (b[-2], b[-1])
    if k1 is not None and k2 is not None and k1 != k2:
        raise ValueError(f"Matrix size-incompatible: In[0]: {list(a)}, In[1]: {list(b)}")
    from tessera._ops._rules import broadcast

    batch = broadcast(tuple(a[:-2]), tuple(b[:-2]))
    return (*batch, m, n)


_FLAGS = dict(transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False)

MATMUL = declare("BatchMatMulV2", _matmul_kernel, infer=_infer_matmul, samples=lambda: [
    Sample((_samples.rand((3, 4)), _samples.rand((4, 2))), dict(_FLAGS)),
    Sample((_samples.rand((2, 3, 4), "float64"), _samples.rand((4, 5), "float64")), dict(_FLAGS)),
    Sample((_samples.rand((4, 3)), _samples.rand((2, 4))), {**_FLAGS, "transpose_a": True,
                                                            "transpose_b": True}),
    Sample((_samples.rand((3, 2), "complex64"), _samples.rand((3, 2), "complex64")),
           {**_FLAGS, "adjoint_a": True}, rtol=1e-4),
    Sample((_samples.rand((2, 2), "int32"), _samples.rand((2, 2), "int32")), dict(_FLAGS),
           grad=False),
])


@MATMUL.def_grad
def _matmul_grad(ctx, dy):
    from tessera._ops.math_ops import unbroadcast

    a, b = ctx.inputs
    ta, tb = ctx.attrs["transpose_a"], ctx.attrs["transpose_b"]
    aa, ab = ctx.attrs["adjoint_a"], ctx.attrs["adjoint_b"]
    if aa or ab or a.dtype.is_complex:
        # Work with explicit adjoints for complex inputs.
        a_eff = adjoint(a) if aa else (matrix_transpose(a) if ta else a)
        b_eff = adjoint(b) if ab else (matrix_transpose(b) if tb else b)
        ga = matmul(dy, b_eff, adjoint_b=True)
        gb = matmul(a_eff, dy, adjoint_a=True)
        ga = adjoint(ga) if aa else (matrix_transpose(ga) if ta else ga)
        gb = adjoint(gb) if ab else (matrix_transpose(gb) if tb else gb)
    elif not ta and not tb:
        ga, gb = matmul(dy, b, transpose_b=True), matmul(a, dy, transpose_a=True)
    elif not ta and tb:
        ga, gb = matmul(dy, b), matmul(dy, a, transpose_a=True)
    elif ta and not tb:
        ga, gb = matmul(b, dy, transpose_b=True), matmul(a, dy)
    else:
        ga = matmul(b, dy, transpose_a=True, transpose_b=True)
        gb = matmul(dy, a, transpose_a=True, transpose_b=True)
    return unbroadcast(ga, a), unbroadcast(gb, b)


@MATMUL.def_onnx
def _matmul_onnx(b, x, y, transpose_a, transpose_b, adjoint_a, adjoint_b):
    def t(v, flag):
        if not flag:
            return v
        rank = len(b.shapes[v])
        perm = list(range(rank - 2)) + [rank - 1, rank - 2]
        return b.op("Transpose", v, perm=perm)

    return b.op("MatMul", t(x, transpose_a or adjoint_a), t(y, transpose_b or adjoint_b))


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, grad_a=False, grad_b=False,
           name=None):
    """``tf.linalg.matmul`` (batched, broadcasting batch dims)."""
    a, b = same_dtype("MatMul", a, b)
    check_dtype("MatMul", a, _MATMUL_TYPES)
    if transpose_a and adjoint_a:
        raise ValueError("Only one of `transpose_a` and `adjoint_a` can be True.")
    if transpose_b and adjoint_b:
        raise ValueError("Only one of `transpose_b` and `adjoint_b` can be True.")
    ra, rb = a.shape.rank, b.shape.rank
    if ra is not None and rb is not None and (ra < 2 or rb < 2):
        raise errors.InvalidArgumentError(
            None, None, f"In[0] and In[1] ndims must be == 2: {min(ra, rb)} [Op:MatMul] name: ")
    attrs = dict(transpose_a=bool(transpose_a), transpose_b=bool(transpose_b),
                 adjoint_a=bool(adjoint_a), adjoint_b=bool(adjoint_b))
    try:
        _infer_matmul(tuple(a.shape.as_list()), tuple(b.shape.as_list()), **attrs)
    except ValueError as e:
        raise errors.InvalidArgumentError(None, None, f"{e} [Op:MatMul] name: ") from None
    return execute(MATMUL, (a, b), attrs)


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """``tf.linalg.matrix_transpose``: swap the last two axes."""
    from tessera._ops import array_ops

    rank = a.shape.rank
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    out = array_ops.transpose(a, perm)
    if conjugate:
        from tessera._ops.math_ops import conj

        out = conj(out)
    return out


def adjoint(matrix, name=None):
    """``tf.linalg.adjoint``: conjugate transpose."""
    return matrix_transpose(matrix, conjugate=True)


def _export_all() -> None:
    from tessera._api import export

    export("matmul", matmul)
    export("linalg.matmul", matmul)
    export("linalg.matrix_transpose", matrix_transpose)
    export("linalg.adjoint", adjoint)


_export_all()
