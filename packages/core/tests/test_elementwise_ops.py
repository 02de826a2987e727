"""Hand-written tests of the public tf.math elementwise functions (elementwise_ops): values, dtypes, shapes,
error classes and messages and gradients, verified against TensorFlow 2.21 and hard-coded
here (TensorFlow is never imported by the tests)."""

from __future__ import annotations

import builtins
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tessera as tf
from tessera import errors

_NAN, _INF = float("nan"), float("inf")


def _decode(text: str):
    return eval(text, {"nan": _NAN, "inf": _INF})


def _tol(dtype: str) -> dict:
    if dtype in ("float16", "bfloat16"):
        return {"rtol": 2e-3, "atol": 1e-3}
    if dtype in ("float32", "complex64"):
        return {"rtol": 2e-6, "atol": 1e-6}
    return {"rtol": 1e-9, "atol": 1e-12}


def _check_tensor(t, dtype, shape, value) -> None:
    assert t.dtype.name == dtype
    assert list(t.shape) == shape
    got = np.asarray(t.numpy())
    want = np.asarray(_decode(value)).reshape(shape)
    if got.dtype.kind in "fc":
        np.testing.assert_allclose(got.astype(np.complex128 if got.dtype.kind == "c" else float),
                                   want, **_tol(dtype))
    else:
        np.testing.assert_array_equal(got, want)


def _run_case(expr, kind, expected) -> None:
    env = {"tf": tf}
    if kind.endswith("Error") and isinstance(expected, str):
        cls = getattr(errors, kind, None) or getattr(builtins, kind)
        with pytest.raises(cls) as info:
            eval(expr, env)
        assert str(info.value).startswith(expected), str(info.value)
        return
    out = eval(expr, env)
    if kind in ("list", "TopKV2", "ApproxTopK"):
        items = list(out)
        assert len(items) == len(expected)
        if kind != "list":
            assert type(out).__name__ == kind
            assert out.values is items[0] and out.indices is items[1]
        for t, (dtype, shape, value) in zip(items, expected):
            _check_tensor(t, dtype, shape, value)
        return
    shape, value = expected
    _check_tensor(out, kind, shape, value)


def _grad_case(expr, expected) -> None:
    n = len(expected)
    xs = [tf.constant(np.asarray(v, np.float64)) for v in GRAD_INPUTS[expr]]
    with tf.GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        y = eval(expr, {"tf": tf, **dict(zip("abc", xs))})
    grads = tape.gradient(y, xs)
    assert len(grads) == n
    for g, want in zip(grads, expected):
        if want is None:
            assert g is None
        else:
            np.testing.assert_allclose(g.numpy(), np.asarray(want, np.float64), rtol=1e-6,
                                       atol=1e-9)


