"""``tf.custom_gradient``, ``tf.recompute_grad`` and ``tf.gradients`` (TF 2 semantics).

A custom-gradient call is recorded on each active tape as one synthetic op whose gradient is
the user's ``grad_fn``; the ops inside the forward function are not recorded. Variables read
by the forward function get gradients from ``grad_fn(..., variables=...)``.
"""

from __future__ import annotations

import functools
import inspect

from tessera._autodiff.tape import GradientTape
from tessera._framework import nest
from tessera._framework.context import context
from tessera._framework.convert import convert_to_tensor
from tessera._framework.op import GradContext
from tessera._framework.tensor import Tensor


class _CustomOp:
    """Tape entry for one custom-gradient call (quacks like an Op for the tape)."""

    name = "CustomGradient"

    def __init__(self, grad_fn, n_args: int, variables: list, wants_variables: bool) -> None:
        self._grad_fn = grad_fn
        self._n_args = n_args
        self._variables = variables
        self._wants_variables = wants_variables

    def grad(self, ctx: GradContext, *dys):
        dys = list(dys)
        if self._wants_variables:
            result = self._grad_fn(*dys, variables=self._variables)
            if not (isinstance(result, tuple | list) and len(result) == 2):
                raise TypeError("If using @custom_gradient with a function that uses variables, "
                                "then grad_fn must return a pair: (grad_xs, grad_vars)")
            input_grads, var_grads = result
            input_grads = list(input_grads) if isinstance(input_grads, list | tuple) \
                else [input_grads]
            var_grads = list(var_grads)
            if len(var_grads) != len(self._variables):
                raise ValueError(f"Must return gradient for each variable from @custom_gradient "
                                 f"grad_fn: expected {len(self._variables)}, got "
                                 f"{len(var_grads)}")
        else:
            input_grads = self._grad_fn(*dys)
            input_grads = list(input_grads) if isinstance(input_grads, list | tuple) \
                else [input_grads]
            var_grads = []
        if len(input_grads) != self._n_args:
            raise ValueError(f"custom_gradient function expected to return {self._n_args} "
                             f"gradients, but returned {len(input_grads)} instead.")
        return [*input_grads, *var_grads]


def custom_gradient(f=None):
    """Decorator: ``f(*x)`` returns ``(y, grad_fn)``; gradients through ``f`` use ``grad_fn``."""
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        from tessera._ops import array_ops

        if kwargs:
            raise ValueError("The custom_gradient decorator currently supports keywords "
                             "arguments only when eager execution is enabled." if
                             context.graph is not None else
                             "custom_gradient functions take tensors as positional arguments")
        tapes = list(context.tapes)
        inputs = [a if isinstance(a, Tensor) else convert_to_tensor(a) for a in args]
        # Run the forward pass unrecorded by the outer tapes, but see which variables it reads.
        context.tapes = []
        try:
            with GradientTape(watch_accessed_variables=True) as watcher:
                result, grad_fn = f(*inputs)
            variables = list(watcher.watched_variables())
            flat = [array_ops.identity(convert_to_tensor(t)) for t in nest.flatten(result)]
        finally:
            context.tapes = tapes
        params = inspect.signature(grad_fn).parameters
        wants = "variables" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
        if variables and not wants:
            raise TypeError(f"@custom_gradient grad_fn must accept keyword argument 'variables', "
                            f"since function uses variables: {[v.name for v in variables]}")
        if tapes:
            reads = [v._as_tensor() for v in variables]  # tapes see these reads
            op = _CustomOp(grad_fn, len(inputs), variables, wants)
            entry_inputs = tuple(inputs + reads)
            for tape in tapes:
                tape._record(op, entry_inputs, {}, tuple(flat))
        return nest.pack_sequence_as(result, flat)

    return wrapper


def recompute_grad(f):
    """Gradients of ``f`` recompute its forward pass instead of keeping intermediates."""

    @functools.wraps(f)
    def wrapper(*args):
        @custom_gradient
        def inner(*xs):
            y = f(*xs)

            def grad(*dys, variables=None):
                with GradientTape(watch_accessed_variables=True) as tape:
                    tape.watch(list(xs))
                    y2 = f(*xs)
                used = list(variables or [])
                grads = tape.gradient(nest.flatten(y2), [*xs, *used],
                                      output_gradients=list(dys))
                n = len(xs)
                return (grads[:n], grads[n:]) if variables is not None else grads[:n]

            return y, grad

        return inner(*args)

    return wrapper


def gradients(ys, xs, grad_ys=None, name="gradients", gate_gradients=False,
              aggregation_method=None, stop_gradients=None, unconnected_gradients="none"):
    """``tf.gradients``: graph-mode only, as in TensorFlow 2."""
    if context.graph is None:
        raise RuntimeError("tf.gradients is not supported when eager execution is enabled. Use "
                           "tf.GradientTape instead.")
    graph_gradients = getattr(context.graph, "gradients", None)
    if graph_gradients is None:
        raise NotImplementedError("tf.gradients inside this graph is not supported; use "
                                  "tf.GradientTape inside tf.function")
    return graph_gradients(ys, xs, grad_ys, unconnected_gradients)
