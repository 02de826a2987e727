"""Activations, softmax family, losses, normalization (tf.nn): each op declared once.

Primitives are TF's raw ops that map to roughly one ONNX operator (Relu, Elu, Softmax,
BiasAdd, LRN, the two softmax cross-entropy ops...); everything else (gelu, silu, moments,
batch_normalization, the sigmoid/poisson losses...) is composed from public ops as TF
composes it. Two private primitives: ``_NnDepthWindowSum`` (LRN's gradient) and
``_NnErfc`` (gelu's erfc, with a faster kernel than the shared Erfc op).
"""

from __future__ import annotations

import math

import numpy as np

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._framework.context import context
from tessera._framework.execute import execute
from tessera._framework.op import Sample, declare
from tessera._framework.tensor import EagerTensor, Tensor
from tessera._ops import _rules, _samples, array_ops, math_ops, reduction_ops
from tessera._ops._args import axis_list, tensor, tf_type_name

_NOATTRS: dict = {}

# TF's allowed-type lists, in the order its messages print them.
_FLOATS = ("float16", "bfloat16", "float32", "float64")
_RELU_TYPES = ("float32", "float64", "int32", "uint8", "int16", "int8", "int64", "bfloat16",
               "uint16", "float16", "uint32", "uint64", "qint8")
_RELU6_TYPES = _RELU_TYPES[:-1]
_FLOAT_CPLX = ("bfloat16", "float16", "float32", "float64", "complex64", "complex128")
_NEG_TYPES = ("bfloat16", "float16", "float32", "float64", "int8", "int16", "int32", "int64",
              "complex64", "complex128")
_BIAS_ADD_TYPES = ("float32", "float64", "int32", "uint8", "int16", "int8", "complex64",
                   "int64", "qint8", "quint8", "qint32", "bfloat16", "qint16", "quint16",
                   "uint16", "complex128", "float16", "uint32", "uint64")
_LRN_TYPES = ("float16", "bfloat16", "float32")
_INDEX_TYPES = ("int16", "int32", "int64")
_LABEL_TYPES = ("int32", "int64")

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _check(op_name: str, t: Tensor, allowed: tuple, attr: str = "T", suffix: str = " name: "):
    """TF's message for a dtype outside an op's allowed list (its order, not sorted)."""
    if t._dtype.name not in allowed:
        names = ", ".join(tf_type_name(_dtypes.as_dtype(n)) for n in allowed)
        raise errors.InvalidArgumentError(
            None, None,
            f"Value for attr '{attr}' of {tf_type_name(t._dtype)} is not in the list of allowed "
            f"values: {names}\n\t; NodeDef: {{{{node {op_name}}}}} [Op:{op_name}]{suffix}")


def _invalid(msg: str) -> errors.InvalidArgumentError:
    return errors.InvalidArgumentError(None, None, msg)


def _concrete(t: Tensor) -> np.ndarray | None:
    """The value of an eager tensor (None while tracing): for value-dependent checks."""
    return t._value if isinstance(t, EagerTensor) and context.graph is None else None


def _static_dims(t: Tensor) -> list | None:
    shape = t.shape
    return None if shape.rank is None else shape.as_list()


def _c(value: float, like: Tensor):
    """A Python constant for an op with ``like``: exact in float64 (a plain Python float
    is converted through float32 there)."""
    return tensor(np.float64(value)) if like._dtype is _dtypes.float64 else value


def _upcast(x: np.ndarray) -> np.ndarray:
    """float16 kernels compute in float32, as TF's CPU kernels accumulate."""
    return x.astype(np.float32) if x.dtype == np.float16 else x


def _zero(like: Tensor) -> Tensor:
    return array_ops.zeros_like(like)


def _is_zero(t: Tensor) -> bool:
    """An output gradient known to be all zeros (the tape fills unused outputs with zeros)."""
    v = _concrete(t)
    return v is not None and not v.any()


def _keep_axes(t: Tensor, axis) -> Tensor:
    return reduction_ops.reduce_sum(t, axis, keepdims=True)


def _onnx_const(b, x, value):
    return b.const(np.asarray(value, dtype=b.dtypes.get(x, np.dtype(np.float32))))


def _unary_samples(dtypes=("float32", "float64"), low=-2.0, high=2.0, extra=()):
    def make():
        out = _samples.unary(dtypes, low, high)
        for s in out:  # finite differences are meaningless in half precision
            if s.args[0].dtype == np.float16:
                s.grad, s.rtol, s.atol = False, 1e-3, 1e-3
        return [*out, *extra]

    return make


_X6 = np.array([-2.0, -0.5, 0.0, 0.5, 3.0, 7.0], np.float32)


def _declare_unary(name, kernel, grad, onnx, samples):
    op = declare(name, kernel, infer=_rules.unary, samples=samples)
    op.def_grad(grad)
    op.def_onnx(onnx if callable(onnx) else (lambda b, x, **a: b.op(onnx, x)))
    return op


# ---- rectifiers ----------------------------------------------------------------------------
def _relu_kernel(x):
    # maximum(0, x) returns x on a tie: -0.0 stays -0.0 (and NaN NaN), as in TF.
    return np.maximum(0, x)


def _relu6_kernel(x):
    return np.minimum(np.maximum(0, x), 6)


RELU = _declare_unary(
    "Relu", _relu_kernel,
    lambda c, dy: math_ops.where_v2(math_ops.greater(c.outputs[0], 0), dy, _zero(dy)),
    "Relu",
    _unary_samples(("float32", "float64", "int32", "int64", "float16"), extra=[
        Sample((_X6,), expected=np.array([0, 0, 0, 0.5, 3, 7], np.float32), grad=False),
        Sample((np.array([-3, 0, 5], np.int8),), expected=np.array([0, 0, 5], np.int8),
               grad=False)]))


RELU6 = _declare_unary(
    "Relu6", _relu6_kernel,
    lambda c, dy: math_ops.where_v2(
        math_ops.logical_and(math_ops.greater(c.outputs[0], 0), math_ops.less(c.outputs[0], 6)),
        dy, _zero(dy)),
    lambda b, x: b.op("Clip", x, _onnx_const(b, x, 0), _onnx_const(b, x, 6)),
    _unary_samples(("float32", "float64", "int32"), low=-3.0, high=9.0, extra=[
        Sample((_X6,), expected=np.array([0, 0, 0, 0.5, 3, 6], np.float32), grad=False),
        Sample((np.array([254, 0, 3], np.uint8),), expected=np.array([6, 0, 3], np.uint8),
               grad=False, onnx=False)]))  # ONNX Runtime's Clip has no uint8 kernel


def _elu_kernel(x):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(x < 0, np.expm1(np.minimum(x, 0)), x)


ELU = _declare_unary(
    "Elu", _elu_kernel,
    lambda c, dy: math_ops.where_v2(math_ops.less(c.outputs[0], 0),
                                    math_ops.multiply(dy, math_ops.add(c.outputs[0], 1)), dy),
    "Elu",
    _unary_samples(extra=[Sample((_X6,), grad=False, expected=np.array(
        [-0.86466473, -0.39346933, 0.0, 0.5, 3.0, 7.0], np.float32))]))


def _selu_kernel(x):
    with np.errstate(over="ignore", invalid="ignore"):
        neg = np.expm1(np.minimum(x, 0)) * x.dtype.type(SELU_SCALE * SELU_ALPHA)
        return np.where(x < 0, neg, x * x.dtype.type(SELU_SCALE))


SELU = _declare_unary(
    "Selu", _selu_kernel,
    lambda c, dy: math_ops.where_v2(
        math_ops.less(c.outputs[0], 0),
        math_ops.multiply(dy, math_ops.add(c.outputs[0], _c(SELU_SCALE * SELU_ALPHA, dy))),
        math_ops.multiply(dy, _c(SELU_SCALE, dy))),
    lambda b, x: b.op("Selu", x, alpha=SELU_ALPHA, gamma=SELU_SCALE),
    _unary_samples(extra=[Sample((_X6,), grad=False, expected=np.array(
        [-1.5201665, -0.69175816, 0.0, 0.5253505, 3.152103, 7.354907], np.float32))]))


