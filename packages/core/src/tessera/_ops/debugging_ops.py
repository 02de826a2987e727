"""Asserts, checks, tf.print and clipping (tf.debugging, tf.clip_by_*): each op declared once.

Eager asserts check with NumPy and raise TensorFlow's eager messages; while tracing they add
the stateful ``Assert`` op. ``tf.print`` formats with ``StringFormat`` and writes with the
stateful ``PrintV2`` op at run time. Clipping composes public ops, so gradients come free.
"""

from __future__ import annotations

import sys

import numpy as np

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._framework.context import context
from tessera._framework.convert import convert_to_tensor, is_tensor, wrap
from tessera._framework.execute import execute
from tessera._framework.op import Sample, declare, no_onnx_lowering, not_differentiable
from tessera._framework.tensor import Tensor
from tessera._ops import _rules
from tessera._ops._args import FLOATS, check_dtype, tensor

_STRING = _dtypes.string


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _message_prefix(message) -> str:
    return f"{message}.  " if message else ""


def _shape_and_dtype(t: Tensor) -> str:
    return f"shape={t.shape} dtype={t.dtype.name}"


# ---- the Assert op (graph mode; eager asserts raise directly) --------------------------------
def _summarize_v1(arr: np.ndarray, summarize: int) -> str:
    """TF's (pre-print_v2) SummarizeValue: flat elements, strings unquoted."""
    from tessera._ops.string_ops import _element_texts

    flat = arr.reshape(-1)
    n = flat.size if summarize < 0 else min(summarize, flat.size)
    head = flat[:n]
    if head.dtype == object:
        items = [s.decode("utf-8", "replace") for s in head.tolist()]
    else:
        items = [t.decode() for t in _element_texts(head).tolist()]
    return " ".join(items) + ("..." if n < flat.size else "")


def _assert_kernel(condition, *data, summarize=3):
    if not bool(np.all(condition)):
        text = " ".join(f"[{_summarize_v1(np.asarray(d), summarize)}]" for d in data)
        raise errors.InvalidArgumentError(None, None, f"assertion failed: {text}")
    return ()


ASSERT = declare("Assert", _assert_kernel, infer=lambda *shapes, **attrs: [], num_outputs=0,
                 stateful=True, samples=lambda: [
                     Sample((np.array(True), np.array([1, 2], np.int32)), grad=False,
                            onnx=False),
                     Sample((np.array(True),), grad=False, onnx=False)])
not_differentiable(ASSERT)
no_onnx_lowering(ASSERT, "ONNX has no assertion operator (checks are dropped at export)")


def _summarize_eager(t: Tensor, summarize) -> str:
    arr = t.numpy() if hasattr(t, "numpy") else np.asarray(t)
    if summarize is None:
        summarize = 3
    elif summarize < 0:
        summarize = np.size(arr)
    if np.ndim(arr):
        flat = np.asarray(arr).reshape(-1)
        items = [str(v) for v in flat[:summarize]]
        if len(items) < flat.size:
            items.append("...")
    else:
        items = [str(arr)] if summarize != 0 else []
    return ", ".join(items)


def Assert(condition, data, summarize=None, name=None):
    """``tf.debugging.Assert``: InvalidArgumentError with ``data`` summarized when false."""
    if context.graph is not None:
        cond = tensor(condition, dtype=_dtypes.bool) if not isinstance(condition, Tensor) \
            else condition
        ts = tuple(tensor(d) for d in data)
        return execute(ASSERT, (cond, *ts), {"summarize": 3 if summarize is None
                                             else int(summarize)})
    if not condition:
        ts = [_as_tensor(d) for d in data]
        text = "\n".join(_summarize_eager(t, summarize) for t in ts)
        raise errors.InvalidArgumentError(
            None, None, f"Expected '{condition!s}' to be true. Summarized data: {text}")
    return None


