"""More elementwise math (``tf.math``): trigonometry, special functions, complex parts and
checked arithmetic, each op declared once.

Special functions (lgamma, digamma, erf, erfinv, Bessel, zeta...) are written once as
formulas over a small backend (``M``) and instantiated twice: with NumPy for the kernel and
with the ONNX builder for the lowering, so both twins compute the same float64 formula
(float16/float32 inputs are evaluated in float64 and rounded). Iterative ones whose step
count depends on the data (igamma, betainc) are NumPy only.
"""

from __future__ import annotations

import math as _math

import numpy as np

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._framework.execute import execute
from tessera._framework.op import Sample, declare, no_onnx_lowering, not_differentiable
from tessera._framework.tensor import Tensor
from tessera._ops import _rules, _samples
from tessera._ops import math_ops as _m
from tessera._ops._args import COMPLEX, FLOATS, check_dtype, same_dtype, tensor

_NOATTRS: dict = {}
_PI = _math.pi
_SQRT_PI = _math.sqrt(_math.pi)
_TWO_OVER_SQRT_PI = 2.0 / _SQRT_PI
_F16_32_64 = ("float16", "float32", "float64")
_F32_64 = ("float32", "float64")
_FLOAT_COMPLEX = FLOATS | COMPLEX
_F32_F64 = frozenset(["float32", "float64"])
_TF_DT = {"float16": "DT_HALF", "bfloat16": "DT_BFLOAT16", "float32": "DT_FLOAT",
          "float64": "DT_DOUBLE"}


# ---- the formula backends ------------------------------------------------------------------
class _NumpyBackend:
    """NumPy as the formula backend: values are float64 arrays."""

    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    sqrt = staticmethod(np.sqrt)
    abs = staticmethod(np.abs)
    floor = staticmethod(np.floor)
    round = staticmethod(np.rint)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    sign = staticmethod(np.sign)
    where = staticmethod(np.where)
    isnan = staticmethod(np.isnan)
    isinf = staticmethod(np.isinf)
    eq = staticmethod(np.equal)
    ne = staticmethod(np.not_equal)
    maximum = staticmethod(np.maximum)
    minimum = staticmethod(np.minimum)
    atan = staticmethod(np.arctan)
    pow = staticmethod(np.power)


_NP = _NumpyBackend()


class _Sym:
    """A value in an ONNX graph under construction, with arithmetic operators."""

    __slots__ = ("m", "name")

    def __init__(self, m, name: str) -> None:
        self.m, self.name = m, name

    def _bin(self, op_type, other, reverse=False):
        other = self.m.lift(other)
        return self.m.op(op_type, other, self) if reverse else self.m.op(op_type, self, other)

    def __add__(self, o):
        return self._bin("Add", o)

    def __radd__(self, o):
        return self._bin("Add", o, True)

    def __sub__(self, o):
        return self._bin("Sub", o)

    def __rsub__(self, o):
        return self._bin("Sub", o, True)

    def __mul__(self, o):
        return self._bin("Mul", o)

    def __rmul__(self, o):
        return self._bin("Mul", o, True)

    def __truediv__(self, o):
        return self._bin("Div", o)

    def __rtruediv__(self, o):
        return self._bin("Div", o, True)

    def __neg__(self):
        return self.m.op("Neg", self)

    def __lt__(self, o):
        return self._bin("Less", o)

    def __le__(self, o):
        return self._bin("LessOrEqual", o)

    def __gt__(self, o):
        return self._bin("Greater", o)

    def __ge__(self, o):
        return self._bin("GreaterOrEqual", o)

    def __and__(self, o):
        return self._bin("And", o)

    def __or__(self, o):
        return self._bin("Or", o)

    def __invert__(self):
        return self.m.op("Not", self)

    __hash__ = object.__hash__


class _OnnxBackend:
    """The ONNX builder as the formula backend: values are :class:`_Sym` names."""

    def __init__(self, b, dtype=np.float64) -> None:
        self.b, self.dt = b, np.dtype(dtype)

    def lift(self, v):
        if isinstance(v, _Sym):
            return v
        return _Sym(self, self.b.const(np.asarray(v, self.dt)))

    def op(self, op_type, *args, **attrs):
        return _Sym(self, self.b.op(op_type, *[self.lift(a).name for a in args], **attrs))

    def exp(self, x):
        return self.op("Exp", x)

    def log(self, x):
        return self.op("Log", x)

    def sqrt(self, x):
        return self.op("Sqrt", x)

    def abs(self, x):
        return self.op("Abs", x)

    def floor(self, x):
        return self.op("Floor", x)

    def round(self, x):
        return self.op("Round", x)

    def sin(self, x):
        return self.op("Sin", x)

    def cos(self, x):
        return self.op("Cos", x)

    def sign(self, x):
        return self.op("Sign", x)

    def where(self, c, x, y):
        return self.op("Where", c, x, y)

    def isnan(self, x):
        return self.op("IsNaN", x)

    def isinf(self, x):
        return self.op("IsInf", x)

    def eq(self, x, y):
        return self.op("Equal", x, y)

    def ne(self, x, y):
        return self.op("Not", self.op("Equal", x, y))

    def maximum(self, x, y):
        return self.op("Max", x, y)

    def minimum(self, x, y):
        return self.op("Min", x, y)

    def pow(self, x, y):
        return self.op("Pow", x, y)

    def atan(self, x):
        if self.dt == np.float32:
            return self.op("Atan", x)
        return _atan(self, x)


def _quiet(fn):
    """A NumPy kernel without floating-point warnings (TF returns inf/nan silently)."""

    def kernel(*xs):
        with np.errstate(all="ignore"):
            return fn(*xs)

    kernel.__name__ = getattr(fn, "__name__", "kernel")
    return kernel


def _onnx_type(npdtype) -> int:
    from onnx import helper

    return helper.np_dtype_to_tensor_dtype(np.dtype(npdtype))


def _formula_kernel(formula, post=None):
    """A NumPy kernel evaluating ``formula`` in float64 and rounding to the input dtype."""

    def kernel(*xs):
        dt = xs[0].dtype
        with np.errstate(all="ignore"):
            y = formula(_NP, *[np.asarray(x, np.float64) for x in xs])
            if post is not None:
                y = post(y, *xs)
        return np.asarray(y, dtype=dt)

    return kernel


def _formula_onnx(formula, post=None):
    """An ONNX lowering evaluating the same ``formula`` in float64."""

    def lower(b, *xs):
        dt = np.dtype(b.dtypes[xs[0]])
        m = _OnnxBackend(b, np.float64)
        args = [_Sym(m, x if dt == np.float64 else b.op("Cast", x, to=_onnx_type(np.float64)))
                for x in xs]
        y = formula(m, *args)
        if post is not None:
            y = post(m, y, dt, *args)
        return y.name if dt == np.float64 else b.op("Cast", y.name, to=_onnx_type(dt))

    return lower


def _horner(x, coeffs):
    """c0 + c1 x + c2 x² + ... (coefficients lowest first)."""
    acc = coeffs[-1]
    for c in reversed(coeffs[:-1]):
        acc = acc * x + c
    return acc


def _frac_to_nearest(m, x):
    """x - round(x), exact, in [-0.5, 0.5]: the argument reduction for sin(pi x)."""
    return x - m.round(x)


# ---- elementary formulas (used by the float64 ONNX lowerings) ------------------------------
_TAN_PI_12 = 2.0 - _math.sqrt(3.0)
_SQRT3 = _math.sqrt(3.0)
_ATAN_SERIES = [(-1.0) ** k / (2 * k + 1) for k in range(15)]


def _atan(m, x):
    a = m.abs(x)
    big = a > 1.0
    t = m.where(big, 1.0 / m.maximum(a, 1.0), a)
    mid = t > _TAN_PI_12
    u = m.where(mid, (t * _SQRT3 - 1.0) / (t + _SQRT3), t)
    s = u * _horner(u * u, _ATAN_SERIES)
    s = m.where(mid, s + _PI / 6, s)
    s = m.where(big, _PI / 2 - s, s)
    return m.sign(x) * s


def _asin(m, x):
    return m.atan(x / m.sqrt((1.0 - x) * (1.0 + x)))


def _acos(m, x):
    return 2.0 * m.atan(m.sqrt((1.0 - x) / (1.0 + x)))


def _sinh(m, x):
    e = m.exp(x)
    x2 = x * x
    taylor = x * _horner(x2, [1.0, 1 / 6, 1 / 120, 1 / 5040, 1 / 362880, 1 / 39916800])
    return m.where(m.abs(x) < 0.1, taylor, (e - 1.0 / e) * 0.5)


def _cosh(m, x):
    e = m.exp(m.abs(x))
    return (e + 1.0 / e) * 0.5


def _asinh(m, x):
    a = m.abs(x)
    a2 = a * a
    taylor = a * _horner(a2, [1.0, -1 / 6, 3 / 40, -15 / 336, 105 / 3456, -945 / 42240])
    huge = a > 1e150
    safe = m.minimum(a, 1e150)
    direct = m.where(huge, m.log(a) + _math.log(2.0), m.log(safe + m.sqrt(safe * safe + 1.0)))
    return m.sign(x) * m.where(a < 0.1, taylor, direct)


def _acosh(m, x):
    huge = x > 1e150
    safe = m.minimum(x, 1e150)
    direct = m.log(safe + m.sqrt((safe - 1.0) * (safe + 1.0)))
    return m.where(huge, m.log(x) + _math.log(2.0), direct)


def _atanh(m, x):
    a = m.abs(x)
    taylor = a * _horner(a * a, [1.0 / (2 * k + 1) for k in range(9)])
    direct = 0.5 * m.log((1.0 + a) / (1.0 - a))
    return m.sign(x) * m.where(a < 0.1, taylor, direct)


def _atan2(m, y, x):
    r = m.atan(y / x)
    y_neg = (y < 0.0) | (m.eq(y, 0.0) & (1.0 / y < 0.0))
    x_neg = (x < 0.0) | (m.eq(x, 0.0) & (1.0 / x < 0.0))
    r = m.where(x < 0.0, m.where(y_neg, r - _PI, r + _PI), r)
    half = m.where(y_neg, -_PI / 2, _PI / 2)
    r = m.where(m.eq(x, 0.0), half, r)
    zero = m.where(x_neg, m.where(y_neg, -_PI, _PI), m.where(y_neg, -0.0, 0.0))
    return m.where(m.eq(x, 0.0) & m.eq(y, 0.0), zero, r)


# ---- special-function formulas -------------------------------------------------------------
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028,
            771.32342877765313, -176.61502916214059, 12.507343278686905,
            -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7)
_HALF_LOG_2PI = 0.5 * _math.log(2 * _math.pi)
_LOG_PI = _math.log(_math.pi)


