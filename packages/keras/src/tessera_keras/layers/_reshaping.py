"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector, ZeroPadding, Cropping,
UpSampling (1D, 2D and 3D)."""

from __future__ import annotations

import math

import tessera as tf
from tessera_keras.layers._base import InputSpec, Layer, standardize_tuple


def _static_rest(inputs, layer):
    rest = inputs.shape.as_list()[1:]
    if any(d is None for d in rest):
        raise ValueError(f"Layer '{layer.name}' needs every non-batch dimension of its input "
                         f"known; received input with shape {tuple(inputs.shape.as_list())}")
    return rest


class Flatten(Layer):
    def __init__(self, data_format=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        rest = _static_rest(inputs, self)
        if self.data_format == "channels_first" and len(rest) > 1:
            inputs = tf.transpose(inputs, [0, *range(2, len(rest) + 1), 1])
        return tf.reshape(inputs, [-1, math.prod(rest)])

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    def __init__(self, target_shape, **kwargs) -> None:
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def _resolve(self, rest):
        target = list(self.target_shape)
        if -1 in target:
            known = math.prod(d for d in target if d != -1)
            total = math.prod(rest)
            if total % known:
                raise ValueError(f"The total size of the tensor must be unchanged. Received: "
                                 f"input_shape={tuple(rest)}, target_shape={self.target_shape}")
            target[target.index(-1)] = total // known
        elif math.prod(target) != math.prod(rest):
            raise ValueError(f"The total size of the tensor must be unchanged. Received: "
                             f"input_shape={tuple(rest)}, target_shape={self.target_shape}")
        return target

    def call(self, inputs):
        return tf.reshape(inputs, [-1, *self._resolve(_static_rest(inputs, self))])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self._resolve(input_shape[1:]))

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


class Permute(Layer):
    def __init__(self, dims, **kwargs) -> None:
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Invalid permutation argument `dims` for Permute Layer. The set of "
                             f"indices in `dims` must be consecutive and start from 1. "
                             f"Received dims={dims}")

    def call(self, inputs):
        return tf.transpose(inputs, [0, *self.dims])

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


class RepeatVector(Layer):
    def __init__(self, n, **kwargs) -> None:
        super().__init__(**kwargs)
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return tf.tile(tf.expand_dims(inputs, 1), [1, self.n, 1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}


def _pairs(value, n: int, name: str) -> tuple:
    """An int, ``n`` ints or ``n`` pairs -> ``n`` (before, after) pairs, as Keras accepts."""
    if isinstance(value, int):
        pairs = ((value, value),) * n
    elif hasattr(value, "__len__") and len(value) == n:
        pairs = tuple((v, v) if isinstance(v, int) else tuple(v) for v in value)
    else:
        raise ValueError(f"`{name}` should have {n} elements. Received: {value}.")
    if any(len(p) != 2 or min(p) < 0 for p in pairs):
        raise ValueError(f"`{name}` should be an int, a tuple of {n} ints or a tuple of {n} "
                         f"tuples of 2 non-negative ints. Received: {value}.")
    return tuple(tuple(int(x) for x in p) for p in pairs)


def _spatial_axes(rank: int, data_format: str) -> list:
    return list(range(1, rank + 1)) if data_format == "channels_last" else \
        list(range(2, rank + 2))


class _Padding(Layer):
    """ZeroPadding and Cropping over ``rank`` spatial axes."""

    rank = 3
    _arg = "padding"

    def __init__(self, value, data_format=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"
        setattr(self, self._arg, _pairs(value, self.rank, self._arg))
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _sign(self):
        return 1 if self._arg == "padding" else -1

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, pair in zip(_spatial_axes(self.rank, self.data_format),
                              getattr(self, self._arg)):
            if out[axis] is not None:
                out[axis] += self._sign() * sum(pair)
                if out[axis] <= 0:
                    raise ValueError(f"Values in `cropping` argument should be smaller than the "
                                     f"corresponding spatial dimension of the input. Received: "
                                     f"input_shape={tuple(input_shape)}, "
                                     f"cropping={self.cropping}")
        return tuple(out)

    def call(self, inputs):
        pairs = getattr(self, self._arg)
        axes = _spatial_axes(self.rank, self.data_format)
        if self._arg == "padding":
            pads = [[0, 0]] * (self.rank + 2)
            for axis, pair in zip(axes, pairs):
                pads[axis] = list(pair)
            return tf.pad(inputs, pads)
        self.compute_output_shape(inputs.shape.as_list())
        index = [slice(None)] * (self.rank + 2)
        for axis, (a, b) in zip(axes, pairs):
            index[axis] = slice(a, -b if b else None)
        return inputs[tuple(index)]

    def get_config(self):
        return {**super().get_config(), self._arg: getattr(self, self._arg),
                "data_format": self.data_format}


class ZeroPadding3D(_Padding):
    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs) -> None:
        super().__init__(padding, data_format, **kwargs)


class Cropping3D(_Padding):
    _arg = "cropping"

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs) -> None:
        super().__init__(cropping, data_format, **kwargs)


class Cropping1D(Layer):
    def __init__(self, cropping=(1, 1), **kwargs) -> None:
        super().__init__(**kwargs)
        self.cropping = (cropping, cropping) if isinstance(cropping, int) else \
            standardize_tuple(cropping, 2, "cropping")
        self.input_spec = InputSpec(ndim=3)

    def compute_output_shape(self, input_shape):
        length = input_shape[1]
        if length is not None:
            length -= sum(self.cropping)
            if length <= 0:
                raise ValueError(f"`cropping` parameter of `Cropping1D` layer must be smaller "
                                 f"than the input length. Received: input_shape="
                                 f"{tuple(input_shape)}, cropping={self.cropping}")
        return (input_shape[0], length, input_shape[2])

    def call(self, inputs):
        self.compute_output_shape(inputs.shape.as_list())
        a, b = self.cropping
        return inputs[:, a:-b if b else None, :]

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping}


class ZeroPadding2D(_Padding):
    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs) -> None:
        super().__init__(padding, data_format, **kwargs)


class Cropping2D(_Padding):
    rank = 2
    _arg = "cropping"

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs) -> None:
        super().__init__(cropping, data_format, **kwargs)


class ZeroPadding1D(Layer):
    def __init__(self, padding=1, data_format=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.padding = (padding, padding) if isinstance(padding, int) else tuple(padding)
        self.data_format = data_format or "channels_last"
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        axis = 1 if self.data_format == "channels_last" else 2
        pads = [[0, 0], [0, 0], [0, 0]]
        pads[axis] = list(self.padding)
        return tf.pad(inputs, pads)

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        axis = 1 if self.data_format == "channels_last" else 2
        out[axis] = None if out[axis] is None else out[axis] + sum(self.padding)
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


_UPSAMPLING_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")


class UpSampling2D(Layer):
    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs) -> None:
        super().__init__(**kwargs)
        self.size = standardize_tuple(size, 2, "size")
        self.data_format = data_format or "channels_last"
        if interpolation not in _UPSAMPLING_INTERPOLATIONS:
            raise ValueError(f"Invalid value for argument `interpolation`. Expected of one "
                             f"{_UPSAMPLING_INTERPOLATIONS}. Received: "
                             f"interpolation={interpolation}")
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        channels_first = self.data_format == "channels_first"
        x = tf.transpose(inputs, [0, 2, 3, 1]) if channels_first else inputs
        if self.interpolation == "nearest":
            x = tf.repeat(tf.repeat(x, self.size[0], axis=1), self.size[1], axis=2)
        else:
            height, width = x.shape[1], x.shape[2]
            if height is None or width is None:
                size = tf.shape(x)[1:3] * tf.constant(self.size, "int32")
            else:
                size = (height * self.size[0], width * self.size[1])
            x = tf.image.resize(x, size, method=self.interpolation)
        return tf.transpose(x, [0, 3, 1, 2]) if channels_first else x

    def compute_output_shape(self, input_shape):
        axes = (2, 3) if self.data_format == "channels_first" else (1, 2)
        shape = list(input_shape)
        for axis, factor in zip(axes, self.size):
            shape[axis] = None if shape[axis] is None else shape[axis] * factor
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}


class UpSampling1D(Layer):
    def __init__(self, size=2, **kwargs) -> None:
        super().__init__(**kwargs)
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(f"Expected an integer value for `size`, got {type(size)}.")
        if size <= 0:
            raise ValueError(f"Argument `size` should be a positive integer. Received: "
                             f"size={size}")
        self.size = size
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return tf.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        length = None if input_shape[1] is None else input_shape[1] * self.size
        return (input_shape[0], length, input_shape[2])

    def get_config(self):
        return {**super().get_config(), "size": self.size}


class UpSampling3D(Layer):
    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.size = standardize_tuple(size, 3, "size")
        self.data_format = data_format or "channels_last"
        self.input_spec = InputSpec(ndim=5)

    def call(self, inputs):
        x = inputs
        for axis, n in zip(_spatial_axes(3, self.data_format), self.size):
            x = tf.repeat(x, n, axis=axis)
        return x

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, n in zip(_spatial_axes(3, self.data_format), self.size):
            out[axis] = None if out[axis] is None else out[axis] * n
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}
