"""tf.random and tf.nn.dropout: values, seeds, dtypes, shapes and errors, checked against
TensorFlow 2.21 (expected values below were produced by real TF and are hard-coded)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tessera as tf
from tessera import errors
from tessera._framework.op import CORE_OPS, NotDifferentiable


@pytest.fixture(autouse=True)
def _no_global_seed():
    tf.random.set_seed(None)
    yield
    tf.random.set_seed(None)


def _eq(t, expected, dtype=None):
    got = t.numpy()
    if dtype is not None:
        assert t.dtype == dtype
    exp = np.asarray(expected)
    if exp.dtype.kind == "f":
        np.testing.assert_allclose(got.astype(np.float64), exp, rtol=2e-7 if got.dtype ==
                                   np.float32 else 1e-15, atol=0)
    else:
        np.testing.assert_array_equal(got, exp)


# ---- stateless: TF's numbers ---------------------------------------------------------------
def test_stateless_uniform_is_tfs_philox_bit_for_bit():
    t = tf.random.stateless_uniform([10], seed=[1, 2])
    assert t.dtype == tf.float32 and t.shape == (10,)
    np.testing.assert_array_equal(t.numpy(), np.array(
        [0.8440604209899902, 0.19204533100128174, 0.9962232112884521, 0.16038739681243896,
         0.27199018001556396, 0.6493459939956665, 0.10694444179534912, 0.06516242027282715,
         0.4393514394760132, 0.08476817607879639], np.float32))
    _eq(tf.random.stateless_uniform([3], seed=[1, 2], dtype=tf.float64),
        [0.7524837538451801, 0.9697857725627486, 0.17592233912897481], tf.float64)
    _eq(tf.random.stateless_uniform([4], seed=[1, 2], dtype=tf.float16),
        [0.54296875, 0.2353515625, 0.060546875, 0.8935546875], tf.float16)
    b = tf.random.stateless_uniform([4], seed=[1, 2], dtype=tf.bfloat16)
    assert b.dtype == tf.bfloat16
    _eq(tf.cast(b, tf.float32), [0.34375, 0.8828125, 0.484375, 0.1484375])


def test_stateless_seed_forms():
    _eq(tf.random.stateless_uniform([2], seed=tf.constant([-1, 2], tf.int32)),
        [0.41359949111938477, 0.6200978755950928])
    _eq(tf.random.stateless_uniform([2], seed=tf.constant([-1, 2], tf.int64)),
        [0.41359949111938477, 0.6200978755950928])
    _eq(tf.random.stateless_uniform([2], seed=[2**40, -2**50]),
        [0.8541795015335083, 0.9978330135345459])


def test_stateless_uniform_ranges_and_ints():
    _eq(tf.random.stateless_uniform([6], seed=[1, 2], minval=-2, maxval=3.5),
        [2.642332, -0.9437506, 3.4792275, -1.1178694, -0.50405407, 1.571403])
    _eq(tf.random.stateless_uniform([2, 3], seed=[1, 2], maxval=[[1.0], [2.0]]),
        [[0.8440604, 0.19204533, 0.9962232], [0.3207748, 0.54398036, 1.298692]])
    _eq(tf.random.stateless_uniform([10], seed=[1, 2], minval=0, maxval=100, dtype=tf.int32),
        [40, 49, 94, 79, 27, 65, 31, 82, 83, 15], tf.int32)
    _eq(tf.random.stateless_uniform([6], seed=[1, 2], minval=-5, maxval=2**40, dtype=tf.int64),
        [1036159160131, 635312348566, 846040150269, 267342743203, 753202267753, 639559786552],
        tf.int64)
    _eq(tf.random.stateless_uniform([3], seed=[1, 2], minval=-2**31, maxval=2**31 - 1,
                                    dtype=tf.int32), [-1041495508, -409430799, 1811907646])


@pytest.mark.parametrize("dtype, expected", [
    (tf.int32, [1105988140, 1738052849, -335576002, 370444179]),
    (tf.uint32, [1105988140, 1738052849, 3959391294, 370444179]),
    (tf.int64, [7464880146280614444, 1591045637757961278, -1057468755545501549,
                2524363516007002203]),
])
def test_stateless_full_range_ints(dtype, expected):
    _eq(tf.random.stateless_uniform([4], seed=[1, 2], minval=None, maxval=None, dtype=dtype),
        expected, dtype)


def test_stateless_normal_within_one_float32_ulp_of_tf():
    t = tf.random.stateless_normal([6], seed=[1, 2])
    np.testing.assert_allclose(t.numpy(), [0.5441101, 0.20738031, 0.07356433, 0.04643455,
                                           -1.3015898, -0.95385665], rtol=3e-7)
    _eq(tf.random.stateless_normal([4], seed=[1, 2], dtype=tf.float64),
        [-0.1423118100189212, 0.7406072461585091, -1.469047669443883, 1.147747453689489])
    _eq(tf.random.stateless_normal([4], seed=[1, 2], dtype=tf.float16),
        [0.5439453125, 0.2073974609375, 0.07354736328125, 0.04644775390625], tf.float16)


def test_stateless_truncated_normal():
    _eq(tf.random.stateless_truncated_normal([6], seed=[1, 2]),
        [0.544110119342804, 0.20738030970096588, 0.0735643208026886, 0.04643455147743225,
         0.16820591688156128, -1.6850333213806152])
    _eq(tf.random.stateless_truncated_normal([4], seed=[1, 2], dtype=tf.float64),
        [-0.1423118100189212, 0.7406072461585091, -0.552387756244845, -0.734450092480207])
    big = tf.random.stateless_truncated_normal([20000], seed=[3, 4], mean=1.0, stddev=2.0).numpy()
    assert big.min() >= -3.0 and big.max() <= 5.0
    assert abs(big.mean() - 1.0) < 0.03 and abs(big.std() - 2 * 0.8796) < 0.03


def test_stateless_categorical():
    logits = np.log(np.array([[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25]], np.float32))
    _eq(tf.random.stateless_categorical(logits, 8, seed=[1, 2]),
        [[3, 3, 1, 3, 2, 3, 3, 1], [3, 3, 2, 1, 0, 1, 2, 1]], tf.int64)
    t = tf.random.stateless_categorical([[0.0, 0.0, -np.inf]], 50, seed=[7, 8], dtype=tf.int32)
    assert t.dtype == tf.int32 and t.shape == (1, 50) and set(t.numpy().ravel()) <= {0, 1}


def test_stateless_gamma_poisson_binomial():
    _eq(tf.random.stateless_gamma([2, 4], seed=[1, 2], alpha=[0.5, 1.0, 2.5, 10.0]),
        [[0.0669536143541336, 2.248735189437866, 2.836852788925171, 12.74807357788086],
         [0.6282354593276978, 1.8935091495513916, 1.9701486825942993, 10.338542938232422]])
    _eq(tf.random.stateless_poisson([2, 5], seed=[1, 2], lam=[0.5, 3.0, 9.9, 10.0, 50.0]),
        [[3, 4, 11, 10, 41], [2, 6, 13, 10, 53]], tf.int32)
    _eq(tf.random.stateless_binomial([2, 5], seed=[1, 2], counts=[5., 20., 100., 1000., 3.],
                                     probs=[.5, .2, .9, .01, .99]),
        [[3, 7, 93, 10, 3], [3, 6, 87, 10, 3]], tf.int32)
    edge = tf.random.stateless_binomial([2, 4], seed=[1, 2], counts=[0., 5., 5., 5.],
                                        probs=[.5, 0., 1., .5]).numpy()
    assert (edge[:, :3] == [0, 0, 5]).all()


def test_stateless_gamma_moments():
    g = tf.random.stateless_gamma([40000], seed=[5, 6], alpha=0.4, beta=2.0).numpy()
    assert abs(g.mean() - 0.2) < 0.01 and abs(g.var() - 0.1) < 0.01
    assert g.min() > 0


def test_parameterized_truncated_normal_statistics():
    """Not TF's numbers: a different sampler of the same distribution (moments checked)."""
    t = tf.random.stateless_parameterized_truncated_normal(
        [20000, 3], seed=[1, 2], means=[0.0, 1.0, 0.0], stddevs=[1.0, 2.0, 1.0],
        minvals=[-1.0, 0.0, 3.0], maxvals=[1.0, 3.0, 4.0]).numpy()
    assert t.dtype == np.float32 and t.shape == (20000, 3)
    lo, hi = np.array([-1.0, 0.0, 3.0]), np.array([1.0, 3.0, 4.0])
    assert (t >= lo).all() and (t <= hi).all()
    # means of the truncated normals (closed form, computed offline)
    np.testing.assert_allclose(t.mean(0), [0.0, 1.4133, 3.2605], atol=0.02)
    a = np.sort(t[:, 0])  # KS against the truncated standard normal on [-1, 1]
    from math import erf, sqrt

    cdf = np.vectorize(lambda x: (erf(x / sqrt(2)) - erf(-1 / sqrt(2))) /
                       (2 * erf(1 / sqrt(2))))(a)
    ks = np.max(np.abs(cdf - np.arange(1, a.size + 1) / a.size))
    assert ks < 0.015