# ---- binary asserts ------------------------------------------------------------------------
def _pretty(item, summarize: int) -> str:
    if isinstance(item, Tensor):
        arr = item.numpy()
        if np.ndim(arr) == 0:
            return str(arr)
        flat = arr.reshape(-1)
        items = [str(v) for v in flat[:summarize]]
        if len(items) < flat.size:
            items.append("...")
        return str(items)
    return str(item)


def _assert_failure_text(sym: str, x: np.ndarray, y: np.ndarray, summarize) -> str:
    """TF's eager text for a failed ``x sym y`` check (used by RaggedTensor validation too)."""
    summarize = 3 if summarize is None else (10 ** 9 if summarize < 0 else summarize)
    lines = [f"Condition x {sym} y did not hold."]
    if summarize > 0:
        if x.shape == y.shape and x.ndim:
            test = _COMPARE[sym](x, y)
            mask = ~test
            indices = np.argwhere(mask)
            k = min(summarize, indices.shape[0])
            lines += [f"Indices of first {k} different values:", str(indices[:k]),
                      "Corresponding x values:", str(x[mask].reshape(-1)[:k]),
                      "Corresponding y values:", str(y[mask].reshape(-1)[:k])]
        fx, fy = x.reshape(-1), y.reshape(-1)
        nx, ny = min(fx.size, summarize), min(fy.size, summarize)
        lines += [f"First {nx} elements of x:", str(fx[:nx]),
                  f"First {ny} elements of y:", str(fy[:ny])]
    return "\n".join(lines)


_COMPARE = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
            ">": np.greater, ">=": np.greater_equal}


def _compare_op(sym: str):
    from tessera._ops import math_ops

    return {"==": math_ops.equal, "!=": math_ops.not_equal, "<": math_ops.less,
            "<=": math_ops.less_equal, ">": math_ops.greater,
            ">=": math_ops.greater_equal}[sym]


def _binary_assert(sym: str, x, y, message=None, summarize=None, data=None):
    x = _as_tensor(x)
    y = _as_tensor(y)
    test = _compare_op(sym)(x, y)
    if context.graph is not None:
        from tessera._api import API

        reduce_all = API.get("math", {}).get("reduce_all")
        cond = reduce_all(test) if reduce_all is not None else test  # Assert's kernel: np.all
        items = [message] if message is not None else []
        items += data if data is not None else [f"Condition x {sym} y did not hold element-wise:",
                                                "x = ", x, "y = ", y]
        return Assert(cond, items, summarize=summarize)
    if bool(np.all(test.numpy())):
        return None
    s = 3 if summarize is None else (10 ** 9 if summarize < 0 else summarize)
    if data is None:
        text = _assert_failure_text(sym, x.numpy().reshape(x.shape.as_list()),
                                    y.numpy().reshape(y.shape.as_list()), summarize)
        items = [text]
    else:
        items = [_pretty(d, s) for d in data]
    if message is not None:
        items = [str(message), *items]
    raise errors.InvalidArgumentError(None, None, "\n".join(items))


def assert_equal(x, y, message=None, summarize=None, name=None):
    """``tf.debugging.assert_equal``: raise InvalidArgumentError unless all ``x == y``."""
    return _binary_assert("==", x, y, message, summarize)


def assert_none_equal(x, y, summarize=None, message=None, name=None):
    """``tf.debugging.assert_none_equal``: raise unless all ``x != y``."""
    return _binary_assert("!=", x, y, message, summarize)


def assert_less(x, y, message=None, summarize=None, name=None):
    """``tf.debugging.assert_less``."""
    return _binary_assert("<", x, y, message, summarize)


def assert_less_equal(x, y, message=None, summarize=None, name=None):
    """``tf.debugging.assert_less_equal``."""
    return _binary_assert("<=", x, y, message, summarize)


def assert_greater(x, y, message=None, summarize=None, name=None):
    """``tf.debugging.assert_greater``."""
    return _binary_assert(">", x, y, message, summarize)


def assert_greater_equal(x, y, message=None, summarize=None, name=None):
    """``tf.debugging.assert_greater_equal``."""
    return _binary_assert(">=", x, y, message, summarize)


