"""tf.nn activations, softmax family, losses, normalization and embedding lookup: values,
dtypes, gradients and error messages as TensorFlow 2.21 gives them (expected values were
computed with real TF and are hard-coded here)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tessera as tf

X6 = [-2.0, -0.5, 0.0, 0.5, 3.0, 7.0]
W23 = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
LOGITS = [[1.0, 2.0, 3.0], [1.0, 1.0, 5.0]]
LABELS = [[0.0, 0.0, 1.0], [0.5, 0.5, 0.0]]


def check(t, expected, dtype="float32", rtol=1e-5, atol=1e-6):
    assert t.dtype.name == dtype, t.dtype
    expected = np.asarray(expected)
    assert tuple(t.shape.as_list()) == expected.shape
    np.testing.assert_allclose(np.asarray(t, np.float64), expected.astype(np.float64), rtol=rtol,
                               atol=atol)


def raises(cls, msg):
    return pytest.raises(cls, match="^" + re.escape(msg) + "$")


def grad_of(fn, x, weights=None):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
        if weights is not None:
            y = y * tf.constant(weights)
    return tape.gradient(y, x)


# ---- activations ---------------------------------------------------------------------------
@pytest.mark.parametrize("fn, expected", [
    (tf.nn.relu, [0, 0, 0, 0.5, 3, 7]),
    (tf.nn.relu6, [0, 0, 0, 0.5, 3, 6]),
    (tf.nn.elu, [-0.86466473, -0.39346933, 0, 0.5, 3, 7]),
    (tf.nn.selu, [-1.52016652, -0.69175816, 0, 0.52535051, 3.15210295, 7.35490704]),
    (tf.nn.gelu, [-0.04550026, -0.15426877, 0, 0.34573123, 2.99595022, 7]),
    (lambda x: tf.nn.gelu(x, approximate=True),
     [-0.04540223, -0.154286, 0, 0.345714, 2.99636269, 7]),
    (tf.nn.leaky_relu, [-0.4, -0.1, 0, 0.5, 3, 7]),
    (lambda x: tf.nn.leaky_relu(x, alpha=0.5), [-1, -0.25, 0, 0.5, 3, 7]),
    (lambda x: tf.nn.leaky_relu(x, alpha=2), [-4, -1, 0, 0.5, 3, 7]),
    (lambda x: tf.nn.leaky_relu(x, alpha=np.array(0.3)), [-0.6, -0.15, 0, 0.5, 3, 7]),
    (tf.nn.silu, [-0.23840584, -0.18877034, 0, 0.31122968, 2.85772228, 6.99362278]),
    (lambda x: tf.nn.swish(x, beta=2.0),
     [-0.03597242, -0.13447072, 0, 0.3655293, 2.99258208, 6.99999428]),
    (lambda x: tf.nn.silu(x, beta=tf.constant(2.0)),
     [-0.03597242, -0.13447072, 0, 0.3655293, 2.99258208, 6.99999428]),
    (tf.nn.softplus, [0.126928, 0.47407699, 0.69314718, 0.97407699, 3.04858732, 7.00091171]),
    (tf.nn.softsign, [-0.66666669, -0.33333334, 0, 0.33333334, 0.75, 0.875]),
    (tf.nn.crelu, [0, 0, 0, 0.5, 3, 7, 2, 0.5, 0, 0, 0, 0]),
    (tf.nn.sigmoid, [0.11920292, 0.37754068, 0.5, 0.62245935, 0.95257413, 0.99908894]),
    (tf.nn.tanh, [-0.9640276, -0.46211714, 0, 0.46211714, 0.9950547, 0.99999833]),
])
def test_activation_values(fn, expected):
    check(fn(tf.constant(X6)), expected)


def test_activation_dtypes():
    check(tf.nn.relu(tf.constant([-2, 0, 3])), [0, 0, 3], "int32")
    check(tf.nn.relu(tf.constant([-2, 0, 3], tf.int8)), [0, 0, 3], "int8")
    check(tf.nn.relu([1.0, -2]), [1, 0])
    check(tf.nn.relu6(tf.constant([254, 0, 3], tf.uint8)), [6, 0, 3], "uint8")
    check(tf.nn.relu6(tf.constant([-2, 0, 9], tf.int64)), [0, 0, 6], "int64")
    check(tf.nn.leaky_relu(tf.constant([-2, 0, 3])), [-0.4, 0, 3])  # ints become float32
    check(tf.nn.elu(tf.constant([-2.0, 0.0, 3.0], tf.float16)), [-0.8647, 0, 3], "float16",
          rtol=1e-3)
    check(tf.nn.selu(tf.constant([-2.0, 3.0], tf.float64)), [-1.52016647, 3.15210296],
          "float64")
    check(tf.nn.crelu(tf.constant([-2, 0, 3])), [0, 0, 3, 2, 0, 0], "int32")
    check(tf.nn.crelu(tf.constant([[1.0, -2.0], [3.0, -4.0]]), axis=0),
          [[1, 0], [3, 0], [0, 2], [0, 4]])


def test_relu_keeps_negative_zero_and_nan():
    out = tf.nn.relu(tf.constant([-0.0, np.nan])).numpy()
    assert np.signbit(out[0]) and np.isnan(out[1])
    assert np.isnan(tf.nn.relu6(tf.constant([np.nan])).numpy()[0])
    check(tf.nn.elu(tf.constant([-np.inf, np.inf])), [-1, np.inf])


def test_softplus_thresholds_match_tf():
    check(tf.nn.softplus(tf.constant([-100.0, -20.0, -13.0, 13.0, 20.0, 100.0, 1000.0],
                                     tf.float64)),
          [3.72007598e-44, 2.06115362e-09, 2.26032685e-06, 1.30000023e+01, 20, 100, 1000],
          "float64", rtol=1e-8)
    check(tf.nn.softplus(tf.constant([-20.0, -14.0, -13.0, 13.0, 14.0, 20.0, 100.0])),
          [2.06115369e-09, 8.31528723e-07, 2.26032694e-06, 13.0000019, 14, 20, 100])


def test_gelu_is_precise_far_in_the_tails():
    # TF gives [-7.61986619e-23, -0., 40., -1.04442649e-07, 5.00398942e-04]: its erfc is off
    # by ~2e-6 relative in the far tail; these are 0.5 * x * math.erfc(-x / sqrt(2)).
    x = np.array([-10.0, -40.0, 40.0, -5.5, 1e-3])
    check(tf.nn.gelu(x), [0.5 * v * math.erfc(-v / math.sqrt(2)) for v in x], "float64",
          rtol=1e-12, atol=0)


@pytest.mark.parametrize("fn, expected", [
    (tf.nn.relu, [[0, 0, 3], [4, 5, 6]]),
    (tf.nn.relu6, [[0, 0, 3], [4, 5, 0]]),
    (tf.nn.elu, [[0.13533527, 1.21306133, 3], [4, 5, 6]]),
    (tf.nn.selu, [[0.2379328, 2.13268232, 3.15210295], [4.20280409, 5.25350523, 6.30420589]]),
    (tf.nn.gelu, [[-0.08523182, 0.26500976, 2.19698334], [3.46998048, 5.05972815, 6]]),
    (tf.nn.leaky_relu, [[0.2, 0.4, 3], [4, 5, 6]]),
    (tf.nn.silu, [[-0.09078425, 0.52007765, 1.94334018], [2.95984483, 5.44052076, 6.03276348]]),
    (tf.nn.softplus, [[0.11920292, 0.75508136, 1.72332764], [2.48983741, 4.76287079,
                                                             5.99453354]]),
    (tf.nn.softsign, [[0.11111111, 0.8888889, 1.77514815], [1.77777779, 0.3125, 0.09375]]),
    (tf.nn.softmax, [[-0.10226747, -0.16836418, 0.27063155], [-0.00291762, -0.01758418,
                                                               0.02050202]]),
    (tf.nn.log_softmax, [[0.61179799, 0.26019943, -0.87199759], [3.97788668, 4.73060465,
                                                                 -8.70849228]]),
])
def test_activation_gradients(fn, expected):
    g = grad_of(fn, [[-2.0, -0.5, 0.3], [0.5, 3.0, 7.0]], W23)
    check(g, expected, rtol=1e-4, atol=1e-6)


def test_gradients_at_kinks_follow_tf():
    x = [0.0, 6.0]
    check(grad_of(tf.nn.relu, x), [0, 1])
    check(grad_of(tf.nn.relu6, x), [0, 0])
    check(grad_of(tf.nn.elu, [0.0]), [1])
    check(grad_of(tf.nn.leaky_relu, [0.0]), [0.2])


def test_activation_dtype_errors():
    with raises(tf.errors.InvalidArgumentError,
                "Value for attr 'T' of bool is not in the list of allowed values: float, double, "
                "int32, uint8, int16, int8, int64, bfloat16, uint16, half, uint32, uint64, "
                "qint8\n\t; NodeDef: {{node Relu}} [Op:Relu] name: "):
        tf.nn.relu(tf.constant([True]))
    with raises(tf.errors.InvalidArgumentError,
                "Value for attr 'T' of int32 is not in the list of allowed values: half, "
                "bfloat16, float, double\n\t; NodeDef: {{node Elu}} [Op:Elu] name: "):
        tf.nn.elu(tf.constant([1]))
    for fn, op in [(tf.nn.selu, "Selu"), (tf.nn.softplus, "Softplus"),
                   (tf.nn.softsign, "Softsign"), (tf.nn.softmax, "Softmax"),
                   (tf.nn.log_softmax, "LogSoftmax"), (tf.nn.l2_loss, "L2Loss")]:
        with pytest.raises(tf.errors.InvalidArgumentError, match=f"node {op}"):
            fn(tf.constant([1, 2]))
    with raises(ValueError, "`features.dtype` must be a floating point tensor."
                            "Received:features.dtype=<dtype: 'int32'>"):
        tf.nn.gelu(tf.constant([1]))
    with raises(TypeError, "Expected float for argument 'alpha' not "
                           f"{tf.constant(0.3)!r}."):
        tf.nn.leaky_relu(tf.constant([1.0]), alpha=tf.constant(0.3))
    with pytest.raises(tf.errors.InvalidArgumentError, match="node Sigmoid"):
        tf.nn.silu(tf.constant([1]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="node Neg"):
        tf.nn.crelu(tf.constant([1], tf.uint8))


# ---- softmax / log_softmax -----------------------------------------------------------------
def test_softmax_values_and_axes():
    check(tf.nn.softmax(tf.constant([1.0, 2.0, 3.0])), [0.09003057, 0.24472848, 0.66524094])
    m = tf.constant([[1.0, 2.0], [3.0, 5.0]])
    expected = [[0.11920291, 0.04742587], [0.88079703, 0.95257413]]
    check(tf.nn.softmax(m, axis=0), expected)
    check(tf.nn.softmax(m, axis=-2), expected)
    check(tf.nn.softmax(m, axis=tf.constant(0)), expected)
    x = tf.reshape(tf.range(12.0), [2, 3, 2]) / 4
    check(tf.nn.softmax(x, axis=1), [[[0.18632375] * 2, [0.30719587] * 2, [0.5064804] * 2]] * 2)
    check(tf.nn.softmax(tf.constant([1000.0, 0.0])), [1, 0])
    check(tf.nn.log_softmax(tf.constant([1000.0, 0.0, -1000.0])), [0, -1000, -2000])
    check(tf.nn.softmax(tf.zeros([0, 3])), np.zeros((0, 3)))
    check(tf.nn.softmax(tf.constant([1.0, 2.0, 3.0], tf.float64)),
          [0.09003057, 0.24472847, 0.66524096], "float64")
    check(tf.nn.log_softmax(tf.constant([-2.0, 0.0, 3.0], tf.float16)),
          [-5.05498524, -3.05498524, -0.05498524], "float16", rtol=2e-3, atol=1e-3)
    assert tf.math.softmax is tf.nn.softmax and tf.math.log_softmax is tf.nn.log_softmax


def test_softmax_errors():
    m = tf.constant([[1.0, 2.0], [3.0, 5.0]])
    msg = ("`dim` must be in the range [-2, 2) where 2 is the number of dimensions in the "
           "input. Received: dim={}")
    with raises(tf.errors.InvalidArgumentError, msg.format(5)):
        tf.nn.softmax(m, axis=5)
    with raises(tf.errors.InvalidArgumentError, msg.format(-3)):
        tf.nn.log_softmax(m, axis=-3)
    with raises(tf.errors.InvalidArgumentError,
                "logits must have >= 1 dimension, got [] [Op:LogSoftmax] name: "):
        tf.nn.log_softmax(tf.constant(2.0))


def test_softmax_second_order():
    x = tf.constant([[0.5, -1.0, 2.0]])
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.nn.softmax(x) * tf.constant([[1.0, 2.0, 3.0]])
        g = inner.gradient(y, x)
        s = tf.reduce_sum(g * g)
    gg = outer.gradient(s, x)
    # central differences of the first-order gradient
    def first(v):
        xv = tf.constant(v)
        with tf.GradientTape() as t:
            t.watch(xv)
            yv = tf.nn.softmax(xv) * tf.constant([[1.0, 2.0, 3.0]], tf.float64)
        gv = t.gradient(yv, xv).numpy()
        return float(np.sum(gv * gv))
    base = np.array([[0.5, -1.0, 2.0]])
    num = np.zeros_like(base)
    for j in range(3):
        e = np.zeros_like(base)
        e[0, j] = 1e-6
        num[0, j] = (first(base + e) - first(base - e)) / 2e-6
    np.testing.assert_allclose(gg.numpy(), num, rtol=1e-3, atol=1e-5)


# ---- bias_add ------------------------------------------------------------------------------
def test_bias_add():
    x = tf.reshape(tf.range(24.0), [2, 3, 4])
    check(tf.nn.bias_add(x, [1.0, 2.0, 3.0, 4.0]),
          np.arange(24.0).reshape(2, 3, 4) + [1, 2, 3, 4])
    nchw = np.arange(24.0).reshape(2, 3, 4) + np.array([1, 2, 3])[:, None]
    for fmt in ("NCHW", "NCW", "NCDHW"):
        check(tf.nn.bias_add(x, [1.0, 2.0, 3.0], data_format=fmt), nchw)
    check(tf.nn.bias_add(x, [1.0, 2.0, 3.0, 4.0], data_format="NWC"),
          np.arange(24.0).reshape(2, 3, 4) + [1, 2, 3, 4])
    check(tf.nn.bias_add(tf.ones([1, 2, 2, 2]), [1.0, 2.0], data_format="NCHW"),
          [[[[2, 2], [2, 2]], [[3, 3], [3, 3]]]])
    check(tf.nn.bias_add(tf.ones([2, 2]), [1.0, 2.0], data_format="NCHW"), [[2, 3], [2, 3]])
    check(tf.nn.bias_add(tf.constant([[1, 2]]), [1, 2]), [[2, 4]], "int32")
    check(tf.nn.bias_add(tf.constant([[250]], tf.uint8), tf.constant([10], tf.uint8)), [[4]],
          "uint8")


def test_bias_add_gradient():
    x = tf.reshape(tf.range(24.0), [2, 3, 4])
    b = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as t:
        t.watch(b)
        t.watch(x)
        y = tf.nn.bias_add(x, b, data_format="NCHW") * x
    check(t.gradient(y, b), [60, 92, 124])
    check(t.gradient(y, x), 2 * np.arange(24.0).reshape(2, 3, 4) + np.array([1, 2, 3])[:, None])


def test_bias_add_errors():
    x = tf.reshape(tf.range(24.0), [2, 3, 4])
    with raises(ValueError, "`data_format` must be of the form `N...C` or `NC...`. Received: "
                            "data_format=XYZ"):
        tf.nn.bias_add(x, [1.0, 2.0, 3.0, 4.0], data_format="XYZ")
    with raises(tf.errors.InvalidArgumentError,
                "Must provide as many biases as the last dimension of the input tensor: [3] vs. "
                "[2,3,4] [Op:BiasAdd]"):
        tf.nn.bias_add(x, [1.0, 2.0, 3.0])
    with raises(tf.errors.InvalidArgumentError,
                "Must provide as many biases as the last dimension of the input tensor: [4] vs. "
                "[2,3,4] [Op:BiasAdd]"):
        tf.nn.bias_add(x, [1.0, 2.0, 3.0, 4.0], data_format="NCHW")
    with raises(tf.errors.InvalidArgumentError, "Biases must be 1D: [1,4] [Op:BiasAdd]"):
        tf.nn.bias_add(x, [[1.0, 2.0, 3.0, 4.0]])
    with raises(tf.errors.InvalidArgumentError,
                "Input tensor must be at least 2D: [2] [Op:BiasAdd]"):
        tf.nn.bias_add(tf.constant([1.0, 2.0]), [1.0, 2.0])
    with raises(tf.errors.InvalidArgumentError,
                "cannot compute BiasAdd as input #1(zero-based) was expected to be a float "
                "tensor but is a int32 tensor [Op:BiasAdd] name: "):
        tf.nn.bias_add(tf.constant([[1.0, 2.0]]), tf.constant([1, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="of bool is not in the list"):
        tf.nn.bias_add(tf.constant([[True]]), tf.constant([True]))


# ---- softmax cross entropy -----------------------------------------------------------------
def test_softmax_cross_entropy_values():
    xent = tf.nn.softmax_cross_entropy_with_logits
    lg, lb = tf.constant(LOGITS), tf.constant(LABELS)
    check(xent(lb, lg), [0.40760595, 4.03597641])
    check(xent(labels=lb, logits=lg, axis=1), [0.40760595, 4.03597641])
    check(xent(lb, lg, axis=0), [0.34657359, 0.65663081, 2.12692809])
    check(xent([0.0, 1.0], [1.0, 2.0]), 0.31326166)
    check(xent([[0, 1]], [[1.0, 2.0]]), [0.31326166])  # labels converted to logits' dtype
    check(xent(tf.constant([[0.2, 0.3, 0.5]]), lg), [1.10760593, 2.03597641])
    check(xent(tf.constant([0.2, 0.3, 0.5]), lg), [1.10760593, 2.03597641])
    check(xent(tf.ones([1, 2, 3]) / 3, lg), [1.40760601, 2.70264292])
    check(xent(tf.ones([2, 3], tf.float64), lg), [4.2228179, 8.10792923])
    check(xent([[0.0, 1.0]], [[1000.0, 2.0]]), [998])
    check(xent(tf.constant([[0.2, 0.8]], tf.float16), tf.constant([[1000.0, 2.0]], tf.float16)),
          [798], "float16")
    check(xent(tf.ones([0, 2]), tf.ones([0, 2])), np.zeros((0,)))
    check(xent(tf.ones([2, 0]), tf.ones([2, 0])), [0, 0])
    x3 = tf.reshape(tf.range(24.0), [2, 3, 4])
    check(xent(x3 / 100, x3 / 7, axis=1).shape.as_list() and xent(x3 / 100, x3 / 7, axis=1),
          xent(tf.transpose(x3 / 100, [0, 2, 1]), tf.transpose(x3 / 7, [0, 2, 1])).numpy())


def test_softmax_cross_entropy_gradient_is_softmax_minus_labels():
    lg = tf.constant(LOGITS)
    lb = tf.constant([[1.0, 1.0, 1.0], [0.0, 0.2, 0.0]])  # not normalized: TF still gives
    with tf.GradientTape(persistent=True) as t:                # softmax - labels
        t.watch(lg)
        t.watch(lb)
        loss = tf.nn.softmax_cross_entropy_with_logits(lb, lg) * tf.constant([1.0, 3.0])
    check(t.gradient(loss, lg), [[-0.90996945, -0.75527155, -0.33475906],
                                 [0.05300527, -0.54699475, 2.89398956]])
    check(t.gradient(loss, lb), [[2.40760589, 1.40760589, 0.40760595],
                                 [12.10792923, 12.10792923, 0.10792875]], rtol=1e-5, atol=1e-5)
    lb = tf.constant(LABELS)
    with tf.GradientTape(persistent=True) as t:
        t.watch(lg)
        t.watch(lb)
        loss = tf.nn.softmax_cross_entropy_with_logits(lb, lg, axis=0) * tf.constant(
            [1.0, 3.0, 2.0])
    check(t.gradient(loss, lg), [[0.5, 2.19317579, -1.76159418], [0, -0.69317567, 1.76159406]])
    check(t.gradient(loss, lb), [[0.69314718, 0.939785, 4.25385618],
                                 [0.69314718, 3.939785, 0.25385609]])


def test_softmax_cross_entropy_second_order():
    lg, lb = tf.constant(LOGITS), tf.constant(LABELS)
    with tf.GradientTape() as outer:
        outer.watch(lg)
        with tf.GradientTape() as inner:
            inner.watch(lg)
            loss = tf.nn.softmax_cross_entropy_with_logits(lb, lg)
        g = inner.gradient(loss, lg)
        s = tf.reduce_sum(g * g)
    check(outer.gradient(s, lg), [[0.04406608, 0.195502, -0.23956811],
                                  [-0.04932537, -0.04932537, 0.09865081]])


def test_softmax_cross_entropy_errors():
    xent = tf.nn.softmax_cross_entropy_with_logits
    with raises(tf.errors.InvalidArgumentError,
                "logits and labels must be broadcastable: logits_size=[2,4] labels_size=[2,3] "
                "[Op:SoftmaxCrossEntropyWithLogits] name: "):
        xent(tf.ones([2, 3]), tf.ones([2, 4]))
    with raises(tf.errors.InvalidArgumentError,
                "logits and labels must be broadcastable: logits_size=[2,3] labels_size=[3,3] "
                "[Op:SoftmaxCrossEntropyWithLogits] name: "):
        xent(tf.ones([3, 3]), tf.ones([2, 3]))
    # TF builds the transpose permutation with range(): other negative axes fail there
    with raises(tf.errors.InvalidArgumentError,
                "Requires start <= limit when delta > 0: 0/-2 [Op:Range] name: "):
        xent(tf.constant(LABELS), tf.constant(LOGITS), axis=-2)
    with raises(tf.errors.InvalidArgumentError,
                "Requires start <= limit when delta > 0: 6/2 [Op:Range] name: "):
        xent(tf.constant(LABELS), tf.constant(LOGITS), axis=5)
    with raises(tf.errors.InvalidArgumentError,
                "Expected begin[0] == 0 (got -1) and size[0] == 0 (got 1) when "
                "input.dim_size(0) == 0 [Op:Slice]"):
        xent(tf.constant(1.0), tf.constant(1.0))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="node SoftmaxCrossEntropyWithLogits"):
        xent(tf.ones([2, 3], tf.int32), tf.ones([2, 3], tf.int32))


def test_sparse_softmax_cross_entropy():
    sxent = tf.nn.sparse_softmax_cross_entropy_with_logits
    lg = tf.constant(LOGITS)
    check(sxent([2, 0], lg), [0.40760595, 4.03597641])
    check(sxent(tf.constant([2, 0], tf.int64), lg), [0.40760595, 4.03597641])
    check(sxent([[2, 0], [1, 1]], tf.reshape(tf.range(12.0), [2, 2, 3])),
          [[0.40760595, 2.40760589], [1.40760589, 1.40760589]])
    check(sxent(2, tf.constant([1.0, 2.0, 3.0])), 0.40760595)
    check(sxent(tf.zeros([0], tf.int32), tf.zeros([0, 3])), np.zeros((0,)))
    check(sxent([1], tf.constant([[1.0, 2.0, 3.0]], tf.float64)), [1.40760596], "float64")
    check(sxent([1], tf.constant([[1.0, 2.0, 3.0]], tf.float16)), [1.40722656], "float16",
          rtol=1e-3)


def test_sparse_softmax_cross_entropy_bad_labels():
    sxent = tf.nn.sparse_softmax_cross_entropy_with_logits
    with raises(tf.errors.InvalidArgumentError,
                "Received a label value of 5 which is outside the valid range of [0, 3).  Label "
                "values: 5 0 [Op:SparseSoftmaxCrossEntropyWithLogits] name: "):
        sxent([5, 0], tf.constant(LOGITS))
    with raises(tf.errors.InvalidArgumentError,
                "Received a label value of -1 which is outside the valid range of [0, 3).  "
                "Label values: 0 -1 [Op:SparseSoftmaxCrossEntropyWithLogits] name: "):
        sxent([0, -1], tf.constant(LOGITS))
    with raises(tf.errors.InvalidArgumentError,  # the minimum when negative, else the maximum
                "Received a label value of -2 which is outside the valid range of [0, 3).  "
                "Label values: 7 5 0 -2 [Op:SparseSoftmaxCrossEntropyWithLogits] name: "):
        sxent([[7, 5], [0, -2]], tf.ones([2, 2, 3]))
    with raises(tf.errors.InvalidArgumentError,
                "Must have at least one class, but got logits shape [1,0] "
                "[Op:SparseSoftmaxCrossEntropyWithLogits] name: "):
        sxent([0], tf.ones([1, 0]))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Value for attr 'Tlabels' of float is not in the list of allowed "
                             "values: int32, int64"):
        sxent([2.0, 0.0], tf.constant(LOGITS))
    with raises(ValueError, "`labels.shape` must equal `logits.shape` except for the last "
                            "dimension. Received: labels.shape=(3,) and logits.shape=(2, 3)"):
        sxent([2, 0, 1], tf.constant(LOGITS))
    with raises(ValueError, "`labels.shape.rank` must equal `logits.shape.rank - 1`. Received: "
                            "labels.shape=(1, 2) of rank 2 and logits.shape=(2, 3) of rank 2"):
        sxent([[2, 0]], tf.constant(LOGITS))
    with raises(ValueError, "`logits` cannot be a scalar. Received logits=1.0`"):
        sxent(2, tf.constant(1.0))


def test_sparse_softmax_cross_entropy_gradients():
    lg = tf.constant(LOGITS)
    with tf.GradientTape() as t:
        t.watch(lg)
        loss = tf.nn.sparse_softmax_cross_entropy_with_logits([2, 0], lg) * tf.constant(
            [1.0, 3.0])
    check(t.gradient(loss, lg), [[0.09003057, 0.24472848, -0.33475906],
                                 [-2.94699478, 0.05300527, 2.89398956]])
    with tf.GradientTape() as outer:
        outer.watch(lg)
        with tf.GradientTape() as inner:
            inner.watch(lg)
            loss = tf.nn.sparse_softmax_cross_entropy_with_logits([2, 0], lg)
        g = inner.gradient(loss, lg)
        s = tf.reduce_sum(g * g * tf.constant(W23))
    check(outer.gradient(s, lg), [[0.11347944, 0.50397116, -0.61745065],
                                  [-0.33375332, -0.19178163, 0.5255354]], atol=1e-5)


# ---- sigmoid-based losses ------------------------------------------------------------------
SIG_LOGITS = [-2.0, 0.0, 3.0, 100.0, -100.0]
SIG_LABELS = [0.0, 1.0, 0.5, 0.0, 1.0]


def test_sigmoid_cross_entropy():
    lg, lb = tf.constant(SIG_LOGITS), tf.constant(SIG_LABELS)
    check(tf.nn.sigmoid_cross_entropy_with_logits(lb, lg),
          [0.126928, 0.69314718, 1.54858732, 100, 100])
    check(tf.nn.sigmoid_cross_entropy_with_logits(labels=[0.0, 1.0], logits=[1.0, 2.0]),
          [1.3132617, 0.126928])
    with tf.GradientTape(persistent=True) as t:
        t.watch(lg)
        t.watch(lb)
        loss = tf.nn.sigmoid_cross_entropy_with_logits(lb, lg)
    check(t.gradient(loss, lg), [0.11920291, -0.5, 0.45257413, 1, -1])
    check(t.gradient(loss, lb), [2, 0, -3, -100, 100])
    with raises(ValueError, "`logits` and `labels` must have the same shape, received ((3,) vs "
                            "(2,))."):
        tf.nn.sigmoid_cross_entropy_with_logits(tf.ones([2]), tf.ones([3]))
    with raises(ValueError, "Both `labels` and `logits` must be provided for "
                            "sigmoid_cross_entropy_with_logitsReceived: labels=None and "
                            "logits=[  -2.    0.    3.  100. -100.]"):
        tf.nn.sigmoid_cross_entropy_with_logits(None, lg)
    with raises(tf.errors.InvalidArgumentError,
                "cannot compute Mul as input #1(zero-based) was expected to be a float tensor "
                "but is a double tensor [Op:Mul] name: "):
        tf.nn.sigmoid_cross_entropy_with_logits(tf.ones([5], tf.float64), lg)
    with pytest.raises(tf.errors.InvalidArgumentError, match="node Exp"):
        tf.nn.sigmoid_cross_entropy_with_logits([0, 1], [1, 2])


def test_weighted_cross_entropy():
    lg, lb = tf.constant(SIG_LOGITS), tf.constant(SIG_LABELS)
    wce = tf.nn.weighted_cross_entropy_with_logits
    check(wce(lb, lg, 2.0), [0.126928091, 1.38629436, 1.57288098, 100, 200])
    check(wce(lb, lg, tf.constant([1.0, 2.0, 3.0, 4.0, 5.0])),
          [0.126928091, 1.38629436, 1.59717464, 100, 500])
    with tf.GradientTape(persistent=True) as t:
        t.watch(lg)
        t.watch(lb)
        loss = wce(lb, lg, 3.0)
    check(t.gradient(loss, lg), [0.11920291, 0, 0.40514827, 1, -3])
    check(t.gradient(loss, lb), [6.25385618, 1.38629436, -2.90282536, -100, 300])
    with raises(ValueError, "`logits` and `labels` must have the same shape, received ((3,) vs "
                            "(2,))."):
        wce(tf.ones([2]), tf.ones([3]), 1.0)
    with raises(TypeError, "Cannot convert 1.0 to EagerTensor of dtype int32"):
        wce([0, 1], [1.0, 2.0], 2.0)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # 0 * log(0) in the grad
def test_log_poisson_loss():
    targets = tf.constant([0.0, 0.5, 1.0, 2.0, 5.0])
    log_input = tf.constant([0.1, -1.0, 0.0, 1.0, 2.0])
    check(tf.nn.log_poisson_loss(targets, log_input),
          [1.10517097, 0.86787945, 1, 0.71828175, -2.61094379])
    with tf.GradientTape(persistent=True) as t:
        t.watch(log_input)
        t.watch(targets)
        loss = tf.nn.log_poisson_loss(targets, log_input, compute_full_loss=True)
    check(loss, [1.10517097, 0.86787945, 1, 1.37008822, 2.15990353])
    check(t.gradient(loss, log_input), [1.10517097, -0.13212055, 0, 0.71828175, 2.38905621])
    with raises(ValueError, "`log_input` and `targets` must have the same shape, received "
                            "((3,) vs (2,))."):
        tf.nn.log_poisson_loss(tf.ones([2]), tf.ones([3]))


# ---- normalization -------------------------------------------------------------------------
def test_batch_normalization():
    x = tf.reshape(tf.range(24.0), [2, 3, 4])
    m, v = tf.constant([1.0, 2.0, 3.0, 4.0]), tf.constant([1.0, 4.0, 9.0, 16.0])
    expected = (np.arange(24.0).reshape(2, 3, 4) - [1, 2, 3, 4]) / np.sqrt(
        np.array([1, 4, 9, 16]) + 1e-3)
    check(tf.nn.batch_normalization(x, m, v, None, None, 1e-3), expected, rtol=1e-5, atol=1e-5)
    check(tf.nn.batch_normalization(x, m, v, tf.constant(0.5), tf.constant([2.0] * 4), 1e-3),
          expected * 2 + 0.5, rtol=1e-5, atol=1e-5)
    check(tf.nn.batch_norm_with_global_normalization(x, m, v, tf.constant(0.5),
                                                     tf.constant([2.0] * 4), 1e-3, False),
          expected + 0.5, rtol=1e-5, atol=1e-5)
    check(tf.nn.batch_normalization(tf.constant([1.0, 2.0], tf.float64), 1.0, 1.0, None, None,
                                    0.1), [0, 0.9534626], "float64")
    with pytest.raises(tf.errors.InvalidArgumentError, match="node Rsqrt"):
        tf.nn.batch_normalization(tf.constant([1, 2]), 1, 1, None, None, 0)


def test_moments():
    x = tf.reshape(tf.range(24.0), [2, 3, 4])
    mean, var = tf.nn.moments(x, [0, 1])
    check(mean, [10, 11, 12, 13])
    check(var, [46.666668] * 4)
    mean, var = tf.nn.moments(x, [0, 2], keepdims=True)
    check(mean, [[[7.5], [11.5], [15.5]]])
    check(var, [[[37.25]] * 3])
    check(tf.nn.moments(x, 0)[1], np.full((3, 4), 36.0))
    check(tf.nn.moments(x, [-1])[0], [[1.5, 5.5, 9.5], [13.5, 17.5, 21.5]])
    check(tf.nn.moments(x, [0], shift=1.0)[0], np.arange(6.0, 18.0).reshape(3, 4))
    check(tf.nn.moments(x, [])[1], np.zeros((2, 3, 4)))
    mean, var = tf.nn.moments(tf.constant([1, 2, 4]), [0])
    check(mean, 2, "int32")
    check(var, 1, "int32")
    mean, var = tf.nn.moments(tf.constant([1, 2, 4], tf.float16), [0])
    check(mean, 2.333984375, "float16")
    check(var, 1.5556640625, "float16")
    with raises(tf.errors.InvalidArgumentError,
                "Invalid reduction dimension (5 for input with 3 dimension(s) [Op:Mean]"):
        tf.nn.moments(x, [5])


def test_moments_gradient():
    x = tf.reshape(tf.range(24.0), [2, 3, 4])

    def fn(v):
        mean, var = tf.nn.moments(v * v / 10, [1])
        return tf.reduce_sum(mean * 2 + var)

    g = grad_of(fn, x).numpy()
    xv = np.arange(24.0).reshape(2, 3, 4)
    y = xv * xv / 10
    dvar = 2 * (y - y.mean(axis=1, keepdims=True)) / 3
    np.testing.assert_allclose(g, (2 / 3 + dvar) * xv / 5, rtol=1e-4, atol=1e-4)


def test_weighted_moments_and_statistics():
    x = tf.reshape(tf.range(24.0), [2, 3, 4])
    mean, var = tf.nn.weighted_moments(x, [1], tf.constant([[[1.0], [2.0], [0.0]]]))
    check(mean, [[2.66666675, 3.66666675, 4.66666651, 5.66666651],
                 [14.66666698, 15.66666698, 16.66666603, 17.66666603]])
    check(var, np.full((2, 4), 3.5555555))
    mean, var = tf.nn.weighted_moments(x, [0, 2], 2.0, keepdims=True)
    check(mean, [[[7.5], [11.5], [15.5]]])
    mean, var = tf.nn.weighted_moments(tf.constant([1.0, 2.0], tf.float16), [0],
                                       tf.constant([1.0, 3.0], tf.float16))
    check(mean, 1.75, "float16")
    check(var, 0.1875, "float16")
    mean, var = tf.nn.weighted_moments(tf.constant([1.0, 2.0]), [0], tf.constant([0.0, 0.0]))
    check(mean, 0)
    check(var, 0)
    counts, m_ss, v_ss, shift = tf.nn.sufficient_statistics(x, [0, 1])
    check(counts, 6)
    check(m_ss, [60, 66, 72, 78])
    check(v_ss, [880, 1006, 1144, 1294])
    assert shift is None
    counts, m_ss, v_ss, shift = tf.nn.sufficient_statistics(x, [0, 1], shift=2.0, keepdims=True)
    check(m_ss, [[[48, 54, 60, 66]]])
    check(v_ss, [[[664, 766, 880, 1006]]])
    check(shift, 2)
    counts = tf.nn.sufficient_statistics(tf.constant([1, 2, 3]), [0])[0]
    check(counts, 3, "int32")
    mean, var = tf.nn.normalize_moments(4.0, tf.constant([8.0, 4.0]), tf.constant([20.0, 10.0]),
                                        None)
    check(mean, [2, 1])
    check(var, [1, 1.5])
    mean, var = tf.nn.normalize_moments(4.0, tf.constant([8.0, 4.0]), tf.constant([20.0, 10.0]),
                                        1.0)
    check(mean, [3, 2])


def test_fused_batch_norm_for_compat_v1():
    from tessera._ops.nn_ops import fused_batch_norm  # tf.compat.v1.nn.fused_batch_norm

    x = np.arange(48, dtype=np.float32).reshape(2, 2, 3, 4) / 10
    scale = np.array([1.0, 2.0, 0.5, 1.5], np.float32)
    offset = np.array([0.0, 1.0, -1.0, 0.5], np.float32)
    y, mean, var = fused_batch_norm(x, scale, offset, epsilon=0.001)
    check(mean, [2.2, 2.3, 2.4, 2.5])
    check(var, [2.08] * 4)  # Bessel-corrected, as TF returns it
    ref = (x - x.mean(axis=(0, 1, 2))) / np.sqrt(x.var(axis=(0, 1, 2)) + 0.001) * scale + offset
    check(y, ref, rtol=1e-5, atol=1e-5)
    _, mean, var = fused_batch_norm(x, scale[:2], offset[:2], data_format="NCHW")
    check(mean, [1.75, 2.95])
    check(var, [1.62696] * 2)
    _, mean, var = fused_batch_norm(x, scale, offset, mean=np.ones(4, np.float32),
                                    variance=np.full(4, 2.0, np.float32),
                                    exponential_avg_factor=0.3)
    check(mean, [1.36, 1.39, 1.42, 1.45])
    check(var, [2.024] * 4)
    y, mean, _ = fused_batch_norm(x, scale, offset, mean=np.ones(4, np.float32),
                                  variance=np.full(4, 2.0, np.float32), is_training=False)
    check(y, (x - 1) / np.sqrt(2.001) * scale + offset, rtol=1e-5, atol=1e-5)
    check(mean, [1, 1, 1, 1])


def test_l2_normalize_and_loss():
    x = tf.constant([[3.0, 4.0], [0.0, 0.0]])
    check(tf.nn.l2_normalize(x), [[0.6, 0.8], [0, 0]])
    check(tf.nn.l2_normalize(x, 0), [[1, 1], [0, 0]])
    check(tf.nn.l2_normalize(x, [0, 1]), [[0.6, 0.8], [0, 0]])
    check(tf.math.l2_normalize(x, 1, epsilon=100.0), [[0.3, 0.4], [0, 0]])
    check(tf.nn.l2_normalize(x, dim=1), [[0.6, 0.8], [0, 0]])
    check(tf.nn.l2_normalize(tf.constant([3.0, 4.0], tf.float16)), [0.5996, 0.8], "float16",
          rtol=1e-3)
    out = tf.nn.l2_normalize(tf.constant([3 + 4j, 0j]))
    assert out.dtype == tf.complex128
    np.testing.assert_allclose(out.numpy(), [0.6 + 0.8j, 0])
    check(grad_of(lambda v: tf.nn.l2_normalize(v + 1, 1), [[3.0, 4.0], [0.0, 0.0]],
                  [[1.0, 2.0], [3.0, 4.0]]),
          [[-0.05713676, 0.04570937], [-0.3535533, 0.35355353]])
    with raises(ValueError, "Cannot specify both 'dim' and 'axis'."):
        tf.nn.l2_normalize(x, axis=1, dim=1)
    with raises(TypeError, "Cannot convert 1e-12 to EagerTensor of dtype int32"):
        tf.nn.l2_normalize(tf.constant([3, 4]))
    check(tf.nn.l2_loss(x), 12.5)
    check(tf.nn.l2_loss(tf.constant([3.0, 4.0], tf.float64)), 12.5, "float64")
    check(tf.nn.l2_loss(tf.zeros([0])), 0)
    check(tf.nn.l2_loss(3.0), 4.5)
    check(grad_of(tf.nn.l2_loss, [1.0, -2.0]), [1, -2])


# ---- local response normalization ----------------------------------------------------------
LRN_X = np.arange(1.0, 25.0, dtype=np.float32).reshape(1, 2, 2, 6) / 10


def test_lrn_values_and_gradient():
    check(tf.nn.local_response_normalization(LRN_X, depth_radius=1, bias=2.0, alpha=0.5,
                                             beta=0.75),
          [[[[0.05890894, 0.11589167, 0.16925862, 0.21773241, 0.26052758, 0.32073623],
             [0.34536833, 0.35360846, 0.37397727, 0.38995963, 0.40217873, 0.48734614]],
            [[0.47530213, 0.42186561, 0.42432827, 0.42535654, 0.42523131, 0.53313583],
             [0.50804472, 0.4200545, 0.41725346, 0.41410726, 0.41069958, 0.52824008]]]])
    check(tf.nn.lrn(LRN_X, 0), LRN_X / np.sqrt(1 + LRN_X ** 2))
    assert tf.nn.lrn is tf.nn.local_response_normalization
    g = grad_of(lambda v: tf.nn.lrn(v, 1, 1.0, 0.5, 0.75), LRN_X,
                np.arange(24.0, dtype=np.float32).reshape(1, 2, 2, 6))
    check(g, [[[[-0.01332507, 0.85285962, 1.47765851, 1.81272447, 1.6983633, 2.73883438],
                [2.38366079, 0.96741188, 0.8246851, 0.49225724, -0.85610759, 1.52014887]],
               [[1.43281603, -1.40729499, -0.71130502, -0.86091971, -2.57726073, 0.43410671],
                [0.62804258, -2.56744671, -1.31801736, -1.36919415, -3.18368101,
                 -0.06480396]]]], rtol=1e-4, atol=1e-5)


def test_lrn_errors():
    with raises(tf.errors.InvalidArgumentError,
                "Value for attr 'T' of double is not in the list of allowed values: half, "
                "bfloat16, float\n\t; NodeDef: {{node LRN}} [Op:LRN]"):
        tf.nn.lrn(tf.constant(LRN_X, tf.float64))
    with raises(tf.errors.InvalidArgumentError, "in must be 4-dimensional [Op:LRN]"):
        tf.nn.lrn(tf.ones([2, 2, 2]))
    with raises(tf.errors.InvalidArgumentError,
                "depth_radius = -1 larger than int max [Op:LRN]"):
        tf.nn.lrn(LRN_X, -1)


# ---- embedding_lookup ----------------------------------------------------------------------
P = np.arange(10.0, dtype=np.float32).reshape(5, 2)


def test_embedding_lookup():
    p = tf.constant(P)
    check(tf.nn.embedding_lookup(p, [4, 0, 2]), [[8, 9], [0, 1], [4, 5]])
    check(tf.nn.embedding_lookup(p, [[4, 0], [1, 1]]), [[[8, 9], [0, 1]], [[2, 3], [2, 3]]])
    check(tf.nn.embedding_lookup(p, 3), [6, 7])
    check(tf.nn.embedding_lookup([p], [3]), [[6, 7]])
    check(tf.nn.embedding_lookup(p, tf.constant([1], tf.int64)), [[2, 3]])
    check(tf.nn.embedding_lookup(tf.constant([[1, 2], [3, 4]]), [1]), [[3, 4]], "int32")
    assert tf.nn.embedding_lookup(tf.constant(["a", "b"]), [1]).numpy().tolist() == [b"b"]
    check(tf.nn.embedding_lookup(p, tf.zeros([0], tf.int32)), np.zeros((0, 2)))


def test_embedding_lookup_sharded_params_use_div_strategy():
    shards = [tf.constant(P[:3]), tf.constant(P[3:])]
    check(tf.nn.embedding_lookup(shards, [0, 1, 2, 3, 4]), P)
    three = [tf.constant(P[:2]), tf.constant(P[2:4]), tf.constant(P[4:])]
    check(tf.nn.embedding_lookup(three, [[4, 3], [2, 0]]), [[[8, 9], [6, 7]], [[4, 5], [0, 1]]])
    # not TF's layout (shard 0 should hold 3 rows): ids 3, 4 are shard 1's rows 0, 1
    uneven = [tf.constant(P[:2]), tf.constant(P[2:])]
    check(tf.nn.embedding_lookup(uneven, [0, 1, 3, 4]), P[[0, 1, 2, 3]])
    with raises(tf.errors.InvalidArgumentError,
                "indices[2] = 2 is not in [0, 2) [Op:GatherV2] name: "):
        tf.nn.embedding_lookup(uneven, [0, 1, 2, 3, 4])
    with raises(tf.errors.InvalidArgumentError,
                "partitions[0] = 3 is not in [0, 2) [Op:DynamicPartition] name: "):
        tf.nn.embedding_lookup(shards, [7])
    with raises(tf.errors.InvalidArgumentError,
                "partitions[1] = -1 is not in [0, 2) [Op:DynamicPartition] name: "):
        tf.nn.embedding_lookup(shards, [1, -1])


def test_embedding_lookup_max_norm():
    p = tf.constant(P)
    expected = [[3.32181931, 3.73704672], [0, 1], [3.12347507, 3.90434408]]
    check(tf.nn.embedding_lookup(p, [4, 0, 2], max_norm=5.0), expected)
    check(tf.nn.embedding_lookup([p[:3], p[3:]], [4, 0, 2], max_norm=5.0), expected)
    check(tf.nn.embedding_lookup(tf.constant([1.0, -7.0, 3.0]), [1, 2], max_norm=5.0), [-5, 3])
    check(tf.nn.embedding_lookup(tf.reshape(tf.range(12.0), [3, 2, 2]), [[1, 2]], max_norm=5.0),
          [[[[1.78174162, 2.22717714], [2.67261243, 3.11804795]],
            [[2.09083343, 2.35218763], [2.61354184, 2.87489605]]]])


def test_embedding_lookup_gradients():
    g = grad_of(lambda v: tf.nn.embedding_lookup(v, [[4, 0], [4, 1]], max_norm=3.0), P,
                [[[1.0, 2.0]]])
    check(g, [[1, 2], [-0.19201171, 0.12800765], [0, 0], [0, 0], [-0.21649104, 0.19243634]])
    a, b = tf.constant(P[:3]), tf.constant(P[3:])
    with tf.GradientTape() as t:
        t.watch(a)
        t.watch(b)
        y = tf.nn.embedding_lookup([a, b], [4, 0, 4])
    ga, gb = t.gradient(y, [a, b])
    check(ga, [[1, 1], [0, 0], [0, 0]])
    check(gb, [[0, 0], [2, 2]])


def test_embedding_lookup_errors():
    p = tf.constant(P)
    with raises(tf.errors.InvalidArgumentError,
                "indices[0] = 5 is not in [0, 5) [Op:GatherV2] name: "):
        tf.nn.embedding_lookup(p, [5])
    with raises(tf.errors.InvalidArgumentError,
                "indices[1,1] = 9 is not in [0, 5) [Op:GatherV2] name: "):
        tf.nn.embedding_lookup(p, [[1, 2], [3, 9]])
    with raises(tf.errors.InvalidArgumentError,
                "indices[0] = -1 is not in [0, 5) [Op:GatherV2] name: "):
        tf.nn.embedding_lookup(p, [-1])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Value for attr 'Tindices' of float is not in the list of allowed "
                             "values: int16, int32, int64"):
        tf.nn.embedding_lookup(p, [1.0])
    with raises(ValueError, "Length of params is currently 0. Need at least one param."):
        tf.nn.embedding_lookup([], [1])


# ---- statistics and distribution helpers ---------------------------------------------------
def test_zero_fraction():
    check(tf.math.zero_fraction(tf.constant([0.0, 1.0, 0.0, 3.0])), 0.5)
    check(tf.nn.zero_fraction(tf.constant([[0, 1], [2, 0], [0, 0]])), 0.6666667)
    check(tf.math.zero_fraction(tf.constant([True, False, False])), 0.6666667)
    check(tf.math.zero_fraction(0.0), 1)
    check(tf.math.zero_fraction(tf.constant(["a", ""])), 0.5)
    assert np.isnan(tf.math.zero_fraction(tf.zeros([0])).numpy())


def test_compute_average_loss():
    loss = tf.constant([1.0, 2.0, 3.0, 4.0])
    check(tf.nn.compute_average_loss(loss), 2.5)
    check(tf.nn.compute_average_loss(loss, sample_weight=tf.constant([1.0, 0.0, 1.0, 0.0])), 1)
    check(tf.nn.compute_average_loss(loss, sample_weight=2.0), 5)
    check(tf.nn.compute_average_loss(loss, global_batch_size=8), 1.25)
    check(tf.nn.compute_average_loss(loss, global_batch_size=0), 0)
    check(tf.nn.compute_average_loss(tf.constant([[1.0, 2.0], [3.0, 4.0]])), 5)
    check(tf.nn.compute_average_loss(tf.constant([[1.0, 2.0], [3.0, 4.0]]),
                                     sample_weight=tf.constant([[1.0], [2.0]])), 8.5)
    check(tf.nn.compute_average_loss(tf.constant([1, 2])), 1.5, "float64")
    check(tf.nn.compute_average_loss(tf.constant([1.0, 2.0], tf.float16)), 1.5, "float16")
    check(tf.nn.compute_average_loss(tf.zeros([0])), 0)
    check(tf.nn.compute_average_loss([1.0, 2.0]), 1.5)
    with raises(tf.errors.InvalidArgumentError,
                "global_batch_size must be non-negative..  \nCondition x >= 0 did not hold "
                "element-wise:\nx (shape=() dtype=int32) = \n-1"):
        tf.nn.compute_average_loss(loss, global_batch_size=-1)
    with raises(TypeError, "global_batch_size must be an integer..  Expected \"x\" to be "
                           "integer type.  Found: tensor of dtype <dtype: 'float32'>"):
        tf.nn.compute_average_loss(loss, global_batch_size=2.5)
    with raises(ValueError, "Invalid value passed for `per_example_loss`. Expected a tensor "
                            "with at least rank 1. Received per_example_loss=3.0 with rank 0"):
        tf.nn.compute_average_loss(tf.constant(3.0))


def test_scale_regularization_loss():
    check(tf.nn.scale_regularization_loss(tf.constant([1.0, 2.0])), 3)
    check(tf.nn.scale_regularization_loss([tf.constant(1.0), tf.constant(2.0)]), 3)
    check(tf.nn.scale_regularization_loss(3.0), 3)
    check(tf.nn.scale_regularization_loss(tf.constant([1, 2])), 3, "float64")


def test_namespaces():
    for n in ["softplus", "softsign", "softmax", "log_softmax", "l2_normalize", "zero_fraction"]:
        assert getattr(tf.math, n) is getattr(tf.nn, n)
    assert tf.nn.swish is tf.nn.silu
    assert tf.nn.sigmoid is tf.math.sigmoid and tf.nn.tanh is tf.math.tanh
    for n in ["relu", "gelu", "moments", "bias_add", "embedding_lookup", "compute_average_loss"]:
        assert not hasattr(tf.math, n) and callable(getattr(tf.nn, n))


# ---- properties ----------------------------------------------------------------------------
_matrices = hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1,
                                                    max_side=5),
                       elements=st.floats(-30, 30, allow_nan=False))


@settings(max_examples=40, deadline=None)
@given(_matrices, st.data())
def test_softmax_properties(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    s = tf.nn.softmax(tf.constant(x), axis=axis).numpy()
    ls = tf.nn.log_softmax(tf.constant(x), axis=axis).numpy()
    np.testing.assert_allclose(s.sum(axis=axis), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(ls), s, rtol=1e-10, atol=1e-300)
    ref = np.exp(x - x.max(axis=axis, keepdims=True))
    np.testing.assert_allclose(s, ref / ref.sum(axis=axis, keepdims=True), rtol=1e-10)


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 5)),
                  elements=st.floats(-20, 20, allow_nan=False)), st.data())
def test_sparse_and_dense_cross_entropy_agree(logits, data):
    n, c = logits.shape
    labels = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    sparse = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, tf.constant(logits))
    dense = tf.nn.softmax_cross_entropy_with_logits(np.eye(c)[labels], tf.constant(logits))
    np.testing.assert_allclose(sparse.numpy(), dense.numpy(), rtol=1e-12, atol=1e-12)
    shifted = logits - logits.max(axis=1, keepdims=True)
    ref = np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(n), labels]
    np.testing.assert_allclose(sparse.numpy(), ref, rtol=1e-10, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.floats(-38, 38, allow_nan=False))
def test_gelu_matches_erfc_definition(v):
    got = tf.nn.gelu(np.array([v])).numpy()[0]
    want = 0.5 * v * math.erfc(-v / math.sqrt(2))
    assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-300)


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float32, hnp.array_shapes(max_dims=3, max_side=4),
                  elements=st.floats(-100, 100, width=32)))
def test_rectifiers_match_numpy(x):
    np.testing.assert_array_equal(tf.nn.relu(tf.constant(x)).numpy(), np.maximum(x, 0))
    np.testing.assert_array_equal(tf.nn.relu6(tf.constant(x)).numpy(),
                                  np.clip(x, 0, 6).astype(np.float32))
    np.testing.assert_allclose(tf.nn.leaky_relu(tf.constant(x), 0.1).numpy(),
                               np.where(x > 0, x, np.float32(0.1) * x))