# (expression, result dtype | error class | "list" | "TopKV2", expected) from TensorFlow 2.21
CASES = [
    ('tf.math.tan(tf.constant([0.5, -1.0]))', 'float32', ([2], '[0.5463024973869324, -1.5574077367782593]')),
    ('tf.math.tan(tf.constant([1, 2]))', 'InvalidArgumentError', "Value for attr 'T' of int32 is not in the list of allowed va"),
    ('tf.math.asin(tf.constant([0.5, 2.0], tf.float64))', 'float64', ([2], '[0.5235987755982989, nan]')),
    ('tf.math.acos(tf.constant([0.5, -1.0], tf.float16))', 'float16', ([2], '[1.046875, 3.140625]')),
    ('tf.math.atan(tf.constant([1+1j], tf.complex64))', 'complex64', ([1], '[(1.0172219276428223+0.4023594856262207j)]')),
    ('tf.math.sinh(tf.constant([0.5, -3.0]))', 'float32', ([2], '[0.5210952758789062, -10.017874717712402]')),
    ('tf.math.cosh(tf.constant([0.5, -3.0], tf.float64))', 'float64', ([2], '[1.1276259652063807, 10.067661995777765]')),
    ('tf.math.asinh(tf.constant([0.5, -3.0]))', 'float32', ([2], '[0.4812118411064148, -1.8184465169906616]')),
    ('tf.math.acosh(tf.constant([0.5, 3.0]))', 'float32', ([2], '[nan, 1.7627471685409546]')),
    ('tf.math.atanh(tf.constant([0.5, 1.0, 2.0]))', 'float32', ([3], '[0.5493061542510986, inf, nan]')),
    ('tf.atan2(tf.constant([1.0, -1.0]), tf.constant([-1.0, 0.0]))', 'float32', ([2], '[2.356194496154785, -1.5707963705062866]')),
    ('tf.math.atan2(1.0, tf.constant([2.0]))', 'float32', ([1], '[0.46364760398864746]')),
    ('tf.math.atan2(tf.constant([1.0]), tf.constant([2.0], tf.float64))', 'InvalidArgumentError', 'cannot compute Atan2 as input #1(zero-based) was expected to'),
    ('tf.math.atan2(tf.constant([1]), tf.constant([2]))', 'InvalidArgumentError', "Value for attr 'T' of int32 is not in the list of allowed va"),
    ('tf.math.erf([0.5, -1.5])', 'float32', ([2], '[0.5204998850822449, -0.9661051034927368]')),
    ('tf.math.erfc(tf.constant([0.5, 10.0], tf.float64))', 'float64', ([2], '[0.47950012218695337, 2.0884875837625443e-45]')),
    ('tf.math.erf(tf.constant([1], tf.int32))', 'InvalidArgumentError', "Value for attr 'T' of int32 is not in the list of allowed va"),
    ('tf.math.erfinv([0.5, -0.2])', 'float32', ([2], '[0.47693631052970886, -0.17914344370365143]')),
    ('tf.math.erfinv(tf.constant([0.5], tf.float16))', 'NotFoundError', 'Could not find device for node: {{node Erfinv}} = Erfinv[T=D'),
    ('tf.math.erfcinv([0.5, 1.5, 1.0])', 'float32', ([3], '[0.47693631052970886, -0.47693631052970886, -0.0]')),
    ('tf.math.erfcinv(tf.constant([1, 2]))', 'TypeError', 'Cannot convert 0.5 to EagerTensor of dtype int32'),
    ('tf.math.ndtri([0.1, 0.9])', 'float32', ([2], '[-1.2815515995025635, 1.2815511226654053]')),
    ('tf.math.lgamma([0.5, 3.0, -2.5])', 'float32', ([3], '[0.5723649263381958, 0.6931471824645996, -0.056243713945150375]')),
    ('tf.math.lgamma(tf.constant([0.5], tf.bfloat16))', 'NotFoundError', 'Could not find device for node: {{node Lgamma}} = Lgamma[T=D'),
    ('tf.math.lgamma(tf.constant([0.5], tf.float16))', 'float16', ([1], '[0.572265625]')),
    ('tf.math.digamma(tf.constant([0.5, 3.0, -2.5], tf.float64))', 'float64', ([3], '[-1.9635100260214227, 0.9227843350984675, 1.1031566406452433]')),
    ('tf.math.zeta([2.0, 3.0], [1.0, 2.0])', 'float32', ([2], '[1.644934058189392, 0.2020569145679474]')),
    ('tf.math.zeta(tf.constant([2.0], tf.float16), tf.constant([2.0], tf.float16))', 'InvalidArgumentError', "Value for attr 'T' of half is not in the list of allowed val"),
    ('tf.math.polygamma([1.0, 2.0], [1.5, 2.5])', 'float32', ([2], '[0.934802234172821, -0.23620404303073883]')),
    ('tf.math.igamma([1.0, 2.0], [0.5, 3.0])', 'float32', ([2], '[0.39346936345100403, 0.8008517026901245]')),
    ('tf.math.igammac(tf.constant([1.0, 2.0], tf.float64), tf.constant([0.5, 3.0], tf.float64))', 'float64', ([2], '[0.6065306597126334, 0.1991482734714558]')),
    ('tf.math.igamma(tf.constant([1.0], tf.float16), tf.constant([1.0], tf.float16))', 'NotFoundError', 'Could not find device for node: {{node Igamma}} = Igamma[T=D'),
    ('tf.math.lbeta([[1.0, 2.0], [3.0, 0.5]])', 'float32', ([2], '[-0.6931471824645996, 0.06453847885131836]')),
    ('tf.math.lbeta(tf.zeros([2, 0]))', 'float32', ([2], '[-inf, -inf]')),
    ('tf.math.lbeta(3.0)', 'InvalidArgumentError', 'Invalid reduction dimension (-1 for input with 0 dimension(s'),
    ('tf.math.betainc([1.0, 2.0], [2.0, 3.0], [0.5, 0.25])', 'float32', ([2], '[0.75, 0.26171866059303284]')),
    ('tf.math.betainc(2.0, 3.0, [0.5, 0.25])', 'float32', ([2], '[0.6875, 0.26171866059303284]')),
    ('tf.math.betainc([[1.0], [2.0]], [2.0, 3.0], 0.5)', 'InvalidArgumentError', 'Shapes of a and b are inconsistent: [2,1] vs. [2] [Op:Betain'),
    ('tf.math.betainc(tf.constant([1], tf.int32), tf.constant([1], tf.int32), tf.constant([1], tf.int32))', 'InvalidArgumentError', "Value for attr 'T' of int32 is not in the list of allowed va"),
    ('tf.math.xlogy([0.0, 2.0], [0.0, 3.0])', 'float32', ([2], '[0.0, 2.1972246170043945]')),
    ('tf.math.xdivy(tf.constant([0.0, 2.0], tf.float64), tf.constant([0.0, 3.0], tf.float64))', 'float64', ([2], '[0.0, 0.6666666666666666]')),
    ('tf.math.xlog1py([0.0, 2.0], [-1.0, 3.0])', 'float32', ([2], '[0.0, 2.7725887298583984]')),
    ('tf.math.xlogy(tf.constant([1]), tf.constant([1]))', 'InvalidArgumentError', "Value for attr 'T' of int32 is not in the list of allowed va"),
    ("tf.math.is_nan([1.0, float('nan')])", 'bool', ([2], '[False, True]')),
    ("tf.math.is_inf(tf.constant([1.0, float('inf')], tf.float16))", 'bool', ([2], '[False, True]')),
    ('tf.math.is_finite(tf.constant([1, 2]))', 'InvalidArgumentError', "Value for attr 'T' of int32 is not in the list of allowed va"),
    ('tf.math.log_sigmoid([-1000.0, 0.0, 1000.0])', 'float32', ([3], '[-1000.0, -0.6931471824645996, -0.0]')),
    ('tf.math.log_sigmoid(tf.constant([1]))', 'InvalidArgumentError', "Value for attr 'T' of int32 is not in the list of allowed va"),
    ('tf.math.rint([0.5, 1.5, -2.5])', 'float32', ([3], '[0.0, 2.0, -2.0]')),
    ('tf.math.rint(tf.constant([0.5], tf.float16))', 'NotFoundError', 'Could not find device for node: {{node Rint}} = Rint[T=DT_HA'),
    ('tf.truncatediv(tf.constant([-7, 7]), tf.constant([2, -2]))', 'int32', ([2], '[-3, -3]')),
    ('tf.truncatediv(tf.constant([1, 2]), tf.constant([0, 2]))', 'InternalError', 'Unexpected error in binary operator (only integer div and mo'),
    ('tf.truncatemod(tf.constant([-7.5, 7.5]), tf.constant([2.0, -2.0]))', 'float32', ([2], '[-1.5, 1.5]')),
    ('tf.truncatemod(tf.constant([1, 2], tf.int8), tf.constant([1, 2], tf.int8))', 'InvalidArgumentError', "Value for attr 'T' of int8 is not in the list of allowed val"),
    ('tf.truncatemod(tf.constant([1.0], tf.float16), tf.constant([1.0], tf.float16))', 'NotFoundError', 'Could not find device for node: {{node TruncateMod}} = Trunc'),
    ('tf.math.nextafter(tf.constant([1.0, 2.0]), tf.constant([0.0, 3.0]))', 'float32', ([2], '[0.9999999403953552, 2.000000238418579]')),
    ('tf.math.nextafter(tf.constant([1.0], tf.float64), tf.constant([2.0], tf.float64))', 'float64', ([1], '[1.0000000000000002]')),
    ('tf.math.nextafter(tf.constant([1.0], tf.float16), tf.constant([2.0], tf.float16))', 'InvalidArgumentError', "Value for attr 'T' of half is not in the list of allowed val"),
    ('tf.math.polyval([1.0, 2.0, 3.0], 2.0)', 'float32', ([], '11.0')),
    ('tf.math.polyval([], tf.constant([2.0, 3.0]))', 'float32', ([2], '[0.0, 0.0]')),
    ('tf.math.polyval([1, 2], tf.constant([2.0, 3.0]))', 'InvalidArgumentError', 'cannot compute Mul as input #1(zero-based) was expected to b'),
    ('tf.math.polyval(tf.constant([1.0, 2.0]), tf.constant([2.0]))', 'ValueError', "Argument coeffs must be list type. Received type <class '"),
    ('tf.math.real(tf.constant([1+2j]))', 'float64', ([1], '[1.0]')),
    ('tf.math.real(3.0)', 'float32', ([], '3.0')),
    ('tf.math.real(tf.constant([True]))', 'TypeError', 'input must be a numeric tensor, but got tensor with dtype <d'),
    ('tf.math.imag(tf.constant([1+2j], tf.complex64))', 'float32', ([1], '[2.0]')),
    ('tf.math.imag(tf.constant([1.5]))', 'float32', ([1], '[0.0]')),
    ('tf.math.imag(tf.constant([True]))', 'bool', ([1], '[False]')),
    ('tf.math.angle(tf.constant([1+1j, -1+0j]))', 'float64', ([2], '[0.7853981633974483, 3.141592653589793]')),
    ('tf.math.angle(tf.constant([1.5, -2.0, 0.0]))', 'float32', ([3], '[0.0, 3.1415927410125732, 0.0]')),
    ('tf.math.angle(tf.constant([1]))', 'TypeError', 'Cannot convert 3.141592653589793 to EagerTensor of dtype int'),
    ('tf.complex(1.0, 2.0)', 'complex64', ([], '(1+2j)')),
    ('tf.complex(tf.constant([1.0], tf.float64), tf.constant([2.0], tf.float64))', 'complex128', ([1], '[(1+2j)]')),
    ('tf.complex(tf.constant([1.0], tf.float64), tf.constant([2.0]))', 'TypeError', 'The `real` and `imag` components have incorrect types: float'),
    ('tf.complex(tf.constant([1, 2]), tf.constant([2, 3]))', 'TypeError', 'The `real` and `imag` components have incorrect types: int32'),
    ('tf.complex(tf.constant([1.0, 2.0]), tf.constant(3.0))', 'complex64', ([2], '[(1+3j), (2+3j)]')),
    ('tf.math.add_n([[1, 2], [3, 4]])', 'int32', ([2], '[4, 6]')),
    ('tf.add_n([tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0]), tf.constant([5.0, 6.0])])', 'float32', ([2], '[9.0, 12.0]')),
    ('tf.math.add_n(tf.constant([[1, 2], [3, 4]]))', 'int32', ([2], '[4, 6]')),
    ('tf.math.add_n([tf.constant([1, 2]), tf.constant([1.0, 2.0])])', 'InvalidArgumentError', 'cannot compute AddN as input #1(zero-based) was expected to '),
    ('tf.math.add_n([tf.constant([1, 2]), tf.constant([1, 2, 3])])', 'InvalidArgumentError', 'Inputs to operation AddN of type AddN must have the same siz'),
    ('tf.math.add_n([])', 'ValueError', 'Inputs must be an iterable of at least one Tensor/IndexedSli'),
    ('tf.math.add_n([tf.constant([True])] * 2)', 'InvalidArgumentError', "Value for attr 'T' of bool is not in the list of allowed val"),
    ('tf.math.accumulate_n([tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])])', 'float32', ([2], '[4.0, 6.0]')),
    ('tf.math.accumulate_n([tf.constant([1.0, 2.0])], tensor_dtype=tf.int32)', 'TypeError', "The `tensor_dtype` argument is <dtype: 'int32'>, but `input`"),
    ('tf.math.accumulate_n([tf.constant([1.0, 2.0])], shape=[3])', 'ValueError', 'Shapes (3,) and (2,) are not compatible'),
    ('tf.math.accumulate_n([])', 'ValueError', 'inputs must be a list of at least one Tensor with the same d'),
    ('tf.math.scalar_mul(2, tf.constant([1.0, 2.0]))', 'float32', ([2], '[2.0, 4.0]')),
    ('tf.scalar_mul(2.5, tf.constant([1, 2]))', 'TypeError', 'Cannot convert 2.5 to EagerTensor of dtype int32'),
    ('tf.math.scalar_mul([2.0, 3.0], tf.constant([1.0, 2.0]))', 'ValueError', 'The input scalar must be a 0-D value. Received shape (2,).'),
    ("tf.math.multiply_no_nan([float('nan'), 2.0], [0.0, 3.0])", 'float32', ([2], '[0.0, 6.0]')),
    ('tf.math.multiply_no_nan(tf.constant([1]), tf.constant([1]))', 'InvalidArgumentError', "Value for attr 'T' of int32 is not in the list of allowed va"),
    ('tf.math.reciprocal_no_nan([0.0, 2.0])', 'float32', ([2], '[0.0, 0.5]')),
    ('tf.math.reciprocal_no_nan(tf.constant([1, 2]))', 'InvalidArgumentError', "Value for attr 'T' of int32 is not in the list of allowed va"),
    ('tf.math.reciprocal_no_nan(tf.constant([True]))', 'TypeError', 'Cannot convert 1 to EagerTensor of dtype bool'),
    ('tf.math.bessel_i0([0.5, -3.0])', 'float32', ([2], '[1.063483476638794, 4.88079309463501]')),
    ('tf.math.bessel_i0e(tf.constant([0.5, -3.0], tf.float64))', 'float64', ([2], '[0.6450352704491502, 0.24300035416182536]')),
    ('tf.math.bessel_i1([0.5, -3.0])', 'float32', ([2], '[0.2578943371772766, -3.953371047973633]')),
    ('tf.math.bessel_i1e(tf.constant([0.5, -3.0], tf.float16))', 'float16', ([2], '[0.1563720703125, -0.19677734375]')),
    ('tf.math.bessel_i1e(tf.constant([0.5], tf.bfloat16))', 'NotFoundError', 'Could not find device for node: {{node BesselI1e}} = BesselI'),
    ('', 'SyntaxError', 'invalid syntax (<string>, line 0)'),
]


