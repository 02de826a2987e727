"""Traced graphs as JSON and back. Only data: op types are looked up among registered ops,
attrs are plain values (dtypes, shapes and tuples tagged), constants go to the tensor bundle.
Nothing in a SavedModel is ever executed as code."""

from __future__ import annotations

import numpy as np

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._framework.tensor_shape import TensorShape
from tessera._graph.graph import FuncGraph, GraphTensor, Operation


class GraphWriter:
    """Serializes graphs; constant tensors are collected into ``self.constants``."""

    def __init__(self) -> None:
        self.constants: dict[str, tuple[np.ndarray, str]] = {}

    def graph(self, g: FuncGraph) -> dict:
        index = {id(op): i for i, op in enumerate(g.operations)}
        ref = {}
        for op in g.operations:
            for k, t in enumerate(op.outputs):
                ref[id(t)] = [index[id(op)], k]
        ops = []
        for op in g.operations:
            entry = {"name": op.name, "type": op.type,
                     "inputs": [ref[id(t)] for t in op.inputs],
                     "outputs": [{"dtype": t.dtype.name, "shape": _shape(t.shape)}
                                 for t in op.outputs]}
            if op.type == "Const":
                key = f"const/{len(self.constants)}"
                value = op.value
                self.constants[key] = (np.asarray(value._host()), value.dtype.name)
                entry["const"] = key
            else:
                entry["attrs"] = {k: self._attr(v, ref) for k, v in op.attrs.items()}
            ops.append(entry)
        return {"name": g.name, "ops": ops, "_ref": ref}

    def _attr(self, v, ref):
        from tessera._graph.control_flow import Body

        if isinstance(v, _dtypes.DType):
            return {"__dtype__": v.name}
        if isinstance(v, TensorShape):
            return {"__shape__": _shape(v)}
        if isinstance(v, Body):
            sub = self.graph(v.graph)
            r = sub.pop("_ref")
            return {"__body__": {"graph": sub, "params": [r[id(p)] for p in v.params],
                                 "captures": [r[id(p)] for p in v.captures],
                                 "outputs": [r[id(t)] for t in v.outputs]}}
        if isinstance(v, tuple):
            return {"__tuple__": [self._attr(x, ref) for x in v]}
        if isinstance(v, list):
            return [self._attr(x, ref) for x in v]
        if isinstance(v, np.generic):
            return v.item()
        if v is None or isinstance(v, bool | int | float | str):
            return v
        raise TypeError(f"cannot save attr value {v!r} of type {type(v).__name__}")


def _shape(s: TensorShape):
    return None if s.rank is None else list(s.as_list())


class GraphReader:
    """Rebuilds graphs from JSON with registered ops; constants come from ``constants``."""

    def __init__(self, constants) -> None:
        self.constants = constants  # key -> EagerTensor

    def graph(self, data: dict, parent: FuncGraph | None = None) -> tuple[FuncGraph, list]:
        from tessera._plugins.manager import registry

        ops_table = registry().ops
        g = FuncGraph(str(data.get("name", "restored")), parent=parent)
        built: list[Operation] = []
        for entry in _list(data, "ops"):
            kind = entry.get("type")
            inputs = [built[i].outputs[k] for i, k in entry.get("inputs", [])] \
                if all(_valid_ref(r, built) for r in entry.get("inputs", [])) else None
            if inputs is None:
                raise errors.DataLossError(None, None, f"op {entry.get('name')!r} refers to an "
                                                       f"op that does not precede it")
            if kind == "Placeholder":
                out = entry["outputs"][0]
                ph = g.placeholder(_dtypes.as_dtype(out["dtype"]), TensorShape(out["shape"]),
                                   entry["name"])
                built.append(ph.op)
                continue
            if kind == "Const":
                value = self.constants.get(entry.get("const"))
                if value is None:
                    raise errors.DataLossError(None, None, f"constant {entry.get('const')!r} "
                                                           f"is missing from the SavedModel")
                built.append(g.const(value).op)
                continue
            op_def = ops_table.get(kind)
            if op_def is None:
                raise errors.NotFoundError(None, None, f"Op type not registered '{kind}': the "
                                                       f"SavedModel needs an op no installed "
                                                       f"Tessera package provides")
            attrs = {k: self._attr(v, g) for k, v in entry.get("attrs", {}).items()}
            op = Operation(g, g.unique_name(entry.get("name", kind)), op_def, inputs, attrs)
            for k, out in enumerate(entry["outputs"]):
                op.outputs.append(GraphTensor(g, op, k, _dtypes.as_dtype(out["dtype"]),
                                              TensorShape(out["shape"])))
            g.operations.append(op)
            built.append(op)
        return g, built

    def _attr(self, v, g):
        from tessera._graph.control_flow import Body

        if isinstance(v, dict):
            if "__dtype__" in v:
                return _dtypes.as_dtype(v["__dtype__"])
            if "__shape__" in v:
                return TensorShape(v["__shape__"])
            if "__tuple__" in v:
                return tuple(self._attr(x, g) for x in v["__tuple__"])
            if "__body__" in v:
                b = v["__body__"]
                sub, built = self.graph(b["graph"], parent=g)
                get = lambda r: built[r[0]].outputs[r[1]]  # noqa: E731
                return Body(sub, [get(r) for r in b["params"]], [get(r) for r in b["captures"]],
                            [get(r) for r in b["outputs"]])
            raise errors.DataLossError(None, None, f"unknown attr encoding {sorted(v)}")
        if isinstance(v, list):
            return [self._attr(x, g) for x in v]
        return v


def _valid_ref(r, built) -> bool:
    return (isinstance(r, list) and len(r) == 2 and isinstance(r[0], int) and
            0 <= r[0] < len(built) and isinstance(r[1], int) and
            0 <= r[1] < len(built[r[0]].outputs))


def _list(data: dict, key: str) -> list:
    v = data.get(key, [])
    if not isinstance(v, list):
        raise errors.DataLossError(None, None, f"SavedModel field {key!r} is not a list")
    return v
