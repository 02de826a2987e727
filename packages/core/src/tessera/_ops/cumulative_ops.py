"""Scans, segment reductions, top-k and statistics (``tf.math``): each op declared once.

Primitives map to one ONNX operator where ONNX has it (CumSum, TopK, ScatterND with a
reduction); running products and log-sum-exps lower to a ``Scan`` whose body applies the
step; means, variances and counts are compositions.
"""

from __future__ import annotations

import builtins
from collections import namedtuple

import numpy as np

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._framework.execute import execute
from tessera._framework.op import Sample, declare, not_differentiable
from tessera._framework.tensor import Tensor
from tessera._ops import _rules, _samples
from tessera._ops import math_ops as _m
from tessera._ops._args import COMPLEX, FLOATS, NUMERIC, REAL, axis_list, check_dtype, tensor
from tessera._ops.reduction_ops import _reduce_samples as _reductions

_NOATTRS: dict = {}
_INDEX_TYPES = frozenset(["int32", "int64"])


def _onnx_type(npdtype) -> int:
    from onnx import helper

    return helper.np_dtype_to_tensor_dtype(np.dtype(npdtype))


def _array_ops():
    from tessera._ops import array_ops

    return array_ops


def _reduction_ops():
    from tessera._ops import reduction_ops

    return reduction_ops


def _dtype_error(op_name: str, index: int, want, got) -> errors.InvalidArgumentError:
    from tessera._ops._args import tf_type_name

    return errors.InvalidArgumentError(
        None, None, f"cannot compute {op_name} as input #{index}(zero-based) was expected to be "
                    f"a {tf_type_name(want)} tensor but is a {tf_type_name(got)} tensor "
                    f"[Op:{op_name}] name: ")


# ---- scans ---------------------------------------------------------------------------------
def _shift_exclusive(out, axis, identity):
    """The exclusive scan from the inclusive one: shift by one along ``axis``."""
    res = np.empty_like(out)
    lead = [slice(None)] * out.ndim
    rest = [slice(None)] * out.ndim
    lead[axis], rest[axis] = slice(0, 1), slice(1, None)
    res[tuple(lead)] = identity
    src = [slice(None)] * out.ndim
    src[axis] = slice(0, -1)
    res[tuple(rest)] = out[tuple(src)]
    return res


def _scan_kernel(ufunc, identity):
    def kernel(x, axis, exclusive, reverse):
        if x.shape[axis] == 0:
            return x.copy()
        if reverse:
            x = np.flip(x, axis)
        with np.errstate(all="ignore"):
            out = ufunc.accumulate(x, axis=axis, dtype=x.dtype)
        if exclusive:
            out = _shift_exclusive(out, axis, identity)
        if reverse:
            out = np.flip(out, axis)
        return np.ascontiguousarray(out)

    return kernel


def _scan_samples(dtypes, low=-2.0, high=2.0, grad_exclusive=True):
    def samples():
        out = []
        for dt in dtypes:
            g = np.dtype(dt).kind in "fc"
            # an exclusive log-sum-exp starts at -inf, which finite differences cannot weigh
            ge = g and grad_exclusive
            x = _samples.rand((3, 4), dt, low, high)
            out += [
                Sample((x,), {"axis": 0, "exclusive": False, "reverse": False}, grad=g,
                       name=f"{dt}-axis0"),
                Sample((x,), {"axis": 1, "exclusive": True, "reverse": False}, grad=ge,
                       name=f"{dt}-exclusive"),
                Sample((x,), {"axis": 1, "exclusive": False, "reverse": True}, grad=g,
                       name=f"{dt}-reverse"),
                Sample((_samples.rand((2, 3, 2), dt, low, high),),
                       {"axis": 1, "exclusive": True, "reverse": True}, grad=ge, name=f"{dt}-both"),
            ]
        out.append(Sample((_samples.rand((2, 0), dtypes[0]),),
                          {"axis": 1, "exclusive": False, "reverse": False}, grad=False,
                          name="empty"))
        return out

    return samples


CUMSUM = declare("Cumsum", _scan_kernel(np.add, 0), infer=_rules.unary, samples=lambda: [
    *_scan_samples(("float32", "float64", "int32", "int64"))(),
    Sample((np.array([[1, 2, 3], [4, 5, 6]], np.int32),),
           {"axis": 1, "exclusive": True, "reverse": True}, grad=False,
           expected=np.array([[5, 3, 0], [11, 6, 0]], np.int32), name="tf-values"),
    Sample((np.array([1 + 1j, 2j], np.complex64),),
           {"axis": 0, "exclusive": False, "reverse": False}, onnx=False),
])
CUMPROD = declare("Cumprod", _scan_kernel(np.multiply, 1), infer=_rules.unary, samples=lambda: [
    *_scan_samples(("float32", "float64", "int32"), 0.5, 2.0)(),
    Sample((np.array([1.0, 2.0, 3.0], np.float32),),
           {"axis": 0, "exclusive": True, "reverse": False}, grad=False,
           expected=np.array([1.0, 1.0, 2.0], np.float32), name="tf-values"),
    Sample((np.array([1 + 1j, 2j], np.complex128),),
           {"axis": 0, "exclusive": False, "reverse": False}, onnx=False,
           expected=np.array([1 + 1j, -2 + 2j]), name="complex"),
])
CUMLOGSUMEXP = declare("CumulativeLogsumexp", _scan_kernel(np.logaddexp, -np.inf),
                       infer=_rules.unary, samples=lambda: [
                           *_scan_samples(("float32", "float64"), grad_exclusive=False)(),
                           Sample((np.array([1.0, 2.0, 3.0], np.float32),),
                                  {"axis": 0, "exclusive": True, "reverse": True}, grad=False,
                                  expected=np.array([3.3132617, 3.0, -np.inf], np.float32),
                                  name="tf-values"),
                           Sample((np.array([-np.inf, -np.inf, np.inf, 1.0]),),
                                  {"axis": 0, "exclusive": False, "reverse": False}, grad=False,
                                  expected=np.array([-np.inf, -np.inf, np.inf, np.inf]),
                                  name="tf-inf"),
                       ])


@CUMSUM.def_grad
def _cumsum_grad(ctx, dy):
    a = ctx.attrs
    return (_scan(CUMSUM, dy, a["axis"], a["exclusive"], not a["reverse"]),)


@CUMPROD.def_grad
def _cumprod_grad(ctx, dy):
    # TensorFlow's rule, zeros included: cumsum(y * dy, reversed) / x with 0/0 -> 0.
    x = ctx.inputs[0]
    a = ctx.attrs
    y = _scan(CUMPROD, x, a["axis"], a["exclusive"], a["reverse"])
    out = _scan(CUMSUM, _m.multiply(_m.conj(y), dy), a["axis"], a["exclusive"], not a["reverse"])
    return (_m.divide_no_nan(out, _m.conj(x)),)


@CUMLOGSUMEXP.def_grad
def _cumlogsumexp_grad(ctx, dy):
    # dx_i = sum_j dy_j exp(x_i - out_j) over the outputs x_i feeds, in log space with the
    # positive and negative parts of dy apart (TF's rule). Every where() keeps infinities
    # out of the unselected branch so that the rule is itself differentiable.
    x, out = ctx.inputs[0], ctx.outputs[0]
    a = ctx.attrs
    ones = _m.ones_like_(dy)
    ninf = _m.multiply(ones, tensor(-np.inf, dtype=dy.dtype))
    zero = _m.zeros_like_(dy)
    dead = _m.equal(out, ninf)  # out_j = -inf: every x feeding it is -inf as well

    def part(mask, magnitude):
        lg = _m.log(_m.where_v2(mask, magnitude, ones))
        keep = _m.logical_and(mask, _m.logical_not(dead))
        d = _m.where_v2(keep, _m.subtract(lg, _m.where_v2(dead, zero, out)), ninf)
        s = _scan(CUMLOGSUMEXP, d, a["axis"], a["exclusive"], not a["reverse"])
        return _m.exp(_m.add(s, x))

    pos = part(_m.greater(dy, zero), dy)
    neg = part(_m.less(dy, zero), _m.negative(dy))
    return (_m.subtract(pos, neg),)


def _scan(op, x, axis, exclusive, reverse):
    return execute(op, (x,), {"axis": axis, "exclusive": bool(exclusive), "reverse": bool(reverse)})


