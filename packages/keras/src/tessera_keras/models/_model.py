"""``keras.Model``: a layer with compile/fit/evaluate/predict, summary and saving."""

from __future__ import annotations

import numpy as np

from tessera._framework import nest
from tessera_keras import _keras_tensor as kt
from tessera_keras.layers._base import Layer
from tessera_keras.models._trainer import Trainer


class Model(Trainer, Layer):
    def __new__(cls, *args, **kwargs):
        if cls is Model and (len(args) >= 2 or ("inputs" in kwargs and "outputs" in kwargs) or
                             (len(args) == 1 and "outputs" in kwargs)):
            from tessera_keras.models._functional import Functional

            return super().__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs) -> None:
        if args or "inputs" in kwargs:
            raise TypeError("Model(inputs, outputs) makes a functional model; subclasses call "
                            "super().__init__() with keyword arguments only.")
        Layer.__init__(self, name=kwargs.pop("name", None),
                       trainable=kwargs.pop("trainable", True), dtype=kwargs.pop("dtype", None))
        Trainer.__init__(self)

    @property
    def layers(self) -> list:
        from tessera_keras.layers._input import InputLayer

        return [layer for layer in self._layers if not isinstance(layer, InputLayer)]

    def get_layer(self, name=None, index=None):
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[layer.name for layer in self.layers]}.")

    def build(self, input_shape=None) -> None:
        if self.built:
            return
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        shapes = input_shape
        if isinstance(shapes, list | tuple) and shapes and isinstance(shapes[0], list | tuple):
            x = [np.zeros([1 if d is None else d for d in s], "float32") for s in shapes]
        else:
            x = np.zeros([1 if d is None else d for d in shapes], "float32")
        self._build_shapes = input_shape
        self.built = True
        self(x)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None) -> None:
        from tessera_keras._summary import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the "
                             f"layer isn't built. You can build it manually via: "
                             f"`{self.name}.build(batch_input_shape)`.")
        return super().count_params()

    # -- saving --------------------------------------------------------------------------
    def save(self, filepath, overwrite=True, zipped=None, **kwargs) -> None:
        """A Keras 3 ``.keras`` zip (config.json, metadata.json, model.weights.h5), or a legacy
        HDF5 model file when ``filepath`` ends in ``.h5`` / ``.hdf5``."""
        from tessera_keras import _saving

        _saving.save_model(self, filepath, overwrite=overwrite, **kwargs)

    def to_json(self, **kwargs) -> str:
        """The model's Keras 3 config (as in a ``.keras`` file's config.json) as JSON;
        ``kwargs`` go to ``json.dumps``."""
        import json

        from tessera_keras import _saving

        return json.dumps(_saving.serialize_model(self), default=_saving._json_default, **kwargs)

    def save_weights(self, filepath, overwrite=True) -> None:
        from tessera_keras import _saving

        _saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs) -> None:
        from tessera_keras import _saving

        _saving.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def get_compile_config(self):
        from tessera_keras import _saving

        return _saving.get_compile_config(self)

    def compile_from_config(self, config) -> None:
        from tessera_keras import _saving

        _saving.compile_from_config(self, config)

    def export(self, filepath, format="tf_saved_model", verbose=True, input_signature=None,
               **kwargs) -> None:
        """A SavedModel whose ``serve`` (and ``serving_default``) signature runs inference."""
        import tessera as tf

        if format != "tf_saved_model":
            raise ValueError(f"Unrecognized format={format}; tessera-keras exports "
                             f"'tf_saved_model'.")
        fn = self._tf_export_function(input_signature)
        # As Keras's ExportArchive: a plain object holding the endpoint and the variables, so
        # the loaded object has `serve` (and the signatures) but none of the model's methods.
        archive = tf.Module()
        archive.serve = fn
        archive.keras_variables = list(self.variables)
        tf.saved_model.save(archive, str(filepath),
                            signatures={"serve": fn, "serving_default": fn})
        if verbose:
            print(f"Saved artifact at '{filepath}'.")

    def _tf_export_function(self, input_signature=None):
        """Inference as a tf.function over the model's inputs: what ``export`` saves and
        what ``tessera.onnx.export(model, path)`` writes."""
        import tessera as tf

        if input_signature is None:
            inputs = getattr(self, "inputs", None)
            if not inputs:
                raise ValueError("The model has no known input shape; pass `input_signature` "
                                 "or call the model on data before exporting it.")
            input_signature = [tf.TensorSpec(t.shape, t.dtype, name=t.name) for t in inputs]
        model = self

        def serve_many(*args):
            return model(list(args), training=False)

        def serve(inputs):
            return model(inputs, training=False)

        return tf.function(serve if len(input_signature) == 1 else serve_many,
                           input_signature=list(input_signature))

    def get_config(self) -> dict:
        return {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if cls is Model and "layers" in config and "input_layers" in config:
            from tessera_keras.models._functional import Functional

            return Functional.from_config(config, custom_objects)
        return super().from_config(config)

    def __call__(self, *args, **kwargs):
        return super().__call__(*args, **kwargs)


def symbolic_shapes(x):
    return nest.map_structure(lambda t: t.shape if isinstance(t, kt.KerasTensor) else None, x)
