"""The op status table for docs/ops.md: every declared op with its kernel, gradient and ONNX
status, and the public names that reach it. Regenerate with `python tools/gen_docs.py`."""

from __future__ import annotations

import tessera  # noqa: F401 - declares every op
from tessera._api import API
from tessera._framework.op import CORE_OPS, NotDifferentiable
from tessera._ops import _samples


def _public_names() -> int:
    return sum(len(v) for v in API.values())


def markdown() -> str:
    ops = sorted(CORE_OPS.values(), key=lambda o: o.name)
    n_grad = sum(1 for o in ops if callable(o.grad) and o.grad is not NotDifferentiable)
    n_nd = sum(1 for o in ops if o.grad is NotDifferentiable)
    n_onnx = sum(1 for o in ops if o.onnx is not None and not hasattr(o.onnx, "reason"))
    lines = [
        "# Op status",
        "",
        "Generated from the op declarations by `python tools/gen_docs.py`; a test fails when it",
        "is stale. Every op has a NumPy kernel (the CPU device's), a shape rule and samples from",
        "which its tests are generated (value, shape rule, finite-difference gradient, ONNX",
        "lowering run by ONNX Runtime).",
        "",
        f"**{len(ops)} primitive ops** behind **{_public_names()} public names**; "
        f"{n_grad} with a gradient rule, {n_nd} not differentiable (as in TensorFlow); "
        f"{n_onnx} lower to ONNX.",
        "",
        "| op | gradient | ONNX | samples |",
        "|---|---|---|---|",
    ]
    for op in ops:
        if op.grad is NotDifferentiable:
            grad = "not differentiable"
        elif callable(op.grad):
            grad = "yes"
        else:
            grad = "**missing**"
        if op.onnx is None:
            onnx = "**missing**"
        elif hasattr(op.onnx, "reason"):
            onnx = f"no: {op.onnx.reason}"
        else:
            onnx = "yes"
        with _samples.seeded(op.name):
            n = len(op.samples()) if op.samples else f"in `{op.tested_in}`" if op.tested_in else 0
        lines.append(f"| `{op.name}` | {grad} | {onnx} | {n} |")
    lines.append("")
    return "\n".join(lines)