@CUMSUM.def_onnx
def _cumsum_onnx(b, x, axis, exclusive, reverse):
    dt = np.dtype(b.dtypes[x])
    work = {np.dtype(np.float16): np.float32, np.dtype(np.int8): np.int64,
            np.dtype(np.int16): np.int64, np.dtype(np.uint8): np.int64,
            np.dtype(np.uint16): np.int64, np.dtype(np.uint32): np.int64}.get(dt)
    src = x if work is None else b.op("Cast", x, to=_onnx_type(work))
    out = b.op("CumSum", src, b.const(np.array(axis, np.int64)), exclusive=int(exclusive),
               reverse=int(reverse))
    return out if work is None else b.op("Cast", out, to=_onnx_type(dt))


def _scan_lowering(step, identity):
    """A running ``step`` along ``axis`` as an ONNX Scan (state: the running value)."""

    def lower(b, x, axis, exclusive, reverse):
        from onnx import helper

        if b.shapes[x][axis] == 0:
            return b.op("Identity", x)  # ONNX Runtime's Scan cannot run zero iterations
        dt = np.dtype(b.dtypes[x])
        ty = _onnx_type(dt)
        rank = len(b.shapes[x])
        body = _BodyBuilder(dt)
        new = step(body, "s_in", "x_in")
        body.nodes.append(helper.make_node("Identity", [new], ["s_out"]))
        body.nodes.append(helper.make_node("Identity", ["s_in" if exclusive else new], ["y"]))
        graph = helper.make_graph(
            body.nodes, "scan_step",
            [helper.make_tensor_value_info("s_in", ty, None),
             helper.make_tensor_value_info("x_in", ty, None)],
            [helper.make_tensor_value_info("s_out", ty, None),
             helper.make_tensor_value_info("y", ty, None)],
            initializer=body.inits)
        others = [d for d in builtins.range(rank) if d != axis]
        state_shape = b.op("Gather", b.op("Shape", x), b.const(np.array(others, np.int64)))
        init = b.op("Expand", b.const(np.array(identity, dt)), state_shape)
        direction = [1 if reverse else 0]
        _, y = b.op("Scan", init, x, outputs=2, body=graph, num_scan_inputs=1,
                    scan_input_axes=[axis], scan_input_directions=direction,
                    scan_output_axes=[axis], scan_output_directions=direction)
        return y

    return lower


class _BodyBuilder:
    """Nodes of a Scan body graph (plain onnx.helper, names local to the body)."""

    def __init__(self, dt) -> None:
        self.dt, self.nodes, self.inits, self.n = dt, [], [], 0

    def op(self, op_type, *inputs, **attrs):
        from onnx import helper

        self.n += 1
        name = f"b{self.n}"
        self.nodes.append(helper.make_node(op_type, list(inputs), [name], **attrs))
        return name

    def const(self, value):
        from onnx import numpy_helper

        self.n += 1
        name = f"c{self.n}"
        self.inits.append(numpy_helper.from_array(np.array(value, self.dt), name))
        return name


def _logaddexp_step(bb, s, x):
    m = bb.op("Max", s, x)
    inf = bb.op("IsInf", m)
    safe = bb.op("Where", inf, bb.const(0.0), m)
    total = bb.op("Add", bb.op("Exp", bb.op("Sub", s, safe)), bb.op("Exp", bb.op("Sub", x, safe)))
    return bb.op("Where", inf, m, bb.op("Add", bb.op("Log", total), safe))


CUMPROD.def_onnx(_scan_lowering(lambda bb, s, x: bb.op("Mul", s, x), 1))
CUMLOGSUMEXP.def_onnx(_scan_lowering(_logaddexp_step, -np.inf))


def _scan_axis(x, axis, op_name: str) -> int:
    if isinstance(axis, Tensor):
        if axis.shape.rank != 0:
            raise errors.InvalidArgumentError(
                None, None, f"ScanOp: axis must be a scalar, not {axis.shape.as_list()} "
                            f"[Op:{op_name}] name: ")
        check_dtype(op_name, axis, _INDEX_TYPES, "Tidx")
        axis = int(axis.numpy())
    elif not isinstance(axis, int | np.integer):
        axis = int(tensor(axis, dtype=_dtypes.int32).numpy())
    rank = x.shape.rank
    axis = int(axis)
    if axis < 0:
        axis += rank
    if not 0 <= axis < rank:
        raise errors.InvalidArgumentError(
            None, None, f"ScanOp: Expected scan axis in the range [{-rank}, {rank}), but got "
                        f"{axis} [Op:{op_name}] name: ")
    return axis


def _cumulative(op, allowed, x, axis, exclusive, reverse):
    x = tensor(x)
    check_dtype(op.name, x, allowed)
    a = _scan_axis(x, axis, op.name)
    return _scan(op, x, a, exclusive, reverse)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """``tf.math.cumsum``."""
    return _cumulative(CUMSUM, x=x, allowed=NUMERIC, axis=axis, exclusive=exclusive,
                       reverse=reverse)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """``tf.math.cumprod``."""
    return _cumulative(CUMPROD, x=x, allowed=NUMERIC, axis=axis, exclusive=exclusive,
                       reverse=reverse)


def cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False, name=None):
    """``tf.math.cumulative_logsumexp``: log(cumsum(exp(x))) without overflow."""
    return _cumulative(CUMLOGSUMEXP, x=x, allowed=FLOATS, axis=axis, exclusive=exclusive,
                       reverse=reverse)


# ---- reductions ----------------------------------------------------------------------------
def _reduce_samples(dtypes, low=-2.0, high=2.0, grad=True):
    return lambda: _reductions(dtypes, grad, low, high, vector=False)


def _logsumexp_kernel(x, axis, keepdims):
    with np.errstate(all="ignore"):
        m = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, np.zeros((), x.dtype))
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        out = np.squeeze(out, axis=axis) if axis is not None else out.reshape(())
    return out.astype(x.dtype, copy=False)


LOGSUMEXP = declare("ReduceLogSumExp", _logsumexp_kernel, infer=_rules.reduce, samples=lambda: [
    *_reduce_samples(("float32", "float64"))(),
    Sample((np.array([[1.0, 2.0], [3.0, 4.0]], np.float32),), {"axis": None, "keepdims": False},
           grad=False, expected=np.array(4.44019, np.float32), name="tf-values"),
    Sample((np.array([[-np.inf, -np.inf], [np.inf, 1.0], [np.inf, -np.inf], [np.nan, 1.0]]),),
           {"axis": (1,), "keepdims": False}, grad=False,
           expected=np.array([-np.inf, np.inf, np.inf, np.nan]), name="tf-inf"),
    Sample((np.zeros((2, 0), np.float32),), {"axis": (1,), "keepdims": True}, grad=False,
           onnx=False, expected=np.full((2, 1), -np.inf, np.float32), name="empty"),
])


def _restore_axes(t, x, axis, keepdims):
    """``t`` reshaped to broadcast against ``x`` (reduced axes back as size 1)."""
    if keepdims:
        return t
    shape = x.shape.as_list()
    axes = builtins.range(len(shape)) if axis is None else axis
    return _array_ops().reshape(t, [1 if i in axes else d for i, d in enumerate(shape)])


@LOGSUMEXP.def_grad
def _logsumexp_grad(ctx, dy):
    x = ctx.inputs[0]
    axis, keepdims = ctx.attrs["axis"], ctx.attrs["keepdims"]
    y = _restore_axes(ctx.outputs[0], x, axis, keepdims)
    g = _restore_axes(dy, x, axis, keepdims)
    return (_m.multiply(g, _m.exp(_m.subtract(x, y))),)


@LOGSUMEXP.def_onnx
def _logsumexp_onnx(b, x, axis, keepdims):
    axes = [] if axis is None else [b.ints(axis)]
    m = b.op("ReduceMax", x, *axes, keepdims=1)
    zero = b.const(np.zeros((), b.dtypes[x]))
    m = b.op("Where", b.op("IsInf", m), zero, m)
    s = b.op("ReduceSum", b.op("Exp", b.op("Sub", x, m)), *axes, keepdims=1)
    out = b.op("Add", b.op("Log", s), m)
    if not keepdims:
        rank = len(b.shapes[x])
        out = b.op("Squeeze", out, b.ints(builtins.range(rank) if axis is None else axis))
    return out


def _bool_reduce_kernel(fn):
    def kernel(x, axis, keepdims):
        return fn(x, axis=axis, keepdims=keepdims)

    return kernel


def _bool_reduce_onnx(onnx_type):
    def lower(b, x, axis, keepdims):
        axes = [] if axis is None else [b.ints(axis)]
        as_int = b.op("Cast", x, to=_onnx_type(np.int32))
        out = b.op(onnx_type, as_int, *axes, keepdims=int(keepdims))
        return b.op("Cast", out, to=_onnx_type(np.bool_))

    return lower


