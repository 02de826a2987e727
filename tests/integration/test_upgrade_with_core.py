"""tessera-upgrade plugs into the `tessera` command when tessera-core is installed."""

from __future__ import annotations

import subprocess
import sys


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "tessera", *args], capture_output=True, text=True,
                          input=stdin, timeout=120)


def test_tessera_plugins_lists_upgrade():
    out = run("plugins")
    assert out.returncode == 0, out.stderr
    row = next(line for line in out.stdout.splitlines() if line.startswith("upgrade "))
    assert "tessera-upgrade" in row and row.rstrip().endswith("loaded")


def test_tessera_upgrade_subcommand_converts_a_file(tmp_path):
    src = tmp_path / "old.py"
    src.write_text("import tensorflow as tf\n"
                   "y = tf.to_float(x)  # keep this comment\n"
                   "z = tf.nn.dropout(y, keep_prob=0.8)\n")
    out_file = tmp_path / "new.py"
    report = tmp_path / "report.txt"
    out = run("upgrade", "--infile", str(src), "--outfile", str(out_file),
              "--reportfile", str(report))
    assert out.returncode == 0, out.stderr + out.stdout
    text = out_file.read_text()
    assert "tf.cast(x, dtype=tf.float32)  # keep this comment" in text
    assert "rate=1 - (0.8)" in text or "rate=1 - 0.8" in text
    assert report.exists()


def test_tessera_upgrade_help_matches_tf_upgrade():
    out = run("upgrade", "--help")
    assert out.returncode == 0
    for flag in ("--infile", "--intree", "--reportfile", "--mode", "--copyotherfiles", "--check"):
        assert flag in out.stdout
