"""SimpleRNN, LSTM, GRU and Bidirectional against TensorFlow's numbers with the same weights
(fixtures/make_rnn_reference.py wrote them)."""

from pathlib import Path

import numpy as np
import pytest

import tessera as tf

keras = tf.keras
REF = np.load(Path(__file__).parent / "fixtures" / "rnn_reference.npz", allow_pickle=False)
X, MASK = REF["x"], REF["mask"]


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


def weights(name):
    out, i = [], 0
    while f"{name}_w{i}" in REF:
        out.append(REF[f"{name}_w{i}"])
        i += 1
    return out


def expected(name):
    out, i = [], 0
    while f"{name}_y{i}" in REF:
        out.append(REF[f"{name}_y{i}"])
        i += 1
    return out


def check(name, layer, **kwargs):
    layer.build(X.shape)
    layer.set_weights(weights(name))
    got = layer(X, **kwargs)
    got = got if isinstance(got, list | tuple) else [got]
    want = expected(name)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        close(g, w)


CASES = {
    "lstm_all": (lambda: keras.layers.LSTM(3, return_sequences=True, return_state=True,
                                           go_backwards=True), False),
    "gru_all": (lambda: keras.layers.GRU(3, return_sequences=True, return_state=True), False),
    "gru_before": (lambda: keras.layers.GRU(3, reset_after=False, go_backwards=True), False),
    "rnn_mask_seq": (lambda: keras.layers.SimpleRNN(3, return_sequences=True), True),
    "lstm_mask": (lambda: keras.layers.LSTM(3), True),
    "bi_sum": (lambda: keras.layers.Bidirectional(
        keras.layers.LSTM(2, return_sequences=True), merge_mode="sum"), False),
    "bi_state": (lambda: keras.layers.Bidirectional(
        keras.layers.GRU(2, return_state=True)), False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_tensorflow(name):
    make, masked = CASES[name]
    check(name, make(), **({"mask": MASK} if masked else {}))


def test_initial_state():
    check("lstm_init", keras.layers.LSTM(3), initial_state=[REF["h0"], REF["c0"]])


def test_gradients_through_time():
    gru = keras.layers.GRU(3, return_sequences=True)
    gru.build(X.shape)
    gru.set_weights(weights("grad"))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(gru(X) ** 2)
    for g, w in zip(tape.gradient(loss, gru.weights), expected("grad")):
        close(g, w, 1e-4)


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_fit_matches_tensorflow(run_eagerly):
    model = keras.Sequential([keras.Input((4, 2)), keras.layers.LSTM(3), keras.layers.Dense(1)])
    model.set_weights(weights("fit"))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", run_eagerly=run_eagerly)
    hist = model.fit(REF["fit_x"], REF["fit_y"], batch_size=4, epochs=2, shuffle=False,
                     verbose=0)
    close(hist.history["loss"], REF["fit_loss"], 1e-5)
    for g, w in zip(model.get_weights(), expected("fit_final")):
        close(g, w, 1e-5)


def test_functional_shapes_paths_and_config():
    keras.backend.clear_session()
    inp = keras.Input((5, 3))
    seq, h, c = keras.layers.LSTM(4, return_sequences=True, return_state=True)(inp)
    assert seq.shape == (None, 5, 4) and h.shape == (None, 4) and c.shape == (None, 4)
    bi = keras.layers.Bidirectional(keras.layers.GRU(2))(seq)
    assert bi.shape == (None, 4)
    model = keras.Model(inp, [bi, h])
    assert [w.path for w in model.layers[1].weights] == [
        "lstm/lstm_cell/kernel", "lstm/lstm_cell/recurrent_kernel", "lstm/lstm_cell/bias"]
    assert model.layers[2].weights[0].path == "bidirectional/forward_gru/gru_cell/kernel"
    config = model.layers[1].get_config()
    assert config["units"] == 4 and config["unit_forget_bias"] and config["return_state"]
    lstm = keras.layers.LSTM.from_config(config)
    assert lstm.units == 4 and lstm.return_sequences
    bias = model.layers[1].cell.bias.numpy()
    close(bias, np.r_[np.zeros(4), np.ones(4), np.zeros(8)])  # unit_forget_bias
    clone = keras.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    xs = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    for got, want in zip(clone(xs), model(xs)):
        close(got, want)


def test_dropout_only_in_training():
    layer = keras.layers.GRU(3, dropout=0.5, recurrent_dropout=0.5)
    a = layer(X)
    close(layer(X), a)
    assert not np.allclose(layer(X, training=True).numpy(), a.numpy())


def test_unknown_sequence_length_in_the_model():
    # Each call (and each traced step) sees concrete lengths, so the loop still unrolls.
    m = keras.Sequential([keras.Input((None, 3)), keras.layers.SimpleRNN(2)])
    assert m.output_shape == (None, 2)
    assert m.predict(np.ones((2, 5, 3)), verbose=0).shape == (2, 2)
    assert m.predict(np.ones((2, 7, 3)), verbose=0).shape == (2, 2)