def test_split_and_fold_in():
    _eq(tf.random.split([1, 2], 3),
        [[1105988140, 1738052849], [-335576002, 370444179], [10670227, -246211131]], tf.int32)
    assert tf.random.split([1, 2]).shape == (2, 2)
    _eq(tf.random.fold_in([1, 2], 3), [1105988140, 3], tf.int32)


# ---- seeds and stateful ops ----------------------------------------------------------------
def test_op_seed_only_reuses_the_kernel_counter():
    tf.random.set_seed(1234)
    _eq(tf.random.uniform([3], seed=1), [0.1689806, 0.9725481, 0.90036285])
    _eq(tf.random.uniform([3], seed=1), [0.92531705, 0.29733074, 0.11319971])
    _eq(tf.random.uniform([5], seed=1),
        [0.33758223, 0.24648452, 0.83257234, 0.61537087, 0.36663604])
    tf.random.set_seed(1234)
    _eq(tf.random.uniform([3], seed=1), [0.1689806, 0.9725481, 0.90036285])


def test_global_seed_only_reproduces_tf_sequence():
    tf.random.set_seed(7)
    got = [tf.random.uniform([2]), tf.random.normal([2]), tf.random.uniform([2], seed=3),
           tf.random.uniform([2], seed=3)]
    _eq(got[0], [0.834453821182251, 0.23336660861968994])
    _eq(got[1], [-2.2733311653137207, -1.659210443496704])
    _eq(got[2], [0.4010878801345825, 0.37683892250061035])
    _eq(got[3], [0.3426402807235718, 0.3479158878326416])
    _eq(tf.nn.dropout(tf.ones([2, 4]), 0.5), [[0, 0, 2, 2], [2, 0, 2, 0]])
    _eq(tf.random.gamma([3], alpha=[2.0, 0.5]),
        [[0.41701316833496094, 2.36114239692688], [1.569615364074707, 3.162126064300537],
         [1.1195951700210571, 1.2643961906433105]])
    _eq(tf.random.poisson([3], lam=[2.0, 30.0], dtype=tf.int32), [[1, 41], [2, 29], [1, 22]])
    _eq(tf.random.categorical([[0., 1., 2.], [1., 1., 1.]], 3), [[1, 2, 1], [1, 1, 1]])
    _eq(tf.random.truncated_normal([3], mean=1., stddev=2.),
        [-0.05331981182098389, 2.2108097076416016, 3.7349541187286377])
    _eq(tf.random.uniform([4], minval=-3, maxval=9, dtype=tf.int64), [7, 4, -2, 4], tf.int64)
    _eq(tf.random.shuffle([[1, 2], [3, 4], [5, 6]]), [[5, 6], [1, 2], [3, 4]])
    tf.random.set_seed(7)
    _eq(tf.random.uniform([2]), [0.834453821182251, 0.23336660861968994])