@pytest.mark.parametrize("expr, kind, expected", CASES, ids=[c[0] for c in CASES])
def test_matches_tensorflow(expr, kind, expected):
    _run_case(expr, kind, expected)


# d sum(expr) / d inputs, from TensorFlow's GradientTape
GRADS = [
    ('tf.math.tan(a)', [[1.095688915322547, 1.468043172527957]]),
    ('tf.math.asin(a)', [[1.0482848367219182, 1.25]]),
    ('tf.math.acos(a)', [[-1.0482848367219182, -1.25]]),
    ('tf.math.atan(a)', [[0.9174311926605504, 0.12886597938144329]]),
    ('tf.math.sinh(a)', [[1.0453385141288605, 6.769005806608012]]),
    ('tf.math.cosh(a)', [[0.3045202934471426, -6.694732228393679]]),
    ('tf.math.asinh(a)', [[0.9578262852211513, 0.35897907930886896]]),
    ('tf.math.acosh(a)', [[1.2038585308576921, 0.4166666666666667]]),
    ('tf.math.atanh(a)', [[1.0989010989010988, 1.5625]]),
    ('tf.math.atan2(a, b)', [[0.6410256410256411, -0.4587155963302752], [-0.12820512820512822, 0.13761467889908255]]),
    ('tf.math.erf(a)', [[1.031260909618963, 0.08722905863394531]]),
    ('tf.math.erfc(a)', [[-1.031260909618963, -0.08722905863394531]]),
    ('tf.math.erfinv(a)', [[0.9545203588405493, 1.2628624281411842]]),
    ('tf.math.erfcinv(a)', [[-1.516363217333765, -1.2628624281411842]]),
    ('tf.math.ndtri(a)', [[2.876103659264292, 5.698059856117003]]),
    ('tf.math.lgamma(a)', [[-3.502524222200133, -0.2697178779184506, 1.2561176684318007]]),
    ('tf.math.digamma(a)', [[12.245364546107734, 10.443759368307377, 0.28382295573711525]]),
    ('tf.math.bessel_i0(a)', [[0.15169384000359282, -1.0848106351298794, 1.4707396163259354e+16]]),
    ('tf.math.bessel_i0e(a)', [[-0.645203064542709, 0.13429550780505206, -0.0007960508007932715]]),
    ('tf.math.bessel_i1(a)', [[0.5169807460062877, 1.071973992782735, 0.5]]),
    ('tf.math.bessel_i1e(a)', [[0.2706111957432463, -0.002591673392631222, 0.5]]),
    ('tf.math.zeta(a, b)', [None, [-0.7677404111428354, -12.939574839213872]]),
    ('tf.math.polygamma(a, b)', [None, [-0.8287966442343201, 25.879149678427744]]),
    ('tf.math.igamma(a, b)', [[-0.23019434201736053, -0.05667514282108414, -0.09717797203717947], [0.10278688653584618, 0.12166339942889534, 0.08736437990304947]]),
    ('tf.math.igammac(a, b)', [[0.23019434201736053, 0.05667514282108414, 0.09717797203717947], [-0.10278688653584618, -0.12166339942889534, -0.08736437990304947]]),
    ('tf.math.betainc(a, b, c)', [None, None, [0.9724527652599994, 1.6662942864556312]]),
    ('tf.math.lbeta(a)', [[[-3.066666666666666, -0.18037230554677586], [-0.5078034627625683, -1.7643169904390796]]]),
    ('tf.math.xlogy(a, b)', [[0.0, -0.35667494393873245], [0.0, 4.285714285714286]]),
    ('tf.math.xdivy(a, b)', [[0.0, 1.4285714285714286], [0.0, -6.122448979591837]]),
    ('tf.math.xlog1py(a, b)', [[0.0, 0.5306282510621704], [0.0, 1.7647058823529411]]),
    ('tf.math.multiply_no_nan(a, b)', [[0.0, 0.7], [2.0, 3.0]]),
    ('tf.math.reciprocal_no_nan(a)', [[0.0, -0.1111111111111111]]),
    ('tf.math.log_sigmoid(a)', [[0.9525741268224333, 0.5, 1.9287498479639178e-22]]),
    ('tf.math.nextafter(a, b)', [[1.0, 1.0], [0.0, 0.0]]),
    ('tf.math.polyval([a, b, a], b)', [[1.25, 1.49], [3.0, 5.6]]),
    ('tf.math.add_n([a, b, a])', [[2.0, 2.0], [1.0, 1.0]]),
    ('tf.math.scalar_mul(2.0, a)', [[2.0, 2.0]]),
    ('tf.math.real(tf.complex(a, b)) * 3 + tf.math.imag(tf.complex(a, b)) * 5', [[3.0, 3.0], [5.0, 5.0]]),
    ('tf.math.angle(tf.complex(a, b))', [[-0.11764705882352941, -0.07376185458377238], [0.47058823529411764, -0.3161222339304531]]),
]

