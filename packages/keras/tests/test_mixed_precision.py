"""keras.mixed_precision: dtype policies, autocasting layers, LossScaleOptimizer and training.
Reference values were recorded from TensorFlow 2.21 / Keras 3.15."""

import numpy as np
import pytest

import tessera as tf

keras = tf.keras
L = keras.layers
mp = keras.mixed_precision


@pytest.fixture(autouse=True)
def _reset_policy():
    yield
    mp.set_global_policy("float32")


MIXED = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "mixed_float16"},
         "registered_name": None}


# -- policies --------------------------------------------------------------------------------
@pytest.mark.parametrize("name,compute,variable", [
    ("float32", "float32", "float32"), ("float16", "float16", "float16"),
    ("bfloat16", "bfloat16", "bfloat16"), ("float64", "float64", "float64"),
    ("mixed_float16", "float16", "float32"), ("mixed_bfloat16", "bfloat16", "float32"),
    ("int32", "int32", "int32")])
def test_policy_dtypes(name, compute, variable):
    p = mp.Policy(name)
    assert (p.name, p.compute_dtype, p.variable_dtype) == (name, compute, variable)
    assert repr(p) == f'<DTypePolicy "{name}">'
    assert p.get_config() == {"name": name}
    assert mp.Policy.from_config(p.get_config()) == p


def test_policy_names_and_errors():
    assert mp.Policy is mp.DTypePolicy is keras.DTypePolicy
    assert mp.global_policy is mp.dtype_policy and mp.set_global_policy is mp.set_dtype_policy
    for bad in ("mixed_float32", "foo"):
        with pytest.raises(ValueError, match=f"^Cannot convert '{bad}' to a mixed precision "
                           "DTypePolicy. Valid policies include 'mixed_float16', "
                           "'mixed_bfloat16', and the name of any float dtype such as "
                           "'float32'.$"):
            mp.Policy(bad)
    with pytest.raises(TypeError, match=r"^'name' must be a string, such as 'mixed_float16'. "
                       r"Received: name=3 \(of type <class 'int'>\)$"):
        mp.Policy(3)
    with pytest.raises(ValueError, match=r"^Invalid `policy` argument. Expected the string name "
                       r"of a policy \(such as 'mixed_float16'\) or a `DTypePolicy` instance. "
                       r"Received: policy=3"):
        mp.set_global_policy(3)
    with pytest.raises(ValueError, match=r"^Cannot interpret `dtype` argument. Expected a string"
                       r" or an instance of DTypePolicy. Received: dtype=3.5$"):
        keras.dtype_policies.get(3.5)
    assert mp.Policy("mixed_float16") == mp.Policy("mixed_float16")
    assert mp.Policy("float32") != "float32"


def test_global_policy():
    assert repr(mp.global_policy()) == '<DTypePolicy "float32">'
    assert mp.Policy(None).name == "float32"
    mp.set_global_policy("mixed_float16")
    assert repr(mp.dtype_policy()) == '<DTypePolicy "mixed_float16">'
    assert mp.Policy(None).name == "mixed_float16"
    mp.set_global_policy(mp.Policy("mixed_bfloat16"))
    assert mp.global_policy().compute_dtype == "bfloat16"
    assert keras.dtype_policies.get(
        {"class_name": "DTypePolicy", "config": {"name": "float64"}}).name == "float64"
    assert keras.dtype_policies.serialize(mp.Policy("mixed_float16")) == MIXED


