"""Preprocessing layers: ``Normalization`` (with ``adapt``) and ``Rescaling``, following
Keras 3 (weights, statistics merged batch by batch, config)."""

from __future__ import annotations

import math

import numpy as np

import tessera as tf
from tessera_keras.layers._base import Layer

_EPSILON = 1e-7


def _as_array(batch, dtype) -> np.ndarray:
    batch = batch[0] if isinstance(batch, tuple) else batch
    return np.asarray(batch.numpy() if isinstance(batch, tf.Tensor) else batch, dtype)


class Normalization(Layer):
    """``(x - mean) / max(sqrt(variance), epsilon)`` per feature along ``axis``; ``adapt``
    learns the statistics from data (an array, a tensor, a ``tf.data.Dataset`` or batches)."""

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.axis = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        self.input_mean, self.input_variance, self.invert = mean, variance, invert
        self.supports_masking = True
        self._build_input_shape = None
        if (mean is not None) != (variance is not None):
            raise ValueError(f"When setting values directly, both `mean` and `variance` must "
                             f"be set. Received: mean={mean} and variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(f"When setting values directly, `mean` and `variance` must "
                                 f"have the same shape. Received: mean shape {np.shape(mean)} "
                                 f"and variance shape {np.shape(variance)}")
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(f"The rank of `mean` must be less than or equal to the number"
                                 f" of axes ({len(self.axis)}). Received: mean shape "
                                 f"{np.shape(mean)} for axis {self.axis}")

    def build(self, input_shape) -> None:
        if input_shape is None:
            return
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"All `axis` values must be in the range [-ndim, ndim). Received "
                             f"inputs with ndim={ndim}, while axis={self.axis}")
        self._build_input_shape = input_shape
        self._keep_axis = tuple(sorted(d % ndim for d in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(f"All `axis` values to be kept must have a known shape. "
                                 f"Received axis={self.axis}, inputs.shape={input_shape}, with "
                                 f"unknown axis at index {d}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis else 1
                                 for d in range(ndim)]
        self._stats_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._stats_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=self._stats_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int64",
                                         initializer="zeros", trainable=False)
        else:
            def expand(value):
                value = np.asarray(value, dtype=self._dtype)
                if value.ndim:
                    shape = [1] * ndim
                    for i in range(1, value.ndim + 1):
                        shape[self._keep_axis[-i]] = value.shape[-i]
                    value = value.reshape(shape)
                return np.broadcast_to(value, self._broadcast_shape)

            self._fixed = (tf.constant(expand(self.input_mean)),
                           tf.constant(expand(self.input_variance)))
        self.built = True

    def _stats(self):
        if self.input_mean is not None:
            return self._fixed
        return (tf.reshape(self.adapt_mean, self._broadcast_shape),
                tf.reshape(self.adapt_variance, self._broadcast_shape))

    def adapt(self, data) -> None:
        if isinstance(data, np.ndarray | tf.Tensor):
            shape, batches = tuple(data.shape), None
        elif isinstance(data, tf.data.Dataset):
            spec = data.element_spec
            spec = spec[0] if isinstance(spec, tuple) else spec
            if spec.shape.rank == 1:
                data = data.batch(128)
                spec = data.element_spec
                spec = spec[0] if isinstance(spec, tuple) else spec
            shape, batches = tuple(spec.shape.as_list()), data
        elif hasattr(data, "__iter__"):
            it = iter(data)
            first = next(it, None)
            if first is None:
                raise ValueError("adapt() received an empty iterable (no batches). Expected at "
                                 "least one batch.")
            first = first[0] if isinstance(first, tuple) else first
            if getattr(first, "shape", None) is None:
                raise TypeError(f"adapt() expects an iterable that yields arrays or tensors "
                                f"with a `.shape` attribute. Got an element of type "
                                f"{type(first).__name__}.")
            shape = tuple(first.shape)

            def chain():
                yield first
                yield from it

            batches = chain()
        else:
            raise TypeError(f"Unsupported data type: {type(data)}. `adapt` supports "
                            f"`np.ndarray`, tensors, `tf.data.Dataset` and iterables of "
                            f"batches.")
        if self.input_mean is not None:
            raise ValueError("adapt() cannot change a Normalization layer built with fixed "
                             "`mean` and `variance`")
        if not self.built:
            self._maybe_build(shape)
        else:
            for d in self._keep_axis:
                if shape[d] != self._build_input_shape[d]:
                    raise ValueError(f"The layer was built with input_shape="
                                     f"{self._build_input_shape}, but adapt() is being called "
                                     f"with data with an incompatible shape, data.shape={shape}")
        if batches is None:  # one array: its float dtype is kept, as Keras's np.mean does
            x = np.asarray(data.numpy() if isinstance(data, tf.Tensor) else data)
            batches = [x if x.dtype.kind == "f" else x.astype(self._dtype)]
        else:
            batches = (_as_array(b, self._dtype) for b in batches)
        # Chan et al.'s merge of per-batch moments, as Keras does (exact for a single batch).
        mean = np.zeros(self._stats_shape, self._dtype)
        var = np.zeros(self._stats_shape, self._dtype)
        total = 0
        for b in batches:
            count = math.prod(b.shape[d] for d in self._reduce_axis) if self._reduce_axis else 1
            total += count
            w = count / total
            b_mean, b_var = b.mean(axis=self._reduce_axis), b.var(axis=self._reduce_axis)
            new_mean = mean * (1 - w) + b_mean * w
            var = (var + (mean - new_mean) ** 2) * (1 - w) + \
                (b_var + (b_mean - new_mean) ** 2) * w
            mean = new_mean
        self.adapt_mean.assign(np.asarray(mean, self._dtype))
        self.adapt_variance.assign(np.asarray(var, self._dtype))

    def call(self, inputs):
        inputs = tf.cast(inputs, self._dtype)
        mean, variance = self._stats()
        std = tf.maximum(tf.sqrt(variance), _EPSILON)
        return mean + inputs * std if self.invert else (inputs - mean) / std

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": np.array(self.input_mean).tolist(),
                "variance": np.array(self.input_variance).tolist()}


class Rescaling(Layer):
    """``inputs * scale + offset`` (scale and offset may be per-channel lists)."""

    def __init__(self, scale, offset=0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self.supports_masking = True

    def call(self, inputs):
        inputs = tf.cast(inputs, self._dtype)
        return inputs * tf.cast(self.scale, self._dtype) + tf.cast(self.offset, self._dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}