def test_stateful_sequences_advance_like_tf_kernels():
    seq = [tf.random.normal([3], seed=11).numpy() for _ in range(2)]
    assert not np.array_equal(seq[0], seq[1])
    _eq(tf.random.shuffle(tf.range(10), seed=5), [1, 3, 2, 7, 6, 9, 0, 5, 8, 4])
    _eq(tf.random.shuffle(tf.range(10), seed=5), [8, 4, 7, 1, 9, 6, 0, 5, 3, 2])
    _eq(tf.random.categorical([[0., 1., 2.], [1., 1., 1.]], 3, seed=11),
        [[2, 0, 1], [0, 0, 2]])
    _eq(tf.random.categorical([[0., 1., 2.], [1., 1., 1.]], 3, seed=11),
        [[1, 2, 2], [1, 1, 1]])


def test_no_seed_is_random_and_shapes_dtypes():
    a, b = tf.random.uniform([100]).numpy(), tf.random.uniform([100]).numpy()
    assert not np.array_equal(a, b)
    assert tf.random.normal([2, 0]).shape == (2, 0)
    assert tf.random.uniform([], dtype=tf.float64).dtype == tf.float64
    assert tf.random.gamma([2], alpha=[[1.0], [3.0]], beta=[1., 2., 3.]).shape == (2, 2, 3)
    assert tf.random.poisson([2, 3], lam=[1.0, 2.0]).shape == (2, 3, 2)
    assert tf.random.shuffle(5.0).numpy() == 5.0


