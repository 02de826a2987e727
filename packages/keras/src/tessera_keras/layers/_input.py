"""``keras.layers.InputLayer`` and ``keras.Input``."""

from __future__ import annotations

import tessera as tf
from tessera_keras import _keras_tensor as kt
from tessera_keras.layers._base import Layer


class InputLayer(Layer):
    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, **kwargs) -> None:
        kwargs.pop("ragged", None)
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if batch_shape is None:
            if shape is None and input_tensor is None:
                raise ValueError("You must pass a `shape` argument.")
            if shape is not None:
                shape = (shape,) if isinstance(shape, int) else tuple(shape)
                batch_shape = (batch_size, *shape)
            else:
                batch_shape = input_tensor.shape
        self._batch_shape = tuple(batch_shape)
        self._dtype = tf.as_dtype(dtype or "float32").name
        self.sparse = bool(sparse)
        self.optional = optional
        self.built = True
        if input_tensor is None:
            input_tensor = kt.KerasTensor(self._batch_shape, self._dtype, name=self.name)
        self._input_tensor = input_tensor
        kt.Node(self, (), {}, input_tensor)

    @property
    def batch_shape(self):
        return self._batch_shape

    def call(self):
        return self._input_tensor

    def get_config(self) -> dict:
        return {"batch_shape": self._batch_shape, "dtype": self._dtype, "sparse": self.sparse,
                "ragged": False, "name": self.name, "optional": self.optional}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("ragged", None)
        if "batch_input_shape" in config:
            config["batch_shape"] = config.pop("batch_input_shape")
        return cls(**config)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False) -> kt.KerasTensor:
    """``keras.Input``: a symbolic tensor that starts a functional model."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, input_tensor=tensor, optional=optional)
    return layer._input_tensor
