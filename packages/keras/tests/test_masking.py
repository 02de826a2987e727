"""Masks flowing between layers (Embedding(mask_zero=True), Masking -> recurrent layers):
outputs equal what TensorFlow 2.21 / Keras 3 gives for the same weights."""

from __future__ import annotations

import numpy as np
import pytest

import tessera as tf

keras = tf.keras
X = np.array([[3, 5, 0, 0], [7, 0, 0, 0]])


def _ramp(model):
    model.set_weights([np.linspace(-1, 1, v.size).reshape(v.shape).astype("float32")
                       for v in model.get_weights()])
    return model


def test_embedding_mask():
    emb = keras.layers.Embedding(10, 3, mask_zero=True)
    assert emb.compute_mask(tf.constant(X)).numpy().tolist() == [[True, True, False, False],
                                                                  [True, False, False, False]]
    assert keras.layers.Embedding(10, 3).compute_mask(tf.constant(X)) is None


def test_functional_mask_reaches_stacked_lstms():
    inp = keras.Input((4,))
    h = keras.layers.Embedding(10, 3, mask_zero=True)(inp)
    seq = keras.layers.LSTM(2, return_sequences=True)(h)
    model = _ramp(keras.Model(inp, keras.layers.LSTM(2)(seq)))
    np.testing.assert_allclose(model.predict(X, verbose=0),
                               [[0.06314, 0.19154], [0.03708, 0.11654]], atol=1e-5)


def test_sequential_mask_in_call_and_compiled_fit():
    model = _ramp(keras.Sequential([
        keras.Input((4,)), keras.layers.Embedding(10, 3, mask_zero=True),
        keras.layers.SimpleRNN(2, return_sequences=True), keras.layers.SimpleRNN(2)]))
    np.testing.assert_allclose(model(X).numpy(), [[-0.10461, 0.99518], [0.1295, 0.97414]],
                               atol=1e-5)
    keras.utils.set_random_seed(1)
    model.compile("adam", "mse")
    model.fit(X, np.ones((2, 2)), epochs=2, verbose=0)
    np.testing.assert_allclose(model.predict(X, verbose=0),
                               [[-0.0885, 0.9953], [0.1362, 0.9744]], atol=1e-4)


def test_masking_layer():
    model = _ramp(keras.Sequential([keras.Input((3, 2)), keras.layers.Masking(0.0),
                                    keras.layers.SimpleRNN(2)]))
    xs = np.array([[[1, 2], [0, 0], [3, 1]]], "float32")
    np.testing.assert_allclose(model(xs).numpy(), [[-0.98569, 0.97931]], atol=1e-5)
    layer = keras.layers.Masking(mask_value=1.0)
    assert keras.layers.Masking.from_config(layer.get_config()).mask_value == 1.0


def test_layer_without_masking_support_warns_and_drops_the_mask():
    h = keras.layers.Embedding(10, 3, mask_zero=True)(tf.constant(X))
    with pytest.warns(UserWarning, match="does not support masking"):
        keras.layers.Flatten()(h)


def test_loss_averages_over_unmasked_steps_only():
    # TF 2.21: loss 0.847497 by direct call and evaluate; 0.842283 after two SGD epochs.
    x = np.array([[3, 5, 0, 0], [7, 0, 0, 0], [1, 2, 3, 0]])
    y = np.linspace(-1, 1, 24).reshape(3, 4, 2).astype("float32")
    model = _ramp(keras.Sequential([keras.Input((4,)),
                                    keras.layers.Embedding(10, 3, mask_zero=True),
                                    keras.layers.SimpleRNN(2, return_sequences=True)]))
    assert float(keras.losses.MeanSquaredError()(y, model(x))) == pytest.approx(0.847497,
                                                                                 abs=1e-6)
    model.compile("sgd", "mse")
    assert model.evaluate(x, y, verbose=0) == pytest.approx(0.847497, abs=1e-6)
    model.fit(x, y, epochs=2, batch_size=3, verbose=0)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(0.842283, abs=1e-6)


def test_metrics_average_over_unmasked_steps():
    # TF 2.21: [loss, accuracy, mae] = [0.651801, 0.666667, 0.424412]; BinaryAccuracy 0.666667.
    x = np.array([[3, 5, 0, 0], [7, 0, 0, 0], [1, 2, 3, 0]])
    y = (np.arange(12).reshape(3, 4) % 3 == 0).astype("float32")[..., None]
    model = _ramp(keras.Sequential([
        keras.Input((4,)), keras.layers.Embedding(10, 3, mask_zero=True),
        keras.layers.SimpleRNN(1, return_sequences=True, activation="sigmoid")]))
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy", "mae"])
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), [0.651801, 0.666667, 0.424412],
                               atol=1e-6)
    acc = keras.metrics.BinaryAccuracy()
    acc.update_state(y, model(x))
    assert float(acc.result()) == pytest.approx(0.666667, abs=1e-6)


def test_mean_weighs_each_entry_before_averaging():
    mean = keras.metrics.Mean()
    mean.update_state([[1.0, 2.0], [3.0, 4.0]], sample_weight=[[1.0, 0.0], [1.0, 1.0]])
    assert float(mean.result()) == pytest.approx(8.0 / 3.0)