def test_normal_is_differentiable_in_mean_and_stddev():
    mean, std = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch([mean, std])
        y = tf.random.stateless_normal([5], seed=[1, 2], mean=mean, stddev=std)
        total = tf.reduce_sum(y)
    gm, gs = tape.gradient(total, [mean, std])
    z = tf.random.stateless_normal([5], seed=[1, 2]).numpy()
    np.testing.assert_allclose(gm.numpy(), 5.0)
    np.testing.assert_allclose(gs.numpy(), z.sum(), rtol=1e-6)


def test_random_primitives_are_stateful_and_not_differentiable():
    for name in ("RandomUniform", "RandomStandardNormal", "TruncatedNormal", "RandomShuffle",
                 "Multinomial", "RandomGamma", "RandomPoissonV2", "RandomUniformInt"):
        op = CORE_OPS[name]
        assert op.stateful and op.grad is NotDifferentiable
        assert "stateful random op" in op.onnx.reason
    assert CORE_OPS["StatelessRandomUniformV2"].grad is NotDifferentiable


# ---- Generator -----------------------------------------------------------------------------
def test_generator_matches_tf():
    g = tf.random.Generator.from_seed(42)
    assert g.algorithm == 1
    _eq(g.uniform([3]), [0.7493447065353394, 0.7356196641921997, 0.45230793952941895])
    _eq(g.normal([2], mean=1., stddev=2.), [-1.4938831329345703, 2.2572336196899414])
    _eq(g.truncated_normal([2]), [-0.7472158670425415, -0.11690770089626312])
    _eq(g.uniform([3], 0, 100, dtype=tf.int32), [33, 27, 18], tf.int32)
    _eq(g.uniform_full_int([2], dtype=tf.int64), [-3861230087462957746, -626400739278433718])
    _eq(g.binomial([2, 2], counts=[10., 40.], probs=[.3, .6]), [[3, 24], [4, 28]], tf.int32)
    _eq(g.state, [131114, 0, 0], tf.int64)
    _eq(g.make_seeds(2), [[-6318767685974679977, 4049621224640477425], [0, 0]])
    _eq(g.state, [131626, 0, 0])
    keys = [int(s.state.numpy()[2]) for s in g.split(2)]
    assert keys == [5391595545750933701, -3583493641525327508]
    _eq(g.skip(2), [132138, 0, 0])
    _eq(g.state, [132650, 0, 0])
    _eq(g.uniform([2], minval=-1., maxval=1., dtype=tf.float64),
        [-0.9369442913226802, 0.312818643056592])


