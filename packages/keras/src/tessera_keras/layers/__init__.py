"""``keras.layers``."""

from tessera_keras.layers._activations import ELU, LeakyReLU, PReLU, ReLU, Softmax
from tessera_keras.layers._attention import AdditiveAttention, Attention
from tessera_keras.layers._base import InputSpec, Layer
from tessera_keras.layers._categorical import CategoryEncoding, Discretization, Hashing
from tessera_keras.layers._conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from tessera_keras.layers._convolutional import (
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
)
from tessera_keras.layers._core import Activation, Dense, Embedding, Identity, Lambda, Masking
from tessera_keras.layers._einsum_dense import EinsumDense
from tessera_keras.layers._image_augmentation import (
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
)
from tessera_keras.layers._image_preprocessing import CenterCrop, Resizing
from tessera_keras.layers._input import Input, InputLayer
from tessera_keras.layers._lookup import IntegerLookup, StringLookup
from tessera_keras.layers._merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    maximum,
    minimum,
    multiply,
    subtract,
)
from tessera_keras.layers._multi_head_attention import MultiHeadAttention
from tessera_keras.layers._normalization import (
    BatchNormalization,
    GroupNormalization,
    LayerNormalization,
    UnitNormalization,
)
from tessera_keras.layers._pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    AvgPool1D,
    AvgPool2D,
    AvgPool3D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalAvgPool3D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPool3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
    MaxPool1D,
    MaxPool2D,
    MaxPool3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)
from tessera_keras.layers._preprocessing import Normalization, Rescaling
from tessera_keras.layers._recurrent import (
    GRU,
    LSTM,
    RNN,
    Bidirectional,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
)
from tessera_keras.layers._regularization import (
    ActivityRegularization,
    AlphaDropout,
    Dropout,
    GaussianDropout,
    GaussianNoise,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from tessera_keras.layers._reshaping import (
    Cropping1D,
    Cropping2D,
    Cropping3D,
    Flatten,
    Permute,
    RepeatVector,
    Reshape,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)
from tessera_keras.layers._text_vectorization import TextVectorization
from tessera_keras.layers._wrappers import TimeDistributed

Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose = \
    Conv1DTranspose, Conv2DTranspose, Conv3DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D


def serialize(layer) -> dict:
    out = {"module": "keras.layers", "class_name": type(layer).__name__,
           "config": layer.get_config(), "registered_name": None}
    build = layer.get_build_config() if layer.built else None
    if build:  # as Keras's serialize_keras_object
        out["build_config"] = build
    return out


def deserialize(config, custom_objects=None):
    from tessera_keras._serialization import lookup

    cls = lookup(config, _all_layers(), "layer", custom_objects)
    return cls.from_config(config["config"])


def _all_layers() -> dict:
    import tessera_keras.models as models

    table = {k: v for k, v in globals().items() if isinstance(v, type) and issubclass(v, Layer)}
    table.update(Sequential=models.Sequential, Model=models.Functional,
                 Functional=models.Functional)
    return table
