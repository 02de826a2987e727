"""The layer cases of test_layers_more.py, shared with fixtures/make_layers_more_reference.py
(which computes Keras's outputs for them). No Keras or Tessera import: callers pass theirs."""

import numpy as np


def values(shape, seed):
    """Exact, platform-independent test values in [-0.9, 0.9]: inputs and weights."""
    n = int(np.prod(shape))
    return (((np.arange(n) * 7 + seed * 13) % 19 - 9) / 10).reshape(shape).astype("float32")


def run(layer, shape, seed=0, **call):
    """``layer`` built on ``values(shape, seed)`` with weights from the following seeds."""
    x = values(shape, seed)
    layer.build(x.shape)
    layer.set_weights([values(w.shape, seed + i + 1) for i, w in enumerate(layer.weights)])
    return layer(x, **call)


def cases(L):
    """name -> a function computing that case's output with the layers module ``L``."""
    return {
        "conv3d": lambda: run(L.Conv3D(2, (2, 3, 2), strides=(1, 2, 1), padding="same",
                                       activation="relu"), (2, 3, 5, 4, 3)),
        "conv3d_dilated": lambda: run(L.Conv3D(2, 2, dilation_rate=2), (1, 4, 5, 4, 2), 1),
        "conv1d_transpose": lambda: run(L.Conv1DTranspose(3, 3, strides=2, padding="same"),
                                        (2, 5, 2), 2),
        "conv1d_transpose_op": lambda: run(L.Conv1DTranspose(2, 4, strides=3, output_padding=1),
                                           (2, 4, 2), 3),
        "conv2d_transpose_op": lambda: run(L.Conv2DTranspose(2, 3, strides=2, padding="same",
                                                             output_padding=1), (1, 3, 4, 2), 4),
        "conv2d_transpose_dilated": lambda: run(L.Conv2DTranspose(2, 3, dilation_rate=2),
                                                (1, 3, 3, 2), 5),
        "conv3d_transpose": lambda: run(L.Conv3DTranspose(2, (2, 3, 2), strides=(2, 1, 2)),
                                        (1, 2, 3, 2, 3), 6),
        "conv3d_transpose_same": lambda: run(L.Conv3DTranspose(2, 3, strides=2, padding="same"),
                                             (1, 2, 2, 3, 2), 7),
        "separable_conv1d": lambda: run(L.SeparableConv1D(3, 3, depth_multiplier=2, padding="same",
                                                          dilation_rate=2), (2, 7, 2), 8),
        "separable_conv2d": lambda: run(L.SeparableConv2D(4, 3, strides=2, depth_multiplier=2,
                                                          padding="same", activation="tanh"),
                                        (2, 5, 5, 3), 9),
        "depthwise_conv1d": lambda: run(L.DepthwiseConv1D(3, depth_multiplier=2, padding="same"),
                                        (2, 6, 3), 10),
        "depthwise_conv1d_strided": lambda: run(L.DepthwiseConv1D(2, strides=2), (1, 7, 2), 11),
        "max_pooling3d": lambda: run(L.MaxPooling3D((2, 2, 1), padding="same"), (2, 3, 4, 3, 2), 12),
        "average_pooling3d": lambda: run(L.AveragePooling3D(2, strides=1), (1, 3, 3, 3, 2), 13),
        "average_pooling3d_same": lambda: run(L.AveragePooling3D(2, padding="same"),
                                              (1, 3, 3, 3, 2), 14),
        "global_max_pooling3d": lambda: run(L.GlobalMaxPooling3D(), (2, 2, 3, 2, 3), 15),
        "global_average_pooling3d": lambda: run(L.GlobalAveragePooling3D(keepdims=True),
                                                (2, 2, 3, 2, 3), 16),
        "group_normalization": lambda: run(L.GroupNormalization(groups=2), (2, 3, 2, 4), 17),
        "group_normalization_axis1": lambda: run(L.GroupNormalization(groups=3, axis=1),
                                                 (2, 6, 3), 18),
        "unit_normalization": lambda: run(L.UnitNormalization(axis=[1, 2]), (2, 3, 4), 19),
        "time_distributed_conv": lambda: run(L.TimeDistributed(L.Conv2D(2, 2)), (2, 3, 3, 3, 2), 20),
        "cropping3d": lambda: run(L.Cropping3D(((1, 0), (0, 2), 1)), (1, 3, 4, 4, 2), 21),
        "cropping1d": lambda: run(L.Cropping1D((2, 1)), (2, 5, 2), 22),
        "up_sampling3d": lambda: run(L.UpSampling3D((1, 2, 3)), (1, 2, 2, 2, 1), 23),
        "up_sampling1d": lambda: run(L.UpSampling1D(3), (1, 2, 2), 24),
        "up_sampling2d_bilinear": lambda: run(L.UpSampling2D((2, 3), interpolation="bilinear"),
                                              (2, 3, 4, 2), 25),
        "up_sampling2d_bicubic": lambda: run(L.UpSampling2D(2, interpolation="bicubic"),
                                             (1, 3, 3, 2), 26),
        "up_sampling2d_area": lambda: run(L.UpSampling2D((3, 2), interpolation="area"),
                                          (1, 2, 3, 1), 27),
        "up_sampling2d_lanczos3_cf": lambda: run(L.UpSampling2D(
            (2, 2), data_format="channels_first", interpolation="lanczos3"), (1, 2, 3, 4), 28),
        "up_sampling2d_nearest_cf": lambda: run(L.UpSampling2D(
            (1, 2), data_format="channels_first"), (1, 2, 2, 3), 29),
        "zero_padding3d": lambda: run(L.ZeroPadding3D((1, (0, 2), 1)), (1, 2, 1, 2, 1), 25),
    }


def masked_time_distributed(keras):
    """Masking -> TimeDistributed(Dense) -> GRU on inputs with masked steps: the GRU's output."""
    L = keras.layers
    inp = keras.Input((4, 3))
    h = L.Masking(0.0)(inp)
    h = L.TimeDistributed(L.Dense(3, activation="tanh"))(h)
    m = keras.Model(inp, L.GRU(2)(h))
    m.set_weights([values(w.shape, 30 + i) for i, w in enumerate(m.weights)])
    x = values((2, 4, 3), 29)
    x[0, 2:] = 0.0
    x[1, 1] = 0.0
    return m(x)