def test_generator_states():
    _eq(tf.random.Generator.from_seed(1234).state, [1234, 0, 0])
    _eq(tf.random.Generator.from_seed(2**70 + 5).state, [5, 64, 0])
    _eq(tf.random.Generator.from_seed(-1).state, [-1, -1, -1])
    g = tf.random.Generator.from_state([1, 2, 3], "philox")
    _eq(g.uniform([2]), [0.45901167, 0.53342485])
    _eq(g.state, [513, 2, 3])
    g = tf.random.Generator.from_key_counter(7, [1, 2], "philox")
    _eq(g.state, [1, 2, 7])
    _eq(g.key, 7)
    g.reset_from_seed(7)
    _eq(g.state, [7, 0, 0])
    c = tf.random.Generator(copy_from=g)
    _eq(c.state, [7, 0, 0])
    _eq(tf.random.create_rng_state(5, "philox"), [5, 0, 0])
    _eq(tf.random.create_rng_state([1, 2], "philox"), [0, 1, 2])
    assert list(tf.random.Algorithm) == [tf.random.Algorithm.PHILOX, tf.random.Algorithm.THREEFRY,
                                        tf.random.Algorithm.AUTO_SELECT]


def test_global_generator():
    g = tf.random.get_global_generator()
    assert tf.random.get_global_generator() is g
    tf.random.set_seed(3)
    assert tf.random.get_global_generator() is g
    mine = tf.random.Generator.from_seed(1)
    tf.random.set_global_generator(mine)
    try:
        assert tf.random.get_global_generator() is mine
    finally:
        tf.random.set_global_generator(g)


def test_generator_errors():
    with pytest.raises(ValueError, match="Supported values are philox for the Philox"):
        tf.random.Generator.from_seed(1, alg="foo")
    with pytest.raises(NotImplementedError, match="Philox"):
        tf.random.Generator.from_seed(1, alg="threefry")
    with pytest.raises(ValueError, match="must be both `None` or both non-`None`"):
        tf.random.Generator.from_seed(1).uniform([2], dtype=tf.int32)
    with pytest.raises(AssertionError):
        tf.random.Generator(state=None)


# ---- dropout -------------------------------------------------------------------------------
def test_dropout_values():
    x = np.ones([4, 3], np.float32)
    _eq(tf.nn.dropout(x, 0.5, seed=1), [[0, 2, 0], [0, 2, 0], [0, 0, 2], [2, 2, 0]])
    _eq(tf.nn.dropout(x, 0.5, noise_shape=[4, 1], seed=1), [[2] * 3] + [[0] * 3] * 3)
    out = tf.nn.dropout(np.ones([4, 3], np.float16), 0.25, seed=1)
    assert out.dtype == tf.float16
    assert set(out.numpy().astype(np.float32).ravel().tolist()) <= {0.0,
                                                                  float(np.float16(4 / 3))}
    assert tf.nn.dropout(x, 0.0).numpy().tolist() == x.tolist()
    t = tf.nn.dropout(x, tf.constant(0.5), seed=1).numpy()
    assert set(t.ravel()) <= {0.0, 2.0}
    big = tf.nn.dropout(np.ones([200, 100], np.float32), 0.3, seed=4).numpy()
    assert abs((big == 0).mean() - 0.3) < 0.02
    np.testing.assert_allclose(big[big != 0], 1 / 0.7, rtol=1e-6)


def test_dropout_noise_shape_with_none():
    out = tf.nn.dropout(np.ones([4, 3], np.float32), 0.5, noise_shape=[None, 1], seed=3).numpy()
    assert (out == out[:, :1]).all()


