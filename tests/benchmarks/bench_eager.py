"""Eager op overhead and tape gradients, side by side in one run.

- `add` on 4x4 float32: Tessera (tf.add and `a + b`), NumPy (the raw limit), TensorFlow and
  PyTorch when installed. Goal (issue 3): <= 1.5 us/op. Reference machine: TF 17.5 us, torch 1.3 us.
- matmul 512x512 float32: Tessera vs np.matmul. Goal: within 1.2x of the raw BLAS time.
- tape gradient of reduce_sum(v * v), v 4x4: Tessera, TensorFlow, PyTorch. Goal (issue 4):
  <= 30 us. Reference machine: TF 411 us, torch 33 us.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import timeit

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _timing import table

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def best_us(fn, number: int, repeat: int = 7) -> float:
    fn()
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer iterations")
    args = ap.parse_args()
    scale = 0.1 if args.quick else 1.0
    n_small, n_tape, n_mm = int(200_000 * scale), int(20_000 * scale), max(3, int(30 * scale))

    import tessera as tf

    rows = []
    a_np = np.ones((4, 4), np.float32)
    a, b = tf.constant(a_np), tf.constant(a_np)
    rows.append(["add 4x4", "numpy np.add", f"{best_us(lambda: np.add(a_np, a_np), n_small):.2f}"])
    rows.append(["add 4x4", "tessera tf.add", f"{best_us(lambda: tf.add(a, b), n_small):.2f}"])
    rows.append(["add 4x4", "tessera a + b", f"{best_us(lambda: a + b, n_small):.2f}"])

    m_np = np.random.RandomState(0).rand(512, 512).astype(np.float32)
    m = tf.constant(m_np)
    rows.append(["matmul 512", "numpy np.matmul", f"{best_us(lambda: np.matmul(m_np, m_np), n_mm):.0f}"])
    rows.append(["matmul 512", "tessera tf.matmul", f"{best_us(lambda: tf.matmul(m, m), n_mm):.0f}"])

    v = tf.Variable(a_np)

    def tessera_tape():
        with tf.GradientTape() as t:
            loss = tf.reduce_sum(v * v)
        return t.gradient(loss, v)

    rows.append(["tape grad", "tessera", f"{best_us(tessera_tape, n_tape):.1f}"])

    if importlib.util.find_spec("tensorflow") is not None:
        import tensorflow as real_tf

        ta, tb = real_tf.constant(a_np), real_tf.constant(a_np)
        rows.append(["add 4x4", "tensorflow tf.add", f"{best_us(lambda: real_tf.add(ta, tb), n_small // 10):.2f}"])
        tm = real_tf.constant(m_np)
        rows.append(["matmul 512", "tensorflow", f"{best_us(lambda: real_tf.matmul(tm, tm).numpy(), n_mm):.0f}"])
        tv = real_tf.Variable(a_np)

        def tf_tape():
            with real_tf.GradientTape() as t:
                loss = real_tf.reduce_sum(tv * tv)
            return t.gradient(loss, tv)

        rows.append(["tape grad", "tensorflow", f"{best_us(tf_tape, n_tape // 10):.1f}"])
    else:
        rows.append(["(tensorflow)", "not installed", ""])

    if importlib.util.find_spec("torch") is not None:
        import torch

        pa, pb = torch.ones(4, 4), torch.ones(4, 4)
        rows.append(["add 4x4", "pytorch torch.add", f"{best_us(lambda: torch.add(pa, pb), n_small):.2f}"])
        pv = torch.ones(4, 4, requires_grad=True)

        def torch_tape():
            loss = (pv * pv).sum()
            return torch.autograd.grad(loss, pv)

        rows.append(["tape grad", "pytorch", f"{best_us(torch_tape, n_tape):.1f}"])
    else:
        rows.append(["(pytorch)", "not installed", ""])

    rows.sort(key=lambda r: r[0])
    print("eager overhead (best of 7, microseconds per call)")
    print(table(rows, ["case", "implementation", "us/call"]))


if __name__ == "__main__":
    main()