GRAD_INPUTS = {
    'tf.math.tan(a)': [[0.3, -0.6]],
    'tf.math.asin(a)': [[0.3, -0.6]],
    'tf.math.acos(a)': [[0.3, -0.6]],
    'tf.math.atan(a)': [[0.3, -2.6]],
    'tf.math.sinh(a)': [[0.3, -2.6]],
    'tf.math.cosh(a)': [[0.3, -2.6]],
    'tf.math.asinh(a)': [[0.3, -2.6]],
    'tf.math.acosh(a)': [[1.3, 2.6]],
    'tf.math.atanh(a)': [[0.3, -0.6]],
    'tf.math.atan2(a, b)': [[0.3, -0.6], [1.5, -2.0]],
    'tf.math.erf(a)': [[0.3, -1.6]],
    'tf.math.erfc(a)': [[0.3, -1.6]],
    'tf.math.erfinv(a)': [[0.3, -0.6]],
    'tf.math.erfcinv(a)': [[0.3, 1.6]],
    'tf.math.ndtri(a)': [[0.3, 0.9]],
    'tf.math.lgamma(a)': [[0.3, -1.6, 4.0]],
    'tf.math.digamma(a)': [[0.3, -1.6, 4.0]],
    'tf.math.bessel_i0(a)': [[0.3, -1.6, 40.0]],
    'tf.math.bessel_i0e(a)': [[0.3, -1.6, 40.0]],
    'tf.math.bessel_i1(a)': [[0.3, -1.6, 0.0]],
    'tf.math.bessel_i1e(a)': [[0.3, -1.6, 0.0]],
    'tf.math.zeta(a, b)': [[2.5, 3.0], [1.5, 0.7]],
    'tf.math.polygamma(a, b)': [[1.0, 2.0], [1.5, 0.7]],
    'tf.math.igamma(a, b)': [[0.5, 3.0, 10.0], [1.5, 0.7, 12.0]],
    'tf.math.igammac(a, b)': [[0.5, 3.0, 10.0], [1.5, 0.7, 12.0]],
    'tf.math.betainc(a, b, c)': [[0.5, 3.0], [1.5, 0.7], [0.3, 0.8]],
    'tf.math.lbeta(a)': [[[0.5, 3.0], [1.5, 0.7]]],
    'tf.math.xlogy(a, b)': [[0.0, 3.0], [1.5, 0.7]],
    'tf.math.xdivy(a, b)': [[0.0, 3.0], [1.5, 0.7]],
    'tf.math.xlog1py(a, b)': [[0.0, 3.0], [1.5, 0.7]],
    'tf.math.multiply_no_nan(a, b)': [[2.0, 3.0], [0.0, 0.7]],
    'tf.math.reciprocal_no_nan(a)': [[0.0, 3.0]],
    'tf.math.log_sigmoid(a)': [[-3.0, 0.0, 50.0]],
    'tf.math.nextafter(a, b)': [[2.0, 3.0], [0.0, 0.7]],
    'tf.math.polyval([a, b, a], b)': [[2.0, 3.0], [0.5, 0.7]],
    'tf.math.add_n([a, b, a])': [[2.0, 3.0], [0.5, 0.7]],
    'tf.math.scalar_mul(2.0, a)': [[2.0, 3.0]],
    'tf.math.real(tf.complex(a, b)) * 3 + tf.math.imag(tf.complex(a, b)) * 5': [[2.0, 3.0], [0.5, 0.7]],
    'tf.math.angle(tf.complex(a, b))': [[2.0, -3.0], [0.5, 0.7]],
}


