"""The report, in tf_upgrade_v2's layout: summary header, issues per file, detailed log."""

from __future__ import annotations

from collections.abc import Sequence

from . import __version__
from ._files import FileResult

RULE = "-" * 80 + "\n"
DOUBLE_RULE = "=" * 80 + "\n"


def summary(results: Sequence[FileResult]) -> str:
    """Header plus every WARNING/ERROR as ``path:line:col: LEVEL: message``."""
    issues = sum(len(r.issues) for r in results)
    text = (
        f"TensorFlow 2.0 Upgrade Script (tessera-upgrade {__version__})\n"
        "-----------------------------\n"
        f"Converted {len(results)} files\n"
        f"Detected {issues} issues that require attention\n" + RULE
    )
    for r in results:
        if r.issues:
            text += RULE + f"File: {r.in_path}\n" + RULE
            text += "\n".join(e.format(r.in_path) for e in r.issues) + "\n"
    return text


def detailed_log(results: Sequence[FileResult], input_tree: str | None = None,
                 notes: Sequence[str] = ()) -> str:
    text = ""
    if input_tree is not None:
        text += DOUBLE_RULE + f"Input tree: {input_tree!r}\n" + DOUBLE_RULE
    for note in notes:
        text += note + "\n"
    for r in results:
        text += RULE + f"Processing file {r.in_path!r}\n outputting to {r.out_path!r}\n" + RULE + "\n"
        text += "\n".join(e.format() for e in r.logs) + "\n"
        text += RULE + "\n"
    return text


def full_report(results: Sequence[FileResult], input_tree: str | None = None,
                notes: Sequence[str] = ()) -> str:
    header = DOUBLE_RULE + "Detailed log follows:\n\n" + DOUBLE_RULE
    return summary(results) + header + detailed_log(results, input_tree, notes)