def _leaky_relu_kernel(x, alpha):
    return np.where(x > 0, x, x * x.dtype.type(alpha))


LEAKY_RELU = declare(
    "LeakyRelu", _leaky_relu_kernel, infer=_rules.unary, samples=lambda: [
        *[Sample(s.args, {"alpha": 0.2}, grad=s.grad, name=s.name)
          for s in _samples.unary(("float32", "float64"))],
        Sample((_X6,), {"alpha": 0.5}, grad=False,
               expected=np.array([-1.0, -0.25, 0.0, 0.5, 3.0, 7.0], np.float32)),
        Sample((_samples.rand((3, 2), "float64"),), {"alpha": 2.0}),
    ])
LEAKY_RELU.def_grad(lambda c, dy: math_ops.where_v2(
    math_ops.greater(c.inputs[0], 0), dy, math_ops.multiply(dy, _c(c.attrs["alpha"], dy))))
LEAKY_RELU.def_onnx(lambda b, x, alpha: b.op("LeakyRelu", x, alpha=float(alpha)))


def _softplus_kernel(x):
    # TF's kernel: x past -log(eps) + 2 is returned as is, far below it exp(x), else log1p(exp).
    xf = _upcast(x)
    threshold = np.log(np.finfo(x.dtype).eps) + 2
    with np.errstate(over="ignore", under="ignore"):
        e = np.exp(xf)
        out = np.where(xf > -threshold, xf, np.where(xf < threshold, e, np.log1p(e)))
    return out.astype(x.dtype, copy=False)


SOFTPLUS = _declare_unary(
    "Softplus", _softplus_kernel,
    lambda c, dy: math_ops.multiply(dy, math_ops.sigmoid(c.inputs[0])),
    "Softplus",
    _unary_samples(extra=[
        Sample((np.array([-100.0, -20.0, 20.0, 100.0, 1000.0], np.float64),), grad=False,
               expected=np.array([3.72007598e-44, 2.06115362e-09, 20.0, 100.0, 1000.0]),
               onnx=False),  # ONNX Runtime's Softplus overflows exp(1000)
        Sample((_X6,), grad=False, expected=np.array(
            [0.126928, 0.474077, 0.6931472, 0.974077, 3.0485873, 7.0009117], np.float32))]))


def _softsign_kernel(x):
    with np.errstate(invalid="ignore"):
        return x / (1 + np.abs(x))


SOFTSIGN = _declare_unary(
    "Softsign", _softsign_kernel,
    lambda c, dy: math_ops.realdiv(dy, math_ops.square(math_ops.add(math_ops.abs(c.inputs[0]),
                                                                    1))),
    "Softsign",
    _unary_samples(extra=[Sample((_X6,), grad=False, expected=np.array(
        [-0.6666667, -0.33333334, 0.0, 0.33333334, 0.75, 0.875], np.float32))]))


# ---- erfc (private: gelu's building block) -------------------------------------------------
# The same function as elementwise_ops' Erfc, with a faster kernel: a Chebyshev fit in
# t = 2 / (2 + |x|) (1e-13 relative in float64) runs ~8x faster than Erfc's kernel, which
# costs ~0.3 s per million elements; gelu is a hot activation. Fold into Erfc when its
# kernel is as fast.
def _erfc_onnx(b, x):
    from tessera._ops.elementwise_ops import ERFC

    return ERFC.onnx(b, x)  # the shared Erfc op's lowering


_ERFC_COEFS: dict = {}


def _erfc_coefs(dtype) -> np.ndarray:
    """Chebyshev coefficients of log(erfcx(x)) - log(t) in u = 2t - 1, t = 2 / (2 + x), x >= 0
    (the Numerical Recipes form), fitted once from math.erfc at a few dozen points."""
    key = np.dtype(dtype)
    c = _ERFC_COEFS.get(key)
    if c is None:
        from numpy.polynomial import chebyshev

        def log_erfcx(x: float) -> float:
            if x < 26.0:
                return math.log(math.erfc(x)) + x * x
            s, term = 1.0, 1.0
            for n in range(1, 10):  # the asymptotic series, past where erfc underflows
                term *= -(2 * n - 1) / (2 * x * x)
                s += term
            return math.log(s / (x * math.sqrt(math.pi)))

        def f(us):
            out = []
            for u in us:
                t = (u + 1) / 2
                out.append(-math.log(2 * math.sqrt(math.pi)) if t <= 0
                           else log_erfcx(2 / t - 2) - math.log(t))
            return np.array(out)

        c = chebyshev.chebinterpolate(f, 26 if key == np.float64 else 13).astype(key)
        _ERFC_COEFS[key] = c
    return c


def _erfc_kernel(x):
    xf = _upcast(x)
    c = _erfc_coefs(xf.dtype)
    z = np.abs(xf)
    t = 2 / (2 + z)
    u = 2 * t - 1
    # Clenshaw's recurrence, in place
    b1 = np.full_like(u, c[-1])
    b2 = np.zeros_like(u)
    tmp = np.empty_like(u)
    u2 = 2 * u
    for ck in c[-2:0:-1]:
        np.multiply(u2, b1, out=tmp)
        tmp -= b2
        tmp += ck
        b2, b1, tmp = b1, tmp, b2
    np.multiply(u, b1, out=tmp)
    tmp -= b2
    tmp += c[0]
    with np.errstate(under="ignore", over="ignore", invalid="ignore"):
        r = t * np.exp(tmp - z * z)
        out = np.where(xf < 0, 2 - r, r)
    return out.astype(x.dtype, copy=False)


ERFC = _declare_unary(
    "_NnErfc", _erfc_kernel,
    lambda c, dy: math_ops.multiply(dy, math_ops.multiply(
        math_ops.exp(math_ops.negative(math_ops.square(c.inputs[0]))), -2 / math.sqrt(math.pi))),
    lambda b, x: _erfc_onnx(b, x),
    _unary_samples(low=-3.0, high=3.0, extra=[
        Sample((np.array([-6.0, -1.0, 0.0, 0.5, 1.0, 3.0, 10.0, 26.5]),), grad=False, onnx=False,
               rtol=1e-13, atol=0,
               expected=np.array([math.erfc(v) for v in (-6.0, -1.0, 0.0, 0.5, 1.0, 3.0, 10.0,
                                                          26.5)])),
        Sample((np.array([-2.0, 0.3, 4.0], np.float32),), grad=False, rtol=1e-6,
               expected=np.array([math.erfc(v) for v in (-2.0, 0.3, 4.0)], np.float32))]))


def _erfc(x: Tensor) -> Tensor:
    return execute(ERFC, (x,), _NOATTRS)


# ---- softmax family ------------------------------------------------------------------------
def _softmax_kernel(x, axis):
    if x.size == 0:
        return x.copy()
    xf = _upcast(x)
    e = np.exp(xf - np.max(xf, axis=axis, keepdims=True))
    e /= np.sum(e, axis=axis, keepdims=True)
    return e.astype(x.dtype, copy=False)


def _log_softmax_kernel(x, axis):
    if x.size == 0:
        return x.copy()
    xf = _upcast(x)
    shifted = xf - np.max(xf, axis=axis, keepdims=True)
    out = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return out.astype(x.dtype, copy=False)


def _softmax_samples(extra=()):
    def make():
        out = []
        for dt in ("float32", "float64"):
            out += [Sample((_samples.rand((3, 4), dt),), {"axis": 1}, name=f"{dt}-last"),
                    Sample((_samples.rand((3, 4, 2), dt),), {"axis": 0}, name=f"{dt}-axis0"),
                    Sample((_samples.rand((5,), dt),), {"axis": 0}, name=f"{dt}-vec")]
        out += [Sample((_samples.rand((0, 3)),), {"axis": 1}, grad=False, name="empty"),
                Sample((_samples.rand((2, 3), "float16"),), {"axis": 1}, grad=False, rtol=1e-3,
                       atol=1e-3, onnx=False, name="float16"),  # ORT computes in half
                *extra]
        return out

    return make