@pytest.mark.parametrize("expr, expected", GRADS, ids=[g[0] for g in GRADS])
def test_gradient_matches_tensorflow(expr, expected):
    _grad_case(expr, expected)


# ---- accuracy of the special functions (float64) against independent references ------------
def _grid(lo, hi, n=801):
    return np.linspace(lo, hi, n)


@pytest.mark.parametrize("name, ref, xs", [
    ("lgamma", math.lgamma, np.concatenate([_grid(0.01, 40), _grid(-9.9, -0.1) + 0.013,
                                            np.logspace(-200, 200, 81)])),
    ("erf", math.erf, np.concatenate([_grid(-6, 6), np.logspace(-300, 0.7, 81)])),
    ("erfc", math.erfc, np.concatenate([_grid(-6, 26), np.logspace(-300, 0.7, 81)])),
])
def test_special_functions_match_python_math(name, ref, xs):
    got = getattr(tf.math, name)(tf.constant(xs)).numpy()
    want = np.array([ref(v) for v in xs])
    # relative accuracy, or absolute near the zeros of lgamma (x = 1, 2)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)


def test_bessel_i0_matches_numpy_i0():
    xs = np.concatenate([_grid(-60, 60), np.logspace(-12, 2.8, 60)])
    np.testing.assert_allclose(tf.math.bessel_i0(xs).numpy(), np.i0(xs), rtol=1e-13)
    np.testing.assert_allclose(tf.math.bessel_i0e(xs).numpy(), np.i0(xs) * np.exp(-np.abs(xs)),
                               rtol=1e-13)


