"""``tf.Variable``: the mutable state holder.

The value is an immutable tensor that ``assign*`` replaces (never mutated in place), so a
tensor read from a variable keeps its value after later assignments. Reads notify active
tapes (``watch_accessed_variables``); inside ``tf.function`` tracing, reads and writes go
through the graph's variable hooks so variables enter compiled graphs as inputs and leave
as updated outputs.
"""

from __future__ import annotations

import enum

import numpy as np

from tessera import dtypes as _dtypes
from tessera._framework import name_scope as _name_scope
from tessera._framework.context import context
from tessera._framework.convert import convert_to_tensor, wrap
from tessera._framework.tensor import Tensor, TensorRef, _numpy_text
from tessera._framework.tensor_shape import TensorShape


class VariableSynchronization(enum.Enum):
    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class VariableAggregation(enum.Enum):
    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3


class _State:
    """What a variable and its UnreadVariable views share."""

    __slots__ = ("shape", "value")

    def __init__(self, value: Tensor, shape: TensorShape) -> None:
        self.value, self.shape = value, shape


class Variable:
    """``tf.Variable``."""

    _is_variable = True
    __array_priority__ = 100

    def __init__(self, initial_value=None, trainable=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None,
                 import_scope=None, constraint=None,
                 synchronization=VariableSynchronization.AUTO,
                 aggregation=VariableAggregation.NONE, shape=None,
                 experimental_enable_variable_lifting=True) -> None:
        if initial_value is None:
            raise ValueError("The `initial_value` arg (None) must be specified.")
        if constraint is not None and not callable(constraint):
            raise ValueError(f"Argument `constraint` must be None or a callable. a callable "
                             f"is got {constraint!r}")
        if callable(initial_value) and not isinstance(initial_value, Tensor):
            initial_value = initial_value()
        if getattr(initial_value, "_is_variable", False):
            initial_value = initial_value.read_value()
        value = convert_to_tensor(initial_value, dtype=_dtypes.as_dtype(dtype) if dtype else None)
        if context.graph is not None and not hasattr(value, "_value"):
            value = context.graph.fold(value)  # variables are created eagerly, as TF lifts them
        if not isinstance(initial_value, Tensor) and hasattr(value, "_value") and \
                isinstance(initial_value, np.ndarray) and value._value is initial_value:
            value = wrap(initial_value.copy(), value.dtype)  # the caller's array stays theirs
        if synchronization == VariableSynchronization.ON_READ and trainable:
            raise ValueError("Synchronization value can be set to VariableSynchronization.ON_READ "
                             "only for non-trainable variables. You have specified trainable=True"
                             " and synchronization=VariableSynchronization.ON_READ.")
        if trainable is None:
            trainable = synchronization != VariableSynchronization.ON_READ
        if shape is not None:
            declared = TensorShape(shape)
            if not declared.is_compatible_with(value.shape):
                raise ValueError(f"The initial value's shape ({value.shape}) is not compatible "
                                 f"with the explicitly supplied `shape` argument ({declared}).")
        elif validate_shape:
            declared = value.shape
        else:
            declared = TensorShape(None)
        self._state = _State(value, declared)
        base = name if name is not None else "Variable"
        self._name = _name_scope.current_prefix() + str(base).rstrip("/") + ":0" if \
            not str(base).endswith(":0") else _name_scope.current_prefix() + str(base)
        self._trainable = bool(trainable)
        self._constraint = constraint
        self._synchronization = synchronization
        self._aggregation = aggregation
        self._initial_value = value
        self._device = context.device_name
        graph = context.graph
        if graph is not None and hasattr(graph, "on_variable_created"):
            graph.on_variable_created(self)

    # -- properties -------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self) -> _dtypes.DType:
        return self._state.value.dtype

    @property
    def shape(self) -> TensorShape:
        s = self._state.shape
        return s if s.rank is not None else self._state.value.shape

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def ndim(self) -> int:
        return self._state.value.ndim

    @property
    def device(self) -> str:
        return self._device

    @property
    def trainable(self) -> bool:
        return self._trainable

    @property
    def constraint(self):
        return self._constraint

    @property
    def synchronization(self):
        return self._synchronization

    @property
    def aggregation(self):
        return self._aggregation

    @property
    def initial_value(self) -> Tensor:
        return self._initial_value

    @property
    def handle(self):
        return self

    # -- reading ------------------------------------------------------------------------
    def _as_tensor(self) -> Tensor:
        """The current value, as an op input; tapes and graphs are told of the read."""
        ctx = context
        graph = ctx.graph
        if graph is not None and hasattr(graph, "read_variable"):
            return graph.read_variable(self)
        value = self._state.value
        if ctx.tapes:
            # A fresh tensor per read, so each read has its own identity on the tape.
            value = wrap(value._value, value._dtype, value._device)
            for tape in ctx.tapes:
                tape._variable_read(self, value)
        return value

    def value(self) -> Tensor:
        return self._as_tensor()

    def read_value(self) -> Tensor:
        from tessera._ops import array_ops

        return array_ops.identity(self._as_tensor())

    def numpy(self):
        return self._state.value.numpy()

    def __array__(self, dtype=None, copy=None):
        return self._state.value.__array__(dtype, copy)

    def eval(self, session=None):
        raise NotImplementedError("Variable.eval needs a TF1 Session: use .numpy() in TF2, or "
                                  "tessera.compat.v1 when installed")

    # -- writing ------------------------------------------------------------------------
    def _coerce(self, value, op: str) -> Tensor:
        if getattr(value, "_is_variable", False):
            value = value._as_tensor()
        t = convert_to_tensor(value, dtype=self.dtype) if not isinstance(value, Tensor) else value
        if t.dtype != self.dtype:
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {self.dtype.name}")
        declared = self._state.shape
        if declared.rank is not None and not declared.is_compatible_with(t.shape):
            raise ValueError(f"Cannot {op} value to variable ' {self._name}': Shape mismatch."
                             f"The variable shape {declared}, and the assigned value shape "
                             f"{t.shape} are incompatible.")
        if isinstance(value, np.ndarray) and getattr(t, "_value", None) is value:
            t = wrap(value.copy(), t.dtype)
        return t

    def _write(self, new: Tensor, read_value: bool):
        graph = context.graph
        if graph is not None and hasattr(graph, "assign_variable"):
            graph.assign_variable(self, new)
        else:
            self._state.value = new
        return _UnreadVariable(self) if read_value else None

    def assign(self, value, use_locking=None, name=None, read_value=True):
        """Replace the value; returns the variable (as ``UnreadVariable``) or None."""
        return self._write(self._coerce(value, "assign"), read_value)

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        from tessera._ops import math_ops

        return self._write(self._coerce(math_ops.add(self._as_tensor(), self._coerce(
            delta, "add")), "add"), read_value)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        from tessera._ops import math_ops

        return self._write(self._coerce(math_ops.subtract(self._as_tensor(), self._coerce(
            delta, "subtract")), "subtract"), read_value)

    def _scatter(self, kind: str, indices, updates, nd: bool):
        current = np.array(self._state.value.numpy(), copy=True)
        idx = np.asarray(indices.numpy() if isinstance(indices, Tensor) else indices)
        upd = np.asarray(updates.numpy() if isinstance(updates, Tensor) else updates,
                         dtype=current.dtype)
        if nd:
            idx = idx.reshape(-1, idx.shape[-1])
            upd = upd.reshape(idx.shape[0], *current.shape[idx.shape[1]:])
            target = tuple(idx.T)
        else:
            target = idx
        funcs = {"update": None, "add": np.add, "sub": np.subtract, "mul": np.multiply,
                 "div": np.divide, "max": np.maximum, "min": np.minimum}
        size = current.shape[0] if current.ndim else 0
        flat_first = idx[..., 0] if nd else idx
        if np.any((flat_first < 0) | (flat_first >= size)):
            from tessera import errors

            bad = int(flat_first[(flat_first < 0) | (flat_first >= size)].ravel()[0])
            raise errors.InvalidArgumentError(None, None, f"indices[0] = {bad} is not in "
                                                          f"[0, {size})")
        if funcs[kind] is None:
            current[target] = upd
        else:
            funcs[kind].at(current, target, upd)
        return self._write(wrap(current, self.dtype), True)

    def scatter_update(self, sparse_delta, use_locking=False, name=None):
        return self._scatter("update", sparse_delta.indices, sparse_delta.values, False)

    def scatter_add(self, sparse_delta, use_locking=False, name=None):
        return self._scatter("add", sparse_delta.indices, sparse_delta.values, False)

    def scatter_sub(self, sparse_delta, use_locking=False, name=None):
        return self._scatter("sub", sparse_delta.indices, sparse_delta.values, False)

    def scatter_mul(self, sparse_delta, use_locking=False, name=None):
        return self._scatter("mul", sparse_delta.indices, sparse_delta.values, False)

    def scatter_div(self, sparse_delta, use_locking=False, name=None):
        return self._scatter("div", sparse_delta.indices, sparse_delta.values, False)

    def scatter_max(self, sparse_delta, use_locking=False, name=None):
        return self._scatter("max", sparse_delta.indices, sparse_delta.values, False)

    def scatter_min(self, sparse_delta, use_locking=False, name=None):
        return self._scatter("min", sparse_delta.indices, sparse_delta.values, False)

    def scatter_nd_update(self, indices, updates, name=None):
        return self._scatter("update", indices, updates, True)

    def scatter_nd_add(self, indices, updates, name=None):
        return self._scatter("add", indices, updates, True)

    def scatter_nd_sub(self, indices, updates, name=None):
        return self._scatter("sub", indices, updates, True)

    def scatter_nd_max(self, indices, updates, name=None):
        return self._scatter("max", indices, updates, True)

    def scatter_nd_min(self, indices, updates, name=None):
        return self._scatter("min", indices, updates, True)

    def batch_scatter_update(self, sparse_delta, use_locking=False, name=None):
        return self.scatter_update(sparse_delta, use_locking, name)

    # -- identity and printing ------------------------------------------------------------
    def __hash__(self):
        raise TypeError(f"Variable is unhashable. Instead, use variable.ref() as the key. "
                        f"(Variable: {self!r})")

    def ref(self) -> TensorRef:
        return TensorRef(self)

    def experimental_ref(self) -> TensorRef:
        return TensorRef(self)

    def _display_name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        v = self._state.value
        return (f"<tf.Variable '{self._display_name()}' shape={v.shape} dtype={v.dtype.name}, "
                f"numpy={_numpy_text(v._host(), True)}>")

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._state.value)

    def __len__(self) -> int:
        return len(self._state.value)

    def __iter__(self):
        return iter(self._as_tensor())

    def __float__(self) -> float:
        return float(self._state.value)

    def __int__(self) -> int:
        return int(self._state.value)

    def __index__(self) -> int:
        return self._state.value.__index__()

    def __format__(self, spec: str) -> str:
        return format(self._state.value, spec)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        new = Variable(np.array(self.numpy(), copy=True), trainable=self._trainable,
                       name=self._name[:-2], constraint=self._constraint, dtype=self.dtype)
        memo[id(self)] = new
        return new