SOFTMAX = declare("Softmax", _softmax_kernel, infer=_rules.unary, samples=_softmax_samples([
    Sample((np.array([1.0, 2.0, 3.0], np.float32),), {"axis": 0}, grad=False,
           expected=np.array([0.09003057, 0.24472848, 0.66524094], np.float32)),
    Sample((np.array([[1.0, 2.0], [3.0, 5.0]], np.float32),), {"axis": 0}, grad=False,
           expected=np.array([[0.11920291, 0.04742587], [0.880797, 0.95257413]], np.float32)),
    Sample((np.array([1000.0, 0.0], np.float32),), {"axis": 0}, grad=False,
           expected=np.array([1.0, 0.0], np.float32))]))
LOG_SOFTMAX = declare("LogSoftmax", _log_softmax_kernel, infer=_rules.unary,
                      samples=_softmax_samples([
                          Sample((np.array([1000.0, 0.0], np.float32),), {"axis": 0},
                                 grad=False, expected=np.array([0.0, -1000.0], np.float32))]))


@SOFTMAX.def_grad
def _softmax_grad(ctx, dy):
    y = ctx.outputs[0]
    s = _keep_axes(math_ops.multiply(dy, y), ctx.attrs["axis"])
    return (math_ops.multiply(math_ops.subtract(dy, s), y),)


@LOG_SOFTMAX.def_grad
def _log_softmax_grad(ctx, dy):
    y = ctx.outputs[0]
    return (math_ops.subtract(dy, math_ops.multiply(math_ops.exp(y),
                                                    _keep_axes(dy, ctx.attrs["axis"]))),)


SOFTMAX.def_onnx(lambda b, x, axis: b.op("Softmax", x, axis=axis))
LOG_SOFTMAX.def_onnx(lambda b, x, axis: b.op("LogSoftmax", x, axis=axis))


def _softmax_call(op, logits, axis):
    x = tensor(logits)
    _check(op.name, x, _FLOATS)
    if axis is None:
        axis = -1
    elif isinstance(axis, Tensor):
        axis = int(axis.numpy())
    axis = int(axis)
    rank = x.shape.rank
    if rank is not None:
        if rank == 0:
            raise _invalid(f"logits must have >= 1 dimension, got [] [Op:{op.name}] name: ")
        if not -rank <= axis < rank:
            raise _invalid(f"`dim` must be in the range [{-rank}, {rank}) where {rank} is the "
                           f"number of dimensions in the input. Received: dim={axis}")
        axis %= rank
    return execute(op, (x,), {"axis": axis})


def softmax(logits, axis=None, name=None):
    """``tf.nn.softmax`` (max-subtracted, so large logits do not overflow)."""
    return _softmax_call(SOFTMAX, logits, axis)


def log_softmax(logits, axis=None, name=None):
    """``tf.nn.log_softmax``: logits - logsumexp(logits)."""
    return _softmax_call(LOG_SOFTMAX, logits, axis)


# ---- activations: public functions ---------------------------------------------------------
def relu(features, name=None):
    """``tf.nn.relu``."""
    x = tensor(features)
    _check("Relu", x, _RELU_TYPES)
    return execute(RELU, (x,), _NOATTRS)


def relu6(features, name=None):
    """``tf.nn.relu6``: min(max(x, 0), 6)."""
    x = tensor(features)
    _check("Relu6", x, _RELU6_TYPES)
    return execute(RELU6, (x,), _NOATTRS)


def _float_unary(op):
    def fn(features, name=None):
        x = tensor(features)
        _check(op.name, x, _FLOATS)
        return execute(op, (x,), _NOATTRS)

    return fn


elu = _float_unary(ELU)
elu.__name__, elu.__doc__ = "elu", "``tf.nn.elu``: x if x > 0 else exp(x) - 1."
selu = _float_unary(SELU)
selu.__name__, selu.__doc__ = "selu", "``tf.nn.selu``: scaled ELU with TF's constants."
softplus = _float_unary(SOFTPLUS)
softplus.__name__, softplus.__doc__ = "softplus", "``tf.math.softplus``: log(exp(x) + 1), stable."
softsign = _float_unary(SOFTSIGN)
softsign.__name__, softsign.__doc__ = "softsign", "``tf.math.softsign``: x / (|x| + 1)."


def leaky_relu(features, alpha=0.2, name=None):
    """``tf.nn.leaky_relu`` (integer features are cast to float32 first, as TF does)."""
    x = tensor(features)
    if x._dtype.is_integer:
        x = math_ops.cast(x, _dtypes.float32)
    if isinstance(alpha, np.ndarray):
        alpha = alpha.item()
    if isinstance(alpha, Tensor) or not isinstance(alpha, int | float | np.number):
        raise TypeError(f"Expected float for argument 'alpha' not {alpha!r}.")
    _check("LeakyRelu", x, _FLOATS)
    return execute(LEAKY_RELU, (x,), {"alpha": float(alpha)})


def _check_sigmoid_like(x: Tensor, op_name: str) -> None:
    _check(op_name, x, _FLOAT_CPLX)


def silu(features, beta=1.0):
    """``tf.nn.silu`` / ``tf.nn.swish``: x * sigmoid(beta * x)."""
    x = tensor(features)
    if isinstance(beta, int | float) and beta == 1.0:
        z = x
    else:
        z = math_ops.multiply(math_ops.cast(tensor(_c(beta, x) if isinstance(beta, float)
                                                   else beta), x._dtype), x)
    _check_sigmoid_like(x, "Sigmoid")
    return math_ops.multiply(x, math_ops.sigmoid(z))


swish = silu


def gelu(features, approximate=False, name=None):
    """``tf.nn.gelu``: x * Phi(x) via erfc (exact) or the tanh approximation."""
    x = tensor(features)
    if not x._dtype.is_floating:
        raise ValueError("`features.dtype` must be a floating point tensor."
                         f"Received:features.dtype={x._dtype}")
    if approximate:
        inner = math_ops.multiply(
            math_ops.add(x, math_ops.multiply(math_ops.multiply(math_ops.multiply(x, x), x),
                                              _c(0.044715, x))), _c(0.7978845608028654, x))
        return math_ops.multiply(math_ops.multiply(x, 0.5),
                                 math_ops.add(math_ops.tanh(inner), 1.0))
    return math_ops.multiply(math_ops.multiply(x, 0.5),
                             _erfc(math_ops.multiply(x, _c(-0.7071067811865476, x))))


def crelu(features, axis=-1, name=None):
    """``tf.nn.crelu``: relu of [x, -x] concatenated along ``axis``."""
    x = tensor(features)
    _check("Neg", x, _NEG_TYPES)
    return relu(array_ops.concat([x, math_ops.negative(x)], axis))


# ---- bias_add ------------------------------------------------------------------------------
def _bias_add_kernel(x, bias, data_format):
    if data_format == "NCHW" and x.ndim > 2:
        bias = bias.reshape((-1,) + (1,) * (x.ndim - 2))
    return x + bias


def _bias_axes(rank: int, data_format: str) -> list[int]:
    channel = 1 if data_format == "NCHW" else rank - 1
    return [i for i in range(rank) if i != channel]


BIAS_ADD = declare("BiasAdd", _bias_add_kernel, infer=lambda x, bias, **a: x, samples=lambda: [
    Sample((_samples.rand((2, 3, 4)), _samples.rand((4,))), {"data_format": "NHWC"}),
    Sample((_samples.rand((2, 3, 4, 2), "float64"), _samples.rand((3,), "float64")),
           {"data_format": "NCHW"}),
    Sample((_samples.rand((3, 2)), _samples.rand((2,))), {"data_format": "NCHW"}),
    Sample((_samples.rand((0, 2)), _samples.rand((2,))), {"data_format": "NHWC"}, grad=False),
    Sample((np.arange(24, dtype=np.float32).reshape(2, 3, 4), np.array([1, 2, 3], np.float32)),
           {"data_format": "NCHW"}, grad=False,
           expected=np.arange(24, dtype=np.float32).reshape(2, 3, 4)
           + np.array([1, 2, 3], np.float32)[:, None]),
    Sample((np.array([[1, 2]], np.int32), np.array([1, 2], np.int32)), {"data_format": "NHWC"},
           grad=False, expected=np.array([[2, 4]], np.int32)),
])


