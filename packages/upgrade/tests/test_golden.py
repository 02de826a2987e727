"""Golden input -> output cases. Expectations were checked against tf_upgrade_v2 by
tools/make_golden.py; where Tessera deliberately differs, the case carries a ``note`` and
tf_upgrade_v2's output for reference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tessera_upgrade import Options, upgrade_source

CASES = json.loads((Path(__file__).parent / "golden" / "cases.json").read_text(encoding="utf-8"))


def _options(case: dict) -> Options:
    mode = case["mode"]
    return Options(
        mode="SAFETY" if mode == "SAFETY" else "DEFAULT",
        upgrade_compat_v1_import=mode != "NOV1",
        target=case["target"],
    )


def test_enough_cases() -> None:
    assert len(CASES) >= 150
    assert {c["category"] for c in CASES} >= {
        "rename", "keyword", "reorder", "rewriter", "contrib", "warning", "imports", "safety", "target",
    }


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_golden(case: dict) -> None:
    result = upgrade_source(case["input"], _options(case))
    assert result.new_text == case["expected"]
    if "note" not in case:
        assert case["tf_upgrade_v2"] == "same"


@pytest.mark.parametrize("case", CASES[:40], ids=[c["id"] for c in CASES[:40]])
def test_idempotent(case: dict) -> None:
    """Running the tool on its own output changes nothing more."""
    options = _options(case)
    once = upgrade_source(case["input"], options).new_text
    assert upgrade_source(once, options).new_text == once
