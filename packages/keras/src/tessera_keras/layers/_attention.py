"""Attention layers: ``Attention`` (dot-product / concat scores) and ``AdditiveAttention``,
following Keras 3 (masks, causal masking, dropout on the weights, returned scores)."""

from __future__ import annotations

import tessera as tf
from tessera_keras.layers._base import Layer, _shape_of


def _causal_mask(tq: int, tv: int):
    """``(1, tq, tv)``: query step i sees value steps 0..i."""
    return tf.linalg.band_part(tf.ones((1, tq, tv), "int32"), -1, 0) > 0


class Attention(Layer):
    """``[query, value]`` or ``[query, value, key]`` -> ``softmax(scores) @ value``."""

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"Invalid value for argument score_mode. Expected one of "
                             f"{{'dot', 'concat'}}. Received: score_mode={score_mode}")

    def _validate_inputs(self, inputs, mask=None) -> None:
        name = type(self).__name__
        if not isinstance(inputs, list | tuple):
            raise ValueError(f"{name} layer must be called on a list of inputs, namely "
                             f"[query, value] or [query, value, key]. Received: "
                             f"inputs={inputs}.")
        if not 2 <= len(inputs) <= 3:
            raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely "
                             f"[query, value] or [query, value, key]. Received length: "
                             f"{len(inputs)}.")
        if mask is not None:
            if not isinstance(mask, list | tuple):
                raise ValueError(f"{name} layer mask must be a list, namely [query_mask, "
                                 f"value_mask]. Received: mask={mask}.")
            if not 2 <= len(mask) <= 3:
                raise ValueError(f"{name} layer accepts mask list of length 2 or 3. "
                                 f"Received: inputs={inputs}, mask={mask}.")

    def build(self, input_shape) -> None:
        self._validate_inputs(input_shape)
        self.scale = self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(),
                                                       initializer="ones")
        self.built = True

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = tf.matmul(query, key, transpose_b=True)
            return scores * self.scale if self.scale is not None else scores
        q, k = tf.expand_dims(query, -2), tf.expand_dims(key, -3)
        inner = self.scale * (q + k) if self.scale is not None else q + k
        return self.concat_score_weight * tf.reduce_sum(tf.tanh(inner), axis=-1)

    def _apply_scores(self, scores, value, scores_mask=None, training=False):
        if scores_mask is not None:
            padding = tf.logical_not(scores_mask)
            big = 65504.0 if scores.dtype == tf.float16 else 1.0e9
            if padding.shape.rank == 2:
                padding = tf.expand_dims(padding, -2)
            scores = tf.where(padding, scores - big, scores)
        weights = tf.nn.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = tf.nn.dropout(weights, rate=self.dropout)
        return tf.matmul(weights, value), weights

    @staticmethod
    def _score_mask(scores, v_mask, use_causal_mask):
        if not use_causal_mask:
            return v_mask
        causal = _causal_mask(scores.shape[-2], scores.shape[-1])
        if v_mask is not None:
            return tf.logical_and(tf.expand_dims(v_mask, -2), causal)
        return causal

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        if v_mask is not None:
            v_mask = tf.cast(v_mask, "bool")
        scores = self._calculate_scores(q, k)
        out, weights = self._apply_scores(scores, v, self._score_mask(scores, v_mask,
                                                                      use_causal_mask),
                                          training=training)
        if q_mask is not None:
            out = tf.where(tf.expand_dims(tf.cast(q_mask, "bool"), -1), out,
                           tf.zeros_like(out))
        return (out, weights) if return_attention_scores else out

    def compute_mask(self, inputs, mask=None):
        if mask is None or mask[0] is None:
            return None
        return tf.convert_to_tensor(mask[0])

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], input_shape[1][-1])

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}