def _lgamma_right(m, x):
    """log Γ(x) for x >= 0.5 (Lanczos, g = 7)."""
    z = x - 1.0
    a = _LANCZOS[0] + _LANCZOS[1] / (z + 1.0)
    for i in range(2, 9):
        a = a + _LANCZOS[i] / (z + float(i))
    t = z + 7.5
    return _HALF_LOG_2PI + (z + 0.5) * m.log(t) - t + m.log(a)


def _lgamma(m, x):
    left = x < 0.5
    lg = _lgamma_right(m, m.where(left, 1.0 - x, x))
    s = m.abs(m.sin(_PI * _frac_to_nearest(m, x)))
    out = m.where(left, _LOG_PI - m.log(s) - lg, lg)
    return m.where(m.isinf(x), m.abs(x), out)


# B_2k / 2k for k = 1..7: the asymptotic series of digamma.
_DIGAMMA_ASYM = [1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12]


def _digamma(m, x):
    left = x < 0.5
    y = m.where(left, 1.0 - x, x)
    acc = 1.0 / y
    for k in range(1, 10):
        acc = acc + 1.0 / (y + float(k))
    w = y + 10.0
    w2 = 1.0 / (w * w)
    psi = m.log(w) - 0.5 / w - w2 * _horner(w2, _DIGAMMA_ASYM) - acc
    d = _frac_to_nearest(m, x)
    refl = psi - _PI * m.cos(_PI * d) / m.sin(_PI * d)
    out = m.where(left, refl, psi)
    return m.where(m.eq(d, 0.0) & (x <= 0.0), float("nan"), out)


_ERF_SPLIT = 2.5
_ERF_SERIES_TERMS = 40
_ERFC_CF_DEPTH = 32


def _exp_minus_square(m, a):
    """exp(-a²) without the rounding error of a² in the exponent (a >= 0)."""
    a = m.minimum(a, 40.0)  # exp(-1600) is 0: keeps inf out of the split
    hi = m.floor(a * 16.0) / 16.0
    return m.exp(-(hi * hi)) * m.exp(-((a - hi) * (a + hi)))


def _erf_small(m, a, ems):
    """erf(a) for 0 <= a <= 2.5: 2/√π e^{-a²} Σ (2a²)^n a / (2n+1)!! (no cancellation);
    ``ems`` is e^{-a²}."""
    two_a2 = 2.0 * a * a
    term = a
    s = a
    for n in range(1, _ERF_SERIES_TERMS):
        term = term * two_a2 * (1.0 / (2 * n + 1))
        s = s + term
    return _TWO_OVER_SQRT_PI * ems * s


def _erfc_cf(m, a):
    """f with erfc(a) = e^{-a²} / (√π f) for a >= 2.5 (Laplace's continued fraction)."""
    f = a
    for k in range(_ERFC_CF_DEPTH, 0, -1):
        f = a + (0.5 * k) / f
    return f


def _erf_parts(m, a):
    """(erf, erfc, log erfc, e^{-a²}/erfc, e^{-a²}) at a >= 0, each accurate."""
    small = a < _ERF_SPLIT
    a_s = m.minimum(a, _ERF_SPLIT)
    ems_s = _exp_minus_square(m, a_s)
    e_small = _erf_small(m, a_s, ems_s)
    a_l = m.maximum(a, _ERF_SPLIT)
    f = _erfc_cf(m, a_l)
    ems_l = _exp_minus_square(m, a_l)
    c_big = ems_l / (_SQRT_PI * f)
    erf = m.where(small, e_small, 1.0 - c_big)
    erfc = m.where(small, 1.0 - e_small, c_big)
    log_erfc = m.where(small, m.log(1.0 - e_small), -(a_l * a_l) - m.log(_SQRT_PI * f))
    ratio = m.where(small, ems_s / (1.0 - e_small), _SQRT_PI * f)
    return erf, erfc, log_erfc, ratio, m.where(small, ems_s, ems_l)


def _erf(m, x):
    erf = _erf_parts(m, m.abs(x))[0]
    return m.where(m.isnan(x), x, m.sign(x) * erf)


def _erfc(m, x):
    erfc = _erf_parts(m, m.abs(x))[1]
    return m.where(x < 0.0, 2.0 - erfc, erfc)


def _erf_inf_is_nan(m, y, dt, x):
    """TensorFlow's float64 erf gives NaN at ±inf (float32 gives ±1): kept for parity."""
    if dt != np.float64:
        return y
    return m.where(m.isinf(x), float("nan"), y)


def _erf_post_np(y, x):
    return _erf_inf_is_nan(_NP, y, x.dtype, x)


def _inv_erf_positive(m, y, s):
    """x >= 0 with erf(x) = y and erfc(x) = s (both given: y = 1 - s, each accurate)."""
    # Giles' single-precision approximation as the start, then Newton steps on
    # erf(x) - y (central region) or log erfc(x) - log s (tails, no underflow).
    w = -m.log(s * (2.0 - s))
    wc = w - 2.5
    p1 = _horner(wc, [1.50140941, 0.246640727, -0.00417768164, -0.00125372503, 0.00021858087,
                      -4.39150654e-06, -3.5233877e-06, 3.43273939e-07, 2.81022636e-08])
    ws = m.sqrt(m.maximum(w, 5.0)) - 3.0
    p2 = _horner(ws, [2.83297682, 1.00167406, 0.00943887047, -0.0076224613, 0.00573950773,
                      -0.00367342844, 0.00134934322, 0.000100950558, -0.000200214257])
    lw = m.maximum(-m.log(s), 1.0)
    deep = m.sqrt(m.maximum(lw - 0.5 * m.log(_PI * lw), 1.0))
    x = m.where(w < 5.0, p1 * y, m.where(w < 16.0, p2 * y, deep))
    central = y <= 0.5
    log_s = m.log(s)
    for _ in range(2):
        # Halley steps (cubic convergence) on erf(x) - y or log erfc(x) - log s
        erf, _, log_erfc, ratio, ems = _erf_parts(m, x)
        dens = _TWO_OVER_SQRT_PI * ems
        q_c = (erf - y) / dens
        step_c = q_c / (1.0 + x * q_c)
        g1 = -_TWO_OVER_SQRT_PI * ratio
        q_t = (log_erfc - log_s) / g1
        g2_over_g1 = 2.0 * x - _TWO_OVER_SQRT_PI * ratio
        step_t = q_t / (1.0 - 0.5 * q_t * g2_over_g1)
        x = m.maximum(x - m.where(central, step_c, step_t), 0.0)
    return x


def _erfinv(m, y):
    a = m.abs(y)
    x = _inv_erf_positive(m, a, 1.0 - a)
    x = m.where(m.eq(a, 1.0), float("inf"), x)
    x = m.where(a > 1.0, float("nan"), x)
    return m.where(m.isnan(y), y, m.sign(y) * x)


def _ndtri(m, p):
    lower = p < 0.5
    s = m.where(lower, 2.0 * p, 2.0 * (1.0 - p))
    x = _inv_erf_positive(m, m.abs(2.0 * p - 1.0), s)
    x = m.where(m.eq(s, 0.0), float("inf"), x)
    out = _math.sqrt(2.0) * m.where(lower, -x, x)
    bad = (p < 0.0) | (p > 1.0) | m.isnan(p)
    return m.where(bad, float("nan"), out)


_BESSEL_SPLIT = 30.0


def _bessel_i(m, x, order: int, scaled: bool):
    """I0 / I1 (scaled by e^{-|x|} when ``scaled``): power series below 30, Hankel's
    asymptotic expansion above."""
    a = m.abs(x)
    small = a < _BESSEL_SPLIT
    aS = m.minimum(a, _BESSEL_SPLIT)
    q = aS * aS * 0.25
    term = 1.0 if order == 0 else aS * 0.5
    s = term
    for k in range(1, 52):
        term = term * q * (1.0 / (k * (k + order)))
        s = s + term
    series = s * m.exp(-aS) if scaled else s
    aL = m.maximum(a, _BESSEL_SPLIT)
    mu = 4.0 * order * order
    t = 1.0
    acc = 1.0
    inv8a = 1.0 / (8.0 * aL)
    for k in range(1, 19):
        t = t * (-(mu - (2 * k - 1) ** 2) / k) * inv8a
        acc = acc + t
    asym = acc / m.sqrt(2.0 * _PI * aL)
    if not scaled:
        half = m.exp(aL * 0.5)
        asym = half * (half * asym)
    out = m.where(small, series, asym)
    if order == 1:
        out = m.where(x < 0.0, -out, out)
    return m.where(m.isnan(x), x, out)


# Hurwitz zeta: Euler-Maclaurin with 9 direct terms and 12 Bernoulli corrections.
_BERNOULLI_2K = [(1, 6), (-1, 30), (1, 42), (-1, 30), (5, 66), (-691, 2730), (7, 6),
                 (-3617, 510), (43867, 798), (-174611, 330), (854513, 138),
                 (-236364091, 2730)]
_ZETA_A = [_math.factorial(2 * k) * d / n for k, (n, d) in enumerate(_BERNOULLI_2K, 1)]
_ZETA_DIRECT = 9


def _zeta(m, x, q, direct: int = _ZETA_DIRECT):
    s = m.pow(q, -x)
    for k in range(1, direct):
        s = s + m.pow(q + float(k), -x)
    w = q + float(direct)
    b = m.pow(w, -x)
    s = s + b * w / (x - 1.0) + 0.5 * b
    a = 1.0
    k = 0.0
    for coeff in _ZETA_A:
        a = a * (x + k)
        b = b / w
        s = s + a * b / coeff
        k += 1.0
        a = a * (x + k)
        b = b / w
        k += 1.0
    # the domain, as TensorFlow (Cephes) defines it
    q_int = m.eq(q, m.floor(q))
    x_int = m.eq(x, m.floor(x))
    x_even = x_int & m.eq(x * 0.5, m.floor(x * 0.5))
    out = m.where(m.isinf(x), m.pow(q, -x), s)
    out = m.where(m.isinf(q) & (q > 0.0), 0.0, out)
    out = m.where((q <= 0.0) & ~x_int, float("nan"), out)
    out = m.where((q <= 0.0) & q_int, m.where(x_even, float("inf"), float("nan")), out)
    out = m.where(x < 1.0, float("nan"), out)
    out = m.where(m.eq(x, 1.0), float("inf"), out)
    return m.where(m.isnan(x) | m.isnan(q), x + q, out)


def _zeta_np(x, q):
    """NumPy zeta: more direct terms when q is negative, so the tail starts past 9."""
    finite_q = q[np.isfinite(q)]
    extra = int(min(max(0.0, -float(finite_q.min())) if finite_q.size else 0.0, 1000.0))
    return _zeta(_NP, x, q, _ZETA_DIRECT + int(np.ceil(extra)))


