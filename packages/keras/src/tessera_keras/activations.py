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


def celu(x, alpha=1.0):
    return tf.maximum(x, 0.0) + alpha * tf.math.expm1(tf.minimum(x, 0.0) / alpha)


def glu(x, axis=-1):
    x = tf.convert_to_tensor(x)
    if x.shape[axis] is not None and x.shape[axis] % 2 != 0:
        raise ValueError(f"axis size must be divisible by 2. Received: x.shape={x.shape} with "
                         f"axis={axis}")
    a, b = tf.split(x, 2, axis=axis)
    return a * tf.sigmoid(b)


def hard_shrink(x, threshold=0.5):
    return tf.where(tf.abs(x) > threshold, x, tf.zeros_like(x))


def hard_tanh(x):
    return tf.clip_by_value(x, -1.0, 1.0)


def log_sigmoid(x):
    return tf.math.log_sigmoid(x)


def soft_shrink(x, threshold=0.5):
    return tf.where(x > threshold, x - threshold,
                    tf.where(x < -threshold, x + threshold, tf.zeros_like(x)))


def sparse_plus(x):
    return tf.where(x <= -1, tf.zeros_like(x), tf.where(x < 1, 0.25 * tf.square(x + 1), x))


def sparse_sigmoid(x):
    x = tf.convert_to_tensor(x)
    return tf.where(x <= -1, tf.zeros_like(x), tf.where(x >= 1, tf.ones_like(x), 0.5 * (x + 1)))


def sparsemax(x, axis=-1):
    """Euclidean projection onto the simplex (Martins & Astudillo, 2016).

    Keras's TensorFlow backend sums the whole cumulative sum over the support when computing
    the threshold, so its outputs need not sum to one; this is the published definition."""
    x = tf.convert_to_tensor(x)
    rank = len(x.shape)
    axis = axis % rank
    z = tf.sort(x, direction="DESCENDING", axis=axis)
    cumsum = tf.cumsum(z, axis=axis)
    shape = [1] * rank
    shape[axis] = -1
    k = tf.reshape(tf.range(1, tf.shape(x)[axis] + 1, dtype=x.dtype), shape)
    support = tf.cast(z - (cumsum - 1) / k > 0, x.dtype)
    count = tf.reduce_sum(support, axis=axis, keepdims=True)
    top = tf.reduce_sum(support * z, axis=axis, keepdims=True)
    return tf.maximum(x - (top - 1) / count, tf.zeros_like(x))


def squareplus(x, b=4):
    x = tf.convert_to_tensor(x)
    return (x + tf.sqrt(tf.square(x) + tf.cast(b, x.dtype))) / 2


def tanh_shrink(x):
    return x - tf.tanh(x)


def threshold(x, threshold, default_value):
    x = tf.convert_to_tensor(x)
    return tf.where(x > threshold, x, tf.cast(default_value, x.dtype))


_ALL = {f.__name__: f for f in (
    relu, leaky_relu, relu6, elu, selu, gelu, sigmoid, hard_sigmoid, hard_silu, softmax,
    log_softmax, softplus, softsign, silu, tanh, exponential, mish, linear, celu, glu,
    hard_shrink, hard_tanh, log_sigmoid, soft_shrink, sparse_plus, sparse_sigmoid, sparsemax,
    squareplus, tanh_shrink, threshold)}
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
