"""An op, declared once: kernel, shape/dtype rule, gradient, ONNX lowering and samples side
by side (the JAX primitive pattern).

    ADD = declare("AddV2", kernel=np.add, infer=infer_broadcast, samples=binary_samples)

    @ADD.def_grad
    def _add_grad(ctx, dy): ...

    @ADD.def_onnx
    def _add_onnx(b, x, y): return b.op("Add", x, y)

The name is TensorFlow's raw op name, so errors and graph op types read as in TensorFlow.
Everything here is used by dispatch (kernels), tracing (infer), autodiff (grad), export
(onnx) and the generated tests (samples); nothing else about an op lives anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

# Every op declared by the core, by name, in declaration order.
CORE_OPS: dict[str, Op] = {}


@dataclass
class Sample:
    """Inputs for an op's generated tests: NumPy arrays and attrs.

    ``grad`` says whether the numerical gradient check applies (differentiable inputs,
    away from kinks); ``grad_inputs`` limits it to some inputs; ``onnx`` whether the ONNX
    lowering is checked on it; ``expected`` an independent reference result, when known.
    """

    args: tuple
    attrs: dict = field(default_factory=dict)
    grad: bool = True
    grad_inputs: tuple[int, ...] | None = None
    onnx: bool = True
    expected: Any = None
    rtol: float = 1e-5
    atol: float = 1e-6
    name: str = ""


class GradContext:
    """What a gradient rule sees: the op's inputs, outputs (Tensors) and attrs."""

    __slots__ = ("attrs", "inputs", "op", "outputs")

    def __init__(self, op: Op, inputs: Sequence, attrs: dict, outputs: Sequence) -> None:
        self.op, self.inputs, self.attrs, self.outputs = op, inputs, attrs, outputs


class Op:
    """A primitive: one kernel call on the CPU, roughly one ONNX node."""

    __slots__ = (
        "__weakref__",
        "dtype_rule",
        "dynamic_shape",
        "grad",
        "infer",
        "kernel",
        "kernels",
        "name",
        "num_outputs",
        "onnx",
        "onnx_lowerings",
        "samples",
        "stateful",
        "tested_in",
    )

    def __init__(self, name: str, kernel: Callable, *, infer: Callable | None = None,
                 dtype_rule: Callable | None = None, num_outputs: int = 1,
                 samples: Callable[[], list[Sample]] | None = None,
                 stateful: bool = False, dynamic_shape: bool = False) -> None:
        self.name = name
        self.kernel = kernel  # the NumPy reference kernel (registered for CPU by the cpu plugin)
        self.kernels: dict[str, Callable] = {}  # device type -> kernel, filled by the registry
        self.infer = infer
        # dtype_rule(input_dtypes, attrs) -> DType or tuple; None: same as the first input.
        self.dtype_rule = dtype_rule
        self.num_outputs = num_outputs
        self.grad: Callable | None = None
        self.onnx: Callable | None = None
        self.onnx_lowerings: dict[str, Callable] = {}
        self.samples = samples
        self.stateful = stateful  # random ops: never constant-folded or deduplicated
        # Output sizes depend on input values (Range, Where): the shape rule gives None there.
        self.dynamic_shape = dynamic_shape
        # Ops whose inputs cannot be sample arrays (control flow holds subgraphs) name the
        # test module that exercises them instead.
        self.tested_in: str | None = None

    def def_grad(self, fn: Callable) -> Callable:
        """Gradient rule ``fn(ctx, *output_grads) -> input grads`` (Tensors or None),
        written with Tessera ops so higher-order and traced gradients come free."""
        self.grad = fn
        return fn

    def def_onnx(self, fn: Callable) -> Callable:
        """ONNX lowering ``fn(builder, *input_names, **attrs) -> output name(s)``."""
        self.onnx = fn
        return fn

    def def_samples(self, fn: Callable[[], list[Sample]]) -> Callable:
        self.samples = fn
        return fn

    def __repr__(self) -> str:
        return f"<Op {self.name}>"


def declare(name: str, kernel: Callable, **kwargs: Any) -> Op:
    """Declare a core op once; the cpu plugin registers its kernel, the registry indexes it."""
    if name in CORE_OPS:
        raise ValueError(f"op {name!r} is declared twice")
    op = Op(name, kernel, **kwargs)
    CORE_OPS[name] = op
    return op


class NotDifferentiable:
    """Marker gradient for ops TensorFlow declares not differentiable (argmax, comparisons)."""


def not_differentiable(*ops: Op) -> None:
    for op in ops:
        op.grad = NotDifferentiable


def tested_elsewhere(op: Op, where: str) -> None:
    """Declare that ``op`` has no sample arrays and is tested by the module ``where``."""
    op.samples = None
    op.tested_in = where


def no_onnx_lowering(op: Op, reason: str) -> None:
    """Declare that an op has no ONNX equivalent (exporting it raises, naming the reason)."""

    def lowering(b, *inputs, **attrs):
        raise NotImplementedError(f"{op.name} cannot be lowered to ONNX: {reason}")

    lowering.reason = reason
    op.onnx = lowering