@BIAS_ADD.def_grad
def _bias_add_grad(ctx, dy):
    rank = ctx.inputs[0].shape.rank
    return dy, reduction_ops.reduce_sum(dy, _bias_axes(rank, ctx.attrs["data_format"]))


@BIAS_ADD.def_onnx
def _bias_add_onnx(b, x, bias, data_format):
    if data_format == "NCHW":
        rank = len(b.shapes[x])
        if rank > 2:
            bias = b.op("Reshape", bias, b.ints([-1] + [1] * (rank - 2)))
    return b.op("Add", x, bias)


def _shape_text(dims) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in dims) + "]"


def bias_add(value, bias, data_format=None, name=None):
    """``tf.nn.bias_add``: ``N...C`` formats add along the last axis, ``NC...`` along axis 1."""
    from tessera._ops._args import same_dtype

    if data_format is None:
        fmt = "NHWC"
    elif data_format.startswith("NC"):
        fmt = "NCHW"
    elif data_format.startswith("N") and data_format.endswith("C"):
        fmt = "NHWC"
    else:
        raise ValueError("`data_format` must be of the form `N...C` or `NC...`. "
                         f"Received: data_format={data_format}")
    x, b = same_dtype("BiasAdd", value, bias)
    _check("BiasAdd", x, _BIAS_ADD_TYPES)
    xs, bs = _static_dims(x), _static_dims(b)
    if xs is not None and len(xs) < 2:
        raise _invalid(f"Input tensor must be at least 2D: {_shape_text(xs)} [Op:BiasAdd]")
    if bs is not None and len(bs) != 1:
        raise _invalid(f"Biases must be 1D: {_shape_text(bs)} [Op:BiasAdd]")
    if xs is not None and bs is not None:
        c = xs[1] if fmt == "NCHW" else xs[-1]
        if c is not None and bs[0] is not None and c != bs[0]:
            raise _invalid("Must provide as many biases as the last dimension of the input "
                           f"tensor: {_shape_text(bs)} vs. {_shape_text(xs)} [Op:BiasAdd]")
    return execute(BIAS_ADD, (x, b), {"data_format": fmt})


# ---- softmax cross entropy -----------------------------------------------------------------
def _xent_kernel(logits, labels):
    """(loss, backprop) along the last axis; labels broadcast against logits."""
    lg, lb = np.broadcast_arrays(_upcast(logits), _upcast(labels))
    if lg.shape[-1] == 0 or lg.size == 0:
        return (np.zeros(lg.shape[:-1], logits.dtype), np.zeros(lg.shape, logits.dtype))
    with np.errstate(invalid="ignore", over="ignore"):
        shifted = lg - np.max(lg, axis=-1, keepdims=True)
        logp = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
        loss = -np.sum(lb * logp, axis=-1)
        backprop = np.exp(logp) - lb
    return loss.astype(logits.dtype, copy=False), backprop.astype(logits.dtype, copy=False)


def _infer_xent(logits, labels):
    out = _rules.broadcast(logits, labels)
    return [None, None] if out is None else [out[:-1], out]


def _normalized(shape, dtype="float32", axis=-1):
    raw = _samples.rand(shape, dtype, 0.1, 1.0)
    return (raw / raw.sum(axis=axis, keepdims=True)).astype(dtype)


XENT = declare("SoftmaxCrossEntropyWithLogits", _xent_kernel, infer=_infer_xent, num_outputs=2,
               samples=lambda: [
                   Sample((_samples.rand((3, 4)), _normalized((3, 4)))),
                   Sample((_samples.rand((2, 5), "float64"), _normalized((2, 5), "float64"))),
                   Sample((_samples.rand((3, 4)), _normalized((1, 4)))),  # broadcast labels
                   # ONNX Runtime's ReduceSum keeps the reduced axis of an empty input
                   Sample((_samples.rand((0, 4)), _normalized((0, 4))), grad=False, onnx=False),
                   Sample((np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 5.0]], np.float32),
                           np.array([[0.0, 0.0, 1.0], [0.5, 0.5, 0.0]], np.float32)),
                          grad=False, expected=(
                              np.array([0.40760595, 4.0359764], np.float32),
                              np.array([[0.09003057, 0.24472847, -0.33475906],
                                        [-0.48233157, -0.48233157, 0.9646632]], np.float32))),
               ])


def _softmax_last(x: Tensor) -> Tensor:
    return execute(SOFTMAX, (x,), {"axis": x.shape.rank - 1})


def _log_softmax_last(x: Tensor) -> Tensor:
    return execute(LOG_SOFTMAX, (x,), {"axis": x.shape.rank - 1})


def _expand_last(t: Tensor) -> Tensor:
    from tessera._ops.shape_ops import expand_dims

    return expand_dims(t, -1)


def _xent_logits_grad(logits, backprop, dloss, dbackprop):
    g = math_ops.multiply(_expand_last(dloss), backprop)
    if not _is_zero(dbackprop):  # second order: d(softmax)/d(logits) applied to dbackprop
        sm = _softmax_last(logits)
        inner = reduction_ops.reduce_sum(math_ops.multiply(dbackprop, sm), -1, keepdims=True)
        g = math_ops.add(g, math_ops.multiply(math_ops.subtract(dbackprop, inner), sm))
    return g


@XENT.def_grad
def _xent_grad(ctx, dloss, dbackprop):
    logits, labels = ctx.inputs
    backprop = ctx.outputs[1]
    g_logits = _xent_logits_grad(logits, backprop, dloss, dbackprop)
    g_labels = math_ops.multiply(_expand_last(dloss), math_ops.negative(_log_softmax_last(logits)))
    if not _is_zero(dbackprop):
        g_labels = math_ops.subtract(g_labels, dbackprop)
    return (math_ops.unbroadcast(g_logits, logits), math_ops.unbroadcast(g_labels, labels))


def _onnx_log_softmax_parts(b, logits):
    axes = b.ints([-1])
    shifted = b.op("Sub", logits, b.op("ReduceMax", logits, axes, keepdims=1))
    lse = b.op("Log", b.op("ReduceSum", b.op("Exp", shifted), axes, keepdims=1))
    return b.op("Sub", shifted, lse)


@XENT.def_onnx
def _xent_onnx(b, logits, labels):
    logp = _onnx_log_softmax_parts(b, logits)
    loss = b.op("Neg", b.op("ReduceSum", b.op("Mul", labels, logp), b.ints([-1]), keepdims=0))
    return loss, b.op("Sub", b.op("Exp", logp), labels)