# -- layers ----------------------------------------------------------------------------------
def _cases():
    rng = np.random.default_rng(0)
    x2 = rng.random((2, 4)).astype("float32")
    x3 = rng.random((2, 6, 4)).astype("float32")
    x4 = rng.random((2, 5, 5, 3)).astype("float32")
    return [
        ("Dense", lambda: L.Dense(3), x2, True), ("Conv2D", lambda: L.Conv2D(2, 3), x4, True),
        ("BatchNormalization", L.BatchNormalization, x4, True),
        ("LayerNormalization", L.LayerNormalization, x3, True),
        ("GroupNormalization", lambda: L.GroupNormalization(groups=1), x4, True),
        ("Embedding", lambda: L.Embedding(10, 3), np.array([[1, 2]]), True),
        ("LSTM", lambda: L.LSTM(3), x3, True), ("GRU", lambda: L.GRU(3), x3, True),
        ("SimpleRNN", lambda: L.SimpleRNN(3), x3, True),
        ("Conv1D", lambda: L.Conv1D(2, 2), x3, True),
        ("DepthwiseConv2D", lambda: L.DepthwiseConv2D(2), x4, True),
        ("EinsumDense", lambda: L.EinsumDense("ab,bc->ac", output_shape=3), x2, True),
        ("Softmax", L.Softmax, x2, False), ("Dropout", lambda: L.Dropout(0.5), x2, False),
        ("UnitNormalization", L.UnitNormalization, x2, False),
        ("GlobalAveragePooling2D", L.GlobalAveragePooling2D, x4, False)]


@pytest.mark.parametrize("policy,compute", [("mixed_float16", "float16"),
                                            ("mixed_bfloat16", "bfloat16")])
def test_layer_output_and_variable_dtypes(policy, compute):
    # Keras 3.15: every one of these outputs the compute dtype, keeps float32 variables.
    mp.set_global_policy(policy)
    for name, make, x, has_weights in _cases():
        layer = make()
        y = layer(x, training=True)
        assert y.dtype.name == compute, name
        assert np.all(np.isfinite(np.asarray(y.numpy(), "float32"))), name
        assert {w.dtype.name for w in layer.weights} == ({"float32"} if has_weights else set())
        assert layer.dtype == "float32" and layer.compute_dtype == compute
    mha = L.MultiHeadAttention(2, 2)
    x = _cases()[1][2][:, :, 0, :]
    assert mha(x, x).dtype.name == compute
    assert {w.dtype.name for w in mha.weights} == {"float32"}


def test_mixed_layer_values_match_keras():
    mp.set_global_policy("mixed_float16")
    xb = np.arange(12, dtype="float32").reshape(4, 3) * 100.0
    bn = L.BatchNormalization(momentum=0.5)
    out = bn(xb, training=True)
    # Statistics in float32, as Keras: float16 would overflow the variance here.
    np.testing.assert_allclose(out.numpy().astype("float32"), np.array(
        [[-1.341796875] * 3, [-0.447265625] * 3, [0.447265625] * 3, [1.341796875] * 3]),
        rtol=1e-3)
    np.testing.assert_allclose(bn.moving_mean.numpy(), [225.0, 275.0, 325.0], rtol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), [56250.5] * 3, rtol=1e-6)
    ln = L.LayerNormalization()(xb)
    assert ln.dtype.name == "float16"
    np.testing.assert_allclose(ln.numpy().astype("float32"),
                               [[-1.224609375, 0.0, 1.224609375]] * 4, rtol=1e-3)
    d = L.Dense(2, kernel_initializer=keras.initializers.Constant(0.1),
                bias_initializer=keras.initializers.Constant(0.5))
    np.testing.assert_allclose(d(np.array([[1.0, 2.0, 3.0]], "float32")).numpy(),
                               [[1.099609375, 1.099609375]], rtol=1e-3)
    e = L.Embedding(5, 2, embeddings_initializer=keras.initializers.Constant(0.3))
    out = e(np.array([[1, 4]]))
    assert out.dtype.name == "float16" and e.embeddings.dtype.name == "float32"
    np.testing.assert_allclose(out.numpy(), [[[0.300048828125] * 2] * 2])
    lstm = L.LSTM(2, kernel_initializer="ones", recurrent_initializer="ones")
    out = lstm(np.ones((1, 3, 2), "float32") * 0.1)
    assert out.dtype.name == "float16"
    np.testing.assert_allclose(out.numpy().astype("float32"), [[0.288818359375] * 2], rtol=2e-3)


