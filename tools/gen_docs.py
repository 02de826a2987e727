"""Regenerate the generated pages under docs/ (today: docs/ops.md)."""

from pathlib import Path

from tessera._ops._table import markdown

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    (ROOT / "docs" / "ops.md").write_text(markdown())
    print("wrote docs/ops.md")