def test_bessel_i1_is_the_derivative_of_i0():
    x = tf.constant(_grid(-20, 20, 41))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.math.bessel_i0(x)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), tf.math.bessel_i1(x).numpy(),
                               rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.floats(-3.0, 3.0))
def test_erfinv_inverts_erf(x):
    # (beyond |x| = 3, 1 - erf(x) keeps too few digits in float64 to invert precisely)
    y = tf.math.erf(tf.constant(x, tf.float64))
    assert tf.math.erfinv(y).numpy() == pytest.approx(x, rel=1e-10, abs=1e-13)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.5, 26.0))
def test_erfcinv_inverts_erfc_in_the_tail(x):
    c = math.erfc(x)
    assert tf.math.erfcinv(tf.constant(c, tf.float64)).numpy() == pytest.approx(x, rel=1e-10)


@settings(max_examples=25, deadline=None)
@given(st.floats(-37.0, 3.0))
def test_ndtri_inverts_the_normal_cdf(x):
    p = 0.5 * math.erfc(-x / math.sqrt(2))
    assert tf.math.ndtri(tf.constant(p, tf.float64)).numpy() == pytest.approx(x, rel=1e-9,
                                                                                abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.floats(-30.0, 60.0).filter(lambda v: abs(v - round(v)) > 1e-3))