def _polygamma(m, n, x, zeta=_zeta):
    fact = m.exp(_lgamma(m, n + 1.0))
    sign = m.where(m.eq(n * 0.5, m.floor(n * 0.5)), -1.0, 1.0)
    out = sign * fact * zeta(m, n + 1.0, x)
    out = m.where(m.eq(n, 0.0), _digamma(m, x), out)
    return m.where((n < 0.0) | m.ne(n, m.floor(n)), float("nan"), out)


# ---- declaring ops -------------------------------------------------------------------------
def _kernel_missing(op_name: str, t, kernels) -> None:
    names = [_TF_DT.get(k, k) for k in kernels]
    lines = "".join(f"  device='CPU'; T in [{n}]\n" for n in reversed(names))
    raise errors.NotFoundError(
        None, None, f"Could not find device for node: {{{{node {op_name}}}}} = "
                    f"{op_name}[T={_TF_DT.get(t.dtype.name, t.dtype.name)}]\n"
                    f"All kernels registered for op {op_name}:\n{lines} [Op:{op_name}] name: ")


def _check(op_name, x, allowed, kernels=None) -> None:
    check_dtype(op_name, x, allowed)
    if kernels is not None and x.dtype.name not in kernels:
        _kernel_missing(op_name, x, kernels)


def _trim_onnx(samples):
    """Check the ONNX lowering on the full-size samples only: the scalar and empty variants
    build the same graph (each check costs an ONNX Runtime session)."""
    for s in samples:
        if s.name.endswith(("[]", "[2, 0]", "[][3]", "[0, 3][3]")):
            s.onnx = False
    return samples


def _unary_samples(dtypes=_F32_64, low=-2.0, high=2.0, extra=lambda: [], grad=True):
    return lambda: [*_trim_onnx(_samples.unary(dtypes, low, high, grad=grad)), *extra()]


def _unary_fn(op, allowed, kernels=None):
    def fn(x, name=None):
        x = tensor(x)
        _check(op.name, x, allowed, kernels)
        return execute(op, (x,), _NOATTRS)

    return fn


def _binary_fn(op, allowed, kernels=None):
    def fn(x, y, name=None):
        x, y = same_dtype(op.name, x, y)
        _check(op.name, x, allowed, kernels)
        return execute(op, (x, y), _NOATTRS)

    return fn


def _native_or_formula(onnx_type, formula):
    """Lowering: the ONNX operator where ONNX Runtime has it (float16/32), the shared
    formula in float64 otherwise."""
    fallback = _formula_onnx(formula)

    def lower(b, x):
        if np.dtype(b.dtypes[x]) == np.float64:
            return fallback(b, x)
        return b.op(onnx_type, x)

    return lower


def _exp_samples(values, expected, dtype="float64", rtol=1e-6, atol=1e-12):
    """A sample with values checked against TensorFlow (float64 unless told)."""
    return Sample((np.array(values, dtype),), grad=False, expected=np.array(expected, dtype),
                  rtol=rtol, atol=atol, name="tf-values")


def _c(x):
    return _m.conj(x)


def _scale(t, c: float):
    """t * c, the Python constant in t's dtype."""
    return _m.multiply(t, tensor(c, dtype=t.dtype))


# trigonometric and hyperbolic: NumPy kernels (complex too), ONNX operators / formulas
TAN = declare("Tan", _quiet(np.tan), infer=_rules.unary, samples=_unary_samples(
    ("float32", "float64", "complex64"), -1.2, 1.2))
TAN.def_grad(lambda c, dy: _m.multiply(dy, _c(_m.square(_m.reciprocal(_m.cos(c.inputs[0]))))))
TAN.def_onnx(_native_or_formula("Tan", lambda m, x: m.sin(x) / m.cos(x)))

ASIN = declare("Asin", _quiet(np.arcsin), infer=_rules.unary, samples=_unary_samples(low=-0.9, high=0.9))
ASIN.def_grad(lambda c, dy: _m.realdiv(dy, _c(_m.sqrt(1.0 - _m.square(c.inputs[0])))))
ASIN.def_onnx(_native_or_formula("Asin", _asin))

ACOS = declare("Acos", _quiet(np.arccos), infer=_rules.unary, samples=_unary_samples(
    low=-0.9, high=0.9, extra=lambda: [_exp_samples([-1.0, 1.0, 0.5], [_PI, 0.0, 1.0471975511965979])]))
ACOS.def_grad(lambda c, dy: _m.negative(_m.realdiv(dy, _c(_m.sqrt(1.0 - _m.square(c.inputs[0]))))))
ACOS.def_onnx(_native_or_formula("Acos", _acos))

ATAN = declare("Atan", _quiet(np.arctan), infer=_rules.unary, samples=_unary_samples(
    low=-4.0, high=4.0, extra=lambda: [_exp_samples(
        [0.0, 0.1, 0.3, 1.0, -7.5, 1e300, -np.inf],
        [0.0, 0.09966865249116204, 0.2914567944778671, 0.7853981633974483, -1.4382447944982226,
         _PI / 2, -_PI / 2])]))
ATAN.def_grad(lambda c, dy: _m.realdiv(dy, _c(1.0 + _m.square(c.inputs[0]))))
ATAN.def_onnx(_native_or_formula("Atan", _atan))

SINH = declare("Sinh", _quiet(np.sinh), infer=_rules.unary, samples=_unary_samples(
    ("float32", "float64", "complex128"), extra=lambda: [_exp_samples(
        [1e-8, 0.05, -3.0], [1e-8, 0.05002083593757161, -10.017874927409903])]))
SINH.def_grad(lambda c, dy: _m.multiply(dy, _c(cosh(c.inputs[0]))))
SINH.def_onnx(_native_or_formula("Sinh", _sinh))

COSH = declare("Cosh", _quiet(np.cosh), infer=_rules.unary, samples=_unary_samples())
COSH.def_grad(lambda c, dy: _m.multiply(dy, _c(sinh(c.inputs[0]))))
COSH.def_onnx(_native_or_formula("Cosh", _cosh))

ASINH = declare("Asinh", _quiet(np.arcsinh), infer=_rules.unary, samples=_unary_samples(
    low=-3.0, high=3.0, extra=lambda: [_exp_samples(
        [1e-9, -0.05, 2.0, 1e200], [1e-9, -0.04997918834547271, 1.4436354751788103,
                                   461.2101657793691])]))
ASINH.def_grad(lambda c, dy: _m.realdiv(dy, _c(cosh(c.outputs[0]))))
ASINH.def_onnx(_native_or_formula("Asinh", _asinh))

ACOSH = declare("Acosh", _quiet(np.arccosh), infer=_rules.unary, samples=_unary_samples(
    low=1.2, high=4.0, extra=lambda: [_exp_samples([1.0, 1.5, 1e200],
                                                   [0.0, 0.9624236501192069, 461.2101657793691])]))
ACOSH.def_grad(lambda c, dy: _m.realdiv(dy, _c(sinh(c.outputs[0]))))
ACOSH.def_onnx(_native_or_formula("Acosh", _acosh))

ATANH = declare("Atanh", _quiet(np.arctanh), infer=_rules.unary, samples=_unary_samples(
    low=-0.9, high=0.9, extra=lambda: [_exp_samples(
        [1e-9, 0.05, -0.5, 1.0], [1e-9, 0.05004172927849127, -0.5493061443340549, np.inf])]))
ATANH.def_grad(lambda c, dy: _m.realdiv(dy, _c(1.0 - _m.square(c.inputs[0]))))
ATANH.def_onnx(_native_or_formula("Atanh", _atanh))

tan = _unary_fn(TAN, _FLOAT_COMPLEX)
asin = _unary_fn(ASIN, _FLOAT_COMPLEX)
acos = _unary_fn(ACOS, _FLOAT_COMPLEX)
atan = _unary_fn(ATAN, _FLOAT_COMPLEX)
sinh = _unary_fn(SINH, _FLOAT_COMPLEX)
cosh = _unary_fn(COSH, _FLOAT_COMPLEX)
asinh = _unary_fn(ASINH, _FLOAT_COMPLEX)
acosh = _unary_fn(ACOSH, _FLOAT_COMPLEX)
atanh = _unary_fn(ATANH, _FLOAT_COMPLEX)


def _atan2_kernel(y, x):
    return np.arctan2(y, x)


ATAN2 = declare("Atan2", _atan2_kernel, infer=_rules.broadcast, samples=lambda: [
    *_trim_onnx(_samples.binary(_F32_64, low=0.3, high=2.0)),
    Sample((np.array([0.0, -0.0, 1.0, 0.0, -1.0, -2.0, 2.0, 0.0], np.float64),
            np.array([-1.0, -1.0, 0.0, 0.0, -0.0, -3.0, -3.0, -0.0], np.float64)), grad=False,
           expected=np.array([_PI, -_PI, _PI / 2, 0.0, -_PI / 2, -2.5535900500422257,
                              2.5535900500422257, _PI]), name="tf-values"),
])


@ATAN2.def_grad
def _atan2_grad(ctx, dy):
    y, x = ctx.inputs
    inv = _m.realdiv(dy, _m.add(_m.square(x), _m.square(y)))
    return _m.unbroadcast(_m.multiply(x, inv), y), _m.unbroadcast(_m.negative(_m.multiply(y, inv)), x)


ATAN2.def_onnx(_formula_onnx(_atan2))


def atan2(y, x, name=None):
    """``tf.math.atan2``."""
    y, x = same_dtype("Atan2", y, x)
    check_dtype("Atan2", y, FLOATS)
    return execute(ATAN2, (y, x), _NOATTRS)


# ---- error function and friends ------------------------------------------------------------
def _special(name, formula, *, low=-2.0, high=2.0, dtypes=_F32_64, post=None, post_np=None,
             native=None, extra=lambda: [], heavy=True):
    def samples():
        base = _samples.unary(dtypes, low, high)
        return [*(_trim_onnx(base) if heavy else base), *extra()]

    op = declare(name, _formula_kernel(formula, post_np), infer=_rules.unary, samples=samples)
    formula_lowering = _formula_onnx(formula, post)
    if native is None:
        op.def_onnx(formula_lowering)
    else:
        def lower(b, x):
            if np.dtype(b.dtypes[x]) == np.float64:
                return formula_lowering(b, x)
            return b.op(native, x)

        op.def_onnx(lower)
    return op


