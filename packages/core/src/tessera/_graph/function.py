"""``tf.function``: trace Python into a FuncGraph once per input signature, then run the
graph (reference interpreter, or an executor plugin such as ONNX Runtime)."""

from __future__ import annotations

import functools
import inspect
import itertools
import warnings
import weakref

import numpy as np

from tessera import errors
from tessera._framework import nest
from tessera._framework.context import context
from tessera._framework.convert import convert_to_tensor
from tessera._framework.tensor import EagerTensor, Tensor
from tessera._framework.tensor_spec import TensorSpec
from tessera._graph.graph import FuncGraph, GraphTensor
from tessera._graph.interpreter import ReferenceExecutor

_ids = itertools.count(1)
_RETRACE_WARN_AT = 5


def _is_variable(x) -> bool:
    return getattr(x, "_is_variable", False)


class _Arg:
    """One flattened argument leaf: a tensor spec (becomes a placeholder) or a Python value."""

    __slots__ = ("spec", "value")

    def __init__(self, spec: TensorSpec | None, value=None) -> None:
        self.spec, self.value = spec, value


def _is_tensorlike(x) -> bool:
    """Arguments traced as tensors (placeholders): tensors, variables, NumPy arrays."""
    return isinstance(x, Tensor | np.ndarray) or _is_variable(x)


def _leaf_key(x):
    if isinstance(x, np.ndarray):
        return ("T", str(x.dtype), tuple(x.shape))
    if _is_variable(x):
        return ("T", x.dtype.name, tuple(x.shape.as_list()))
    if isinstance(x, Tensor):
        return ("T", x.dtype.name, tuple(x.shape.as_list()) if x.shape.rank is not None else None)
    if isinstance(x, TensorSpec):
        return ("T", x.dtype.name, tuple(x.shape.as_list()) if x.shape.rank is not None else None)
    try:
        hash(x)
    except TypeError:
        return ("R", repr(x))
    return ("P", type(x).__name__, x)


def _structure_key(x):
    if isinstance(x, dict):
        return ("dict", tuple((k, _structure_key(x[k])) for k in sorted(x, key=str)))
    if isinstance(x, list | tuple):
        return (type(x).__name__, tuple(_structure_key(v) for v in x))
    return _leaf_key(x)


