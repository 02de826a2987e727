"""tf.Variable and tf.Module, checked against TensorFlow 2.21's printed output."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import tessera as tf


def test_repr_and_names():
    v = tf.Variable(3.0)
    assert repr(v) == "<tf.Variable 'Variable:0' shape=() dtype=float32, numpy=3.0>"
    assert str(v) == repr(v)
    w = tf.Variable([[1, 2], [3, 4]], name="w")
    assert repr(w) == ("<tf.Variable 'w:0' shape=(2, 2) dtype=int32, numpy=\n"
                       "array([[1, 2],\n       [3, 4]], dtype=int32)>")
    # TF 2 eager does not uniquify variable names
    assert tf.Variable(1.0).name == "Variable:0"
    with tf.name_scope("outer"):
        with tf.name_scope("inner"):
            assert tf.Variable(1.0, name="k").name == "outer/inner/k:0"


def test_assign_family():
    v = tf.Variable(3.0)
    r = v.assign(5.0)
    assert repr(r) == "<tf.Variable 'UnreadVariable' shape=() dtype=float32, numpy=5.0>"
    assert v.assign_add(1.0, read_value=False) is None
    assert float(v) == 6.0
    assert v.assign_sub(2.0).numpy() == 4.0
    with pytest.raises(ValueError, match=r"Shape mismatch.The variable shape \(\), and the "
                                         r"assigned value shape \(2,\) are incompatible."):
        v.assign([1.0, 2.0])
    w = tf.Variable([[1, 2], [3, 4]])
    with pytest.raises(TypeError, match="Cannot convert .* to EagerTensor of dtype int32"):
        w.assign([[1.5, 2], [3, 4]])


def test_value_is_not_aliased():
    a = np.array([1.0, 2.0], np.float32)
    v = tf.Variable(a)
    a[0] = 100.0
    assert v.numpy().tolist() == [1.0, 2.0]
    read = v.read_value()
    v.assign([5.0, 6.0])
    assert read.numpy().tolist() == [1.0, 2.0]  # earlier reads keep their value


def test_shape_none_allows_reshaping_assign():
    v = tf.Variable([1.0], shape=tf.TensorShape(None))
    v.assign([1.0, 2.0, 3.0])
    assert v.shape == tf.TensorShape([3])


def test_scatter_updates():
    u = tf.Variable([1.0, 2.0, 3.0])
    u.scatter_nd_update([[0]], [9.0])
    assert u.numpy().tolist() == [9.0, 2.0, 3.0]
    u.scatter_nd_add([[1], [1]], [1.0, 1.0])
    assert u.numpy().tolist() == [9.0, 4.0, 3.0]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"is not in \[0, 3\)"):
        u.scatter_nd_update([[7]], [1.0])


def test_operators_and_interop():
    v = tf.Variable([1.0, 2.0, 3.0])
    assert isinstance(v + 1, tf.Tensor)
    assert (2 * v).numpy().tolist() == [2.0, 4.0, 6.0]
    assert v[1:].numpy().tolist() == [2.0, 3.0]
    assert np.asarray(v).tolist() == [1.0, 2.0, 3.0]
    assert (v == 2.0).numpy().tolist() == [False, True, False]
    with pytest.raises(TypeError, match="Variable is unhashable"):
        hash(v)
    assert {v.ref(): 1}[v.ref()] == 1
    assert copy.deepcopy(v) is not v and copy.deepcopy(v).numpy().tolist() == [1.0, 2.0, 3.0]


def test_trainable_and_constraint():
    assert tf.Variable(1.0, trainable=False).trainable is False
    c = tf.Variable(2.0, constraint=lambda t: t)
    c.assign(5.0)
    assert c.numpy() == 5.0  # TF does not apply the constraint on assign (optimizers do)
    with pytest.raises(ValueError, match="initial_value"):
        tf.Variable(None)


def test_tape_watches_accessed_variables():
    x = tf.Variable(3.0)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            y = x * x * x
        dy = t1.gradient(y, x)
    assert float(dy) == 27.0 and float(t2.gradient(dy, x)) == 18.0
    frozen = tf.Variable(1.0, trainable=False)
    with tf.GradientTape() as t:
        z = frozen * 2.0
    assert t.gradient(z, frozen) is None
    with tf.GradientTape(watch_accessed_variables=False) as t:
        z = x * 2.0
    assert t.gradient(z, x) is None and t.watched_variables() == ()


class Block(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(tf.ones([2, 2]), name="w")
        self.layers = [tf.Module(name="inner"), {"b": tf.Variable(0.0, name="b")}]
        self.layers[0].frozen = tf.Variable(1.0, trainable=False, name="f")
        self.layers[0].deeper = tf.Module(name="deep")
        self.layers[0].deeper.q = tf.Variable(1.0, name="q")
        self.z = tf.Module(name="zz")
        self.z.r = tf.Variable(1.0, name="r")

    @tf.Module.with_name_scope
    def make(self):
        return tf.Variable(0.0, name="made")


def test_module_tracking():
    m = Block()
    assert m.name == "block" and m.name_scope.name == "block/"
    # TensorFlow 2.21's orders: variables depth first, submodules breadth first
    assert [v.name for v in m.variables] == ["b:0", "w:0", "f:0", "q:0", "r:0"]
    assert [v.name for v in m.trainable_variables] == ["b:0", "w:0", "q:0", "r:0"]
    assert [s.name for s in m.submodules] == ["inner", "zz", "deep"]
    assert m.make().name == "block/made:0"
    with pytest.raises(ValueError, match="not a valid module name"):
        tf.Module(name="not valid")


def test_custom_gradient_and_recompute():
    @tf.custom_gradient
    def clip_grad(v):
        def grad(dy):
            return dy * 0.0 + 0.5
        return tf.identity(v), grad

    z = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(z)
        out = clip_grad(z) * 10.0
    assert float(t.gradient(out, z)) == 0.5

    w = tf.Variable(3.0)

    @tf.custom_gradient
    def scaled(x):
        y = x * w

        def grad(dy, variables=None):
            return dy * w, [dy * x * 100.0]
        return y, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = scaled(x)
    gx, gw = t.gradient(y, [x, w])
    assert float(gx) == 3.0 and float(gw) == 200.0

    f = tf.recompute_grad(lambda a: a * a * a)
    with tf.GradientTape() as t:
        t.watch(x)
        y = f(x)
    assert float(t.gradient(y, x)) == 12.0


def test_gradients_raises_in_eager():
    with pytest.raises(RuntimeError, match="tf.gradients is not supported when eager execution"):
        tf.gradients(tf.constant(1.0), tf.constant(1.0))


def test_tape_semantics():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    assert t.gradient(y, x).numpy().tolist() == [2.0, 4.0]  # non-scalar target: summed
    with pytest.raises(RuntimeError, match="non-persistent GradientTape can only be used"):
        t.gradient(y, x)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * 3.0
        with t.stop_recording():
            z = y * y
    assert t.gradient(z, x) is None
    g = t.gradient(y, x, output_gradients=tf.constant([1.0, 10.0]))
    assert g.numpy().tolist() == [3.0, 30.0]
    unrelated = tf.constant(1.0)
    assert t.gradient(y, unrelated) is None
    assert float(t.gradient(y, unrelated, unconnected_gradients="zero")) == 0.0
    jac = t.jacobian(y, x)
    assert jac.numpy().tolist() == [[3.0, 0.0], [0.0, 3.0]]