ERF = _special("Erf", _erf, post=_erf_inf_is_nan, post_np=_erf_post_np, native="Erf", extra=lambda: [
    _exp_samples([0.0, 1e-10, 0.5, 2.5, 6.0, -3.0, 5.9, np.inf, -np.inf, np.nan],
                 [0.0, 1.1283791670955126e-10, 5.2049987781304663e-01, 9.9959304798255499e-01,
                  1.0, -9.9997790950300147e-01, 0.9999999999999999, np.nan, np.nan, np.nan]),
    Sample((np.array([np.inf, -np.inf, 10.0], np.float32),), grad=False,
           expected=np.array([1.0, -1.0, 1.0], np.float32), name="tf-inf-f32"),
])
ERF.def_grad(lambda c, dy: _m.multiply(dy, _scale(
    _m.exp(_m.negative(_m.square(c.inputs[0]))), _TWO_OVER_SQRT_PI)))

ERFC = _special("Erfc", _erfc, extra=lambda: [
    _exp_samples([0.0, 1e-10, 0.5, 2.5, 6.0, 27.0, -3.0, np.inf, -np.inf, np.nan],
                 [1.0, 9.9999999988716204e-01, 4.7950012218695337e-01, 4.0695201744495903e-04,
                  2.1519736712498910e-17, 5.2370464393526e-319, 1.9999779095030015e+00, 0.0,
                  2.0, np.nan], atol=1e-300)])
ERFC.def_grad(lambda c, dy: _m.multiply(dy, _scale(
    _m.exp(_m.negative(_m.square(c.inputs[0]))), -_TWO_OVER_SQRT_PI)))

ERFINV = _special("Erfinv", _erfinv, low=-0.95, high=0.95, heavy=True, extra=lambda: [
    _exp_samples([0.0, 1e-10, 0.5, -0.999999, 1.0, -1.0, 1.5, np.nan],
                 [0.0, 8.8622699877950271e-11, 4.7693627620446988e-01, -3.4589107372754997e+00,
                  np.inf, -np.inf, np.nan, np.nan])])
ERFINV.def_grad(lambda c, dy: _m.multiply(dy, _scale(_m.exp(_m.square(c.outputs[0])),
                                                     _SQRT_PI / 2)))

NDTRI = _special("Ndtri", _ndtri, low=0.05, high=0.95, heavy=True, extra=lambda: [
    _exp_samples([0.0, 1e-300, 1e-20, 0.025, 0.5, 0.975, 1.0, 1.5, -0.1, np.nan],
                 [-np.inf, -37.0470962993612, -9.262340089798409, -1.9599639845400545, 0.0,
                  1.959963984540054, np.inf, np.nan, np.nan, np.nan])])
NDTRI.def_grad(lambda c, dy: _m.multiply(dy, _scale(
    _m.exp(_scale(_m.square(c.outputs[0]), 0.5)), _math.sqrt(2 * _PI))))

erf = _unary_fn(ERF, FLOATS)
erfc = _unary_fn(ERFC, FLOATS)
erfinv = _unary_fn(ERFINV, FLOATS, _F32_64)
ndtri = _unary_fn(NDTRI, FLOATS, _F32_64)


def erfcinv(x, name=None):
    """``tf.math.erfcinv``: -ndtri(x / 2) / √2, as TensorFlow composes it."""
    x = tensor(x)
    half = _m.multiply(x, tensor(0.5, dtype=x.dtype))
    return _m.multiply(_m.negative(ndtri(half)), tensor(_math.sqrt(0.5), dtype=x.dtype))


# ---- gamma family ----------------------------------------------------------------------------
LGAMMA = _special("Lgamma", _lgamma, low=0.2, high=6.0, extra=lambda: [
    _exp_samples([0.0, -1.0, -2.5, 0.5, 1.0, 2.0, 1e-300, 1e300, np.inf, -np.inf, np.nan,
                  171.5, -170.5, 3.0, 0.1],
                 [np.inf, np.inf, -5.624371649767407e-02, 5.723649429247001e-01, 0.0, 0.0,
                  6.907755278982137e+02, 6.897755278982137e+302, np.inf, np.inf, np.nan,
                  7.091431630309282e+002, -7.079984331450788e+002, 0.6931471805599453,
                  2.252712651734206], atol=1e-14),
    Sample((np.array([-2.5, 0.5, 3.0], np.float16),), grad=False,
           expected=np.array([-0.05624, 0.5723, 0.6934], np.float16), rtol=1e-3,
           name="tf-f16"),
])
LGAMMA.def_grad(lambda c, dy: _m.multiply(dy, digamma(c.inputs[0])))

DIGAMMA = _special("Digamma", _digamma, low=0.3, high=6.0, extra=lambda: [
    _exp_samples([0.0, -1.0, -2.5, 0.5, 1.0, 2.0, 1e-300, 1e300, np.inf, -np.inf, np.nan,
                  1e-8, -1e-8, 1.4616321449683622],
                 [np.nan, np.nan, 1.1031566406452433, -1.9635100260214227,
                  -5.7721566490153231e-01, 4.2278433509846747e-01, -9.9999999999999990e+299,
                  6.9077552789821368e+02, np.inf, np.nan, np.nan, -1.0000000057721566e+08,
                  9.9999999422784314e+07, 0.0], atol=1e-14)])
DIGAMMA.def_grad(lambda c, dy: _m.multiply(dy, polygamma(tensor(1.0, dtype=c.inputs[0].dtype),
                                                         c.inputs[0])))

lgamma = _unary_fn(LGAMMA, FLOATS, _F16_32_64)
digamma = _unary_fn(DIGAMMA, FLOATS, _F16_32_64)


def _broadcast_partial_grad(*shapes, **attrs):
    """Broadcasting, for ops whose gradient TF defines w.r.t. some inputs only (zeta and
    polygamma: q/x only; igamma: its IgammaGradA has no gradient). A distinct rule keeps
    them out of the generated second-order test, which differentiates every input;
    test_elementwise_ops checks their second order w.r.t. the differentiable input."""
    return _rules.broadcast(*shapes, **attrs)


def _declare_zeta_like(name, formula, np_formula, samples):
    op = declare(name, _formula_kernel(np_formula), infer=_broadcast_partial_grad,
                 samples=samples)
    op.def_onnx(_formula_onnx(formula))
    return op


ZETA = _declare_zeta_like("Zeta", _zeta, lambda m, x, q: _zeta_np(x, q), lambda: [
    Sample((_samples.rand((2, 3), "float64", 1.5, 4.0), _samples.rand((2, 3), "float64", 0.5, 3.0)),
           grad_inputs=(1,)),
    Sample((_samples.rand((3,), "float32", 2.0, 4.0), _samples.rand((2, 1), "float32", 0.5, 2.0)),
           grad_inputs=(1,)),
    Sample((np.array([2.0, 2.0, 1.0, 0.5, 3.0, 2.0, 2.5, 2.0, 2.0, 2.0, np.inf, 4.0, 4.0, 2.0, 3.0,
                      3.0, 1.5, 2.0]),
            np.array([1.0, 0.5, 1.0, 1.0, -1.0, -1.5, -1.5, 0.0, 1e10, 1e-10, 2.0, np.inf, -1.0,
                      -2.0, 0.0, -2.0, 0.0, -3.0])),
           grad=False, onnx=False, name="tf-values", rtol=1e-9,
           expected=np.array([1.6449340668482266, 4.9348022005446799, np.inf, np.nan, np.nan,
                              9.3792466449891236, np.nan, np.inf, 1.0000000000500000e-10, 1e20,
                              0.0, 0.0, np.inf, np.inf, np.nan, np.nan, np.nan, np.inf])),
])


@ZETA.def_grad
def _zeta_grad(ctx, dy):
    x, q = ctx.inputs
    gq = _m.multiply(dy, _m.negative(_m.multiply(x, zeta(_m.add(x, 1.0), q))))
    return None, _m.unbroadcast(gq, q)


POLYGAMMA = _declare_zeta_like(
    "Polygamma", _polygamma,
    lambda m, n, x: _polygamma(m, n, x, lambda m2, a, b: _zeta_np(a, b)), lambda: [
        Sample((np.array([[0.0], [1.0], [2.0]]), _samples.rand((3, 2), "float64", 0.5, 3.0)),
               grad_inputs=(1,)),
        Sample((np.array([1.0, 3.0], np.float32), _samples.rand((2,), "float32", 0.7, 3.0)),
               grad_inputs=(1,)),
        Sample((np.array([0.0, 1.0, 2.0, 0.5, -1.0, 3.0]),
                np.array([1.5, 1.5, 1.5, 1.5, 1.5, -2.5])), grad=False, onnx=False,
               name="tf-values", rtol=1e-9,
               expected=np.array([3.6489973978576451e-02, 9.3480220054467933e-01,
                                  -8.2879664423432009e-01, np.nan, np.nan,
                                  1.9474787621918756e+02])),
    ])


@POLYGAMMA.def_grad
def _polygamma_grad(ctx, dy):
    n, x = ctx.inputs
    return None, _m.unbroadcast(_m.multiply(dy, polygamma(_m.add(n, 1.0), x)), x)


zeta = _binary_fn(ZETA, _F32_F64)
polygamma = _binary_fn(POLYGAMMA, _F32_F64)


def lbeta(x, name=None):
    """``tf.math.lbeta``: log|B(x)| over the last axis (an empty axis gives -inf, as TF)."""
    from tessera._ops import reduction_ops

    x = tensor(x)
    s = reduction_ops.reduce_sum(lgamma(x), axis=-1)
    return _m.subtract(s, lgamma(reduction_ops.reduce_sum(x, axis=-1)))


# ---- Bessel functions ------------------------------------------------------------------------
def _bessel(name, order, scaled, extra):
    return _special(name, lambda m, x: _bessel_i(m, x, order, scaled), low=-4.0, high=4.0,
                    extra=extra)


_BESSEL_X = [0.0, 1e-10, 0.5, -3.0, 29.9, 30.1, 100.0, np.inf, -np.inf, np.nan]
BESSEL_I0 = _bessel("BesselI0", 0, False, lambda: [_exp_samples(
    [*_BESSEL_X, 700.0, 800.0],
    [1.0, 1.0, 1.0634833707413238, 4.8807925858650236, 7.0847833048901453e+11,
     8.6243292003177917e+11, 1.0737517071310740e+42, np.nan, np.nan, np.nan,
     1.5295933476718735e+302, np.inf])])
BESSEL_I0E = _bessel("BesselI0e", 0, True, lambda: [_exp_samples(
    [*_BESSEL_X, 1e10],
    [1.0, 9.9999999989999999e-01, 6.4503527044915021e-01, 2.4300035416182536e-01,
     7.3269219046001907e-02, 7.3023294131060942e-02, 3.9944379299096687e-02, 0.0, 0.0, np.nan,
     3.9894228040641945e-06])])
