"""Test cases generated from op declarations (every op, every sample)."""

from __future__ import annotations

import numpy as np

import tessera  # noqa: F401 - declares every op
from tessera._framework.op import CORE_OPS, NotDifferentiable


def cases(kind: str):
    """(id, op, sample) for every op sample that applies to ``kind``."""
    out = []
    for op in CORE_OPS.values():
        if op.samples is None:
            continue
        for i, s in enumerate(op.samples()):
            if kind == "grad" and not (s.grad and callable(op.grad)
                                       and op.grad is not NotDifferentiable):
                continue
            if kind == "onnx" and not (s.onnx and op.onnx is not None):
                continue
            if kind == "onnx" and hasattr(op.onnx, "reason"):
                continue  # declared with no_onnx_lowering: listed as such in docs/ops.md
            if kind == "onnx" and any(np.asarray(a).dtype.kind in "OSUc" for a in s.args):
                continue  # ONNX Runtime has no string/complex kernels for these ops
            out.append((f"{op.name}-{i}{'-' + s.name if s.name else ''}", op, s))
    return out
