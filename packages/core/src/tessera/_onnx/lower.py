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


def _lower_ops(b: OnnxBuilder, operations, names: dict, var_values: dict | None = None,
               inputs_sink: list | None = None, input_names: dict | None = None,
               input_names_hint: dict | None = None) -> None:
    """Lower ``operations`` into ``b``; ``names`` maps graph-tensor ids to ONNX names (and is
    pre-filled for tensors that come from outside, e.g. a subgraph's inputs)."""
    for op in operations:
        kind = op.op_def
        t0 = op.outputs[0] if op.outputs else None
        if kind == "Placeholder" and id(t0) in names:
            continue
        if kind == "Placeholder" and var_values is not None and id(t0) in var_values:
            array = np.asarray(var_values[id(t0)].numpy())
            name = b.const(array)
            names[id(t0)] = name
            b.dtypes[name], b.shapes[name] = array.dtype, array.shape
            continue
        if kind == "Placeholder":
            if inputs_sink is None:
                raise NotImplementedError(f"placeholder {op.name} of a subgraph is not bound")
            name = _clean((input_names_hint or {}).get(id(t0), f"in_{op.name}"))
            names[id(t0)] = name
            b.dtypes[name], b.shapes[name] = _numpy_dtype(t0.dtype), _shape(t0)
            inputs_sink.append((name, b.dtypes[name], _shape(t0)))
            input_names[id(t0)] = name
            continue
        if kind == "Const":
            array = np.asarray(op.value._host())
            if array.dtype == object:
                array = np.array([x if isinstance(x, bytes) else bytes(x) for x in
                                  array.reshape(-1)], dtype=object).reshape(array.shape)
            name = b.const(array)
            names[id(t0)] = name
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


def subgraph_proto(b: OnnxBuilder, graph, bound: dict, formal_inputs: list, outputs: list,
                   label: str):
    """A nested ONNX GraphProto (If branch, Loop body) for ``graph``.

    ``bound`` maps the subgraph's placeholder ids to ONNX names visible in it (outer names or
    ``formal_inputs``' names); ``outputs`` are the subgraph tensors it returns."""
    from onnx import helper

    from tessera._onnx.builder import _np_to_onnx_type, _onnx_attrs

    # Constants go to the outer graph's initializers (subgraphs may refer to outer names).
    child = OnnxBuilder(_count=b._count, initializers=b.initializers)
    child.dtypes.update(b.dtypes)
    child.shapes.update(b.shapes)
    names = dict(bound)
    for name in bound.values():
        child.dtypes.setdefault(name, None)
    _lower_ops(child, graph.operations, names)
    out_infos = []
    for t in outputs:
        out = child.op("Identity", names[id(t)])
        out_infos.append(helper.make_tensor_value_info(
            out, _np_to_onnx_type(_numpy_dtype(t.dtype)), None))
    b._count = child._count
    nodes = [helper.make_node(n.op_type, n.inputs, n.outputs, domain=n.domain or None,
                              **_onnx_attrs(n.attrs)) for n in child.nodes]
    ins = [helper.make_tensor_value_info(n, _np_to_onnx_type(np.dtype(d)), s)
           for n, d, s in formal_inputs]
    return helper.make_graph(nodes, f"{label}_{b._count}", ins, out_infos)


def lower_graph(graph, operations, variables_as_initializers: bool = False,
                output_names_hint: list[str] | None = None, input_names_hint: dict | None = None):
    """(model, input names by placeholder id, output names by graph-tensor id).

    With ``variables_as_initializers`` the variables' current values are baked into the model
    (export); otherwise they are inputs and their updates outputs (execution)."""
    b = OnnxBuilder()
    names: dict[int, str] = {}
    inputs, input_names = [], {}
    var_values = {id(ph): var for var, ph in graph.variable_inputs.values()} \
        if variables_as_initializers else None
    _lower_ops(b, operations, names, var_values, inputs, input_names, input_names_hint)
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