def test_float32_layer_inside_mixed_model_and_config():
    mp.set_global_policy("mixed_float16")
    dense = L.Dense(3)
    y = dense(np.ones((2, 4), "float32"))
    assert y.dtype.name == "float16" and dense.kernel.dtype.name == "float32"
    assert repr(dense.dtype_policy) == '<DTypePolicy "mixed_float16">'
    assert dense.get_config()["dtype"] == MIXED
    act = L.Activation("softmax", dtype="float32")
    assert act(y).dtype.name == "float32"
    assert act.get_config()["dtype"]["config"] == {"name": "float32"}
    mp.set_global_policy("float32")
    clone = L.Dense.from_config(dense.get_config())
    assert clone.dtype_policy.name == "mixed_float16"
    assert L.Dense(2, dtype=mp.Policy("mixed_bfloat16")).compute_dtype == "bfloat16"
    assert L.Dense(2, dtype=MIXED).compute_dtype == "float16"
    assert L.Dense(2).get_config()["dtype"]["config"] == {"name": "float32"}


def test_autocast_off_and_non_float_variables_left_alone():
    class Probe(L.Layer):
        def build(self, shape):
            self.w = self.add_weight(shape=(2,), initializer="ones")
            self.raw = self.add_weight(shape=(2,), initializer="ones", autocast=False)
            self.count = self.add_weight(shape=(), dtype="int32", initializer="zeros")

        def call(self, x):
            self.seen = (x.dtype.name, tf.convert_to_tensor(self.w).dtype.name,
                         tf.convert_to_tensor(self.raw).dtype.name,
                         tf.convert_to_tensor(self.count).dtype.name)
            return x

    p = Probe(dtype="mixed_float16")
    p(np.ones((1, 2), "float32"))
    assert p.seen == ("float16", "float16", "float32", "int32")
    # Keras 3.15: autocast=False leaves inputs alone; its variables are still read in float16
    # at the top level, but not inside another mixed layer's call (AutocastScope(None)).
    q = Probe(dtype="mixed_float16", autocast=False)
    q(np.ones((1, 2), "float32"))
    assert q.seen == ("float32", "float16", "float32", "int32")

    class Outer(L.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = Probe(dtype="mixed_float16", autocast=False)

        def call(self, x):
            return self.inner(x)

    outer = Outer(dtype="mixed_float16")
    outer(np.ones((1, 2), "float32"))
    assert outer.inner.seen == ("float16", "float32", "float32", "int32")
    # Outside call the variable reads as stored.
    assert tf.convert_to_tensor(p.w).dtype.name == "float32"


def test_gradients_reach_float32_variables():
    mp.set_global_policy("mixed_float16")
    d = L.Dense(2)
    x = tf.constant(np.ones((3, 4), "float32"))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.cast(d(x), "float32"))
    grads = tape.gradient(loss, d.trainable_weights)
    assert [g.dtype.name for g in grads] == ["float32", "float32"]
    np.testing.assert_allclose(grads[0].numpy(), np.full((4, 2), 3.0))


