"""tf.data throughput: Tessera elements/s beside TensorFlow's, measured in the same run.

Cases (100k small records, 8 float32 features + an int64 label each):
  pipeline        from_tensor_slices -> map -> shuffle(10k, seed) -> batch(256) -> prefetch
  pipeline AUTO   the same with map(num_parallel_calls=AUTOTUNE)
  tfrecord read   TFRecordDataset over 100k 100-byte records -> batch(256)

TensorFlow runs in its own interpreter (``--tf-python``, default: this one, or
$TESSERA_BENCH_TF_PYTHON) when it is importable there. Goal (issue 6): Tessera >= TF on the
pipeline. The map function is user Python calling eager ops, so its cost is the eager op
overhead of each framework.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from _timing import importable, table

N = 100_000


def _run_cases(impl: str, repeats: int, tfrecord_path: str) -> dict:
    import importlib

    import numpy as np

    tf = importlib.import_module(impl)
    rng = np.random.default_rng(0)
    x = rng.random((N, 8), dtype=np.float32)
    y = np.arange(N, dtype=np.int64)

    def pipeline(par):
        ds = tf.data.Dataset.from_tensor_slices((x, y))
        ds = ds.map(lambda a, b: (a * 2.0 + 1.0, b + 1), num_parallel_calls=par)
        return ds.shuffle(10_000, seed=1).batch(256).prefetch(tf.data.AUTOTUNE)

    def records():
        return tf.data.TFRecordDataset(tfrecord_path).batch(256)

    def rate(make) -> float:
        best = 0.0
        for _ in range(repeats):
            ds = make()
            t0 = time.perf_counter()
            n = 0
            for batch in ds:
                first = batch[0] if isinstance(batch, tuple) else batch
                n += int(first.shape[0])
            best = max(best, n / (time.perf_counter() - t0))
        return best

    return {"pipeline": rate(lambda: pipeline(None)),
            "pipeline AUTO": rate(lambda: pipeline(tf.data.AUTOTUNE)),
            "tfrecord read": rate(records)}


def _write_records(path: str) -> None:
    import tessera as tf

    payload = bytes(range(100))
    with tf.io.TFRecordWriter(path) as w:
        for _ in range(N):
            w.write(payload)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--tf-python", default=os.environ.get("TESSERA_BENCH_TF_PYTHON",
                                                          sys.executable))
    ap.add_argument("--impl", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--records", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.impl:  # child mode: print one JSON line
        print(json.dumps(_run_cases(args.impl, args.repeats, args.records)))
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.tfrecord")
        t0 = time.perf_counter()
        _write_records(path)
        write_rate = N / (time.perf_counter() - t0)
        ours = _run_cases("tessera", args.repeats, path)
        theirs = None
        if importable("tensorflow", args.tf_python):
            out = subprocess.run([args.tf_python, __file__, "--impl", "tensorflow", "--repeats",
                                  str(args.repeats), "--records", path],
                                 capture_output=True, text=True, check=True)
            theirs = json.loads(out.stdout.strip().splitlines()[-1])
    rows = []
    for case, rate in ours.items():
        tf_rate = theirs.get(case) if theirs else None
        rows.append([case, f"{rate:,.0f}", f"{tf_rate:,.0f}" if tf_rate else "n/a",
                     f"{rate / tf_rate:.2f}x" if tf_rate else ""])
    print(f"tf.data throughput, elements/s (best of {args.repeats}, {N:,} records)")
    print(table(rows, ["case", "tessera", "tensorflow", "tessera/tf"]))
    print(f"\nTFRecordWriter (Tessera): {write_rate:,.0f} records/s")
    if theirs:
        ok = ours["pipeline"] >= theirs["pipeline"]
        print(f"goal: pipeline >= TensorFlow -> {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
