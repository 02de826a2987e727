"""User functions applied to dataset elements (map, filter, flat_map, ...).

Every transformation calls the user's function through :func:`_wrap_function`, the one
place that decides how it runs. Today it runs eagerly, once per element, on eager tensors
(so ``print`` and ``.numpy()`` work inside it). The output spec, which TensorFlow learns by
tracing, is learned lazily: by tracing with ``tf.function`` when that succeeds, else by
running the function on the first input element.
"""

from __future__ import annotations

from collections.abc import Callable

from tessera._data import structure
from tessera._framework.tensor import EagerTensor

_UNSET = object()


def _should_unpack(element) -> bool:
    # TF unpacks a plain tuple into positional arguments; namedtuples and dicts are one arg.
    return type(element) is tuple


class StructuredFunction:
    """``fn`` made callable on whole elements: unpacks tuples, normalizes the result."""

    __slots__ = ("_first_element", "_fn", "_input_spec", "_output_spec", "call", "name")

    def __init__(self, fn: Callable, input_spec, first_element: Callable | None = None) -> None:
        if not callable(fn):
            raise TypeError(f"`map_func` must be a callable, got {type(fn).__name__}: {fn!r}")
        self._fn = fn
        self._input_spec = input_spec
        self._output_spec = _UNSET
        self._first_element = first_element
        self.name = getattr(fn, "__name__", type(fn).__name__)
        self.call = self._make_call(fn)

    @staticmethod
    def _make_call(fn):
        eager = EagerTensor
        norm = structure.normalize_output

        def call(element):
            out = fn(*element) if type(element) is tuple else fn(element)
            if type(out) is eager:
                return out
            if type(out) is tuple and all(type(v) is eager for v in out):
                return out
            return norm(out)

        return call

    def __call__(self, element):
        return self.call(element)

    def call_raw(self, *args):
        """Call with explicit positional arguments (scan/reduce state, key and window)."""
        return structure.normalize_output(self._fn(*args))

    def output_spec(self):
        """The spec of the function's result, found by tracing or by a first element."""
        if self._output_spec is _UNSET:
            self._output_spec = self._trace_spec()
        return self._output_spec

    def _trace_spec(self):
        input_spec = self._input_spec
        if hasattr(input_spec, "_dataset"):  # a lazy stand-in for the input's element_spec
            input_spec = input_spec._dataset.element_spec
        spec = _traced_output_spec(self._fn, input_spec)
        if spec is not None:
            return spec
        if self._first_element is None:
            raise ValueError("Cannot infer the element_spec of this function's results")
        element = self._first_element()
        if element is None:
            raise ValueError(f"Cannot infer the output spec of {self.name!r}: its input dataset "
                             f"is empty and the function could not be traced")
        with structure.learning_specs() as hints:
            out = self.call(element)
        # One element cannot tell which dimensions vary: keep ranks and dtypes, relax the
        # dimensions (unless a function recorded its exact spec as a hint).
        return structure.spec_of_hinted(out, hints, relax=True)


def _traced_output_spec(fn, input_spec):
    """Trace ``fn`` with tf.function on ``input_spec``; None when it cannot be traced."""
    from tessera._framework.tensor_spec import TensorSpec

    flat = structure.flatten(input_spec)
    if not all(isinstance(s, TensorSpec) for s in flat):
        return None
    try:
        from tessera._graph.function import function

        args = input_spec if _should_unpack(input_spec) else (input_spec,)
        concrete = function(lambda *a: _as_tuple_output(fn(*a))).get_concrete_function(*args)
        out = concrete.structured_outputs
        out_flat = structure.flatten(out)
        specs = [TensorSpec(t.shape, t.dtype) for t in out_flat]
        return structure.pack(out, specs)
    except Exception:
        return None


def _as_tuple_output(value):
    if isinstance(value, list):
        return tuple(_as_tuple_output(v) for v in value)
    return value


def _wrap_function(fn: Callable, element_spec, first_element: Callable | None = None
                   ) -> StructuredFunction:
    """The one way tf.data calls a user function on elements (see the module docstring)."""
    return StructuredFunction(fn, element_spec, first_element)
