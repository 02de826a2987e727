"""Attention and AdditiveAttention: outputs and scores equal TensorFlow 2.21 / Keras 3 for the
same inputs and weights (masks, causal mask, concat scores), and configs round-trip."""

from __future__ import annotations

import numpy as np
import pytest

import tessera as tf

keras = tf.keras
Q = np.linspace(-1, 1, 24).reshape(2, 3, 4).astype("float32")
V = np.cos(np.arange(40)).reshape(2, 5, 4).astype("float32")


@pytest.mark.parametrize("make, out00, w12", [
    (lambda: keras.layers.Attention(),
     [-0.13353, -0.57498, -0.4878, 0.04786], [0.0187, 0.38605, 0.07019, 0.03157, 0.49348]),
    (lambda: keras.layers.Attention(use_scale=True, score_mode="concat"),
     [-0.02242, 0.25607, 0.29913, 0.06717], [0.10094, 0.32474, 0.12378, 0.12582, 0.32472]),
    (lambda: keras.layers.AdditiveAttention(),
     [-0.05472, 0.25847, 0.33403, 0.10248], [0.0939, 0.34475, 0.10551, 0.11679, 0.33905]),
])
def test_scores_and_outputs(make, out00, w12):
    layer = make()
    layer([Q, V])
    if layer.get_weights():
        layer.set_weights([np.full(w.shape, 0.7, "float32") for w in layer.get_weights()])
    out, weights = layer([Q, V], return_attention_scores=True)
    np.testing.assert_allclose(out.numpy()[0, 0], out00, atol=1e-5)
    np.testing.assert_allclose(weights.numpy()[1, 2], w12, atol=1e-5)
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()


def test_causal_and_explicit_masks():
    out = keras.layers.Attention()([Q, V], use_causal_mask=True)
    np.testing.assert_allclose(out.numpy()[1, 0], [0.4081, -0.5477, -1.0, -0.5328], atol=1e-4)
    out = keras.layers.Attention()([Q, V], mask=[
        np.array([[1, 1, 0], [1, 0, 1]], bool), np.array([[1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], bool)])
    np.testing.assert_allclose(out.numpy()[0, 1], [-0.0273, -0.4826, -0.4942, -0.0514], atol=1e-4)
    assert out.numpy()[0, 2].tolist() == [0.0] * 4 and out.numpy()[1, 1].tolist() == [0.0] * 4


def test_propagated_masks_and_masked_global_average():
    ti, vi = keras.Input((3,)), keras.Input((5,))
    emb = keras.layers.Embedding(10, 4, mask_zero=True)
    attended = keras.layers.Attention()([emb(ti), emb(vi)])
    model = keras.Model([ti, vi], keras.layers.GlobalAveragePooling1D()(attended))
    model.set_weights([np.sin(np.arange(40)).reshape(10, 4).astype("float32")])
    out = model.predict([np.array([[1, 2, 0]]), np.array([[3, 4, 5, 0, 0]])], verbose=0)
    np.testing.assert_allclose(out, [[0.23968, 0.03348, -0.2035, -0.25338]], atol=1e-5)


def test_bad_inputs():
    with pytest.raises(ValueError, match="must be called on a list of inputs"):
        keras.layers.Attention()(Q)
    with pytest.raises(ValueError, match="Invalid value for argument score_mode"):
        keras.layers.Attention(score_mode="general")


def _mha_weights(layer, step):
    layer.set_weights([np.sin(np.arange(w.size) * step).reshape(w.shape).astype("float32")
                       for w in layer.get_weights()])


def test_multi_head_attention_matches_keras():
    q = np.linspace(-1, 1, 24).reshape(2, 3, 4).astype("float32")
    v = np.cos(np.arange(60)).reshape(2, 5, 6).astype("float32")
    mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)
    mha(q, v)
    assert [w.shape for w in mha.get_weights()] == [(4, 2, 3), (2, 3), (6, 2, 3), (2, 3),
                                                     (6, 2, 3), (2, 3), (2, 3, 4), (4,)]
    _mha_weights(mha, 0.37)
    out, scores = mha(q, v, return_attention_scores=True)
    assert out.shape == (2, 3, 4) and scores.shape == (2, 2, 3, 5)
    np.testing.assert_allclose(out.numpy()[1, 2], [0.22685, 0.75996, 1.1902, 1.45936], atol=1e-5)
    np.testing.assert_allclose(scores.numpy()[0, 1, 2],
                               [0.23114, 0.22243, 0.20523, 0.18273, 0.15847], atol=1e-5)
    np.testing.assert_allclose(mha(q, v, use_causal_mask=True).numpy()[0, 0],
                               [0.13353, 0.72769, 1.22335, 1.55344], atol=1e-5)
    mask = np.array([[[1, 1, 0, 0, 1]] * 3, [[1, 0, 0, 0, 0]] * 3], bool)
    np.testing.assert_allclose(mha(q, v, attention_mask=mask).numpy()[1, 1],
                               [0.26299, 0.80785, 1.24338, 1.51063], atol=1e-5)


def test_multi_head_attention_propagated_masks_training_and_saving(tmp_path):
    ti, vi = keras.Input((3,)), keras.Input((5,))
    emb = keras.layers.Embedding(10, 4, mask_zero=True)
    model = keras.Model([ti, vi], keras.layers.MultiHeadAttention(2, 2, output_shape=3)(
        emb(ti), emb(vi)))
    _mha_weights(model, 0.53)
    out = model.predict([np.array([[1, 2, 0]]), np.array([[3, 4, 5, 0, 0]])], verbose=0)
    # The masked query row attends uniformly, as in Keras's fused path.
    np.testing.assert_allclose(out[0], [[-0.58049, -0.43176, -0.16456],
                                        [-0.59361, -0.45275, -0.18766],
                                        [-0.69257, -0.59202, -0.32904]], atol=1e-5)
    inp = keras.Input((6, 4))
    x = keras.layers.MultiHeadAttention(2, 4)(inp, inp)
    net = keras.Model(inp, keras.layers.Dense(1)(keras.layers.GlobalAveragePooling1D()(x)))
    net.compile("adam", "mse")
    xs = np.random.default_rng(0).random((32, 6, 4)).astype("float32")
    hist = net.fit(xs, xs.sum(axis=(1, 2))[:, None], epochs=3, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    net.save(tmp_path / "mha.keras")
    again = keras.models.load_model(tmp_path / "mha.keras")
    np.testing.assert_array_equal(net.predict(xs[:4], verbose=0),
                                  again.predict(xs[:4], verbose=0))
    with pytest.raises(NotImplementedError, match="attention_axes"):
        keras.layers.MultiHeadAttention(2, 4, attention_axes=(1, 2))
