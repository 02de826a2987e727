"""``keras.initializers``."""

from __future__ import annotations

import inspect
import math

import numpy as np

import tessera as tf
from tessera_keras import _random
from tessera_keras._serialization import deserialize_from, get_from
from tessera_keras._serialization import serialize as _serialize


def _np_dtype(dtype):
    return tf.as_dtype(dtype or "float32").as_numpy_dtype


class Initializer:
    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        # Newer Keras adds options (``input_axes``/``output_axes``) whose unset value
        # means what Tessera does.
        params = inspect.signature(cls.__init__).parameters
        extra = {k: v for k, v in config.items() if k not in params}
        if any(v is not None for v in extra.values()):
            raise ValueError(f"{cls.__name__} does not support {extra} in tessera-keras.")
        return cls(**{k: v for k, v in config.items() if k in params})

    def clone(self):
        return self.__class__.from_config(self.get_config())


class Constant(Initializer):
    def __init__(self, value=0.0) -> None:
        self.value = value

    def __call__(self, shape, dtype=None):
        return tf.constant(np.full(tuple(shape), self.value, dtype=_np_dtype(dtype)))

    def get_config(self):
        return {"value": self.value}


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return tf.constant(np.zeros(tuple(shape), dtype=_np_dtype(dtype)))


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return tf.constant(np.ones(tuple(shape), dtype=_np_dtype(dtype)))


class Identity(Initializer):
    def __init__(self, gain=1.0) -> None:
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D square "
                             f"matrices. Received: shape={shape} of rank {len(shape)}.")
        return tf.constant((self.gain * np.eye(*shape)).astype(_np_dtype(dtype)))

    def get_config(self):
        return {"gain": self.gain}


class _Random(Initializer):
    def __init__(self, seed=None) -> None:
        self.seed = seed

    def _rng(self):
        return _random.rng(self.seed)

    def get_config(self):
        return {"seed": self.seed}


class RandomUniform(_Random):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None) -> None:
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        v = self._rng().uniform(self.minval, self.maxval, tuple(shape))
        return tf.constant(v.astype(_np_dtype(dtype)))

    def get_config(self):
        return {"seed": self.seed, "minval": self.minval, "maxval": self.maxval}


class RandomNormal(_Random):
    def __init__(self, mean=0.0, stddev=0.05, seed=None) -> None:
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        v = self._rng().normal(self.mean, self.stddev, tuple(shape))
        return tf.constant(v.astype(_np_dtype(dtype)))

    def get_config(self):
        return {"seed": self.seed, "mean": self.mean, "stddev": self.stddev}


def _truncated(rng, shape, stddev):
    out = rng.normal(0.0, 1.0, shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.normal(0.0, 1.0, int(bad.sum()))
        bad = np.abs(out) > 2.0
    return out * stddev


class TruncatedNormal(RandomNormal):
    def __call__(self, shape, dtype=None):
        v = self.mean + _truncated(self._rng(), tuple(shape), self.stddev)
        return tf.constant(v.astype(_np_dtype(dtype)))


def compute_fans(shape, input_axes=None, output_axes=None) -> tuple[float, float]:
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:  # EinsumDense kernels
        return (math.prod(shape[a] for a in input_axes),
                math.prod(shape[a] for a in output_axes))
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class VarianceScaling(_Random):
    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal",
                 seed=None, input_axes=None, output_axes=None) -> None:
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: expected one of {{'fan_in', 'fan_out', "
                             f"'fan_avg'}}. Received: mode={mode}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(f"Invalid `distribution` argument: expected one of {{'uniform', "
                             f"'truncated_normal', 'untruncated_normal'}}. Received: "
                             f"distribution={distribution}")
        super().__init__(seed)
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        rng, shape = self._rng(), tuple(shape)
        if self.distribution == "truncated_normal":
            v = _truncated(rng, shape, math.sqrt(scale) / 0.87962566103423978)
        elif self.distribution == "untruncated_normal":
            v = rng.normal(0.0, math.sqrt(scale), shape)
        else:
            limit = math.sqrt(3.0 * scale)
            v = rng.uniform(-limit, limit, shape)
        return tf.constant(v.astype(_np_dtype(dtype)))

    def get_config(self):
        return {"seed": self.seed, "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


def _fixed(name, scale, mode, distribution):
    class _Fixed(VarianceScaling):
        def __init__(self, seed=None, input_axes=None, output_axes=None) -> None:
            super().__init__(scale=scale, mode=mode, distribution=distribution, seed=seed,
                             input_axes=input_axes, output_axes=output_axes)

        def get_config(self):
            return {"seed": self.seed, "input_axes": self.input_axes,
                    "output_axes": self.output_axes}

    _Fixed.__name__ = _Fixed.__qualname__ = name
    return _Fixed


GlorotUniform = _fixed("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _fixed("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _fixed("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _fixed("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _fixed("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _fixed("LecunNormal", 1.0, "fan_in", "truncated_normal")


class Orthogonal(_Random):
    def __init__(self, gain=1.0, seed=None) -> None:
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        rows = math.prod(shape[:-1])
        cols = shape[-1]
        flat = self._rng().normal(0.0, 1.0, (max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return tf.constant((self.gain * q.reshape(shape)).astype(_np_dtype(dtype)))

    def get_config(self):
        return {"seed": self.seed, "gain": self.gain}


_ALL = {c.__name__: c for c in (
    Constant, Zeros, Ones, Identity, RandomUniform, RandomNormal, TruncatedNormal,
    VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform,
    LecunNormal, Orthogonal)}
_ALIASES = {"zeros": Zeros, "ones": Ones, "constant": Constant, "identity": Identity,
            "random_uniform": RandomUniform, "random_normal": RandomNormal,
            "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
            "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
            "he_uniform": HeUniform, "he_normal": HeNormal, "lecun_uniform": LecunUniform,
            "lecun_normal": LecunNormal, "orthogonal": Orthogonal}
zeros, ones = Zeros, Ones
# Keras 3 also exports the snake-case names and these long forms as the classes themselves.
constant, identity, orthogonal = Constant, Identity, Orthogonal
random_uniform, random_normal, truncated_normal = RandomUniform, RandomNormal, TruncatedNormal
variance_scaling, glorot_uniform, glorot_normal = VarianceScaling, GlorotUniform, GlorotNormal
he_uniform, he_normal, lecun_uniform, lecun_normal = HeUniform, HeNormal, LecunUniform, LecunNormal
IdentityInitializer, OrthogonalInitializer = Identity, Orthogonal

_TABLE = {**_ALL, **_ALIASES}


def serialize(initializer):
    return _serialize(initializer, "keras.initializers")


def deserialize(config, custom_objects=None):
    return deserialize_from(config, _TABLE, "initializer", custom_objects)


def get(identifier):
    return get_from(identifier, deserialize, "initializer")
