"""Keras weights: ``tf.Variable`` with Keras 3's short ``name``, ``path``, settable
``trainable`` and the regularizer/constraint the layer gave them."""

from __future__ import annotations

import numpy as np

import tessera as tf


class KerasVariable(tf.Variable):
    def __init__(self, initial_value, *, name: str, path: str, trainable: bool = True,
                 dtype=None, regularizer=None, constraint=None) -> None:
        super().__init__(initial_value, trainable=trainable, name=name, dtype=dtype)
        self._keras_name = name
        self._path = path
        self.regularizer = regularizer
        self._keras_constraint = constraint

    @property
    def name(self) -> str:
        return self._keras_name

    @property
    def path(self) -> str:
        return self._path

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)

    @property
    def constraint(self):
        return self._keras_constraint

    def __repr__(self) -> str:
        value = np.array2string(np.asarray(self.numpy()), separator=" ")
        return f"<Variable path={self.path}, shape={tuple(self.shape.as_list())}, " \
               f"dtype={self.dtype.name}, value={value}>"
