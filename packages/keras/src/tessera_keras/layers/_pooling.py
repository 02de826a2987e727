"""Pooling layers (channels_last): Max/Average 1D and 2D, global pooling."""

from __future__ import annotations

import tessera as tf
from tessera_keras.layers._base import InputSpec, Layer, standardize_tuple


class _Pool(Layer):
    rank = 2
    _op = None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None,
                 name=None, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        n = self.rank
        self.pool_size = standardize_tuple(pool_size, n, "pool_size")
        self.strides = standardize_tuple(strides, n, "strides") if strides is not None \
            else self.pool_size
        self.padding = padding.lower()
        self.data_format = data_format or "channels_last"
        self.input_spec = InputSpec(ndim=n + 2)

    def call(self, inputs):
        x = inputs
        if self.data_format == "channels_first":
            x = tf.transpose(x, [0, *range(2, self.rank + 2), 1])
        x = self._pool(x)
        if self.data_format == "channels_first":
            x = tf.transpose(x, [0, self.rank + 1, *range(1, self.rank + 1)])
        return x

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


class MaxPooling2D(_Pool):
    def _pool(self, x):
        return tf.nn.max_pool2d(x, self.pool_size, self.strides, self.padding.upper())


class AveragePooling2D(_Pool):
    def _pool(self, x):
        return tf.nn.avg_pool2d(x, self.pool_size, self.strides, self.padding.upper())


class MaxPooling1D(_Pool):
    rank = 1

    def _pool(self, x):
        return tf.nn.max_pool1d(x, self.pool_size[0], self.strides[0], self.padding.upper())


class AveragePooling1D(_Pool):
    rank = 1

    def _pool(self, x):
        return tf.nn.avg_pool1d(x, self.pool_size[0], self.strides[0], self.padding.upper())


class _GlobalPool(Layer):
    rank = 2

    def __init__(self, data_format=None, keepdims=False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _axes(self):
        if self.data_format == "channels_last":
            return list(range(1, self.rank + 1))
        return list(range(2, self.rank + 2))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class GlobalAveragePooling2D(_GlobalPool):
    def call(self, inputs):
        return tf.reduce_mean(inputs, axis=self._axes(), keepdims=self.keepdims)


class GlobalMaxPooling2D(_GlobalPool):
    def call(self, inputs):
        return tf.reduce_max(inputs, axis=self._axes(), keepdims=self.keepdims)


class GlobalAveragePooling1D(_GlobalPool):
    rank = 1

    def __init__(self, data_format=None, keepdims=False, **kwargs) -> None:
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        axes = self._axes()
        if mask is None:
            return tf.reduce_mean(inputs, axis=axes, keepdims=self.keepdims)
        # Keras: the average over the unmasked steps only.
        mask = tf.expand_dims(tf.cast(mask, inputs.dtype),
                              2 if self.data_format == "channels_last" else 1)
        return tf.reduce_sum(inputs * mask, axis=axes, keepdims=self.keepdims) / \
            tf.reduce_sum(mask, axis=axes, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalMaxPooling1D(_GlobalPool):
    rank = 1

    def call(self, inputs):
        return tf.reduce_max(inputs, axis=self._axes(), keepdims=self.keepdims)


MaxPool2D, AvgPool2D, MaxPool1D, AvgPool1D = MaxPooling2D, AveragePooling2D, MaxPooling1D, \
    AveragePooling1D
GlobalAvgPool2D, GlobalMaxPool2D = GlobalAveragePooling2D, GlobalMaxPooling2D
GlobalAvgPool1D, GlobalMaxPool1D = GlobalAveragePooling1D, GlobalMaxPooling1D