@pytest.mark.parametrize("rate", [1.0, -0.1, 1.5, 1])
def test_dropout_rate_errors(rate):
    with pytest.raises(ValueError, match=r"`rate` must be a scalar tensor or a float in the "
                                         r"range \[0, 1\). Received: rate="):
        tf.nn.dropout(np.ones([2], np.float32), rate)


def test_dropout_other_errors():
    with pytest.raises(ValueError, match="`x.dtype` must be a floating point tensor as `x` will "
                                         "be scaled. Received: x_dtype=<dtype: 'int32'>"):
        tf.nn.dropout(np.ones([3], np.int32), 0.5)
    with pytest.raises(ValueError, match=r"Shape \(2,\) must have rank 0"):
        tf.nn.dropout(np.ones([3], np.float32), tf.constant([0.5, 0.5]))
    with pytest.raises(errors.InvalidArgumentError, match=r"condition \[4,2\], then \[4,3\]"):
        tf.nn.dropout(np.ones([4, 3], np.float32), 0.5, noise_shape=[4, 2])


# ---- errors --------------------------------------------------------------------------------
@pytest.mark.parametrize("call, exc, msg", [
    (lambda: tf.random.stateless_uniform([2], seed=[1, 2], dtype=tf.int32), ValueError,
     "For integer `dtype` argument <dtype: 'int32'>, argument `minval` and `maxval` must be "
     "both None or not None. Got `minval`=0 and `maxval`=None."),
    (lambda: tf.random.stateless_uniform([2], seed=[1, 2, 3]), errors.InvalidArgumentError,
     "seed must have shape [2], not [3] [Op:StatelessRandomGetKeyCounter]"),
    (lambda: tf.random.stateless_uniform([2], seed=[1.0, 2.0]), errors.InvalidArgumentError,
     "Value for attr 'Tseed' of float is not in the list of allowed values: int32, int64"),
    (lambda: tf.random.stateless_uniform([2], seed=[1, 2], dtype=tf.string), ValueError,
     "Argument `dtype` got invalid value <dtype: 'string'>. Accepted dtypes are (tf.float16, "
     "tf.bfloat16, tf.float32, tf.float64, tf.int32, tf.int64, tf.uint32, tf.uint64)."),
    (lambda: tf.random.stateless_uniform([2], seed=[1, 2], minval=5, maxval=5, dtype=tf.int32),
     errors.InvalidArgumentError, "Need minval < maxval, got 5 >= 5 "
                                  "[Op:StatelessRandomUniformIntV2]"),
    (lambda: tf.random.stateless_uniform([-1], seed=[1, 2]), errors.InvalidArgumentError,
     "Dimension -1 must be >= 0 [Op:StatelessRandomUniformV2]"),
    (lambda: tf.random.stateless_uniform([2], seed=[1, 2], dtype=tf.uint64, maxval=5), ValueError,
     "Argument `dtype` got invalid value <dtype: 'uint64'> when argument `minval` is not None."),
    (lambda: tf.random.stateless_uniform([2], seed=[1, 2], minval=[0, 1], maxval=5,
                                         dtype=tf.int32),
     errors.InvalidArgumentError, "minval must be 0-D, got shape [2]"),
    (lambda: tf.random.uniform([2], dtype=tf.int32), ValueError,
     "Must specify maxval for integer dtype tf.int32"),
    (lambda: tf.random.uniform([2], minval=3, maxval=2, dtype=tf.int32, seed=1),
     errors.InvalidArgumentError, "Need minval < maxval, got 3 >= 2 [Op:RandomUniformInt]"),
    (lambda: tf.random.uniform([2], dtype=tf.bool), ValueError,
     "Argument `dtype` got invalid value <dtype: 'bool'>. Accepted dtypes are (tf.float16, "
     "tf.bfloat16, tf.float32, tf.float64, tf.int32, tf.int64)."),
    (lambda: tf.random.categorical([1.0, 2.0], 2), errors.InvalidArgumentError,
     "logits should be a matrix, got shape [2] [Op:Multinomial]"),
    (lambda: tf.random.categorical([[1.0, 2.0]], 2, dtype=tf.float32), ValueError,
     "Argument `dtype` got invalid value <dtype: 'float32'>. Accepted dtypes are (tf.int32, "
     "tf.int64)."),
    (lambda: tf.random.stateless_categorical([[1.0, 2.0]], 2, seed=[1]),
     errors.InvalidArgumentError, "seed must have shape [2], not [1] [Op:StatelessMultinomial]"),
    (lambda: tf.random.stateless_poisson([3], seed=[1, 2], lam=[1.0, 2.0]),
     errors.InvalidArgumentError, "Shape passed in must end with broadcasted shape. "
                                  "[Op:StatelessRandomPoisson]"),
    (lambda: tf.random.stateless_gamma([3], seed=[1, 2], alpha=[1.0, 2.0]),
     errors.InvalidArgumentError, "Shape passed in must end with broadcasted shape. "
                                  "[Op:StatelessRandomGammaV3]"),
    (lambda: tf.random.stateless_binomial([3], seed=[1, 2], counts=[1.0, 2.0], probs=0.5),
     errors.InvalidArgumentError, "Shape passed in must end with broadcasted shape. "
                                  "[Op:StatelessRandomBinomial]"),
])
def test_errors_match_tf(call, exc, msg):
    with pytest.raises(exc) as info:
        call()
    assert msg in str(info.value)