ALL = declare("All", _bool_reduce_kernel(np.all), infer=_rules.reduce, samples=lambda: [
    *_reduce_samples(("bool",), grad=False)(),
    Sample((np.array([[True, False], [True, True]]),), {"axis": (0,), "keepdims": True},
           grad=False, expected=np.array([[True, False]]), name="tf-values"),
    Sample((np.zeros((0,), bool),), {"axis": None, "keepdims": False}, grad=False,
           expected=np.array(True), name="empty"),
])
ANY = declare("Any", _bool_reduce_kernel(np.any), infer=_rules.reduce, samples=lambda: [
    *_reduce_samples(("bool",), grad=False)(),
    Sample((np.array([[True, False], [False, False]]),), {"axis": (1,), "keepdims": False},
           grad=False, expected=np.array([True, False]), name="tf-values"),
])
not_differentiable(ALL, ANY)
ALL.def_onnx(_bool_reduce_onnx("ReduceMin"))
ANY.def_onnx(_bool_reduce_onnx("ReduceMax"))


def _euclidean_kernel(x, axis, keepdims):
    if x.dtype.kind == "c":
        s = np.sum(np.abs(x) ** 2, axis=axis, keepdims=keepdims)
        return np.sqrt(s).astype(x.dtype)
    if x.dtype.kind in "iu":
        s = np.sum(np.square(x.astype(np.float64)), axis=axis, keepdims=keepdims)
        return np.sqrt(s).astype(x.dtype)
    with np.errstate(over="ignore"):
        return np.sqrt(np.sum(np.square(x), axis=axis, keepdims=keepdims, dtype=x.dtype))


EUCLIDEAN_NORM = declare("EuclideanNorm", _euclidean_kernel, infer=_rules.reduce, samples=lambda: [
    *_reduce_samples(("float32", "float64"), 0.2, 2.0)(),
    Sample((np.array([3, 5], np.int32),), {"axis": None, "keepdims": False}, grad=False,
           expected=np.array(5, np.int32), name="tf-int"),
    Sample((np.array([3 + 4j], np.complex128),), {"axis": None, "keepdims": False}, grad=False,
           onnx=False, expected=np.array(5 + 0j), name="tf-complex"),
])


@EUCLIDEAN_NORM.def_grad
def _euclidean_grad(ctx, dy):
    x = ctx.inputs[0]
    axis, keepdims = ctx.attrs["axis"], ctx.attrs["keepdims"]
    y = _restore_axes(ctx.outputs[0], x, axis, keepdims)
    g = _restore_axes(dy, x, axis, keepdims)
    return (_m.multiply(g, _m.realdiv(x, y)),)


@EUCLIDEAN_NORM.def_onnx
def _euclidean_onnx(b, x, axis, keepdims):
    axes = [] if axis is None else [b.ints(axis)]
    dt = np.dtype(b.dtypes[x])
    src = b.op("Cast", x, to=_onnx_type(np.float64)) if dt.kind in "iu" else x
    out = b.op("ReduceL2", src, *axes, keepdims=int(keepdims))
    return b.op("Cast", out, to=_onnx_type(dt)) if dt.kind in "iu" else out


def _reduce_args(op_name, x, axis, keepdims):
    axes = axis_list(axis, x.shape.rank, op_name)
    if axes is not None:
        axes = tuple(sorted(set(axes)))
    return {"axis": axes, "keepdims": bool(keepdims)}


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """``tf.math.reduce_logsumexp``: log(sum(exp(x))) computed stably."""
    x = tensor(input_tensor)
    check_dtype("IsFinite", x, FLOATS)
    return execute(LOGSUMEXP, (x,), _reduce_args("Max", x, axis, keepdims))


def _bool_reduce(op, input_tensor, axis, keepdims):
    x = input_tensor if isinstance(input_tensor, Tensor) else tensor(input_tensor,
                                                                     dtype=_dtypes.bool)
    if x.dtype is not _dtypes.bool:
        raise _dtype_error(op.name, 0, _dtypes.bool, x.dtype)
    return execute(op, (x,), _reduce_args(op.name, x, axis, keepdims))


def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    """``tf.math.reduce_all``: logical and over axes."""
    return _bool_reduce(ALL, input_tensor, axis, keepdims)