def _sign_assert(sym: str, x, message, summarize, glue: str = "\n"):
    x = _as_tensor(x)
    header = f"Condition x {sym} 0 did not hold element-wise:"
    label = f"x ({_shape_and_dtype(x)}) = "
    data = [_message_prefix(message), header, label, x] if glue == "\n" else \
        [_message_prefix(message), header + label, x]
    zero = convert_to_tensor(0, dtype=x.dtype)
    return _binary_assert(sym, x, zero, None, summarize, data=data)


def assert_negative(x, message=None, summarize=None, name=None):
    """``tf.debugging.assert_negative``: all ``x < 0``."""
    return _sign_assert("<", x, message, summarize)


def assert_positive(x, message=None, summarize=None, name=None):
    """``tf.debugging.assert_positive``: all ``x > 0``."""
    return _sign_assert(">", x, message, summarize)


def assert_non_negative(x, message=None, summarize=None, name=None):
    """``tf.debugging.assert_non_negative``: all ``x >= 0``."""
    return _sign_assert(">=", x, message, summarize)


def assert_non_positive(x, message=None, summarize=None, name=None):
    """``tf.debugging.assert_non_positive``: all ``x <= 0`` (TF's message runs two lines
    together here; so does this one)."""
    return _sign_assert("<=", x, message, summarize, glue="")


def assert_near(x, y, rtol=None, atol=None, message=None, summarize=None, name=None):
    """``tf.debugging.assert_near``: ``|x - y| < atol + rtol * |y|`` everywhere."""
    x = _as_tensor(x)
    y = convert_to_tensor(y, dtype=x.dtype) if not isinstance(y, Tensor) else y
    dt = x.dtype.real_dtype if x.dtype.is_complex else x.dtype
    eps = float(np.finfo(dt.as_numpy_dtype).eps) if dt.is_floating else 0.0
    rtol_t = convert_to_tensor(10 * eps if rtol is None else rtol, dtype=dt)
    atol_t = convert_to_tensor(10 * eps if atol is None else atol, dtype=dt)
    from tessera._ops import math_ops

    diff = math_ops.abs(math_ops.subtract(x, y))
    tol = math_ops.add(atol_t, math_ops.multiply(rtol_t, math_ops.abs(y)))
    ok = math_ops.less(diff, tol)
    if context.graph is not None:
        from tessera._api import API

        reduce_all = API.get("math", {}).get("reduce_all")
        cond = reduce_all(ok) if reduce_all is not None else ok
    else:
        cond = wrap(np.array(bool(np.all(ok.numpy()))), _dtypes.bool)
    data = [_message_prefix(message),
            f"x and y not equal to tolerance rtol = {rtol_t!s}, atol = {atol_t!s}",
            f"x ({_shape_and_dtype(x)}) = ", x, f"y ({_shape_and_dtype(y)}) = ", y]
    return Assert(cond, data, summarize=summarize)


# ---- rank, shape, type asserts (static checks) ---------------------------------------------
def _static_rank(x) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _rank_value(rank) -> int:
    if isinstance(rank, Tensor):
        if rank.shape.rank != 0:
            raise ValueError("Rank must be a scalar.")
        return int(rank.numpy())
    if np.ndim(rank) != 0:
        raise ValueError("Rank must be a scalar.")
    return int(rank)


def assert_rank(x, rank, message=None, name=None):
    """``tf.debugging.assert_rank``: ValueError unless ``x`` has rank ``rank``."""
    x = _static_rank(x)
    r = _rank_value(rank)
    actual = x.shape.rank
    if actual is not None and actual != r:
        raise ValueError(f"{_message_prefix(message)}Tensor  must have rank {r}.  Received rank "
                         f"{actual}, shape {x.shape}")


def assert_rank_at_least(x, rank, message=None, name=None):
    """``tf.debugging.assert_rank_at_least``."""
    x = _static_rank(x)
    r = _rank_value(rank)
    actual = x.shape.rank
    if actual is not None and actual < r:
        raise ValueError(f"{_message_prefix(message)}Tensor  must have rank at least {r}.  "
                         f"Received rank {actual}, shape {x.shape}")