BESSEL_I1 = _bessel("BesselI1", 1, False, lambda: [_exp_samples(
    [*_BESSEL_X, 700.0, 800.0],
    [0.0, 5.0000000000000028e-11, 2.5789430539089619e-01, -3.9533702174026093,
     6.9652830836109277e+11, 8.4798363019154126e+11, 1.0683693903381627e+42, np.nan, np.nan,
     np.nan, 1.5285003902339004e+302, np.inf])])
BESSEL_I1E = _bessel("BesselI1e", 1, True, lambda: [_exp_samples(
    [*_BESSEL_X, 1e10],
    [0.0, 4.9999999995000025e-11, 1.5642080318487162e-01, -1.9682671329730084e-01,
     7.2033374911868800e-02, 7.1799854351014325e-02, 3.9744153025130256e-02, 0.0, -0.0, np.nan,
     3.9894228038647233e-06])])

bessel_i0 = _unary_fn(BESSEL_I0, FLOATS, _F16_32_64)
bessel_i0e = _unary_fn(BESSEL_I0E, FLOATS, _F16_32_64)
bessel_i1 = _unary_fn(BESSEL_I1, FLOATS, _F16_32_64)
bessel_i1e = _unary_fn(BESSEL_I1E, FLOATS, _F16_32_64)


def _i1_over_x(x, y):
    """y / x with the limit 1/2 at x = 0 (y = I1(x) or I1e(x))."""
    zero = _m.equal(x, 0.0)
    safe = _m.where_v2(zero, _m.ones_like_(x), x)
    return _m.where_v2(zero, _m.multiply(_m.ones_like_(x), 0.5), _m.realdiv(y, safe))


BESSEL_I0.def_grad(lambda c, dy: _m.multiply(dy, bessel_i1(c.inputs[0])))
BESSEL_I0E.def_grad(lambda c, dy: _m.multiply(dy, _m.subtract(
    bessel_i1e(c.inputs[0]), _m.multiply(_m.sign(c.inputs[0]), c.outputs[0]))))
BESSEL_I1.def_grad(lambda c, dy: _m.multiply(dy, _m.subtract(
    bessel_i0(c.inputs[0]), _i1_over_x(c.inputs[0], c.outputs[0]))))
BESSEL_I1E.def_grad(lambda c, dy: _m.multiply(dy, _m.subtract(
    _m.subtract(bessel_i0e(c.inputs[0]), _i1_over_x(c.inputs[0], c.outputs[0])),
    _m.multiply(_m.sign(c.inputs[0]), c.outputs[0]))))


# ---- incomplete gamma and beta (iterative: NumPy only) ---------------------------------------
_EPS = np.finfo(np.float64).eps
_TINY = 1e-300


def _iterate(state: dict, step, max_iter: int) -> None:
    """Run ``step(state, i) -> done mask`` on the unconverged elements only, in place.

    ``state`` maps names to 1-D arrays; converged elements are written back to
    ``state["out_*"]`` by ``step`` through the index array ``state["idx"]``.
    """
    active = {k: v for k, v in state.items() if not k.startswith("out")}
    for i in range(1, max_iter + 1):
        if active["idx"].size == 0:
            return
        done = step(active, state, i)
        if done.all():
            return
        keep = ~done
        active = {k: v[keep] for k, v in active.items()}


def _igamma_series(a, x, with_grad):
    """P(a, x) by its power series, and dP/da (x < a + 1)."""
    log_pre = a * np.log(x) - x - _lgamma(_NP, a + 1.0)
    n = a.size
    out = np.zeros(n)
    dout = np.zeros(n)
    state = {"idx": np.arange(n), "a": a, "x": x, "t": np.ones(n), "s": np.ones(n),
             "h": np.zeros(n), "ds": np.zeros(n), "out": out, "out_d": dout}

    def step(st, full, i):
        ap = st["a"] + i
        st["t"] = st["t"] * st["x"] / ap
        st["h"] = st["h"] + 1.0 / ap
        st["s"] = st["s"] + st["t"]
        st["ds"] = st["ds"] - st["t"] * st["h"]
        done = np.abs(st["t"]) <= np.abs(st["s"]) * _EPS
        full["out"][st["idx"][done]] = st["s"][done]
        full["out_d"][st["idx"][done]] = st["ds"][done]
        return done

    state["out"][:] = np.nan
    _iterate(state, step, 10000)
    p = np.exp(log_pre) * out
    if not with_grad:
        return p, None
    dp = p * (np.log(x) - _digamma(_NP, a + 1.0)) + np.exp(log_pre) * dout
    return p, dp


def _igammac_cf(a, x, with_grad):
    """Q(a, x) by Legendre's continued fraction (modified Lentz), and dQ/da (x >= a + 1).
    The derivative rides along the recurrence as a dual number."""
    log_pre = a * np.log(x) - x - _lgamma(_NP, a)
    n = a.size
    out = np.full(n, np.nan)
    dout = np.full(n, np.nan)
    b = x + 1.0 - a
    state = {"idx": np.arange(n), "a": a, "b": b, "db": -np.ones(n),
             "c": np.full(n, 1.0 / _TINY), "dc": np.zeros(n),
             "d": 1.0 / b, "dd": 1.0 / (b * b), "h": 1.0 / b, "dh": 1.0 / (b * b),
             "out": out, "out_d": dout}

    def step(st, full, i):
        an = -i * (i - st["a"])
        dan = float(i) * np.ones_like(an)
        st["b"] = st["b"] + 2.0
        b_, db = st["b"], st["db"]
        d = an * st["d"] + b_
        dd = dan * st["d"] + an * st["dd"] + db
        small = np.abs(d) < _TINY
        d = np.where(small, _TINY, d)
        dd = np.where(small, 0.0, dd)
        c = b_ + an / st["c"]
        dc = db + dan / st["c"] - an * st["dc"] / (st["c"] * st["c"])
        small = np.abs(c) < _TINY
        c = np.where(small, _TINY, c)
        dc = np.where(small, 0.0, dc)
        inv_d = 1.0 / d
        dinv_d = -dd * inv_d * inv_d
        delta = c * inv_d
        ddelta = dc * inv_d + c * dinv_d
        st["dh"] = st["dh"] * delta + st["h"] * ddelta
        st["h"] = st["h"] * delta
        st["c"], st["dc"], st["d"], st["dd"] = c, dc, inv_d, dinv_d
        done = np.abs(delta - 1.0) <= _EPS
        full["out"][st["idx"][done]] = st["h"][done]
        full["out_d"][st["idx"][done]] = st["dh"][done]
        return done

    _iterate(state, step, 10000)
    q = np.exp(log_pre) * out
    if not with_grad:
        return q, None
    dq = q * (np.log(x) - _digamma(_NP, a)) + np.exp(log_pre) * dout
    return q, dq


