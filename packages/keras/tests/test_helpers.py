"""clone_model, functional from_config, AUC (values from TensorFlow 2.21), model.export."""

import numpy as np
import pytest

import tessera as tf

keras = tf.keras


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


@pytest.fixture(autouse=True)
def fresh_names():
    keras.backend.clear_session()


def _functional():
    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    shared = keras.layers.Dense(2, name="shared")
    x = keras.layers.Concatenate()([shared(keras.layers.Dense(3)(a)), shared(b)])
    return keras.Model([a, b], [keras.layers.Dense(1, name="out")(x), x], name="f")


def test_functional_from_config_rebuilds_shared_layers():
    f = _functional()
    g = keras.Model.from_config(f.get_config())
    assert [layer.name for layer in g.layers] == [layer.name for layer in f.layers]
    assert len(g.get_layer("shared")._inbound_nodes) == 2
    g.set_weights(f.get_weights())
    xs = [np.ones((2, 4), "float32"), np.full((2, 3), 0.5, "float32")]
    for got, want in zip(g(xs), f(xs)):
        close(got, want)


def test_clone_model_same_architecture_fresh_weights():
    f = _functional()
    c = keras.models.clone_model(f)
    assert c is not f and [type(x) for x in c.layers] == [type(x) for x in f.layers]
    assert [w.shape for w in c.get_weights()] == [w.shape for w in f.get_weights()]
    s = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dropout(0.1)])
    cs = keras.models.clone_model(s)
    assert isinstance(cs, keras.Sequential) and cs.output_shape == (None, 2)
    assert not np.allclose(cs.get_weights()[0], s.get_weights()[0])


Y = np.array([0, 0, 1, 1, 0, 1, 1, 0], "float32")
P = np.array([0.1, 0.4, 0.35, 0.8, 0.7, 0.9, 0.2, 0.05], "float32")


@pytest.mark.parametrize("kwargs,want", [
    ({}, 0.75), ({"curve": "PR"}, 0.7972674369812012), ({"num_thresholds": 50}, 0.75),
    ({"summation_method": "minoring"}, 0.75)])
def test_auc_matches_tensorflow(kwargs, want):
    m = keras.metrics.AUC(**kwargs)
    m.update_state(Y, P)
    close(m.result(), want)


def test_auc_accumulates_with_sample_weight():
    m = keras.metrics.AUC()
    m.update_state(Y[:4], P[:4])
    m.update_state(Y[4:], P[4:], sample_weight=[1, 2, 0.5, 1])
    close(m.result(), 0.8333333730697632)
    m.reset_state()
    m.update_state(Y, P)
    close(m.result(), 0.75)


def test_export_saved_model_serving_signature(tmp_path):
    m = keras.Sequential([keras.Input((5, 3)), keras.layers.Flatten(),
                          keras.layers.Dense(2, activation="relu"), keras.layers.Dense(1)])
    m.export(tmp_path / "sm", verbose=False)
    loaded = tf.saved_model.load(str(tmp_path / "sm"))
    assert sorted(loaded.signatures) == ["serve", "serving_default"]
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    out = loaded.signatures["serving_default"](inputs=tf.constant(x))
    close(out["output_0"], m(x))
    close(loaded.serve(x), m(x))  # the endpoint, as on Keras's export archive
    assert not hasattr(loaded, "fit")


@pytest.mark.parametrize("layer", ["dense_3d", "lstm", "gru_sequences"])
def test_export_graphs_with_unknown_batch_reload(tmp_path, layer):
    L = keras.layers
    made = {"dense_3d": lambda: L.Dense(4), "lstm": lambda: L.LSTM(4),
            "gru_sequences": lambda: L.GRU(3, return_sequences=True)}[layer]()
    m = keras.Sequential([keras.Input((5, 3)), made])
    m.export(tmp_path / "sm", verbose=False)
    loaded = tf.saved_model.load(str(tmp_path / "sm"))
    for batch in (1, 4):
        x = np.random.default_rng(batch).normal(size=(batch, 5, 3)).astype("float32")
        close(loaded.serve(x), m(x))
