"""tessera.onnx.export: valid ONNX, same outputs in plain ONNX Runtime."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import tessera as tf


class Scale(tf.Module):
    def __init__(self):
        super().__init__()
        self.k = tf.Variable(2.0)
        self.w = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2))

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def __call__(self, x):
        return {"y": tf.maximum(x @ self.w, 0.0) * self.k, "s": tf.reduce_sum(x, axis=1)}


def test_module_export_runs_in_onnx_runtime(tmp_path):
    m = Scale()
    path = tmp_path / "m.onnx"
    tf.onnx.export(m, path)
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    assert model.ir_version <= 13
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["x"]
    assert [o.name for o in sess.get_outputs()] == ["s", "y"]
    x = np.random.RandomState(0).rand(4, 3).astype(np.float32)
    s, y = sess.run(["s", "y"], {"x": x})
    want = m(tf.constant(x))
    np.testing.assert_allclose(y, want["y"].numpy(), rtol=1e-5)
    np.testing.assert_allclose(s, want["s"].numpy(), rtol=1e-5)
    assert sess.get_inputs()[0].shape[1] == 3  # the signature's shape, batch left symbolic


def test_function_with_explicit_signature(tmp_path):
    f = tf.function(lambda a, b: a * b + 1.0)
    tf.onnx.export(f, tmp_path / "f.onnx",
                   input_signature=[tf.TensorSpec([2], tf.float32, name="a"),
                                    tf.TensorSpec([2], tf.float32, name="b")])
    sess = ort.InferenceSession(str(tmp_path / "f.onnx"))
    (out,) = sess.run(None, {"a": np.array([1, 2], np.float32), "b": np.array([3, 4], np.float32)})
    assert out.tolist() == [4.0, 9.0]


def test_errors():
    f = tf.function(lambda x: x)
    with pytest.raises(ValueError, match="needs an input signature"):
        tf.onnx.export(f, "unused.onnx")
    v = tf.Variable(1.0)
    step = tf.function(lambda: v.assign_add(1.0, read_value=False),
                       input_signature=[])
    with pytest.raises(ValueError, match="assigns variables"):
        tf.onnx.export(step, "unused.onnx")
    with pytest.raises(FileNotFoundError, match="no ONNX model"):
        tf.onnx.load("missing.onnx")