def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    """``tf.math.reduce_any``: logical or over axes."""
    return _bool_reduce(ANY, input_tensor, axis, keepdims)


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    """``tf.math.reduce_euclidean_norm``: sqrt(sum(|x|²)) over axes."""
    x = tensor(input_tensor)
    check_dtype("EuclideanNorm", x, NUMERIC)
    return execute(EUCLIDEAN_NORM, (x,), _reduce_args("EuclideanNorm", x, axis, keepdims))


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """``tf.math.reduce_variance``: mean of squared deviations (real for complex input)."""
    x = tensor(input_tensor)
    if x.dtype.is_integer:
        raise TypeError(f"Input must be either real or complex. Received integer type {x.dtype}.")
    r = _reduction_ops()
    means = r.reduce_mean(x, axis, keepdims=True)
    d = _m.subtract(x, means)
    if x.dtype.is_complex:
        from tessera._ops import elementwise_ops

        sq = elementwise_ops.real(_m.multiply(d, _m.conj(d)))
    else:
        sq = _m.square(d)
    return r.reduce_mean(sq, axis, keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """``tf.math.reduce_std``: sqrt of reduce_variance."""
    return _m.sqrt(reduce_variance(input_tensor, axis, keepdims))


def count_nonzero(input, axis=None, keepdims=None, dtype=_dtypes.int64, name=None):
    """``tf.math.count_nonzero``: the number of non-zero (non-empty string) elements."""
    x = tensor(input)
    zero = tensor(b"" if x.dtype is _dtypes.string else np.zeros((), x.dtype.as_numpy_dtype),
                  dtype=x.dtype)
    hits = _m.cast(_m.not_equal(x, zero), _dtypes.int64)
    out = _reduction_ops().reduce_sum(hits, axis, keepdims=bool(keepdims))
    return _m.cast(out, dtype)


# ---- segment reductions ----------------------------------------------------------------------
_SEGMENT_KINDS = {
    # kind: (ufunc, identity for empty unsorted segments)
    "sum": (np.add, lambda dt: 0),
    "prod": (np.multiply, lambda dt: 1),
    "max": (np.maximum, lambda dt: _lowest(dt)),
    "min": (np.minimum, lambda dt: _highest(dt)),
}


def _lowest(dt):
    return np.finfo(dt).min if dt.kind == "f" else np.iinfo(dt).min


def _highest(dt):
    return np.finfo(dt).max if dt.kind == "f" else np.iinfo(dt).max


def _segment_reduce(kind, data, flat_ids, rest, num):
    ufunc, identity = _SEGMENT_KINDS[kind]
    out = np.full((num, *rest), identity(data.dtype), dtype=data.dtype)
    flat = data.reshape((flat_ids.size, *rest))
    keep = flat_ids >= 0
    if not keep.all():
        flat, flat_ids = flat[keep], flat_ids[keep]
    with np.errstate(all="ignore"):
        ufunc.at(out, flat_ids, flat)
    return out


def _unsorted_kernel(kind):
    def kernel(data, ids, num_segments):
        ids = ids.astype(np.int64, copy=False)
        if data.shape[:ids.ndim] != ids.shape:
            raise ValueError(f"data.shape = [{','.join(map(str, data.shape))}] does not start "
                             f"with segment_ids.shape = [{','.join(map(str, ids.shape))}]")
        bad = np.argwhere(ids >= num_segments)
        if bad.size:
            where = ",".join(map(str, bad[0]))
            raise ValueError(f"segment_ids[{where}] = {ids[tuple(bad[0])]} is out of range "
                             f"[0, {num_segments})")
        return _segment_reduce(kind, data, ids.reshape(-1), data.shape[ids.ndim:], num_segments)

    return kernel


def _sorted_kernel(kind):
    def kernel(data, ids):
        ids = ids.astype(np.int64, copy=False)
        if ids.ndim != 1:
            raise ValueError("segment_ids should be a vector.")
        if data.ndim == 0 or ids.shape[0] != data.shape[0]:
            raise ValueError("segment_ids should be the same size as dimension 0 of input.")
        num = int(ids[-1]) + 1 if ids.size else 0
        neg = np.nonzero(ids < 0)[0]
        if neg.size:
            raise ValueError(f"Segment id {ids[neg[0]]} out of range [0, {num}), possibly "
                             f"because 'segment_ids' input is not sorted.")
        if np.any(np.diff(ids) < 0):
            raise ValueError("segment ids are not increasing")
        out = _segment_reduce(kind, data, ids, data.shape[1:], num)
        if kind in ("max", "min") and num:
            empty = np.bincount(ids, minlength=num) == 0
            out[empty] = 0
        return out

    return kernel


def _infer_unsorted(data, ids, num_segments):
    if data is None or ids is None:
        return None
    return (num_segments, *data[len(ids):])


def _infer_sorted(data, ids):
    return None if data is None else (None, *data[1:])


def _segment_samples(kind, sorted_, dtypes=("float32", "float64", "int32")):
    def samples():
        out = []
        for dt in dtypes:
            g = np.dtype(dt).kind == "f"
            lo, hi = (0.5, 2.0) if kind == "prod" else (-2.0, 2.0)
            data = _samples.rand((5, 3), dt, lo, hi)
            if sorted_:
                out.append(Sample((data, np.array([0, 0, 2, 2, 3], np.int32)), grad=g,
                                  grad_inputs=(0,), name=f"{dt}"))
                out.append(Sample((_samples.rand((4,), dt, lo, hi), np.array([1, 1, 1, 4])),
                                  grad=g, grad_inputs=(0,), name=f"{dt}-vec"))
            else:
                # every segment hit: empty max/min segments hold ±huge, beyond finite
                # differences (the tf-values sample covers them)
                out.append(Sample((data, np.array([3, -1, 0, 2, 1], np.int32)),
                                  {"num_segments": 4}, grad=g, grad_inputs=(0,), name=f"{dt}"))
                out.append(Sample((_samples.rand((2, 2, 3), dt, lo, hi),
                                   np.array([[0, 1], [1, 2]], np.int64)), {"num_segments": 3},
                                  grad=g, grad_inputs=(0,), name=f"{dt}-2d-ids"))
        empty = (_samples.rand((0, 2), dtypes[0]), np.zeros((0,), np.int32))
        out.append(Sample(empty, {} if sorted_ else {"num_segments": 2}, grad=False, name="empty"))
        return out

    return samples


def _segment_expected(kind):
    """Values verified against TensorFlow: data [[1,2],[3,4],[5,6],[7,8]]."""
    data = np.array([[1.0, 2], [3, 4], [5, 6], [7, 8]], np.float32)
    sorted_exp = {"sum": [[4, 6], [0, 0], [12, 14]], "max": [[3, 4], [0, 0], [7, 8]],
                  "min": [[1, 2], [0, 0], [5, 6]], "prod": [[3, 8], [1, 1], [35, 48]]}
    lo = np.finfo(np.float32).min
    hi = np.finfo(np.float32).max
    unsorted_exp = {"sum": [[5, 6], [0, 0], [0, 0], [8, 10], [0, 0]],
                    "max": [[5, 6], [lo, lo], [lo, lo], [7, 8], [lo, lo]],
                    "min": [[5, 6], [hi, hi], [hi, hi], [1, 2], [hi, hi]],
                    "prod": [[5, 6], [1, 1], [1, 1], [7, 16], [1, 1]]}
    return (Sample((data, np.array([0, 0, 2, 2], np.int32)), grad=False, name="tf-values",
                   expected=np.array(sorted_exp[kind], np.float32)),
            Sample((data, np.array([3, -1, 0, 3], np.int32)), {"num_segments": 5}, grad=False,
                   name="tf-values", expected=np.array(unsorted_exp[kind], np.float32)))


def _declare_segment(kind, name):
    def sorted_samples():
        return [*_segment_samples(kind, True)(), _segment_expected(kind)[0]]

    def unsorted_samples():
        return [*_segment_samples(kind, False)(), _segment_expected(kind)[1]]

    s = declare(f"Segment{name}", _sorted_kernel(kind), infer=_infer_sorted, dynamic_shape=True,
                samples=sorted_samples)
    u = declare(f"UnsortedSegment{name}", _unsorted_kernel(kind), infer=_infer_unsorted,
                samples=unsorted_samples)
    s.def_onnx(_segment_onnx(kind, sorted_=True))
    u.def_onnx(_segment_onnx(kind, sorted_=False))
    return s, u


def _segment_onnx(kind, sorted_):
    """ScatterND with a reduction into a base filled with the kind's identity; negative ids
    go to one extra row that is sliced off."""

    def lower(b, data, ids, num_segments=None):
        dt = np.dtype(b.dtypes[data])
        ids_rank = len(b.shapes[ids])
        idx = b.op("Cast", ids, to=_onnx_type(np.int64))
        if sorted_:
            # ids are sorted, so the largest is the last; a leading -1 makes empty ids give 0
            last = b.op("ReduceMax", b.op("Concat", b.ints([-1]), b.op("Reshape", idx, b.ints([-1])),
                                          axis=0), keepdims=1)
            num = b.op("Add", last, b.ints([1]))
        else:
            num = b.ints([num_segments])
        zero = b.const(np.zeros((), np.int64))
        idx = b.op("Where", b.op("Less", idx, zero), b.op("Squeeze", num, b.ints([0])), idx)
        rest = b.op("Slice", b.op("Shape", data), b.ints([ids_rank]), b.ints([1 << 62]))
        base_shape = b.op("Concat", b.op("Add", num, b.ints([1])), rest, axis=0)
        identity = _SEGMENT_KINDS[kind][1](dt)
        base = b.op("Expand", b.const(np.array(identity, dt)), base_shape)
        updates = b.op("Reshape", data, b.op("Concat", b.ints([-1]), rest, axis=0))
        flat_idx = b.op("Reshape", idx, b.ints([-1, 1]))
        reduction = {"sum": "add", "prod": "mul", "max": "max", "min": "min"}[kind]
        out = b.op("ScatterND", base, flat_idx, updates, reduction=reduction)
        out = b.op("Slice", out, b.ints([0]), num, b.ints([0]))
        if sorted_ and kind in ("max", "min"):
            ones = b.op("Expand", b.const(np.ones((), np.int64)), b.op("Shape", flat_idx))
            counts = b.op("ScatterND", b.op("Expand", zero, b.op("Add", num, b.ints([1]))),
                          flat_idx, b.op("Reshape", ones, b.ints([-1])), reduction="add")
            counts = b.op("Slice", counts, b.ints([0]), num, b.ints([0]))
            rank = len(b.shapes[data]) - ids_rank + 1
            empty = b.op("Equal", b.op("Reshape", counts, b.ints([-1] + [1] * (rank - 1))), zero)
            out = b.op("Where", empty, b.const(np.zeros((), dt)), out)
        return out

    return lower


SEGMENT_SUM, UNSORTED_SEGMENT_SUM = _declare_segment("sum", "Sum")
SEGMENT_PROD, UNSORTED_SEGMENT_PROD = _declare_segment("prod", "Prod")
SEGMENT_MAX, UNSORTED_SEGMENT_MAX = _declare_segment("max", "Max")
SEGMENT_MIN, UNSORTED_SEGMENT_MIN = _declare_segment("min", "Min")


# The gradient of a segment reduction gathers rows back by segment id (invalid ids give 0).
def _gather_kernel(params, ids):
    idx = ids.astype(np.int64, copy=False)
    n = params.shape[0]
    valid = (idx >= 0) & (idx < n)
    if n == 0:
        return np.zeros(ids.shape + params.shape[1:], params.dtype)
    out = params[np.where(valid, idx, 0)]
    if not valid.all():
        out[~valid] = 0
    return out


def _infer_gather(params, ids):
    if params is None or ids is None:
        return None
    return (*ids, *params[1:])


SEGMENT_GATHER = declare("SegmentGather", _gather_kernel, infer=_infer_gather, samples=lambda: [
    Sample((_samples.rand((4, 3)), np.array([3, -1, 0, 3, 5], np.int32)), grad_inputs=(0,)),
    Sample((_samples.rand((3,), "float64"), np.array([[0, 1], [2, 2]], np.int64)),
           grad_inputs=(0,)),
    Sample((_samples.rand((2, 2), "int32"), np.array([1], np.int32)), grad=False),
])


@SEGMENT_GATHER.def_grad
def _gather_grad(ctx, dy):
    params, ids = ctx.inputs
    n = params.shape.as_list()[0]
    # ids past the end gathered zeros: route them to the dropped segment -1
    ids = _m.where_v2(_m.less(ids, tensor(n, dtype=ids.dtype)), ids, _m.negative(
        _m.ones_like_(ids)))
    return _unsorted(UNSORTED_SEGMENT_SUM, dy, ids, n), None


@SEGMENT_GATHER.def_onnx
def _gather_onnx(b, params, ids):
    idx = b.op("Cast", ids, to=_onnx_type(np.int64))
    n = b.op("Gather", b.op("Shape", params), b.const(np.array(0, np.int64)))
    zero = b.const(np.zeros((), np.int64))
    valid = b.op("And", b.op("GreaterOrEqual", idx, zero), b.op("Less", idx, n))
    g = b.op("Gather", params, b.op("Where", valid, idx, zero), axis=0)
    trailing = len(b.shapes[params]) - 1
    if trailing:
        valid = b.op("Unsqueeze", valid, b.ints([-(i + 1) for i in builtins.range(trailing)]))
    return b.op("Where", valid, g, b.const(np.zeros((), b.dtypes[params])))


def _gather(params, ids):
    return execute(SEGMENT_GATHER, (params, ids), _NOATTRS)


def _unsorted(op, data, ids, num):
    return execute(op, (data, ids), {"num_segments": int(num)})


def _segment_grad_sum(ctx, dy):
    return _gather(dy, ctx.inputs[1]), None


def _segment_grad_minmax(ctx, dy):
    data, ids = ctx.inputs
    y = ctx.outputs[0]
    num = y.shape.as_list()[0]
    valid = _valid_ids(ids, data)
    hit = _m.logical_and(_m.equal(data, _gather(y, ids)), valid)
    hits = _m.cast(hit, data.dtype)
    counts = _unsorted(UNSORTED_SEGMENT_SUM, hits, ids, num)
    share = _gather(_m.divide_no_nan(dy, counts), ids)
    return _m.multiply(hits, share), None


def _segment_grad_prod(ctx, dy):
    data, ids = ctx.inputs
    y = ctx.outputs[0]
    num = y.shape.as_list()[0]
    zero = _m.zeros_like_(data)
    is_zero = _m.equal(data, zero)
    zeros = _unsorted(UNSORTED_SEGMENT_SUM, _m.cast(is_zero, _dtypes.int32), ids, num)
    nonzero_prod = _unsorted(UNSORTED_SEGMENT_PROD, _m.where_v2(is_zero, _m.ones_like_(data), data),
                             ids, num)
    one_zero = _m.equal(_gather(zeros, ids), tensor(1, dtype=_dtypes.int32))
    at_zero = _m.where_v2(one_zero, _gather(_m.multiply(nonzero_prod, dy), ids), zero)
    safe = _m.where_v2(is_zero, _m.ones_like_(data), data)
    elsewhere = _m.realdiv(_gather(_m.multiply(y, dy), ids), safe)
    return _m.where_v2(is_zero, at_zero, elsewhere), None


def _valid_ids(ids, data):
    """ids >= 0, broadcast over data's trailing dims (negative ids drop their rows)."""
    ok = _m.greater_equal(ids, tensor(0, dtype=ids.dtype))
    extra = data.shape.rank - ids.shape.rank
    if extra:
        ok = _array_ops().reshape(ok, ids.shape.as_list() + [1] * extra)
        ok = _m.logical_and(ok, _m.equal(_m.zeros_like_(data), _m.zeros_like_(data)))
    return ok


for _op in (SEGMENT_SUM, UNSORTED_SEGMENT_SUM):
    _op.def_grad(_segment_grad_sum)
for _op in (SEGMENT_MAX, UNSORTED_SEGMENT_MAX, SEGMENT_MIN, UNSORTED_SEGMENT_MIN):
    _op.def_grad(_segment_grad_minmax)
for _op in (SEGMENT_PROD, UNSORTED_SEGMENT_PROD):
    _op.def_grad(_segment_grad_prod)

_SEGMENT_TYPES = REAL | COMPLEX
_SEGMENT_MINMAX_TYPES = REAL


def _segment_inputs(op_name, data, segment_ids, allowed):
    data = tensor(data)
    ids = tensor(segment_ids)
    check_dtype(op_name, data, allowed)
    check_dtype(op_name, ids, _INDEX_TYPES, "Tindices")
    return data, ids


def _sorted_segment(op, data, segment_ids):
    allowed = _SEGMENT_MINMAX_TYPES if op in (SEGMENT_MAX, SEGMENT_MIN) else _SEGMENT_TYPES
    data, ids = _segment_inputs(op.name, data, segment_ids, allowed)
    return execute(op, (data, ids), _NOATTRS)


def _num_segments(num_segments, op_name) -> int:
    n = tensor(num_segments)
    check_dtype(op_name, n, _INDEX_TYPES, "Tnumsegments")
    if n.shape.rank != 0:
        raise errors.InvalidArgumentError(
            None, None, f"num_segments should be a scalar, not shape "
                        f"[{','.join(map(str, n.shape.as_list()))}] [Op:{op_name}]")
    value = int(n.numpy())
    if value < 0:
        raise errors.InvalidArgumentError(
            None, None, f"Input num_segments == {value} must not be negative. [Op:{op_name}]")
    return value


def _unsorted_segment(op, data, segment_ids, num_segments):
    allowed = _SEGMENT_MINMAX_TYPES if op in (UNSORTED_SEGMENT_MAX, UNSORTED_SEGMENT_MIN) \
        else _SEGMENT_TYPES
    data, ids = _segment_inputs(op.name, data, segment_ids, allowed)
    return _unsorted(op, data, ids, _num_segments(num_segments, op.name))


def segment_sum(data, segment_ids, name=None):
    """``tf.math.segment_sum`` (sorted ids)."""
    return _sorted_segment(SEGMENT_SUM, data, segment_ids)


def segment_prod(data, segment_ids, name=None):
    """``tf.math.segment_prod`` (sorted ids; empty segments give 1)."""
    return _sorted_segment(SEGMENT_PROD, data, segment_ids)


def segment_max(data, segment_ids, name=None):
    """``tf.math.segment_max`` (sorted ids; empty segments give 0)."""
    return _sorted_segment(SEGMENT_MAX, data, segment_ids)


def segment_min(data, segment_ids, name=None):
    """``tf.math.segment_min`` (sorted ids; empty segments give 0)."""
    return _sorted_segment(SEGMENT_MIN, data, segment_ids)


def _broadcast_counts(counts, data_rank, ids_rank):
    extra = data_rank - ids_rank
    if extra <= 0:
        return counts
    return _array_ops().reshape(counts, [-1] + [1] * extra)


def segment_mean(data, segment_ids, name=None):
    """``tf.math.segment_mean``: segment_sum / count (integer data: truncated, as TF)."""
    from tessera._ops import elementwise_ops

    data, ids = _segment_inputs("SegmentMean", data, segment_ids, _SEGMENT_TYPES)
    total = execute(SEGMENT_SUM, (data, ids), _NOATTRS)
    ones = _array_ops().ones(ids.shape.as_list(), data.dtype)
    counts = _broadcast_counts(execute(SEGMENT_SUM, (ones, ids), _NOATTRS), data.shape.rank, 1)
    if data.dtype.is_integer:
        safe = _m.maximum(counts, tensor(1, dtype=data.dtype))
        return elementwise_ops.truncatediv(total, safe)
    return _m.divide_no_nan(total, counts)


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """``tf.math.unsorted_segment_sum`` (negative ids are dropped)."""
    return _unsorted_segment(UNSORTED_SEGMENT_SUM, data, segment_ids, num_segments)


def unsorted_segment_prod(data, segment_ids, num_segments, name=None):
    """``tf.math.unsorted_segment_prod`` (empty segments give 1)."""
    return _unsorted_segment(UNSORTED_SEGMENT_PROD, data, segment_ids, num_segments)


def unsorted_segment_max(data, segment_ids, num_segments, name=None):
    """``tf.math.unsorted_segment_max`` (empty segments give the dtype's lowest value)."""
    return _unsorted_segment(UNSORTED_SEGMENT_MAX, data, segment_ids, num_segments)


def unsorted_segment_min(data, segment_ids, num_segments, name=None):
    """``tf.math.unsorted_segment_min`` (empty segments give the dtype's highest value)."""
    return _unsorted_segment(UNSORTED_SEGMENT_MIN, data, segment_ids, num_segments)


def _segment_counts(data, ids, num):
    ones = _array_ops().ones(ids.shape.as_list(), data.dtype)
    n = _unsorted(UNSORTED_SEGMENT_SUM, ones, ids, num)
    n = _m.maximum(n, tensor(1, dtype=data.dtype))
    return _broadcast_counts(n, data.shape.rank, ids.shape.rank)


def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """``tf.math.unsorted_segment_mean``: sum / max(count, 1) (true division, as TF)."""
    data, ids = _segment_inputs("UnsortedSegmentSum", data, segment_ids, _SEGMENT_TYPES)
    num = _num_segments(num_segments, "UnsortedSegmentSum")
    total = _unsorted(UNSORTED_SEGMENT_SUM, data, ids, num)
    return _m.truediv(total, _segment_counts(data, ids, num))


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """``tf.math.unsorted_segment_sqrt_n``: sum / sqrt(max(count, 1))."""
    data, ids = _segment_inputs("UnsortedSegmentSum", data, segment_ids, _SEGMENT_TYPES)
    num = _num_segments(num_segments, "UnsortedSegmentSum")
    total = _unsorted(UNSORTED_SEGMENT_SUM, data, ids, num)
    n = _segment_counts(data, ids, num)
    check_dtype("Sqrt", n, FLOATS | COMPLEX)
    return _m.realdiv(total, _m.sqrt(n))


# ---- top-k -----------------------------------------------------------------------------------
TopKV2 = namedtuple("TopKV2", ["values", "indices"])
ApproxTopK = namedtuple("ApproxTopK", ["values", "indices"])


def _descending_order(x):
    """Indices sorting the last axis descending, ties by index, NaN last (as TF)."""
    if x.dtype.kind == "f":
        nan = np.isnan(x)
        key = -np.where(nan, np.array(-np.inf, x.dtype), x)
        return np.lexsort((nan, key), axis=-1)
    return np.argsort(~x, axis=-1, kind="stable")


def _top_k_kernel(x, k, sorted, index_type):
    if x.ndim == 0:
        raise ValueError("input must be >= 1-D, got shape []")
    n = x.shape[-1]
    if k < 0:
        raise ValueError(f"Need k >= 0, got {k}")
    if n < k:
        raise ValueError(f"input must have at least k columns. Had {n}, needed {k}")
    idx = _descending_order(x)[..., :k]
    return np.take_along_axis(x, idx, -1), idx.astype(index_type.as_numpy_dtype)


def _infer_top_k(x, k, sorted, index_type):
    if x is None:
        return [None, None]
    out = (*x[:-1], k)
    return [out, out]


def _top_k_dtypes(dts, attrs):
    return dts[0], _dtypes.as_dtype(attrs["index_type"])


TOP_K = declare("TopKV2", _top_k_kernel, infer=_infer_top_k, num_outputs=2,
                dtype_rule=_top_k_dtypes, samples=lambda: [
                    Sample((_samples.rand((3, 5)),),
                           {"k": 2, "sorted": True, "index_type": _dtypes.int32}),
                    Sample((_samples.rand((6,), "float64"),),
                           {"k": 6, "sorted": True, "index_type": _dtypes.int64}),
                    Sample((_samples.rand((2, 4), "int32", -5, 5),),
                           {"k": 3, "sorted": True, "index_type": _dtypes.int32}, grad=False),
                    Sample((_samples.rand((2, 3)),),
                           {"k": 0, "sorted": True, "index_type": _dtypes.int32}, grad=False),
                    Sample((np.array([1.0, 3.0, 2.0, 3.0], np.float32),),
                           {"k": 2, "sorted": True, "index_type": _dtypes.int32}, grad=False,
                           expected=(np.array([3.0, 3.0], np.float32), np.array([1, 3], np.int32)),
                           name="tf-ties"),
                    Sample((np.array([[4, 4, 4, 1], [1, 3, 2, 3]], np.int32),),
                           {"k": 3, "sorted": True, "index_type": _dtypes.int64}, grad=False,
                           expected=(np.array([[4, 4, 4], [3, 3, 2]], np.int32),
                                     np.array([[0, 1, 2], [1, 3, 2]])), name="tf-int"),
                    Sample((np.array([1.0, np.nan, 2.0], np.float32),),
                           {"k": 3, "sorted": True, "index_type": _dtypes.int32}, grad=False,
                           onnx=False, expected=(np.array([2.0, 1.0, np.nan], np.float32),
                                                 np.array([2, 0, 1], np.int32)), name="tf-nan"),
                ])


@TOP_K.def_grad
def _top_k_grad(ctx, dy, _d_indices):
    x = ctx.inputs[0]
    idx = ctx.outputs[1]
    a = _array_ops()
    shape = x.shape.as_list()
    n = shape[-1]
    rows = int(np.prod(shape[:-1], dtype=np.int64))
    k = ctx.attrs["k"]
    base = a.reshape(_m.multiply(a.range(rows, dtype=idx.dtype), tensor(n, dtype=idx.dtype)),
                     [rows, 1])
    flat = a.reshape(_m.add(a.reshape(idx, [rows, k]), base), [-1])
    g = _unsorted(UNSORTED_SEGMENT_SUM, a.reshape(dy, [-1]), flat, rows * n)
    return (a.reshape(g, shape),)


@TOP_K.def_onnx
def _top_k_onnx(b, x, k, sorted, index_type):
    values, indices = b.op("TopK", x, b.ints([k]), axis=-1, largest=1, sorted=1, outputs=2)
    if index_type.name != "int64":
        indices = b.op("Cast", indices, to=_onnx_type(index_type.as_numpy_dtype))
    return values, indices


_TOP_K_TYPES = REAL


def top_k(input, k=1, sorted=True, index_type=_dtypes.int32, name=None):
    """``tf.math.top_k``: the k largest entries of the last axis and their indices."""
    x = tensor(input)
    check_dtype("TopKV2", x, _TOP_K_TYPES)
    if isinstance(k, Tensor):
        k = int(k.numpy())
    index_type = _dtypes.as_dtype(index_type)
    values, indices = execute(TOP_K, (x,), {"k": int(k), "sorted": bool(sorted),
                                            "index_type": index_type})
    return TopKV2(values, indices)


def _in_top_k_kernel(targets, predictions, k):
    if predictions.ndim != 2:
        raise ValueError(f"predictions must be 2-dimensional, got {predictions.ndim}")
    if targets.ndim != 1:
        raise ValueError(f"targets must be 1-dimensional, got {targets.ndim}")
    rows, classes = predictions.shape
    if targets.shape[0] != rows:
        raise ValueError(f"First dimension of predictions {rows} must match length of targets "
                         f"{targets.shape[0]}")
    t = targets.astype(np.int64)
    valid = (t >= 0) & (t < classes)
    if classes == 0:
        return np.zeros(rows, bool)
    tp = predictions[np.arange(rows), np.where(valid, t, 0)]
    finite = np.isfinite(predictions).all(axis=1)
    greater = np.sum(predictions > tp[:, None], axis=1)
    return valid & np.isfinite(tp) & finite & (greater < k)


IN_TOP_K = declare("InTopKV2", _in_top_k_kernel, infer=lambda t, p, k: t,
                   dtype_rule=_rules.to_bool, samples=lambda: [
                       Sample((np.array([2, 1, 0], np.int32), _samples.rand((3, 4))), {"k": 2},
                              grad=False),
                       Sample((np.array([2, 1], np.int32),
                               np.array([[0.1, 0.3, 0.3], [0.5, 0.5, 0.2]], np.float32)),
                              {"k": 1}, grad=False, expected=np.array([True, True]),
                              name="tf-ties"),
                       Sample((np.array([0, 1, 3, -1], np.int64),
                               np.array([[0.5, 0.3, np.nan], [0.5, 0.9, 0.2], [1, 2, 3],
                                         [1, 2, 3]], np.float32)),
                              {"k": 3}, grad=False, expected=np.array([False, True, False, False]),
                              name="tf-invalid"),
                       Sample((np.array([2, 1], np.int32),
                               np.array([[0.1, 0.3, 0.3], [0.5, 0.5, 0.2]], np.float32)),
                              {"k": 0}, grad=False, expected=np.array([False, False]),
                              name="tf-k0"),
                   ])
not_differentiable(IN_TOP_K)


@IN_TOP_K.def_onnx
def _in_top_k_onnx(b, targets, predictions, k):
    t = b.op("Cast", targets, to=_onnx_type(np.int64))
    classes = b.op("Gather", b.op("Shape", predictions), b.const(np.array(1, np.int64)))
    zero = b.const(np.zeros((), np.int64))
    valid = b.op("And", b.op("GreaterOrEqual", t, zero), b.op("Less", t, classes))
    tc = b.op("Unsqueeze", b.op("Where", valid, t, zero), b.ints([1]))
    tp = b.op("GatherElements", predictions, tc, axis=1)
    greater = b.op("ReduceSum", b.op("Cast", b.op("Greater", predictions, tp),
                                     to=_onnx_type(np.int64)), b.ints([1]), keepdims=0)
    nonfinite = b.op("Or", b.op("IsNaN", predictions), b.op("IsInf", predictions))
    bad_rows = b.op("ReduceMax", b.op("Cast", nonfinite, to=_onnx_type(np.int64)), b.ints([1]),
                    keepdims=0)
    ok = b.op("And", valid, b.op("Equal", bad_rows, zero))
    return b.op("And", ok, b.op("Less", greater, b.const(np.array(k, np.int64))))


def in_top_k(targets, predictions, k, name=None):
    """``tf.math.in_top_k`` / ``tf.nn.in_top_k``: whether each target is among the top k
    predictions of its row (ties count in its favour; non-finite rows give False)."""
    if isinstance(predictions, Tensor) and predictions.dtype is not _dtypes.float32:
        raise ValueError(f"Tensor conversion requested dtype float32 for Tensor with dtype "
                         f"{predictions.dtype.name}: {predictions!r}")
    p = tensor(predictions, dtype=_dtypes.float32)
    t = tensor(targets)
    check_dtype("InTopKV2", t, _INDEX_TYPES)
    if isinstance(k, Tensor):
        k = int(k.numpy())
    return execute(IN_TOP_K, (t, p), {"k": int(k)})


def _approx_k(operand, k, reduction_dimension, largest):
    x = tensor(operand)
    check_dtype("ApproxTopK", x, frozenset(["float16", "bfloat16", "float32"]))
    rank = x.shape.rank
    dim = int(reduction_dimension) % rank if rank else 0
    a = _array_ops()
    perm = None
    if dim != rank - 1:
        perm = [d for d in builtins.range(rank) if d != dim] + [dim]
        x = a.transpose(x, perm)
    src = x if largest else _m.negative(x)
    values, indices = execute(TOP_K, (src,), {"k": int(k), "sorted": True,
                                              "index_type": _dtypes.int32})
    if not largest:
        values = _m.negative(values)
    if perm is not None:
        inverse = [perm.index(d) for d in builtins.range(rank)]
        values, indices = a.transpose(values, inverse), a.transpose(indices, inverse)
    return ApproxTopK(values, indices)


def approx_max_k(operand, k, reduction_dimension=-1, recall_target=0.95,
                 reduction_input_size_override=-1, aggregate_to_topk=True, name=None):
    """``tf.math.approx_max_k``: on this backend the exact top k along the dimension."""
    return _approx_k(operand, k, reduction_dimension, True)


def approx_min_k(operand, k, reduction_dimension=-1, recall_target=0.95,
                 reduction_input_size_override=-1, aggregate_to_topk=True, name=None):
    """``tf.math.approx_min_k``: on this backend the exact bottom k along the dimension."""
    return _approx_k(operand, k, reduction_dimension, False)


def _monotone(x, strict: bool):
    x = tensor(x)
    if not (x.dtype.is_integer or x.dtype.is_floating or x.dtype.is_complex):
        raise TypeError(f"Expected x to be numeric, instead found: {x}")
    flat = _array_ops().reshape(x, [-1])
    n = flat.shape.as_list()[0]
    if n is not None and n < 2:
        return tensor(True)
    cmp = _m.less if strict else _m.less_equal
    return reduce_all(cmp(flat[:-1], flat[1:]))


def is_non_decreasing(x, name=None):
    """``tf.math.is_non_decreasing``: x[i] <= x[i+1] over the flattened tensor."""
    return _monotone(x, strict=False)


def is_strictly_increasing(x, name=None):
    """``tf.math.is_strictly_increasing``: x[i] < x[i+1] over the flattened tensor."""
    return _monotone(x, strict=True)


# ---- counting ------------------------------------------------------------------------------
def _bincount_kernel(arr, weights, minlength, maxlength, binary_output, batched):
    arr = arr.astype(np.int64, copy=False)
    if arr.size and arr.min() < 0:
        raise ValueError("Input arr must be non-negative!")
    size = int(arr.max()) + 1 if arr.size else 0
    if minlength is not None:
        size = max(size, minlength)
    if maxlength is not None:
        size = min(size, maxlength)
    if size < 0:
        raise ValueError(f"size ({size}) must be non-negative")
    dt = weights.dtype
    use_w = weights.size > 0 and not binary_output
    if batched and arr.ndim == 2:
        rows = arr.shape[0]
        keep = arr < size
        flat = (arr + np.arange(rows)[:, None] * size)[keep]
        w = weights[keep] if use_w else None
        out = np.bincount(flat, weights=w, minlength=rows * size).reshape(rows, size)
    else:
        a = arr.reshape(-1)
        keep = a < size
        w = weights.reshape(-1)[keep] if use_w else None
        out = np.bincount(a[keep], weights=w, minlength=size)[:size]
    if binary_output:
        out = out > 0
    return out.astype(dt)


def _infer_bincount(arr, weights, minlength, maxlength, binary_output, batched):
    if batched and arr is not None and len(arr) == 2:
        return (arr[0], None)
    return (None,)


BINCOUNT = declare("DenseBincount", _bincount_kernel, infer=_infer_bincount, dynamic_shape=True,
                   dtype_rule=_rules.nth_input(1), samples=lambda: [
                       Sample((np.array([1, 1, 3], np.int32), np.zeros((0,), np.int32)),
                              {"minlength": None, "maxlength": None, "binary_output": False,
                               "batched": False}, grad=False,
                              expected=np.array([0, 2, 0, 1], np.int32), name="tf-values"),
                       Sample((np.array([1, 1, 3], np.int32), np.array([0.5, 1.0, 2.0], np.float32)),
                              {"minlength": 6, "maxlength": None, "binary_output": False,
                               "batched": False}, grad=False,
                              expected=np.array([0, 1.5, 0, 2, 0, 0], np.float32),
                              name="tf-weights"),
                       Sample((np.array([[1, 1, 3], [0, 2, 2]], np.int64), np.zeros((0,), np.int32)),
                              {"minlength": 5, "maxlength": None, "binary_output": True,
                               "batched": True}, grad=False,
                              expected=np.array([[0, 1, 0, 1, 0], [1, 0, 1, 0, 0]], np.int32),
                              name="tf-batched"),
                       Sample((np.array([1, 1, 3], np.int32), np.zeros((0,), np.float64)),
                              {"minlength": None, "maxlength": 2, "binary_output": False,
                               "batched": False}, grad=False,
                              expected=np.array([0.0, 2.0]), name="tf-maxlength"),
                   ])
not_differentiable(BINCOUNT)


@BINCOUNT.def_onnx
def _bincount_onnx(b, arr, weights, minlength, maxlength, binary_output, batched):
    # size = max(arr) + 1 (a leading -1 makes an empty arr give 0), clipped by min/maxlength;
    # values past the size go to one extra bin that is sliced off.
    i64 = _onnx_type(np.int64)
    dt = np.dtype(b.dtypes[weights])
    a = b.op("Cast", arr, to=i64)
    flat = b.op("Reshape", a, b.ints([-1]))
    size = b.op("Add", b.op("ReduceMax", b.op("Concat", b.ints([-1]), flat, axis=0),
                            keepdims=1), b.ints([1]))
    if minlength is not None:
        size = b.op("Max", size, b.ints([minlength]))
    if maxlength is not None:
        size = b.op("Min", size, b.ints([maxlength]))
    rank = len(b.shapes[arr])
    two_d = batched and rank == 2
    rows = b.op("Gather", b.op("Shape", a), b.ints([0])) if two_d else b.ints([1])
    idx = b.op("Where", b.op("Less", a, size), a, size)  # size: the dropped bin
    if two_d:
        row_id = b.op("Unsqueeze", b.op("Range", b.const(np.array(0, np.int64)),
                                        b.op("Squeeze", rows, b.ints([0])),
                                        b.const(np.array(1, np.int64))), b.ints([1]))
        idx = b.op("Add", idx, b.op("Mul", row_id, b.op("Add", size, b.ints([1]))))
    idx = b.op("Reshape", idx, b.ints([-1, 1]))
    use_w = len(b.shapes[weights]) and b.shapes[weights][0] != 0 and not binary_output
    ones = b.op("Expand", b.const(np.ones((), dt)), b.op("Shape", flat))
    upd = b.op("Reshape", weights, b.ints([-1])) if use_w else ones
    total = b.op("Mul", rows, b.op("Add", size, b.ints([1])))
    counts = b.op("ScatterND", b.op("Expand", b.const(np.zeros((), dt)), total), idx, upd,
                  reduction="add")
    counts = b.op("Reshape", counts, b.op("Concat", rows, b.op("Add", size, b.ints([1])), axis=0))
    counts = b.op("Slice", counts, b.ints([0]), size, b.ints([1]))
    if not two_d:
        counts = b.op("Reshape", counts, b.ints([-1]))
    if binary_output:
        counts = b.op("Cast", b.op("Greater", counts, b.const(np.zeros((), dt))),
                      to=_onnx_type(dt))
    return counts



def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=_dtypes.int32, name=None,
             axis=None, binary_output=False):
    """``tf.math.bincount``: counts (or summed weights) of each non-negative integer."""
    a = tensor(arr, hint=_dtypes.int32)
    if a.dtype.is_floating:
        a = _m.cast(a, _dtypes.int32)
    check_dtype("DenseBincount", a, _INDEX_TYPES, "Tidx")
    if axis not in (None, 0, -1):
        raise ValueError(f"Unsupported value for argument axis={axis}. Only 0 and -1 are "
                         f"currently supported.")
    if weights is not None and binary_output:
        raise ValueError("Arguments `binary_output` and `weights` are mutually exclusive. Please "
                         "specify only one.")
    batched = axis == -1
    if batched and a.shape.rank is not None and a.shape.rank > 2:
        raise errors.InvalidArgumentError(
            None, None, f"Shape must be at most rank 2 but is rank {a.shape.rank} "
                        f"[Op:DenseBincount] name: ")
    if weights is None:
        w = tensor(np.zeros((0,), _dtypes.as_dtype(dtype).as_numpy_dtype),
                   dtype=_dtypes.as_dtype(dtype))
    else:
        w = tensor(weights)
        ws, av = w.shape.as_list(), a.shape.as_list()
        if ws not in ([0], av):
            raise errors.InvalidArgumentError(
                None, None, f"`weights` must be the same shape as `arr` or a length-0 `Tensor`, "
                            f"in which case it acts as all weights equal to 1. Received "
                            f"[{','.join(map(str, ws))}] [Op:DenseBincount] name: ")
    check_dtype("DenseBincount", w, frozenset(["int32", "int64", "float32", "float64"]))

    def opt(v):
        if v is None:
            return None
        return int(v.numpy()) if isinstance(v, Tensor) else int(v)

    return execute(BINCOUNT, (a, w), {"minlength": opt(minlength), "maxlength": opt(maxlength),
                                      "binary_output": bool(binary_output), "batched": batched})


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=_dtypes.int32,
                     name=None):
    """``tf.math.confusion_matrix``: counts of (label, prediction) pairs, rows = labels."""
    dtype = _dtypes.as_dtype(dtype)
    lab = _m.cast(tensor(labels), _dtypes.int64)
    pred = _m.cast(tensor(predictions), _dtypes.int64)
    lab = _array_ops().reshape(lab, [-1])
    pred = _array_ops().reshape(pred, [-1])
    lv, pv = lab.numpy(), pred.numpy()
    if lv.shape != pv.shape:
        raise errors.InvalidArgumentError(
            None, None, f"Shapes of all inputs must match: values[0].shape = {list(lv.shape)} != "
                        f"values[1].shape = {list(pv.shape)} [Op:Pack] name: stack")
    for what, v in (("labels", lv), ("predictions", pv)):
        if (v < 0).any():
            raise errors.InvalidArgumentError(
                None, None, f"`{what}` contains negative values.  \nCondition x >= 0 did not "
                            f"hold element-wise:\nx (shape={v.shape} dtype=int64) = \n"
                            f"{[str(e) for e in v[:3]]}")
    if num_classes is None:
        if lv.size == 0:
            raise errors.InvalidArgumentError(
                None, None, "Dimension -9223372036854775807 must be >= 0 [Op:ScatterNd] name: ")
        n = int(max(lv.max(), pv.max())) + 1
    else:
        n = int(num_classes.numpy()) if isinstance(num_classes, Tensor) else int(num_classes)
        for what, v in (("labels", lv), ("predictions", pv)):
            if (v >= n).any():
                raise errors.InvalidArgumentError(
                    None, None, f"`{what}` out of bound\nCondition x < y did not hold.\nFirst "
                                f"{min(v.size, 3)} elements of x:\n{v[:3]}\nFirst 1 elements of "
                                f"y:\n[{n}]".replace(", ", " "))
    work = _dtypes.int32 if dtype.is_bool else dtype
    if weights is None:
        w = _array_ops().ones([lv.size], work)
    else:
        w = _m.cast(tensor(weights), work)
        ws = w.shape.as_list()
        if ws != [lv.size]:
            raise ValueError(f"Shapes ({lv.size},) and ({', '.join(map(str, ws))},) are "
                             f"incompatible".replace(",)", ",)").replace("(,", "("))
    flat = _m.add(_m.multiply(lab, tensor(n, dtype=_dtypes.int64)), pred)
    cm = unsorted_segment_sum(w, flat, n * n)
    cm = _array_ops().reshape(cm, [n, n])
    return _m.cast(cm, dtype)


