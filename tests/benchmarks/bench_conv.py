"""Convolution and pooling: Tessera beside raw NumPy/BLAS and TensorFlow, in one process.

The raw NumPy figure is the same algorithm Tessera's kernel uses, written by hand: im2col
through ``sliding_window_view`` copied into one contiguous patch matrix, then one BLAS GEMM
(``matmul``). The gap between the two is Tessera's overhead (argument checks, dispatch,
padding, dtype handling). Goal (issue 3): conv2d on batch 8, 32x32x64 -> 64 filters 3x3 SAME
within 1.2x of the raw NumPy/BLAS time. TensorFlow (when importable) runs its own kernels
(oneDNN/Eigen), so its column shows what a tuned C++ library does on this machine.

Each figure is the median (and min) wall time over ``--runs`` calls after a warm-up call;
the contenders are called in turn every round, so machine load hits them alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

sys.path.insert(0, os.path.dirname(__file__))
from _timing import importable, table


def _interleaved(fns, runs: int) -> list[list[float]]:
    """Wall times of each function, called in turn every round, so a busy machine slows all
    of them alike (a warm-up call each first: imports, plugins, first-touch allocations)."""
    for fn in fns:
        fn()
    out = [[] for _ in fns]
    for _ in range(runs):
        for times, fn in zip(out, fns):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return out


def _fmt(times: list[float] | None) -> str:
    if not times:
        return "-"
    return f"{1000 * statistics.median(times):.2f} ({1000 * min(times):.2f})"


# ---- raw NumPy references -------------------------------------------------------------------
def np_conv2d_same(x, w):
    """im2col + one GEMM, stride 1, SAME padding, NHWC."""
    kh, kw, c, o = w.shape
    n, h, wd, _ = x.shape
    ph, pw = kh - 1, kw - 1
    xp = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    v = sliding_window_view(xp, (kh, kw), axis=(1, 2))  # [n, h, w, c, kh, kw]
    cols = np.ascontiguousarray(v.transpose(0, 1, 2, 4, 5, 3)).reshape(n * h * wd, kh * kw * c)
    return np.matmul(cols, w.reshape(kh * kw * c, o)).reshape(n, h, wd, o)


def np_conv2d_grads(x, w, dy):
    """Forward pass, then the input and filter gradients of the SAME conv (what a tape step
    does): cols @ W, col2im of dy @ W^T, and cols^T @ dy, sharing one im2col."""
    kh, kw, c, o = w.shape
    n, h, wd, _ = x.shape
    ph, pw = (kh - 1) // 2, (kw - 1) // 2
    xp = np.pad(x, ((0, 0), (ph, kh - 1 - ph), (pw, kw - 1 - pw), (0, 0)))
    v = sliding_window_view(xp, (kh, kw), axis=(1, 2))
    cols = np.ascontiguousarray(v.transpose(0, 1, 2, 4, 5, 3)).reshape(n * h * wd, kh * kw * c)
    y = np.matmul(cols, w.reshape(kh * kw * c, o)).reshape(n, h, wd, o)
    dyf = dy.reshape(n * h * wd, o)
    dw = np.matmul(cols.T, dyf).reshape(w.shape)
    dcols = np.matmul(dyf, w.reshape(kh * kw * c, o).T).reshape(n, h, wd, kh, kw, c)
    dxp = np.zeros(xp.shape, x.dtype)
    for i in range(kh):
        for j in range(kw):
            dxp[:, i:i + h, j:j + wd, :] += dcols[:, :, :, i, j, :]
    return y, dxp[:, ph:ph + h, pw:pw + wd, :], dw


def np_max_pool_2x2(x):
    n, h, w, c = x.shape
    return x.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def np_depthwise_same(x, w):
    kh, kw = w.shape[:2]
    h, wd = x.shape[1:3]
    xp = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    out = np.zeros_like(x)
    for i in range(kh):
        for j in range(kw):
            out += xp[:, i:i + h, j:j + wd, :] * w[i, j, :, 0]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tessera as ts

    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 32, 32, 64), dtype=np.float32)
    w = rng.standard_normal((3, 3, 64, 64), dtype=np.float32)
    wd = rng.standard_normal((3, 3, 64, 1), dtype=np.float32)
    dy = rng.standard_normal((8, 32, 32, 64), dtype=np.float32)
    xt, wt, wdt = ts.constant(x), ts.constant(w), ts.constant(wd)
    dyt = ts.constant(dy)

    def ts_grads():
        with ts.GradientTape() as tape:
            tape.watch([xt, wt])
            y = ts.nn.conv2d(xt, wt, 1, "SAME")
        return tape.gradient(y, [xt, wt], output_gradients=dyt)

    cases = [
        ("conv2d 8x32x32x64 -> 64, 3x3 SAME", lambda: ts.nn.conv2d(xt, wt, 1, "SAME"),
         lambda: np_conv2d_same(x, w), None),
        ("conv2d forward + input/filter grads", ts_grads, lambda: np_conv2d_grads(x, w, dy), None),
        ("depthwise_conv2d 3x3 SAME", lambda: ts.nn.depthwise_conv2d(xt, wdt, [1, 1, 1, 1],
                                                                     "SAME"),
         lambda: np_depthwise_same(x, wd), None),
        ("max_pool2d 2x2 stride 2", lambda: ts.nn.max_pool2d(xt, 2, 2, "VALID"),
         lambda: np_max_pool_2x2(x), None),
    ]
    # same results, checked before timing anything
    np.testing.assert_allclose(cases[0][1]().numpy(), cases[0][2](), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(cases[2][1]().numpy(), cases[2][2](), rtol=1e-3, atol=1e-3)

    have_tf = importable("tensorflow")
    if have_tf:
        import tensorflow as tf

        xf, wf, wdf, dyf = (tf.constant(a) for a in (x, w, wd, dy))

        def tf_grads():
            with tf.GradientTape() as tape:
                tape.watch([xf, wf])
                y = tf.nn.conv2d(xf, wf, 1, "SAME")
            return tape.gradient(y, [xf, wf], output_gradients=dyf)

        tf_fns = [lambda: tf.nn.conv2d(xf, wf, 1, "SAME"), tf_grads,
                  lambda: tf.nn.depthwise_conv2d(xf, wdf, [1, 1, 1, 1], "SAME"),
                  lambda: tf.nn.max_pool2d(xf, 2, 2, "VALID")]
        cases = [(label, t, n, f) for (label, t, n, _), f in zip(cases, tf_fns)]

    rows, goal = [], None
    for label, ts_fn, np_fn, tf_fn in cases:
        fns = [ts_fn, np_fn] + ([tf_fn] if tf_fn is not None else [])
        t_ts, t_np, *rest = _interleaved(fns, args.runs)
        t_tf = rest[0] if rest else None
        ratio = statistics.median(t_ts) / statistics.median(t_np)
        rows.append([label, _fmt(t_ts), _fmt(t_np), f"{ratio:.2f}x",
                     _fmt(t_tf) if have_tf else "not installed"])
        if goal is None:
            goal = ratio
    print(f"convolutions and pooling, float32 (median (min) wall ms over {args.runs} runs)")
    print(table(rows, ["what", "tessera", "raw numpy/BLAS", "tessera/numpy", "tensorflow"]))
    print(f"\ngoal: conv2d within 1.2x of raw NumPy/BLAS im2col+GEMM -> "
          f"{'met' if goal <= 1.2 else 'NOT met'} ({goal:.2f}x)")


if __name__ == "__main__":
    main()
