"""``keras.Sequential``: a plain stack of layers (a functional graph once the input shape
is known, so ``summary()`` shows output shapes)."""

from __future__ import annotations

from tessera_keras import _keras_tensor as kt
from tessera_keras import dtype_policies
from tessera_keras.layers._base import Layer
from tessera_keras.layers._input import InputLayer
from tessera_keras.models._functional import Functional, map_graph
from tessera_keras.models._model import Model


class Sequential(Functional):
    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)

    def __init__(self, layers=None, trainable=True, name=None) -> None:
        Model.__init__(self, name=name, trainable=trainable)
        self._layers = []
        self._input_layer = None
        self._operations = []
        self._nodes_by_depth = {}
        self._nodes = []
        self._flat_inputs = self._flat_outputs = []
        self.built = False
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True) -> None:
        if isinstance(layer, kt.KerasTensor):
            layer = layer._keras_history.operation
        if not isinstance(layer, Layer):
            raise ValueError(f"Only instances of `keras.Layer` can be added to a Sequential "
                             f"model. Received: {layer} (of type {type(layer)})")
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError("Sequential model '{self.name}' has already been configured "
                                 "to use an input; an InputLayer must come first.")
            self._input_layer = layer
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(f"All layers added to a Sequential model should have unique names. "
                             f"Name '{layer.name}' is already the name of a layer in this model. "
                             f"Update the `name` argument to pass a unique name.")
        self._layers.append(layer)
        if rebuild:
            self._maybe_rebuild()
        else:
            self.built = False

    def pop(self, rebuild=True):
        layers = self.layers
        if not layers:
            raise TypeError("There are no layers in the model.")
        layer = layers[-1]
        self._layers.remove(layer)
        self.built = False
        if rebuild:
            self._maybe_rebuild()
        return layer

    @property
    def layers(self) -> list:
        return [layer for layer in self._layers if not isinstance(layer, InputLayer)]

    def _maybe_rebuild(self) -> None:
        if self._input_layer is not None:
            self._build_graph(self._input_layer.batch_shape, self._input_layer._dtype)
        elif self._layers and self._layers[0]._batch_input_shape is not None:
            self._build_graph(self._layers[0]._batch_input_shape, "float32")

    def _build_graph(self, batch_shape, dtype) -> None:
        if not self.layers:
            return
        if self._input_layer is None:
            self._input_layer = InputLayer(batch_shape=batch_shape, dtype=dtype)
            self._layers.insert(0, self._input_layer)
        inputs = self._input_layer._input_tensor
        x = inputs
        from tessera_keras import _naming

        _naming.PATH.names.append(self.name)
        try:
            for layer in self.layers:
                x = layer(x)
        finally:
            _naming.PATH.names.pop()
        self._flat_inputs, self._flat_outputs = [inputs], [x]
        self._input_struct, self._output_struct = inputs, x
        self._nodes, self._nodes_by_depth, self._operations = map_graph([inputs], [x])
        self._operations = [op for op in self._operations if not isinstance(op, InputLayer)]
        self._build_shapes = batch_shape
        self.built = True

    def build(self, input_shape=None) -> None:
        if self.built:
            return
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        self._build_graph(tuple(input_shape), "float32")

    def call(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self.layers:
            x = layer(x, training=training)
        return x

    def __call__(self, *args, **kwargs):
        if not self.built and not kt.any_symbolic(args, kwargs) and args:
            shape = getattr(args[0], "shape", None)
            if shape is not None and not isinstance(args[0], list | dict):
                dims = shape.as_list() if hasattr(shape, "as_list") else list(shape)
                self._build_graph((None, *dims[1:]), "float32")
        return Layer.__call__(self, *args, **kwargs)

    def _maybe_build(self, shapes) -> None:
        self.built = True

    @property
    def input_spec(self):
        if self._input_layer is None:
            return None
        from tessera_keras.layers._base import InputSpec

        return InputSpec(shape=self._input_layer.batch_shape)

    @input_spec.setter
    def input_spec(self, value) -> None:
        pass

    @property
    def inputs(self):
        return self._flat_inputs

    @property
    def outputs(self):
        return self._flat_outputs

    def get_config(self) -> dict:
        from tessera_keras.layers import serialize

        layer_configs = []
        for layer in self._layers:
            entry = serialize(layer)
            if not isinstance(layer, InputLayer) and layer._build_shapes is not None:
                entry["build_config"] = {"input_shape": layer._build_shapes}
            layer_configs.append(entry)
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": dtype_policies.serialize(self.dtype_policy),
                  "layers": layer_configs}
        if self._build_shapes is not None:
            config["build_input_shape"] = self._build_shapes
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from tessera_keras.layers import deserialize

        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for entry in config["layers"]:
            model.add(deserialize(entry, custom_objects), rebuild=False)
        model._maybe_rebuild()
        if not model.built and config.get("build_input_shape") is not None:
            model.build(config["build_input_shape"])
        return model
