"""tf.cond / tf.while_loop / tf.case / tf.switch_case, eager and inside tf.function
(the If and While ops; their ONNX lowering is checked in the onnxruntime plugin's tests)."""

from __future__ import annotations

import pytest

import tessera as tf


@pytest.mark.parametrize("compile_", [False, True])
def test_cond(compile_):
    def f(x):
        return tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2.0, lambda: -x)

    fn = tf.function(f, jit_compile=False) if compile_ else f
    assert fn(tf.constant([1.0, 2.0])).numpy().tolist() == [2.0, 4.0]
    assert fn(tf.constant([-1.0, -2.0])).numpy().tolist() == [1.0, 2.0]
    if compile_:
        ops = [op.type for op in fn.get_concrete_function(tf.constant([1.0])).graph
               .get_operations()]
        assert "If" in ops


def test_cond_structures_and_errors():
    out = tf.cond(tf.constant(False), lambda: {"a": tf.constant(1)}, lambda: {"a": tf.constant(2)})
    assert int(out["a"]) == 2
    with pytest.raises(TypeError, match="'true_fn' must be callable"):
        tf.cond(True, 1, lambda: 2)

    @tf.function
    def mismatch(x):
        return tf.cond(x > 0, lambda: x, lambda: (x, x))

    with pytest.raises(ValueError, match="same number, type, and overall structure"):
        mismatch(tf.constant(1.0))

    @tf.function
    def dtypes(x):
        return tf.cond(x > 0, lambda: x, lambda: tf.constant(1))

    with pytest.raises(TypeError, match="same number, type"):
        dtypes(tf.constant(1.0))


def test_cond_gradient_inside_function():
    w = tf.Variable(3.0)

    @tf.function(jit_compile=False)
    def g(x):
        with tf.GradientTape() as t:
            y = tf.cond(x > 0, lambda: w * w * x, lambda: w * x)
        return t.gradient(y, w)

    assert float(g(tf.constant(2.0))) == 12.0   # d(w^2 x)/dw = 2 w x
    assert float(g(tf.constant(-2.0))) == -2.0  # d(w x)/dw = x


@pytest.mark.parametrize("compile_", [False, True])
def test_while_loop(compile_):
    def loop(n):
        return tf.while_loop(lambda i, t: i < n,
                             lambda i, t: (i + 1, t + tf.cast(i, tf.float32)),
                             [tf.constant(0), tf.constant(0.0)])

    fn = tf.function(loop, jit_compile=False) if compile_ else loop
    i, total = fn(tf.constant(5))
    assert int(i) == 5 and float(total) == 10.0


def test_while_loop_details():
    assert [int(t) for t in tf.while_loop(lambda i: i < 10, lambda i: [i + 3],
                                          [tf.constant(0)])] == [12]
    assert int(tf.while_loop(lambda i: i < 10, lambda i: i + 3, tf.constant(0),
                             maximum_iterations=2)) == 6

    @tf.function
    def capped(n):
        return tf.while_loop(lambda i: i < 100, lambda i: [i + 3], [tf.constant(0)],
                             maximum_iterations=n)

    assert int(capped(tf.constant(4))[0]) == 12

    @tf.function
    def grows(x):
        return tf.while_loop(lambda v: tf.reduce_sum(v) < 10.0,
                             lambda v: tf.concat([v, v], 0), [x])

    with pytest.raises(ValueError, match="shape_invariants"):
        grows(tf.constant([1.0]))

    @tf.function
    def grows_ok(x):
        return tf.while_loop(lambda v: tf.reduce_sum(v) < 10.0,
                             lambda v: [tf.concat([v, v], 0)], [x],
                             shape_invariants=[tf.TensorShape([None])])

    assert grows_ok(tf.constant([1.0]))[0].shape == (16,)


def test_while_captures_outer_tensors():
    @tf.function(jit_compile=False)
    def f(x, step):
        return tf.while_loop(lambda v: v < 100.0, lambda v: [v * step], [x])[0]

    assert float(f(tf.constant(1.0), tf.constant(3.0))) == 243.0


def test_case_and_switch_case():
    x = tf.constant(3)
    out = tf.case([(x < 2, lambda: tf.constant(1)), (x < 5, lambda: tf.constant(2))],
                  default=lambda: tf.constant(3))
    assert int(out) == 2
    branches = [lambda: tf.constant(10), lambda: tf.constant(20), lambda: tf.constant(30)]
    assert int(tf.switch_case(tf.constant(1), branches)) == 20

    @tf.function(jit_compile=False)
    def sc(i):
        return tf.switch_case(i, branches)

    assert [int(sc(tf.constant(k))) for k in (0, 2, 7)] == [10, 30, 30]
    with pytest.raises(tf.errors.InvalidArgumentError, match="more than one predicate"):
        tf.case([(tf.constant(True), lambda: 1), (tf.constant(True), lambda: 2)],
                default=lambda: 3, exclusive=True)


def test_while_gradient_from_tape_outside_the_function():
    # Values checked against TensorFlow 2.21: y = 22.5, dy/dx = 15, dy/dw = 25.5.
    w = tf.Variable(2.0)

    @tf.function
    def f(x):
        return tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * w + x), [0, x])[1]

    x = tf.constant(1.5)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    assert float(y) == 22.5
    assert [float(g) for g in tape.gradient(y, [x, w])] == [15.0, 25.5]

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        return tape.gradient(y, [x, w])

    assert [float(g) for g in step(x)] == [15.0, 25.5]


def test_while_gradient_of_autograph_loop_matches_finite_differences():
    @tf.function
    def g(x, n):
        s = tf.constant(0.0, tf.float64)
        for i in tf.range(n):
            s = s + tf.sin(x * tf.cast(i, tf.float64))
        return s

    x, n, eps = tf.constant(1.5, tf.float64), tf.constant(4), 1e-6
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = g(x, n)
    numeric = (float(g(x + eps, n)) - float(g(x - eps, n))) / (2 * eps)
    assert abs(float(tape.gradient(y, x)) - numeric) < 1e-6


def test_rnn_training_step_through_tensor_array_loop():
    # A tf.function train step whose loss is an RNN unrolled by a traced loop; TF 2.21 gives
    # loss 2.9691429 then 2.7563291.
    w = tf.Variable([[0.5, -0.2], [0.1, 0.3]])
    xs = tf.constant([[[1.0, 2.0]], [[0.5, -1.0]], [[0.0, 1.0]]])

    @tf.function
    def train():
        with tf.GradientTape() as tape:
            ta = tf.TensorArray(tf.float32, size=3)
            h = tf.zeros([1, 2])
            for i in tf.range(3):
                h = tf.tanh(tf.matmul(h, w) + xs[i])
                ta = ta.write(i, h)
            loss = tf.reduce_sum(ta.stack() ** 2)
        w.assign_sub(0.1 * tape.gradient(loss, w))
        return loss

    assert float(train()) == pytest.approx(2.9691429, abs=1e-6)
    assert float(train()) == pytest.approx(2.7563291, abs=1e-6)
