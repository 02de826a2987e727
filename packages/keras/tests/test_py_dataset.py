"""keras.utils.PyDataset / Sequence in fit, evaluate and predict (order of calls as Keras 3.15:
on_epoch_begin, the batches — in shuffled order in fit — then on_epoch_end, before the
callbacks' on_epoch_end)."""

import warnings

import numpy as np
import pytest

import tessera_keras as keras


class Batches(keras.utils.PyDataset):
    def __init__(self, calls, n=4, weights=False, **kwargs):
        super().__init__(**kwargs)
        self.calls, self.n, self.weights = calls, n, weights

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.calls.append(("get", i))
        x = np.full((2, 3), i, "float32")
        y = x.sum(1, keepdims=True)
        return (x, y, np.array([1.0, 0.0], "float32")) if self.weights else (x, y)

    def on_epoch_begin(self):
        self.calls.append("begin")

    def on_epoch_end(self):
        self.calls.append("end")


def _model():
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    m.compile("sgd", "mse")
    return m


def test_alias_and_args():
    assert keras.utils.Sequence is keras.utils.PyDataset
    d = Batches([], workers=3, use_multiprocessing=True, max_queue_size=5)
    assert (d.workers, d.use_multiprocessing, d.max_queue_size) == (3, True, 5)
    assert d.num_batches == 4
    assert [int(b[0][0, 0]) for b in d] == [0, 1, 2, 3]


def test_warns_without_super_init():
    class NoSuper(keras.utils.PyDataset):
        def __init__(self):
            pass

        def __len__(self):
            return 1

    with pytest.warns(UserWarning, match=r"should call `super\(\).__init__"):
        assert NoSuper().workers == 1


def test_fit_order_and_shuffle():
    calls, val_calls = [], []

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            calls.append(("cb_end", epoch))

    m = _model()
    hist = m.fit(Batches(calls), epochs=2, verbose=0, validation_data=Batches(val_calls),
                 callbacks=[Record()])
    assert sorted(hist.history) == ["loss", "val_loss"]
    assert len(hist.history["loss"]) == 2
    for epoch, part in enumerate([calls[:7], calls[7:]]):
        assert part[0] == "begin" and part[5] == "end" and part[6] == ("cb_end", epoch)
        assert sorted(i for _, i in part[1:5]) == [0, 1, 2, 3]
    # validation data is read in order, once per epoch
    assert val_calls == (["begin"] + [("get", i) for i in range(4)] + ["end"]) * 2


def test_fit_shuffles_batch_order():
    calls = []
    _model().fit(Batches(calls, n=12), epochs=3, verbose=0)
    orders = [[c[1] for c in calls if c != "begin" and c != "end"][k * 12:(k + 1) * 12]
              for k in range(3)]
    assert all(sorted(o) == list(range(12)) for o in orders)
    assert any(o != list(range(12)) for o in orders)  # 1 in 479001600**3 to fail by chance


def test_unshuffled_evaluate_predict_steps():
    calls = []
    m = _model()
    m.fit(Batches(calls), epochs=1, verbose=0, shuffle=False)
    assert calls == ["begin"] + [("get", i) for i in range(4)] + ["end"]
    calls.clear()
    loss = m.evaluate(Batches(calls), verbose=0)
    assert calls == ["begin"] + [("get", i) for i in range(4)] + ["end"]
    x = np.repeat(np.arange(4, dtype="float32"), 2)[:, None] * np.ones((1, 3), "float32")
    np.testing.assert_allclose(loss, m.evaluate(x, x.sum(1, keepdims=True), verbose=0,
                                                batch_size=2), rtol=1e-5)
    calls.clear()
    pred = m.predict(Batches(calls), verbose=0)
    np.testing.assert_allclose(pred, m.predict(x, verbose=0), rtol=1e-5)
    calls.clear()
    m.fit(Batches(calls), epochs=2, steps_per_epoch=2, verbose=0, shuffle=False)
    assert calls == ["begin", ("get", 0), ("get", 1), "end"] * 2


def test_sample_weights_and_class_weight():
    m = _model()
    m.fit(Batches([], weights=True), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="`class_weight` and `sample_weight`"):
        m.fit(Batches([], weights=True), class_weight={0: 1.0}, verbose=0)
    # A class weight of 0 for every label: the loss (and so the weights) does not change.
    before = [w.copy() for w in m.get_weights()]
    m.fit(Batches([]), class_weight={i: 0.0 for i in range(20)}, verbose=0)
    for a, b in zip(before, m.get_weights(), strict=True):
        np.testing.assert_allclose(a, b)


def test_errors():
    m = _model()
    with pytest.raises(ValueError, match="When providing `x` as a PyDataset, `y` should not"):
        m.fit(Batches([]), np.zeros(3), verbose=0)
    with pytest.raises(ValueError, match="`validation_split` is only supported for tensors"):
        m.fit(Batches([]), validation_split=0.5, verbose=0)

    class Bad(keras.utils.PyDataset):
        def __len__(self):
            return 1

        def __getitem__(self, i):
            return 5

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="must return a tuple or a dict"):
            m.fit(Bad(), verbose=0)
