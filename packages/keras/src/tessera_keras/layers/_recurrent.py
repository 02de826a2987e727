"""Recurrent layers: SimpleRNN, LSTM, GRU (and their cells), Bidirectional.

The time loop is a Python loop over the static time dimension, so it is made of ordinary
tensor ops: gradients flow through it, and inside ``tf.function`` it unrolls into the graph.
"""

from __future__ import annotations

import contextlib

import numpy as np

import tessera as tf
from tessera_keras import activations, constraints, initializers, regularizers
from tessera_keras.layers._base import InputSpec, Layer


@contextlib.contextmanager
def keep_rnn_states(model):
    """Leave the states of the stateful RNNs in ``model`` as they were after a building pass
    (the trainer's eager call that builds metrics), so only real steps advance them."""
    def stateful():
        return [x for x in [model, *model._flat_layers()] if isinstance(x, RNN) and x.stateful]

    saved = {id(v): v.numpy() for layer in stateful() for v in layer.states or []}
    try:
        yield
    finally:
        for layer in stateful():
            for v in layer.states or []:
                v.assign(saved[id(v)] if id(v) in saved else np.zeros(v.shape, v.dtype.name))


def _dropout_mask(like, rate):
    return tf.nn.dropout(tf.ones_like(like), rate=rate)


