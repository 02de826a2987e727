"""``tf.saved_model.save``: the object's variables, tracked children, traced functions and
signatures, written so that ``load`` needs none of the code that made them.

Layout (documented in docs/saved_model.md):

    <dir>/saved_model.json                     manifest: object graph, functions, signatures
    <dir>/variables/variables.index            checkpoint bundle: variables and constants
    <dir>/variables/variables.data-00000-of-00001
    <dir>/assets/
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from tessera._checkpoint import bundle
from tessera._checkpoint import graph as tracking
from tessera._framework.tensor import Tensor
from tessera._framework.tensor_spec import TensorSpec
from tessera._saved_model.graph_json import GraphWriter

FORMAT = "tessera-saved-model"
VERSION = 1
MANIFEST = "saved_model.json"


def _functions_of(obj) -> dict:
    """tf.function attributes of ``obj`` (methods bound to it, and instance attributes)."""
    from tessera._graph.function import Function

    out = {}
    for klass in type(obj).__mro__:
        for name, value in vars(klass).items():
            if isinstance(value, Function) and name not in out:
                out[name] = getattr(obj, name)
    for name, value in getattr(obj, "__dict__", {}).items():
        if isinstance(value, Function):
            out[name] = value
    return out


def _concretes(fn) -> list:
    cfs = list(dict.fromkeys(fn._cache.values()))
    if not cfs and fn.input_signature is not None:
        cfs = [fn.get_concrete_function()]
    return cfs


def _encode(value, placeholders_ref, outputs_ref):
    if isinstance(value, TensorSpec):
        return {"__spec__": {"shape": None if value.shape.rank is None else value.shape.as_list(),
                             "dtype": value.dtype.name, "name": value.name}}
    if isinstance(value, Tensor):
        key = outputs_ref.get(id(value))
        if key is None:
            raise ValueError("a function output is not one of its graph's outputs")
        return {"__t__": key}
    if isinstance(value, dict):
        return {"__dict__": [[k, _encode(v, placeholders_ref, outputs_ref)] for k, v in
                             value.items()]}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, placeholders_ref, outputs_ref) for v in value]}
    if isinstance(value, list):
        return [_encode(v, placeholders_ref, outputs_ref) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"cannot save a function whose signature or outputs hold {value!r}")


def _normalize_signatures(obj, signatures) -> dict:
    from tessera._graph.function import ConcreteFunction, Function

    if signatures is None:
        call = _functions_of(obj).get("__call__")
        if call is not None and call.input_signature is not None:
            return {"serving_default": call.get_concrete_function()}
        return {}
    if not isinstance(signatures, dict):
        signatures = {"serving_default": signatures}
    out = {}
    for name, fn in signatures.items():
        if isinstance(fn, Function):
            if fn.input_signature is None:
                raise ValueError(f"Signature {name!r}: a tf.function used as a signature needs "
                                 f"an input_signature (or pass fn.get_concrete_function(...))")
            fn = fn.get_concrete_function()
        if not isinstance(fn, ConcreteFunction):
            raise ValueError(f"Expected a TensorFlow function to generate a signature for, but "
                             f"got {fn}. Only `tf.functions` with an input signature or concrete "
                             f"functions can be used as a signature.")
        out[name] = fn
    return out


def save(obj, export_dir, signatures=None, options=None) -> None:
    """``tf.saved_model.save(obj, export_dir, signatures=None)``."""
    if not (tracking.is_trackable(obj) or _functions_of(obj)):
        raise ValueError(f"Expected an object of type `Trackable`, such as `tf.Module` or a "
                         f"subclass of the `Trackable` class, for export. Got {obj} with type "
                         f"{type(obj)}.")
    export_dir = Path(os.fspath(export_dir))
    writer = GraphWriter()
    # Objects breadth first from the root: each node lists children, variables, functions.
    nodes, ids, queue = [], {id(obj): 0}, [obj]
    variables: list = []
    var_index: dict[int, int] = {}
    functions: list[dict] = []
    fn_index: dict[int, int] = {}

    def concrete_ref(cf) -> int:
        if id(cf) in fn_index:
            return fn_index[id(cf)]
        fn_index[id(cf)] = len(functions)
        functions.append(None)  # reserve
        functions[fn_index[id(cf)]] = _function(cf)
        return fn_index[id(cf)]

    def var_ref(v) -> int:
        if id(v) not in var_index:
            var_index[id(v)] = len(variables)
            variables.append(v)
        return var_index[id(v)]

    def _function(cf) -> dict:
        g = cf.graph
        data = writer.graph(g)
        ref = data.pop("_ref")
        out_ref = {id(t): ref[id(t)] for t in g.outputs}
        args, kwargs = cf.structured_input_signature
        return {
            "name": cf.name, "graph": data, "arg_names": list(cf._arg_names),
            "inputs": [ref[id(p)] for p in cf._placeholders],
            "variables": [[var_ref(v), ref[id(ph)]] for v, ph in g.variable_inputs.values()],
            "updates": [[var_ref(g.assigned[k]), ref[id(t)]] for k, t in g.variable_values.items()
                        if k in g.assigned],
            "outputs": [ref[id(t)] for t in g.outputs],
            "structured_outputs": _encode(g.structured_outputs, None, out_ref),
            "input_signature": _encode((tuple(args), kwargs), None, {}),
        }

    sigs = _normalize_signatures(obj, signatures)
    while queue:
        current = queue.pop(0)
        node = {"children": [], "functions": {}, "kind": "object"}
        if tracking.is_variable(current):
            node.update(kind="variable", variable=var_ref(current), name=current.name,
                        trainable=current.trainable)
        for name, child in tracking.children(current).items():
            if id(child) not in ids:
                ids[id(child)] = len(ids)
                queue.append(child)
            node["children"].append({"name": name, "node_id": ids[id(child)]})
        if not tracking.is_variable(current):
            for name, fn in _functions_of(current).items():
                node["functions"][name] = [concrete_ref(cf) for cf in _concretes(fn)]
        nodes.append((ids[id(current)], node))
    nodes = [n for _, n in sorted(nodes, key=lambda x: x[0])]
    # Signatures are serialized before the tensor table is built: their constants belong in it.
    signature_refs = {name: concrete_ref(cf) for name, cf in sigs.items()}
    tensors = {f"variables/{i}": (np.asarray(v.numpy()), v.dtype.name)
               for i, v in enumerate(variables)}
    tensors.update(writer.constants)
    manifest = {
        "format": FORMAT, "version": VERSION,
        "objects": nodes,
        "variables": [{"name": v.name, "dtype": v.dtype.name, "trainable": v.trainable,
                       "shape": None if v.shape.rank is None else v.shape.as_list()}
                      for v in variables],
        "functions": functions,
        "signatures": signature_refs,
    }
    (export_dir / "variables").mkdir(parents=True, exist_ok=True)
    (export_dir / "assets").mkdir(exist_ok=True)
    bundle.write(export_dir / "variables" / "variables", tensors, {"nodes": []})
    tmp = export_dir / (MANIFEST + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(manifest, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, export_dir / MANIFEST)
