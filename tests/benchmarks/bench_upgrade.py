"""Benchmark: upgrade a generated tree of 200 TF 1.x files (~20k lines).

Times ``tf-upgrade`` (this package) and, when available, TensorFlow's ``tf_upgrade_v2`` on
the same tree in the same run, and prints them side by side. Both run as command-line
tools (start-up included), the way users run them.

    python tests/benchmarks/bench_upgrade.py [--tf-upgrade-v2 PATH] [--files 200]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

_BLOCK = '''
def model_{i}(x, labels, keep_prob=0.5):
    """Block {i}: a TF 1.x model fragment."""
    with tf.variable_scope("block_{i}"):
        w = tf.get_variable("w", [10, 10], initializer=tf.contrib.layers.xavier_initializer())
        h = tf.nn.relu(tf.matmul(x, w))  # hidden layer
        h = tf.nn.dropout(h, keep_prob)
        logits = tf.layers.dense(h, 10)
        loss = tf.reduce_mean(
            tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits),
            reduction_indices=[0],
            keep_dims=True,
        )
        pred = tf.argmax(logits, dimension=1)
        acc = tf.to_float(tf.equal(pred, tf.argmax(labels, 1)))
        tf.summary.scalar("loss_{i}", loss)
        img = tf.image.resize_bilinear(tf.expand_dims(x, dim=0), [4, 4])
        opt = tf.train.AdamOptimizer(0.001)
        step = opt.minimize(loss, global_step=tf.train.get_or_create_global_step())
        return step, acc, img
'''


def make_tree(root: str, files: int, blocks: int = 5) -> int:
    """Write ``files`` modules of ``blocks`` functions each; returns the total line count."""
    lines = 0
    for f in range(files):
        sub = os.path.join(root, f"pkg{f % 10}")
        os.makedirs(sub, exist_ok=True)
        text = "import numpy as np\nimport tensorflow as tf\n\n" + "".join(
            _BLOCK.format(i=f * blocks + b) for b in range(blocks)
        ) + "\n\nif __name__ == '__main__':\n    with tf.Session() as sess:\n        sess.run(tf.global_variables_initializer())\n"
        with open(os.path.join(sub, f"mod{f}.py"), "w", encoding="utf-8") as handle:
            handle.write(text)
        lines += text.count("\n")
    return lines


def _time(cmd: list[str], cwd: str) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    return time.perf_counter() - start, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--tf-upgrade-v2", default=shutil.which("tf_upgrade_v2"),
                        help="path to TensorFlow's tf_upgrade_v2 (default: from PATH)")
    parser.add_argument("--jobs", type=int, default=None, help="tf-upgrade worker processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "in")
        lines = make_tree(tree, args.files)
        def ours(out: str, jobs: int | None) -> list[str]:
            cmd = [sys.executable, "-m", "tessera_upgrade", "--intree", tree, "--outtree",
                   os.path.join(tmp, out), "--reportfile", os.path.join(tmp, out + ".txt")]
            return cmd + (["--jobs", str(jobs)] if jobs is not None else [])

        rows = [
            ("tessera-upgrade (tf-upgrade)", *_time(ours("out_tessera", args.jobs), tmp)),
            ("tessera-upgrade --jobs 1", *_time(ours("out_serial", 1), tmp)),
        ]
        if args.tf_upgrade_v2:
            theirs = [args.tf_upgrade_v2, "--intree", tree, "--outtree", os.path.join(tmp, "out_tf"),
                      "--reportfile", os.path.join(tmp, "r2.txt")]
            rows.append(("tf_upgrade_v2", *_time(theirs, tmp)))
    print(f"Upgrading {args.files} files, {lines} lines ({os.cpu_count()} CPUs)")
    print(f"{'tool':32} {'seconds':>9} {'lines/s':>9} {'exit':>5}")
    for name, seconds, rc in rows:
        print(f"{name:32} {seconds:9.2f} {lines / seconds:9.0f} {rc:5d}")
    if args.tf_upgrade_v2:
        print(f"speed-up vs tf_upgrade_v2: {rows[-1][1] / rows[0][1]:.1f}x")
    else:
        print("tf_upgrade_v2 not found (install tensorflow-cpu or pass --tf-upgrade-v2) - no comparison")
    return 0


if __name__ == "__main__":
    sys.exit(main())
