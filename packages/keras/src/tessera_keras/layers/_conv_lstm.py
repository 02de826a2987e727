"""ConvLSTM1D/2D/3D: an LSTM whose gates are convolutions (Keras 3's ``ConvLSTMCell`` inside
the RNN time loop of ``_recurrent``).

Weights are Keras's (``kernel`` of shape ``kernel_size + (channels, 4 * filters)``,
``recurrent_kernel`` ``kernel_size + (filters, 4 * filters)``, ``bias`` ``(4 * filters,)``,
gates in the order i, f, c, o), so ``.keras`` files interchange. ``channels_first`` inputs are
transposed to channels-last around each convolution.
"""

from __future__ import annotations

import tessera as tf
from tessera_keras import activations, constraints, initializers, regularizers
from tessera_keras.layers._base import InputSpec, Layer, standardize_tuple
from tessera_keras.layers._convolutional import conv_output_length
from tessera_keras.layers._recurrent import RNN


class ConvLSTMCell(Layer):
    """One ConvLSTM time step (Keras 3's ``ConvLSTMCell``; not exported by ``keras.layers``)."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if rank > 3:
            raise ValueError(f"Rank {rank} convolutions are not currently implemented. "
                             f"Received: rank={rank}")
        self.rank, self.filters, self.seed = rank, filters, seed
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = standardize_tuple(strides, rank, "strides")
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"The `padding` argument must be a list/tuple or one of "
                             f"{{'same', 'valid'}}. Received: {padding}")
        self.data_format = data_format or "channels_last"
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"The `data_format` argument must be one of {{'channels_first', "
                             f"'channels_last'}}. Received: data_format={data_format}")
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"Specifying `strides > 1` is not compatible with `dilation_rate > "
                             f"1`. Please provide `strides=1` or `dilation_rate=1`. Received: "
                             f"strides={self.strides} and dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = unit_forget_bias
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.input_spec = InputSpec(ndim=rank + 2)
        self.spatial_dims = None
        self.input_dim = None

    @property
    def state_size(self):
        return [self.filters, self.filters]

    def _out_spatial(self) -> tuple:
        return tuple(conv_output_length(d, k, self.padding, s, r) for d, k, s, r in zip(
            self.spatial_dims, self.kernel_size, self.strides, self.dilation_rate))

    def _state_shapes(self) -> list:
        spatial = self._out_spatial()
        shape = (*spatial, self.filters) if self.data_format == "channels_last" else \
            (self.filters, *spatial)
        return [shape, shape]

    def build(self, inputs_shape) -> None:
        inputs_shape = tuple(inputs_shape)
        last = self.data_format == "channels_last"
        spatial = inputs_shape[1:-1] if last else inputs_shape[2:]
        if None in spatial:
            raise ValueError(f"ConvLSTM layers only support static input shapes for the "
                             f"spatial dimension. Received invalid input shape: "
                             f"input_shape={inputs_shape}")
        channels = inputs_shape[-1 if last else 1]
        if channels is None:
            raise ValueError(f"The channel dimension of the inputs (last axis) should be "
                             f"defined. Found None. Full input shape received: "
                             f"input_shape={inputs_shape}")
        self.spatial_dims, self.input_dim = tuple(spatial), channels
        n = 4 * self.filters
        self.kernel = self.add_weight(shape=(*self.kernel_size, channels, n), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=(*self.kernel_size, self.filters, n), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            init, filters = self.bias_initializer, self.filters
            if self.unit_forget_bias:
                base = init

                def init(shape, dtype=None):
                    return tf.concat([base((filters,), dtype=dtype),
                                      tf.ones((filters,), dtype=dtype),
                                      base((2 * filters,), dtype=dtype)], 0)

            self.bias = self.add_weight(shape=(n,), name="bias", initializer=init,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True

    def _conv(self, x, w, strides, padding, dilations):
        first = self.data_format == "channels_first"
        if first:
            x = tf.transpose(x, [0, *range(2, self.rank + 2), 1])
        y = tf.nn.convolution(x, w, strides=list(strides), padding=padding.upper(),
                              dilations=list(dilations))
        if first:
            y = tf.transpose(y, [0, self.rank + 1, *range(1, self.rank + 1)])
        return y

    def call(self, inputs, states, training=False):
        h, c = states
        # One convolution for the four gates: the split kernels of Keras's per-gate
        # convolutions are the output channels of this one.
        z = self._conv(inputs, self.kernel, self.strides, self.padding, self.dilation_rate)
        if self.bias is not None:
            shape = [1] * (self.rank + 1) + [-1] if self.data_format == "channels_last" else \
                [1, -1] + [1] * self.rank
            z = z + tf.reshape(self.bias, shape)
        one = (1,) * self.rank
        z = z + self._conv(h, self.recurrent_kernel, one, "same", one)
        axis = -1 if self.data_format == "channels_last" else 1
        zi, zf, zc, zo = tf.split(z, 4, axis=axis)
        i, f = self.recurrent_activation(zi), self.recurrent_activation(zf)
        c = f * c + i * self.activation(zc)
        h = self.recurrent_activation(zo) * self.activation(c)
        return h, [h, c]

    def get_config(self):
        return {**super().get_config(), **_cell_config(self)}


def _cell_config(cell, activity_regularizer=None, with_activity=False) -> dict:
    config = {"filters": cell.filters, "kernel_size": cell.kernel_size,
              "strides": cell.strides, "padding": cell.padding,
              "data_format": cell.data_format, "dilation_rate": cell.dilation_rate,
              "activation": activations.serialize(cell.activation),
              "recurrent_activation": activations.serialize(cell.recurrent_activation),
              "use_bias": cell.use_bias,
              "kernel_initializer": initializers.serialize(cell.kernel_initializer),
              "recurrent_initializer": initializers.serialize(cell.recurrent_initializer),
              "bias_initializer": initializers.serialize(cell.bias_initializer),
              "unit_forget_bias": cell.unit_forget_bias,
              "kernel_regularizer": regularizers.serialize(cell.kernel_regularizer),
              "recurrent_regularizer": regularizers.serialize(cell.recurrent_regularizer),
              "bias_regularizer": regularizers.serialize(cell.bias_regularizer)}
    if with_activity:
        config["activity_regularizer"] = regularizers.serialize(activity_regularizer)
    config.update({"kernel_constraint": constraints.serialize(cell.kernel_constraint),
                   "recurrent_constraint": constraints.serialize(cell.recurrent_constraint),
                   "bias_constraint": constraints.serialize(cell.bias_constraint),
                   "dropout": cell.dropout, "recurrent_dropout": cell.recurrent_dropout,
                   "seed": cell.seed})
    return config


_CELL_ARGS = ("strides", "padding", "data_format", "dilation_rate", "activation",
              "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer",
              "bias_initializer", "unit_forget_bias", "kernel_regularizer",
              "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
              "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed")


class ConvLSTM(RNN):
    """The layer over ``ConvLSTMCell``: inputs ``(batch, time, *spatial, channels)``."""

    rank = 2

    def __init__(self, filters, kernel_size, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs) -> None:
        cell_kwargs = {k: kwargs.pop(k) for k in _CELL_ARGS if k in kwargs}
        dtype = kwargs.get("dtype")
        if isinstance(dtype, dict):
            kwargs["dtype"] = dtype = dtype["config"]["name"]
        cell = ConvLSTMCell(self.rank, filters, kernel_size, name="conv_lstm_cell", dtype=dtype,
                            **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, **kwargs)
        self.input_spec = InputSpec(ndim=self.rank + 3)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        cell = self.cell
        last = cell.data_format == "channels_last"
        spatial = sequences_shape[2:-1] if last else sequences_shape[3:]
        out = tuple(conv_output_length(d, k, cell.padding, s, r) for d, k, s, r in zip(
            spatial, cell.kernel_size, cell.strides, cell.dilation_rate))
        state = (*out, cell.filters) if last else (cell.filters, *out)
        batch = sequences_shape[0]
        output = (batch, sequences_shape[1], *state) if self.return_sequences else \
            (batch, *state)
        if self.return_state:
            return [output, (batch, *state), (batch, *state)]
        return output

    def get_config(self):
        config = super().get_config()
        return {**config, **_cell_config(self.cell, self.activity_regularizer, True)}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _delegate(name):
    return property(lambda self: getattr(self.cell, name), doc=f"The cell's ``{name}``.")


for _name in ("filters", "kernel_size", *_CELL_ARGS):
    if _name != "seed":
        setattr(ConvLSTM, _name, _delegate(_name))


class ConvLSTM1D(ConvLSTM):
    """``keras.layers.ConvLSTM1D``: inputs ``(batch, time, steps, channels)``."""

    rank = 1


class ConvLSTM2D(ConvLSTM):
    """``keras.layers.ConvLSTM2D``: inputs ``(batch, time, rows, cols, channels)``."""

    rank = 2


class ConvLSTM3D(ConvLSTM):
    """``keras.layers.ConvLSTM3D``: inputs ``(batch, time, dim1, dim2, dim3, channels)``."""

    rank = 3
