"""Generated documentation pages are current."""

from pathlib import Path

from tessera._ops._table import markdown

ROOT = Path(__file__).resolve().parents[2]


def test_ops_table_is_current():
    on_disk = (ROOT / "docs" / "ops.md").read_text()
    assert on_disk == markdown(), "docs/ops.md is stale: run `python tools/gen_docs.py`"
