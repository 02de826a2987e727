"""`import tessera` (the core alone) wall time beside `import numpy` and `import tensorflow`.

Each figure is the median over fresh interpreters, minus nothing: it is what a user waits.
Goal (issue 2): `import tessera` under 0.3 s. TensorFlow measured 4.2 s on the 2-core
reference machine.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _timing import importable, median_ms, table, wall_times

CASES = [
    ("python -c pass", "pass", "sys"),
    ("import numpy", "import numpy", "numpy"),
    ("import tessera", "import tessera", "tessera"),
    ("import tessera + load plugins",
     "import tessera.plugins as p; p.registry()", "tessera"),
    ("import onnxruntime", "import onnxruntime", "onnxruntime"),
    ("import tensorflow", "import tensorflow", "tensorflow"),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--tf-runs", type=int, default=3, help="TensorFlow imports are slow")
    args = ap.parse_args()
    env_note = {"TF_CPP_MIN_LOG_LEVEL": "3"}
    os.environ.update(env_note)
    rows, base = [], None
    for label, code, module in CASES:
        if module != "sys" and not importable(module):
            rows.append([label, "not installed", "", ""])
            continue
        runs = args.tf_runs if module == "tensorflow" else args.runs
        ms = median_ms(wall_times(code, runs))
        base = base if base is not None else ms
        rows.append([label, f"{ms:.1f}", f"{ms - base:.1f}", str(runs)])
    print("import time (median wall ms over fresh interpreters)")
    print(table(rows, ["what", "wall ms", "minus bare python", "runs"]))
    tessera_ms = float(rows[2][1])
    print(f"\ngoal: import tessera < 300 ms -> {'met' if tessera_ms < 300 else 'NOT met'} "
          f"({tessera_ms:.1f} ms)")


if __name__ == "__main__":
    main()
