"""``tf.py_function`` and ``tf.numpy_function``: Python code run at execution time, also
inside traced functions and tf.data pipelines (one stateful op calling the Python function)."""

from __future__ import annotations

import numpy as np

from tessera import dtypes as _dtypes
from tessera._framework.context import context
from tessera._framework.convert import convert_to_tensor, wrap
from tessera._framework.op import declare, no_onnx_lowering, not_differentiable, tested_elsewhere


def _kernel(*arrays, func, tout, numpy_args):
    saved = context.graph
    context.graph = None  # the Python function runs eagerly, whatever is being traced
    try:
        if numpy_args:
            args = list(arrays)
        else:
            args = [wrap(np.asarray(a), _dtype_of(a)) for a in arrays]
        result = func(*args)
    finally:
        context.graph = saved
    results = list(result) if isinstance(result, list | tuple) else [result]
    if len(results) != len(tout):
        raise ValueError(f"the Python function returned {len(results)} values, Tout names "
                         f"{len(tout)}")
    out = []
    for r, dt in zip(results, tout):
        t = convert_to_tensor(r.numpy() if hasattr(r, "numpy") else r, dtype=dt)
        out.append(np.asarray(t._host()))
    return tuple(out)


def _dtype_of(array):
    from tessera._framework.convert import dtype_of_array

    return dtype_of_array(np.asarray(array))


PY_FUNC = declare("EagerPyFunc", _kernel, num_outputs=-1, stateful=True,
                  infer=lambda *shapes, func, tout, numpy_args: [None] * len(tout),
                  dtype_rule=lambda dts, attrs: list(attrs["tout"]))
not_differentiable(PY_FUNC)
no_onnx_lowering(PY_FUNC, "runs a Python function")
tested_elsewhere(PY_FUNC, "packages/core/tests/test_function.py")


def _call(func, inp, Tout, numpy_args: bool):
    from tessera._framework.execute import execute

    single = not isinstance(Tout, list | tuple)
    tout = tuple(_dtypes.as_dtype(t) for t in ([Tout] if single else Tout))
    inputs = tuple(convert_to_tensor(x._as_tensor() if hasattr(x, "_as_tensor") else x)
                   for x in (inp or []))
    out = execute(PY_FUNC, inputs, {"func": func, "tout": tout, "numpy_args": numpy_args})
    out = list(out) if isinstance(out, tuple) else [out]
    return out[0] if single else out


def py_function(func=None, inp=None, Tout=None, name=None):
    """``tf.py_function``: ``func`` gets eager tensors, at run time."""
    return _call(func, inp, Tout, numpy_args=False)


def numpy_function(func=None, inp=None, Tout=None, stateful=True, name=None):
    """``tf.numpy_function``: ``func`` gets NumPy arrays, at run time."""
    return _call(func, inp, Tout, numpy_args=True)


def _export_all() -> None:
    from tessera._api import export

    export("py_function", py_function)
    export("numpy_function", numpy_function)


_export_all()
