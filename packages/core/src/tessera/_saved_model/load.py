"""``tf.saved_model.load``: rebuild objects, variables and callable functions from the
manifest. Only data is read (JSON and the tensor bundle); no code from the file runs."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._checkpoint import bundle
from tessera._framework import nest
from tessera._framework.convert import wrap
from tessera._framework.module import Module
from tessera._framework.tensor import Tensor
from tessera._framework.tensor_spec import TensorSpec
from tessera._saved_model.graph_json import GraphReader
from tessera._saved_model.save import FORMAT, MANIFEST, VERSION

MAX_MANIFEST_BYTES = 512 * 1024 * 1024


class _UserObject(Module):
    """A restored object: its tracked children and functions as attributes."""

    def __init__(self) -> None:
        super().__init__(name="restored")


class RestoredFunction:
    """A restored tf.function: calls the saved concrete function matching the arguments."""

    def __init__(self, name: str, concretes: list) -> None:
        self.__name__ = name
        self._concretes = concretes

    @property
    def concrete_functions(self) -> list:
        return list(self._concretes)

    def get_concrete_function(self, *args, **kwargs):
        return self._match(args, kwargs)[0]

    def _match(self, args, kwargs):
        for cf in self._concretes:
            sig_args, sig_kwargs = cf.structured_input_signature
            got = nest.flatten((list(args), {k: kwargs[k] for k in sorted(kwargs)}))
            want = nest.flatten((list(sig_args)[:len(args)],
                                 {k: sig_kwargs[k] for k in sorted(kwargs) if k in sig_kwargs}))
            if len(args) + len(kwargs) > len(sig_args) + len(sig_kwargs) or len(got) != len(want):
                continue
            tensors, ok = [], True
            for value, spec in zip(got, want):
                if isinstance(spec, TensorSpec):
                    t = value._as_tensor() if getattr(value, "_is_variable", False) else value
                    if not isinstance(t, Tensor):
                        try:
                            from tessera._framework.convert import convert_to_tensor

                            t = convert_to_tensor(t, dtype_hint=spec.dtype)
                        except (TypeError, ValueError):
                            ok = False
                            break
                    if t.dtype != spec.dtype or not spec.shape.is_compatible_with(t.shape):
                        ok = False
                        break
                    tensors.append(t)
                elif value != spec:
                    ok = False
                    break
            if ok:
                return cf, tensors
        options = "\n".join(f"  Option {i + 1}:\n    {cf.structured_input_signature}"
                            for i, cf in enumerate(self._concretes))
        raise ValueError(f"Could not find matching concrete function to call loaded from the "
                         f"SavedModel. Got:\n  Positional arguments ({len(args)} total):\n    "
                         f"* {args}\n  Keyword arguments: {kwargs}\n\n Expected these arguments "
                         f"to match one of the following {len(self._concretes)} option(s):\n\n"
                         f"{options}")

    def __call__(self, *args, **kwargs):
        cf, tensors = self._match(args, kwargs)
        return cf._run(tensors)


class SignatureFunction:
    """A serving signature: keyword arguments in, a dict of tensors out."""

    def __init__(self, concrete) -> None:
        self._cf = concrete

    @property
    def structured_input_signature(self):
        args, _ = self._cf.structured_input_signature
        return (), {spec.name or f"input_{i}": spec for i, spec in enumerate(nest.flatten(args))}

    @property
    def structured_outputs(self) -> dict:
        outs = self._cf.structured_outputs
        if isinstance(outs, dict):
            return {k: TensorSpec(v.shape, v.dtype, name=k) for k, v in outs.items()}
        flat = nest.flatten(outs)
        return {f"output_{i}": TensorSpec(t.shape, t.dtype, name=f"output_{i}")
                for i, t in enumerate(flat)}

    @property
    def inputs(self):
        return self._cf.inputs

    @property
    def outputs(self):
        return self._cf.outputs

    def __call__(self, *args, **kwargs):
        if args:
            raise TypeError("Signature functions take keyword arguments only (named as in "
                            "structured_input_signature)")
        _, names = self.structured_input_signature
        missing = [n for n in names if n not in kwargs]
        if missing or set(kwargs) - set(names):
            raise TypeError(f"signature expects arguments {sorted(names)}, got {sorted(kwargs)}")
        out = self._cf._run([kwargs[n] for n in names])
        if isinstance(out, dict):
            return out
        return {f"output_{i}": t for i, t in enumerate(nest.flatten(out))}


def _decode(value, outputs):
    if isinstance(value, dict):
        if "__spec__" in value:
            s = value["__spec__"]
            return TensorSpec(s["shape"], _dtypes.as_dtype(s["dtype"]), name=s.get("name"))
        if "__t__" in value:
            ref = value["__t__"]
            return outputs[tuple(ref)]
        if "__dict__" in value:
            return {k: _decode(v, outputs) for k, v in value["__dict__"]}
        if "__tuple__" in value:
            return tuple(_decode(v, outputs) for v in value["__tuple__"])
        raise errors.DataLossError(None, None, f"unknown value encoding {sorted(value)}")
    if isinstance(value, list):
        return [_decode(v, outputs) for v in value]
    return value


def _read_manifest(path: Path) -> dict:
    f = path / MANIFEST
    if not f.is_file():
        raise OSError(f"SavedModel file does not exist at: {path}{os.sep}{{saved_model.json}} "
                      f"(is this a Tessera SavedModel directory?)")
    if f.stat().st_size > MAX_MANIFEST_BYTES:
        raise errors.DataLossError(None, None, f"{f} is too large for a SavedModel manifest")
    try:
        manifest = json.loads(f.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise errors.DataLossError(None, None, f"SavedModel manifest {f} is corrupted: {e}") \
            from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise errors.DataLossError(None, None, f"{f} is not a Tessera SavedModel manifest")
    if manifest.get("version", 0) > VERSION:
        raise errors.UnimplementedError(None, None, f"{f} needs a newer tessera-core (format "
                                                    f"version {manifest['version']})")
    return manifest


def load(export_dir, tags=None, options=None):
    """``tf.saved_model.load``: an object with the saved functions, variables and
    ``signatures``."""
    from tessera._framework.variable import Variable
    from tessera._graph.function import ConcreteFunction, _Arg

    path = Path(os.fspath(export_dir))
    manifest = _read_manifest(path)
    reader = bundle.Reader(path / "variables" / "variables")
    constants = {k: wrap(reader.read(k), _dtypes.as_dtype(reader.dtype(k)))
                 for k in reader.keys() if k.startswith("const/")}
    try:
        variables = []
        for i, meta in enumerate(manifest["variables"]):
            value = wrap(reader.read(f"variables/{i}"), _dtypes.as_dtype(meta["dtype"]))
            name = meta["name"].rsplit(":", 1)[0]
            variables.append(Variable(value, trainable=meta["trainable"], name=name))
        graph_reader = GraphReader(constants)
        concretes = []
        for data in manifest["functions"]:
            g, built = graph_reader.graph(data["graph"])
            out = lambda r, built=built: built[r[0]].outputs[r[1]]  # noqa: E731
            placeholders = [out(r) for r in data["inputs"]]
            for vi, r in data["variables"]:
                g.variable_inputs[id(variables[vi])] = (variables[vi], out(r))
            for vi, r in data["updates"]:
                g.variable_values[id(variables[vi])] = out(r)
                g.assigned[id(variables[vi])] = variables[vi]
            g.outputs = [out(r) for r in data["outputs"]]
            table = {tuple(r): out(r) for r in data["outputs"]}
            g.structured_outputs = _decode(data["structured_outputs"], table)
            args, kwargs = _decode(data["input_signature"], {})
            leaves = [_Arg(x if isinstance(x, TensorSpec) else None,
                           None if isinstance(x, TensorSpec) else x)
                      for x in nest.flatten((list(args), kwargs))]
            g.inputs = placeholders
            concretes.append(ConcreteFunction(data["name"], g, data["arg_names"], tuple(args),
                                              kwargs, leaves, placeholders))
        objects = []
        for node in manifest["objects"]:
            if node.get("kind") == "variable":
                objects.append(variables[node["variable"]])
            else:
                objects.append(_UserObject())
        for obj, node in zip(objects, manifest["objects"]):
            if isinstance(obj, _UserObject):
                for child in node.get("children", []):
                    object.__setattr__(obj, child["name"], objects[child["node_id"]])
                for name, refs in node.get("functions", {}).items():
                    object.__setattr__(obj, name, RestoredFunction(name, [concretes[i]
                                                                          for i in refs]))
    except (KeyError, IndexError, TypeError, ValueError) as e:
        if isinstance(e, ValueError) and "Could not find" in str(e):
            raise
        raise errors.DataLossError(None, None, f"SavedModel at {path} is malformed: "
                                               f"{type(e).__name__}: {e}") from None
    root = objects[0]
    object.__setattr__(root, "signatures", {name: SignatureFunction(concretes[i])
                                            for name, i in manifest["signatures"].items()})
    object.__setattr__(root, "tensorflow_version", "2.21.0")
    object.__setattr__(root, "tensorflow_git_version", "tessera")
    return root




def _call(self, *args, **kwargs):
    fn = self.__dict__.get("__call__")
    if fn is None:
        raise TypeError("'_UserObject' object is not callable")
    return fn(*args, **kwargs)


_UserObject.__call__ = _call
