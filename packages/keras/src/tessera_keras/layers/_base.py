"""``keras.layers.Layer`` and ``InputSpec``.

A layer is a ``tf.Module`` (so checkpoints, SavedModel and ONNX export see its weights)
that builds itself on first call from the input shape. Called on KerasTensors it records a
node of the functional graph instead of computing.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np

import tessera as tf
from tessera._framework import nest
from tessera._framework.context import context
from tessera_keras import _keras_tensor as kt
from tessera_keras import (
    _masking,
    _naming,
    constraints,
    dtype_policies,
    initializers,
    regularizers,
)
from tessera_keras._context import STATE
from tessera_keras._masking import get_keras_mask, set_keras_mask
from tessera_keras._variables import KerasVariable, autocast_scope, get_autocast_dtype


def _call_autocast_dtype(layer):
    """Keras's choice of AutocastScope around ``layer.call``: ``False`` keeps the current one,
    otherwise the dtype (or None) float variables are read in."""
    current = get_autocast_dtype()
    compute = layer.compute_dtype
    if current is not None:
        if not layer.autocast or not dtype_policies.is_float_dtype(compute):
            return None
        return compute if current != compute else False
    if compute != layer.variable_dtype and dtype_policies.is_float_dtype(compute):
        return compute
    return False


def _shape_tuple(shape):
    if shape is None:
        return None
    if isinstance(shape, tf.TensorShape):
        return None if shape.rank is None else tuple(shape.as_list())
    return tuple(None if d is None else int(d) for d in shape)


def _shape_of(x):
    if isinstance(x, kt.KerasTensor):
        return x.shape
    shape = getattr(x, "shape", None)
    return None if shape is None else _shape_tuple(shape)


class InputSpec:
    """What a layer accepts: ``ndim``, ``min_ndim``, ``max_ndim``, ``axes``, ``shape``."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False) -> None:
        self.dtype = dtype
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name, self.optional = name, optional

    def __repr__(self) -> str:
        parts = [f"{k}={v}" for k, v in (("dtype", self.dtype), ("shape", self.shape),
                                          ("ndim", self.ndim), ("max_ndim", self.max_ndim),
                                          ("min_ndim", self.min_ndim), ("axes", self.axes or None))
                 if v]
        return f"InputSpec({', '.join(parts)})"


class _SpecHead:
    """The start of an input-spec error, formatted only when an error is raised (the check
    runs on every call)."""

    __slots__ = ("index", "layer", "spec")

    def __init__(self, index, spec, layer) -> None:
        self.index, self.spec, self.layer = index, spec, layer

    def __format__(self, format_spec) -> str:
        return (f"Input {self.index} with name '{self.spec.name}' of layer "
                f"'{self.layer.name}' is incompatible with the layer:")


def _check_input_spec(layer, inputs) -> None:
    specs = layer.input_spec
    if specs is None:
        return
    specs = nest.flatten(specs)
    flat = nest.flatten(inputs)
    if len(flat) != len(specs):
        raise ValueError(f'Layer "{layer.name}" expects {len(specs)} input(s), but it received '
                         f"{len(flat)} input tensors. Inputs received: {flat}")
    for i, (x, spec) in enumerate(zip(flat, specs)):
        if spec is None:
            continue
        shape = _shape_of(x)
        if shape is None:
            continue
        head = _SpecHead(i, spec, layer)
        ndim = len(shape)
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
            raise ValueError(f"{head} expected ndim={spec.ndim}, found ndim={ndim}. "
                             f"Full shape received: {shape}")
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise ValueError(f"{head} expected max_ndim={spec.max_ndim}, found ndim={ndim}")
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise ValueError(f"{head} expected min_ndim={spec.min_ndim}, found ndim={ndim}. "
                             f"Full shape received: {shape}")
        for axis, value in spec.axes.items():
            if value is None:
                continue
            got = shape[axis] if -ndim <= axis < ndim else None
            if got is not None and got != value:
                raise ValueError(f"{head} expected axis {axis} of input shape to have value "
                                 f"{value}, but received input with shape {shape}")
        if spec.shape is not None:
            for want, got in zip(spec.shape, shape):
                if want is not None and got is not None and want != got:
                    raise ValueError(f"{head} expected shape={spec.shape}, found "
                                     f"shape={shape}")


