"""keras.utils / keras.saving registry and data helpers (reference values from Keras 3.15)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tessera as tf
import tessera_keras as keras

U = keras.utils


def test_saving_module_names():
    for name in ("CustomObjectScope", "custom_object_scope", "deserialize_keras_object",
                 "get_custom_objects", "get_registered_name", "get_registered_object",
                 "register_keras_serializable", "serialize_keras_object"):
        assert getattr(keras.saving, name) is getattr(U, name)
    assert keras.saving.load_model is keras.models.load_model
    assert U.clear_session is keras.backend.clear_session


def test_registry_and_scope():
    @keras.saving.register_keras_serializable(package="ApiTest", name="Foo")
    class Foo(keras.layers.Layer):
        pass

    assert U.get_registered_name(Foo) == "ApiTest>Foo"
    assert U.get_registered_name(keras.layers.Dense) == "Dense"
    assert U.get_registered_name(np.sum) == "sum"
    assert U.get_registered_object("ApiTest>Foo") is Foo
    assert U.get_custom_objects()["ApiTest>Foo"] is Foo
    assert U.get_registered_object("NoSuchThing") is None

    class Bar(keras.layers.Layer):
        pass

    with U.custom_object_scope({"Bar": Bar}) as scope:
        assert isinstance(scope, U.CustomObjectScope)
        assert U.get_registered_object("Bar") is Bar
        with U.CustomObjectScope({"Bar": Foo}):
            assert U.get_registered_object("Bar") is Foo
        assert U.get_registered_object("Bar") is Bar
        layer = U.deserialize_keras_object({"module": None, "class_name": "Bar",
                                            "config": {"name": "b"}, "registered_name": "Bar"})
        assert type(layer) is Bar and layer.name == "b"
    assert U.get_registered_object("Bar") is None
    assert "Bar" not in U.get_custom_objects()
    with pytest.raises(TypeError, match="register it using"):
        U.deserialize_keras_object({"module": None, "class_name": "Bar",
                                    "config": {"name": "b"}, "registered_name": "Bar"})


def test_scope_feeds_model_loading(tmp_path):
    class Twice(keras.layers.Layer):
        def call(self, x):
            return x * 2.0

    model = keras.Sequential([keras.Input((2,)), Twice(name="twice")])
    path = str(tmp_path / "m.keras")
    model.save(path)
    with pytest.raises(Exception):  # noqa: B017 - an unknown class must not load
        keras.saving.load_model(path)
    with keras.saving.custom_object_scope({"Twice": Twice}):
        loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(np.ones((1, 2), "float32"), verbose=0), [[2, 2]])


def test_serialize_keras_object_values():
    cfg = U.serialize_keras_object(keras.layers.Dense(2, name="d"))
    assert cfg["module"] == "keras.layers" and cfg["class_name"] == "Dense"
    assert cfg["registered_name"] is None and cfg["config"]["units"] == 2
    assert cfg["config"]["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert U.serialize_keras_object("relu") == "relu"
    assert U.serialize_keras_object(keras.activations.relu) == {
        "module": "builtins", "class_name": "function", "config": "relu",
        "registered_name": "function"}
    assert U.serialize_keras_object([1, "a"]) == [1, "a"]
    assert U.serialize_keras_object(None) is None
    assert U.serialize_keras_object(np.zeros((2,))) == {
        "class_name": "__numpy__", "config": {"value": [0.0, 0.0], "dtype": "float64"}}
    sgd = keras.optimizers.SGD()
    opt = U.serialize_keras_object(sgd)
    assert (opt["module"], opt["class_name"], opt["config"]["name"]) == \
        ("keras.optimizers", "SGD", sgd.name)
    with pytest.raises(TypeError, match="get_config"):
        U.serialize_keras_object(object())


@pytest.mark.parametrize("obj", [
    keras.layers.Dense(3, activation="relu", name="dd"), keras.optimizers.Adam(0.125),
    keras.losses.MeanSquaredError(), keras.metrics.AUC(num_thresholds=7),
    keras.initializers.GlorotUniform(seed=3), keras.regularizers.L2(0.25),
    keras.constraints.MaxNorm(2.0), keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)])
def test_round_trip(obj):
    back = U.deserialize_keras_object(U.serialize_keras_object(obj))
    assert type(back) is type(obj)
    assert back.get_config() == obj.get_config()


def test_deserialize_plain_and_functions():
    assert U.deserialize_keras_object("relu") == "relu"
    assert U.deserialize_keras_object(U.serialize_keras_object(keras.activations.relu)) is \
        keras.activations.relu
    np.testing.assert_array_equal(
        U.deserialize_keras_object(U.serialize_keras_object(np.arange(3))), [0, 1, 2])
    assert U.deserialize_keras_object({"a": [1, 2]}) == {"a": [1, 2]}
    with pytest.raises(TypeError, match="Could not locate function"):
        U.deserialize_keras_object({"module": "builtins", "class_name": "function",
                                    "config": "no_such_fn", "registered_name": "function"})


def test_keras_tensor_helpers():
    a, b = keras.Input((3,)), keras.Input((3,))
    out = keras.layers.Dense(2)(keras.layers.Add()([a, keras.layers.Dense(3)(b)]))
    assert U.is_keras_tensor(a) and not U.is_keras_tensor(np.zeros(2))
    assert not U.is_keras_tensor(tf.constant([1.0]))
    sources = U.get_source_inputs(out)
    assert len(sources) == 2 and sources[0] is a and sources[1] is b
    assert U.get_source_inputs(a)[0] is a


def test_pack_unpack():
    assert U.pack_x_y_sample_weight(1) == 1
    assert U.pack_x_y_sample_weight(1, 2) == (1, 2)
    assert U.pack_x_y_sample_weight(1, 2, 3) == (1, 2, 3)
    assert U.pack_x_y_sample_weight((1, 2)) == ((1, 2),)
    assert U.unpack_x_y_sample_weight(1) == (1, None, None)
    assert U.unpack_x_y_sample_weight((1, 2)) == (1, 2, None)
    assert U.unpack_x_y_sample_weight([1, 2, 3]) == (1, 2, 3)
    assert U.unpack_x_y_sample_weight((1,)) == (1, None, None)
    with pytest.raises(ValueError, match="Data is expected to be in format"):
        U.unpack_x_y_sample_weight((1, 2, 3, 4))


def _ints(ds):
    return [int(np.asarray(x)) for x in ds.as_numpy_iterator()]


def test_split_dataset_keras_values():
    a, b = U.split_dataset(np.arange(10), left_size=0.7)
    assert (_ints(a), _ints(b)) == (list(range(7)), [7, 8, 9])
    a, b = U.split_dataset((np.arange(10), np.arange(10) * 2), left_size=3, right_size=2)
    assert [tuple(map(int, t)) for t in a.as_numpy_iterator()] == [(0, 0), (1, 2), (2, 4)]
    assert [tuple(map(int, t)) for t in b.as_numpy_iterator()] == [(8, 16), (9, 18)]
    a, b = U.split_dataset(np.arange(10), right_size=0.25)  # 2.5 rounds half to even
    assert (len(_ints(a)), len(_ints(b))) == (8, 2)
    a, b = U.split_dataset(np.arange(10), left_size=0.5, shuffle=True, seed=1)
    assert (_ints(a), _ints(b)) == ([6, 8, 9, 7, 5], [3, 0, 4, 1, 2])  # as Keras
    a, b = U.split_dataset(tf.data.Dataset.range(10).batch(3), left_size=0.5)
    assert [list(x) for x in a.as_numpy_iterator()] == [[0, 1, 2], [3, 4]]
    assert [list(x) for x in b.as_numpy_iterator()] == [[5, 6, 7], [8, 9]]


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"left_size": 11}, ValueError, "positive integer smaller than 10"),
    ({"left_size": 1.5}, ValueError, "float within the range"),
    ({"left_size": 0}, ValueError, "left_size=0"),
    ({"left_size": 0.6, "right_size": 0.6}, ValueError, "greater than 1"),
    ({"left_size": 8, "right_size": 5}, ValueError, "should be smaller than the 10"),
    ({}, ValueError, "At least one of"),
    ({"left_size": "a"}, TypeError, "Invalid `left_size` Type"),
])
def test_split_dataset_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        U.split_dataset(np.arange(10), **kwargs)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 30), frac=st.floats(0.01, 0.99), seed=st.integers(0, 100))
def test_split_dataset_partitions(n, frac, seed):
    left = round(frac * n)
    if left in (0, n):
        return
    a, b = U.split_dataset(np.arange(n), left_size=frac, shuffle=True, seed=seed)
    la, lb = _ints(a), _ints(b)
    assert len(la) == left and sorted(la + lb) == list(range(n))


def _fixture(name):
    import pathlib

    return (pathlib.Path(__file__).parent / "fixtures" / name).read_text()


@pytest.mark.parametrize("name", ["keras_functional_to_json.json",
                                  "keras_sequential_to_json.json"])
def test_model_from_keras_json(name):
    import json

    text = _fixture(name)  # Keras 3.15's model.to_json()
    model = keras.models.model_from_json(text)
    assert model.built and not model.compiled
    ref = json.loads(text)
    assert model.name == ref["config"]["name"]
    mine = json.loads(model.to_json())
    assert (mine["module"], mine["class_name"]) == (ref["module"], ref["class_name"])
    assert [lay["config"]["name"] for lay in mine["config"]["layers"]] == \
        [lay["config"]["name"] for lay in ref["config"]["layers"]]
    again = keras.models.model_from_json(model.to_json(indent=1))
    x = np.random.default_rng(0).standard_normal((2, *model.input_shape[1:])).astype("float32")
    again.set_weights(model.get_weights())
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


def test_to_json_compiled_and_custom_objects():
    import json

    class Twice(keras.layers.Layer):
        def call(self, x):
            return x * 2.0

    model = keras.Sequential([keras.Input((2,)), Twice(name="t")])
    model.compile("sgd", "mse")
    cfg = json.loads(model.to_json())
    assert cfg["compile_config"]["loss"] == "mse"
    with pytest.raises(ValueError):
        keras.models.model_from_json(model.to_json())
    back = keras.models.model_from_json(model.to_json(), custom_objects={"Twice": Twice})
    assert isinstance(back.layers[0], Twice) and not back.compiled
