"""Functional models: a graph of layer calls recorded on KerasTensors, run in order."""

from __future__ import annotations

import tessera as tf
from tessera._framework import nest
from tessera_keras import _keras_tensor as kt
from tessera_keras.layers._input import InputLayer
from tessera_keras.models._model import Model


def _node_of(t: kt.KerasTensor):
    if t._keras_history is None:
        raise ValueError(f"Output tensors of a Functional model must be the output of a Keras "
                         f"layer. Received: {t}")
    op, ni, _ = t._keras_history
    return op._inbound_nodes[ni]


def map_graph(inputs: list, outputs: list):
    """Nodes in topological order (inputs first), their depths, and the layers ordered as
    Keras orders them (by decreasing depth, then by discovery)."""
    order, seen = [], set()

    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        for parent in node.parent_nodes:
            visit(parent)
        order.append(node)

    for t in outputs:
        visit(_node_of(t))
    input_ids = {id(t) for t in inputs}
    for node in order:
        if node.is_input and not any(id(t) in input_ids for t in node.output_tensors):
            raise ValueError(f"Graph disconnected: cannot find the value of tensor "
                             f"{node.output_tensors[0]} at layer '{node.operation.name}'. "
                             f"The following previous layers were accessed without issue: "
                             f"{[n.operation.name for n in order[:order.index(node)]]}")
    depth: dict[int, int] = {}
    for node in reversed(order):
        d = depth.setdefault(id(node), 0)
        for parent in node.parent_nodes:
            depth[id(parent)] = max(depth.get(id(parent), 0), d + 1)
    layer_depth: dict[int, int] = {}
    first: dict[int, int] = {}
    layers = []
    for i, node in enumerate(order):
        op = node.operation
        if id(op) not in first:
            first[id(op)] = i
            layers.append(op)
        layer_depth[id(op)] = max(layer_depth.get(id(op), 0), depth[id(node)])
    layers.sort(key=lambda op: (-layer_depth[id(op)], first[id(op)]))
    nodes_by_depth: dict[int, list] = {}
    for node in order:
        nodes_by_depth.setdefault(depth[id(node)], []).append(node)
    return order, nodes_by_depth, layers