def assert_rank_in(x, ranks, message=None, name=None):
    """``tf.debugging.assert_rank_in``."""
    x = _static_rank(x)
    rs = tuple(_rank_value(r) for r in ranks)
    actual = x.shape.rank
    if actual is not None and actual not in rs:
        raise ValueError(f"{_message_prefix(message)}Tensor  must have rank in {rs}.  "
                         f"Received rank {actual}, shape {x.shape}")


def assert_scalar(tensor, message=None, name=None):
    """``tf.debugging.assert_scalar``: ValueError unless ``tensor`` is a scalar."""
    t = _as_tensor(tensor)
    if t.shape.rank != 0:
        raise ValueError(f"{_message_prefix(message)}Expected scalar shape, saw shape: "
                         f"{t.shape}.")


def assert_type(tensor, tf_type, message=None, name=None):
    """``tf.debugging.assert_type``: TypeError unless ``tensor.dtype == tf_type``."""
    want = _dtypes.as_dtype(tf_type)
    t = _as_tensor(tensor)
    if t.dtype != want:
        raise TypeError(f"{_message_prefix(message)}tensor must be of type {want!r}; "
                        f"got {t.dtype!r}")


def assert_integer(x, message=None, name=None):
    """``tf.debugging.assert_integer``: TypeError unless ``x`` has an integer dtype."""
    t = _as_tensor(x)
    if not t.dtype.is_integer:
        raise TypeError(f'{_message_prefix(message)}Expected "x" to be integer type.  Found: '
                        f"tensor of dtype {t.dtype}")


def assert_proper_iterable(values):
    """``tf.debugging.assert_proper_iterable``: an iterable that is not a tensor, an array or
    a string."""
    if isinstance(values, Tensor | np.ndarray | bytes | str):
        raise TypeError(f'Expected argument "values" to be a "proper" iterable.  Found: '
                        f"{type(values)}")
    if not hasattr(values, "__iter__"):
        raise TypeError(f'Expected argument "values" to be iterable.  Found: {type(values)}')


def assert_same_float_dtype(tensors=None, dtype=None):
    """``tf.debugging.assert_same_float_dtype``: the common floating dtype (float32 when
    nothing says otherwise)."""
    dtype = _dtypes.as_dtype(dtype) if dtype is not None else None
    if tensors:
        expected, first = dtype, None
        for item in tensors:
            if item is None:
                continue
            dt = item.dtype
            if expected is None:
                expected, first = dt, _name_or_str(item)
            elif dt != expected:
                tail = f" as {first}" if first is not None else ""
                raise ValueError(f"{_name_or_str(item)}, type={dt}, must be of the same type ({expected})"
                                 f"{tail}.")
        dtype = expected
    if not dtype:
        return _dtypes.float32
    if not dtype.is_floating:
        raise ValueError(f"Expected floating point type, got {dtype}.")
    return dtype


def _name_or_str(item) -> str:
    try:
        return item.name
    except (AttributeError, ValueError):
        return str(item)