class _UnreadVariable(Variable):
    """What ``assign`` returns: the same variable, shown as TF shows it."""

    def __init__(self, var: Variable) -> None:
        self.__dict__.update(var.__dict__)
        self._source = var

    def _display_name(self) -> str:
        return "UnreadVariable"

    def _as_tensor(self) -> Tensor:
        return self._source._as_tensor()


def _install_operators() -> None:
    """Every Tensor operator on Variable: read the value, then apply it."""
    names = ["add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or",
             "xor"]
    for n in names:
        for prefix in ("__", "__r"):
            attr = f"{prefix}{n}__"
            method = getattr(Tensor, attr, None)
            if method is None:
                continue

            def op(self, other, _m=method):
                # Read both operands here so the tensor op takes its fast path.
                if getattr(other, "_is_variable", False):
                    other = other._as_tensor()
                return _m(self._as_tensor(), other)

            setattr(Variable, attr, op)
    for attr in ["__neg__", "__pos__", "__abs__", "__invert__", "__lt__", "__le__", "__gt__",
                 "__ge__", "__eq__", "__ne__", "__getitem__"]:
        method = getattr(Tensor, attr)

        def op(self, *args, _m=method):
            return _m(self._as_tensor(), *args)

        setattr(Variable, attr, op)
    Variable.__hash__ = Variable.__dict__["__hash__"]
