"""Build ``tests/golden/cases.json``: inputs written here, expectations checked against tf_upgrade_v2.

Run with an interpreter that has tessera-upgrade installed and pass TensorFlow's python:

    python packages/upgrade/tools/make_golden.py --tf-python /path/to/tf/venv/bin/python

For every case, tessera-upgrade's output is compared with tf_upgrade_v2's. Cases where they
agree are stored with that output. Cases listed in ``DIFFERENCES`` are known, deliberate
differences (TF's tool is wrong there, or Tessera keeps more); they are stored with
Tessera's output and the reason. Any other disagreement is printed and the script fails.
The tests themselves never need TensorFlow: expectations are hard-coded in the JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

from tessera_upgrade import Options, upgrade_source
from tessera_upgrade._tables import tables

OUT = Path(__file__).resolve().parents[1] / "tests" / "golden" / "cases.json"
HEADER = "import tensorflow as tf\n"

_ORACLE = r"""
import contextlib, io, json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
from tensorflow.tools.compatibility import ast_edits, tf_upgrade_v2, tf_upgrade_v2_safety
out = []
for mode, src in json.load(sys.stdin):
    if mode == "SAFETY":
        spec = tf_upgrade_v2_safety.TFAPIChangeSpec()
    else:
        spec = tf_upgrade_v2.TFAPIChangeSpec(upgrade_compat_v1_import=mode != "NOV1")
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            _, text, _, _ = ast_edits.ASTCodeUpgrader(spec).update_string_pasta(src, "t.py")
    except Exception as exc:
        text = "<tf_upgrade_v2 crashed: %r>" % (exc,)
    out.append(text)
json.dump(out, sys.stdout)
"""


def generated_cases() -> list[dict]:
    """Cases drawn from the tables: renames, keyword renames, reorders."""
    t = tables()
    rng = random.Random(20240501)
    cases = []
    renames = sorted(k for k in t.symbol_renames if "contrib" not in k)
    for name in rng.sample(renames, 60):
        cases.append({"category": "rename", "input": HEADER + f"y = {name}\n"})
    contrib = sorted(k for k in t.symbol_renames if k.startswith("tf.contrib."))
    for name in rng.sample(contrib, 12):
        cases.append({"category": "contrib", "input": HEADER + f"y = {name}(x)\n"})
    kw = sorted(k for k in t.function_keyword_renames if k.startswith("tf.") and "contrib" not in k)
    for name in rng.sample(kw, 30):
        old = sorted(t.function_keyword_renames[name])[0]
        cases.append({"category": "keyword", "input": HEADER + f"y = {name}(a, {old}=b)\n"})
    reorder = sorted(k for k in t.function_reorders if "contrib" not in k)
    for name in rng.sample(reorder, 25):
        n = len(t.function_reorders[name])
        args = ", ".join(f"a{i}" for i in range(n))
        cases.append({"category": "reorder", "input": HEADER + f"y = {name}({args})\n"})
    return cases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tf-python", required=True, help="python that can import tensorflow")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    from golden_manual import DIFFERENCES, MANUAL_CASES

    cases = generated_cases() + MANUAL_CASES
    batch = [[c.get("mode", "DEFAULT"), c["input"]] for c in cases]
    run = subprocess.run([args.tf_python, "-c", _ORACLE], input=json.dumps(batch),
                         capture_output=True, text=True, check=True)
    oracle = json.loads(run.stdout)
    stored, failures = [], 0
    seen: dict[str, int] = {}
    for case, theirs in zip(cases, oracle):
        mode = case.get("mode", "DEFAULT")
        options = Options(
            mode="SAFETY" if mode == "SAFETY" else "DEFAULT",
            upgrade_compat_v1_import=mode != "NOV1",
            target=case.get("target", "tensorflow"),
        )
        ours = upgrade_source(case["input"], options).new_text
        base = case.get("id") or f"{case['category']}-{case['input'].splitlines()[-1][:40]}"
        seen[base] = seen.get(base, 0) + 1
        cid = base if seen[base] == 1 else f"{base}#{seen[base]}"
        entry = {"id": cid, "category": case["category"], "mode": mode,
                 "target": case.get("target", "tensorflow"), "input": case["input"],
                 "expected": ours, "tf_upgrade_v2": "same"}
        note = DIFFERENCES.get(case.get("id", ""))
        if ours != theirs:
            if note is None:
                failures += 1
                print(f"MISMATCH {cid}\n--- input\n{case['input']}--- ours\n{ours}--- tf_upgrade_v2\n{theirs}")
                continue
            entry["tf_upgrade_v2"] = theirs
            entry["note"] = note
        stored.append(entry)
    OUT.write_text(json.dumps(stored, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(stored)} cases to {OUT}; {failures} unexplained mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
