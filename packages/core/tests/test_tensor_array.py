"""tf.TensorArray: eager (a list of tensors) and inside tf.function (a stacked buffer carried
through tf.while_loop / tf.cond). Expected values are what TensorFlow 2.21 prints."""

from __future__ import annotations

import numpy as np
import pytest

import tessera as tf


def test_eager_write_read_stack_size():
    ta = tf.TensorArray(tf.float32, size=3)
    ta = ta.write(0, 1.0).write(1, 2.0).write(2, 3.0)
    assert ta.stack().numpy().tolist() == [1.0, 2.0, 3.0]
    assert ta.read(1).numpy() == 2.0
    assert int(ta.size()) == 3
    assert ta.dtype == tf.float32
    assert ta.element_shape == tf.TensorShape([])


def test_eager_dynamic_size_unstack_gather_concat():
    ta = tf.TensorArray(tf.int32, size=0, dynamic_size=True)
    for i in range(4):
        ta = ta.write(i, i * i)
    assert ta.stack().numpy().tolist() == [0, 1, 4, 9]
    assert ta.gather([3, 1]).numpy().tolist() == [9, 1]
    u = tf.TensorArray(tf.float32, size=2).unstack([[1.0, 2.0], [3.0, 4.0]])
    assert u.read(1).numpy().tolist() == [3.0, 4.0]
    assert u.concat().numpy().tolist() == [1.0, 2.0, 3.0, 4.0]
    s = tf.TensorArray(tf.float32, size=2).scatter([1, 0], [[5.0], [6.0]])
    assert s.stack().numpy().tolist() == [[6.0], [5.0]]


def test_eager_errors():
    ta = tf.TensorArray(tf.float32, size=2)
    with pytest.raises(tf.errors.OutOfRangeError, match="index 2 but array is not resizeable"):
        ta.write(2, 1.0)
    ta = ta.write(0, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"Incompatible shape for value \(\(1,\)\), expected \(\(2,\)\)"):
        ta.write(1, [1.0])
    with pytest.raises(tf.errors.OutOfRangeError, match="read from index 5 but array size is: 2"):
        ta.read(5)


def test_eager_gradient_through_stack():
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        ta = tf.TensorArray(tf.float32, size=3)
        for i in range(3):
            ta = ta.write(i, x[i] * x[i])
        y = tf.reduce_sum(ta.stack())
    assert tape.gradient(y, x).numpy().tolist() == [2.0, 4.0, 6.0]


def test_traced_for_range_with_runtime_size():
    @tf.function
    def f(n):
        ta = tf.TensorArray(tf.float32, size=n, element_shape=[2])
        for i in tf.range(n):
            ta = ta.write(i, tf.fill([2], tf.cast(i, tf.float32)))
        return ta.stack()

    np.testing.assert_array_equal(f(tf.constant(3)).numpy(), [[0, 0], [1, 1], [2, 2]])
    np.testing.assert_array_equal(f(tf.constant(1)).numpy(), [[0, 0]])


def test_traced_element_shape_learned_from_body():
    @tf.function
    def f(x):
        ta = tf.TensorArray(tf.float32, size=3)
        for i in tf.range(3):
            ta = ta.write(i, x * tf.cast(i, tf.float32))
        return ta.stack()

    out = f(tf.constant([1.0, 2.0]))
    assert out.shape == (3, 2)
    np.testing.assert_array_equal(out.numpy(), [[0, 0], [1, 2], [2, 4]])


def test_traced_dynamic_size_while():
    @tf.function
    def f(n):
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True, element_shape=[])
        i = tf.constant(0)
        while i < n:
            ta = ta.write(i, tf.cast(i * i, tf.float32))
            i += 1
        return ta.stack(), ta.size()

    stacked, size = f(tf.constant(4))
    assert stacked.numpy().tolist() == [0.0, 1.0, 4.0, 9.0]
    assert int(size) == 4


def test_traced_read_in_while_loop_and_cond():
    @tf.function
    def total(x):
        ta = tf.TensorArray(tf.float32, size=3).unstack(x)
        return tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a + ta.read(i)),
                             [0, 0.0])[1]

    assert float(total(tf.constant([1.0, 2.0, 3.0]))) == 6.0

    @tf.function
    def pick(p):
        ta = tf.TensorArray(tf.float32, size=2, element_shape=[])
        ta = tf.cond(p, lambda: ta.write(0, 5.0), lambda: ta.write(1, 7.0))
        return ta.stack()

    assert pick(tf.constant(True)).numpy().tolist() == [5.0, 0.0]
    assert pick(tf.constant(False)).numpy().tolist() == [0.0, 7.0]


def test_traced_out_of_order_write_to_runtime_sized_array_fails_clearly():
    @tf.function
    def f(n):
        ta = tf.TensorArray(tf.float32, size=n, element_shape=[])
        for i in tf.range(n):
            ta = ta.write(i + 1, 1.0)
        return ta.stack()

    with pytest.raises(tf.errors.InvalidArgumentError, match="filled in order"):
        f(tf.constant(3))