def _invert_permutation_kernel(x):
    if x.ndim != 1:
        raise ValueError("invert_permutation expects a 1D vector.")
    n = x.shape[0]
    out_of_range = np.nonzero((x < 0) | (x >= n))[0]
    if out_of_range.size:
        raise ValueError(f"{x[out_of_range[0]]} is not between 0 and {n}")
    out = np.full(n, -1, x.dtype)
    out[x] = np.arange(n, dtype=x.dtype)
    if n and (out < 0).any():
        seen = np.zeros(n, bool)
        for v in x:  # only on the error path: name the first duplicate, as TF
            if seen[v]:
                raise ValueError(f"{v} is duplicated in the input.")
            seen[v] = True
    return out


INVERT_PERMUTATION = declare("InvertPermutation", _invert_permutation_kernel, infer=_rules.unary,
                             samples=lambda: [
                                 Sample((np.array([2, 0, 1], np.int32),), grad=False,
                                        expected=np.array([1, 2, 0], np.int32), name="tf-values"),
                                 Sample((np.random.RandomState(0).permutation(7).astype(np.int64),),
                                        grad=False),
                                 Sample((np.zeros((0,), np.int64),), grad=False),
                             ])
not_differentiable(INVERT_PERMUTATION)


@INVERT_PERMUTATION.def_onnx
def _invert_permutation_onnx(b, x):
    dt = np.dtype(b.dtypes[x])
    n = b.op("Shape", x)
    r = b.op("Range", b.const(np.zeros((), dt)), b.op("Cast", b.op("Squeeze", n, b.ints([0])),
                                                       to=_onnx_type(dt)),
             b.const(np.ones((), dt)))
    return b.op("ScatterElements", b.op("Expand", b.const(np.zeros((), dt)), n), x, r, axis=0)