class AdditiveAttention(Attention):
    """Bahdanau-style attention: ``sum(scale * tanh(query + key))`` scores."""

    def __init__(self, use_scale=True, dropout=0.0, **kwargs) -> None:
        kwargs.pop("score_mode", None)
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape) -> None:
        self._validate_inputs(input_shape)
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(int(input_shape[0][-1]),),
                                         initializer="glorot_uniform")
        self.built = True

    def _calculate_scores(self, query, key):
        q, k = tf.expand_dims(query, -2), tf.expand_dims(key, -3)
        scale = self.scale if self.use_scale else 1.0
        return tf.reduce_sum(scale * tf.tanh(q + k), axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config


class MultiHeadAttention(Layer):
    """Keras 3's ``MultiHeadAttention`` over the sequence axis: per-head projections of query,
    key and value, scaled dot-product scores, masked softmax, output projection."""

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, seed=None, use_gate=False,
                 sliding_window=None, **kwargs) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if use_gate or sliding_window is not None:
            raise NotImplementedError("MultiHeadAttention(use_gate=..., sliding_window=...) "
                                      "is not implemented in Tessera")
        if attention_axes is not None:
            raise NotImplementedError("MultiHeadAttention(attention_axes=...) is not "
                                      "implemented in Tessera; attention runs over axis 1")
        if output_shape is not None and not isinstance(output_shape, int):
            raise NotImplementedError("MultiHeadAttention(output_shape=...) takes an int in "
                                      "Tessera (one output axis)")
        self.num_heads, self.key_dim = int(num_heads), int(key_dim)
        self.value_dim = int(value_dim) if value_dim else self.key_dim
        self.dropout, self.use_bias, self.seed = dropout, use_bias, seed
        self._output_shape = output_shape
        self._set_kernel_bias_options(kernel_initializer, bias_initializer, kernel_regularizer,
                                      bias_regularizer, kernel_constraint, bias_constraint)
        self.supports_masking = True

    def _dense(self, name, kernel_shape, bias_shape):
        kernel = self.add_weight(name=f"{name}_kernel", shape=kernel_shape,
                                 initializer=self.kernel_initializer,
                                 regularizer=self.kernel_regularizer,
                                 constraint=self.kernel_constraint)
        bias = self.add_weight(name=f"{name}_bias", shape=bias_shape,
                               initializer=self.bias_initializer,
                               regularizer=self.bias_regularizer,
                               constraint=self.bias_constraint) if self.use_bias else None
        return kernel, bias

    def build(self, query_shape, value_shape=None, key_shape=None) -> None:
        if value_shape is None:  # called by Layer.__call__ with the query's shape only
            return
        key_shape = key_shape or value_shape
        n, kd, vd = self.num_heads, self.key_dim, self.value_dim
        # get_weights order and shapes follow Keras's EinsumDense sublayers.
        self._query = self._dense("query", (query_shape[-1], n, kd), (n, kd))
        self._key = self._dense("key", (key_shape[-1], n, kd), (n, kd))
        self._value = self._dense("value", (value_shape[-1], n, vd), (n, vd))
        out_dim = self._output_shape or query_shape[-1]
        self._out = self._dense("attention_output", (n, vd, out_dim), (out_dim,))
        self.built = True

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

    @staticmethod
    def _project(x, dense):
        kernel, bias = dense
        y = tf.einsum("abc,cde->abde", x, kernel)
        return y + bias if bias is not None else y

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        from tessera_keras._masking import get_keras_mask

        key = value if key is None else key
        query_mask = get_keras_mask(query) if query_mask is None else query_mask
        value_mask = get_keras_mask(value) if value_mask is None else value_mask
        key_mask = get_keras_mask(key) if key_mask is None and key is not value else key_mask
        q = self._project(query, self._query) * (1.0 / float(self.key_dim) ** 0.5)
        k = self._project(key, self._key)
        v = self._project(value, self._value)
        scores = tf.einsum("aecd,abcd->acbe", k, q)  # (batch, heads, T, S)
        mask = self._attention_mask(query, value, query_mask, value_mask, key_mask,
                                    attention_mask, use_causal_mask)
        if mask is not None:
            mask = tf.expand_dims(mask, -3)
            scores = tf.where(mask, scores, tf.zeros_like(scores) - 1e9)
        weights = tf.nn.softmax(scores, axis=-1)
        if mask is not None and (return_attention_scores or self.dropout > 0):
            # Keras's masked-softmax path zeroes fully masked rows; its fused path (no
            # scores returned, no dropout) leaves them uniform. Both are reproduced.
            weights = tf.where(mask, weights, tf.zeros_like(weights))
        dropped = tf.nn.dropout(weights, rate=self.dropout) if training and self.dropout > 0 \
            else weights
        out = tf.einsum("acbe,aecd->abcd", dropped, v)
        kernel, bias = self._out
        out = tf.einsum("abcd,cde->abe", out, kernel)
        if bias is not None:
            out = out + bias
        return (out, weights) if return_attention_scores else out

    @staticmethod
    def _attention_mask(query, value, query_mask, value_mask, key_mask, attention_mask,
                        use_causal_mask):
        auto = None
        if query_mask is not None:
            auto = tf.expand_dims(tf.cast(query_mask, "bool"), -1)
        for m in (value_mask, key_mask):
            if m is not None:
                m = tf.expand_dims(tf.cast(m, "bool"), -2)
                auto = m if auto is None else tf.logical_and(auto, m)
        if use_causal_mask:
            causal = _causal_mask(query.shape[1], value.shape[1])
            auto = causal if auto is None else tf.logical_and(auto, causal)
        if attention_mask is not None:
            attention_mask = tf.cast(attention_mask, "bool")
            return attention_mask if auto is None else tf.logical_and(auto, attention_mask)
        return auto

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        return (*query_shape[:-1], self._output_shape or query_shape[-1])

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout,
                "use_bias": self.use_bias, "output_shape": self._output_shape,
                "attention_axes": None, "seed": self.seed, "use_gate": False,
                "sliding_window": None,
                **self._kernel_bias_config(activity=True)}
