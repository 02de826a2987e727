"""Behaviour of upgrade_source beyond the golden outputs: logs, levels, positions."""

from __future__ import annotations

import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from tessera_upgrade import Options, upgrade_source


def _levels(text: str, **kw) -> list[tuple[int, int, str]]:
    return [(e.line, e.col, e.level) for e in upgrade_source(text, Options(**kw)).logs]


def test_contrib_is_error_with_position() -> None:
    text = "import tensorflow as tf\ny = tf.contrib.layers.fully_connected(x, 3)\n"
    assert (2, 4, "ERROR") in _levels(text)


def test_rename_logged_as_info() -> None:
    logs = upgrade_source("import tensorflow as tf\ntf.Session()\n").logs
    assert [e.format() for e in logs] == ["2:0: INFO: Renamed 'tf.Session' to 'tf.compat.v1.Session'"]


def test_unparseable_returns_none_and_error() -> None:
    result = upgrade_source("def f(:\n    pass\n")
    assert result.new_text is None
    assert result.has_error
    assert "Failed to parse" in result.logs[0].message


def test_dropout_without_keep_prob_is_error() -> None:
    assert any(level == "ERROR" for *_, level in _levels("import tensorflow as tf\ntf.nn.dropout(x)\n"))


def test_compat_v1_import_kept_logs_info() -> None:
    logs = upgrade_source("import tensorflow.compat.v1 as tf\n", Options(upgrade_compat_v1_import=False)).logs
    assert "Not upgrading symbols" in logs[0].message


def test_crlf_and_unicode_kept() -> None:
    text = "import tensorflow as tf\r\n# héllo ✓\r\ns = tf.Session()\r\n"
    assert upgrade_source(text).new_text == "import tensorflow as tf\r\n# héllo ✓\r\ns = tf.compat.v1.Session()\r\n"


def test_nested_function_import() -> None:
    text = textwrap.dedent("""\
        def build():
            import tensorflow as tf1
            return tf1.placeholder(tf1.float32)
    """)
    assert "tf1.compat.v1.placeholder(tf1.float32)" in upgrade_source(text).new_text


def test_target_tessera_private_warns() -> None:
    text = "from tensorflow.python.ops import array_ops\n"
    assert any(level == "WARNING" for *_, level in _levels(text, target="tessera"))


_IDENT = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(lambda s: s not in {"tf", "tensorflow"})


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(_IDENT, _IDENT, st.integers(0, 99)), min_size=1, max_size=8))
def test_code_without_tensorflow_is_unchanged(rows) -> None:
    import keyword

    lines = [f"{a}_ = {b}_.attr({n}, key={n})  # c" for a, b, n in rows if not keyword.iskeyword(a)]
    text = "import numpy as np\n" + "\n".join(lines) + "\n"
    result = upgrade_source(text)
    assert result.new_text == text
    assert result.logs == []
