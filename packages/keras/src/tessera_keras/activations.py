"""``keras.activations``. ``softmax``/``sigmoid`` remember their logits, so the
cross-entropy losses can use them as TensorFlow-backed Keras does."""

from __future__ import annotations

import weakref

import tessera as tf

_LOGITS: dict[int, tuple] = {}


def _remember_logits(out, logits):
    key = id(out)
    _LOGITS[key] = (weakref.ref(out, lambda _r, k=key: _LOGITS.pop(k, None)), logits)
    return out


def logits_of(t):
    """The logits ``t`` was computed from by ``softmax``/``sigmoid`` here, or None."""
    entry = _LOGITS.get(id(t))
    if entry is not None and entry[0]() is t:
        return entry[1]
    return None


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return tf.nn.relu(x)
    y = tf.where(x >= threshold, x, negative_slope * (x - threshold))
    if max_value is not None:
        y = tf.minimum(y, tf.cast(max_value, y.dtype))
    return y


def leaky_relu(x, negative_slope=0.2):
    return tf.nn.leaky_relu(x, alpha=negative_slope)


def relu6(x):
    return tf.nn.relu6(x)


def elu(x, alpha=1.0):
    y = tf.nn.elu(x)
    return y if alpha == 1.0 else tf.where(x > 0, y, alpha * y)


def selu(x):
    return tf.nn.selu(x)


def gelu(x, approximate=False):
    return tf.nn.gelu(x, approximate=approximate)


def sigmoid(x):
    return _remember_logits(tf.nn.sigmoid(x), x)


def hard_sigmoid(x):
    return tf.nn.relu6(x + 3.0) / 6.0


def hard_silu(x):
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def softmax(x, axis=-1):
    return _remember_logits(tf.nn.softmax(x, axis=axis), x)


def log_softmax(x, axis=-1):
    return tf.nn.log_softmax(x, axis=axis)


def softplus(x):
    return tf.nn.softplus(x)


def softsign(x):
    return tf.nn.softsign(x)


def silu(x):
    return tf.nn.silu(x)


swish = silu


def tanh(x):
    return tf.tanh(x)


def exponential(x):
    return tf.exp(x)


def mish(x):
    return x * tf.tanh(tf.nn.softplus(x))


def linear(x):
    return x


_ALL = {f.__name__: f for f in (
    relu, leaky_relu, relu6, elu, selu, gelu, sigmoid, hard_sigmoid, hard_silu, softmax,
    log_softmax, softplus, softsign, silu, tanh, exponential, mish, linear)}
_ALL.update(swish=silu, hard_swish=hard_silu)


def serialize(activation) -> str:
    for name, fn in _ALL.items():
        if fn is activation:
            return "swish" if fn is silu and name == "swish" else name
    return getattr(activation, "__name__", str(activation))


def deserialize(name, custom_objects=None):
    return get(name)


def get(identifier):
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        if identifier not in _ALL:
            raise ValueError(f"Could not interpret activation function identifier: {identifier}")
        return _ALL[identifier]
    if isinstance(identifier, dict):
        return get(identifier.get("config", identifier.get("class_name")))
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier}")