# -- LossScaleOptimizer ----------------------------------------------------------------------
def test_loss_scale_optimizer_steps_match_keras():
    v = tf.Variable(np.array([1.0, 2.0], "float32"))
    opt = mp.LossScaleOptimizer(keras.optimizers.SGD(0.1), initial_scale=8.0,
                                dynamic_growth_steps=2)
    assert opt.name == "loss_scale_optimizer"
    assert float(opt.scale_loss(tf.constant(1.5))) == 12.0
    # (gradient, variable after, scale, step_counter, iterations) from Keras 3.15.
    expected = [([8.0, 16.0], [0.9, 1.8], 8.0, 1, 1), ([np.inf, 1.0], [0.9, 1.8], 4.0, 0, 1),
                ([4.0, 4.0], [0.8, 1.7], 4.0, 1, 2), ([np.nan, 0.0], [0.8, 1.7], 2.0, 0, 2),
                ([2.0, 2.0], [0.7, 1.6], 2.0, 1, 3), ([2.0, 2.0], [0.6, 1.5], 4.0, 0, 4),
                ([2.0, 2.0], [0.55, 1.45], 4.0, 1, 5)]
    for grad, value, scale, counter, iterations in expected:
        opt.apply_gradients([(tf.constant(np.array(grad, "float32")), v)])
        np.testing.assert_allclose(v.numpy(), value, rtol=1e-6)
        assert float(opt.dynamic_scale.numpy()) == scale
        assert int(opt.step_counter.numpy()) == counter
        assert int(opt.iterations.numpy()) == iterations
    names = [x.name.split(":")[0] for x in opt.variables]
    assert names[2:] == ["loss_scale_optimizer/step_counter",
                         "loss_scale_optimizer/dynamic_scale", "iteration", "learning_rate"]
    assert opt.learning_rate is opt.inner_optimizer.learning_rate


def test_loss_scale_optimizer_errors_and_config():
    sgd = keras.optimizers.SGD
    with pytest.raises(ValueError, match=r"^LossScaleOptimizer no longer supports "
                       r"`dynamic=False`. Instead, simply set `loss_scale_factor` directly on "
                       r"the `inner_optimizer`.$"):
        mp.LossScaleOptimizer(sgd(), dynamic=False)
    with pytest.raises(ValueError, match=r"^LossScaleOptimizer does not support `clipnorm`. "
                       r"Instead, set `clipnorm` on the `inner_optimizer`.$"):
        mp.LossScaleOptimizer(sgd(), clipnorm=1.0)
    with pytest.raises(ValueError, match=r"^LossScaleOptimizer does not support arguments: "
                       r"`foo`.$"):
        mp.LossScaleOptimizer(sgd(), foo=1.0)
    opt = mp.LossScaleOptimizer(sgd(0.1), initial_scale=8.0, dynamic_growth_steps=2)
    config = keras.optimizers.serialize(opt)
    assert config["class_name"] == "LossScaleOptimizer"
    assert config["config"]["initial_scale"] == 8.0
    assert config["config"]["dynamic_growth_steps"] == 2
    assert config["config"]["inner_optimizer"]["class_name"] == "SGD"
    back = keras.optimizers.deserialize(config)
    assert isinstance(back, mp.LossScaleOptimizer)
    assert isinstance(back.inner_optimizer, sgd) and back.initial_scale == 8.0
    # The base optimizer's loss_scale_factor: the train step scales, apply unscales.
    assert float(sgd(loss_scale_factor=4.0).scale_loss(tf.constant(2.0))) == 8.0
    assert float(sgd().scale_loss(tf.constant(2.0))) == 2.0


def test_compile_wraps_only_mixed_float16():
    mp.set_global_policy("mixed_float16")
    model = keras.Sequential([keras.Input((4,)), L.Dense(1)])
    model.compile("adam", "mse")
    assert isinstance(model.optimizer, mp.LossScaleOptimizer)
    assert model.optimizer.name == "loss_scale_optimizer"
    assert isinstance(model.optimizer.inner_optimizer, keras.optimizers.Adam)
    assert model.get_compile_config()["optimizer"]["class_name"] == "Adam"  # as Keras
    model.compile("adam", "mse", auto_scale_loss=False)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    mp.set_global_policy("mixed_bfloat16")
    model = keras.Sequential([keras.Input((4,)), L.Dense(1)])
    model.compile("adam", "mse")
    assert isinstance(model.optimizer, keras.optimizers.Adam)