class ConcreteFunction:
    """One trace: a graph with typed inputs, callable with matching tensors."""

    def __init__(self, name: str, graph: FuncGraph, arg_names: list[str], bound_args: tuple,
                 bound_kwargs: dict, leaves: list[_Arg], placeholders: list[GraphTensor]) -> None:
        self._name = name
        self.graph = graph
        self._arg_names = arg_names
        self._bound_args, self._bound_kwargs = bound_args, bound_kwargs
        self._leaves = leaves
        self._placeholders = placeholders
        self._executor = None
        self._jit_compile = None

    # -- introspection (TF's names) -------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def structured_input_signature(self):
        it = iter(self._leaves)

        def rebuild(x):
            return nest.pack_sequence_as(x, [_spec_or_value(next(it)) for _ in nest.flatten(x)])

        args = tuple(rebuild(a) for a in self._bound_args)
        kwargs = {k: rebuild(v) for k, v in self._bound_kwargs.items()}
        return args, kwargs

    @property
    def structured_outputs(self):
        return self.graph.structured_outputs

    @property
    def inputs(self) -> list[GraphTensor]:
        return list(self.graph.inputs)

    @property
    def outputs(self) -> list[GraphTensor]:
        return list(self.graph.outputs)

    @property
    def variables(self) -> tuple:
        return tuple(v for v, _ in self.graph.variable_inputs.values())

    @property
    def trainable_variables(self) -> tuple:
        return tuple(v for v in self.variables if v.trainable)

    def pretty_printed_signature(self, verbose: bool = True) -> str:
        lines = ["Input Parameters:"]
        args, kwargs = self.structured_input_signature
        for name, a in zip(self._arg_names, args):
            lines.append(f"  {name} (POSITIONAL_OR_KEYWORD): {_type_text(a)}")
        for name, a in kwargs.items():
            lines.append(f"  {name} (KEYWORD_ONLY): {_type_text(a)}")
        lines.append("Output Type:")
        lines.append(f"  {_type_text(_specs_of(self.structured_outputs))}")
        lines.append("Captures:")
        caps = list(self.graph.variable_inputs.values())
        lines += [f"  {id(v)}: TensorSpec(shape={v.shape}, dtype=tf.resource, name=None)"
                  for v, _ in caps] if caps else ["  None"]
        return "\n".join(lines)

    def __str__(self) -> str:
        return "ConcreteFunction " + self.pretty_printed_signature()

    def __repr__(self) -> str:
        return f"<ConcreteFunction {self._name} at {id(self):#X}>"

    # -- calling ----------------------------------------------------------------------------
    def _feed(self, flat_tensors: list) -> dict:
        feeds = {}
        for i, (ph, value) in enumerate(zip(self._placeholders, flat_tensors)):
            if _is_variable(value):
                value = value._as_tensor()
            if not isinstance(value, Tensor):
                value = convert_to_tensor(value, dtype_hint=ph.dtype)
            if value.dtype != ph.dtype:
                raise errors.InvalidArgumentError(
                    None, None, f"cannot compute {self._name} as input #{i}(zero-based) was "
                                f"expected to be a {_tf_name(ph.dtype)} tensor but is a "
                                f"{_tf_name(value.dtype)} tensor [Op:{self._name}]")
            if not ph.shape.is_compatible_with(value.shape):
                raise errors.InvalidArgumentError(
                    None, None, f"cannot compute {self._name} as input #{i}(zero-based) was "
                                f"expected to have shape {ph.shape} but has shape {value.shape}: "
                                f"the signature is {self.pretty_printed_signature()}")
            feeds[id(ph)] = value
        for var, ph in self.graph.variable_inputs.values():
            feeds[id(ph)] = var._as_tensor()
        return feeds

    def _run_checked(self, tensors: list):
        """Run with eager tensors already known to match the placeholders (fast path)."""
        if context.graph is not None or context.tapes or self._executor is None:
            return self._run(tensors)
        feeds = {id(ph): t for ph, t in zip(self._placeholders, tensors)}
        for var, ph in self.graph.variable_inputs.values():
            feeds[id(ph)] = var._as_tensor()
        env = self._executor(feeds)
        graph = self.graph
        for key, var in graph.assigned.items():
            var.assign(env[id(graph.variable_values[key])], read_value=False)
        out = graph.structured_outputs
        if isinstance(out, GraphTensor):
            return env[id(out)]
        if out is None:
            return None
        flat = [env[id(t)] if isinstance(t, GraphTensor) else t for t in nest.flatten(out)]
        return nest.pack_sequence_as(out, flat)

    def _run(self, flat_tensors: list):
        feeds = self._feed(flat_tensors)
        graph = self.graph
        if context.graph is not None or context.tapes:
            # Inlined into an enclosing trace, or recorded op by op on active tapes.
            from tessera._graph.interpreter import run_ops

            env = run_ops(graph.operations, dict(feeds))
        else:
            if self._executor is None:
                self._executor = _make_executor(graph, self._jit_compile)
            env = self._executor(feeds)
        for key, var in graph.assigned.items():
            var.assign(env[id(graph.variable_values[key])], read_value=False)
        if graph.structured_outputs is None:
            return None
        flat = [env[id(t)] if isinstance(t, GraphTensor) else t
                for t in nest.flatten(graph.structured_outputs)]
        return nest.pack_sequence_as(graph.structured_outputs, flat)

    def __call__(self, *args, **kwargs):
        leaves = nest.flatten((list(args), {k: kwargs[k] for k in sorted(kwargs)}))
        tensors = [x for x in leaves if _is_tensorlike(x)]
        if len(tensors) != len(self._placeholders):
            # Called with keyword or Python arguments: bind like the original function.
            tensors = _flat_tensor_args(self._arg_names, args, kwargs, self._leaves)
        return self._run(tensors)


def _flat_tensor_args(names, args, kwargs, leaves) -> list:
    bound = list(args) + [kwargs[n] for n in names[len(args):] if n in kwargs]
    flat = nest.flatten(bound)
    out = [x for x, leaf in zip(flat, leaves) if leaf.spec is not None]
    return out


def _flatten_up_to(structure, value) -> list:
    """Flatten ``value`` only as deep as ``structure`` (a list value for a TensorSpec is one
    leaf)."""
    if not nest.is_nested(structure):
        return [value]
    if isinstance(structure, dict):
        return [x for k in sorted(structure, key=str)
                for x in _flatten_up_to(structure[k], value[k])]
    if len(structure) != len(value):
        raise ValueError(f"the argument {value!r} does not match the input_signature "
                         f"structure {structure!r}")
    return [x for s, v in zip(structure, value) for x in _flatten_up_to(s, v)]


def _spec_or_value(leaf: _Arg):
    return leaf.spec if leaf.spec is not None else leaf.value


def _specs_of(structure):
    return nest.map_structure(
        lambda t: TensorSpec(t.shape, t.dtype) if isinstance(t, Tensor) else t, structure)