def _igamma_np(a, x, upper: bool, grad: bool = False):
    """P(a, x) (or Q, or dP/da) with TensorFlow's domain handling, float64 in and out."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    shape = a.shape
    a, x = a.reshape(-1), x.reshape(-1)
    res = np.full(a.shape, np.nan)
    ok = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
    use_series = ok & (x < a + 1.0)
    use_cf = ok & ~use_series
    with np.errstate(all="ignore"):
        if use_series.any():
            p, dp = _igamma_series(a[use_series], x[use_series], grad)
            res[use_series] = dp if grad else (1.0 - p if upper else p)
        if use_cf.any():
            q, dq = _igammac_cf(a[use_cf], x[use_cf], grad)
            res[use_cf] = -dq if grad else (q if upper else 1.0 - q)
    if grad:
        res[(x == 0) | (np.isinf(x) & (a > 0)) | (np.isinf(a) & (x >= 0))] = 0.0
    else:
        lo, hi = (1.0, 0.0) if upper else (0.0, 1.0)
        res[(x == 0) & (a > 0)] = lo
        res[np.isinf(x) & (a > 0) & ~np.isinf(a)] = hi
        res[np.isinf(a) & (x >= 0)] = lo if not upper else np.where(
            np.isinf(x[np.isinf(a) & (x >= 0)]), 0.0, 1.0)
        if not upper:
            res[(x == 0) & (a == 0)] = 0.0
    res[np.isnan(a) | np.isnan(x)] = np.nan
    return res.reshape(shape)


def _igamma_kernel(upper, grad=False):
    def kernel(a, x):
        return np.asarray(_igamma_np(a, x, upper, grad), dtype=a.dtype)

    return kernel


def _igamma_samples(extra):
    return lambda: [
        Sample((_samples.rand((2, 3), "float64", 0.5, 3.0), _samples.rand((2, 3), "float64", 0.3, 4.0))),
        Sample((_samples.rand((3,), "float32", 0.5, 3.0), _samples.rand((2, 1), "float32", 0.5, 3.0))),
        Sample((np.array([[1.5]], np.float64), _samples.rand((0, 1), "float64", 0.5, 2.0))),
        *extra(),
    ]


_IG_A = [1.0, 0.5, 10.0, 100.0, 0.0, 0.0, -1.0, 1.0, 1e-3, 1e4, np.inf, np.inf, 1.0, 2.0, np.nan]
_IG_X = [1.0, 2.0, 5.0, 120.0, 0.0, 1.0, 1.0, -1.0, 1.0, 1.01e4, np.inf, 1.0, np.inf, 0.0, 1.0]
IGAMMA = declare("Igamma", _igamma_kernel(False), infer=_broadcast_partial_grad,
                 samples=_igamma_samples(lambda: [Sample(
                     (np.array(_IG_A), np.array(_IG_X)), grad=False, rtol=1e-9, name="tf-values",
                     expected=np.array([0.6321205588285578, 0.9544997361036415, 0.03182805730620476,
                                        0.9721362601094815, 0.0, np.nan, np.nan, np.nan,
                                        0.9997803916424145, 0.8413487504506938, 0.0, 0.0, 1.0,
                                        0.0, np.nan]))]))
IGAMMAC = declare("Igammac", _igamma_kernel(True), infer=_broadcast_partial_grad,
                  samples=_igamma_samples(lambda: [Sample(
                      (np.array(_IG_A), np.array(_IG_X)), grad=False, rtol=1e-9, name="tf-values",
                      expected=np.array([3.6787944117144233e-01, 4.5500263896358570e-02,
                                         9.6817194269379525e-01, 2.7863739890518512e-02, np.nan,
                                         np.nan, np.nan, np.nan, 2.1960835758555317e-04,
                                         1.5865124954930626e-01, 0.0, 1.0, 0.0, 1.0, np.nan]))]))
IGAMMA_GRAD_A = declare("IgammaGradA", _igamma_kernel(False, True), infer=_rules.broadcast,
                        samples=lambda: [
                            Sample((np.array([0.3, 0.6, 2.0, 5.0, 3.0]),
                                    np.array([0.3, 0.6, 1.0, 9.0, 3.5])), grad=False,
                                   expected=np.array([-0.87777304, -0.58085515, -0.27619605,
                                                      -0.04612268, -0.21098436]),
                                   rtol=1e-8, name="tf-values"),
                            Sample((_samples.rand((4,), "float32", 0.5, 3.0),
                                    _samples.rand((4,), "float32", 0.5, 3.0)), grad=False)])
not_differentiable(IGAMMA_GRAD_A)
_NO_ITER_ONNX = "the series/continued fraction runs a data-dependent number of steps"
for _op in (IGAMMA, IGAMMAC, IGAMMA_GRAD_A):
    no_onnx_lowering(_op, _NO_ITER_ONNX)


def _igamma_dx(a, x):
    """∂P/∂x = x^(a-1) e^(-x) / Γ(a)."""
    return _m.exp(_m.subtract(_m.subtract(xlogy(_m.subtract(a, 1.0), x), x), lgamma(a)))


def _igamma_grad(sign):
    def grad(ctx, dy):
        a, x = ctx.inputs
        ga = execute(IGAMMA_GRAD_A, (a, x), _NOATTRS)
        gx = _igamma_dx(a, x)
        if sign < 0:
            ga, gx = _m.negative(ga), _m.negative(gx)
        return _m.unbroadcast(_m.multiply(dy, ga), a), _m.unbroadcast(_m.multiply(dy, gx), x)

    return grad


IGAMMA.def_grad(_igamma_grad(1))
IGAMMAC.def_grad(_igamma_grad(-1))

igamma = _binary_fn(IGAMMA, FLOATS, _F32_64)
igammac = _binary_fn(IGAMMAC, FLOATS, _F32_64)


def _betacf(a, b, x):
    """The continued fraction of I_x(a, b) (modified Lentz), for x < (a+1)/(a+b+2)."""
    n = a.size
    out = np.full(n, np.nan)
    d = 1.0 - (a + b) * x / (a + 1.0)
    d = np.where(np.abs(d) < _TINY, _TINY, d)
    d = 1.0 / d
    state = {"idx": np.arange(n), "a": a, "b": b, "x": x, "c": np.ones(n), "d": d, "h": d.copy(),
             "out": out}

    def step(st, full, m):
        a_, b_, x_ = st["a"], st["b"], st["x"]
        m2 = 2.0 * m
        aa = m * (b_ - m) * x_ / ((a_ + m2 - 1.0) * (a_ + m2))
        d = 1.0 + aa * st["d"]
        d = np.where(np.abs(d) < _TINY, _TINY, d)
        c = 1.0 + aa / st["c"]
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        d = 1.0 / d
        h = st["h"] * d * c
        aa = -(a_ + m) * (a_ + b_ + m) * x_ / ((a_ + m2) * (a_ + m2 + 1.0))
        d = 1.0 + aa * d
        d = np.where(np.abs(d) < _TINY, _TINY, d)
        c = 1.0 + aa / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        d = 1.0 / d
        delta = d * c
        h = h * delta
        st["c"], st["d"], st["h"] = c, d, h
        done = np.abs(delta - 1.0) <= 2 * _EPS
        full["out"][st["idx"][done]] = h[done]
        return done

    _iterate(state, step, 20000)
    return out


def _betainc_np(a, b, x):
    a, b, x = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (a, b, x)))
    shape = a.shape
    a, b, x = a.reshape(-1), b.reshape(-1), x.reshape(-1)
    res = np.full(a.shape, np.nan)
    ok = (a > 0) & (b > 0) & (x > 0) & (x < 1) & np.isfinite(a) & np.isfinite(b)
    with np.errstate(all="ignore"):
        if ok.any():
            aa, bb, xx = a[ok], b[ok], x[ok]
            flip = xx > (aa + 1.0) / (aa + bb + 2.0)
            a1, b1 = np.where(flip, bb, aa), np.where(flip, aa, bb)
            x1 = np.where(flip, 1.0 - xx, xx)
            log_front = (a1 * np.log(x1) + b1 * np.log1p(-x1) - _lgamma(_NP, a1)
                         - _lgamma(_NP, b1) + _lgamma(_NP, a1 + b1))
            v = np.exp(log_front) * _betacf(a1, b1, x1) / a1
            res[ok] = np.where(flip, 1.0 - v, v)
    edge = (a > 0) & (b > 0) & np.isfinite(a) & np.isfinite(b)
    res[edge & (x == 0)] = 0.0
    res[edge & (x == 1)] = 1.0
    return res.reshape(shape)


def _betainc_kernel(a, b, x):
    return np.asarray(_betainc_np(a, b, x), dtype=a.dtype)


BETAINC = declare("Betainc", _betainc_kernel, infer=_rules.broadcast, samples=lambda: [
    Sample((_samples.rand((2, 3), "float64", 0.5, 3.0), _samples.rand((2, 3), "float64", 0.5, 3.0),
            _samples.rand((2, 3), "float64", 0.1, 0.9)), grad_inputs=(2,)),
    Sample((np.array(2.0, np.float32), np.array(3.0, np.float32),
            _samples.rand((4,), "float32", 0.1, 0.9)), grad_inputs=(2,)),
    Sample((np.array([1.0, 0.5, 10.0, 100.0, 0.0, 2.0, -1.0, 1.0, 2.0, 1.0, 2.0, np.inf, 2.0]),
            np.array([1.0, 2.0, 5.0, 120.0, 1.0, 0.0, 1.0, 1.0, 3.0, 1.0, 2.0, 1.0, 2.0]),
            np.array([0.5, 0.2, 0.7, 0.45, 0.5, 0.5, 0.5, 1.5, 0.0, 1.0, 1.0, 0.5, np.nan])),
           grad=False, rtol=1e-9, name="tf-values",
           expected=np.array([0.5, 0.6260990336999411, 0.5842011862193505, 0.4478012301477656,
                              np.nan, np.nan, np.nan, np.nan, 0.0, 1.0, 1.0, np.nan, np.nan])),
])
no_onnx_lowering(BETAINC, _NO_ITER_ONNX)


@BETAINC.def_grad
def _betainc_grad(ctx, dy):
    a, b, x = ctx.inputs
    log_beta = _m.subtract(_m.add(lgamma(a), lgamma(b)), lgamma(_m.add(a, b)))
    log_dx = _m.subtract(_m.add(xlog1py(_m.subtract(b, 1.0), _m.negative(x)),
                                xlogy(_m.subtract(a, 1.0), x)), log_beta)
    return None, None, _m.unbroadcast(_m.multiply(dy, _m.exp(log_dx)), x)


def betainc(a, b, x, name=None):
    """``tf.math.betainc``: the regularized incomplete beta function I_x(a, b)."""
    a, b, x = same_dtype("Betainc", a, b, x)
    _check("Betainc", a, _F32_F64)
    shapes = [tuple(t.shape.as_list()) for t in (a, b, x)]
    for (n1, s1), (n2, s2) in (((0, shapes[0]), (1, shapes[1])), ((0, shapes[0]), (2, shapes[2])),
                               ((1, shapes[1]), (2, shapes[2]))):
        if s1 != () and s2 != () and s1 != s2 and None not in s1 + s2:
            names = "abx"
            raise errors.InvalidArgumentError(
                None, None, f"Shapes of {names[n1]} and {names[n2]} are inconsistent: "
                            f"[{','.join(map(str, s1))}] vs. [{','.join(map(str, s2))}] "
                            f"[Op:Betainc] name: ")
    return execute(BETAINC, (a, b, x), _NOATTRS)


# ---- x·log(y) family -------------------------------------------------------------------------
def _xlogy_kernel(x, y):
    with np.errstate(all="ignore"):
        return np.where(x == 0, np.zeros((), x.dtype), x * np.log(y)).astype(x.dtype, copy=False)


def _xdivy_kernel(x, y):
    with np.errstate(all="ignore"):
        return np.where(x == 0, np.zeros((), x.dtype), x / y).astype(x.dtype, copy=False)


def _xlog1py_kernel(x, y):
    with np.errstate(all="ignore"):
        return np.where(x == 0, np.zeros((), x.dtype), x * np.log1p(y)).astype(x.dtype, copy=False)


def _x_samples(low2, high2, extra):
    return lambda: [*_trim_onnx(_samples.binary(("float32", "float64"), low=0.2, high=2.0,
                                                low2=low2, high2=high2)),
                    Sample((np.array([1.5 + 0.5j, -0.5j], np.complex64),
                            np.array([0.5 - 1j, 2.0 + 0j], np.complex64)), onnx=False),
                    *extra()]


def _x_onnx(fn):
    def lower(b, x, y):
        zero = b.const(np.zeros((), b.dtypes[x]))
        return b.op("Where", b.op("Equal", x, zero), zero, fn(b, x, y))

    return lower


XLOGY = declare("Xlogy", _xlogy_kernel, infer=_rules.broadcast, samples=_x_samples(0.3, 3.0, lambda: [
    Sample((np.array([0.0, 0.0, 1.0, 2.0, 0.0]), np.array([0.0, np.nan, 0.0, 3.0, np.inf])),
           grad=False, expected=np.array([0.0, 0.0, -np.inf, 2.197224577336219, 0.0]),
           name="tf-values")]))
XDIVY = declare("Xdivy", _xdivy_kernel, infer=_rules.broadcast, samples=_x_samples(0.3, 3.0, lambda: [
    Sample((np.array([0.0, 0.0, 1.0, 2.0]), np.array([0.0, np.nan, 0.0, 3.0])),
           grad=False, expected=np.array([0.0, 0.0, np.inf, 0.6666666666666666]),
           name="tf-values")]))
XLOG1PY = declare("Xlog1py", _xlog1py_kernel, infer=_rules.broadcast, samples=_x_samples(
    -0.5, 3.0, lambda: [Sample((np.array([0.0, 0.0, 1.0, 2.0]), np.array([-1.0, np.nan, -1.0, 3.0])),
                       grad=False, expected=np.array([0.0, 0.0, -np.inf, 2.772588722239781]),
                       name="tf-values")]))
XLOGY.def_onnx(_x_onnx(lambda b, x, y: b.op("Mul", x, b.op("Log", y))))
XDIVY.def_onnx(_x_onnx(lambda b, x, y: b.op("Div", x, y)))
XLOG1PY.def_onnx(_x_onnx(lambda b, x, y: b.op("Mul", x, b.op(
    "Log", b.op("Add", y, b.const(np.ones((), b.dtypes[y])))))))


def _not_zero(x):
    return _m.cast(_m.not_equal(x, tensor(0, dtype=x.dtype)), x.dtype)


@XLOGY.def_grad
def _xlogy_grad(ctx, dy):
    x, y = (_c(t) for t in ctx.inputs)
    gx = _m.multiply(dy, xlogy(_not_zero(x), y))
    gy = _m.multiply(dy, xdivy(x, y))
    return _m.unbroadcast(gx, ctx.inputs[0]), _m.unbroadcast(gy, ctx.inputs[1])


@XDIVY.def_grad
def _xdivy_grad(ctx, dy):
    x, y = (_c(t) for t in ctx.inputs)
    gx = _m.multiply(dy, xdivy(_not_zero(x), y))
    gy = _m.multiply(dy, xdivy(_m.negative(x), _m.square(y)))
    return _m.unbroadcast(gx, ctx.inputs[0]), _m.unbroadcast(gy, ctx.inputs[1])


@XLOG1PY.def_grad
def _xlog1py_grad(ctx, dy):
    x, y = (_c(t) for t in ctx.inputs)
    gx = _m.multiply(dy, xlog1py(_not_zero(x), y))
    gy = _m.multiply(dy, xdivy(x, _m.add(y, tensor(1, dtype=y.dtype))))
    return _m.unbroadcast(gx, ctx.inputs[0]), _m.unbroadcast(gy, ctx.inputs[1])


xlogy = _binary_fn(XLOGY, _FLOAT_COMPLEX)
xdivy = _binary_fn(XDIVY, _FLOAT_COMPLEX)
xlog1py = _binary_fn(XLOG1PY, _FLOAT_COMPLEX)


def _mul_no_nan_kernel(x, y):
    with np.errstate(all="ignore"):
        return np.where(y == 0, np.zeros((), x.dtype), x * y).astype(x.dtype, copy=False)


MUL_NO_NAN = declare("MulNoNan", _mul_no_nan_kernel, infer=_rules.broadcast, samples=lambda: [
    *_trim_onnx(_samples.binary(("float32", "float64"))),
    Sample((np.array([np.nan, np.inf, 2.0, 0.0, 1.0]), np.array([0.0, 0.0, 3.0, np.nan, np.inf])),
           grad=False, expected=np.array([0.0, 0.0, 6.0, np.nan, np.inf]), name="tf-values"),
])


@MUL_NO_NAN.def_grad
def _mul_no_nan_grad(ctx, dy):
    x, y = ctx.inputs
    return (_m.unbroadcast(multiply_no_nan(dy, y), x),
            _m.unbroadcast(multiply_no_nan(x, dy), y))


@MUL_NO_NAN.def_onnx
def _mul_no_nan_onnx(b, x, y):
    zero = b.const(np.zeros((), b.dtypes[x]))
    return b.op("Where", b.op("Equal", y, zero), zero, b.op("Mul", x, y))


multiply_no_nan = _binary_fn(MUL_NO_NAN, _FLOAT_COMPLEX)


def reciprocal_no_nan(x, name=None):
    """``tf.math.reciprocal_no_nan``: 1/x, 0 where x == 0 (TF's DivNoNan(1, x))."""
    x = tensor(x)
    one = tensor(1, dtype=x.dtype)
    check_dtype("DivNoNan", x, _FLOAT_COMPLEX)
    return _m.divide_no_nan(one, x)


def log_sigmoid(x, name=None):
    """``tf.math.log_sigmoid``: -softplus(-x), computed without overflow."""
    x = tensor(x)
    check_dtype("Softplus", x, FLOATS)
    # -log1p(exp(-x)) for x >= 0, x - log1p(exp(x)) below: each branch is evaluated on
    # inputs clamped to its side, so neither overflows and the gradient is sigmoid(-x)
    zero = _m.zeros_like_(x)
    pos = _m.greater_equal(x, zero)
    xp = _m.where_v2(pos, x, zero)
    xn = _m.where_v2(pos, zero, x)
    upper = _m.negative(_m.log1p(_m.exp(_m.negative(xp))))
    lower = _m.subtract(xn, _m.log1p(_m.exp(xn)))
    return _m.where_v2(pos, upper, lower)


# ---- classification and rounding -------------------------------------------------------------
def _declare_class(name, kernel, lowering, values, expected):
    op = declare(name, kernel, infer=_rules.unary, dtype_rule=_rules.to_bool, samples=lambda: [
        *_trim_onnx(_samples.unary(("float32", "float64"), grad=False)),
        Sample((np.array(values, np.float32),), grad=False, expected=np.array(expected)),
        Sample((np.array(values, np.float16),), grad=False, expected=np.array(expected)),
    ])
    not_differentiable(op)
    op.def_onnx(lowering)
    return op


_CLASS_VALUES = [0.0, -1.5, np.inf, -np.inf, np.nan]
IS_NAN = _declare_class("IsNan", np.isnan, lambda b, x: b.op("IsNaN", x), _CLASS_VALUES,
                        [False, False, False, False, True])
def _isinf_onnx(b, x):
    if np.dtype(b.dtypes[x]) == np.float16:  # ONNX IsInf takes float32/64 only
        x = b.op("Cast", x, to=_onnx_type(np.float32))
    return b.op("IsInf", x)


IS_INF = _declare_class("IsInf", np.isinf, _isinf_onnx, _CLASS_VALUES,
                        [False, False, True, True, False])
IS_FINITE = _declare_class(
    "IsFinite", np.isfinite,
    lambda b, x: b.op("Not", b.op("Or", b.op("IsNaN", x), _isinf_onnx(b, x))), _CLASS_VALUES,
    [True, True, False, False, False])
is_nan = _unary_fn(IS_NAN, FLOATS)
is_inf = _unary_fn(IS_INF, FLOATS)
is_finite = _unary_fn(IS_FINITE, FLOATS)

RINT = declare("Rint", np.rint, infer=_rules.unary, samples=lambda: [
    *_trim_onnx(_samples.unary(("float32", "float64"), -4.0, 4.0, grad=False)),
    Sample((np.array([0.5, 1.5, 2.5, -0.5, -1.7, 3.2], np.float32),), grad=False,
           expected=np.array([0.0, 2.0, 2.0, -0.0, -2.0, 3.0], np.float32), name="tf-values"),
])
not_differentiable(RINT)
RINT.def_onnx(lambda b, x: b.op("Round", x))
rint = _unary_fn(RINT, FLOATS, _F32_64)


def _truncatediv_kernel(x, y):
    if x.dtype.kind in "iu":
        if np.any(y == 0):
            raise errors.InternalError(
                None, None, "Unexpected error in binary operator (only integer div and mod "
                            "should have errors) [Op:TruncateDiv] name: ")
        return ((x - np.fmod(x, y)) // y).astype(x.dtype, copy=False)
    with np.errstate(all="ignore"):
        return np.trunc(x / y).astype(x.dtype, copy=False)


def _truncatemod_kernel(x, y):
    if x.dtype.kind in "iu":
        if np.any(y == 0):
            raise errors.InternalError(
                None, None, "Unexpected error in binary operator (only integer div and mod "
                            "should have errors) [Op:TruncateMod] name: ")
    with np.errstate(all="ignore"):
        return np.fmod(x, y).astype(x.dtype, copy=False)


_TRUNC_SAMPLE = (np.array([-7, 7, -7, 7], np.int32), np.array([2, 2, -2, -2], np.int32))
TRUNCATEDIV = declare("TruncateDiv", _truncatediv_kernel, infer=_rules.broadcast, samples=lambda: [
    *_trim_onnx(_samples.binary(("float32", "int32", "int64"), low2=1, high2=4, grad=False)),
    Sample(_TRUNC_SAMPLE, grad=False, expected=np.array([-3, 3, 3, -3], np.int32)),
    Sample((np.array([-7.5, 7.5, -7.5, 7.5], np.float32), np.array([2.0, 2, -2, -2], np.float32)),
           grad=False, expected=np.array([-3.0, 3, 3, -3], np.float32)),
    Sample((np.array([200, 7], np.uint8), np.array([3, 2], np.uint8)), grad=False,
           expected=np.array([66, 3], np.uint8)),
])
TRUNCATEMOD = declare("TruncateMod", _truncatemod_kernel, infer=_rules.broadcast, samples=lambda: [
    *_trim_onnx(_samples.binary(("float32", "int32"), low2=1, high2=4, grad=False)),
    Sample(_TRUNC_SAMPLE, grad=False, expected=np.array([-1, 1, -1, 1], np.int32)),
    Sample((np.array([-7.5, 7.5, -7.5, 7.5, 1.0], np.float32),
            np.array([2.0, 2, -2, -2, 0.0], np.float32)), grad=False,
           expected=np.array([-1.5, 1.5, -1.5, 1.5, np.nan], np.float32)),
])
not_differentiable(TRUNCATEDIV, TRUNCATEMOD)


@TRUNCATEDIV.def_onnx
def _truncatediv_onnx(b, x, y):
    if np.dtype(b.dtypes[x]).kind in "iu":
        return b.op("Div", x, y)  # ONNX integer division truncates toward zero
    q = b.op("Div", x, y)
    zero = b.const(np.zeros((), b.dtypes[x]))
    return b.op("Where", b.op("Less", q, zero), b.op("Ceil", q), b.op("Floor", q))


TRUNCATEMOD.def_onnx(lambda b, x, y: b.op("Mod", x, y, fmod=1))


def truncatediv(x, y, name=None):
    """``tf.truncatediv``: division rounding toward zero."""
    x, y = same_dtype("TruncateDiv", x, y)
    check_dtype("TruncateDiv", x, FLOATS | frozenset(
        ["uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64"]))
    return execute(TRUNCATEDIV, (x, y), _NOATTRS)


def truncatemod(x, y, name=None):
    """``tf.truncatemod``: the remainder of truncated division (C's fmod)."""
    x, y = same_dtype("TruncateMod", x, y)
    check_dtype("TruncateMod", x, FLOATS | frozenset(["int32", "int64"]))
    if x.dtype.name in ("float16", "bfloat16"):
        _kernel_missing("TruncateMod", x, ("float32", "float64"))
    return execute(TRUNCATEMOD, (x, y), _NOATTRS)


NEXTAFTER = declare("NextAfter", lambda x1, x2: np.nextafter(x1, x2), infer=_rules.broadcast,
                    samples=lambda: [
                        *_samples.binary(("float32", "float64"), onnx=False),
                        Sample((np.array([1.0, 2.0], np.float32), np.array([0.0, 2.0], np.float32)),
                               grad=False, onnx=False,
                               expected=np.array([0.99999994, 2.0], np.float32)),
                    ])
no_onnx_lowering(NEXTAFTER, "ONNX has no bit-level float reinterpretation")


@NEXTAFTER.def_grad
def _nextafter_grad(ctx, dy):
    x1, x2 = ctx.inputs
    return _m.unbroadcast(dy, x1), _m.unbroadcast(_m.zeros_like_(dy), x2)


nextafter = _binary_fn(NEXTAFTER, _F32_F64)


def polyval(coeffs, x, name=None):
    """``tf.math.polyval``: Horner's rule over a Python list of coefficients."""
    if not isinstance(coeffs, list):
        raise ValueError(f"Argument coeffs must be list type. Received type {type(coeffs)}.")
    x = tensor(x)
    if not coeffs:
        return _m.zeros_like_(x)
    p = tensor(coeffs[0])
    for c in coeffs[1:]:
        p = _m.add(tensor(c), _m.multiply(p, x))
    return p


# ---- complex parts -------------------------------------------------------------------------
def _complex_samples():
    return [Sample((_samples.rand((2, 3), "complex64"),), onnx=False),
            Sample((_samples.rand((), "complex128"),), onnx=False),
            Sample((_samples.rand((0, 2), "complex64"),), onnx=False, grad=False)]


REAL = declare("Real", np.real, infer=_rules.unary, dtype_rule=_rules.real_part,
               samples=_complex_samples)
IMAG = declare("Imag", np.imag, infer=_rules.unary, dtype_rule=_rules.real_part,
               samples=_complex_samples)
ANGLE = declare("Angle", np.angle, infer=_rules.unary, dtype_rule=_rules.real_part,
                samples=lambda: [*_complex_samples(), Sample(
                    (np.array([1 + 1j, -1 + 0j, 0j, -1 - 1e-30j], np.complex128),), grad=False,
                    onnx=False, expected=np.array([_PI / 4, _PI, 0.0, -_PI]))])


def _complex_kernel(re, im):
    out = np.empty(np.broadcast_shapes(re.shape, im.shape),
                   np.complex64 if re.dtype == np.float32 else np.complex128)
    out.real, out.imag = re, im
    return out


def _complex_dtype(dts, attrs):
    return _dtypes.complex64 if dts[0] is _dtypes.float32 else _dtypes.complex128


COMPLEX_OP = declare("Complex", _complex_kernel, infer=_rules.broadcast, dtype_rule=_complex_dtype,
                     samples=lambda: [
                         Sample((_samples.rand((2, 3)), _samples.rand((2, 3))), onnx=False),
                         Sample((_samples.rand((2, 1), "float64"), _samples.rand((3,), "float64")),
                                onnx=False),
                         Sample((np.array([1.0, 2.0], np.float32), np.array(3.0, np.float32)),
                                onnx=False, grad=False,
                                expected=np.array([1 + 3j, 2 + 3j], np.complex64)),
                     ])
for _op in (REAL, IMAG, ANGLE, COMPLEX_OP):
    no_onnx_lowering(_op, "ONNX has no complex tensors")


@REAL.def_grad
def _real_grad(ctx, dy):
    return complex(dy, _m.zeros_like_(dy))


@IMAG.def_grad
def _imag_grad(ctx, dy):
    return complex(_m.zeros_like_(dy), dy)


@ANGLE.def_grad
def _angle_grad(ctx, dy):
    z = ctx.inputs[0]
    return _m.multiply(complex(_m.zeros_like_(dy), dy), _m.reciprocal(_m.conj(z)))


@COMPLEX_OP.def_grad
def _complex_grad(ctx, dy):
    re, im = ctx.inputs
    return _m.unbroadcast(real(dy), re), _m.unbroadcast(imag(dy), im)


def _numeric_input(x, allow_bool=False):
    x = tensor(x)
    if x.dtype is _dtypes.string or (x.dtype is _dtypes.bool and not allow_bool):
        raise TypeError(f"input must be a numeric tensor, but got tensor with dtype {x.dtype}")
    return x


def real(input, name=None):
    """``tf.math.real``: the real part (real tensors are returned as they are)."""
    x = _numeric_input(input)
    if not x.dtype.is_complex:
        return x
    return execute(REAL, (x,), _NOATTRS)


def imag(input, name=None):
    """``tf.math.imag``: the imaginary part (zeros for real tensors)."""
    x = tensor(input)
    if x.dtype is _dtypes.string:
        raise TypeError(f"input must be a numeric tensor, but got tensor with dtype {x.dtype}")
    if not x.dtype.is_complex:
        return _m.zeros_like_(x)
    return execute(IMAG, (x,), _NOATTRS)


def angle(input, name=None):
    """``tf.math.angle``: the argument of a complex number; pi for negative reals."""
    x = _numeric_input(input)
    if x.dtype.is_complex:
        return execute(ANGLE, (x,), _NOATTRS)
    pi = tensor(_PI, dtype=x.dtype)
    return _m.where_v2(_m.less(x, tensor(0, dtype=x.dtype)), _m.multiply(_m.ones_like_(x), pi),
                       _m.zeros_like_(x))


def complex(real, imag, name=None):
    """``tf.complex``: real + i·imag from two float32 (complex64) or float64 tensors."""
    re = tensor(real)
    im = tensor(imag)
    if re.dtype is not im.dtype or re.dtype.name not in ("float32", "float64"):
        raise TypeError(f"The `real` and `imag` components have incorrect types: "
                        f"{re.dtype.name} {im.dtype.name}. They must be consistent, and one of "
                        f"[tf.float32, tf.float64]")
    return execute(COMPLEX_OP, (re, im), _NOATTRS)


# ---- sums of several tensors ---------------------------------------------------------------
def _add_n_kernel(*xs):
    out = xs[0].copy()
    for x in xs[1:]:
        out += x
    return out


def _infer_add_n(*shapes):
    known = [s for s in shapes if s is not None]
    if not known:
        return None
    out = list(known[0])
    for s in known[1:]:
        if len(s) != len(out):
            raise ValueError(f"Shapes must be equal rank, but are {len(out)} and {len(s)}")
        for i, d in enumerate(s):
            if out[i] is None:
                out[i] = d
            elif d is not None and d != out[i]:
                raise ValueError(f"Dimension {i} in both shapes must be equal, but are "
                                 f"{out[i]} and {d}")
    return tuple(out)


ADD_N = declare("AddN", _add_n_kernel, infer=_infer_add_n, samples=lambda: [
    Sample((_samples.rand((2, 3)), _samples.rand((2, 3)), _samples.rand((2, 3)))),
    Sample((_samples.rand((4,), "float64"),)),
    Sample((_samples.rand((3,), "int32"), _samples.rand((3,), "int32")), grad=False),
    Sample((_samples.rand((), "float32"), _samples.rand((), "float32"))),
])
ADD_N.def_grad(lambda ctx, dy: tuple(dy for _ in ctx.inputs))
@ADD_N.def_onnx
def _add_n_onnx(b, *xs):
    if np.dtype(b.dtypes[xs[0]]).kind in "fc":
        return b.op("Sum", *xs)
    out = xs[0]  # ONNX Sum is float-only
    for x in xs[1:]:
        out = b.op("Add", out, x)
    return out
_ADD_N_TYPES = frozenset(["float16", "bfloat16", "float32", "float64", "uint8", "uint16",
                          "uint32", "uint64", "int8", "int16", "int32", "int64", "complex64",
                          "complex128"])


def add_n(inputs, name=None):
    """``tf.math.add_n``: the elementwise sum of same-shaped tensors."""
    if isinstance(inputs, Tensor):
        from tessera._ops import array_ops

        inputs = array_ops.unstack(inputs) if inputs.shape.rank else [inputs]
    inputs = list(inputs) if isinstance(inputs, list | tuple) else None
    if not inputs:
        raise ValueError("Inputs must be an iterable of at least one Tensor/IndexedSlices with "
                         "the same dtype and shape.")
    xs = same_dtype("AddN", *inputs)
    check_dtype("AddN", xs[0], _ADD_N_TYPES)
    if len(xs) == 1:
        return xs[0]
    first = xs[0].shape.as_list() if xs[0].shape.rank is not None else None
    for i, t in enumerate(xs[1:], 1):
        s = t.shape.as_list() if t.shape.rank is not None else None
        if first is not None and s is not None and None not in first + s and s != first:
            raise errors.InvalidArgumentError(
                None, None, f"Inputs to operation AddN of type AddN must have the same size and "
                            f"shape.  Input 0: [{','.join(map(str, first))}] != input {i}: "
                            f"[{','.join(map(str, s))}] [Op:AddN] name: ")
    return execute(ADD_N, xs, _NOATTRS)


def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None):
    """``tf.math.accumulate_n`` (deprecated in TF): add_n with shape and dtype checks."""
    if not inputs or not isinstance(inputs, list | tuple):
        raise ValueError("inputs must be a list of at least one Tensor with the same dtype and "
                         "shape")
    xs = [tensor(v) for v in inputs]
    if tensor_dtype is not None and _dtypes.as_dtype(tensor_dtype) is not xs[0].dtype:
        raise TypeError(f"The `tensor_dtype` argument is {_dtypes.as_dtype(tensor_dtype)}, but "
                        f"`input` is of type {xs[0].dtype}. These must be equal. Try casting "
                        f"the input to the desired type.")
    if shape is not None:
        from tessera._framework.tensor_shape import TensorShape

        want = TensorShape(shape)
        have = xs[0].shape
        if not want.is_compatible_with(have):
            raise ValueError(f"Shapes {want} and {have} are not compatible")
    return add_n(xs)


def scalar_mul(scalar, x, name=None):
    """``tf.math.scalar_mul``: a 0-D scalar times a tensor."""
    x = tensor(x)
    s = scalar if isinstance(scalar, Tensor) else tensor(scalar, hint=x.dtype)
    if s.shape.rank != 0:
        raise ValueError(f"The input scalar must be a 0-D value. Received shape "
                         f"{tuple(s.shape.as_list())}.")
    if s.dtype is not x.dtype:
        if isinstance(scalar, Tensor):
            raise ValueError(f"scalar: Tensor conversion requested dtype {x.dtype.name} for "
                             f"Tensor with dtype {s.dtype.name}: {s!r}")
        s = tensor(scalar, dtype=x.dtype)
    return _m.multiply(s, x)


# ---- public names ----------------------------------------------------------------------------
def _export_all() -> None:
    from tessera._api import export, export_many

    both = ["tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "asinh", "acosh", "atanh",
            "add_n", "scalar_mul"]
    math_only = ["erf", "erfc", "erfinv", "erfcinv", "ndtri", "lgamma", "digamma", "zeta",
                 "polygamma", "igamma", "igammac", "lbeta", "betainc", "xlogy", "xdivy",
                 "xlog1py", "is_nan", "is_inf", "is_finite", "log_sigmoid", "rint", "nextafter",
                 "polyval", "real", "imag", "angle", "accumulate_n", "multiply_no_nan",
                 "reciprocal_no_nan", "bessel_i0", "bessel_i0e", "bessel_i1", "bessel_i1e"]
    export_many(globals(), both, "", "math")
    export_many(globals(), math_only, "math")
    export("truncatediv", truncatediv)
    export("truncatemod", truncatemod)
    export("complex", complex)


_export_all()