def assert_shapes(shapes, data=None, summarize=None, message=None, name=None):
    """``tf.debugging.assert_shapes``: static shapes against symbolic / explicit sizes
    (``None`` or ``'.'`` any size; a leading ``...`` or ``'*'``: any outer dims)."""
    items = list(shapes.items()) if isinstance(shapes, dict) else list(shapes)
    prefix = _message_prefix(message)
    seen: dict = {}
    for x, spec in items:
        t = _as_tensor(x)
        spec = (spec,) if isinstance(spec, str) and spec not in ("*",) else tuple(spec) \
            if not isinstance(spec, str) else (spec,)
        ellipsis = bool(spec) and (spec[0] is Ellipsis or spec[0] == "*")
        dims_spec = spec[1:] if ellipsis else spec
        shape = t.shape
        rank = shape.rank
        if rank is None:
            continue
        dims = shape.as_list()
        if ellipsis:
            if rank < len(dims_spec):
                raise ValueError(f"{prefix}Tensor  must have rank at least {len(dims_spec)}.  "
                                 f"Received rank {rank}, shape {shape}")
        elif len(dims_spec) <= 1:
            # As TF: a scalar reads as shape [1] and an empty spec as [1].
            if rank not in (0, 1):
                raise ValueError(f"{prefix}Tensor  must have rank in (0, 1).  Received rank "
                                 f"{rank}, shape {shape}")
            dims = dims or [1]
            dims_spec = dims_spec or (1,)
        elif rank != len(dims_spec):
            raise ValueError(f"{prefix}Tensor  must have rank {len(dims_spec)}.  Received rank "
                             f"{rank}, shape {shape}")
        offset = len(dims) - len(dims_spec)
        for i, sym in enumerate(dims_spec):
            actual = dims[offset + i]
            dim = i - len(dims_spec) if ellipsis else i
            if sym is None or sym == "." or actual is None:
                continue
            explicit = _explicit_size(sym)
            if explicit is not None:
                if actual != explicit:
                    raise ValueError(
                        f"{prefix}Specified explicitly.  Tensor {_shape_and_dtype(t)} dimension "
                        f"{dim} must have size {explicit}.  Received size {actual}, shape "
                        f"{shape}")
                continue
            if sym in seen:
                size, owner, owner_dim = seen[sym]
                if actual != size:
                    raise ValueError(
                        f"{prefix}Specified by tensor {owner} dimension {owner_dim}.  Tensor "
                        f"{_shape_and_dtype(t)} dimension {dim} must have size {size}.  "
                        f"Received size {actual}, shape {shape}")
            else:
                seen[sym] = (actual, _shape_and_dtype(t), dim)


def _explicit_size(sym):
    if isinstance(sym, bool):
        return None
    if isinstance(sym, int | np.integer):
        return int(sym)
    if isinstance(sym, str):
        try:
            return int(sym)
        except ValueError:
            return None
    return None


def is_numeric_tensor(tensor) -> bool:
    """``tf.debugging.is_numeric_tensor``: a tensor of a numeric (not bool/string) dtype."""
    if not isinstance(tensor, Tensor):
        return False
    dt = tensor.dtype
    return dt.is_integer or dt.is_floating or dt.is_complex or dt.is_quantized


# ---- CheckNumerics -------------------------------------------------------------------------
def _check_numerics_kernel(x, message=""):
    nan = bool(np.isnan(x).any())
    inf = bool(np.isinf(x).any())
    if nan or inf:
        what = "Inf and NaN" if nan and inf else "NaN" if nan else "Inf"
        raise errors.InvalidArgumentError(
            None, None, f"{message} : Tensor had {what} values [Op:CheckNumerics] name: ")
    return x


CHECK_NUMERICS = declare("CheckNumerics", _check_numerics_kernel, infer=_rules.unary,
                         stateful=True, samples=lambda: [
                             Sample((np.array([[1.0, -2.5], [0.5, 3.0]], np.float32),),
                                    {"message": "m"}),
                             Sample((np.array([0.25, 3.5]),), {"message": "m"}),
                             Sample((np.zeros((0, 2), np.float16),), {"message": "m"},
                                    grad=False)])


@CHECK_NUMERICS.def_grad
def _check_numerics_grad(ctx, dy):
    msg = "Not a number (NaN) or infinity (Inf) values detected in gradient. " + \
        ctx.attrs.get("message", "")
    return (check_numerics(dy, msg),)


CHECK_NUMERICS.def_onnx(lambda b, x, message="": b.op("Identity", x))


def check_numerics(tensor, message, name=None):
    """``tf.debugging.check_numerics``: the tensor, or InvalidArgumentError on NaN/Inf."""
    t = _as_tensor(tensor)
    check_dtype("CheckNumerics", t, FLOATS)
    return execute(CHECK_NUMERICS, (t,), {"message": str(message)})