class Layer(tf.Module):
    """``keras.layers.Layer``."""

    _TF_MODULE_IGNORED_PROPERTIES = frozenset({
        "_trainable_variables", "_non_trainable_variables", "_inbound_nodes", "_losses",
        "_build_shapes", "_last_output_shape", "_call_params", "input_spec"})

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None,
                 autocast=True, name=None, **kwargs) -> None:
        input_dim = kwargs.pop("input_dim", None)
        input_shape = kwargs.pop("input_shape", None)
        batch_size = kwargs.pop("batch_size", None)
        kwargs.pop("input_length", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                             f"{kwargs}")
        if name is None:
            name = _naming.unique_name(_naming.to_snake_case(type(self).__name__))
        elif not isinstance(name, str) or "/" in name:
            raise ValueError(f"Argument `name` must be a string and cannot contain character `/`."
                             f" Received: name={name} (of type {type(name)})")
        object.__setattr__(self, "_tracking_ready", False)
        super().__init__(name=name if name.isidentifier() and not name.startswith("_") else "layer")
        self._name = name
        self._dtype_policy = dtype_policies.get(dtype)
        self._dtype = self._dtype_policy.variable_dtype
        self._trainable = bool(trainable)
        self.built = False
        self.autocast = autocast
        # As in Keras, a layer that overrides compute_mask supports masking.
        self.supports_masking = type(self).compute_mask is not Layer.compute_mask
        self.input_spec = None
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._trainable_variables: list = []
        self._non_trainable_variables: list = []
        self._layers: list = []
        self._inbound_nodes: list = []
        self._losses: list = []
        self._build_shapes = None
        self._last_output_shape = None
        params = inspect.signature(self.call).parameters
        self._call_params = params
        self._call_has_training = "training" in params or any(
            p.kind == p.VAR_KEYWORD for p in params.values())
        self._call_has_mask = "mask" in params
        if input_shape is None and input_dim is not None:
            input_shape = (input_dim,)
        self._batch_input_shape = None
        if input_shape is not None:
            self._batch_input_shape = (batch_size, *tuple(input_shape))
        object.__setattr__(self, "_tracking_ready", True)

    # -- attribute tracking ----------------------------------------------------------------
    def __setattr__(self, name, value) -> None:
        if getattr(self, "_tracking_ready", False) and not name.startswith("_"):
            for leaf in nest.flatten(value) if isinstance(value, list | tuple) else [value]:
                if isinstance(leaf, Layer) and leaf is not self and \
                        all(leaf is not x for x in self._layers):
                    self._layers.append(leaf)
        super().__setattr__(name, value)

    # -- names, dtypes, flags ------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def path(self) -> str:
        return self._name

    @property
    def dtype(self) -> str:
        """Alias of ``variable_dtype``, as in Keras."""
        return self.variable_dtype

    @property
    def compute_dtype(self) -> str:
        policy = self.__dict__.get("_dtype_policy")
        return policy.compute_dtype if policy is not None else self._dtype

    @property
    def variable_dtype(self) -> str:
        policy = self.__dict__.get("_dtype_policy")
        return policy.variable_dtype if policy is not None else self._dtype

    @property
    def dtype_policy(self):
        policy = self.__dict__.get("_dtype_policy")
        # Layers that set ``_dtype`` themselves (InputLayer) get the matching policy.
        if policy is None or policy.variable_dtype != self._dtype:
            policy = dtype_policies.DTypePolicy(self._dtype)
        return policy

    @dtype_policy.setter
    def dtype_policy(self, value) -> None:
        self._dtype_policy = dtype_policies.get(value)
        self._dtype = self._dtype_policy.variable_dtype

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value) -> None:
        value = bool(value)
        self._trainable = value
        for v in self._trainable_variables:
            v.trainable = value
        for layer in self._layers:
            layer.trainable = value

    # -- weights -------------------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True,
                   autocast=True, regularizer=None, constraint=None, aggregation="none",
                   overwrite_with_gradient=False, name=None):
        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = tf.as_dtype(dtype or self.variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.is_floating else "zeros"
        init = initializers.get(initializer)
        if name is None:
            name = f"variable_{len(self._trainable_variables) + len(self._non_trainable_variables)}"
        saved = context.graph if kt.in_symbolic_graph() else None
        if saved is not None:
            context.graph = None
        try:
            value = init(shape, dtype=dtype)
            inside = bool(_naming.PATH.names) and _naming.PATH.names[-1] == self.name
            path = _naming.PATH.path(name) if inside else \
                "/".join([*_naming.PATH.names, self.name, name])
            # Variable names must not pick up the caller's tf.name_scope prefix twice.
            variable = KerasVariable(value, name=name, path=path, trainable=trainable,
                                     dtype=dtype, regularizer=regularizers.get(regularizer),
                                     constraint=constraints.get(constraint),
                                     autocast=autocast)
        finally:
            if saved is not None:
                context.graph = saved
        if trainable and self._trainable:
            self._trainable_variables.append(variable)
        elif trainable:
            variable.trainable = False
            self._trainable_variables.append(variable)
        else:
            self._non_trainable_variables.append(variable)
        return variable

    def add_variable(self, shape, initializer, dtype=None, trainable=True, name=None, **kw):
        return self.add_weight(shape=shape, initializer=initializer, dtype=dtype,
                               trainable=trainable, name=name, **kw)

    def _flat_layers(self) -> list:
        out, seen = [], set()

        def visit(layer):
            for sub in layer._layers:
                if id(sub) not in seen:
                    seen.add(id(sub))
                    out.append(sub)
                    visit(sub)

        visit(self)
        return out

    def _dedupe(self, items):
        seen, out = set(), []
        for x in items:
            if id(x) not in seen:
                seen.add(id(x))
                out.append(x)
        return out

    @property
    def weights(self) -> list:
        own = self._trainable_variables + self._non_trainable_variables
        for layer in self._layers:
            own = own + layer.weights
        return self._dedupe(own)

    @property
    def variables(self) -> list:
        return self.weights

    @property
    def trainable_weights(self) -> list:
        if not self.trainable:
            return []
        own = list(self._trainable_variables)
        for layer in self._layers:
            own += layer.trainable_weights
        return self._dedupe([w for w in own if w.trainable])

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> list:
        if not self.trainable:
            return self.weights
        own = [w for w in self._trainable_variables if not w.trainable]
        own += self._non_trainable_variables
        for layer in self._layers:
            own += layer.non_trainable_weights
        return self._dedupe(own)

    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list:
        return [np.array(w.numpy()) for w in self.weights]

    def set_weights(self, weights) -> None:
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(f"You called `set_weights(weights)` on layer '{self.name}' with a "
                             f"weight list of length {len(weights)}, but the layer was expecting "
                             f"{len(params)} weights.")
        for variable, value in zip(params, weights):
            value = np.asarray(value)
            if tuple(variable.shape.as_list()) != value.shape:
                raise ValueError(f"Layer {self.name} weight shape {tuple(variable.shape.as_list())}"
                                 f" is not compatible with provided weight shape {value.shape}.")
            variable.assign(value.astype(variable.dtype.as_numpy_dtype))

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the "
                             f"layer isn't built. You can build it manually via: "
                             f"`layer.build(input_shape)`.")
        return int(sum(int(np.prod(w.shape.as_list())) for w in self.weights))

    # -- losses --------------------------------------------------------------------------
    def add_loss(self, loss) -> None:
        self._losses.append(loss)

    @property
    def losses(self) -> list:
        out = list(self._losses)
        for w in self._trainable_variables + self._non_trainable_variables:
            if getattr(w, "regularizer", None) is not None:
                out.append(w.regularizer(w))
        for layer in self._layers:
            out += layer.losses
        return out

    def _clear_losses(self) -> None:
        self._losses = []
        for layer in self._layers:
            layer._clear_losses()

    # -- building ------------------------------------------------------------------------
    def build(self, input_shape=None) -> None:
        self.built = True

    def _maybe_build(self, shapes, *more_shapes) -> None:
        """Build once, outside any symbolic graph. ``more_shapes``: further positional
        arguments of ``build`` (MultiHeadAttention's value and key shapes)."""
        if self.built:
            return
        saved = context.graph if kt.in_symbolic_graph() else None
        if saved is not None:
            context.graph = None
        _naming.PATH.names.append(self.name)
        try:
            self._build_shapes = shapes
            if type(self).build is not Layer.build or not self.built:
                self.build(shapes, *more_shapes)
        finally:
            _naming.PATH.names.pop()
            if saved is not None:
                context.graph = saved
        self.built = True

    def compute_output_shape(self, input_shape):
        raise NotImplementedError(f"Layer {type(self).__name__} should implement "
                                  f"`def compute_output_shape(self, input_shape)`.")

    def compute_output_spec(self, *args, **kwargs):
        return kt.infer_outputs(self.__call__, args, kwargs, self.name)

    # -- calling -------------------------------------------------------------------------
    def call(self, *args, **kwargs):
        raise NotImplementedError(f"Layer {type(self).__name__} does not have a `call()` method "
                                  f"implemented.")

    def _convert_input(self, x):
        if isinstance(x, kt.KerasTensor):
            return x
        if getattr(x, "_is_variable", False):
            x = x.value()
        if not isinstance(x, tf.Tensor):
            if isinstance(x, np.ndarray | list | tuple | float | int | np.generic):
                arr = np.asarray(x)
                if arr.dtype.kind == "f" and self.autocast and \
                        arr.dtype.name != self.compute_dtype:
                    if self.compute_dtype == "bfloat16":  # NumPy may have no bfloat16
                        return tf.cast(tf.constant(arr), "bfloat16")
                    # A NumPy conversion, not a Cast op: this runs on every eager call.
                    arr = arr.astype(self.compute_dtype)
                return tf.constant(arr)
            return x
        if self.autocast and x.dtype.is_floating and x.dtype.name != self.compute_dtype:
            return tf.cast(x, self.compute_dtype)
        return x

    def __call__(self, *args, **kwargs):
        if not args and "inputs" in kwargs:
            args = (kwargs.pop("inputs"),)
        if kt.any_symbolic(args, kwargs):
            return self._symbolic_call(args, kwargs)
        inputs = nest.map_structure(self._convert_input, args[0]) if args else None
        args = (inputs, *args[1:]) if args else args
        if inputs is not None:
            _check_input_spec(self, inputs)
            self._maybe_build(nest.map_structure(_shape_of, inputs)
                              if not isinstance(inputs, dict) else
                              {k: _shape_of(v) for k, v in inputs.items()})
        else:
            self._maybe_build(None)
        training = kwargs.get("training", None)
        outer_training = STATE.training
        if training is None:
            training = outer_training
        if self._call_has_training:
            if "training" in self._call_params or kwargs.get("training") is not None:
                kwargs["training"] = training
        else:
            kwargs.pop("training", None)
        previous_mask = kwargs.get("mask")
        if previous_mask is None and inputs is not None and _masking._MASKS:
            found = nest.map_structure(get_keras_mask, inputs) if not isinstance(inputs, dict) \
                else None
            if found is not None and any(m is not None for m in nest.flatten(found)):
                previous_mask = found
                if self._call_has_mask:
                    kwargs["mask"] = found
        if not self._call_has_mask:
            kwargs.pop("mask", None)
        if self._losses:
            self._losses = []
        STATE.training = training
        STATE.depth += 1
        _naming.PATH.names.append(self.name)
        cast_to = _call_autocast_dtype(self)
        try:
            if cast_to is False:
                outputs = self.call(*args, **kwargs)
            else:
                with autocast_scope(cast_to):
                    outputs = self.call(*args, **kwargs)
        finally:
            _naming.PATH.names.pop()
            STATE.depth -= 1
            STATE.training = outer_training
        if self.activity_regularizer is not None:
            for o in nest.flatten(outputs):
                self.add_loss(self.activity_regularizer(o) / tf.cast(tf.shape(o)[0], o.dtype))
        flat = nest.flatten(outputs)
        if self.supports_masking:
            # The default compute_mask passes the previous mask on: nothing to do without one.
            if previous_mask is not None or type(self).compute_mask is not Layer.compute_mask:
                self._set_mask_metadata(inputs, flat, previous_mask)
        elif previous_mask is not None:
            warnings.warn(f"Layer '{self.name}' (of type {type(self).__name__}) was passed an "
                          f"input with a mask attached to it. However, this layer does not "
                          f"support masking and will therefore destroy the mask information. "
                          f"Downstream layers will not see the mask.", stacklevel=2)
        if flat and isinstance(flat[0], tf.Tensor) and not kt.in_symbolic_graph():
            shapes = [_shape_tuple(o.shape) for o in flat if isinstance(o, tf.Tensor)]
            # Straight into __dict__: a shape needs none of __setattr__'s layer tracking.
            self.__dict__["_last_output_shape"] = shapes[0] if len(shapes) == 1 else shapes
        return outputs

    def _set_kernel_bias_options(self, kernel_initializer, bias_initializer, kernel_regularizer,
                                 bias_regularizer, kernel_constraint, bias_constraint) -> None:
        """The kernel/bias settings shared by Dense, the convolutions and MultiHeadAttention."""
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _kernel_bias_config(self, activity: bool = False) -> dict:
        """Their config entries, in Keras's order (``activity_regularizer`` between the
        regularizers and the constraints where the layer's config has it)."""
        config = {"kernel_initializer": initializers.serialize(self.kernel_initializer),
                  "bias_initializer": initializers.serialize(self.bias_initializer),
                  "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                  "bias_regularizer": regularizers.serialize(self.bias_regularizer)}
        if activity:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        config["kernel_constraint"] = constraints.serialize(self.kernel_constraint)
        config["bias_constraint"] = constraints.serialize(self.bias_constraint)
        return config

    def compute_mask(self, inputs, previous_mask):
        return previous_mask

    def _set_mask_metadata(self, inputs, flat_outputs, previous_mask) -> None:
        if all(get_keras_mask(x) is not None for x in flat_outputs):
            return
        masks = self.compute_mask(inputs, previous_mask)
        if masks is None:
            return
        for tensor, mask in zip(flat_outputs, nest.flatten(masks)):
            if mask is not None and get_keras_mask(tensor) is None:
                set_keras_mask(tensor, mask)

    def _symbolic_call(self, args, kwargs):
        inputs = args[0] if args else None
        if inputs is not None:
            _check_input_spec(self, inputs)
            self._maybe_build(nest.map_structure(_shape_of, inputs)
                              if not isinstance(inputs, dict) else
                              {k: _shape_of(v) for k, v in inputs.items()})
        call_kwargs = dict(kwargs)
        try:
            outputs = kt.infer_outputs(self.__call__, args, call_kwargs, self.name)
        except NotImplementedError:
            raise
        except Exception as error:
            try:
                shapes = self.compute_output_shape(nest.map_structure(_shape_of, inputs))
            except NotImplementedError:
                raise error from None
            outputs = nest.map_structure(lambda s: kt.KerasTensor(s, self.compute_dtype),
                                         shapes, ) if not isinstance(shapes, tuple) or \
                (shapes and isinstance(shapes[0], tuple | list)) else \
                kt.KerasTensor(shapes, self.compute_dtype)
        for t in nest.flatten(outputs):
            if isinstance(t, kt.KerasTensor):
                t.name = _naming.unique_name("keras_tensor")
        kt.Node(self, args, kwargs, outputs)
        return outputs

    # -- functional-API introspection ----------------------------------------------------
    def _output_tensors(self):
        if not self._inbound_nodes:
            raise AttributeError(f"The layer {self.name} has never been called and thus has no "
                                 f"defined output.")
        out = self._inbound_nodes[0].outputs
        return out

    @property
    def output(self):
        return self._output_tensors()

    @property
    def input(self):
        if not self._inbound_nodes:
            raise AttributeError(f"The layer {self.name} has never been called and thus has no "
                                 f"defined input.")
        args, _ = self._inbound_nodes[0].arguments
        return args[0]

    @property
    def output_shape(self):
        out = self.output
        return nest.map_structure(lambda t: t.shape, out) if isinstance(out, list) else out.shape

    @property
    def input_shape(self):
        inp = self.input
        return nest.map_structure(lambda t: t.shape, inp) if isinstance(inp, list) else inp.shape

    # -- config --------------------------------------------------------------------------
    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": dtype_policies.serialize(self.dtype_policy)}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"]["config"]["name"]
        config.pop("batch_input_shape", None)
        return cls(**config)

    def get_build_config(self):
        if self._build_shapes is not None:
            return {"input_shape": self._build_shapes}
        return None

    def build_from_config(self, config) -> None:
        if config and "input_shape" in config:
            self._maybe_build(config["input_shape"])

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def standardize_tuple(value, n: int, name: str) -> tuple:
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    if len(value) != n:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                         f"Received {name}={value}")
    return tuple(int(v) for v in value)