def _type_text(x) -> str:
    if isinstance(x, TensorSpec):
        return f"TensorSpec(shape={x.shape}, dtype={x.dtype!r}, name=None)"
    if isinstance(x, dict):
        return "Dict[" + ", ".join(f"['{k}', {_type_text(v)}]" for k, v in x.items()) + "]"
    if isinstance(x, tuple | list):
        kind = "Tuple" if isinstance(x, tuple) else "List"
        return f"{kind}[" + ", ".join(_type_text(v) for v in x) + "]"
    if x is None:
        return "NoneTensorSpec()"
    return f"Literal[{x!r}]"


def _tf_name(dtype) -> str:
    from tessera._ops._args import tf_type_name

    return tf_type_name(dtype)


def _make_executor(graph: FuncGraph, jit_compile=None):
    """``jit_compile=None``: a registered compiling executor (ONNX Runtime) when installed and
    able to run the graph, else the reference interpreter; ``False``: always the reference
    interpreter; ``True``: the compiling executor or an error saying why not."""
    if jit_compile is False:
        return ReferenceExecutor(graph)
    from tessera._plugins.manager import registry

    factory = registry().executors.get("onnxruntime")
    if factory is None:
        if jit_compile:
            raise errors.UnimplementedError(
                None, None, "tf.function(jit_compile=True) needs a compiling executor: "
                            "pip install tessera-onnxruntime")
        return ReferenceExecutor(graph)
    try:
        return factory(graph)
    except NotImplementedError as e:
        if jit_compile:
            raise errors.UnimplementedError(
                None, None, f"tf.function(jit_compile=True) could not compile "
                            f"{graph.name}: {e}") from None
        return ReferenceExecutor(graph)  # e.g. a random op or tf.print: interpret it


