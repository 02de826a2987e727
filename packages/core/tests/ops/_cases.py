"""Test cases generated from op declarations (every op, every sample)."""

from __future__ import annotations

import numpy as np

import tessera  # noqa: F401 - declares every op
from tessera._framework.op import CORE_OPS, NotDifferentiable
from tessera._ops import _samples


def _is_elementwise(op) -> bool:
    from tessera._ops import _rules

    return op.infer in (_rules.unary, _rules.broadcast) and op.num_outputs == 1 and \
        not op.stateful


def cases(kind: str):
    """(id, op, sample) for every op sample that applies to ``kind``."""
    out = []
    for op in CORE_OPS.values():
        if op.samples is None:
            continue
        with _samples.seeded(op.name):
            samples = op.samples()
        for i, s in enumerate(samples):
            if kind in ("grad", "grad2") and not (s.grad and callable(op.grad)
                                                  and op.grad is not NotDifferentiable):
                continue
            if kind == "grad2" and not (_is_elementwise(op) and all(
                    np.asarray(a).dtype.kind == "f" and np.asarray(a).size for a in s.args)):
                continue
            if kind == "onnx" and not (s.onnx and op.onnx is not None):
                continue
            if kind == "onnx" and hasattr(op.onnx, "reason"):
                continue  # declared with no_onnx_lowering: listed as such in docs/ops.md
            if kind == "onnx" and any(np.asarray(a).dtype.kind in "OSUc" for a in s.args):
                continue  # ONNX Runtime has no string/complex kernels for these ops
            out.append((f"{op.name}-{i}{'-' + s.name if s.name else ''}", op, s))
    return out
