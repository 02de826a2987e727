"""``keras.regularizers``."""

from __future__ import annotations

import tessera as tf
from tessera_keras._serialization import deserialize_from, get_from
from tessera_keras._serialization import serialize as _serialize


class Regularizer:
    def __call__(self, x):
        return 0.0

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    def __init__(self, l1=0.0, l2=0.0) -> None:
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        total = 0.0
        if self.l1:
            total = total + self.l1 * tf.reduce_sum(tf.abs(x))
        if self.l2:
            total = total + self.l2 * tf.reduce_sum(tf.square(x))
        return total

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    def __init__(self, l1=0.01) -> None:
        self.l1 = float(l1)

    def __call__(self, x):
        return self.l1 * tf.reduce_sum(tf.abs(x))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    def __init__(self, l2=0.01) -> None:
        self.l2 = float(l2)

    def __call__(self, x):
        return self.l2 * tf.reduce_sum(tf.square(x))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    def __init__(self, factor=0.01, mode="rows") -> None:
        self.factor, self.mode = factor, mode

    def __call__(self, x):
        if self.mode == "columns":
            x = tf.transpose(x)
        x = tf.math.l2_normalize(x, axis=1)
        prod = tf.matmul(x, x, transpose_b=True)
        size = x.shape[0]
        off = prod * (1.0 - tf.eye(size, dtype=x.dtype))
        return self.factor * tf.reduce_sum(tf.abs(off)) / (size * (size - 1) / 2)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


l1, l2, l1_l2 = L1, L2, L1L2
orthogonal_regularizer = OrthogonalRegularizer
_ALL = {c.__name__: c for c in (Regularizer, L1L2, L1, L2, OrthogonalRegularizer)}
_ALIASES = {"l1": L1, "l2": L2, "l1_l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer}

_TABLE = {**_ALL, **_ALIASES}


def serialize(regularizer):
    return _serialize(regularizer, "keras.regularizers")


def deserialize(config, custom_objects=None):
    return deserialize_from(config, _TABLE, "regularizer", custom_objects)


def get(identifier):
    return get_from(identifier, deserialize, "regularizer")
