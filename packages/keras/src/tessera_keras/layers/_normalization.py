"""BatchNormalization, LayerNormalization, GroupNormalization and UnitNormalization."""

from __future__ import annotations

import tessera as tf
from tessera_keras import constraints, initializers, regularizers
from tessera_keras.layers._base import InputSpec, Layer


def _normalize(inputs, mean, variance, gamma, beta, epsilon, bshape):
    """``(x - mean) * gamma / sqrt(variance + epsilon) + beta`` as one multiply-add."""
    inv = tf.math.rsqrt(variance + epsilon)
    if gamma is not None:
        inv = inv * tf.reshape(_like(gamma, inv), bshape)
    res = -mean * inv
    if beta is not None:
        res = res + tf.reshape(_like(beta, inv), bshape)
    return inputs * inv + res


def _like(variable, x):
    return variable if variable.dtype == x.dtype else tf.cast(variable, x.dtype)


def _stats_dtype(layer, x):
    """LayerNormalization/GroupNormalization take inputs uncast: their statistics are float32,
    or float64 when the input or the layer is."""
    wide = "float64" in (x.dtype.name, layer.variable_dtype)
    dtype = "float64" if wide else "float32"
    return x if x.dtype.name == dtype else tf.cast(x, dtype)


def _to_compute_dtype(layer, x):
    dtype = layer.compute_dtype
    return x if x.dtype.name == dtype else tf.cast(x, dtype)


def _upcast(x):
    """float16/bfloat16 statistics overflow or lose precision: Keras computes them in float32."""
    return tf.cast(x, "float32") if x.dtype.name in ("float16", "bfloat16") else x


class BatchNormalization(Layer):
    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, synchronized=False, renorm=False,
                 renorm_clipping=None, renorm_momentum=0.99, **kwargs) -> None:
        super().__init__(**kwargs)
        if renorm:
            raise ValueError("BatchNormalization(renorm=True) is not supported by "
                             "tessera-keras yet.")
        self.axis = int(axis)
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.synchronized = synchronized
        self.supports_masking = True

    def build(self, input_shape) -> None:
        rank = len(input_shape)
        axis = self.axis % rank
        dim = input_shape[axis]
        shape = (dim,)
        self.gamma = self.add_weight(shape=shape, name="gamma", initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint,
                                     autocast=False) if self.scale else None
        self.beta = self.add_weight(shape=shape, name="beta", initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint,
                                    autocast=False) if self.center else None
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean",
                                           initializer=self.moving_mean_initializer,
                                           trainable=False, autocast=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer,
                                               trainable=False, autocast=False)
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: dim})
        self._reduction_axes = [i for i in range(rank) if i != axis]
        self._bshape = [1] * rank
        self._bshape[axis] = dim
        self.built = True

    def call(self, inputs, training=None, mask=None):
        def bc(v):
            return tf.reshape(v, self._bshape)

        input_dtype = inputs.dtype
        inputs = _upcast(inputs)
        if training and self.trainable:
            mean = tf.reduce_mean(inputs, axis=self._reduction_axes, keepdims=True)
            variance = tf.reduce_mean(tf.square(inputs), axis=self._reduction_axes,
                                      keepdims=True) - tf.square(mean)
            variance = tf.maximum(variance, 0.0)
            m = self.momentum
            flat_mean = tf.reshape(mean, [-1])
            flat_var = tf.reshape(variance, [-1])
            self.moving_mean.assign(self.moving_mean * m + flat_mean * (1.0 - m))
            self.moving_variance.assign(self.moving_variance * m + flat_var * (1.0 - m))
        else:
            mean, variance = bc(self.moving_mean), bc(self.moving_variance)
        out = _normalize(inputs, mean, variance, self.gamma, self.beta, self.epsilon,
                         self._bshape)
        return out if out.dtype == input_dtype else tf.cast(out, input_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer":
                    initializers.serialize(self.moving_variance_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint),
                "synchronized": self.synchronized, "renorm": False, "renorm_clipping": None,
                "renorm_momentum": 0.99}


