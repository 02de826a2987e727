"""hub.KerasLayer inside tessera.keras models: predicts, fine-tunes, freezes."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import B, W

import tessera_hub as hub

keras = pytest.importorskip("tessera_keras", reason="hub.KerasLayer needs tessera-keras")


@pytest.fixture
def handle(saved_model, server, monkeypatch):
    hub.publish(saved_model, server.root, "test/affine/1")
    monkeypatch.setenv("TESSERA_HUB_URL", server.url)
    return "hub://test/affine/1"


def _data(n=64):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [2.0], [-1.0]], np.float32)).astype(np.float32)
    return x, y


def test_sequential_fine_tunes_and_predicts(handle):
    layer = hub.KerasLayer(handle, trainable=True)
    model = keras.Sequential([keras.Input((3,)), layer, keras.layers.Dense(1)])
    assert len(model.trainable_weights) == 4  # hub w, b + dense kernel, bias
    assert len(layer.trainable_weights) == 2
    x, y = _data()
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    before = model.evaluate(x, y, verbose=0)
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0] and losses[-1] < 0.5 * before
    w = next(v for v in layer.weights if tuple(v.shape.as_list()) == (3, 2))
    assert not np.allclose(w.numpy(), W)  # the hub variables were fine-tuned
    pred = model.predict(x[:5], verbose=0)
    assert pred.shape == (5, 1)


def test_frozen_layer_keeps_its_weights(handle):
    layer = hub.KerasLayer(handle)  # trainable=False, as in tensorflow_hub
    model = keras.Sequential([keras.Input((3,)), layer, keras.layers.Dense(1)])
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    assert len(model.trainable_weights) == 2
    model.compile(optimizer="sgd", loss="mse")
    x, y = _data()
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    w = next(v for v in layer.weights if tuple(v.shape.as_list()) == (3, 2))
    np.testing.assert_allclose(w.numpy(), W)


def test_trainable_flag_can_be_flipped(handle):
    layer = hub.KerasLayer(handle, trainable=True)
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    layer.trainable = True
    assert len(layer.trainable_weights) == 2
    assert layer.get_config()["handle"] == handle


def test_functional_model_and_signature(handle):
    inputs = keras.Input((3,))
    features = hub.KerasLayer(handle, signature="serving_default", output_shape=[2])(inputs)
    outputs = keras.layers.Dense(1)(features)
    model = keras.Model(inputs, outputs)
    x = np.ones((4, 3), np.float32)
    assert model.predict(x, verbose=0).shape == (4, 1)
    direct = hub.KerasLayer(handle, signature="serving_default")(x)
    np.testing.assert_allclose(np.asarray(direct), x @ W + B, rtol=1e-6)


def test_missing_signature_is_named(handle):
    with pytest.raises(ValueError, match=r"no signature 'nope'.*serving_default"):
        hub.KerasLayer(handle, signature="nope")
