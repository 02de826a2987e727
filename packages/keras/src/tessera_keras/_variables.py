"""Keras weights: ``tf.Variable`` with Keras 3's short ``name``, ``path``, settable
``trainable`` and the regularizer/constraint the layer gave them; read inside a mixed-precision
layer's call, a float variable gives its value in the compute dtype (Keras's AutocastScope)."""

from __future__ import annotations

import contextlib
import threading

import numpy as np

import tessera as tf

_FLOATS = frozenset({"float16", "float32", "float64", "bfloat16"})


class _Autocast(threading.local):
    dtype = None  # the dtype float variables are read in; None: as stored


_AUTOCAST = _Autocast()


def get_autocast_dtype():
    return _AUTOCAST.dtype


@contextlib.contextmanager
def autocast_scope(dtype):
    """Read autocasting variables in ``dtype`` (a float dtype name, or None for none)."""
    if dtype is not None and dtype not in _FLOATS:
        raise ValueError("`AutocastScope` can only be used with a floating-point target dtype, "
                         f"such as 'float16'. Received: dtype={dtype}")
    saved = _AUTOCAST.dtype
    _AUTOCAST.dtype = dtype
    try:
        yield
    finally:
        _AUTOCAST.dtype = saved


class KerasVariable(tf.Variable):
    def __init__(self, initial_value, *, name: str, path: str, trainable: bool = True,
                 dtype=None, regularizer=None, constraint=None, autocast: bool = True) -> None:
        super().__init__(initial_value, trainable=trainable, name=name, dtype=dtype)
        self._keras_name = name
        self._path = path
        self.regularizer = regularizer
        self._keras_constraint = constraint
        self._autocast = bool(autocast)

    @property
    def autocast(self) -> bool:
        return self._autocast

    def _as_tensor(self):
        value = super()._as_tensor()
        target = _AUTOCAST.dtype
        if target is not None and self._autocast and value.dtype.name != target and \
                value.dtype.name in _FLOATS:
            # A differentiable cast: the gradient comes back in the variable's dtype.
            return tf.cast(value, target)
        return value

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        with autocast_scope(None):  # updates work on the stored value, not a cast copy
            return super().assign_add(delta, use_locking, name, read_value)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        with autocast_scope(None):
            return super().assign_sub(delta, use_locking, name, read_value)

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
