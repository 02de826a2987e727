"""The one dispatch path every op takes: ``execute(op, inputs, attrs)``.

Eager: a dict lookup for the (op, device type) kernel, the kernel call, the output wrapped
as a tensor, and recording on active tapes. Tracing: a node added to the graph being
built. Plugins are never consulted here; the kernel tables are filled at registration
(the first miss loads plugins, once).
"""

from __future__ import annotations

import re
import warnings

import numpy as np

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._framework import bfloat16 as _bf16
from tessera._framework.context import context
from tessera._framework.convert import wrap
from tessera._framework.device import state as _device_state
from tessera._framework.op import CORE_OPS, Op
from tessera._framework.tensor import EagerTensor as _EagerTensor
from tessera._plugins.registry import GLOBAL_LISTENERS

_new = object.__new__
_ndarray = np.ndarray
_F32 = np.dtype(np.float32)
_BF16 = _dtypes.bfloat16
_warned_fallback: set[tuple[str, str]] = set()


def _refresh_tables(reg) -> None:
    """Copy the registry's kernel and lowering tables onto each op (dispatch reads these)."""
    ops = {**CORE_OPS, **reg.ops}
    for op in ops.values():
        op.kernels.clear()
        op.onnx_lowerings.clear()
    for (name, device), kernel in reg.kernels.items():
        op = ops.get(name)
        if op is not None:
            op.kernels[device] = kernel
    for name, lowering in reg.onnx_lowerings.items():
        op = ops.get(name)
        if op is not None:
            op.onnx_lowerings["default"] = lowering


if _refresh_tables not in GLOBAL_LISTENERS:
    GLOBAL_LISTENERS.append(_refresh_tables)


def resolve_kernel(op: Op, device_type: str):
    """Slow path of dispatch: load plugins if needed; fall back to the CPU with a warning."""
    return resolve_kernel_and_device(op, device_type)[0]


def resolve_kernel_and_device(op: Op, device_type: str):
    """(kernel, device type it runs on): the device's own, else the CPU's (warned once)."""
    from tessera._plugins.manager import registry

    registry()  # loads plugins once; the listener fills op.kernels
    kernel = op.kernels.get(device_type)
    if kernel is not None:
        return kernel, device_type
    cpu = op.kernels.get("CPU")
    if cpu is None:
        raise errors.NotFoundError(
            None, None, f"No kernel is registered for op {op.name} on any device "
                        f"(checked {device_type} and CPU). [Op:{op.name}]")
    if (op.name, device_type) not in _warned_fallback:
        _warned_fallback.add((op.name, device_type))
        warnings.warn(f"op {op.name} has no kernel for device type {device_type}; running it "
                      f"on the CPU (this warning is shown once per op)", RuntimeWarning,
                      stacklevel=4)
    return cpu, "CPU"


_BROADCAST = re.compile(r"operands could not be broadcast together with shapes ((?:\([0-9, ]*\) ?)+)")


def _tf_shape_list(text: str) -> str:
    dims = [d for d in text.strip("() ").split(",") if d.strip()]
    return "[" + ",".join(d.strip() for d in dims) + "]"


def _fail(op: Op, exc: Exception):
    if isinstance(exc, errors.OpError):
        return exc
    msg = str(exc)
    m = _BROADCAST.search(msg)
    if m:  # NumPy's broadcasting error, in TensorFlow's words
        shapes = re.findall(r"\([0-9, ]*\)", m.group(1))
        msg = "Incompatible shapes: " + " vs. ".join(_tf_shape_list(s) for s in shapes)
    if isinstance(exc, MemoryError):
        return errors.ResourceExhaustedError(None, None, f"OOM running {op.name}: {msg} "
                                                         f"[Op:{op.name}]")
    return errors.InvalidArgumentError(None, None, f"{msg} [Op:{op.name}] name: ")


def execute(op: Op, inputs: tuple, attrs: dict):
    """Run ``op`` on tensors ``inputs``; returns a tensor or a tuple of tensors."""
    ctx = context
    if ctx.graph is not None:
        out = ctx.graph.add_op(op, inputs, attrs)
        if ctx.tapes:  # gradients taken inside tf.function become ops of the same graph
            outs = out if isinstance(out, tuple) else (out,)
            for tape in ctx.tapes:
                tape._record(op, inputs, attrs, outs)
        return out
    if _device_state["multi_device"]:
        return _execute_placed(op, inputs, attrs, ctx)
    kernel = op.kernels.get(ctx.device_type)
    if kernel is None:
        kernel = resolve_kernel(op, ctx.device_type)
    n = len(inputs)
    try:
        # Specialized by arity: building an argument list costs more than the kernel call
        # for small tensors.
        if n == 2:
            out = kernel(inputs[0]._value, inputs[1]._value, **attrs)
        elif n == 1:
            out = kernel(inputs[0]._value, **attrs)
        else:
            out = kernel(*[t._value for t in inputs], **attrs)
    except (ValueError, IndexError, TypeError, ArithmeticError, MemoryError,
            np.linalg.LinAlgError, errors.OpError) as exc:
        raise _fail(op, exc) from None
    rule = op.dtype_rule
    if op.num_outputs == 1:
        dtype = inputs[0]._dtype if rule is None else rule([t._dtype for t in inputs], attrs)
        if type(out) is not _ndarray:
            out = np.asarray(out)
        if dtype is _BF16 and out.dtype == _F32:
            out = _bf16.round_to_bfloat16(out)
        result = _new(_EagerTensor)
        result._value = out
        result._dtype = dtype
        result._device = ctx.device_name
        if ctx.tapes:
            for tape in ctx.tapes:
                tape._record(op, inputs, attrs, (result,))
        return result
    dts = (inputs[0]._dtype,) * len(out) if rule is None else rule(
        [t._dtype for t in inputs], attrs)
    results = tuple(wrap(np.asarray(o), d, ctx.device_name) for o, d in zip(out, dts))
    if ctx.tapes:
        for tape in ctx.tapes:
            tape._record(op, inputs, attrs, results)
    return results


def _execute_placed(op: Op, inputs: tuple, attrs: dict, ctx):
    """Dispatch once non-CPU devices are in use: inputs are moved to where the op runs."""
    from tessera._framework import device as _device

    kernel = op.kernels.get(ctx.device_type)
    run_type = ctx.device_type
    if kernel is None:
        kernel, run_type = resolve_kernel_and_device(op, ctx.device_type)
    run_name = ctx.device_name if run_type == ctx.device_type else _device.full_name("CPU", 0)
    values = _device.values_on(inputs, run_name)
    try:
        out = kernel(*values, **attrs)
    except (ValueError, IndexError, TypeError, ArithmeticError, MemoryError,
            np.linalg.LinAlgError, errors.OpError) as exc:
        raise _fail(op, exc) from None
    rule = op.dtype_rule
    multi = op.num_outputs != 1
    outs = out if multi else (out,)
    if rule is None:
        dts = (inputs[0]._dtype,) * len(outs)
    else:
        dts = rule([t._dtype for t in inputs], attrs)
        dts = dts if multi else (dts,)
    results = tuple(wrap(o if run_type != "CPU" else np.asarray(o), d, run_name)
                    for o, d in zip(outs, dts))
    if ctx.tapes:
        for tape in ctx.tapes:
            tape._record(op, inputs, attrs, results)
    return results if multi else results[0]