def assert_all_finite(x, message, name=None):
    """``tf.debugging.assert_all_finite``: ``check_numerics`` under its v2 name."""
    return check_numerics(x, message)


# ---- traceback filtering (TF's switches; Tessera's errors already read from user code) -------
_traceback_filtering = [True]


def enable_traceback_filtering():
    """``tf.debugging.enable_traceback_filtering``."""
    _traceback_filtering[0] = True


def disable_traceback_filtering():
    """``tf.debugging.disable_traceback_filtering``."""
    _traceback_filtering[0] = False


def is_traceback_filtering_enabled() -> bool:
    """``tf.debugging.is_traceback_filtering_enabled``."""
    return _traceback_filtering[0]


# ---- tf.print ------------------------------------------------------------------------------
def _resolve_stream(name: str):
    if name == "stderr":
        return sys.stderr
    if name == "stdout":
        return sys.stdout
    return None


def _print_kernel(text, output_stream="stderr", end="\n"):
    s = text.item() if isinstance(text, np.ndarray) else text
    out = s.decode("utf-8", "replace") + end
    if output_stream.startswith("file://"):
        with open(output_stream[len("file://"):], "ab") as f:
            f.write(s + end.encode("utf-8"))
    elif output_stream.startswith("log("):
        import logging

        level = output_stream[4:-1]
        getattr(logging.getLogger("tensorflow"), level)(out.rstrip("\n"))
    else:
        stream = _resolve_stream(output_stream)
        raw = getattr(stream, "buffer", None)
        if raw is not None and not s.isascii():
            # Bytes that are not UTF-8 go out as they are, as TensorFlow writes them.
            stream.flush()
            raw.write(s + end.encode("utf-8"))
            raw.flush()
        else:
            stream.write(out)
            flush = getattr(stream, "flush", None)
            if flush is not None:
                flush()
    return ()


PRINT_V2 = declare("PrintV2", _print_kernel, infer=lambda *shapes, **attrs: [], num_outputs=0,
                   stateful=True, samples=lambda: [
                       Sample((np.array(b"sample print", dtype=object),),
                              {"output_stream": "stderr", "end": "\n"}, grad=False,
                              onnx=False)])
not_differentiable(PRINT_V2)
no_onnx_lowering(PRINT_V2, "ONNX has no printing operator")

_LOG_LEVELS = {"info": "info", "warning": "warning", "warn": "warning", "error": "error"}


def _stream_name(stream) -> str:
    if stream is sys.stderr or stream is sys.__stderr__:
        return "stderr"
    if stream is sys.stdout or stream is sys.__stdout__:
        return "stdout"
    if isinstance(stream, str) and stream.startswith("file://"):
        return stream
    fn = getattr(stream, "__name__", None)
    mod = getattr(stream, "__module__", "") or ""
    if callable(stream) and fn in _LOG_LEVELS and ("logging" in mod or "tessera" in mod):
        return f"log({_LOG_LEVELS[fn]})"
    raise ValueError(
        f"Unsupported output stream, logging level, or file.{stream}. Supported streams are "
        f"sys.stdout, sys.stderr, tf.logging.info, tf.logging.warning, tf.logging.error. File "
        f"needs to be in the form of 'file://<filepath>'.")


def _placeholder_for(text: str) -> str:
    import random as _random

    placeholder = "{}"
    rng = _random.Random(5)
    while placeholder in text:
        placeholder += str(rng.randint(0, 9))
    return placeholder


def _is_tensor_like(x) -> bool:
    from tessera._framework.ragged import RaggedTensor

    return is_tensor(x) and not isinstance(x, RaggedTensor)