def test_digamma_recurrence(x):
    # psi(x + 1) = psi(x) + 1/x
    d = tf.math.digamma(tf.constant([x, x + 1.0], tf.float64)).numpy()
    assert d[1] == pytest.approx(d[0] + 1.0 / x, rel=1e-10, abs=1e-10)


def test_zeta_and_polygamma_closed_forms():
    z = tf.math.zeta(tf.constant([2.0, 4.0], tf.float64), tf.constant([1.0, 1.0], tf.float64))
    np.testing.assert_allclose(z.numpy(), [math.pi ** 2 / 6, math.pi ** 4 / 90], rtol=1e-14)
    trigamma = tf.math.polygamma(tf.constant(1.0, tf.float64), tf.constant(0.5, tf.float64))
    assert trigamma.numpy() == pytest.approx(math.pi ** 2 / 2, rel=1e-14)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.05, 50.0), st.floats(0.05, 80.0))
def test_igamma_and_igammac_are_complementary(a, x):
    p = tf.math.igamma(tf.constant(a, tf.float64), tf.constant(x, tf.float64)).numpy()
    q = tf.math.igammac(tf.constant(a, tf.float64), tf.constant(x, tf.float64)).numpy()
    assert p + q == pytest.approx(1.0, abs=1e-12)
    if a == 1.0:
        assert p == pytest.approx(-math.expm1(-x))


