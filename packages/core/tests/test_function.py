"""tf.function: tracing, retracing rules, concrete functions, variables, gradients."""

from __future__ import annotations

import numpy as np
import pytest

import tessera as tf


def test_traces_once_per_signature(capsys):
    @tf.function
    def f(x, n=2):
        print("tracing", x)
        return x * n + 1

    assert float(f(tf.constant(1.0))) == 3.0
    assert float(f(tf.constant(2.0))) == 5.0
    assert f.experimental_get_tracing_count() == 1
    assert capsys.readouterr().out == 'tracing Tensor("x:0", shape=(), dtype=float32)\n'
    f(tf.constant([1.0, 2.0]))  # new shape
    f(tf.constant(1.0), 3)      # new Python value
    f(tf.constant(5.0), 3)      # cached
    assert f.experimental_get_tracing_count() == 3


def test_concrete_function_introspection():
    @tf.function
    def f(x, n=2):
        return x * n + 1

    cf = f.get_concrete_function(tf.TensorSpec([None], tf.float32))
    assert repr(cf.structured_input_signature) == \
        "((TensorSpec(shape=(None,), dtype=tf.float32, name='x'), 2), {})"
    assert [op.type for op in cf.graph.get_operations()] == \
        ["Placeholder", "Const", "Mul", "Const", "AddV2", "Identity"]  # as TensorFlow
    assert repr(cf.inputs) == "[<tf.Tensor 'x:0' shape=(None,) dtype=float32>]"
    assert str(cf.structured_outputs) == 'Tensor("Identity:0", shape=(None,), dtype=float32)'
    assert str(cf) == (
        "ConcreteFunction Input Parameters:\n"
        "  x (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(None,), dtype=tf.float32, name=None)\n"
        "  n (POSITIONAL_OR_KEYWORD): Literal[2]\n"
        "Output Type:\n"
        "  TensorSpec(shape=(None,), dtype=tf.float32, name=None)\n"
        "Captures:\n"
        "  None")
    np.testing.assert_array_equal(cf(tf.constant([1.0, 2.0])).numpy(), [3.0, 5.0])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="expected to be a float tensor but is a int32 tensor"):
        cf(tf.constant([1]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to have shape"):
        cf(tf.constant([[1.0]]))


def test_input_signature():
    g = tf.function(lambda x: x * 2.0, input_signature=[tf.TensorSpec([None], tf.float32)])
    assert g(tf.constant([1.0, 2.0])).numpy().tolist() == [2.0, 4.0]
    assert g([3.0]).numpy().tolist() == [6.0]
    assert g.experimental_get_tracing_count() == 1
    h = tf.function(lambda x: x, input_signature=[tf.TensorSpec([2], tf.float32)])
    with pytest.raises(TypeError, match="Can not cast TensorSpec"):
        h(tf.constant([1.0, 2.0, 3.0]))


def test_reduce_retracing_generalizes_shapes():
    @tf.function(reduce_retracing=True)
    def f(x):
        return x + 1.0

    for n in range(1, 6):
        f(tf.zeros([n]))
    assert f.experimental_get_tracing_count() == 2
    cf = f.get_concrete_function(tf.zeros([9]))
    assert cf.inputs[0].shape.as_list() == [None]


def test_symbolic_tensor_rules():
    @tf.function(autograph=False)
    def bad(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError,
                       match="Using a symbolic `tf.Tensor` as a Python `bool` is not allowed"):
        bad(tf.constant(1.0))

    @tf.function
    def eager_flag():
        return tf.constant(tf.executing_eagerly())

    assert bool(eager_flag().numpy()) is False


def test_variables_inside_functions():
    v = tf.Variable(1.0)

    @tf.function
    def inc():
        v.assign_add(1.0)
        return v.read_value()

    assert float(inc()) == 2.0 and float(inc()) == 3.0 and float(v) == 3.0

    @tf.function
    def make():
        w = tf.Variable(1.0)
        return w + 1

    with pytest.raises(ValueError, match="only supports singleton tf.Variables created on "
                                         "the first call"):
        make()

    class Lazy(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = None

        @tf.function
        def __call__(self, x):
            if self.w is None:
                self.w = tf.Variable(tf.ones([3]) * 2.0)
            return x * self.w

    m = Lazy()
    assert m(tf.constant([1.0, 2.0, 3.0])).numpy().tolist() == [2.0, 4.0, 6.0]
    assert m(tf.constant([1.0, 1.0, 1.0])).numpy().tolist() == [2.0, 2.0, 2.0]
    assert len(m.variables) == 1


def test_training_step_compiles_into_one_graph():
    w = tf.Variable([1.0, 2.0])

    @tf.function
    def train_step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * x * x)
        g = tape.gradient(loss, w)
        w.assign_sub(0.1 * g)
        return loss

    assert float(train_step(tf.constant([1.0, 2.0]))) == 9.0
    np.testing.assert_allclose(w.numpy(), [0.9, 1.6])
    train_step(tf.constant([1.0, 2.0]))
    np.testing.assert_allclose(w.numpy(), [0.8, 1.2])
    assert train_step.experimental_get_tracing_count() == 1
    graph = train_step.get_concrete_function(tf.constant([1.0, 2.0])).graph
    assert "BroadcastTo" in [op.type for op in graph.get_operations()]  # the backward pass


def test_gradient_through_a_function_call():
    @tf.function
    def cube(x):
        return x * x * x

    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = cube(x)
    assert float(t.gradient(y, x)) == 27.0


def test_nested_functions_inline():
    @tf.function
    def inner(x):
        return x * 2.0

    @tf.function
    def outer(x):
        return inner(x) + 1.0

    assert float(outer(tf.constant(2.0))) == 5.0


def test_methods_bind_per_instance():
    class Scale(tf.Module):
        def __init__(self, k):
            super().__init__()
            self.k = tf.Variable(k)

        @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
        def __call__(self, x):
            return {"y": x * self.k}

    a, b = Scale(2.0), Scale(3.0)
    x = tf.constant([[1.0, 2.0, 3.0]])
    assert a(x)["y"].numpy().tolist() == [[2.0, 4.0, 6.0]]
    assert b(x)["y"].numpy().tolist() == [[3.0, 6.0, 9.0]]


def test_structured_outputs_and_python_values():
    @tf.function
    def f(x):
        return {"sum": tf.reduce_sum(x), "n": 3, "pair": (x, x * 2.0)}

    out = f(tf.constant([1.0, 2.0]))
    assert float(out["sum"]) == 3.0 and out["n"] == 3
    assert out["pair"][1].numpy().tolist() == [2.0, 4.0]


# Tracing counts TensorFlow 2.21 gives for the cases of its tf.function guide.
def _count(fn_factory, calls):
    f = fn_factory()
    for c in calls:
        c(f)
    return f.experimental_get_tracing_count()


def _ident():
    return tf.function(lambda x: x)


RETRACING = {
    "python ints": (_ident, [lambda f: f(1), lambda f: f(2), lambda f: f(1)], 2),
    "same-shape tensors": (_ident, [lambda f: f(tf.constant(1)), lambda f: f(tf.constant(2))], 1),
    "new dtype": (_ident, [lambda f: f(tf.constant(1)), lambda f: f(tf.constant(1.0))], 2),
    "new shapes": (_ident, [lambda f: f(tf.constant([1])), lambda f: f(tf.constant([1, 2])),
                            lambda f: f(tf.constant([[1]]))], 3),
    "input_signature None dim": (
        lambda: tf.function(lambda x: x, input_signature=[tf.TensorSpec([None], tf.int32)]),
        [lambda f: f(tf.constant([1])), lambda f: f(tf.constant([1, 2, 3]))], 1),
    "reduce_retracing": (lambda: tf.function(lambda x: x, reduce_retracing=True),
                         [lambda f, n=n: f(tf.zeros([n])) for n in range(1, 6)], 2),
    "python lists": (_ident, [lambda f: f([1, 2]), lambda f: f([1, 2]), lambda f: f([1, 3])], 2),
    "list of tensors": (_ident, [lambda f: f([tf.constant(1), tf.constant(2)]),
                                 lambda f: f([tf.constant(3), tf.constant(4)])], 1),
    "dict of tensors": (_ident, [lambda f: f({"a": tf.constant(1)}),
                                 lambda f: f({"a": tf.constant(2)}),
                                 lambda f: f({"b": tf.constant(2)})], 2),
    "python floats vs tensors": (_ident, [lambda f: f(1.0), lambda f: f(tf.constant(1.0)),
                                          lambda f: f(2.0)], 3),
    "bools": (_ident, [lambda f: f(True), lambda f: f(False), lambda f: f(True)], 2),
    "None argument": (lambda: tf.function(lambda x, y=None: x),
                      [lambda f: f(tf.constant(1)), lambda f: f(tf.constant(1), None),
                       lambda f: f(tf.constant(1), 2)], 2),
    "numpy arrays": (_ident, [lambda f: f(np.ones(3, np.float32)),
                              lambda f: f(np.zeros(3, np.float32))], 1),
    "variables": (_ident, [lambda f: f(tf.Variable(1.0)), lambda f: f(tf.Variable(2.0))], 1),
}


@pytest.mark.parametrize("case", sorted(RETRACING))
def test_retracing_counts_match_tensorflow(case):
    factory, calls, expected = RETRACING[case]
    assert _count(factory, calls) == expected


def test_py_function_and_numpy_function_run_at_call_time():
    calls = []

    def plus_one(a):
        calls.append(type(a).__name__)
        return a + 1

    @tf.function
    def f(x):
        return tf.py_function(plus_one, [x], Tout=tf.float32)

    assert float(f(tf.constant(1.0))) == 2.0 and float(f(tf.constant(5.0))) == 6.0
    assert calls == ["EagerTensor", "EagerTensor"]  # each call, with eager tensors
    pair = tf.py_function(lambda v: (v, v * 2), [tf.constant(3.0)], Tout=[tf.float32, tf.float32])
    assert [float(t) for t in pair] == [3.0, 6.0]
    got = tf.numpy_function(lambda a: a * 2, [tf.constant([1, 2])], Tout=tf.int32)
    assert got.numpy().tolist() == [2, 4]