def _sparse_xent_kernel(logits, labels):
    n = logits.shape[-1]
    if labels.size:
        if n == 0:
            raise _invalid("Must have at least one class, but got logits shape "
                           f"{_shape_text(logits.shape)} [Op:SparseSoftmaxCrossEntropyWithLogits]"
                           " name: ")
        lo, hi = labels.min(), labels.max()
        if lo < 0 or hi >= n:
            bad = lo if lo < 0 else hi
            values = " ".join(str(v) for v in labels.reshape(-1).tolist())
            raise _invalid(f"Received a label value of {bad} which is outside the valid range of "
                           f"[0, {n}).  Label values: {values} "
                           "[Op:SparseSoftmaxCrossEntropyWithLogits] name: ")
    if logits.size == 0:
        return np.zeros(logits.shape[:-1], logits.dtype), np.zeros(logits.shape, logits.dtype)
    lg = _upcast(logits)
    shifted = lg - np.max(lg, axis=-1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    idx = labels.astype(np.intp)[..., None]
    loss = -np.take_along_axis(logp, idx, axis=-1)[..., 0]
    backprop = np.exp(logp)
    np.put_along_axis(backprop, idx, np.take_along_axis(backprop, idx, axis=-1) - 1, axis=-1)
    return loss.astype(logits.dtype, copy=False), backprop.astype(logits.dtype, copy=False)


def _infer_sparse_xent(logits, labels):
    if logits is None:
        return [labels, None]
    return [tuple(logits[:-1]), tuple(logits)]


SPARSE_XENT = declare(
    "SparseSoftmaxCrossEntropyWithLogits", _sparse_xent_kernel, infer=_infer_sparse_xent,
    num_outputs=2, samples=lambda: [
        Sample((_samples.rand((3, 4)), np.array([0, 3, 1], np.int32)), grad_inputs=(0,)),
        Sample((_samples.rand((2, 2, 5), "float64"), np.array([[4, 0], [2, 2]], np.int64)),
               grad_inputs=(0,)),
        Sample((_samples.rand((0, 3)), np.zeros((0,), np.int32)), grad=False),
        Sample((np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 5.0]], np.float32),
                np.array([2, 0], np.int32)), grad=False, expected=(
                    np.array([0.40760595, 4.0359764], np.float32),
                    np.array([[0.09003057, 0.24472847, -0.33475906],
                              [-0.98233157, 0.01766842, 0.9646632]], np.float32))),
    ])


@SPARSE_XENT.def_grad
def _sparse_xent_grad(ctx, dloss, dbackprop):
    logits = ctx.inputs[0]
    return _xent_logits_grad(logits, ctx.outputs[1], dloss, dbackprop), None


@SPARSE_XENT.def_onnx
def _sparse_xent_onnx(b, logits, labels):
    logp = _onnx_log_softmax_parts(b, logits)
    idx = b.op("Unsqueeze", b.op("Cast", labels, to=7), b.ints([-1]))  # int64
    loss = b.op("Neg", b.op("Squeeze", b.op("GatherElements", logp, idx, axis=-1), b.ints([-1])))
    n = b.op("Squeeze", b.op("Shape", logits, start=-1), b.ints([0]))
    classes = b.op("Range", b.const(np.array(0, np.int64)), n, b.const(np.array(1, np.int64)))
    hot = b.op("Cast", b.op("Equal", idx, classes), to=_onnx_float_type(b, logits))
    return loss, b.op("Sub", b.op("Exp", logp), hot)


def _onnx_float_type(b, x) -> int:
    from tessera._ops.math_ops import _onnx_type

    return _onnx_type(b.dtypes.get(x, np.dtype(np.float32)))


def _move_axis_to_end(x: Tensor, axis: int, rank: int) -> Tensor:
    # TF builds the permutation with range(axis) and range(axis + 1, rank): other negative
    # axes and axes past the rank fail there, with Range's message.
    if axis < 0:
        raise _invalid(f"Requires start <= limit when delta > 0: 0/{axis} [Op:Range] name: ")
    if axis >= rank:
        raise _invalid(f"Requires start <= limit when delta > 0: {axis + 1}/{rank} "
                       "[Op:Range] name: ")
    perm = [*range(axis), *range(axis + 1, rank), axis]
    return array_ops.transpose(x, perm)


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """``tf.nn.softmax_cross_entropy_with_logits`` (v2: gradients flow into labels too;
    d loss / d logits is softmax - labels, as TF's kernel gives it)."""
    x = tensor(logits)
    _check("SoftmaxCrossEntropyWithLogits", x, _FLOATS)
    z = math_ops.cast(tensor(labels, hint=x._dtype), x._dtype)
    if isinstance(axis, Tensor):
        axis = int(axis.numpy())
    rank = x.shape.rank
    if rank == 0:
        raise _invalid("Expected begin[0] == 0 (got -1) and size[0] == 0 (got 1) when "
                       "input.dim_size(0) == 0 [Op:Slice]")
    if axis != -1 and axis != rank - 1:
        x = _move_axis_to_end(x, axis, rank)
        z = _move_axis_to_end(z, axis, rank)
    xs, zs = x.shape.as_list(), z.shape.as_list()
    if xs == zs:
        return execute(XENT, (x, z), _NOATTRS)[0]
    # TF flattens both to [-1, classes] and broadcasts the two matrices.
    x2 = array_ops.reshape(x, [-1, xs[-1]]) if len(xs) != 2 else x
    z2 = array_ops.reshape(z, [-1, zs[-1] if zs else 1])
    a, c = x2.shape.as_list(), z2.shape.as_list()
    if any(p != q and p != 1 and q != 1 for p, q in zip(a, c)):
        raise _invalid(f"logits and labels must be broadcastable: logits_size={_shape_text(a)} "
                       f"labels_size={_shape_text(c)} [Op:SoftmaxCrossEntropyWithLogits] name: ")
    loss = execute(XENT, (x2, z2), _NOATTRS)[0]
    return array_ops.reshape(loss, xs[:-1]) if len(xs) != 2 else loss


def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None):
    """``tf.nn.sparse_softmax_cross_entropy_with_logits``: labels are class indices; an
    index outside [0, classes) is InvalidArgumentError, as on TF's CPU."""
    z = tensor(labels)
    x = tensor(logits)
    if x.shape.rank == 0:
        raise ValueError(f"`logits` cannot be a scalar. Received logits={x.numpy()}`")
    _check("SparseSoftmaxCrossEntropyWithLogits", x, _FLOATS)
    _check("SparseSoftmaxCrossEntropyWithLogits", z, _LABEL_TYPES, attr="Tlabels")
    zs, xs = z.shape, x.shape
    if zs.rank is not None and xs.rank is not None:
        if zs.rank != xs.rank - 1:
            raise ValueError("`labels.shape.rank` must equal `logits.shape.rank - 1`. Received: "
                             f"labels.shape={zs} of rank {zs.rank} and logits.shape={xs} of "
                             f"rank {xs.rank}")
        if any(p is not None and q is not None and p != q
               for p, q in zip(zs.as_list(), xs.as_list()[:-1])):
            raise ValueError("`labels.shape` must equal `logits.shape` except for the last "
                             f"dimension. Received: labels.shape={zs} and logits.shape={xs}")
    return execute(SPARSE_XENT, (x, z), _NOATTRS)[0]


# ---- sigmoid-based losses (composed, as TF composes them) ----------------------------------
def _same_shape(a: Tensor, b: Tensor, a_name: str, b_name: str) -> None:
    sa, sb = a.shape, b.shape
    if not sa.is_compatible_with(sb):
        raise ValueError(f"`{a_name}` and `{b_name}` must have the same shape, received "
                         f"({sa} vs {sb}).")


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """``tf.nn.sigmoid_cross_entropy_with_logits``: max(x, 0) - x * z + log(1 + exp(-|x|))."""
    if labels is None or logits is None:
        def text(v):
            return "None" if v is None else str(np.asarray(v))

        raise ValueError("Both `labels` and `logits` must be provided for "
                         f"sigmoid_cross_entropy_with_logitsReceived: labels={text(labels)} "
                         f"and logits={text(logits)}")
    x = tensor(logits)
    z = tensor(labels)
    _same_shape(x, z, "logits", "labels")
    zeros = _zero(x)
    cond = math_ops.greater_equal(x, zeros)
    relu_logits = math_ops.where_v2(cond, x, zeros)
    neg_abs_logits = math_ops.where_v2(cond, math_ops.negative(x), x)
    prod = math_ops.multiply(x, z)
    _check("Exp", x, _FLOAT_CPLX)
    return math_ops.add(math_ops.subtract(relu_logits, prod),
                        math_ops.log1p(math_ops.exp(neg_abs_logits)))


def weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=None):
    """``tf.nn.weighted_cross_entropy_with_logits``: the positive term scaled by pos_weight."""
    x = tensor(logits)
    z = tensor(labels)
    _same_shape(x, z, "logits", "labels")
    if isinstance(pos_weight, Tensor):
        scale = math_ops.subtract(pos_weight, 1)
    else:  # TF's 1 + (pos_weight - 1) * labels converts the Python number to labels' dtype
        scale = tensor(_c(pos_weight - 1, z) if isinstance(pos_weight, float) else
                       pos_weight - 1, dtype=z._dtype)
    log_weight = math_ops.add(math_ops.multiply(scale, z), 1)
    first = math_ops.multiply(math_ops.subtract(tensor(1, dtype=z._dtype), z), x)
    _check("Exp", x, _FLOAT_CPLX)
    soft = math_ops.add(math_ops.log1p(math_ops.exp(math_ops.negative(math_ops.abs(x)))),
                        relu(math_ops.negative(x)))
    return math_ops.add(first, math_ops.multiply(log_weight, soft))


def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None):
    """``tf.nn.log_poisson_loss``: exp(log_input) - log_input * targets [+ Stirling term]."""
    c = tensor(log_input)
    z = tensor(targets)
    _same_shape(c, z, "log_input", "targets")
    _check("Exp", c, _FLOAT_CPLX)
    result = math_ops.subtract(math_ops.exp(c), math_ops.multiply(c, z))
    if compute_full_loss:
        with np.errstate(divide="ignore", invalid="ignore"):
            stirling = math_ops.add(
                math_ops.subtract(math_ops.multiply(z, math_ops.log(z)), z),
                math_ops.multiply(math_ops.log(math_ops.multiply(z, _c(2 * math.pi, z))), 0.5))
        zeros = _zero(z)
        cond = math_ops.logical_and(math_ops.greater_equal(z, zeros),
                                    math_ops.less_equal(z, array_ops.ones_like(z)))
        result = math_ops.add(result, math_ops.where_v2(cond, zeros, stirling))
    return result


# ---- normalization -------------------------------------------------------------------------
def _truediv_no_nan(x: Tensor, y: Tensor) -> Tensor:
    """TF's div_no_nan: integers divide as truediv does (to float), 0 where y == 0."""
    if x._dtype.is_integer:
        target = _dtypes.float32 if x._dtype.size <= 2 else _dtypes.float64
        x, y = math_ops.cast(x, target), math_ops.cast(y, target)
    zero = math_ops.equal(y, 0)
    safe = math_ops.where_v2(zero, array_ops.ones_like(y), y)
    return math_ops.where_v2(zero, array_ops.zeros_like(math_ops.multiply(x, y)),
                             math_ops.realdiv(x, safe))


def _axes(axes, rank, op_name="Mean"):
    if isinstance(axes, Tensor):
        axes = axes.numpy().tolist()
    if isinstance(axes, int | np.integer):
        axes = [int(axes)]
    return list(axis_list(list(axes), rank, op_name))


def _squeeze(t: Tensor, axes: list[int]) -> Tensor:
    """Drop reduced (size-1) axes of a keepdims result."""
    from tessera._ops.shape_ops import squeeze

    return squeeze(t, axes) if axes else t


def _stop_gradient(t: Tensor) -> Tensor:
    from tessera._ops.shape_ops import stop_gradient

    return stop_gradient(t)


def moments(x, axes, shift=None, keepdims=False, name=None):
    """``tf.nn.moments``: mean and variance over ``axes`` (float16 computes in float32)."""
    x = tensor(x)
    y = math_ops.cast(x, _dtypes.float32) if x._dtype is _dtypes.float16 else x
    ax = _axes(axes, x.shape.rank)
    mean = reduction_ops.reduce_mean(y, ax, keepdims=True)
    variance = reduction_ops.reduce_mean(math_ops.squared_difference(y, _stop_gradient(mean)),
                                         ax, keepdims=True)
    if not keepdims:
        mean, variance = _squeeze(mean, ax), _squeeze(variance, ax)
    if x._dtype is _dtypes.float16:
        mean, variance = math_ops.cast(mean, x._dtype), math_ops.cast(variance, x._dtype)
    return mean, variance


def weighted_moments(x, axes, frequency_weights, keepdims=False, name=None):
    """``tf.nn.weighted_moments``: frequency-weighted mean and variance (0 where the weights
    sum to 0)."""
    x = tensor(x)
    w = tensor(frequency_weights, hint=x._dtype)
    half = x._dtype is _dtypes.float16
    if half:
        x, w = math_ops.cast(x, _dtypes.float32), math_ops.cast(w, _dtypes.float32)
    ax = _axes(axes, x.shape.rank)
    weighted_sum = reduction_ops.reduce_sum(math_ops.multiply(w, x), ax, keepdims=True)
    sum_of_weights = reduction_ops.reduce_sum(math_ops.add(w, _zero(x)), ax, keepdims=True)
    mean = _truediv_no_nan(weighted_sum, sum_of_weights)
    distsq = reduction_ops.reduce_sum(
        math_ops.multiply(w, math_ops.squared_difference(x, _stop_gradient(mean))), ax,
        keepdims=True)
    variance = _truediv_no_nan(distsq, sum_of_weights)
    if not keepdims:
        mean, variance = _squeeze(mean, ax), _squeeze(variance, ax)
    if half:
        mean, variance = (math_ops.cast(mean, _dtypes.float16),
                          math_ops.cast(variance, _dtypes.float16))
    return mean, variance


def sufficient_statistics(x, axes, shift=None, keepdims=False, name=None):
    """``tf.nn.sufficient_statistics``: (count, sum, sum of squares, shift)."""
    x = tensor(x)
    ax = _axes(axes, x.shape.rank)
    dims = x.shape.as_list()
    if any(dims[a] is None for a in ax):
        raise NotImplementedError("sufficient_statistics needs the reduced dims to be known")
    counts = tensor(int(np.prod([dims[a] for a in ax], dtype=np.int64)), dtype=x._dtype)
    if shift is not None:
        shift = tensor(shift, hint=x._dtype)
        m_ss = reduction_ops.reduce_sum(math_ops.subtract(x, shift), ax, keepdims=keepdims)
        v_ss = reduction_ops.reduce_sum(math_ops.squared_difference(x, shift), ax,
                                        keepdims=keepdims)
    else:
        m_ss = reduction_ops.reduce_sum(x, ax, keepdims=keepdims)
        v_ss = reduction_ops.reduce_sum(math_ops.square(x), ax, keepdims=keepdims)
    return counts, m_ss, v_ss, shift


def normalize_moments(counts, mean_ss, variance_ss, shift, name=None):
    """``tf.nn.normalize_moments``: mean and variance from sufficient statistics."""
    divisor = math_ops.reciprocal(tensor(counts))
    shifted_mean = math_ops.multiply(mean_ss, divisor)
    mean = math_ops.add(shifted_mean, shift) if shift is not None else shifted_mean
    variance = math_ops.subtract(math_ops.multiply(variance_ss, divisor),
                                 math_ops.square(shifted_mean))
    return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """``tf.nn.batch_normalization``: (x - mean) * scale / sqrt(variance + eps) + offset."""
    x = tensor(x)
    inv = tensor(variance + variance_epsilon)
    _check("Rsqrt", inv, _FLOAT_CPLX)
    inv = math_ops.rsqrt(inv)
    if scale is not None:
        inv = inv * scale
    shift = offset - mean * inv if offset is not None else -mean * inv
    return math_ops.add(math_ops.multiply(x, math_ops.cast(inv, x._dtype)),
                        math_ops.cast(shift, x._dtype))