def print(*inputs, **kwargs):  # tf.print
    """``tf.print``: tensors as TensorFlow prints them (``[1 2 3]``, summarized), other
    values pretty-printed, written to ``output_stream`` when it runs."""
    import pprint

    from tessera._framework import nest
    from tessera._framework.ragged import RaggedTensor
    from tessera._ops import string_ops

    output_stream = kwargs.pop("output_stream", sys.stderr)
    summarize = kwargs.pop("summarize", 3)
    sep = kwargs.pop("sep", " ")
    end = kwargs.pop("end", "\n")
    kwargs.pop("name", None)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments for tf.print: {kwargs}")
    stream = _stream_name(output_stream)
    summarize = -1 if summarize is None else int(summarize)

    # Ragged tensors print as nested lists; their text joins the literal parts.
    def lit(x):
        if isinstance(x, RaggedTensor):
            return _RaggedText(_ragged_to_string(x, summarize))
        return x

    inputs = tuple(lit(i) if isinstance(i, RaggedTensor) else
                   nest.map_structure(lit, i) if nest.is_nested(i) else i for i in inputs)
    free = nest.map_structure(lambda x: "" if _is_tensor_like(x) else x, list(inputs))
    placeholder = _placeholder_for(" ".join(pprint.pformat(x) for x in free))
    templates, tensors = [], []
    for item in inputs:
        slots = []
        for x in nest.flatten(item):
            if _is_tensor_like(x):
                slots.append(placeholder)
                tensors.append(x)
            else:
                slots.append(x)
        if isinstance(item, str):
            templates.append(item)
        elif isinstance(item, _RaggedText):
            templates.append(str(item))
        else:
            templates.append(pprint.pformat(nest.pack_sequence_as(item, slots)))
    template = sep.join(templates).replace(f"'{placeholder}'", placeholder)
    formatted = string_ops.format(template, [_as_tensor(t) if not isinstance(t, Tensor) else t
                                             for t in tensors],
                                  placeholder=placeholder, summarize=summarize)
    execute(PRINT_V2, (formatted,), {"output_stream": stream, "end": end})


class _RaggedText(str):
    """A RaggedTensor's printed text inside a tf.print structure (repr without quotes)."""

    def __repr__(self) -> str:
        return str(self)


