"""A traced FuncGraph as one ONNX model, built from each op's declared lowering (used by the
ONNX Runtime executor and by ``tessera.onnx.export``)."""

from __future__ import annotations

import re

import numpy as np

from tessera._onnx.builder import OnnxBuilder, to_model


def _clean(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def _numpy_dtype(dtype):
    if dtype.name == "string":
        return np.dtype(object)
    if dtype.name == "bfloat16":
        raise NotImplementedError("bfloat16 graphs are not lowered to ONNX Runtime")
    return np.dtype(dtype.as_numpy_dtype)


def _shape(t):
    dims = t.shape._dims
    return None if dims is None else tuple(dims)


def lower_graph(graph, operations, variables_as_initializers: bool = False,
                output_names_hint: list[str] | None = None, input_names_hint: dict | None = None):
    """(model, input names by placeholder id, output names by graph-tensor id).

    With ``variables_as_initializers`` the variables' current values are baked into the model
    (export); otherwise they are inputs and their updates outputs (execution)."""
    b = OnnxBuilder()
    names: dict[int, str] = {}
    inputs, input_names = [], {}
    var_placeholders = {id(ph): var for var, ph in graph.variable_inputs.values()}
    for op in operations:
        kind = op.op_def
        if kind == "Placeholder" and variables_as_initializers and \
                id(op.outputs[0]) in var_placeholders:
            array = np.asarray(var_placeholders[id(op.outputs[0])].numpy())
            name = b.const(array)
            names[id(op.outputs[0])] = name
            b.dtypes[name], b.shapes[name] = array.dtype, array.shape
            continue
        if kind == "Placeholder":
            t = op.outputs[0]
            name = _clean((input_names_hint or {}).get(id(t), f"in_{op.name}"))
            names[id(t)] = name
            b.dtypes[name], b.shapes[name] = _numpy_dtype(t.dtype), _shape(t)
            inputs.append((name, b.dtypes[name], _shape(t)))
            input_names[id(t)] = name
            continue
        if kind == "Const":
            t = op.outputs[0]
            array = np.asarray(op.value._host())
            if array.dtype == object:
                array = np.array([x if isinstance(x, bytes) else bytes(x) for x in
                                  array.reshape(-1)], dtype=object).reshape(array.shape)
            name = b.const(array)
            names[id(t)] = name
            b.dtypes[name], b.shapes[name] = array.dtype, array.shape
            continue
        lowering = op.op_def.onnx_lowerings.get("default") or op.op_def.onnx
        if lowering is None:
            raise NotImplementedError(f"op {op.type} has no ONNX lowering")
        if op.op_def.stateful:
            raise NotImplementedError(f"op {op.type} is stateful; it runs on the reference "
                                      f"interpreter")
        outs = lowering(b, *[names[id(t)] for t in op.inputs], **op.attrs)
        outs = list(outs) if isinstance(outs, tuple | list) else [outs]
        if len(outs) != len(op.outputs):
            raise NotImplementedError(f"lowering of {op.type} returned {len(outs)} outputs for "
                                      f"{len(op.outputs)}")
        for t, name in zip(op.outputs, outs):
            names[id(t)] = name
            b.dtypes[name], b.shapes[name] = _numpy_dtype(t.dtype), _shape(t)
    wanted = list(graph.outputs)
    if not variables_as_initializers:
        wanted += list(graph.variable_values.values())
    output_names: dict[int, str] = {}
    outputs = []
    for i, t in enumerate(wanted):
        if id(t) in output_names:
            continue
        out = b.op("Identity", names[id(t)])
        if output_names_hint is not None and i < len(output_names_hint):
            b.nodes[-1].outputs[0] = out = _clean(output_names_hint[i])
        output_names[id(t)] = out
        outputs.append((out, _numpy_dtype(t.dtype), _shape(t)))
    model = to_model(b, inputs, outputs, name=_clean(graph.name))
    return model, input_names, output_names