class _Cell(Layer):
    """Weights and one time step; the RNN layer around it runs the loop."""

    gates = 1

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units}.")
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed

    @property
    def state_size(self):
        return self.units

    def _bias_shape(self):
        return (self.gates * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    def build(self, input_shape) -> None:
        n = self.gates * self.units
        self.kernel = self.add_weight(shape=(input_shape[-1], n), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, n), name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = self.add_weight(shape=self._bias_shape(), name="bias",
                                    initializer=self._bias_init(),
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                "seed": self.seed}


class SimpleRNNCell(_Cell):
    def __init__(self, units, activation="tanh", **kwargs) -> None:
        kwargs.pop("recurrent_activation", None)
        super().__init__(units, activation=activation, **kwargs)

    def call(self, inputs, states, training=False):
        h = states[0] if isinstance(states, list | tuple) else states
        z = tf.matmul(inputs, self.kernel)
        if self.bias is not None:
            z = z + self.bias
        out = self.activation(z + tf.matmul(h, self.recurrent_kernel))
        return out, [out]

    def get_config(self):
        config = super().get_config()
        config.pop("recurrent_activation")
        return config


class LSTMCell(_Cell):
    gates = 4

    def __init__(self, units, unit_forget_bias=True, **kwargs) -> None:
        kwargs.pop("implementation", None)
        super().__init__(units, **kwargs)
        self.unit_forget_bias = unit_forget_bias

    @property
    def state_size(self):
        return [self.units, self.units]

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, units = self.bias_initializer, self.units

        def init(shape, dtype=None):
            return tf.concat([base((units,), dtype=dtype), tf.ones((units,), dtype=dtype),
                              base((2 * units,), dtype=dtype)], 0)

        return init

    def call(self, inputs, states, training=False):
        h, c = states
        z = tf.matmul(inputs, self.kernel) + tf.matmul(h, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        zi, zf, zc, zo = tf.split(z, 4, axis=-1)
        i, f = self.recurrent_activation(zi), self.recurrent_activation(zf)
        c = f * c + i * self.activation(zc)
        h = self.recurrent_activation(zo) * self.activation(c)
        return h, [h, c]

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class GRUCell(_Cell):
    gates = 3

    def __init__(self, units, reset_after=True, **kwargs) -> None:
        kwargs.pop("implementation", None)
        super().__init__(units, **kwargs)
        self.reset_after = reset_after

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def call(self, inputs, states, training=False):
        h = states[0] if isinstance(states, list | tuple) else states
        u = self.units
        x = tf.matmul(inputs, self.kernel)
        if self.bias is not None:
            x = x + (self.bias[0] if self.reset_after else self.bias)
        xz, xr, xh = tf.split(x, 3, axis=-1)
        if self.reset_after:
            inner = tf.matmul(h, self.recurrent_kernel)
            if self.bias is not None:
                inner = inner + self.bias[1]
        else:
            inner = tf.matmul(h, self.recurrent_kernel[:, :2 * u])
        z = self.recurrent_activation(xz + inner[:, :u])
        r = self.recurrent_activation(xr + inner[:, u:2 * u])
        if self.reset_after:
            rh = r * inner[:, 2 * u:]
        else:
            rh = tf.matmul(r * h, self.recurrent_kernel[:, 2 * u:])
        hh = self.activation(xh + rh)
        h = z * h + (1.0 - z) * hh
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}


class RNN(Layer):
    """``keras.layers.RNN`` over one of the cells above (or any cell with ``state_size``).

    ``stateful=True`` keeps the last states in non-trainable variables (``layer.states``, one
    per state, sized by the fixed batch size) that the next call starts from; as in Keras they
    are not weights (not saved, not in ``layer.weights``)."""

    # The state variables are no weights (as Keras's); a tf.train.Checkpoint records them
    # under ``states``, as TensorFlow's does.
    _TF_MODULE_IGNORED_PROPERTIES = Layer._TF_MODULE_IGNORED_PROPERTIES | {"states"}

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.states = None
        self._expected_batch_size = None
        self.cell = cell
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards, self.stateful, self.unroll = go_backwards, stateful, unroll
        self.zero_output_for_mask = zero_output_for_mask
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)

    @property
    def units(self):
        return self.cell.units

    def _state_sizes(self) -> list:
        size = self.cell.state_size
        return list(size) if isinstance(size, list | tuple) else [size]

    def build(self, input_shape) -> None:
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], tuple):
            input_shape = input_shape[0]
        if not self.cell.built:
            from tessera_keras import _naming

            names = _naming.PATH.names
            # Called directly (not through _maybe_build), the layer's own name is not there yet.
            scopes = [self.cell.name] if names and names[-1] == self.name else \
                [self.name, self.cell.name]
            names.extend(scopes)
            try:
                self.cell.build((input_shape[0], *tuple(input_shape)[2:]))
            finally:
                del names[len(names) - len(scopes):]
            self.cell.built = True
        if self.stateful:
            if self.states is not None:
                self.reset_state()
            else:
                shape = tuple(None if d is None else int(d) for d in tuple(input_shape))
                if shape[0] is None:
                    raise ValueError(f"When using `stateful=True` in a RNN, the batch size must "
                                     f"be static. Found dynamic batch size: "
                                     f"sequence.shape={shape}")
                self._create_state_variables(shape[0])
        self.built = True

    def _create_state_variables(self, batch_size: int) -> None:
        from tessera_keras import _naming
        from tessera_keras._variables import KerasVariable

        names = _naming.PATH.names
        inside = bool(names) and names[-1] == self.name
        path = "/".join([*names, "rnn_state"] if inside else [*names, self.name, "rnn_state"])
        self.states = [
            KerasVariable(tf.zeros((batch_size, *shape), self.variable_dtype), name="rnn_state",
                          path=path, trainable=False)
            for shape in self._state_shapes()]
        self._expected_batch_size = batch_size

    def _state_shapes(self) -> list:
        """Each state's shape without the batch axis (ConvLSTM's cell knows them once built)."""
        shapes = getattr(self.cell, "_state_shapes", None)
        if shapes is not None:
            return shapes()
        return [tuple(n) if isinstance(n, list | tuple) else (n,) for n in self._state_sizes()]

    def get_initial_state(self, batch_size):
        return [tf.zeros((batch_size, *shape), self.compute_dtype)
                for shape in self._state_shapes()]

    def _zero_states(self, sequences) -> list:
        # A (batch, 1) column of zeros keeps the batch size dynamic under tracing.
        step = sequences[:, 0]
        if len(step.shape) > 2:
            step = tf.reshape(step, [-1, int(np.prod(step.shape[1:]))])
        column = tf.zeros_like(step[:, :1])
        out = []
        for shape in self._state_shapes():
            size = 1
            for d in shape:
                size *= d
            z = column * tf.zeros((1, size), sequences.dtype)
            out.append(z if len(shape) == 1 else tf.reshape(z, [-1, *shape]))
        return out

    def reset_state(self) -> None:
        """Set the states of a stateful layer back to zeros."""
        if self.states is not None:
            for v in self.states:
                v.assign(tf.zeros_like(v.value()))

    def reset_states(self) -> None:
        """Keras's compatibility alias of ``reset_state``."""
        self.reset_state()

    def compute_mask(self, inputs, mask=None):
        out = mask if self.return_sequences else None
        return [out] + [None] * len(self._state_sizes()) if self.return_state else out

    def call(self, sequences, initial_state=None, mask=None, training=False):
        steps = sequences.shape[1]
        if steps is None:
            raise ValueError(f"Layer '{self.name}' needs a fixed number of time steps (axis 1 of "
                             f"the input); got shape {sequences.shape}. Give `keras.Input` a "
                             f"static sequence length.")
        if self.stateful:
            batch = sequences.shape[0]
            if self._expected_batch_size is not None and batch is not None and \
                    batch != self._expected_batch_size:
                raise ValueError(f"If an RNN is stateful, the batch size of the input sequences "
                                 f"must be the same as the batch size of the initial state. \n"
                                 f"- Expected batch size: {self._expected_batch_size}\n"
                                 f"- Received batch size: {batch}")
        if initial_state is None and self.stateful:
            states = [v.value() for v in self.states]
        elif initial_state is None:
            states = self._zero_states(sequences)
        else:
            states = list(initial_state) if isinstance(initial_state, list | tuple) \
                else [initial_state]
            states = [tf.convert_to_tensor(s) for s in states]
        if mask is not None:
            mask = tf.cast(mask, "bool")
        cell = self.cell
        in_mask = rec_mask = None
        if training and cell.dropout > 0:
            in_mask = _dropout_mask(sequences[:, 0], cell.dropout)
        if training and cell.recurrent_dropout > 0:
            rec_mask = _dropout_mask(states[0], cell.recurrent_dropout)
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        outputs, last = [], None
        for t in order:
            x = sequences[:, t]
            if in_mask is not None:
                x = x * in_mask
            step_states = states
            if rec_mask is not None:
                step_states = [states[0] * rec_mask, *states[1:]]
            out, new_states = cell.call(x, step_states, training=training)
            new_states = list(new_states)
            if mask is not None:
                # A masked step keeps the states and repeats the last output (Keras's rule).
                keep = mask[:, t:t + 1]
                if len(out.shape) > 2:  # ConvLSTM: one flag per sample over its feature map
                    keep = tf.reshape(keep, [-1] + [1] * (len(out.shape) - 1))
                if last is None:
                    last = tf.zeros_like(out)
                last = tf.where(keep, out, last)
                new_states = [tf.where(keep, n, s) for n, s in zip(new_states, states)]
                out = tf.where(keep, out, tf.zeros_like(out)) if self.zero_output_for_mask \
                    else last
            else:
                last = out
            states = new_states
            outputs.append(out)
        if self.stateful:
            # Inside a traced step (fit/predict) the assign becomes part of that graph.
            for variable, state in zip(self.states, states):
                variable.assign(state)
        result = tf.stack(outputs, axis=1) if self.return_sequences else last
        if self.return_state:
            return [result, *states]
        return result

    def compute_output_shape(self, input_shape):
        units = self.cell.units
        out = (input_shape[0], input_shape[1], units) if self.return_sequences else \
            (input_shape[0], units)
        if self.return_state:
            return [out, *[(input_shape[0], n) for n in self._state_sizes()]]
        return out

    def get_config(self):
        config = {**super().get_config(), "return_sequences": self.return_sequences,
                  "return_state": self.return_state, "go_backwards": self.go_backwards,
                  "stateful": self.stateful, "unroll": self.unroll,
                  "zero_output_for_mask": self.zero_output_for_mask}
        if type(self) is RNN:
            from tessera_keras.layers import serialize

            config["cell"] = serialize(self.cell)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"]["config"]["name"]
        if cls is RNN:
            from tessera_keras.layers import deserialize

            config["cell"] = deserialize(config["cell"])
        return cls(**config)


_RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
             "zero_output_for_mask", "name", "trainable", "dtype", "input_shape",
             "batch_input_shape", "input_dim", "batch_size", "activity_regularizer")


class _Recurrent(RNN):
    cell_class: type = _Cell
    cell_name = "cell"

    def __init__(self, units, **kwargs) -> None:
        rnn_kwargs = {k: kwargs.pop(k) for k in _RNN_ARGS if k in kwargs}
        cell = self.cell_class(units, name=self.cell_name, dtype=rnn_kwargs.get("dtype"),
                               trainable=rnn_kwargs.get("trainable", True), **kwargs)
        super().__init__(cell, **rnn_kwargs)

    def get_config(self):
        cell = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell.pop(key, None)
        config = super().get_config()
        return {**config, **cell,
                "activity_regularizer": regularizers.serialize(self.activity_regularizer)}

    def __getattr__(self, name):
        if name in ("activation", "recurrent_activation", "use_bias", "dropout",
                    "recurrent_dropout", "unit_forget_bias", "reset_after",
                    "kernel_initializer", "recurrent_initializer", "bias_initializer"):
            return getattr(self.__dict__["cell"], name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")


class SimpleRNN(_Recurrent):
    cell_class, cell_name = SimpleRNNCell, "simple_rnn_cell"

    def get_config(self):
        config = super().get_config()
        config.pop("seed", None)  # Keras's SimpleRNN leaves its cell's seed out
        return config


class LSTM(_Recurrent):
    cell_class, cell_name = LSTMCell, "lstm_cell"


class GRU(_Recurrent):
    cell_class, cell_name = GRUCell, "gru_cell"


def _removeprefix(name: str, prefix: str) -> str:
    return name[len(prefix):] if name.startswith(prefix) else name


class Bidirectional(Layer):
    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs) -> None:
        if not isinstance(layer, RNN):
            raise ValueError(f"Please initialize `Bidirectional` layer with a recurrent layer "
                             f"instance. Received: {layer}")
        if merge_mode not in ("sum", "mul", "ave", "concat", None):
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be "
                             f"one of {{'sum', 'mul', 'ave', 'concat', None}}")
        super().__init__(**kwargs)
        config = layer.get_config()
        config["name"] = "forward_" + _removeprefix(layer.name, "forward_")
        self.forward_layer = type(layer).from_config(config)
        if backward_layer is None:
            config = layer.get_config()
            config["go_backwards"] = not config["go_backwards"]
            config["name"] = "backward_" + _removeprefix(layer.name, "forward_")
            backward_layer = type(layer).from_config(config)
        self.backward_layer = backward_layer
        for sub in (self.forward_layer, self.backward_layer):
            sub.zero_output_for_mask = sub.return_sequences  # as Keras forces it
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)
        self._initial_weights = weights

    def build(self, input_shape) -> None:
        for sub in (self.forward_layer, self.backward_layer):
            sub._maybe_build(tuple(input_shape))  # records the shape for its build_config
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def reset_state(self) -> None:
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def reset_states(self) -> None:
        self.reset_state()

    @property
    def states(self):
        if self.forward_layer.states and self.backward_layer.states:
            return tuple(self.forward_layer.states + self.backward_layer.states)
        return None

    def compute_mask(self, inputs, mask=None):
        out = mask if self.return_sequences else None
        if self.merge_mode is None:
            out = [out, out]
        if self.return_state:
            n = 2 * len(self.forward_layer._state_sizes())
            return [*(out if isinstance(out, list) else [out]), *[None] * n]
        return out

    def call(self, sequences, initial_state=None, mask=None, training=False):
        fw_state = bw_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fw_state, bw_state = initial_state[:half], initial_state[half:]
        fw = self.forward_layer(sequences, initial_state=fw_state, mask=mask, training=training)
        bw = self.backward_layer(sequences, initial_state=bw_state, mask=mask,
                                 training=training)
        fw_states = bw_states = []
        if self.return_state:
            fw, fw_states = fw[0], fw[1:]
            bw, bw_states = bw[0], bw[1:]
        if self.return_sequences:
            bw = tf.reverse(bw, [1])
        if self.merge_mode == "concat":
            out = tf.concat([fw, bw], axis=-1)
        elif self.merge_mode == "sum":
            out = fw + bw
        elif self.merge_mode == "ave":
            out = (fw + bw) / 2.0
        elif self.merge_mode == "mul":
            out = fw * bw
        else:
            out = [fw, bw]
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + list(fw_states) + list(bw_states)
        return out

    def get_config(self):
        from tessera_keras.layers import serialize

        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": serialize(self.forward_layer),
                "backward_layer": serialize(self.backward_layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from tessera_keras.layers import deserialize

        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"]["config"]["name"]
        config["layer"] = deserialize(config["layer"], custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize(config["backward_layer"], custom_objects)
        return cls(**config)