def test_fit_skips_overflowing_steps_like_keras():
    # float16 gradients overflow until the scale is low enough; growth every 2 steps.
    mp.set_global_policy("mixed_float16")
    x = np.full((8, 4), 4.0, "float32")
    y = np.zeros((8, 1), "float32")
    model = keras.Sequential([keras.Input((4,)), L.Dense(1, kernel_initializer="ones")])
    model.compile(mp.LossScaleOptimizer(keras.optimizers.SGD(1e-4), dynamic_growth_steps=2),
                  "mse", run_eagerly=True)
    seen = []
    record = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append((
        float(model.optimizer.dynamic_scale.numpy()), int(model.optimizer.iterations.numpy()),
        int(model.optimizer.step_counter.numpy()), round(float(logs["loss"]), 2))))
    model.fit(x, y, batch_size=8, epochs=12, shuffle=False, verbose=0, callbacks=[record])
    assert seen == [(16384.0, 0, 0, 256.0), (8192.0, 0, 0, 256.0), (4096.0, 0, 0, 256.0),
                    (2048.0, 0, 0, 256.0), (1024.0, 0, 0, 256.0), (512.0, 0, 0, 256.0),
                    (256.0, 0, 0, 256.0), (256.0, 1, 1, 256.0), (512.0, 2, 0, 249.54),
                    (512.0, 3, 1, 242.92), (1024.0, 4, 0, 236.63), (512.0, 4, 0, 230.42)]
    np.testing.assert_allclose(model.layers[0].kernel.numpy().ravel(), [0.9497875] * 4,
                               rtol=1e-5)
    np.testing.assert_allclose(model.layers[0].bias.numpy(), [-0.012553126], rtol=1e-4)


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_fit_under_mixed_float16_reduces_loss(run_eagerly):
    mp.set_global_policy("mixed_float16")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 4)).astype("float32")
    y = (x.sum(1) > 0).astype("int64")
    model = keras.Sequential([keras.Input((4,)), L.Dense(16, activation="relu"),
                              L.BatchNormalization(), L.Dense(2),
                              L.Activation("softmax", dtype="float32")])
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"], run_eagerly=run_eagerly)
    history = model.fit(x, y, epochs=5, batch_size=32, verbose=0).history
    assert history["loss"][-1] < 0.6 * history["loss"][0]
    assert history["accuracy"][-1] > 0.8
    assert {w.dtype.name for w in model.weights} == {"float32"}
    assert model.predict(x[:2], verbose=0).dtype == np.float32
    assert model.layers[0](x[:2]).dtype.name == "float16"


def test_keras_file_round_trip(tmp_path):
    mp.set_global_policy("mixed_float16")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 4)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), L.Dense(8, activation="relu"), L.Dense(1),
                              L.Activation("linear", dtype="float32")])
    config = model.get_config()
    assert config["dtype"] == MIXED
    assert [layer["config"]["dtype"]["config"]["name"] for layer in config["layers"][1:]] == \
        ["mixed_float16", "mixed_float16", "float32"]
    model.compile("adam", "mse")
    model.fit(x, x.sum(1, keepdims=True), epochs=1, verbose=0)
    path = str(tmp_path / "mixed.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.layers[0].dtype_policy.name == "mixed_float16"
    assert isinstance(loaded.optimizer, mp.LossScaleOptimizer)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # Under a float32 global policy the layers keep their saved policies; the Sequential
    # itself is float32, so compile does not wrap the optimizer (as Keras 3.15).
    mp.set_global_policy("float32")
    loaded = keras.models.load_model(path)
    assert loaded.layers[0].dtype_policy.name == "mixed_float16"
    assert loaded.layers[0](x[:2]).dtype.name == "float16"
    assert loaded.dtype_policy.name == "float32"
    assert isinstance(loaded.optimizer, keras.optimizers.Adam)
    # 1, or 0 when the first float16 step overflowed and was skipped (it depends on the
    # random initial weights): either way the saved count comes back.
    assert int(loaded.optimizer.iterations.numpy()) == \
        int(model.optimizer.inner_optimizer.iterations.numpy())
    assert float(loaded.optimizer.learning_rate.numpy()) == pytest.approx(0.001)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
