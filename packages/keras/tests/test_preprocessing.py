"""Normalization (adapt from arrays, datasets and batches; fixed statistics; invert) and
Rescaling: values are what TensorFlow 2.21 / Keras 3 prints for the same inputs."""

from __future__ import annotations

import numpy as np
import pytest

import tessera as tf

keras = tf.keras
X = (np.arange(24).reshape(6, 4) ** 1.5).astype("float32")


def test_normalization_adapt_from_array():
    layer = keras.layers.Normalization()
    layer.adapt(X)
    np.testing.assert_allclose(layer(X[:1]).numpy(),
                               [[-1.19779, -1.23716, -1.26377, -1.28406]], atol=1e-5)
    mean, var, count = layer.get_weights()
    np.testing.assert_allclose(mean, [37.6066, 42.0632, 46.848, 51.9029], atol=1e-4)
    np.testing.assert_allclose(var, [985.7466, 1101.6846, 1213.2645, 1323.0917], rtol=1e-6)
    assert count == 0  # Keras keeps the count weight but does not update it


def test_normalization_adapt_from_dataset_and_batches():
    layer = keras.layers.Normalization(axis=None)
    layer.adapt(tf.data.Dataset.from_tensor_slices(X).batch(4))
    np.testing.assert_allclose(layer(X[:1]).numpy(), [[-1.2961, -1.26705, -1.21392, -1.14512]],
                               atol=1e-5)
    img = np.arange(24).reshape(2, 2, 2, 3).astype("float32")
    per_channel = keras.layers.Normalization(axis=-1)
    per_channel.adapt([img[:1], img[1:]])
    np.testing.assert_allclose(per_channel(img).numpy()[1, 1, 1], [1.52753] * 3, atol=1e-5)


def test_normalization_fixed_statistics_invert_and_errors():
    layer = keras.layers.Normalization(mean=[1.0, 2.0, 3.0, 4.0],
                                       variance=[1.0, 4.0, 9.0, 0.0], invert=True)
    np.testing.assert_allclose(layer(X[:1]).numpy(), [[1.0, 4.0, 11.4853, 4.0]], atol=1e-4)
    with pytest.raises(ValueError, match="both `mean` and `variance` must be set"):
        keras.layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="same shape"):
        keras.layers.Normalization(mean=[1.0, 2.0], variance=[1.0])
    with pytest.raises(TypeError, match="Unsupported data type"):
        keras.layers.Normalization().adapt(3)


def test_normalization_saves_and_reloads(tmp_path):
    layer = keras.layers.Normalization()
    layer.adapt(X)
    model = keras.Sequential([keras.Input((4,)), layer, keras.layers.Dense(1)])
    model.save(tmp_path / "norm.keras")
    again = keras.models.load_model(tmp_path / "norm.keras")
    np.testing.assert_array_equal(np.asarray(again(X)), np.asarray(model(X)))


def test_rescaling():
    layer = keras.layers.Rescaling(1 / 255.0, offset=-1)
    np.testing.assert_allclose(layer(np.array([[0, 255, 128]], "uint8")).numpy(),
                               [[-1.0, 0.0, -0.49804]], atol=1e-5)
    assert keras.layers.Rescaling.from_config(layer.get_config()).offset == -1
