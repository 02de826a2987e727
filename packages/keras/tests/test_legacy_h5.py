"""Legacy HDF5 model files (``model.save("m.h5")``): files written by Keras 3 and by Keras 2
(tf_keras) load with their predictions and optimizer state; Tessera writes Keras 3's layout."""

import json
import shutil
import warnings
from pathlib import Path

import h5py
import numpy as np
import pytest

import tessera as tf

keras = tf.keras
FIXTURES = Path(__file__).parent / "fixtures"
WRITERS = ["keras3", "keras2"]


def _names(values) -> list[str]:
    """An HDF5 name-list attribute as str (Keras writes bytes or str)."""
    return [n.decode() if isinstance(n, bytes) else n for n in values]


def _load(path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return keras.models.load_model(path, **kwargs)


@pytest.mark.parametrize("writer", WRITERS)
def test_keras_written_files_predict_as_keras(writer):
    expected = np.load(FIXTURES / f"legacy_{writer}_expected.npz")
    cnn = _load(FIXTURES / f"legacy_{writer}_cnn.h5")
    assert [layer.name for layer in cnn.layers] == ["conv", "bn", "pool", "flat", "drop", "probs"]
    np.testing.assert_allclose(cnn.predict(expected["cnn_x"], verbose=0), expected["cnn_y"],
                               atol=1e-6)
    fn = _load(FIXTURES / f"legacy_{writer}_functional.h5")
    score, label = fn.predict([expected["fn_tokens"], expected["fn_extra"]], verbose=0)
    np.testing.assert_allclose(score, expected["fn_score"], atol=1e-6)
    np.testing.assert_allclose(label, expected["fn_label"], atol=1e-6)
    assert not getattr(fn, "compiled", False)  # saved uncompiled


def test_keras3_file_restores_the_compiled_optimizer_state():
    path = FIXTURES / "legacy_keras3_cnn.h5"
    cnn = _load(path)
    assert type(cnn.optimizer).__name__ == "Adam" and cnn.loss == "sparse_categorical_crossentropy"
    with h5py.File(path) as f:
        group = f["optimizer_weights"]
        saved = {n: np.asarray(group[n]) for n in _names(group.attrs["weight_names"])}
    assert int(cnn.optimizer.iterations.numpy()) == int(saved["adam/iteration"]) == 4
    np.testing.assert_array_equal(cnn.optimizer.variables[2].numpy(),
                                  saved["adam/cnn_conv_kernel_momentum"])
    history = cnn.fit(np.zeros((4, 8, 8, 3), "float32"), np.arange(4), verbose=0)
    assert int(cnn.optimizer.iterations.numpy()) == 5 and "accuracy" in history.history


def test_keras2_optimizer_state_is_not_forced_into_keras3_slots():
    with pytest.warns(UserWarning, match="freshly initialized optimizer"):
        cnn = keras.models.load_model(FIXTURES / "legacy_keras2_cnn.h5")
    assert type(cnn.optimizer).__name__ == "Adam"
    assert cnn.optimizer.learning_rate.numpy() == pytest.approx(0.001)
    assert int(cnn.optimizer.iterations.numpy()) == 0


def test_round_trip_writes_keras3_layout(tmp_path):
    cnn = _load(FIXTURES / "legacy_keras3_cnn.h5")
    x = np.random.default_rng(1).normal(size=(3, 8, 8, 3)).astype("float32")
    cnn.fit(x, np.array([0, 1, 2]), verbose=0)
    path = tmp_path / "again.h5"
    with pytest.warns(UserWarning, match="This file format is considered legacy"):
        cnn.save(path)
    with h5py.File(path) as mine, h5py.File(FIXTURES / "legacy_keras3_cnn.h5") as keras3:
        assert set(mine.attrs) == set(keras3.attrs)
        for group in ("model_weights", "model_weights/conv", "model_weights/bn",
                      "optimizer_weights"):
            names, theirs = (_names(f[group].attrs.get("weight_names",
                                                       f[group].attrs.get("layer_names")))
                             for f in (mine, keras3))
            assert names == theirs, group
        config = json.loads(mine.attrs["model_config"])
        assert config["class_name"] == "Sequential"
        assert set(config["config"]["layers"][1]) == {"class_name", "config"}
        assert "optimizer_config" in json.loads(mine.attrs["training_config"])
    again = _load(path)
    np.testing.assert_allclose(again.predict(x, verbose=0), cnn.predict(x, verbose=0), atol=1e-6)
    for a, b in zip(again.optimizer.variables, cnn.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_include_optimizer_false_and_compile_false(tmp_path):
    cnn = _load(FIXTURES / "legacy_keras3_cnn.h5")
    path = tmp_path / "plain.hdf5"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        keras.models.save_model(cnn, path, include_optimizer=False)
    with h5py.File(path) as f:
        assert "training_config" not in f.attrs and "optimizer_weights" not in f
    with pytest.warns(UserWarning, match="No training configuration found"):
        loaded = keras.models.load_model(path)
    assert not getattr(loaded, "compiled", False)
    assert not getattr(_load(FIXTURES / "legacy_keras3_cnn.h5", compile=False), "compiled",
                       False)


def test_load_weights_from_h5_topologically_and_by_name():
    expected = np.load(FIXTURES / "legacy_keras2_expected.npz")
    L = keras.layers

    def build(names):
        return keras.Sequential([
            keras.Input((8, 8, 3)), L.Conv2D(4, 3, activation="relu", name=names[0]),
            L.BatchNormalization(name=names[1]), L.MaxPooling2D(), L.Flatten(), L.Dropout(0.2),
            L.Dense(5, activation="softmax", name=names[2])])

    model = build(["a", "b", "c"])
    model.load_weights(FIXTURES / "legacy_keras2_cnn.h5")  # by position
    np.testing.assert_allclose(model.predict(expected["cnn_x"], verbose=0), expected["cnn_y"],
                               atol=1e-6)
    renamed = build(["conv", "other", "probs"])
    before = renamed.get_layer("other").get_weights()
    renamed.load_weights(FIXTURES / "legacy_keras2_cnn.h5", by_name=True)
    for got, want in zip(renamed.get_layer("conv").get_weights(),
                         model.get_layer("a").get_weights()):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(renamed.get_layer("other").get_weights(), before):
        np.testing.assert_array_equal(got, want)  # no saved layer of that name
    smaller = keras.Sequential([keras.Input((8, 8, 3)), L.Conv2D(4, 3), L.Flatten(),
                                L.Dense(5)])
    with pytest.raises(ValueError, match="Layer count mismatch when loading weights from file. "
                                         "Model expected 2 layers, found 3 saved layers."):
        smaller.load_weights(FIXTURES / "legacy_keras2_cnn.h5")
    wrong = keras.Sequential([keras.Input((8, 8, 3)), L.Conv2D(6, 3, name="conv")])
    with pytest.raises(ValueError, match=r"Shape mismatch in layer #0 \(named conv\) for weight "
                                         r".*Weight expects shape \(3, 3, 3, 6\)"):
        wrong.load_weights(FIXTURES / "legacy_keras2_cnn.h5", by_name=True)
    with pytest.warns(UserWarning, match="Skipping loading weights"):
        wrong.load_weights(FIXTURES / "legacy_keras2_cnn.h5", by_name=True, skip_mismatch=True)
    with pytest.raises(ValueError, match="`by_name` only supports loading legacy"):
        model.load_weights(FIXTURES / "cnn.weights.h5", by_name=True)


def _with_config(tmp_path, edit):
    path = tmp_path / "edited.h5"
    shutil.copy(FIXTURES / "legacy_keras2_functional.h5", path)
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        edit(config)
        f.attrs["model_config"] = json.dumps(config)
    return path


def test_bad_files_raise_clear_errors(tmp_path):
    def lambda_layer(config):
        config["config"]["layers"][-1]["class_name"] = "Lambda"
        config["config"]["layers"][-1]["config"]["function"] = ["4wEAAA==", None, None]

    with pytest.raises(ValueError, match="Lambda layer, whose function the file stores as "
                                         "Python code"):
        keras.models.load_model(_with_config(tmp_path, lambda_layer))

    def time_major(config):
        next(e for e in config["config"]["layers"]
             if e["class_name"] == "LSTM")["config"]["time_major"] = True

    with pytest.raises(ValueError, match="saved with time_major=True"):
        keras.models.load_model(_with_config(tmp_path, time_major))
    not_h5 = tmp_path / "text.h5"
    not_h5.write_text("hello")
    with pytest.raises(ValueError, match="is not an HDF5 file"):
        keras.models.load_model(not_h5)
    empty = tmp_path / "empty.h5"
    h5py.File(empty, "w").close()
    with pytest.raises(ValueError, match="No model config found in the file"):
        keras.models.load_model(empty)
    with pytest.raises(FileNotFoundError):
        keras.models.load_model(tmp_path / "missing.h5")


@pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file")
def test_save_arguments_and_failed_saves(tmp_path):
    model = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="is not built yet"):
        model.save(tmp_path / "unbuilt.h5")
    assert list(tmp_path.iterdir()) == []
    model.build((None, 3))
    with pytest.raises(ValueError, match="The `save_format` argument is deprecated"):
        model.save(tmp_path / "m", save_format="h5")
    with pytest.raises(ValueError, match=r"not supported: \['colour'\]"):
        model.save(tmp_path / "m.h5", colour=1)
    with pytest.raises(ValueError, match="Invalid filepath extension for saving"):
        model.save(tmp_path / "m.pb")
    path = tmp_path / "m.h5"
    model.save(path)
    with pytest.raises(FileExistsError):
        model.save(path, overwrite=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.h5"]


@pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file")
def test_model_checkpoint_writes_h5_models(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    path = tmp_path / "epoch{epoch}.h5"
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 1), "float32"), epochs=2, verbose=0,
              callbacks=[keras.callbacks.ModelCheckpoint(str(path))])
    restored = _load(tmp_path / "epoch2.h5")
    np.testing.assert_array_equal(restored.get_weights()[0], model.get_weights()[0])
