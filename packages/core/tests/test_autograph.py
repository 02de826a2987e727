"""AutoGraph: Python control flow on tensors inside tf.function becomes graph control flow;
on Python values it stays Python."""

from __future__ import annotations

import numpy as np
import pytest

import tessera as tf


def test_if_on_a_tensor_becomes_cond():
    @tf.function
    def f(x):
        if tf.reduce_sum(x) > 0:
            y = x * 2.0
        else:
            y = -x
        return y

    assert f(tf.constant([1.0, 2.0])).numpy().tolist() == [2.0, 4.0]
    assert f(tf.constant([-1.0, -2.0])).numpy().tolist() == [1.0, 2.0]
    ops = [op.type for op in f.get_concrete_function(tf.constant([1.0])).graph.get_operations()]
    assert "If" in ops


def test_python_conditions_stay_python():
    calls = []

    @tf.function
    def f(x, flag):
        if flag:
            calls.append("true")
            return x + 1.0
        return x

    assert float(f(tf.constant(1.0), True)) == 2.0
    ops = [op.type for op in f.get_concrete_function(tf.constant(1.0), True).graph
           .get_operations()]
    assert "If" not in ops and calls == ["true"]


def test_for_over_range_with_if_matches_tensorflow():
    @tf.function
    def f(x, n):
        total = tf.constant(0.0)
        for i in tf.range(n):
            if i % 2 == 0:
                total += tf.reduce_sum(x) * tf.cast(i, tf.float32)
        return total

    assert float(f(tf.constant([1.0, 2.0]), tf.constant(5))) == 18.0  # TensorFlow: 18.0


def test_while_with_and_or_not():
    @tf.function
    def f(n):
        i = tf.constant(0)
        while i < n and not i > 100:
            i += 3
        return i

    assert int(f(tf.constant(10))) == 12


def test_break_and_continue_in_tensor_loops():
    @tf.function
    def first_over(x, limit):
        total = tf.constant(0.0)
        for _ in tf.range(10):
            total += x
            if total > limit:
                break
        return total

    assert float(first_over(tf.constant(1.0), tf.constant(3.5))) == 4.0

    @tf.function
    def skip_odd(n):
        s = tf.constant(0)
        i = tf.constant(0)
        while i < n:
            i += 1
            if i % 2 == 1:
                continue
            s += i
        return s

    assert int(skip_odd(tf.constant(10))) == 30

    @tf.function
    def python_loop(x):
        for k in range(10):
            if k == 3:
                break
            x = x + 1.0
        return x

    assert float(python_loop(tf.constant(0.0))) == 3.0


def test_for_over_tensor_rows():
    @tf.function
    def f(m):
        acc = tf.zeros([2])
        for row in m:
            acc += row
        return acc

    assert f(tf.constant([[1.0, 2.0], [3.0, 4.0]])).numpy().tolist() == [4.0, 6.0]


def test_variable_defined_in_one_branch_only_is_an_error():
    @tf.function
    def f(x):
        if x > 0:
            y = x
        return y  # deliberately undefined on one path

    with pytest.raises(ValueError, match="must also be initialized"):
        f(tf.constant(1.0))


def test_to_code_and_do_not_convert():
    def g(x):
        if x > 0:
            x = x * 2
        return x

    code = tf.autograph.to_code(g)
    assert "ag__.if_stmt" in code and "def g(x):" in code

    @tf.function
    @tf.autograph.experimental.do_not_convert
    def h(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError):
        h(tf.constant(1.0))


def test_returns_inside_tensor_ifs():
    @tf.function
    def f(x):
        if x > 0:
            return x * 2.0
        return -x

    assert float(f(tf.constant(3.0))) == 6.0 and float(f(tf.constant(-3.0))) == 3.0

    @tf.function
    def g(x):
        if x > 10:
            return tf.constant(1)
        elif x > 0:
            y = tf.constant(2)
            return y
        else:
            return tf.constant(3)

    assert [int(g(tf.constant(v))) for v in (20, 5, -5)] == [1, 2, 3]

    @tf.function
    def h(x, flag):
        if flag:
            return x + 1
        return x

    assert int(h(tf.constant(1), True)) == 2 and int(h(tf.constant(1), False)) == 1


def test_variables_assigned_inside_converted_control_flow():
    v = tf.Variable(1.0)

    @tf.function
    def f(x):
        if x > 0:
            v.assign_add(x)
        else:
            v.assign(0.0)
        return v.read_value()

    assert [float(f(tf.constant(a))) for a in (2.0, 3.0, -1.0)] == [3.0, 6.0, 0.0]
    c = tf.Variable(0)

    @tf.function
    def count(n):
        for i in tf.range(n):
            c.assign_add(i)
        return c.read_value()

    assert int(count(tf.constant(5))) == 10 and int(c.numpy()) == 10

    w = tf.Variable([1.0, 1.0])

    @tf.function
    def sgd(xs):
        for _ in tf.range(3):
            with tf.GradientTape() as t:
                loss = tf.reduce_sum((w * xs) ** 2)
            w.assign_sub(0.1 * t.gradient(loss, w))
        return w.read_value()

    np.testing.assert_allclose(sgd(tf.constant([1.0, 2.0])).numpy(), [0.512, 0.008], rtol=1e-5)


def test_for_over_a_dataset_iterates_at_run_time():
    ds = tf.data.Dataset.range(5).batch(2)

    @tf.function
    def total(ds):
        s = tf.constant(0, tf.int64)
        for x in ds:
            s += tf.reduce_sum(x)
        return s

    assert int(total(ds)) == 10 and int(total(ds)) == 10
    ops = [op.type for op in total.get_concrete_function(ds).graph.get_operations()]
    assert "IteratorGetNextAsOptional" in ops and "While" in ops  # not unrolled into constants

    w = tf.Variable(0.0)
    data = tf.data.Dataset.from_tensor_slices(
        ([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0])).shuffle(4, seed=1).batch(2)

    @tf.function
    def train_epoch(ds):
        steps = tf.constant(0)
        for xb, yb in ds:
            with tf.GradientTape() as t:
                loss = tf.reduce_mean((w * xb - yb) ** 2)
            w.assign_sub(0.05 * t.gradient(loss, w))
            steps += 1
        return steps

    for _ in range(20):
        steps = train_epoch(data)
    assert int(steps) == 2 and abs(float(w.numpy()) - 2.0) < 1e-3

    @tf.function
    def until(ds):
        s = tf.constant(0, tf.int64)
        for x in ds:
            if s > 2:
                break
            s += x
        return s

    assert int(until(tf.data.Dataset.range(10))) == 3
