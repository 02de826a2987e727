"""ConvLSTM1D/2D/3D against Keras 3.15's outputs, gradients and configs with the same weights
(fixtures/make_rnn_more_reference.py wrote them)."""

import json
from pathlib import Path

import numpy as np
import pytest

import tessera as tf

keras = tf.keras
REF = np.load(Path(__file__).parent / "fixtures" / "rnn_more_reference.npz", allow_pickle=False)
MASK = REF["mask"]


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


def series(name, kind):
    out, i = [], 0
    while f"{name}_{kind}{i}" in REF:
        out.append(REF[f"{name}_{kind}{i}"])
        i += 1
    return out


def outputs(value):
    return list(value) if isinstance(value, list | tuple) else [value]


CASES = {
    "c1d": (lambda: keras.layers.ConvLSTM1D(2, 3, padding="same", return_sequences=True,
                                            go_backwards=True), False),
    "c2d": (lambda: keras.layers.ConvLSTM2D(2, (2, 3), strides=(1, 2), return_state=True),
            False),
    "c2d_dil": (lambda: keras.layers.ConvLSTM2D(3, 2, dilation_rate=2, padding="same",
                                                use_bias=False, return_sequences=True,
                                                unit_forget_bias=False), True),
    "c2d_mask": (lambda: keras.layers.ConvLSTM2D(2, 3, recurrent_activation="hard_sigmoid",
                                                 activation="relu"), True),
    "c2d_cf": (lambda: keras.layers.ConvLSTM2D(2, 3, data_format="channels_first",
                                               return_sequences=True), False),
    "c3d": (lambda: keras.layers.ConvLSTM3D(2, 2, padding="same", return_state=True), False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_keras(name):
    make, masked = CASES[name]
    (x,) = series(name, "x")
    layer = make()
    layer.build(x.shape)
    layer.set_weights(series(name, "w"))
    got = outputs(layer(x, **({"mask": MASK} if masked else {})))
    want = series(name, "y")
    assert len(got) == len(want)
    for g, w in zip(got, want):
        close(g, w)
    shapes = layer.compute_output_shape(x.shape)
    shapes = shapes if isinstance(shapes, list) else [shapes]
    assert [tuple(s) for s in shapes] == [w.shape for w in want]


def test_initial_state():
    x, h0, c0 = series("c2d_init", "x")
    layer = keras.layers.ConvLSTM2D(2, 3, padding="same")
    layer.build(x.shape)
    layer.set_weights(series("c2d_init", "w"))
    close(layer(x, initial_state=[h0, c0]), series("c2d_init", "y")[0])


def test_gradients():
    (x,) = series("c2d_grad", "x")
    layer = keras.layers.ConvLSTM2D(2, 2, return_sequences=True)
    layer.build(x.shape)
    layer.set_weights(series("c2d_grad", "w"))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) ** 2)
    grads = tape.gradient(loss, layer.weights)
    for g, w in zip(grads, series("c2d_grad", "y")):
        close(g, w, 1e-4)


def test_stateful():
    x1, x2 = series("c1d_state", "x")
    layer = keras.layers.ConvLSTM1D(2, 2, stateful=True)
    layer.build(x1.shape)
    layer.set_weights(series("c1d_state", "w"))
    want = series("c1d_state", "y")
    close(layer(x1), want[0])
    close(layer(x2), want[1])
    for s, w in zip(layer.states, series("c1d_state", "s")):
        close(s, w)
    layer.reset_state()
    close(layer(x1), want[0])


# Keras 3.15's ConvLSTM2D(2, 3).get_config(), with the weights as Keras names them.
KERAS_CONFIG = json.loads(
    '{"name": "conv_lstm2d", "trainable": true, "dtype": {"module": "keras", "class_name": '
    '"DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, '
    '"return_sequences": false, "return_state": false, "go_backwards": false, "stateful": '
    'false, "unroll": false, "zero_output_for_mask": false, "filters": 2, "kernel_size": [3, '
    '3], "strides": [1, 1], "padding": "valid", "data_format": "channels_last", '
    '"dilation_rate": [1, 1], "activation": "tanh", "recurrent_activation": "sigmoid", '
    '"use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": '
    '"GlorotUniform", "config": {"seed": null, "input_axes": null, "output_axes": null}, '
    '"registered_name": null}, "recurrent_initializer": {"module": "keras.initializers", '
    '"class_name": "Orthogonal", "config": {"seed": null, "gain": 1.0}, "registered_name": '
    'null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", '
    '"config": {}, "registered_name": null}, "unit_forget_bias": true, "kernel_regularizer": '
    'null, "recurrent_regularizer": null, "bias_regularizer": null, "activity_regularizer": '
    'null, "kernel_constraint": null, "recurrent_constraint": null, "bias_constraint": null, '
    '"dropout": 0.0, "recurrent_dropout": 0.0, "seed": null}')


def test_config_weights_and_shapes_as_keras():
    keras.backend.clear_session()
    layer = keras.layers.ConvLSTM2D(2, 3)
    assert json.loads(json.dumps(layer.get_config())) == KERAS_CONFIG
    inp = keras.Input((3, 5, 4, 2))
    seq, h, c = keras.layers.ConvLSTM2D(2, 3, return_state=True, return_sequences=True)(inp)
    assert seq.shape == (None, 3, 3, 2, 2) and h.shape == c.shape == (None, 3, 2, 2)
    clone = keras.layers.ConvLSTM2D.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    layer.build((None, 3, 5, 4, 2))
    assert [(w.path, tuple(w.shape)) for w in layer.weights] == [
        ("conv_lstm2d/conv_lstm_cell/kernel", (3, 3, 2, 8)),
        ("conv_lstm2d/conv_lstm_cell/recurrent_kernel", (3, 3, 2, 8)),
        ("conv_lstm2d/conv_lstm_cell/bias", (8,))]
    close(layer.cell.bias, np.r_[np.zeros(2), np.ones(2), np.zeros(4)])  # unit_forget_bias
    assert layer.filters == 2 and layer.kernel_size == (3, 3) and layer.padding == "valid"


def test_argument_errors_as_keras():
    with pytest.raises(ValueError, match=r"`strides > 1` is not compatible with `dilation_rate"):
        keras.layers.ConvLSTM1D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match=r"one of \{'same', 'valid'\}. Received: causal"):
        keras.layers.ConvLSTM1D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="only support static input shapes for the spatial"):
        keras.layers.ConvLSTM2D(2, 3)(keras.Input((3, None, 4, 2)))


def test_model_fit_save_and_load(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3, 5, 5, 1)).astype("float32")
    y = rng.normal(size=(4, 1)).astype("float32")
    model = keras.Sequential([keras.Input((3, 5, 5, 1)),
                              keras.layers.ConvLSTM2D(2, 3, dropout=0.2, recurrent_dropout=0.2),
                              keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    before = [w.copy() for w in model.get_weights()]
    hist = model.fit(x, y, batch_size=2, epochs=2, verbose=0)
    assert np.all(np.isfinite(hist.history["loss"]))
    assert not np.allclose(before[0], model.get_weights()[0])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    close(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