class LayerNormalization(Layer):
    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else list(axis)
        self.epsilon = float(epsilon)
        self.center, self.scale, self.rms_scaling = center, scale, rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.autocast = False  # as Keras: statistics in float32, output in compute_dtype

    def build(self, input_shape) -> None:
        rank = len(input_shape)
        if isinstance(self.axis, int):  # Keras keeps (and reports) a list once built
            self.axis = [self.axis]
        self._axes = sorted(a % rank for a in self.axis)
        shape = tuple(input_shape[a] for a in self._axes)
        self.gamma = self.add_weight(name="gamma", shape=shape,
                                     initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint,
                                     autocast=False) if self.scale else None
        self.beta = self.add_weight(name="beta", shape=shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint,
                                    autocast=False) if self.center else None
        self._bshape = [input_shape[i] if i in self._axes else 1 for i in range(rank)]
        self.built = True

    def call(self, inputs):
        return _to_compute_dtype(self, self._normalized(_stats_dtype(self, inputs)))

    def _normalized(self, inputs):
        def bc(v):
            return tf.reshape(v, self._bshape)

        if self.rms_scaling:
            variance = tf.reduce_mean(tf.square(inputs), axis=self._axes, keepdims=True)
            out = inputs * tf.math.rsqrt(variance + self.epsilon)
            return out * bc(_like(self.gamma, out)) if self.gamma is not None else out
        mean = tf.reduce_mean(inputs, axis=self._axes, keepdims=True)
        variance = tf.reduce_mean(tf.square(inputs - mean), axis=self._axes, keepdims=True)
        return _normalize(inputs, mean, variance, self.gamma, self.beta, self.epsilon,
                          self._bshape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale, "rms_scaling": self.rms_scaling,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}


class GroupNormalization(Layer):
    """Normalizes each group of ``channels / groups`` channels over the non-batch axes."""

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        self.autocast = False  # as Keras: statistics in float32, output in compute_dtype
        self.groups, self.axis, self.epsilon = groups, axis, epsilon
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape) -> None:
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension "
                             f"but the layer received an input with shape {input_shape}.")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the number "
                             f"of channels ({dim}).")
        if dim % self.groups:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the number "
                             f"of channels ({dim}).")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        self.gamma = self.add_weight(shape=(dim,), name="gamma",
                                     initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint,
                                     autocast=False) if self.scale else None
        self.beta = self.add_weight(shape=(dim,), name="beta", initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint,
                                    autocast=False) if self.center else None
        self.built = True

    def call(self, inputs):
        shape = inputs.shape.as_list()
        rank = len(shape)
        axis = self.axis % rank
        if None in shape[1:]:
            raise ValueError(f"Layer '{self.name}' needs every non-batch dimension of its input "
                             f"known; received input with shape {tuple(shape)}")
        group_shape = [-1, *shape[1:]]
        group_shape[axis] = shape[axis] // self.groups
        group_shape.insert(axis, self.groups)
        x = tf.reshape(_stats_dtype(self, inputs), group_shape)
        # Reduce over every axis but the batch and the group axis.
        axes = [i for i in range(1, rank + 1) if i != axis]
        bshape = [1] * (rank + 1)
        bshape[axis], bshape[axis + 1] = self.groups, shape[axis] // self.groups
        mean = tf.reduce_mean(x, axis=axes, keepdims=True)
        variance = tf.reduce_mean(tf.square(x - mean), axis=axes, keepdims=True)
        out = _normalize(x, mean, variance, self.gamma, self.beta, self.epsilon, bshape)
        return _to_compute_dtype(self, tf.reshape(out, [-1, *shape[1:]]))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "groups": self.groups, "axis": self.axis,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm over ``axis`` (Keras: ``x * min(rsqrt(sum(x^2)),
    1e12)``)."""

    def __init__(self, axis=-1, **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(axis, list | tuple):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError(f"Invalid value for `axis` argument: expected an int or a "
                            f"list/tuple of ints. Received: axis={axis}")
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        x = _upcast(inputs)  # 1e12 does not fit in float16
        square_sum = tf.reduce_sum(tf.square(x), axis=self.axis, keepdims=True)
        out = x * tf.minimum(tf.math.rsqrt(square_sum), 1e12)
        return out if out.dtype == inputs.dtype else tf.cast(out, inputs.dtype)

    def compute_output_shape(self, input_shape):
        for axis in [self.axis] if isinstance(self.axis, int) else self.axis:
            if not -len(input_shape) <= axis < len(input_shape):
                raise ValueError(f"Axis {self.axis} is out of bounds for input shape "
                                 f"{input_shape}.")
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