@settings(max_examples=25, deadline=None)
@given(st.floats(0.1, 30.0), st.floats(0.1, 30.0), st.floats(0.001, 0.999))
def test_betainc_symmetry(a, b, x):
    f = tf.math.betainc
    c = tf.constant
    lhs = f(c(a, tf.float64), c(b, tf.float64), c(x, tf.float64)).numpy()
    rhs = 1.0 - f(c(b, tf.float64), c(a, tf.float64), c(1.0 - x, tf.float64)).numpy()
    assert lhs == pytest.approx(rhs, abs=1e-12)


# ---- second order where TF defines the gradient for some inputs only -------------------------
@pytest.mark.parametrize("fn, fixed, var", [
    (lambda n, x: tf.math.zeta(n, x), [2.5, 3.0], [0.7, 1.9]),
    (lambda n, x: tf.math.polygamma(n, x), [1.0, 2.0], [0.7, 1.9]),
    (lambda a, x: tf.math.igamma(a, x), [0.8, 3.0], [0.7, 1.9]),
    (lambda a, x: tf.math.igammac(a, x), [0.8, 3.0], [0.7, 1.9]),
])
def test_second_derivative_in_the_differentiable_input(fn, fixed, var):
    a = tf.constant(np.array(fixed))
    x0 = np.array(var)

    def first(xv):
        x = tf.constant(xv)
        with tf.GradientTape() as t:
            t.watch(x)
            y = fn(a, x)
        return t.gradient(y, x)

    x = tf.constant(x0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = fn(a, x)
        g = inner.gradient(y, x)
    second = outer.gradient(g, x).numpy()
    eps = 1e-6
    numeric = (first(x0 + eps).numpy() - first(x0 - eps).numpy()) / (2 * eps)
    np.testing.assert_allclose(second, numeric, rtol=1e-5, atol=1e-7)


def test_partial_gradients_are_none_as_in_tensorflow():
    n, x = tf.constant([2.0, 3.0]), tf.constant([1.5, 0.5])
    with tf.GradientTape(persistent=True) as t:
        t.watch([n, x])
        z = tf.math.zeta(n, x)
        p = tf.math.polygamma(n, x)
        b = tf.math.betainc(n, n, tf.constant([0.3, 0.6]))
    assert t.gradient(z, n) is None and t.gradient(z, x) is not None
    assert t.gradient(p, n) is None and t.gradient(p, x) is not None
    assert t.gradient(b, n) is None


# ---- ONNX twins and traced functions ---------------------------------------------------------
def _run_onnx(op_name, *arrays):
    import onnxruntime as ort

    from tessera._framework.op import CORE_OPS
    from tessera._onnx.builder import OnnxBuilder, to_model

    op = CORE_OPS[op_name]
    b = OnnxBuilder()
    names = []
    for i, a in enumerate(arrays):
        b.dtypes[f"x{i}"], b.shapes[f"x{i}"] = a.dtype, a.shape
        names.append(f"x{i}")
    out = op.onnx(b, *names)
    want = op.kernel(*arrays)
    model = to_model(b, [(n, a.dtype, a.shape) for n, a in zip(names, arrays)],
                     [(out, want.dtype, want.shape)])
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run([out], dict(zip(names, arrays)))[0], want


@pytest.mark.parametrize("op_name, lo, hi", [
    ("Lgamma", -8.0, 30.0), ("Digamma", -8.0, 30.0), ("Erf", -7.0, 7.0), ("Erfc", -3.0, 27.0),
    ("Erfinv", -0.999999, 0.999999), ("Ndtri", 1e-12, 1 - 1e-12), ("BesselI1", -50.0, 50.0),
    ("Atan", -50.0, 50.0), ("Asinh", -50.0, 50.0), ("Atanh", -0.99, 0.99),
])
def test_onnx_formula_twin_over_a_range(op_name, lo, hi):
    pytest.importorskip("onnxruntime")
    xs = np.linspace(lo, hi, 1001)
    got, want = _run_onnx(op_name, xs)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_ops_trace_in_tf_function():
    f = tf.function(lambda x: tf.math.lgamma(x) + tf.math.erf(x) * tf.math.bessel_i0e(x))
    x = tf.constant([0.5, 1.5, 3.0])
    np.testing.assert_allclose(f(x).numpy(), (tf.math.lgamma(x) + tf.math.erf(x)
                                              * tf.math.bessel_i0e(x)).numpy(), rtol=1e-6)
