"""stateful=True recurrent layers against Keras 3.15's numbers over consecutive calls (same
weights; fixtures/make_rnn_more_reference.py wrote them), and their reset."""

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


def flat(values):
    out = []
    for v in values:
        out.extend(v if isinstance(v, list | tuple) else [v])
    return out


DIRECT = {
    "st_lstm": lambda: keras.layers.LSTM(3, stateful=True, return_state=True),
    "st_gru_seq": lambda: keras.layers.GRU(3, stateful=True, return_sequences=True),
    "st_rnn_cell": lambda: keras.layers.RNN(keras.layers.LSTMCell(2), stateful=True),
    "st_bi": lambda: keras.layers.Bidirectional(keras.layers.SimpleRNN(2, stateful=True)),
    "st_mask": lambda: keras.layers.SimpleRNN(3, stateful=True, return_sequences=True),
}


@pytest.mark.parametrize("name", sorted(DIRECT))
def test_consecutive_calls_match_keras(name):
    layer = DIRECT[name]()
    layer.build((2, 4, 2))
    layer.set_weights(series(name, "w"))
    x1, x2 = series(name, "x")
    kw = {"mask": MASK} if name == "st_mask" else {}
    got = flat([layer(x1, **kw), layer(x2, **kw)])
    want = series(name, "y")
    assert len(got) == len(want)
    for g, w in zip(got, want):
        close(g, w)
    states = layer.states
    assert len(states) == len(series(name, "s"))
    for s, w in zip(states, series(name, "s")):
        close(s, w)
    # After a reset the next call is the first one again.
    layer.reset_states()
    assert all(not np.any(s.numpy()) for s in layer.states)
    first = flat([layer(x1, **kw)])
    for g, w in zip(first, want):
        close(g, w)


def test_state_variables_are_untracked_and_named_as_keras():
    keras.backend.clear_session()
    inp = keras.Input(batch_shape=(2, 4, 2))
    layer = keras.layers.LSTM(3, stateful=True)
    model = keras.Model(inp, layer(inp))
    assert [v.path for v in layer.states] == ["lstm/rnn_state", "lstm/rnn_state"]
    assert [tuple(v.shape) for v in layer.states] == [(2, 3), (2, 3)]
    assert not any(v.trainable for v in layer.states)
    assert len(model.weights) == 3 and layer.non_trainable_weights == []
    assert keras.layers.LSTM(3).states is None
    bi = keras.layers.Bidirectional(keras.layers.GRU(2, stateful=True))
    assert bi.stateful and bi.states is None
    bi(REF["st_lstm_x0"])
    assert len(bi.states) == 2
    with pytest.raises(AttributeError, match="Layer must be stateful"):
        keras.layers.Bidirectional(keras.layers.GRU(2)).reset_state()


def test_batch_size_errors():
    with pytest.raises(ValueError, match=r"the batch size must be static. Found dynamic batch "
                                         r"size: sequence.shape=\(None, 4, 2\)"):
        keras.layers.LSTM(3, stateful=True)(keras.Input((4, 2)))
    layer = keras.layers.GRU(2, stateful=True)
    layer(np.zeros((2, 4, 2), "float32"))
    with pytest.raises(ValueError, match="- Expected batch size: 2\n- Received batch size: 3"):
        layer(np.zeros((3, 4, 2), "float32"))


def test_predict_carries_state_across_batches_and_calls():
    model = keras.Sequential([keras.Input((3, 2), batch_size=2),
                              keras.layers.GRU(2, stateful=True, return_sequences=True)])
    model.set_weights(series("st_predict", "w"))
    (x,) = series("st_predict", "x")
    want = series("st_predict", "y")
    close(model.predict(x, batch_size=2, verbose=0), want[0])
    close(model.predict(x[:2], batch_size=2, verbose=0), want[1])
    close(model.layers[0].states[0], series("st_predict", "s")[0])
    model.layers[0].reset_state()
    close(model.predict(x, batch_size=2, verbose=0), want[0])


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_fit_matches_keras(run_eagerly):
    model = keras.Sequential([keras.Input((3, 2), batch_size=2),
                              keras.layers.LSTM(3, stateful=True), keras.layers.Dense(1)])
    model.set_weights(series("st_fit", "w"))
    x, y = series("st_fit", "x")
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", run_eagerly=run_eagerly)
    hist = model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    close(hist.history["loss"], REF["st_fit_loss"], 1e-5)
    for g, w in zip(model.get_weights(), series("st_fit", "y")):
        close(g, w, 1e-5)
    for g, w in zip(model.layers[0].states, series("st_fit", "s")):
        close(g, w, 1e-5)


def test_saved_model_has_no_state_and_config_round_trips(tmp_path):
    model = keras.Sequential([keras.Input((3, 2), batch_size=2),
                              keras.layers.SimpleRNN(2, stateful=True)])
    model(np.ones((2, 3, 2), "float32"))
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    layer = loaded.layers[0]
    assert layer.stateful and layer.get_config()["stateful"]
    assert not np.any(layer.states[0].numpy())  # states are not saved, as in Keras
    close(loaded.get_weights()[0], model.get_weights()[0])
    # A tf.train.Checkpoint records them under `states`, as TensorFlow's does.
    prefix = tf.train.Checkpoint(model=model).write(str(tmp_path / "ckpt"))
    names = [n for n, _ in tf.train.list_variables(prefix)]
    assert "model/_layers/1/states/0/.ATTRIBUTES/VARIABLE_VALUE" in names