def batch_norm_with_global_normalization(input, mean, variance, beta, gamma, variance_epsilon,
                                         scale_after_normalization, name=None):
    """``tf.nn.batch_norm_with_global_normalization``."""
    return batch_normalization(input, mean, variance, beta,
                               gamma if scale_after_normalization else None, variance_epsilon)


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001,
                     data_format="NHWC", is_training=True, name=None,
                     exponential_avg_factor=1.0):
    """``tf.compat.v1.nn.fused_batch_norm`` (not in TF2's ``tf.nn``; for compat.v1): returns
    (y, mean, variance), the batch variance Bessel-corrected as TF returns it."""
    x = tensor(x)
    rank = x.shape.rank
    if rank not in (4, 5):
        raise ValueError(f"Input must be 4D or 5D, got rank {rank}")
    channel = 1 if data_format.startswith("NC") else rank - 1
    ax = [i for i in range(rank) if i != channel]
    cshape = [1] * rank
    cshape[channel] = -1
    compute = _dtypes.float32 if x._dtype in (_dtypes.float16, _dtypes.bfloat16) else x._dtype
    xc = math_ops.cast(x, compute)

    def per_channel(t):
        return array_ops.reshape(t, cshape)

    if is_training:
        batch_mean = reduction_ops.reduce_mean(xc, ax)
        batch_var = reduction_ops.reduce_mean(
            math_ops.squared_difference(xc, per_channel(batch_mean)), ax)
        used_mean, used_var = batch_mean, batch_var
        n = x.shape.num_elements() // max(1, x.shape.as_list()[channel])
        unbiased = math_ops.multiply(batch_var, n / max(n - 1, 1))
        if exponential_avg_factor != 1.0 and mean is not None and variance is not None:
            f = exponential_avg_factor
            out_mean = math_ops.add(math_ops.multiply(tensor(mean, dtype=compute), 1 - f),
                                    math_ops.multiply(batch_mean, f))
            out_var = math_ops.add(math_ops.multiply(tensor(variance, dtype=compute), 1 - f),
                                   math_ops.multiply(unbiased, f))
        else:
            out_mean, out_var = batch_mean, unbiased
    else:
        used_mean, used_var = tensor(mean, dtype=compute), tensor(variance, dtype=compute)
        out_mean, out_var = used_mean, used_var
    inv = math_ops.multiply(math_ops.rsqrt(math_ops.add(used_var, epsilon)),
                            tensor(scale, dtype=compute))
    y = math_ops.add(math_ops.multiply(math_ops.subtract(xc, per_channel(used_mean)),
                                       per_channel(inv)), per_channel(tensor(offset,
                                                                             dtype=compute)))
    return math_ops.cast(y, x._dtype), out_mean, out_var


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """``tf.math.l2_normalize``: x / sqrt(max(sum(x**2), epsilon))."""
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'dim' and 'axis'.")
        axis = dim
    x = tensor(x)
    if x._dtype.is_complex:
        mag = math_ops.abs(x)
        square_sum = reduction_ops.reduce_sum(math_ops.square(mag), axis, keepdims=True)
        inv = math_ops.rsqrt(math_ops.maximum(square_sum, epsilon))
        return math_ops.multiply(x, math_ops.cast(inv, x._dtype))
    square_sum = reduction_ops.reduce_sum(math_ops.square(x), axis, keepdims=True)
    eps = epsilon if isinstance(epsilon, Tensor) else tensor(
        _c(epsilon, square_sum) if isinstance(epsilon, float) else epsilon,
        dtype=square_sum._dtype)
    return math_ops.multiply(x, math_ops.rsqrt(math_ops.maximum(square_sum, eps)))


def l2_loss(t, name=None):
    """``tf.nn.l2_loss``: sum(t ** 2) / 2."""
    x = tensor(t)
    _check("L2Loss", x, _FLOATS)
    return math_ops.multiply(reduction_ops.reduce_sum(math_ops.square(x)), 0.5)


# ---- local response normalization ----------------------------------------------------------
def _window_sum(x, radius):
    """Sum over a window of +-radius along the last axis (zero padded)."""
    out = x.copy()
    c = x.shape[-1]
    for k in range(1, min(radius, c - 1) + 1):
        out[..., k:] += x[..., :-k]
        out[..., :-k] += x[..., k:]
    return out


def _lrn_kernel(x, depth_radius, bias, alpha, beta):
    xf = _upcast(x)
    s = _window_sum(xf * xf, depth_radius) * xf.dtype.type(alpha) + xf.dtype.type(bias)
    return (xf * np.power(s, xf.dtype.type(-beta))).astype(x.dtype, copy=False)


_LRN_X = (np.arange(1, 25, dtype=np.float32) / 10).reshape(1, 2, 2, 6)
LRN = declare("LRN", _lrn_kernel, infer=_rules.unary, samples=lambda: [
    Sample((_LRN_X,), {"depth_radius": 5, "bias": 1.0, "alpha": 1.0, "beta": 0.5},
           expected=np.array([0.07235746, 0.14471492, 0.21707238, 0.28942984, 0.3617873,
                              0.43414477, 0.27268127, 0.31163573, 0.3505902, 0.38954467,
                              0.42849913, 0.46745363, 0.32924584, 0.35457245, 0.37989905,
                              0.40522566, 0.43055227, 0.45587885, 0.35336992, 0.37196833,
                              0.39056674, 0.40916517, 0.42776358, 0.44636202],
                             np.float32).reshape(1, 2, 2, 6)),
    Sample((_LRN_X,), {"depth_radius": 1, "bias": 2.0, "alpha": 0.5, "beta": 0.75}),
    Sample((_samples.rand((2, 3, 1, 4)),), {"depth_radius": 2, "bias": 1.5, "alpha": 0.3,
                                             "beta": 0.6}),
    Sample((_samples.rand((1, 2, 2, 3)),), {"depth_radius": 0, "bias": 1.0, "alpha": 1.0,
                                             "beta": 0.5}),
])


def _window_sum_t(x: Tensor, radius: int) -> Tensor:
    return execute(WINDOW_SUM, (x,), {"radius": radius})


@LRN.def_grad
def _lrn_grad(ctx, dy):
    x, y = ctx.inputs[0], ctx.outputs[0]
    a = ctx.attrs
    r, bias, alpha, beta = a["depth_radius"], a["bias"], a["alpha"], a["beta"]
    s = math_ops.add(math_ops.multiply(_window_sum_t(math_ops.square(x), r), alpha), bias)
    direct = math_ops.multiply(dy, math_ops.pow(s, -beta))
    spread = _window_sum_t(math_ops.realdiv(math_ops.multiply(dy, y), s), r)
    return (math_ops.subtract(direct, math_ops.multiply(math_ops.multiply(x, 2 * alpha * beta),
                                                        spread)),)


@LRN.def_onnx
def _lrn_onnx(b, x, depth_radius, bias, alpha, beta):
    size = 2 * depth_radius + 1
    nchw = b.op("Transpose", x, perm=[0, 3, 1, 2])
    y = b.op("LRN", nchw, size=size, alpha=float(alpha) * size, beta=float(beta),
             bias=float(bias))
    return b.op("Transpose", y, perm=[0, 2, 3, 1])


WINDOW_SUM = declare("_NnDepthWindowSum", _window_sum, infer=_rules.unary, samples=lambda: [
    Sample((_samples.rand((2, 7)),), {"radius": 2}),
    Sample((_samples.rand((3, 2, 4), "float64"),), {"radius": 5}),
    Sample((np.array([1.0, 2.0, 3.0, 4.0], np.float32),), {"radius": 1}, grad=False,
           expected=np.array([3.0, 6.0, 9.0, 7.0], np.float32)),
])
WINDOW_SUM.def_grad(lambda c, dy: _window_sum_t(dy, c.attrs["radius"]))  # self-adjoint


@WINDOW_SUM.def_onnx
def _window_sum_onnx(b, x, radius):
    w = 2 * radius + 1
    padded = b.op("Pad", x, b.ints([radius + 1, radius]), _onnx_const(b, x, 0), b.ints([-1]))
    cs = b.op("CumSum", padded, b.const(np.array(-1, np.int64)))
    big = np.iinfo(np.int64).max
    hi = b.op("Slice", cs, b.ints([w]), b.ints([big]), b.ints([-1]))
    lo = b.op("Slice", cs, b.ints([0]), b.ints([-w]), b.ints([-1]))
    return b.op("Sub", hi, lo)


