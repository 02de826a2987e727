"""Layers, losses, optimizers and a whole fit, against TensorFlow's numbers (same weights)."""

import _tf_reference as ref
import numpy as np
import pytest

import tessera as tf

keras = tf.keras


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


def test_dense():
    d = keras.layers.Dense(3, activation="tanh")
    d.build(ref.dense_x.shape)
    d.set_weights([ref.dense_k, ref.dense_b])
    close(d(ref.dense_x), ref.dense)


def test_conv2d_same_strided_relu():
    c = keras.layers.Conv2D(2, 3, padding="same", strides=2, activation="relu")
    c.build(ref.x.shape)
    c.set_weights([ref.conv_k, ref.conv_b])
    close(c(ref.x), ref.conv)


def test_pooling():
    close(keras.layers.MaxPooling2D()(ref.x), ref.maxpool)
    close(keras.layers.AveragePooling2D(3, strides=2, padding="same")(ref.x), ref.avgpool_same)


def test_batch_normalization_training_updates_moving_stats():
    bn = keras.layers.BatchNormalization()
    close(bn(ref.x, training=True), ref.bn_train, 1e-4)
    close(bn.moving_mean, ref.bn_mm)
    close(bn.moving_variance, ref.bn_mv)


def test_layer_normalization():
    close(keras.layers.LayerNormalization()(ref.x), ref.ln, 1e-4)


@pytest.mark.parametrize("name,make", [
    ("sgd", lambda: keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True)),
    ("adam", lambda: keras.optimizers.Adam(0.01)),
    ("adamw", lambda: keras.optimizers.AdamW(0.01)),
    ("rmsprop", lambda: keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True)),
])
def test_optimizer_updates(name, make):
    opt = make()
    v = tf.Variable([[1.0, -2.0], [0.5, 3.0]])
    for i in range(3):
        g = tf.constant([[0.1, -0.2], [0.3, 0.05]]) * float(i + 1)
        opt.apply_gradients([(g, v)])
    close(v, getattr(ref, f"opt_{name}"), 1e-5)
    assert int(opt.iterations.numpy()) == 3


def test_losses():
    yt = np.array([0, 2, 1])
    close(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(yt, ref.logits),
          ref.scce_logits)
    close(keras.losses.SparseCategoricalCrossentropy()(yt, ref.probs), ref.scce)
    close(keras.losses.CategoricalCrossentropy()(np.eye(3)[yt], ref.probs), ref.cce)
    yb = np.array([[1.0], [0.0], [1.0]])
    pb = np.array([[0.8], [0.3], [0.4]], "float32")
    close(keras.losses.BinaryCrossentropy()(yb, pb), ref.bce)
    close(keras.losses.MeanSquaredError()(yb, pb), ref.mse)


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_fit_matches_tensorflow(run_eagerly):
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                          keras.layers.Dense(1)])
    m.set_weights([ref.fit_w0, ref.fit_w1, ref.fit_w2, ref.fit_w3])
    m.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"],
              run_eagerly=run_eagerly)
    h = m.fit(ref.fit_x, ref.fit_y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    close(h.history["loss"], ref.fit_loss)
    close(h.history["mae"], ref.fit_mae)
    close(m.get_weights()[0], ref.fit_final)
