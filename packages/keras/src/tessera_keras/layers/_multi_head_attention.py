"""``MultiHeadAttention`` as Keras 3 builds it: ``EinsumDense`` projections, scores over
``attention_axes``, masks (propagated, explicit, causal, sliding window), optional gate."""

from __future__ import annotations

import string

import tessera as tf
from tessera_keras.layers._activations import masked_softmax
from tessera_keras.layers._attention import _causal_mask
from tessera_keras.layers._base import Layer, _shape_of
from tessera_keras.layers._einsum_dense import EinsumDense


class MultiHeadAttention(Layer):
    """Per-head projections of query, key and value, scaled dot-product scores, masked
    softmax, optional sigmoid gate, output projection."""

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if flash_attention:
            raise NotImplementedError("MultiHeadAttention(flash_attention=True) is not "
                                      "implemented in Tessera; leave it None or False")
        if sliding_window is not None and (not isinstance(sliding_window, int)
                                           or sliding_window <= 0):
            raise ValueError(f"`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window}")
        self.num_heads, self.key_dim = int(num_heads), int(key_dim)
        self.value_dim = int(value_dim) if value_dim else self.key_dim
        self.dropout, self.use_bias, self.seed = dropout, use_bias, seed
        self.use_gate, self.sliding_window = bool(use_gate), sliding_window
        self.flash_attention = flash_attention
        if output_shape is not None:
            output_shape = (output_shape,) if isinstance(output_shape, int) \
                else tuple(output_shape)
        self._output_shape = output_shape
        if attention_axes is not None and not isinstance(attention_axes, list | tuple):
            attention_axes = (attention_axes,)
        self._attention_axes = tuple(attention_axes) if attention_axes is not None else None
        self._set_kernel_bias_options(kernel_initializer, bias_initializer, kernel_regularizer,
                                      bias_regularizer, kernel_constraint, bias_constraint)
        self.supports_masking = True

    @property
    def attention_axes(self):
        return self._attention_axes

    @property
    def query_dense(self):
        return self._query_dense

    @property
    def key_dense(self):
        return self._key_dense

    @property
    def value_dense(self):
        return self._value_dense

    @property
    def output_dense(self):
        return self._output_dense

    @property
    def _saved_private_layers(self) -> tuple:
        """Where Keras's saving walk finds the sublayers: public properties, then private."""
        if not self.built:
            return ()
        names = ("key_dense", "output_dense", "query_dense", "value_dense")
        return names + (("_gate_dense",) if self.use_gate else ())

    def _sublayer(self, equation, output_shape, name, input_shape, activation=None):
        # Fresh initializer objects per sublayer, as Keras clones them.
        layer = EinsumDense(equation, output_shape=output_shape, activation=activation,
                            bias_axes=_bias_axes(equation) if self.use_bias else None,
                            kernel_initializer=self.kernel_initializer.clone(),
                            bias_initializer=self.bias_initializer.clone(),
                            kernel_regularizer=self.kernel_regularizer,
                            bias_regularizer=self.bias_regularizer,
                            kernel_constraint=self.kernel_constraint,
                            bias_constraint=self.bias_constraint, dtype=self.dtype_policy, name=name)
        self._layers.append(layer)  # weights order: query, key, (gate), value, output
        layer._maybe_build(tuple(input_shape))
        return layer

    def build(self, query_shape, value_shape=None, key_shape=None) -> None:
        if value_shape is None:  # called by Layer.__call__ with the query's shape only
            return
        self._shapes_dict = {"query_shape": tuple(query_shape),
                             "value_shape": tuple(value_shape)}
        if key_shape is not None:
            self._shapes_dict["key_shape"] = tuple(key_shape)
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(f"All dimensions of `value` and `key`, except the last one, must "
                             f"be equal. Received: value_shape={tuple(value_shape)} and "
                             f"key_shape={tuple(key_shape)}")
        n = self.num_heads

        def heads(shape, size):
            rank = len(shape)
            return _proj_equation(rank - 1, 1, 2), [None] * (rank - 2) + [n, size]

        self._query_dense = self._sublayer(*heads(query_shape, self.key_dim), "query",
                                           query_shape)
        self._key_dense = self._sublayer(*heads(key_shape, self.key_dim), "key", key_shape)
        if self.use_gate:
            self._gate_dense = self._sublayer(*heads(query_shape, self.value_dim), "gate",
                                              query_shape, activation="sigmoid")
        self._value_dense = self._sublayer(*heads(value_shape, self.value_dim), "value",
                                           value_shape)
        rank = len(value_shape) + 1  # of the projected tensors
        axes = self._attention_axes
        axes = tuple(range(1, rank - 2)) if axes is None else tuple(
            a if a >= 0 else rank - 1 + a for a in axes)
        self._attention_axes = axes
        self._dot_equation, self._combine_equation, scores_rank = \
            _attention_equations(rank, axes)
        self._norm_axes = tuple(range(scores_rank - len(axes), scores_rank))
        out_shape = list(self._output_shape or [query_shape[-1]])
        q_rank = len(query_shape)
        dense_in = list(self._query_dense.compute_output_shape(tuple(query_shape)))
        dense_in[-1] = self.value_dim
        self._output_dense = self._sublayer(_proj_equation(q_rank - 1, 2, len(out_shape)),
                                            [None] * (q_rank - 2) + out_shape,
                                            "attention_output", dense_in)
        self.built = True

    def get_build_config(self):
        shapes = getattr(self, "_shapes_dict", None)
        return {"shapes_dict": shapes} if shapes else None

    def build_from_config(self, config) -> None:
        if config and "shapes_dict" in config:
            shapes = config["shapes_dict"]
            self._maybe_build(tuple(shapes["query_shape"]), tuple(shapes["value_shape"]),
                              tuple(shapes["key_shape"]) if shapes.get("key_shape") else None)

    def __call__(self, query, value=None, key=None, **kwargs):
        if value is None:
            raise ValueError("MultiHeadAttention needs `query` and `value` (and optionally "
                             "`key`) tensors")
        if not self.built:
            self._maybe_build(_shape_of(query), _shape_of(value),
                              _shape_of(key) if key is not None else None)
        # Positional, as Keras records them: the saved config replays the call this way.
        args = (query, value) if key is None else (query, value, key)
        return super().__call__(*args, **kwargs)

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        from tessera_keras._masking import get_keras_mask, set_keras_mask

        key = value if key is None else key
        query_mask = get_keras_mask(query) if query_mask is None else query_mask
        value_mask = get_keras_mask(value) if value_mask is None else value_mask
        key_mask = get_keras_mask(key) if key_mask is None and key is not value else key_mask
        mask = self._attention_mask(query, value, query_mask, value_mask, key_mask,
                                    attention_mask, use_causal_mask)
        # The masks are handled here: the projections must not see (and warn about) them.
        inputs = {id(t): t for t in (query, value, key)}
        held = {i: get_keras_mask(t) for i, t in inputs.items()}
        for t in inputs.values():
            set_keras_mask(t, None)
        try:
            gate = self._gate_dense(query) if self.use_gate else None
            q = self._query_dense(query) * (1.0 / float(self.key_dim) ** 0.5)
            k = self._key_dense(key)
            v = self._value_dense(value)
        finally:
            for i, t in inputs.items():
                set_keras_mask(t, held[i])
        scores = tf.einsum(self._dot_equation, k, q)
        if mask is not None:
            # (batch, T, S) -> (batch, heads, T, S): axes go in before the attention axes.
            for _ in range(len(scores.shape) - len(mask.shape)):
                mask = tf.expand_dims(mask, -len(self._attention_axes) * 2 - 1)
        if self.dropout == 0 and not return_attention_scores and len(q.shape) == 4:
            # Keras's fused dot-product-attention path: a fully masked row attends uniformly.
            if mask is not None:
                scores = tf.where(mask, scores, tf.zeros_like(scores) - 1e9)
            weights = tf.nn.softmax(scores, axis=-1)
        else:
            weights = masked_softmax(scores, self._norm_axes, mask)
        dropped = tf.nn.dropout(weights, rate=self.dropout) if training and self.dropout > 0 \
            else weights
        out = tf.einsum(self._combine_equation, dropped, v)
        out = self._output_dense(out * gate if gate is not None else out)
        return (out, weights) if return_attention_scores else out

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                        use_causal_mask):
        auto = None
        if query_mask is not None:
            auto = tf.expand_dims(tf.cast(query_mask, "bool"), -1)
        for m in (value_mask, key_mask):
            if m is not None:
                m = tf.expand_dims(tf.cast(m, "bool"), -2)
                auto = m if auto is None else tf.logical_and(auto, m)
        tq, tv = query.shape[1], value.shape[1]
        if use_causal_mask:
            causal = _causal_mask(tq, tv)
            auto = causal if auto is None else tf.logical_and(auto, causal)
        if self.sliding_window is not None:
            rows = tf.reshape(tf.range(tq), (1, tq, 1))
            cols = tf.reshape(tf.range(tv), (1, 1, tv))
            band = tf.abs(rows - cols) < self.sliding_window
            auto = band if auto is None else tf.logical_and(auto, band)
        if attention_mask is not None:
            attention_mask = tf.cast(attention_mask, "bool")
            return attention_mask if auto is None else tf.logical_and(attention_mask, auto)
        return auto

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def get_config(self):
        axes = self._attention_axes
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout,
                "use_bias": self.use_bias, "use_gate": self.use_gate,
                "output_shape": self._output_shape,
                "attention_axes": list(axes) if axes is not None else None,
                "sliding_window": self.sliding_window,
                **self._kernel_bias_config(activity=True), "seed": self.seed}


def _letter(i: int) -> str:
    return string.ascii_lowercase[i]


def _bias_axes(equation: str) -> str:
    """The output letters that come from the kernel: the projected axes."""
    inputs, out = equation.split("->")
    kernel = inputs.split(",")[1]
    return "".join(c for c in out if c in kernel)


def _proj_equation(free_dims: int, bound_dims: int, output_dims: int) -> str:
    free = "".join(_letter(i) for i in range(free_dims))
    bound = "".join(_letter(free_dims + i) for i in range(bound_dims))
    outs = "".join(_letter(free_dims + bound_dims + i) for i in range(output_dims))
    return f"{free}{bound},{bound}{outs}->{free}{outs}"


def _attention_equations(rank: int, attn_axes: tuple):
    """Keras's einsum equations for the scores and for combining them with the values."""
    target = "".join(_letter(i) for i in range(rank))
    batch_dims = [i for i in range(rank) if i not in attn_axes and i != rank - 1]
    offset, source = rank, ""
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += _letter(offset)
            offset += 1
    product = "".join([target[i] for i in batch_dims] + [target[i] for i in attn_axes]
                      + [source[i] for i in attn_axes])
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)
