"""ONNX backend node tests through ``tessera.onnx.load``: one case per node test.

Cases listed as passing in ``onnx_backend_expected.json`` must pass (a regression fails);
the others run too and are reported as xfail with their reason (``pytest -ra`` lists them).
After widening the importer, refresh the baseline and the docs page with
``python tools/onnx_conformance_report.py --update-expected``.
"""

from __future__ import annotations

import pytest

onnx = pytest.importorskip("onnx")

import onnx_backend as ob  # noqa: E402  (tests/conformance is on sys.path under pytest)

EXPECTED = ob.expected()
PASSING = set(EXPECTED["passing"])
SAME_ONNX = EXPECTED.get("onnx_version") == onnx.__version__
CASES = ob.case_names()


@pytest.mark.parametrize("case", sorted(set(CASES) | (PASSING if SAME_ONNX else set())))
def test_node(case: str) -> None:
    if case not in CASES:
        pytest.fail(f"{case} is in the expectation file but onnx {onnx.__version__} has no "
                    f"such node test: refresh the expectation file")
    result = ob.run_case(case)
    if case in PASSING:
        assert result.status == "pass", \
            f"{case} ({result.operator}) used to pass: {result.status}: {result.detail}"
    elif result.status != "pass":
        pytest.xfail(f"{result.operator}: {result.status}: {result.detail}")


def test_expectation_file_covers_every_case() -> None:
    if not SAME_ONNX:
        pytest.skip(f"expectations were recorded with onnx {EXPECTED.get('onnx_version')}, "
                    f"not {onnx.__version__}")
    recorded = PASSING | set(EXPECTED["not_passing"])
    assert recorded == set(CASES), (
        f"expectation file out of date: {len(set(CASES) - recorded)} cases missing, "
        f"{len(recorded - set(CASES))} unknown; run tools/onnx_conformance_report.py "
        f"--update-expected")
    assert not PASSING & set(EXPECTED["not_passing"])
