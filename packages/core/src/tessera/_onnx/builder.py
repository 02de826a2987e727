"""What an op's ONNX lowering writes into: nodes and constants, as plain Python.

    def _lower_add(b, x, y):
        return b.op("Add", x, y)

Values are names (strings). ``to_model`` turns the result into an ``onnx.ModelProto``; only
then is ``onnx`` imported, so lowerings cost nothing to declare.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

OPSET = 18
# The pinned ONNX Runtime reads IR versions up to 13; opset 18 needs IR 8.
IR_VERSION = 8


@dataclass
class Node:
    op_type: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, Any]
    domain: str = ""


@dataclass
class OnnxBuilder:
    nodes: list[Node] = field(default_factory=list)
    initializers: dict[str, np.ndarray] = field(default_factory=dict)
    _count: int = 0
    # Input dtypes, by value name, for lowerings that need them (e.g. Cast targets).
    dtypes: dict[str, Any] = field(default_factory=dict)
    shapes: dict[str, Any] = field(default_factory=dict)

    def fresh(self, hint: str = "t") -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def op(self, op_type: str, *inputs: str | None, outputs: int = 1, domain: str = "",
           **attrs: Any) -> str | tuple[str, ...]:
        """Add a node; returns its output name (a tuple when ``outputs`` > 1).
        A None input is an omitted optional input (written as "")."""
        names = [self.fresh(op_type.lower()) for _ in range(outputs)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(Node(op_type, ["" if i is None else i for i in inputs], names, attrs,
                               domain))
        return names[0] if outputs == 1 else tuple(names)

    def const(self, value, dtype=None) -> str:
        """A constant (an initializer)."""
        array = np.asarray(value, dtype=dtype)
        name = self.fresh("const")
        self.initializers[name] = array
        return name

    def ints(self, values) -> str:
        """An int64 1-D constant (shapes, axes, pads...)."""
        return self.const(np.asarray(list(values), dtype=np.int64).reshape(-1))


def _np_to_onnx_type(dtype: np.dtype) -> int:
    from onnx import helper

    if dtype.kind in "OSU":
        from onnx import TensorProto

        return TensorProto.STRING
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def to_model(builder: OnnxBuilder, inputs: list[tuple[str, np.dtype, tuple | None]],
             outputs: list[tuple[str, np.dtype, tuple | None]], name: str = "tessera"):
    """An ``onnx.ModelProto`` from a builder: inputs/outputs are (name, dtype, shape)."""
    from onnx import helper, numpy_helper

    def value_info(n, dt, shape):
        dims = None if shape is None else [d if d is not None else "?" for d in shape]
        return helper.make_tensor_value_info(n, _np_to_onnx_type(np.dtype(dt)), dims)

    nodes = [helper.make_node(n.op_type, n.inputs, n.outputs, domain=n.domain or None,
                              **_onnx_attrs(n.attrs)) for n in builder.nodes]
    inits = []
    for k, v in builder.initializers.items():
        if v.dtype.kind in "OSU":
            from onnx import TensorProto

            flat = [x if isinstance(x, bytes) else str(x).encode() for x in v.reshape(-1)]
            inits.append(helper.make_tensor(k, TensorProto.STRING, v.shape, flat))
        else:
            inits.append(numpy_helper.from_array(v, k))
    graph = helper.make_graph(nodes, name, [value_info(*i) for i in inputs],
                              [value_info(*o) for o in outputs], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="tessera")
    model.ir_version = IR_VERSION
    return model


def _onnx_attrs(attrs: dict) -> dict:
    out = {}
    for k, v in attrs.items():
        if isinstance(v, np.ndarray):
            from onnx import numpy_helper

            v = numpy_helper.from_array(v)
        elif isinstance(v, tuple):
            v = list(v)
        elif isinstance(v, np.integer):
            v = int(v)
        elif isinstance(v, np.floating):
            v = float(v)
        out[k] = v
    return out
