"""Symbolic tensors of the functional API and the nodes that connect layers.

A ``KerasTensor`` only knows a shape (with ``None`` for unknown dimensions) and a dtype;
calling a layer on one records a ``Node`` and infers the output's shape by tracing the
layer's ``call`` into a throwaway Tessera graph with placeholders.
"""

from __future__ import annotations

import tessera as tf
from tessera._framework import nest
from tessera._framework.context import context
from tessera._graph.graph import FuncGraph


class KerasHistory:
    __slots__ = ("node_index", "operation", "tensor_index")

    def __init__(self, operation, node_index: int, tensor_index: int) -> None:
        self.operation, self.node_index, self.tensor_index = operation, node_index, tensor_index

    def __iter__(self):
        return iter((self.operation, self.node_index, self.tensor_index))


class KerasTensor:
    """``keras.KerasTensor``: a placeholder of the functional API."""

    def __init__(self, shape, dtype="float32", sparse=False, name=None) -> None:
        self._shape = None if shape is None else tuple(None if d is None else int(d) for d in shape)
        self._dtype = tf.as_dtype(dtype)
        self.sparse = sparse
        self.name = name
        self._keras_history: KerasHistory | None = None

    @property
    def shape(self):
        return self._shape

    @property
    def dtype(self) -> str:
        return self._dtype.name

    @property
    def ndim(self) -> int | None:
        return None if self._shape is None else len(self._shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self._shape}, dtype={self.dtype}, sparse={self.sparse}, " \
               f"name={self.name}>"

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor cannot be used as a boolean.")

    def __array__(self, *args, **kwargs):
        raise ValueError("A KerasTensor is symbolic: it's a placeholder for a shape and a dtype. "
                         "It doesn't have any actual numerical value. You cannot convert it to a "
                         "NumPy array.")

    # Arithmetic on symbolic tensors makes small op layers, as Keras does.
    def _op(self, fn, other=None, reverse=False):
        from tessera_keras.layers._core import _OpLayer

        if other is None:
            return _OpLayer(fn)(self)
        if reverse:
            return _OpLayer(lambda a, b: fn(b, a))([self, other])
        return _OpLayer(fn)([self, other])

    def __add__(self, o): return self._op(tf.add, o)
    def __radd__(self, o): return self._op(tf.add, o, True)
    def __sub__(self, o): return self._op(tf.subtract, o)
    def __rsub__(self, o): return self._op(tf.subtract, o, True)
    def __mul__(self, o): return self._op(tf.multiply, o)
    def __rmul__(self, o): return self._op(tf.multiply, o, True)
    def __truediv__(self, o): return self._op(tf.truediv, o)
    def __rtruediv__(self, o): return self._op(tf.truediv, o, True)
    def __neg__(self): return self._op(tf.negative)
    def __pow__(self, o): return self._op(tf.pow, o)
    def __matmul__(self, o): return self._op(tf.matmul, o)

    def __getitem__(self, key):
        from tessera_keras.layers._core import _OpLayer

        return _OpLayer(lambda a: a[key])(self)


def is_keras_tensor(x) -> bool:
    return isinstance(x, KerasTensor)


def any_symbolic(*structures) -> bool:
    return any(isinstance(x, KerasTensor) for s in structures for x in nest.flatten(s))


class Node:
    """One call of a layer on symbolic inputs."""

    def __init__(self, operation, call_args: tuple, call_kwargs: dict, outputs) -> None:
        self.operation = operation
        self.arguments = (call_args, call_kwargs)
        self.outputs = outputs
        self.input_tensors = [x for x in nest.flatten((call_args, call_kwargs))
                              if isinstance(x, KerasTensor)]
        self.output_tensors = [x for x in nest.flatten(outputs) if isinstance(x, KerasTensor)]
        self.is_input = not self.input_tensors
        operation._inbound_nodes.append(self)
        node_index = len(operation._inbound_nodes) - 1
        for i, t in enumerate(self.output_tensors):
            t._keras_history = KerasHistory(operation, node_index, i)

    @property
    def parent_nodes(self) -> list:
        out = []
        for t in self.input_tensors:
            op, ni, _ = t._keras_history
            node = op._inbound_nodes[ni]
            if node not in out:
                out.append(node)
        return out


class SymbolicGraph(FuncGraph):
    """A throwaway graph used only to infer output shapes."""

    _keras_symbolic = True


def infer_outputs(fn, args: tuple, kwargs: dict, name: str):
    """Run ``fn`` on placeholders standing for the KerasTensors in args/kwargs; return the
    output structure with KerasTensors in place of graph tensors."""
    graph = SymbolicGraph(f"{name}_symbolic")
    counter = iter(range(1 << 30))

    def lift(x):
        if isinstance(x, KerasTensor):
            shape = tf.TensorShape(None if x.shape is None else list(x.shape))
            return graph.placeholder(x._dtype, shape, f"input_{next(counter)}")
        return x

    sym_args = nest.map_structure(lift, args)
    sym_kwargs = nest.map_structure(lift, kwargs)
    saved = context.graph
    context.graph = graph
    try:
        out = fn(*sym_args, **sym_kwargs)
    finally:
        context.graph = saved

    def lower(t):
        if isinstance(t, tf.Tensor) or getattr(t, "_is_variable", False):
            shape = t.shape
            dims = None if shape.rank is None else tuple(shape.as_list())
            return KerasTensor(dims, t.dtype)
        return t

    return nest.map_structure(lower, out)


def in_symbolic_graph() -> bool:
    return getattr(context.graph, "_keras_symbolic", False)