# ---- properties ----------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(s0=st.integers(-2**63, 2**63 - 1), s1=st.integers(-2**63, 2**63 - 1),
       n=st.integers(0, 40), lo=st.integers(-1000, 1000), span=st.integers(1, 10**6))
def test_stateless_is_a_pure_function_of_seed(s0, s1, n, lo, span):
    seed = tf.constant([s0, s1], tf.int64)
    a = tf.random.stateless_uniform([n], seed=seed).numpy()
    b = tf.random.stateless_uniform([n + 3], seed=seed).numpy()
    np.testing.assert_array_equal(a, b[:n])  # prefix-stable: element i depends on i only
    assert ((a >= 0) & (a < 1)).all()
    ints = tf.random.stateless_uniform([n], seed=seed, minval=lo, maxval=lo + span,
                                      dtype=tf.int64).numpy()
    assert ((ints >= lo) & (ints < lo + span)).all()
    t = tf.random.stateless_truncated_normal([n], seed=seed).numpy()
    assert (np.abs(t) < 2).all()


def test_uniform_and_normal_distributions():
    u = tf.random.stateless_uniform([100000], seed=[9, 9]).numpy()
    ks = np.max(np.abs(np.sort(u) - np.arange(1, u.size + 1) / u.size))
    assert ks < 0.01
    z = tf.random.stateless_normal([100000], seed=[9, 9], dtype=tf.float64).numpy()
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    p = tf.random.stateless_poisson([50000, 2], seed=[3, 3], lam=[4.0, 25.0],
                                    dtype=tf.float64).numpy()
    np.testing.assert_allclose(p.mean(0), [4.0, 25.0], rtol=0.01)
    np.testing.assert_allclose(p.var(0), [4.0, 25.0], rtol=0.05)


def test_stateful_ops_advance_per_call_inside_tf_function():
    @tf.function
    def f():
        return tf.random.uniform([2], seed=3), tf.nn.dropout(tf.ones([8]), 0.5, seed=2)

    want = [([0.38692939281463623, 0.3600262403488159], [2, 2, 0, 0, 0, 2, 0, 0]),
            ([0.19575107097625732, 0.07571160793304443], [2, 0, 2, 0, 0, 2, 2, 0])]
    for u, d in want:
        got_u, got_d = f()
        _eq(got_u, u)
        _eq(got_d, d)