def local_response_normalization(input, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5,
                                 name=None):
    """``tf.nn.local_response_normalization``: NHWC, over a window of channels."""
    x = tensor(input)
    _check("LRN", x, _LRN_TYPES, suffix="")
    if x.shape.rank is not None and x.shape.rank != 4:
        raise _invalid("in must be 4-dimensional [Op:LRN]")
    depth_radius = int(depth_radius)
    if depth_radius < 0:
        raise _invalid(f"depth_radius = {depth_radius} larger than int max [Op:LRN]")
    return execute(LRN, (x,), {"depth_radius": depth_radius, "bias": float(bias),
                               "alpha": float(alpha), "beta": float(beta)})


lrn = local_response_normalization


# ---- embedding lookup ----------------------------------------------------------------------
def _gather(params: Tensor, ids: Tensor) -> Tensor:
    from tessera._ops.shape_ops import gather

    return gather(params, ids)


def _div_partition_ids(sizes: list[int], ids: Tensor) -> Tensor:
    """Row indices into the concatenated params for TF's "div" partition strategy."""
    n_part, total = len(sizes), sum(sizes)
    per, extras = divmod(total, n_part)
    expected = [per + 1 if i < extras else per for i in range(n_part)]
    value = _concrete(ids)
    if value is not None:  # TF's errors, from DynamicPartition and each partition's gather
        flat = value.reshape(-1).astype(np.int64)
        if per == 0:
            raise _invalid("Integer division by zero [Op:FloorDiv] name: ")
        part = np.maximum(flat // (per + 1), (flat - extras) // per)
        new = np.where(part < extras, flat % (per + 1), (flat - extras) % per)
        bad = np.flatnonzero((part < 0) | (part >= n_part))
        if bad.size:
            i = bad[0]
            raise _invalid(f"partitions[{i}] = {part[i]} is not in [0, {n_part}) "
                           "[Op:DynamicPartition] name: ")
        for p in range(n_part):
            mine = new[part == p]
            over = np.flatnonzero(mine >= sizes[p])
            if over.size:
                j = over[0]
                raise _invalid(f"indices[{j}] = {mine[j]} is not in [0, {sizes[p]}) "
                               "[Op:GatherV2] name: ")
        if sizes == expected:
            return ids
        offsets = np.cumsum([0, *sizes[:-1]])
        return tensor((offsets[part] + new).reshape(value.shape).astype(value.dtype))
    if sizes == expected:
        return ids
    raise NotImplementedError("embedding_lookup while tracing needs params sharded evenly in "
                              "TF's 'div' layout")


def _clip_rows(x: Tensor, ids_rank: int, max_norm) -> Tensor:
    """TF's clip_by_norm of each looked-up embedding (the axes after the id axes)."""
    rank = x.shape.rank
    axes = list(range(ids_rank, rank))
    l2sum = reduction_ops.reduce_sum(math_ops.multiply(x, x), axes, keepdims=True)
    pred = math_ops.greater(l2sum, 0)
    safe = math_ops.where_v2(pred, l2sum, array_ops.ones_like(l2sum))
    norm = math_ops.where_v2(pred, math_ops.sqrt(safe), l2sum)
    clip = tensor(max_norm, dtype=x._dtype)
    return math_ops.realdiv(math_ops.multiply(x, clip), math_ops.maximum(norm, clip))


def embedding_lookup(params, ids, max_norm=None, name=None):
    """``tf.nn.embedding_lookup``: rows of ``params`` (a tensor or a list sharded with the
    "div" strategy); ``max_norm`` clips each looked-up embedding's l2 norm. Gradients are
    dense (TF gives IndexedSlices)."""
    if isinstance(params, list | tuple):
        if not params:
            raise ValueError("Length of params is currently 0. Need at least one param.")
        plist = [tensor(p) for p in params]
    else:
        plist = [tensor(params)]
    idx = tensor(ids)
    _check("GatherV2", idx, _INDEX_TYPES, attr="Tindices")
    if len(plist) == 1:
        out = _gather(plist[0], idx)
    else:
        sizes = [p.shape.as_list()[0] for p in plist]
        rows = _div_partition_ids(sizes, idx)
        out = _gather(array_ops.concat(plist, 0), rows)
    if max_norm is not None:
        out = _clip_rows(out, idx.shape.rank, max_norm)
    return out


# ---- statistics and distribution helpers ---------------------------------------------------
def zero_fraction(value, name=None):
    """``tf.math.zero_fraction``: the fraction of zeros, as float32."""
    x = tensor(value)
    zero = tensor(b"" if x._dtype is _dtypes.string else np.zeros((), x._dtype.as_numpy_dtype),
                  dtype=x._dtype)
    zeros = reduction_ops.reduce_sum(math_ops.cast(math_ops.equal(x, zero), _dtypes.int64))
    n = x.shape.num_elements()
    size = tensor(float(n), dtype=_dtypes.float32) if n is not None else math_ops.cast(
        reduction_ops.reduce_sum(array_ops.ones_like(x, dtype=_dtypes.int64)), _dtypes.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        return math_ops.realdiv(math_ops.cast(zeros, _dtypes.float32), size)


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """``tf.nn.compute_average_loss``: sum(loss * weight) / global batch size (one replica)."""
    loss = tensor(per_example_loss)
    dtype = loss._dtype
    if loss.shape.rank == 0:
        raise ValueError("Invalid value passed for `per_example_loss`. Expected a tensor with at "
                         f"least rank 1. Received per_example_loss={loss.numpy()} with rank 0")
    if sample_weight is not None:
        w = math_ops.cast(tensor(sample_weight, hint=dtype), dtype)
        loss = math_ops.multiply(loss, w)
    if global_batch_size is None:
        n = loss.shape.as_list()[0]
        gbs = tensor(n, dtype=_dtypes.int32) if n is not None else array_ops.shape(loss)[0]
    else:
        gbs = tensor(global_batch_size)
        if gbs.shape.rank != 0:
            raise _invalid("global_batch_size must be scalar.")
        if not gbs._dtype.is_integer:
            raise TypeError("global_batch_size must be an integer..  Expected \"x\" to be "
                            f"integer type.  Found: tensor of dtype {gbs._dtype}")
        v = _concrete(gbs)
        if v is not None and v < 0:
            raise _invalid("global_batch_size must be non-negative..  \nCondition x >= 0 did "
                           f"not hold element-wise:\nx (shape=() dtype={gbs._dtype.name}) = "
                           f"\n{v}")
    total = reduction_ops.reduce_sum(loss)
    return _truediv_no_nan(total, math_ops.cast(gbs, dtype))


def scale_regularization_loss(regularization_loss):
    """``tf.nn.scale_regularization_loss``: the summed loss over the number of replicas (1)."""
    if isinstance(regularization_loss, list | tuple):
        total = tensor(regularization_loss[0])
        for t in regularization_loss[1:]:
            total = math_ops.add(total, t)
        regularization_loss = total
    return math_ops.truediv(reduction_ops.reduce_sum(regularization_loss), 1)


# ---- public names --------------------------------------------------------------------------
def _export_all() -> None:
    from tessera._api import export

    g = globals()
    nn_only = ["relu", "relu6", "elu", "selu", "gelu", "leaky_relu", "silu", "swish", "crelu",
               "bias_add", "batch_normalization", "batch_norm_with_global_normalization",
               "moments", "weighted_moments", "sufficient_statistics", "normalize_moments",
               "l2_loss", "softmax_cross_entropy_with_logits",
               "sparse_softmax_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits",
               "weighted_cross_entropy_with_logits", "log_poisson_loss", "embedding_lookup",
               "local_response_normalization", "lrn", "compute_average_loss",
               "scale_regularization_loss"]
    nn_and_math = ["softplus", "softsign", "softmax", "log_softmax", "l2_normalize"]
    # tf.math.zero_fraction is exported by cumulative_ops; tf.nn.zero_fraction is this one.
    export("nn.zero_fraction", zero_fraction)
    for n in nn_only:
        export(f"nn.{n}", g[n])
    for n in nn_and_math:
        export(f"nn.{n}", g[n])
        export(f"math.{n}", g[n])
    export("nn.sigmoid", math_ops.sigmoid)
    export("nn.tanh", math_ops.tanh)


_export_all()