class Functional(Model):
    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs) -> None:
        super().__init__(name=name, trainable=trainable, **kwargs)
        if isinstance(inputs, dict):
            for k, v in inputs.items():
                if isinstance(v, kt.KerasTensor) and v.name != k:
                    pass
        self._input_struct = inputs
        self._output_struct = outputs
        self._flat_inputs = nest.flatten(inputs)
        self._flat_outputs = nest.flatten(outputs)
        for t in self._flat_inputs + self._flat_outputs:
            if not isinstance(t, kt.KerasTensor):
                raise ValueError(f"All `inputs` and `outputs` values must be KerasTensors. "
                                 f"Received: inputs={inputs}, outputs={outputs}")
        self._nodes, self._nodes_by_depth, operations = map_graph(self._flat_inputs,
                                                                  self._flat_outputs)
        self._operations = operations
        self._layers = list(operations)
        self.built = True

    @property
    def layers(self) -> list:
        return list(self._operations)

    @property
    def inputs(self):
        return self._flat_inputs

    @property
    def outputs(self):
        return self._flat_outputs

    @property
    def input(self):
        return self._input_struct

    @property
    def output(self):
        return self._output_struct

    @property
    def input_names(self):
        return [t._keras_history.operation.name for t in self._flat_inputs]

    @property
    def output_names(self):
        return [t._keras_history.operation.name for t in self._flat_outputs]

    def _flatten_call_inputs(self, inputs) -> list:
        if isinstance(inputs, dict) and not isinstance(self._input_struct, dict):
            names = self.input_names
            return [inputs[n] for n in names]
        if isinstance(self._input_struct, dict) and isinstance(inputs, dict):
            return [inputs[k] for k in sorted(self._input_struct)]
        flat = nest.flatten(inputs) if isinstance(inputs, list | tuple | dict) else [inputs]
        if len(flat) != len(self._flat_inputs):
            raise ValueError(f'Layer "{self.name}" expects {len(self._flat_inputs)} input(s), '
                             f"but it received {len(flat)} input tensors.")
        return flat

    def call(self, inputs, training=None, mask=None):
        flat = self._flatten_call_inputs(inputs)
        values = {}
        for t, x in zip(self._flat_inputs, flat):
            x = self._convert_input(x) if not isinstance(x, tf.Tensor) else x
            if t._dtype.is_floating and x.dtype != t._dtype:
                x = tf.cast(x, t._dtype)
            values[id(t)] = x
        for node in self._nodes:
            if node.is_input:
                continue
            args, kwargs = node.arguments
            rebuilt = nest.map_structure(
                lambda a: values[id(a)] if isinstance(a, kt.KerasTensor) else a, (args, kwargs))
            out = node.operation(*rebuilt[0], **rebuilt[1])
            for t, v in zip(node.output_tensors, nest.flatten(out)):
                values[id(t)] = v
        return nest.pack_sequence_as(self._output_struct,
                                     [values[id(t)] for t in self._flat_outputs])

    def _check_input_spec_shapes(self, inputs) -> None:
        pass

    def get_config(self) -> dict:
        def node_ref(t):
            op, ni, ti = t._keras_history
            return [op.name, ni, ti]

        layer_configs = []
        for layer in self._operations:
            entry = {"module": "keras.layers", "class_name": type(layer).__name__,
                     "config": layer.get_config(), "registered_name": None,
                     "name": layer.name, "inbound_nodes": []}
            for node in layer._inbound_nodes:
                if node not in self._nodes or node.is_input:
                    continue
                args, kwargs = node.arguments
                entry["inbound_nodes"].append({
                    "args": nest.map_structure(
                        lambda a: {"class_name": "__keras_tensor__",
                                   "config": {"shape": a.shape, "dtype": a.dtype,
                                              "keras_history": node_ref(a)}}
                        if isinstance(a, kt.KerasTensor) else a, list(args)),
                    "kwargs": {k: v for k, v in kwargs.items()
                               if not isinstance(v, kt.KerasTensor)}})
            layer_configs.append(entry)
        return {"name": self.name, "trainable": self.trainable, "layers": layer_configs,
                "input_layers": nest.map_structure(node_ref, self._input_struct),
                "output_layers": nest.map_structure(node_ref, self._output_struct)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from tessera_keras.layers import deserialize

        created = {}
        for entry in config["layers"]:
            created[entry["name"]] = deserialize(entry, custom_objects)

        def tensor_of(ref):
            name, ni, ti = ref
            layer = created[name]
            return layer._inbound_nodes[ni].output_tensors[ti]

        pending = [e for e in config["layers"] if e["inbound_nodes"]]
        done_calls: dict[str, int] = {}
        while pending:
            progress = False
            for entry in list(pending):
                layer = created[entry["name"]]
                k = done_calls.get(entry["name"], 0)
                node_cfg = entry["inbound_nodes"][k]
                try:
                    args = _resolve_refs(node_cfg["args"], tensor_of)
                    kwargs = _resolve_refs(node_cfg.get("kwargs", {}), tensor_of)
                except (IndexError, KeyError):
                    continue
                layer(*args, **kwargs)
                done_calls[entry["name"]] = k + 1
                if k + 1 == len(entry["inbound_nodes"]):
                    pending.remove(entry)
                progress = True
            if not progress:
                raise ValueError("Could not rebuild the functional graph from its config.")
        inputs = _map_refs(config["input_layers"], tensor_of)
        outputs = _map_refs(config["output_layers"], tensor_of)
        if isinstance(inputs, list) and len(inputs) == 1:
            inputs = inputs[0]
        if isinstance(outputs, list) and len(outputs) == 1:
            outputs = outputs[0]
        return cls(inputs, outputs, name=config["name"])


def _resolve_refs(value, tensor_of):
    """Config values with ``__keras_tensor__`` references swapped for the KerasTensors."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            return tensor_of(value["config"]["keras_history"])
        return {k: _resolve_refs(v, tensor_of) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_resolve_refs(v, tensor_of) for v in value)
    return value


def _map_refs(value, tensor_of):
    """``[name, node, index]`` references (nested in lists/dicts) to KerasTensors."""
    if _is_ref(value):
        return tensor_of(value)
    if isinstance(value, dict):
        return {k: _map_refs(v, tensor_of) for k, v in value.items()}
    return [_map_refs(v, tensor_of) for v in value]


def _is_ref(x) -> bool:
    return isinstance(x, list | tuple) and len(x) == 3 and isinstance(x[0], str)


def is_input_layer(layer) -> bool:
    return isinstance(layer, InputLayer)
