"""tf-upgrade end to end: file and tree mode, notebooks, symlinks, bad files, exit status."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tessera_upgrade._cli import main

PY = "import tensorflow as tf\n\n# a comment\nsess = tf.Session()\n"
PY_OUT = "import tensorflow as tf\n\n# a comment\nsess = tf.compat.v1.Session()\n"
BAD = "import tensorflow as tf\ndef broken(:\n    tf.Session()\n"
CONTRIB = "import tensorflow as tf\ny = tf.contrib.layers.fully_connected(x, 3)\n"


def _notebook(*sources: str) -> str:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# tf.Session in markdown"]}]
    cells += [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
               "source": s.splitlines(keepends=True)} for s in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / "model.py").write_text(PY, encoding="utf-8")
    script = root / "pkg" / "sub" / "run.py"
    script.write_text("#!/usr/bin/env python\n" + PY, encoding="utf-8")
    script.chmod(0o755)
    (root / "pkg" / "broken.py").write_text(BAD, encoding="utf-8")
    (root / "pkg" / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (root / "nb.ipynb").write_text(_notebook("%matplotlib inline\nimport tensorflow as tf\n", "s = tf.Session()\n!ls\n"), encoding="utf-8")
    os.symlink("pkg/model.py", root / "link.py")
    return root


def _run(*args: str) -> int:
    return main(list(args))


def test_tree_mode(tree: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    report = tmp_path / "report.txt"
    rc = _run("--intree", str(tree), "--outtree", str(out), "--reportfile", str(report))
    assert rc == 1  # the syntax error is an ERROR
    assert (out / "pkg" / "model.py").read_text(encoding="utf-8") == PY_OUT
    run = out / "pkg" / "sub" / "run.py"
    assert run.read_text(encoding="utf-8") == "#!/usr/bin/env python\n" + PY_OUT
    assert stat.S_IMODE(run.stat().st_mode) == 0o755
    assert (out / "pkg" / "broken.py").read_text(encoding="utf-8") == BAD  # copied, untouched
    assert (out / "pkg" / "data.csv").read_text(encoding="utf-8") == "a,b\n1,2\n"
    assert os.readlink(out / "link.py") == "pkg/model.py"
    nb = json.loads((out / "nb.ipynb").read_text(encoding="utf-8"))
    assert nb["cells"][0]["source"] == ["# tf.Session in markdown"]
    assert nb["cells"][1]["source"] == ["%matplotlib inline\n", "import tensorflow as tf\n"]
    assert nb["cells"][2]["source"] == ["s = tf.compat.v1.Session()\n", "!ls\n"]
    text = report.read_text(encoding="utf-8")
    assert text.startswith("TensorFlow 2.0 Upgrade Script")
    assert "Converted 4 files\n" in text
    assert "Detected 1 issues that require attention\n" in text
    assert f"{tree / 'pkg' / 'broken.py'}:2:" in text and "ERROR: Failed to parse" in text
    assert "Detailed log follows:" in text
    assert f"Input tree: {str(tree)!r}" in text
    assert "Renamed 'tf.Session' to 'tf.compat.v1.Session'" in text
    assert "nb.ipynb" in text and "Copying symlink" in text
    assert "Make sure to read the detailed log" in capsys.readouterr().out


def test_tree_output_must_not_exist(tree: Path, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    with pytest.raises(SystemExit) as exc:
        _run("--intree", str(tree), "--outtree", str(tmp_path / "out"))
    assert exc.value.code == 2


def test_copyotherfiles_false_is_false(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run("--intree", str(tree), "--outtree", str(out), "--copyotherfiles", "False",
         "--reportfile", str(tmp_path / "r.txt"))
    assert not (out / "pkg" / "data.csv").exists()
    assert (out / "pkg" / "model.py").exists()


def test_inplace_tree_leaves_broken_file(tree: Path, tmp_path: Path) -> None:
    rc = _run("--intree", str(tree), "--inplace", "--reportfile", str(tmp_path / "r.txt"))
    assert rc == 1
    assert (tree / "pkg" / "broken.py").read_text(encoding="utf-8") == BAD
    assert (tree / "pkg" / "model.py").read_text(encoding="utf-8") == PY_OUT
    assert os.path.islink(tree / "link.py")


def test_single_file(tmp_path: Path) -> None:
    src, dst = tmp_path / "a.py", tmp_path / "b.py"
    src.write_text(PY, encoding="utf-8")
    assert _run("--infile", str(src), "--outfile", str(dst), "--reportfile", str(tmp_path / "r.txt")) == 0
    assert dst.read_text(encoding="utf-8") == PY_OUT
    assert src.read_text(encoding="utf-8") == PY


def test_single_file_error_exit_and_untouched_inplace(tmp_path: Path) -> None:
    src = tmp_path / "bad.py"
    src.write_text(BAD, encoding="utf-8")
    assert _run("--infile", str(src), "--inplace", "--reportfile", str(tmp_path / "r.txt")) == 1
    assert src.read_text(encoding="utf-8") == BAD


def test_contrib_error_gives_exit_1(tmp_path: Path) -> None:
    src = tmp_path / "c.py"
    src.write_text(CONTRIB, encoding="utf-8")
    assert _run("--infile", str(src), "--inplace", "--reportfile", str(tmp_path / "r.txt")) == 1


def test_notebook_single_file(tmp_path: Path) -> None:
    src, dst = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    src.write_text(_notebook("import tensorflow as tf\ny = tf.to_float(x)"), encoding="utf-8")
    assert _run("--infile", str(src), "--outfile", str(dst), "--reportfile", str(tmp_path / "r.txt")) == 0
    cell = json.loads(dst.read_text(encoding="utf-8"))["cells"][1]
    assert cell["source"] == ["import tensorflow as tf\n", "y = tf.cast(x, dtype=tf.float32)"]


def test_check_and_diff(tmp_path: Path, capsys) -> None:
    src = tmp_path / "a.py"
    src.write_text(PY, encoding="utf-8")
    assert _run("--infile", str(src), "--check") == 1
    assert src.read_text(encoding="utf-8") == PY
    assert _run("--infile", str(src), "--diff") == 0
    out = capsys.readouterr().out
    assert "-sess = tf.Session()\n+sess = tf.compat.v1.Session()\n" in out
    src.write_text(PY_OUT, encoding="utf-8")
    assert _run("--infile", str(src), "--check") == 0
    assert not (tmp_path / "report.txt").exists()


def test_non_utf8_reported(tmp_path: Path) -> None:
    src = tmp_path / "latin.py"
    src.write_bytes(b"# caf\xe9\nimport tensorflow as tf\n")
    assert _run("--infile", str(src), "--inplace", "--reportfile", str(tmp_path / "r.txt")) == 1
    assert src.read_bytes() == b"# caf\xe9\nimport tensorflow as tf\n"


def test_parallel_tree_matches_serial(tmp_path: Path) -> None:
    root = tmp_path / "big"
    root.mkdir()
    for i in range(20):
        (root / f"m{i}.py").write_text(PY.replace("sess", f"s{i}"), encoding="utf-8")
    rc = _run("--intree", str(root), "--outtree", str(tmp_path / "o"), "--jobs", "2",
              "--reportfile", str(tmp_path / "r.txt"))
    assert rc == 0
    for i in range(20):
        assert (tmp_path / "o" / f"m{i}.py").read_text(encoding="utf-8") == PY_OUT.replace("sess", f"s{i}")


def test_usage_errors() -> None:
    with pytest.raises(SystemExit) as exc:
        _run("--infile", __file__)
    assert exc.value.code == 2


def test_safety_mode_cli(tmp_path: Path) -> None:
    src = tmp_path / "a.py"
    src.write_text(PY, encoding="utf-8")
    _run("--infile", str(src), "--inplace", "--mode", "SAFETY", "--reportfile", str(tmp_path / "r.txt"))
    assert src.read_text(encoding="utf-8") == PY.replace("import tensorflow as tf", "import tensorflow.compat.v1 as tf")


def test_target_tessera_cli(tmp_path: Path) -> None:
    src = tmp_path / "a.py"
    src.write_text(PY, encoding="utf-8")
    _run("--infile", str(src), "--inplace", "--target", "tessera", "--reportfile", str(tmp_path / "r.txt"))
    assert src.read_text(encoding="utf-8") == PY_OUT.replace("import tensorflow as tf", "import tessera as tf")
