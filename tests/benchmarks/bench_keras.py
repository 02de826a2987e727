"""Issue 7's benchmark: the Keras quickstart MLP, trained with model.fit and called with
model(x), by Tessera and by TensorFlow (when importable, or given with --tf-python).

Model: Flatten -> Dense(128, relu) -> Dropout(0.2) -> Dense(10); Adam; batch 32;
scikit-learn's bundled 8x8 digits (1,797 samples). Reports fit samples/s (after a warm-up
epoch) and the median latency of model(x) on one sample.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from _timing import importable, table

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def measure(framework: str, epochs: int) -> dict:
    tf = __import__(framework)
    keras = tf.keras
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images / 16.0).astype("float32")
    y = d.target.astype("int32")
    model = keras.Sequential([keras.Input((8, 8)), keras.layers.Flatten(),
                              keras.layers.Dense(128, activation="relu"),
                              keras.layers.Dropout(0.2), keras.layers.Dense(10)])
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)  # warm-up: traces, compiles
    start = time.perf_counter()
    hist = model.fit(x, y, batch_size=32, epochs=epochs, verbose=0)
    fit_s = time.perf_counter() - start
    one = x[:1]
    for _ in range(20):
        model(one)
    lat = []
    for _ in range(300):
        t = time.perf_counter()
        model(one)
        lat.append(time.perf_counter() - t)
    return {"fit_samples_per_s": epochs * len(x) / fit_s,
            "call_latency_us": 1e6 * statistics.median(lat),
            "final_accuracy": float(hist.history["accuracy"][-1])}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--tf-python", default=None,
                        help="a Python with tensorflow installed (default: this one, if it has it)")
    parser.add_argument("--_worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._worker:
        print(json.dumps(measure(args._worker, args.epochs)))
        return
    results = {"tessera": measure("tessera", args.epochs)}
    tf_python = args.tf_python or (sys.executable if importable("tensorflow") else None)
    if tf_python:
        out = subprocess.run([tf_python, __file__, "--_worker", "tensorflow", "--epochs",
                              str(args.epochs)], capture_output=True, text=True, check=True,
                             cwd="/")
        results["tensorflow"] = json.loads(out.stdout.strip().splitlines()[-1])
    rows = [[name, f"{r['fit_samples_per_s']:,.0f}", f"{r['call_latency_us']:,.0f}",
             f"{r['final_accuracy']:.3f}"] for name, r in results.items()]
    if "tensorflow" in results:
        t, k = results["tessera"], results["tensorflow"]
        rows.append(["tessera / tensorflow",
                     f"{t['fit_samples_per_s'] / k['fit_samples_per_s']:.2f}x",
                     f"{k['call_latency_us'] / t['call_latency_us']:.2f}x faster", ""])
    print(table(rows, ["framework", "fit samples/s", "model(x) batch-1 us", "train acc"]))


if __name__ == "__main__":
    main()