def _ragged_to_string(rt, summarize: int) -> str:
    """As TF's ragged_tensor_to_string: nested lists, strings in quotes, floats as %f."""
    from tessera._framework.ragged import RaggedTensor
    from tessera._ops import string_ops

    flat = rt.flat_values
    if flat.dtype is _STRING:
        leaves = ["'" + s.decode("utf-8", "replace").replace("\\", "\\\\").replace("'", "\\'")
                  + "'" for s in flat.numpy().reshape(-1).tolist()]
    else:
        leaves = [s.decode() for s in string_ops.as_string(flat).numpy().reshape(-1).tolist()]
    inner = list(flat.shape.as_list()[1:])
    arr = np.empty(len(leaves), object)
    arr[:] = leaves

    def dense(a, dims):
        if not dims:
            return a.tolist()
        size = int(np.prod(dims))
        return [dense(a[i * (size // dims[0]):(i + 1) * (size // dims[0])], dims[1:])
                for i in range(dims[0])] if dims[0] else []

    values = [dense(arr[i * int(np.prod(inner)):(i + 1) * int(np.prod(inner))], inner)
              if inner else arr[i] for i in range(flat.shape[0])]
    splits = [s.numpy() for s in rt.nested_row_splits]
    for s in reversed(splits):
        values = [values[s[i]:s[i + 1]] for i in range(len(s) - 1)]

    def text(v):
        if isinstance(v, list):
            if summarize >= 0 and len(v) > 2 * summarize:
                parts = [text(x) for x in v[:summarize]] + ["..."] + \
                        [text(x) for x in v[-summarize:]] if summarize else ["..."]
            else:
                parts = [text(x) for x in v]
            return "[" + ", ".join(parts) + "]"
        return v

    del RaggedTensor
    return text(values)


# ---- clipping ------------------------------------------------------------------------------
def clip_by_norm(t, clip_norm, axes=None, name=None):
    """``tf.clip_by_norm``: ``t * clip_norm / max(l2norm(t), clip_norm)`` (NaN-safe
    gradient at zero norm, as TF's)."""
    from tessera._ops import array_ops, math_ops, reduction_ops

    values = _as_tensor(t)
    l2sum = reduction_ops.reduce_sum(math_ops.multiply(values, values), axes, keepdims=True)
    pred = math_ops.greater(l2sum, 0)
    l2sum_safe = math_ops.where_v2(pred, l2sum, array_ops.ones_like(l2sum))
    l2norm = math_ops.where_v2(pred, math_ops.sqrt(l2sum_safe), l2sum)
    intermediate = math_ops.multiply(values, clip_norm)
    if intermediate.shape.as_list() != values.shape.as_list():
        raise ValueError(f"Shapes {values.shape} and {intermediate.shape} are incompatible")
    return math_ops.truediv(intermediate, math_ops.maximum(l2norm, clip_norm))


def _global_norm(t_list, name=None):
    """As ``tf.linalg.global_norm`` (owned by linalg_ops; kept here so clipping stands alone)."""
    from tessera._ops import array_ops, math_ops, reduction_ops

    if isinstance(t_list, str | bytes) or not isinstance(t_list, list | tuple):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received {type(t_list)}.")
    values = [_as_tensor(v) for v in t_list if v is not None]
    halves = [math_ops.multiply(reduction_ops.reduce_sum(math_ops.square(v)), 0.5)
              for v in values]
    if not halves:
        return wrap(np.array(0.0, np.float32), _dtypes.float32)
    half = reduction_ops.reduce_sum(array_ops.stack(halves))
    return math_ops.sqrt(math_ops.multiply(half, 2.0))


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """``tf.clip_by_global_norm``: every tensor scaled by ``clip_norm / max(global_norm,
    clip_norm)``; returns (clipped list, global norm). A non-finite norm gives NaNs."""
    from tessera._ops import math_ops

    if isinstance(t_list, str | bytes) or not isinstance(t_list, list | tuple):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received {type(t_list)}.")
    t_list = list(t_list)
    if use_norm is None:
        use_norm = _global_norm(t_list)
    use_norm = _as_tensor(use_norm)
    one = convert_to_tensor(1.0, dtype=use_norm.dtype)
    clip = clip_norm if isinstance(clip_norm, Tensor) else convert_to_tensor(
        clip_norm, dtype=use_norm.dtype)
    scale_for_finite = math_ops.multiply(
        clip, math_ops.minimum(math_ops.truediv(one, use_norm), math_ops.truediv(one, clip)))
    with np.errstate(invalid="ignore"):  # inf - inf: NaN on purpose
        scale = math_ops.add(scale_for_finite, math_ops.subtract(use_norm, use_norm))
    out = []
    for v in t_list:
        if v is None:
            out.append(None)
            continue
        v = _as_tensor(v)
        out.append(math_ops.multiply(v, math_ops.cast(scale, v.dtype)))
    return out, use_norm


# ---- public names --------------------------------------------------------------------------
def _export_all() -> None:
    from tessera._api import export

    g = globals()
    debugging = ["Assert", "assert_equal", "assert_none_equal", "assert_less",
                 "assert_less_equal", "assert_greater", "assert_greater_equal", "assert_near",
                 "assert_negative", "assert_positive", "assert_non_negative",
                 "assert_non_positive", "assert_rank", "assert_rank_at_least", "assert_rank_in",
                 "assert_scalar", "assert_type", "assert_integer", "assert_proper_iterable",
                 "assert_same_float_dtype", "assert_shapes", "is_numeric_tensor",
                 "check_numerics", "assert_all_finite", "enable_traceback_filtering",
                 "disable_traceback_filtering", "is_traceback_filtering_enabled"]
    for n in debugging:
        export(f"debugging.{n}", g[n])
    for n in ["Assert", "assert_equal", "assert_less", "assert_greater", "assert_rank", "print",
              "clip_by_norm", "clip_by_global_norm"]:
        export(n, g[n])


_export_all()