def invert_permutation(x, name=None):
    """``tf.math.invert_permutation``: y[x[i]] = i."""
    x = tensor(x)
    check_dtype("InvertPermutation", x, _INDEX_TYPES)
    return execute(INVERT_PERMUTATION, (x,), _NOATTRS)


# ---- public names ----------------------------------------------------------------------------
def _export_all() -> None:
    from tessera._api import export, export_many

    both = ["cumsum", "reduce_logsumexp", "reduce_any", "reduce_all"]
    math_only = ["cumprod", "cumulative_logsumexp", "reduce_std", "reduce_variance",
                 "reduce_euclidean_norm", "count_nonzero", "segment_sum", "segment_mean",
                 "segment_max", "segment_min", "segment_prod", "unsorted_segment_sum",
                 "unsorted_segment_mean", "unsorted_segment_max", "unsorted_segment_min",
                 "unsorted_segment_prod", "unsorted_segment_sqrt_n", "top_k", "in_top_k",
                 "bincount", "confusion_matrix", "invert_permutation", "approx_max_k",
                 "approx_min_k", "is_non_decreasing", "is_strictly_increasing"]
    export_many(globals(), both, "", "math")
    export_many(globals(), math_only, "math")
    export("nn.top_k", top_k)
    export("nn.in_top_k", in_top_k)
    from tessera._ops import nn_ops  # tf.math.zero_fraction is tf.nn.zero_fraction

    export("math.zero_fraction", nn_ops.zero_fraction)


_export_all()