class Function:
    """What ``@tf.function`` returns: a polymorphic callable holding concrete functions."""

    def __init__(self, python_function, name: str | None = None, input_signature=None,
                 autograph: bool = True, jit_compile=None, reduce_retracing: bool = False,
                 experimental_follow_type_hints=None, **kwargs) -> None:
        functools.update_wrapper(self, python_function)
        self._python_function = python_function
        self._name = name or getattr(python_function, "__name__", "function")
        self._input_signature = None if input_signature is None else list(input_signature)
        self._autograph = autograph
        self._jit_compile = jit_compile
        self._reduce_retracing = reduce_retracing
        self._cache: dict = {}
        self._fast: dict = {}
        self._traces = 0
        self._created_variables = False
        self._bound: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._instance = None
        try:
            self._signature = inspect.signature(python_function)
        except (TypeError, ValueError):
            self._signature = None

    @property
    def python_function(self):
        return self._python_function

    @property
    def input_signature(self):
        return None if self._input_signature is None else tuple(self._input_signature)

    def experimental_get_tracing_count(self) -> int:
        return self._traces

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        bound = self._bound.get(instance)
        if bound is None:
            bound = Function(self._python_function.__get__(instance, owner), self._name,
                             self._input_signature, self._autograph, self._jit_compile,
                             self._reduce_retracing)
            bound._instance = weakref.ref(instance)
            self._bound[instance] = bound
        return bound

    # -- binding arguments ----------------------------------------------------------------
    def _bind(self, args, kwargs):
        if self._signature is None:
            return list(args), dict(kwargs), [f"arg{i}" for i in range(len(args))]
        try:
            ba = self._signature.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"Binding inputs to tf.function failed due to `{e}`. Received args: "
                            f"{args} and kwargs: {kwargs} for signature: {self._signature}.") \
                from None
        ba.apply_defaults()
        names, values, kw = [], [], {}
        for name, value in ba.arguments.items():
            param = self._signature.parameters[name]
            if param.kind is param.VAR_POSITIONAL:
                for i, v in enumerate(value):
                    names.append(f"{name}_{i}")
                    values.append(v)
            elif param.kind is param.VAR_KEYWORD:
                kw.update(value)
            elif param.kind is param.KEYWORD_ONLY:
                kw[name] = value
            else:
                names.append(name)
                values.append(value)
        return values, kw, names

    def _apply_signature(self, values: list, names: list):
        sig = self._input_signature
        if len(values) > len(sig) and any(v is not None for v in values[len(sig):]):
            raise TypeError(f"Binding inputs to tf.function failed: got {len(values)} "
                            f"positional arguments but the input_signature has {len(sig)}")
        out = []
        for value, spec in zip(values, sig):
            for v, s in zip(_flatten_up_to(spec, value), nest.flatten(spec)):
                t = v._as_tensor() if _is_variable(v) else v
                if not isinstance(t, Tensor | TensorSpec):
                    t = convert_to_tensor(t, dtype_hint=s.dtype)
                if t.dtype != s.dtype or not s.shape.is_compatible_with(t.shape):
                    got = TensorSpec(t.shape, t.dtype)
                    raise TypeError(
                        f"Binding inputs to tf.function failed due to `Can not cast {got!r} to "
                        f"{s!r}`. Received args: {tuple(values)} and kwargs: {{}} for signature: "
                        f"({', '.join(f'{n}: {sp!r}' for n, sp in zip(names, sig))}).")
        out = list(sig)
        return out

    # -- tracing ----------------------------------------------------------------------------
    def _key(self, values, kw):
        return (_structure_key(tuple(values)), _structure_key(kw))

    def _trace(self, values: list, kw: dict, names: list[str]) -> ConcreteFunction:
        fname = f"__inference_{self._name}_{next(_ids)}"
        graph = FuncGraph(fname)
        leaves: list[_Arg] = []
        placeholders: list[GraphTensor] = []
        counters: dict[str, int] = {}

        def lift(x, base):
            if isinstance(x, np.ndarray):
                from tessera._framework.convert import dtype_of_array

                x = TensorSpec(x.shape, dtype_of_array(x))
            if isinstance(x, TensorSpec | Tensor) or _is_variable(x):
                dtype = x.dtype
                shape = x.shape
                n = counters.get(base, 0)
                counters[base] = n + 1
                label = base if n == 0 else f"{base}_{n}"
                ph = graph.placeholder(dtype, shape, label)
                placeholders.append(ph)
                leaves.append(_Arg(TensorSpec(shape, dtype, name=label)))
                graph.inputs.append(ph)
                return ph
            leaves.append(_Arg(None, x))
            return x

        sym_args = [nest.map_structure(lambda x, n=n: lift(x, n), v) for v, n in zip(values, names)]
        sym_kw = {k: nest.map_structure(lambda x, k=k: lift(x, k), v) for k, v in kw.items()}
        fn = self._python_function
        if self._autograph:
            from tessera._graph import autograph

            fn = autograph.convert(fn)
        saved = context.graph
        context.graph = graph
        try:
            result = fn(*sym_args, **sym_kw)
        finally:
            context.graph = saved
        flat = nest.flatten(result)
        for x in flat:
            if type(x).__name__ == "_Undefined":
                raise x.error()
        outputs = []
        from tessera._framework.execute import execute
        from tessera._ops.array_ops import IDENTITY

        saved = context.graph
        context.graph = graph
        try:
            for x in flat:
                if isinstance(x, Tensor) or _is_variable(x):
                    t = x._as_tensor() if _is_variable(x) else x
                    # Each output through an Identity named Identity, Identity_1, ... as TF.
                    outputs.append(execute(IDENTITY, (t,), {}))
        finally:
            context.graph = saved
        graph.outputs = outputs
        it = iter(outputs)
        graph.structured_outputs = nest.pack_sequence_as(
            result, [next(it) if (isinstance(x, Tensor) or _is_variable(x)) else x for x in flat]) \
            if flat else result
        self._traces += 1
        cf = ConcreteFunction(fname, graph, names, tuple(values), kw, leaves, placeholders)
        cf._jit_compile = self._jit_compile
        if graph.created_variables:
            if self._created_variables or (self._traces > 1 and not self._first_trace_pending):
                raise ValueError("tf.function only supports singleton tf.Variables created on "
                                 "the first call. Make sure the tf.Variable is only created once "
                                 "or created outside tf.function. See https://www.tensorflow.org"
                                 "/guide/function#creating_tfvariables for more information.")
        return cf

    _first_trace_pending = False

    def _trace_checked(self, values, kw, names) -> ConcreteFunction:
        """TF's rule: a first trace that creates variables is traced again, which must not."""
        first = self._traces == 0
        self._first_trace_pending = first
        try:
            cf = self._trace(values, kw, names)
        finally:
            self._first_trace_pending = False
        if first and cf.graph.created_variables:
            self._created_variables = True
            cf = self._trace(values, kw, names)  # raises if it creates variables again
        return cf

    def _lookup(self, values, kw, names, for_call: bool) -> ConcreteFunction:
        if self._input_signature is not None:
            specs = self._apply_signature(values, names)
            key = ("signature",)
            cf = self._cache.get(key)
            if cf is None:
                cf = self._trace_checked(specs, {}, names[:len(specs)] or
                                         [f"arg{i}" for i in range(len(specs))])
                self._cache[key] = cf
            return cf
        key = self._key(values, kw)
        cf = self._cache.get(key)
        if cf is not None:
            return cf
        if self._reduce_retracing:
            relaxed = self._relax(values, kw)
            if relaxed is not None:
                return relaxed
        if self._traces >= _RETRACE_WARN_AT:
            warnings.warn(f"{self._traces + 1} calls to {self._python_function} triggered "
                          f"tf.function retracing. Tracing is expensive and the excessive number "
                          f"of tracings could be due to (1) creating @tf.function repeatedly in a "
                          f"loop, (2) passing tensors with different shapes, (3) passing Python "
                          f"objects instead of tensors. For (1), please define your @tf.function "
                          f"outside of the loop. For (2), @tf.function has "
                          f"reduce_retracing=True option that can avoid unnecessary retracing. "
                          f"For (3), please refer to https://www.tensorflow.org/guide/function"
                          f"#controlling_retracing and https://www.tensorflow.org/api_docs/python"
                          f"/tf/function for  more details.", stacklevel=4)
        cf = self._trace_checked(values, kw, names)
        self._cache[key] = cf
        return cf

    def _relax(self, values, kw):
        """reduce_retracing: reuse a trace whose specs are compatible, or trace a general one."""
        flat = nest.flatten((list(values), kw))
        for cf in self._cache.values():
            specs = [leaf.spec for leaf in cf._leaves]
            if len(specs) != len(flat):
                continue
            if all((s is None and not isinstance(x, Tensor)) or
                   (s is not None and isinstance(x, Tensor) and s.dtype == x.dtype and
                    s.shape.is_compatible_with(x.shape)) for s, x in zip(specs, flat)):
                if all(s is not None or leaf.value == x
                       for s, leaf, x in zip(specs, cf._leaves, flat)):
                    return cf
        for cf in list(self._cache.values()):
            specs = [leaf.spec for leaf in cf._leaves]
            if len(specs) != len(flat):
                continue
            general = []
            for s, x in zip(specs, flat):
                if s is not None and isinstance(x, Tensor) and s.dtype == x.dtype and \
                        s.shape.rank == x.shape.rank:
                    dims = [a if a == b else None for a, b in zip(s.shape.as_list(),
                                                                   x.shape.as_list())]
                    general.append(TensorSpec(dims, s.dtype))
                else:
                    general.append(x)
            if any(isinstance(g, TensorSpec) for g in general):
                gv, gk = nest.pack_sequence_as((list(values), kw), general)
                new = self._trace_checked(gv, gk, cf._arg_names)
                self._cache[self._key(gv, gk)] = new
                return new
        return None

    # -- public -----------------------------------------------------------------------------
    def get_concrete_function(self, *args, **kwargs) -> ConcreteFunction:
        if self._input_signature is not None and not args and not kwargs:
            values, names = list(self._input_signature), None
            values, kw, names = self._bind(tuple(values), {})
            return self._lookup(values, kw, names, for_call=False)
        values, kw, names = self._bind(args, kwargs)
        return self._lookup(values, kw, names, for_call=False)

    def __call__(self, *args, **kwargs):
        if not kwargs:
            # Fast path: positional eager tensors whose dtypes/shapes were seen before.
            try:
                key = tuple((a._dtype, a._value.shape) for a in args)
            except AttributeError:
                key = None
            if key is not None:
                cf = self._fast.get(key)
                if cf is not None:
                    return cf._run_checked(list(args))
        values, kw, names = self._bind(args, kwargs)
        cf = self._lookup(values, kw, names, for_call=True)
        if not kwargs and len(cf._placeholders) == len(args) and \
                all(type(a) is EagerTensor for a in args):
            self._fast[tuple((a._dtype, a._value.shape) for a in args)] = cf
        flat = [x for x in nest.flatten((list(values), kw)) if _is_tensorlike(x)]
        if self._input_signature is not None:
            flat = []
            for v, spec in zip(values, self._input_signature):
                flat.extend(_flatten_up_to(spec, v))
        return cf._run(flat)

    def __repr__(self) -> str:
        return f"<tessera.function.Function object at {id(self):#x}>"


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_implements=None,
             experimental_autograph_options=None, experimental_attributes=None,
             experimental_relax_shapes=None, experimental_compile=None,
             experimental_follow_type_hints=None):
    """``tf.function``: a decorator, or ``tf.function(f, ...)``."""
    if experimental_relax_shapes is not None:
        reduce_retracing = reduce_retracing or experimental_relax_shapes

    def decorate(f):
        return Function(f, input_signature=input_signature, autograph=autograph,
                        jit_compile=jit_compile if jit_compile is not None else experimental_compile,
                        reduce_retracing=reduce_retracing)

    return decorate if func is None else decorate(func)
