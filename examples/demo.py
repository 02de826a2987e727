"""Tessera's end-to-end demo: what works today, run start to finish.

1. `tessera info`: the installed distributions, plugins and devices.
2. Eager TensorFlow 2 code: tensors, ops, printing as TensorFlow prints.
3. A model trained with tf.GradientTape: linear regression on synthetic data.
4. A small classifier trained with a compiled `tf.function` step (one ONNX Runtime call per
   step when tessera-onnxruntime is installed), saved as a SavedModel, reloaded, exported
   to ONNX and checked against plain ONNX Runtime.
5. tf-upgrade: a TensorFlow 1.x snippet migrated to TF 2 (when tessera-upgrade is installed).

Run it with `python3 -m nox -s demo`, or `python examples/demo.py` where tessera is installed.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import tessera as tf


def section(title: str) -> None:
    print(f"\n=== {title} " + "=" * max(0, 70 - len(title)))


def show_info() -> None:
    section("tessera info")
    out = subprocess.run([sys.executable, "-m", "tessera", "info"], capture_output=True, text=True,
                         check=True)
    print(out.stdout.rstrip())


def eager_tensors() -> None:
    section("eager tensors")
    a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    b = tf.ones([2, 2])
    print(a @ b + 1.0)
    print(tf.reduce_mean(a, axis=0), tf.argmax(tf.reshape(a, [-1])))
    print(a[:, ::-1], tf.stack([a, b]).shape)
    try:
        tf.constant(1.0) + tf.constant(1)
    except tf.errors.InvalidArgumentError as e:
        print("InvalidArgumentError:", e)


def train_linear_regression() -> float:
    section("training with tf.GradientTape")
    rng = np.random.RandomState(0)
    true_w, true_b = np.array([[2.0], [-3.0], [0.5]], np.float32), 1.25
    x = tf.constant(rng.randn(256, 3).astype(np.float32))
    y = x @ tf.constant(true_w) + true_b
    w, b = tf.zeros([3, 1]), tf.zeros([1])
    lr = 0.1
    start = time.perf_counter()
    for step in range(200):
        with tf.GradientTape() as tape:
            tape.watch([w, b])
            loss = tf.reduce_mean(tf.square(x @ w + b - y))
        gw, gb = tape.gradient(loss, [w, b])
        w, b = w - lr * gw, b - lr * gb
        if step % 50 == 0 or step == 199:
            print(f"step {step:3d}  loss {float(loss):.6f}")
    elapsed = time.perf_counter() - start
    print(f"learned w={np.round(w.numpy().ravel(), 3).tolist()} b={float(b.numpy()[0]):.3f} "
          f"(true w={true_w.ravel().tolist()} b={true_b}); 200 steps in {elapsed * 1000:.0f} ms")
    return float(loss)


def compiled_classifier() -> float:
    section("tf.function training, SavedModel, ONNX")
    rng = np.random.RandomState(1)
    centers = rng.randn(3, 4).astype(np.float32) * 3
    labels = rng.randint(0, 3, 600)
    x = tf.constant(centers[labels] + rng.randn(600, 4).astype(np.float32))
    y = tf.constant(labels.astype(np.int64))

    class Classifier(tf.Module):
        def __init__(self):
            super().__init__()
            self.w1 = tf.Variable(rng.randn(4, 16).astype(np.float32) * 0.5)
            self.b1 = tf.Variable(np.zeros(16, np.float32))
            self.w2 = tf.Variable(rng.randn(16, 3).astype(np.float32) * 0.5)

        @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32)])
        def __call__(self, x):
            return tf.nn.softmax(tf.nn.relu(x @ self.w1 + self.b1) @ self.w2)

    model = Classifier()

    @tf.function
    def train_step(xb, yb):
        with tf.GradientTape() as tape:
            logits = tf.nn.relu(xb @ model.w1 + model.b1) @ model.w2
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(yb, logits))
        for v, g in zip(model.trainable_variables, tape.gradient(loss, model.trainable_variables)):
            v.assign_sub(0.1 * g)
        return loss

    start = time.perf_counter()
    for _ in range(30):
        for i in range(0, 600, 50):
            loss = train_step(x[i:i + 50], y[i:i + 50])
    elapsed = time.perf_counter() - start
    executor = type(train_step.get_concrete_function(x[:50], y[:50])._executor).__name__
    acc = float(np.mean(np.argmax(model(x).numpy(), axis=1) == labels))
    print(f"360 compiled steps in {elapsed * 1000:.0f} ms on {executor}; loss {float(loss):.4f}, "
          f"accuracy {acc:.3f}")
    with tempfile.TemporaryDirectory() as d:
        tf.saved_model.save(model, f"{d}/classifier")
        restored = tf.saved_model.load(f"{d}/classifier")
        same = np.allclose(restored(x[:5]).numpy(), model(x[:5]).numpy())
        print(f"SavedModel reloaded: signatures {list(restored.signatures)}, same outputs: {same}")
        if importlib.util.find_spec("onnxruntime") is not None:
            import onnxruntime as ort

            tf.onnx.export(model, f"{d}/classifier.onnx")
            sess = ort.InferenceSession(f"{d}/classifier.onnx")
            (probs,) = sess.run(None, {"x": x[:5].numpy()})
            print(f"ONNX export run by plain ONNX Runtime, same outputs: "
                  f"{np.allclose(probs, model(x[:5]).numpy(), atol=1e-5)}")
    return acc


def upgrade_tf1_code() -> None:
    section("tf-upgrade: TensorFlow 1.x -> 2.x")
    if importlib.util.find_spec("tessera_upgrade") is None:
        print("tessera-upgrade is not installed (pip install tessera-upgrade); skipping")
        return
    old = ("import tensorflow as tf\n"
           "x = tf.placeholder(tf.float32, [None, 3])\n"
           "h = tf.nn.dropout(tf.to_float(x), keep_prob=0.9)  # regularize\n"
           "loss = tf.reduce_mean(h, reduction_indices=[1], keep_dims=True)\n")
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "model.py"
        src.write_text(old)
        out = subprocess.run([sys.executable, "-m", "tessera_upgrade", "--infile", str(src),
                              "--outfile", str(Path(d) / "model_v2.py"), "--reportfile",
                              str(Path(d) / "report.txt")], capture_output=True, text=True)
        print(old)
        print("becomes:\n")
        print((Path(d) / "model_v2.py").read_text())
        if out.returncode not in (0, 1):
            raise SystemExit(f"tf-upgrade failed: {out.stderr}")


def main() -> int:
    show_info()
    eager_tensors()
    final_loss = train_linear_regression()
    accuracy = compiled_classifier()
    upgrade_tf1_code()
    if final_loss > 1e-3 or accuracy < 0.9:
        print(f"demo FAILED: a model did not converge (loss {final_loss}, accuracy {accuracy})")
        return 1
    print("\ndemo finished: all steps ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
