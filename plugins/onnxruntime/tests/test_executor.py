"""The ONNX Runtime executor: same results as the reference interpreter, whole training steps
in one session, fallback for graphs it cannot run, jit_compile semantics."""

from __future__ import annotations

import numpy as np
import pytest

import tessera as tf
from tessera._graph.interpreter import ReferenceExecutor
from tessera_onnxruntime import OnnxRuntimeExecutor


def executor_of(fn, *args):
    return fn.get_concrete_function(*args)._executor


def test_plugin_registers_the_executor():
    from tessera.plugins import plugin_records, registry

    assert "onnxruntime" in registry().executors
    (rec,) = [r for r in plugin_records() if r.name == "onnxruntime"]
    assert rec.distribution == "tessera-onnxruntime" and rec.status == "loaded"


def test_mlp_matches_reference_interpreter():
    rng = np.random.RandomState(0)
    w1 = tf.Variable(rng.rand(8, 16).astype(np.float32))
    w2 = tf.Variable(rng.rand(16, 4).astype(np.float32))

    def mlp(x):
        h = tf.maximum(x @ w1, 0.0)
        return tf.reduce_mean(h @ w2, axis=1, keepdims=True) - tf.reduce_max(h)

    compiled = tf.function(mlp)
    reference = tf.function(mlp, jit_compile=False)
    x = tf.constant(rng.rand(3, 8).astype(np.float32))
    np.testing.assert_allclose(compiled(x).numpy(), reference(x).numpy(), rtol=1e-5)
    assert isinstance(executor_of(compiled, x), OnnxRuntimeExecutor)
    assert isinstance(executor_of(reference, x), ReferenceExecutor)


def test_session_is_cached_per_concrete_function():
    f = tf.function(lambda x: x * 2.0 + 1.0)
    x = tf.constant([1.0, 2.0])
    f(x)
    first = executor_of(f, x)
    f(x)
    assert executor_of(f, x) is first
    f(tf.constant([[1.0]]))  # another signature, another session
    assert executor_of(f, tf.constant([[1.0]])) is not first


def test_training_step_runs_as_one_onnx_runtime_call():
    w = tf.Variable([1.0, 2.0])
    b = tf.Variable(0.5)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.reduce_sum(w * x, axis=1) + b - y))
        gw, gb = tape.gradient(loss, [w, b])
        w.assign_sub(0.02 * gw)
        b.assign_sub(0.02 * gb)
        return loss

    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    y = tf.constant([1.0, 2.0])
    losses = [float(train_step(x, y)) for _ in range(30)]
    assert isinstance(executor_of(train_step, x, y), OnnxRuntimeExecutor)
    assert losses[-1] < losses[0] / 10
    # the same steps eagerly give the same variables
    w2, b2 = tf.Variable([1.0, 2.0]), tf.Variable(0.5)
    for _ in range(30):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.reduce_sum(w2 * x, axis=1) + b2 - y))
        gw, gb = tape.gradient(loss, [w2, b2])
        w2.assign_sub(0.02 * gw)
        b2.assign_sub(0.02 * gb)
    np.testing.assert_allclose(w.numpy(), w2.numpy(), rtol=1e-4)
    np.testing.assert_allclose(b.numpy(), b2.numpy(), rtol=1e-4)


def test_onnx_model_is_valid_and_uses_a_supported_ir_version():
    import onnx

    f = tf.function(lambda x: tf.reduce_sum(x * x))
    x = tf.constant([1.0, 2.0])
    f(x)
    model = executor_of(f, x).model
    onnx.checker.check_model(model, full_check=True)
    assert model.ir_version <= 13


def test_graph_with_unlowerable_op_falls_back():
    from tessera._framework.op import declare, no_onnx_lowering
    from tessera._graph.function import _make_executor

    op = declare("_TestNoLowering", lambda x: x + 1, infer=lambda x: x)
    no_onnx_lowering(op, "test op")
    from tessera._framework.execute import execute
    from tessera._framework.op import CORE_OPS

    op.kernels["CPU"] = op.kernel
    try:
        f = tf.function(lambda x: execute(op, (x * 2.0,), {}))
        assert float(f(tf.constant(1.0))) == 3.0
        assert isinstance(executor_of(f, tf.constant(1.0)), ReferenceExecutor)
        g = tf.function(lambda x: execute(op, (x,), {}), jit_compile=True)
        with pytest.raises(tf.errors.UnimplementedError, match="could not compile"):
            g(tf.constant(1.0))
        assert _make_executor is not None
    finally:
        del CORE_OPS["_TestNoLowering"]


def test_control_flow_lowers_to_onnx_if_and_loop():
    @tf.function
    def f(x, n):
        y = tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2.0, lambda: -x)
        _, acc = tf.while_loop(lambda i, a: i < n, lambda i, a: (i + 1, a + y), [0, x * 0.0])
        return acc

    reference = tf.function(f.python_function, jit_compile=False)
    for x in ([1.0, 2.0], [-1.0, -3.0]):
        args = (tf.constant(x), tf.constant(3))
        np.testing.assert_allclose(f(*args).numpy(), reference(*args).numpy())
    assert isinstance(executor_of(f, tf.constant([1.0, 2.0]), tf.constant(3)),
                      OnnxRuntimeExecutor)
    ops = [n.op_type for n in executor_of(f, tf.constant([1.0, 2.0]),
                                          tf.constant(3)).model.graph.node]
    assert "If" in ops and "Loop" in ops


def test_fixed_size_tensor_array_loop_compiles():
    @tf.function(jit_compile=True)
    def f(x):
        ta = tf.TensorArray(tf.float32, size=3)
        for i in tf.range(3):
            ta = ta.write(i, x * tf.cast(i, tf.float32))
        return ta.stack()

    np.testing.assert_array_equal(f(tf.constant([1.0, 2.0])).numpy(), [[0, 0], [1, 2], [2, 4]])
    assert isinstance(executor_of(f, tf.constant([1.0, 2.0])), OnnxRuntimeExecutor)
