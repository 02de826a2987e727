"""`.keras` / `.weights.h5` files: Keras-written fixtures load here, Tessera-written files
keep Keras's layout (fixtures/make_fixtures.py wrote the fixtures with TensorFlow 2.21)."""

import json
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

import tessera as tf

keras = tf.keras
FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = np.load(FIXTURES / "expected.npz", allow_pickle=False)


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


@pytest.fixture(autouse=True)
def fresh_names():
    keras.backend.clear_session()


def _h5_layout(f) -> dict:
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, getattr(obj, "shape", None)))
    return out


def _cnn():
    return keras.Sequential([
        keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.BatchNormalization(), keras.layers.MaxPooling2D(), keras.layers.Flatten(),
        keras.layers.Dropout(0.2), keras.layers.Dense(5, activation="softmax")])


def test_keras_written_sequential_loads_with_same_predictions():
    m = keras.models.load_model(FIXTURES / "cnn.keras")
    assert [type(layer).__name__ for layer in m.layers] == [
        "Conv2D", "BatchNormalization", "MaxPooling2D", "Flatten", "Dropout", "Dense"]
    close(m.predict(EXPECTED["cnn_x"], verbose=0), EXPECTED["cnn_y"])
    assert m.compiled and type(m.optimizer).__name__ == "Adam"
    assert int(m.optimizer.iterations.numpy()) == 4  # restored from optimizer/vars/0


def test_keras_written_functional_loads_with_same_predictions():
    m = keras.models.load_model(FIXTURES / "functional.keras")
    assert m.name == "two_inputs" and m.input_names == ["seq", "feat"]
    close(m.predict([EXPECTED["fn_a"], EXPECTED["fn_b"]], verbose=0), EXPECTED["fn_y"])


def test_keras_written_recurrent_model_loads():
    m = keras.models.load_model(FIXTURES / "rnn.keras")
    assert [type(layer).__name__ for layer in m.layers[1:5]] == [
        "LSTM", "Bidirectional", "SimpleRNN", "GRU"]
    close(m.predict(EXPECTED["rnn_x"], verbose=0), EXPECTED["rnn_y"])


def test_keras_written_weights_h5_loads():
    m = _cnn()
    m.load_weights(FIXTURES / "cnn.weights.h5")
    close(m.predict(EXPECTED["cnn_x"], verbose=0), EXPECTED["cnn_y"])


def test_load_without_compile():
    m = keras.models.load_model(FIXTURES / "cnn.keras", compile=False)
    assert not m.compiled
    close(m(EXPECTED["cnn_x"]), EXPECTED["cnn_y"])


def test_written_file_has_keras_layout(tmp_path):
    m = _cnn()
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    m.fit(EXPECTED["cnn_x"], np.arange(4), verbose=0)
    path = tmp_path / "m.keras"
    m.save(path)
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        meta = json.loads(z.read("metadata.json"))
        config = json.loads(z.read("config.json"))
        z.extract("model.weights.h5", tmp_path)
    assert meta["keras_version"].startswith("3.")
    assert config["class_name"] == "Sequential" and config["module"] == "keras"
    assert [entry["class_name"] for entry in config["config"]["layers"]] == [
        "InputLayer", "Conv2D", "BatchNormalization", "MaxPooling2D", "Flatten", "Dropout",
        "Dense"]
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    assert config["compile_config"]["loss"] == "sparse_categorical_crossentropy"
    with h5py.File(tmp_path / "model.weights.h5") as f:
        ours = _h5_layout(f)
        assert f["layers/dense/vars"].attrs["name"] == "dense"
    # Keras's own file for the same architecture, written by TensorFlow.
    with zipfile.ZipFile(FIXTURES / "cnn.keras") as z:
        z.extract("model.weights.h5", tmp_path / "tf")
    with h5py.File(tmp_path / "tf" / "model.weights.h5") as f:
        theirs = _h5_layout(f)
    assert ours == theirs
    close(np.asarray(h5py.File(tmp_path / "model.weights.h5")["layers/dense/vars/0"]),
          m.layers[-1].kernel)


def test_round_trip_sequential_and_functional(tmp_path):
    m = _cnn()
    m.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9), loss="mse",
              metrics=["mae"])
    m.fit(EXPECTED["cnn_x"], np.eye(5)[:4], verbose=0)
    m.save(tmp_path / "s.keras")
    back = keras.models.load_model(tmp_path / "s.keras")
    close(back.predict(EXPECTED["cnn_x"], verbose=0), m.predict(EXPECTED["cnn_x"], verbose=0))
    assert back.optimizer.momentum == 0.9

    a, b = keras.Input((4,), name="a"), keras.Input((2,), name="b")
    shared = keras.layers.Dense(3, name="shared")
    x = keras.layers.Concatenate()([shared(a), shared(keras.layers.Dense(4)(b))])
    f = keras.Model({"a": a, "b": b}, [keras.layers.Dense(1)(x), x], name="multi")
    f.save(tmp_path / "f.keras")
    g = keras.models.load_model(tmp_path / "f.keras")
    xs = {"a": np.ones((2, 4), "float32"), "b": np.arange(4.0, dtype="float32").reshape(2, 2)}
    for got, want in zip(g(xs), f(xs)):
        close(got, want)


def test_save_weights_load_weights(tmp_path):
    m = _cnn()
    m.save_weights(tmp_path / "w.weights.h5")
    other = _cnn()
    other.load_weights(tmp_path / "w.weights.h5")
    for u, v in zip(m.get_weights(), other.get_weights()):
        close(u, v)
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        m.save_weights(tmp_path / "w.h5")
    small = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(2, 3)])
    with pytest.raises(ValueError, match="shape"):
        small.load_weights(tmp_path / "w.weights.h5")


def test_malformed_files_raise_value_error(tmp_path):
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a valid `.keras` file"):
        keras.models.load_model(bad)
    with zipfile.ZipFile(tmp_path / "nocfg.keras", "w") as z:
        z.writestr("metadata.json", "{}")
    with pytest.raises(ValueError, match="config.json"):
        keras.models.load_model(tmp_path / "nocfg.keras")
    with zipfile.ZipFile(tmp_path / "json.keras", "w") as z:
        z.writestr("config.json", "{nope")
        z.writestr("model.weights.h5", b"")
    with pytest.raises(ValueError, match="JSON"):
        keras.models.load_model(tmp_path / "json.keras")
    (tmp_path / "x.weights.h5").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="HDF5"):
        _cnn().load_weights(tmp_path / "x.weights.h5")
    with pytest.raises(ValueError, match="format"):
        keras.models.load_model(tmp_path / "m.pkl")
    with pytest.raises(FileNotFoundError):
        keras.models.load_model(tmp_path / "missing.keras")


def test_model_checkpoint(tmp_path):
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((8, 3), "float32"), np.zeros((8, 1), "float32")
    path = str(tmp_path / "ckpt-{epoch:02d}.keras")
    m.fit(x, y, epochs=2, verbose=0, callbacks=[keras.callbacks.ModelCheckpoint(path)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt-01.keras", "ckpt-02.keras"]
    last = keras.models.load_model(tmp_path / "ckpt-02.keras")
    close(last.get_weights()[0], m.get_weights()[0])
    best = str(tmp_path / "best.weights.h5")
    m.fit(x, y, epochs=2, verbose=0, validation_data=(x, y), callbacks=[
        keras.callbacks.ModelCheckpoint(best, save_best_only=True, save_weights_only=True)])
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    other.load_weights(best)
    close(other.get_weights()[0], m.get_weights()[0])
