"""String ops (tf.strings): each op declared once.

String tensors are NumPy object arrays of ``bytes``. Kernels work on whole arrays: NumPy's
object ufunc loops (``np.frompyfunc``) call the bytes methods in C, and the hashes run on
uint64 lanes over all strings at once. No string op is differentiable; ONNX opset 18 has only
StringNormalizer (lower/upper on whole strings) for text, so most have no lowering.
"""

from __future__ import annotations

import codecs
import re

import numpy as np

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._framework.convert import wrap
from tessera._framework.execute import execute
from tessera._framework.op import Sample, declare, no_onnx_lowering, not_differentiable
from tessera._framework.tensor import Tensor
from tessera._ops import _rules
from tessera._ops._args import tensor, tf_type_name

_STRING = _dtypes.string


def _obj(values) -> np.ndarray:
    """A NumPy object array of bytes from a (nested) list."""
    return np.array(values, dtype=object)


def _as_obj(out) -> np.ndarray:
    """The result of an object ufunc as an object ndarray (0-d stays an array)."""
    if isinstance(out, np.ndarray):
        return out
    arr = np.empty((), dtype=object)
    arr[()] = out
    return arr


def _string_input(value, op_name: str) -> Tensor:
    t = tensor(value)
    if t.dtype is not _STRING:
        raise errors.InvalidArgumentError(
            None, None, f"cannot compute {op_name} as input #0(zero-based) was expected to be a "
                        f"string tensor but is a {tf_type_name(t.dtype)} tensor "
                        f"[Op:{op_name}] name: ")
    return t


def _attr_error(op: str, attr: str, value, allowed) -> errors.InvalidArgumentError:
    names = ", ".join(f'"{a}"' for a in allowed)
    return errors.InvalidArgumentError(
        None, None, f'Value for attr \'{attr}\' of "{value}" is not in the list of allowed '
                    f"values: {names}\n\t; NodeDef: {{{{node {op}}}}} [Op:{op}]")


def _text_samples(expected_fn=None):
    """Object-array samples: a vector, a matrix, a scalar, an empty vector."""
    vec = _obj([b"Hello World", b"  abc\t", b"", b"\xc3\x80xY"])
    mat = _obj([[b"a", b"Bc"], [b"DEF", b" g "]])
    scalar = _as_obj(b"MiXeD")
    empty = np.empty((0,), dtype=object)
    out = []
    for name, a in (("vec", vec), ("mat", mat), ("scalar", scalar), ("empty", empty)):
        out.append(Sample((a,), grad=False, onnx=False, name=name,
                          expected=None if expected_fn is None else expected_fn(a)))
    return out


# ---- case, length, strip -------------------------------------------------------------------
def _case_kernel(method: str):
    byte_fn = getattr(bytes, method)
    ufunc = np.frompyfunc(byte_fn, 1, 1)

    def utf8(s: bytes) -> bytes:
        return getattr(s.decode("utf-8", "surrogateescape"), method)().encode(
            "utf-8", "surrogateescape")

    utf8_ufunc = np.frompyfunc(utf8, 1, 1)

    def kernel(x, encoding=""):
        if x.size == 0:
            return np.empty(x.shape, object)
        return _as_obj((utf8_ufunc if encoding else ufunc)(x))

    return kernel


STRING_LOWER = declare("StringLower", _case_kernel("lower"), infer=_rules.unary,
                       samples=lambda: [
                           *_text_samples(lambda a: _as_obj(np.frompyfunc(bytes.lower, 1, 1)(a))
                                          if a.size else a),
                           Sample((_obj([b"\xc3\x80B", b"Cd"]),), {"encoding": "utf-8"},
                                  grad=False, onnx=False,
                                  expected=_obj([b"\xc3\xa0b", b"cd"]))])
STRING_UPPER = declare("StringUpper", _case_kernel("upper"), infer=_rules.unary,
                       samples=lambda: [
                           *_text_samples(lambda a: _as_obj(np.frompyfunc(bytes.upper, 1, 1)(a))
                                          if a.size else a),
                           Sample((_as_obj("straße".encode()),), {"encoding": "utf-8"},
                                  grad=False, onnx=False, expected=_as_obj(b"STRASSE"))])
not_differentiable(STRING_LOWER, STRING_UPPER)


def _string_normalizer(mode):
    def lowering(b, x, encoding=""):
        if encoding:
            raise NotImplementedError("Unicode case mapping (encoding='utf-8') has no portable "
                                      "ONNX lowering: StringNormalizer needs an installed locale")
        # StringNormalizer takes [C] or [1, C]: flatten, normalize, restore. The "C" locale
        # changes ASCII letters only, as TensorFlow does without an encoding.
        shape = b.shapes[x]
        flat = b.op("Reshape", x, b.const(np.array([-1], np.int64)))
        out = b.op("StringNormalizer", flat, case_change_action=mode, locale="C")
        return b.op("Reshape", out, b.const(np.array(shape, np.int64)))

    return lowering


STRING_LOWER.def_onnx(_string_normalizer("LOWER"))
STRING_UPPER.def_onnx(_string_normalizer("UPPER"))


def lower(input, encoding="", name=None):
    """``tf.strings.lower``: ASCII lowercase; ``encoding="utf-8"``: Unicode lowercase."""
    return execute(STRING_LOWER, (_string_input(input, "StringLower"),),
                   {"encoding": encoding})


def upper(input, encoding="", name=None):
    """``tf.strings.upper``."""
    return execute(STRING_UPPER, (_string_input(input, "StringUpper"),),
                   {"encoding": encoding})


_byte_len = np.frompyfunc(len, 1, 1)


def _utf8_len(s: bytes) -> int:
    # Characters are the bytes that do not continue a UTF-8 sequence (0b10xxxxxx).
    return len(s) - sum(1 for c in s if c & 0xC0 == 0x80) if not s.isascii() else len(s)


_utf8_len_ufunc = np.frompyfunc(_utf8_len, 1, 1)


def _length_kernel(x, unit="BYTE"):
    if x.size == 0:
        return np.zeros(x.shape, np.int32)
    f = _byte_len if unit == "BYTE" else _utf8_len_ufunc
    return np.asarray(f(x), dtype=np.int32)


STRING_LENGTH = declare(
    "StringLength", _length_kernel, infer=_rules.unary, dtype_rule=_rules.fixed("int32"),
    samples=lambda: [
        *_text_samples(lambda a: np.asarray([len(s) for s in a.reshape(-1)], np.int32)
                       .reshape(a.shape)),
        Sample((_obj(["héllo".encode(), b""]),), {"unit": "UTF8_CHAR"}, grad=False, onnx=False,
               expected=np.array([5, 0], np.int32))])
not_differentiable(STRING_LENGTH)
no_onnx_lowering(STRING_LENGTH, "ONNX opset 18 has no string length operator")


def length(input, unit="BYTE", name=None):
    """``tf.strings.length``: bytes, or UTF-8 characters with ``unit="UTF8_CHAR"``."""
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise _attr_error("StringLength", "unit", unit, ("BYTE", "UTF8_CHAR"))
    return execute(STRING_LENGTH, (_string_input(input, "StringLength"),), {"unit": unit})


_strip = np.frompyfunc(bytes.strip, 1, 1)
STRING_STRIP = declare(
    "StringStrip", lambda x: _as_obj(_strip(x)) if x.size else np.empty(x.shape, object),
    infer=_rules.unary,
    samples=lambda: _text_samples(lambda a: _as_obj(_strip(a)) if a.size else a))
not_differentiable(STRING_STRIP)
no_onnx_lowering(STRING_STRIP, "ONNX opset 18 has no string strip operator")


def strip(input, name=None):
    """``tf.strings.strip``: leading and trailing ASCII whitespace removed."""
    return execute(STRING_STRIP, (_string_input(input, "StringStrip"),), {})


# ---- joins ---------------------------------------------------------------------------------
def _join_kernel(*xs, separator=b""):
    shape = ()
    for x in xs:
        if x.ndim:
            shape = x.shape
            break
    for x in xs:
        if x.ndim and x.shape != shape:
            raise errors.InvalidArgumentError(
                None, None, f"Input shapes do not match: [{','.join(map(str, shape))}] vs. "
                            f"[{','.join(map(str, x.shape))}] [Op:StringJoin]")
    if not shape or 0 not in shape:
        out = xs[0]
        for x in xs[1:]:
            out = out + separator + x if separator else out + x
        return _as_obj(np.broadcast_to(out, shape).copy() if np.ndim(out) != len(shape)
                       else out)
    return np.empty(shape, object)


def _join_infer(*shapes, separator=b""):
    for s in shapes:
        if s is None:
            return None
        if len(s):
            return s
    return ()


STRING_JOIN = declare("StringJoin", _join_kernel, infer=_join_infer, samples=lambda: [
    Sample((_obj([b"a", b"b"]), _obj([b"x", b"yz"])), {"separator": b"-"}, grad=False,
           onnx=False, expected=_obj([b"a-x", b"b-yz"])),
    Sample((_as_obj(b"p"), _obj([[b"1", b"2"]])), {}, grad=False, onnx=False,
           expected=_obj([[b"p1", b"p2"]])),
    Sample((_as_obj(b"p"), _as_obj(b"q"), _as_obj(b"r")), {"separator": b", "}, grad=False,
           onnx=False, expected=_as_obj(b"p, q, r")),
    Sample((np.empty((0,), object), _as_obj(b"q")), {}, grad=False, onnx=False,
           expected=np.empty((0,), object))])
not_differentiable(STRING_JOIN)
no_onnx_lowering(STRING_JOIN, "ONNX opset 18 has no string concatenation")


def _encode(s) -> bytes:
    if isinstance(s, Tensor):
        s = s.numpy()
    if isinstance(s, np.ndarray):
        s = s.item()
    return s.encode("utf-8") if isinstance(s, str) else bytes(s)


def join(inputs, separator="", name=None):
    """``tf.strings.join``: elementwise concatenation of string tensors (scalars broadcast)."""
    ts = tuple(_string_input(x, "StringJoin") for x in inputs)
    if not ts:
        return wrap(_as_obj(b""), _STRING)
    return execute(STRING_JOIN, ts, {"separator": _encode(separator)})


def _reduce_join_kernel(x, axis=None, keep_dims=False, separator=b""):
    # Axes are joined one after another in the order given: the first varies fastest.
    axes = tuple(range(x.ndim - 1, -1, -1)) if axis is None else axis
    rest = [i for i in range(x.ndim) if i not in axes]
    moved = np.transpose(x, rest + list(reversed(axes)))
    out_shape = tuple(x.shape[i] for i in rest)
    k = int(np.prod([x.shape[i] for i in axes], dtype=np.int64))
    flat = moved.reshape(out_shape + (k,))
    if k == 0:
        out = np.empty(out_shape, object)
        out[...] = b""
    else:
        out = flat[..., 0].copy()
        for j in range(1, k):  # vectorized over the kept elements
            out = out + separator + flat[..., j] if separator else out + flat[..., j]
        out = _as_obj(out)
    if keep_dims:
        out = out.reshape(tuple(1 if i in axes else d for i, d in enumerate(x.shape)))
    return out


def _reduce_join_infer(x, axis=None, keep_dims=False, separator=b""):
    return _rules.reduce(x, axis=axis, keepdims=keep_dims)


REDUCE_JOIN = declare("ReduceJoin", _reduce_join_kernel, infer=_reduce_join_infer, samples=lambda: [
    Sample((_obj([[b"a", b"b"], [b"c", b"d"]]),), {}, grad=False, onnx=False,
           expected=_as_obj(b"abcd")),
    Sample((_obj([[b"a", b"b"], [b"c", b"d"]]),), {"axis": (1,), "separator": b","},
           grad=False, onnx=False, expected=_obj([b"a,b", b"c,d"])),
    Sample((_obj([[b"a", b"b"], [b"c", b"d"]]),), {"axis": (0,), "keep_dims": True},
           grad=False, onnx=False, expected=_obj([[b"ac", b"bd"]])),
    Sample((np.empty((0, 2), object),), {"axis": (0,)}, grad=False, onnx=False,
           expected=_obj([b"", b""])),
    Sample((_obj([[b"a", b"b"], [b"c", b"d"]]),), {"axis": (0, 1)}, grad=False, onnx=False,
           expected=_as_obj(b"acbd")),
    Sample((_as_obj(b"s"),), {"axis": ()}, grad=False, onnx=False, expected=_as_obj(b"s"))])
not_differentiable(REDUCE_JOIN)
no_onnx_lowering(REDUCE_JOIN, "ONNX opset 18 has no string concatenation")


def _axes(axis, rank: int, op: str):
    if axis is None:
        return None
    if isinstance(axis, Tensor):
        axis = axis.numpy().tolist()
    axes = [axis] if np.ndim(axis) == 0 else list(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -rank <= a < rank:
            raise errors.OutOfRangeError(
                None, None, f"Invalid reduction dimension {a} for input with {rank} "
                            f"dimension(s) [Op:{op}] name: ")
        if a % rank not in out:
            out.append(a % rank)
    return tuple(out)


def reduce_join(inputs, axis=None, keepdims=False, separator="", name=None):
    """``tf.strings.reduce_join``: join the strings along ``axis`` (None: all)."""
    x = _string_input(inputs, "ReduceJoin")
    axes = _axes(axis, x.shape.rank, "ReduceJoin")
    return execute(REDUCE_JOIN, (x,), {"axis": axes, "keep_dims": bool(keepdims),
                                       "separator": _encode(separator)})


def _segment_join_kernel(inputs, segment_ids, num_segments, separator=b""):
    n = int(num_segments)
    ids = segment_ids.astype(np.int64)
    lead = ids.ndim
    rows = inputs.reshape((int(np.prod(inputs.shape[:lead], dtype=np.int64)),)
                          + inputs.shape[lead:])
    ids = ids.reshape(-1)
    out = np.empty((n,) + inputs.shape[lead:], object)
    out[...] = b""
    seen = np.zeros(n, bool)
    for j in range(rows.shape[0]):  # one pass over the rows, vectorized inside each row
        i = ids[j]
        if i < 0:
            continue
        if i >= n:
            raise errors.InvalidArgumentError(
                None, None, f"segment_ids[{j}] = {i} is out of range [0, {n}) "
                            f"[Op:UnsortedSegmentJoin] name: ")
        out[i] = out[i] + separator + rows[j] if seen[i] else rows[j]
        seen[i] = True
    return out


def _segment_join_infer(inputs, segment_ids, num_segments, **attrs):
    return None if inputs is None or segment_ids is None else \
        (None,) + tuple(inputs[len(segment_ids):])


UNSORTED_SEGMENT_JOIN = declare(
    "UnsortedSegmentJoin", _segment_join_kernel, infer=_segment_join_infer, dynamic_shape=True,
    samples=lambda: [Sample((_obj([b"a", b"b", b"c"]), np.array([0, 1, 0], np.int32),
                             np.array(3, np.int32)), {"separator": b","}, grad=False,
                            onnx=False, expected=_obj([b"a,c", b"b", b""]))])
not_differentiable(UNSORTED_SEGMENT_JOIN)
no_onnx_lowering(UNSORTED_SEGMENT_JOIN, "ONNX opset 18 has no string concatenation")


def unsorted_segment_join(inputs, segment_ids, num_segments, separator="", name=None):
    """``tf.strings.unsorted_segment_join``."""
    x = _string_input(inputs, "UnsortedSegmentJoin")
    ids = tensor(segment_ids)
    n = tensor(num_segments)
    return execute(UNSORTED_SEGMENT_JOIN, (x, ids, n), {"separator": _encode(separator)})


# ---- substr --------------------------------------------------------------------------------
def _substr_kernel(x, pos, length, unit="BYTE"):
    x, pos, length = np.broadcast_arrays(x, pos, length)
    if x.size == 0:
        return np.empty(x.shape, object)
    if unit == "UTF8_CHAR":
        dec = np.frompyfunc(lambda s: s.decode("utf-8", "surrogateescape"), 1, 1)(x)
    else:
        dec = x
    sizes = np.asarray(_byte_len(dec), np.int64)
    p = pos.astype(np.int64)
    start = np.where(p < 0, sizes + p, p)
    bad = (start < 0) | (start > sizes)
    if bad.any():
        i = int(np.flatnonzero(bad.reshape(-1))[0])
        raise errors.InvalidArgumentError(
            None, None, f"pos {int(p.reshape(-1)[i])} out of range for string "
                        f"{x.reshape(-1)[i]!r} at index {i} [Op:Substr]")
    n = length.astype(np.int64)
    stop = np.where(n < 0, sizes, np.minimum(start + np.maximum(n, 0), sizes))
    out = np.frompyfunc(lambda s, a, b: s[a:b], 3, 1)(dec, start, stop)
    if unit == "UTF8_CHAR":
        out = np.frompyfunc(lambda s: s.encode("utf-8", "surrogateescape"), 1, 1)(out)
    return _as_obj(out)


SUBSTR = declare("Substr", _substr_kernel, infer=_rules.broadcast, samples=lambda: [
    Sample((_as_obj(b"hello"), np.array(1, np.int32), np.array(3, np.int32)), grad=False,
           onnx=False, expected=_as_obj(b"ell")),
    Sample((_obj([b"hello", b"ab"]), np.array([1, 0], np.int32), np.array([10, 1], np.int32)),
           grad=False, onnx=False, expected=_obj([b"ello", b"a"])),
    Sample((_obj([b"hello", b"world"]), np.array(-2, np.int64), np.array(3, np.int64)),
           grad=False, onnx=False, expected=_obj([b"lo", b"ld"])),
    Sample((_as_obj("héllo".encode()), np.array(1, np.int32), np.array(2, np.int32)),
           {"unit": "UTF8_CHAR"}, grad=False, onnx=False, expected=_as_obj("él".encode())),
    Sample((np.empty((0,), object), np.array(0, np.int32), np.array(1, np.int32)),
           grad=False, onnx=False, expected=np.empty((0,), object))])
not_differentiable(SUBSTR)
no_onnx_lowering(SUBSTR, "ONNX opset 18 has no substring operator")


def substr(input, pos, len, unit="BYTE", name=None):
    """``tf.strings.substr``: ``len`` bytes (or UTF-8 characters) from ``pos``."""
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise _attr_error("Substr", "unit", unit, ("BYTE", "UTF8_CHAR"))
    x = _string_input(input, "Substr")
    p = tensor(pos)
    n = tensor(len, dtype=p.dtype) if not isinstance(len, Tensor) else len
    return execute(SUBSTR, (x, p, n), {"unit": unit})


# ---- split ---------------------------------------------------------------------------------
def _split_kernel(x, sep=None, maxsplit=-1):
    flat = x.reshape(-1)
    if sep is None or sep == b"":
        parts = [s.split(None, maxsplit) for s in flat.tolist()]
    else:
        parts = [s.split(sep, maxsplit) for s in flat.tolist()]
    lengths = np.fromiter((len(p) for p in parts), np.int64, len(parts))
    splits = np.concatenate([np.zeros(1, np.int64), np.cumsum(lengths)])
    values = np.empty(int(splits[-1]), object)
    values[:] = [v for p in parts for v in p]
    return splits, values


def _split_infer(x, sep=None, maxsplit=-1):
    n = _rules.numel(x)
    return [(None if n is None else n + 1,), (None,)]


def _split_dtypes(dtypes, attrs):
    return _dtypes.int64, _STRING


STRING_SPLIT_V2 = declare(
    "StringSplitV2", _split_kernel, infer=_split_infer, dtype_rule=_split_dtypes, num_outputs=2,
    dynamic_shape=True, samples=lambda: [
        Sample((_obj([b"a b  c", b"d", b""]),), grad=False, onnx=False,
               expected=(np.array([0, 3, 4, 4]), _obj([b"a", b"b", b"c", b"d"]))),
        Sample((_obj([b"a,,b", b""]),), {"sep": b","}, grad=False, onnx=False,
               expected=(np.array([0, 3, 4]), _obj([b"a", b"", b"b", b""]))),
        Sample((_as_obj(b"a,b,c"),), {"sep": b",", "maxsplit": 1}, grad=False, onnx=False,
               expected=(np.array([0, 2]), _obj([b"a", b"b,c"]))),
        Sample((np.empty((0,), object),), grad=False, onnx=False)])
not_differentiable(STRING_SPLIT_V2)
no_onnx_lowering(STRING_SPLIT_V2, "ONNX opset 18 has no string split operator")


def _ragged_rows(splits: Tensor, values: Tensor, outer_shape: tuple):
    """A RaggedTensor of the split rows, with the input's outer dims as uniform rows."""
    from tessera._framework.ragged import RaggedTensor

    if not outer_shape:
        return values
    rt = RaggedTensor.from_row_splits(values, splits, validate=False)
    for dim in reversed(outer_shape[1:]):
        rt = RaggedTensor.from_uniform_row_length(rt, dim, validate=False)
    return rt


def split(input, sep=None, maxsplit=-1, name=None):
    """``tf.strings.split``: a RaggedTensor of the pieces of each string (a scalar input
    gives a 1-D tensor). ``sep=None`` splits on runs of whitespace."""
    x = _string_input(input, "StringSplitV2")
    attrs = {"sep": None if sep is None else _encode(sep), "maxsplit": int(maxsplit)}
    splits, values = execute(STRING_SPLIT_V2, (x,), attrs)
    if x.shape.rank == 0:
        return values
    return _ragged_rows(splits, values, tuple(x.shape.as_list()))


def _bytes_split_kernel(x):
    flat = x.reshape(-1).tolist()
    lengths = np.fromiter((len(s) for s in flat), np.int64, len(flat))
    splits = np.concatenate([np.zeros(1, np.int64), np.cumsum(lengths)])
    joined = b"".join(flat)
    values = np.empty(len(joined), object)
    values[:] = [joined[i:i + 1] for i in range(len(joined))]
    return splits, values


STRING_BYTES_SPLIT = declare(
    "StringSplit", _bytes_split_kernel, infer=lambda x: _split_infer(x),
    dtype_rule=_split_dtypes, num_outputs=2, dynamic_shape=True, samples=lambda: [
        Sample((_obj(["hé".encode(), b""]),), grad=False, onnx=False,
               expected=(np.array([0, 3, 3]), _obj([b"h", b"\xc3", b"\xa9"]))),
        Sample((_as_obj(b"ab"),), grad=False, onnx=False,
               expected=(np.array([0, 2]), _obj([b"a", b"b"])))])
not_differentiable(STRING_BYTES_SPLIT)
no_onnx_lowering(STRING_BYTES_SPLIT, "ONNX opset 18 has no string split operator")


def bytes_split(input, name=None):
    """``tf.strings.bytes_split``: each string as a row of one-byte strings."""
    from tessera._framework.ragged import RaggedTensor

    if isinstance(input, RaggedTensor):
        return input.with_flat_values(bytes_split(input.flat_values))
    x = _string_input(input, "StringSplit")
    splits, values = execute(STRING_BYTES_SPLIT, (x,), {})
    if x.shape.rank == 0:
        return values
    return _ragged_rows(splits, values, tuple(x.shape.as_list()))


# ---- regular expressions -------------------------------------------------------------------
def _compile(pattern: bytes, op: str):
    # RE2 runs on UTF-8 text: match on str (a character is a code point), ASCII classes.
    try:
        return re.compile(pattern.decode("utf-8", "surrogateescape"), re.ASCII)
    except re.error as exc:
        raise errors.InvalidArgumentError(
            None, None, f"Invalid pattern: {pattern.decode('utf-8', 'replace')}, "
                        f"error: {exc} [Op:{op}]") from None


def _rewrite_fn(rewrite: bytes):
    """RE2's rewrite string (``\\0``-``\\9`` groups, ``\\\\`` a backslash) as a function."""
    text = rewrite.decode("utf-8", "surrogateescape")
    pieces: list = []
    i = 0
    lit = []
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt.isdigit():
                pieces.append("".join(lit))
                lit = []
                pieces.append(int(nxt))
                i += 2
                continue
            if nxt == "\\":
                lit.append("\\")
                i += 2
                continue
            raise errors.InvalidArgumentError(
                None, None, f"Invalid rewrite pattern: {text} [Op:StaticRegexReplace]")
        lit.append(c)
        i += 1
    pieces.append("".join(lit))
    if len(pieces) == 1:
        const = pieces[0]
        return lambda m: const
    return lambda m: "".join(p if isinstance(p, str) else (m.group(p) or "") for p in pieces)


def _regex_replace_kernel(x, pattern=b"", rewrite=b"", replace_global=True):
    rx = _compile(pattern, "StaticRegexReplace")
    fn = _rewrite_fn(rewrite)
    count = 0 if replace_global else 1

    def one(s: bytes) -> bytes:
        return rx.sub(fn, s.decode("utf-8", "surrogateescape"), count=count).encode(
            "utf-8", "surrogateescape")

    if x.size == 0:
        return np.empty(x.shape, object)
    return _as_obj(np.frompyfunc(one, 1, 1)(x))


REGEX_REPLACE = declare(
    "StaticRegexReplace", _regex_replace_kernel, infer=_rules.unary, samples=lambda: [
        Sample((_obj([b"aaa bb", b"cc"]),), {"pattern": b"a+", "rewrite": b"X"}, grad=False,
               onnx=False, expected=_obj([b"X bb", b"cc"])),
        Sample((_as_obj(b"aaa"),), {"pattern": b"a", "rewrite": b"X", "replace_global": False},
               grad=False, onnx=False, expected=_as_obj(b"Xaa")),
        Sample((_as_obj(b"abc"),), {"pattern": b"(b)", "rewrite": b"[\\1\\0]"}, grad=False,
               onnx=False, expected=_as_obj(b"a[bb]c")),
        Sample((np.empty((0, 2), object),), {"pattern": b"a", "rewrite": b""}, grad=False,
               onnx=False)])
not_differentiable(REGEX_REPLACE)
no_onnx_lowering(REGEX_REPLACE, "ONNX opset 18 has no regular-expression operator")


def _static(value, what: str) -> bytes:
    if isinstance(value, Tensor):
        if value.shape.rank != 0:
            raise errors.InvalidArgumentError(None, None, f"{what} must be scalar, but received "
                                                          f"{value.shape}")
        return value.numpy()
    return _encode(value)


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):
    """``tf.strings.regex_replace`` (RE2 syntax; rewrite groups as ``\\1``)."""
    x = _string_input(input, "StaticRegexReplace")
    return execute(REGEX_REPLACE, (x,), {"pattern": _static(pattern, "pattern"),
                                         "rewrite": _static(rewrite, "rewrite"),
                                         "replace_global": bool(replace_global)})


def _regex_full_match_kernel(x, pattern=b""):
    rx = _compile(pattern, "StaticRegexFullMatch")
    if x.size == 0:
        return np.zeros(x.shape, bool)
    match = np.frompyfunc(
        lambda s: rx.fullmatch(s.decode("utf-8", "surrogateescape")) is not None, 1, 1)
    return np.asarray(match(x), dtype=bool)


REGEX_FULL_MATCH = declare(
    "StaticRegexFullMatch", _regex_full_match_kernel, infer=_rules.unary,
    dtype_rule=_rules.to_bool, samples=lambda: [
        Sample((_obj([b"abc", b"ab", b"a\xc3\xa9c"]),), {"pattern": b"a.c"}, grad=False,
               onnx=False, expected=np.array([True, False, True])),
        Sample((_as_obj(b"abc"),), {"pattern": b"b"}, grad=False, onnx=False,
               expected=np.array(False)),
        Sample((np.empty((0,), object),), {"pattern": b"b"}, grad=False, onnx=False)])
not_differentiable(REGEX_FULL_MATCH)
no_onnx_lowering(REGEX_FULL_MATCH, "RegexFullMatch needs ONNX opset 20; Tessera targets 18")


def regex_full_match(input, pattern, name=None):
    """``tf.strings.regex_full_match``: whether each whole string matches ``pattern``."""
    x = _string_input(input, "StaticRegexFullMatch")
    return execute(REGEX_FULL_MATCH, (x,), {"pattern": _static(pattern, "pattern")})


# ---- numbers <-> strings -------------------------------------------------------------------
_FLOAT_RE = re.compile(rb"\s*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan"
                       rb"|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?)"
                       rb"\s*", re.IGNORECASE)
_INT_RE = re.compile(rb"\s*[+-]?\d+\s*")
_INT_RANGES = {"int32": (-(2 ** 31), 2 ** 31 - 1), "int64": (-(2 ** 63), 2 ** 63 - 1),
               "uint32": (0, 2 ** 32 - 1), "uint64": (0, 2 ** 64 - 1)}


def _bad_number(s: bytes):
    return errors.InvalidArgumentError(
        None, None, f"StringToNumberOp could not correctly convert string: "
                    f"{s.decode('utf-8', 'replace')} [Op:StringToNumber]")


def _parse_float(s: bytes) -> float:
    if _FLOAT_RE.fullmatch(s) is None:
        raise _bad_number(s)
    t = s.strip()
    body = t.lstrip(b"+-")
    if body[:2].lower() == b"0x":
        v = float.fromhex(body.decode())
        return -v if t.startswith(b"-") else v
    return float(t)


def _string_to_number_kernel(x, out_type=_dtypes.float32):
    npd = out_type.as_numpy_dtype
    if x.size == 0:
        return np.zeros(x.shape, npd)
    flat = x.reshape(-1).tolist()
    if out_type.is_floating:
        try:  # NumPy parses the common decimal forms at C speed
            vals = np.array(flat, dtype="S").astype(np.float64)
            ok = all(_FLOAT_RE.fullmatch(s) is not None for s in flat)
        except ValueError:
            ok = False
        if not ok:
            vals = np.array([_parse_float(s) for s in flat], np.float64)
        with np.errstate(over="ignore"):
            return vals.astype(npd).reshape(x.shape)
    lo, hi = _INT_RANGES[out_type.name]
    out = []
    for s in flat:
        if _INT_RE.fullmatch(s) is None:
            raise _bad_number(s)
        v = int(s)
        if not lo <= v <= hi:
            raise _bad_number(s)
        out.append(v)
    return np.array(out, dtype=npd).reshape(x.shape)


STRING_TO_NUMBER = declare(
    "StringToNumber", _string_to_number_kernel, infer=_rules.unary,
    dtype_rule=_rules.from_attr("out_type"), samples=lambda: [
        Sample((_obj([b"1.5", b"2", b" 3", b"1e3", b"-0x10", b".5"]),),
               {"out_type": _dtypes.float32}, grad=False, onnx=False,
               expected=np.array([1.5, 2, 3, 1000, -16, 0.5], np.float32)),
        Sample((_obj([[b"12", b"-3"]]),), {"out_type": _dtypes.int32}, grad=False, onnx=False,
               expected=np.array([[12, -3]], np.int32)),
        Sample((_as_obj(b"18446744073709551615"),), {"out_type": _dtypes.uint64}, grad=False,
               onnx=False, expected=np.array(18446744073709551615, np.uint64)),
        Sample((_obj([b"inf", b"nan"]),), {"out_type": _dtypes.float64}, grad=False,
               onnx=False, expected=np.array([np.inf, np.nan])),
        Sample((np.empty((0,), object),), {"out_type": _dtypes.int64}, grad=False, onnx=False)])
not_differentiable(STRING_TO_NUMBER)
no_onnx_lowering(STRING_TO_NUMBER, "ONNX Cast from string does not parse hex or TF's forms")
_NUMBER_TYPES = ("float32", "float64", "int32", "int64", "uint32", "uint64")


def to_number(input, out_type=_dtypes.float32, name=None):
    """``tf.strings.to_number``: parse each string; InvalidArgumentError on bad input."""
    dt = _dtypes.as_dtype(out_type)
    if dt.name not in _NUMBER_TYPES:
        raise errors.InvalidArgumentError(
            None, None, f"Value for attr 'out_type' of {tf_type_name(dt)} is not in the list of "
                        f"allowed values: float, double, int32, int64, uint32, uint64\n\t; "
                        f"NodeDef: {{{{node StringToNumber}}}} [Op:StringToNumber]")
    return execute(STRING_TO_NUMBER, (_string_input(input, "StringToNumber"),),
                   {"out_type": dt})


def _as_string_format(dtype, precision, scientific, shortest, width, fill) -> str:
    if scientific and shortest:
        raise errors.InvalidArgumentError(
            None, None, "Cannot select both scientific and shortest notation [Op:AsString]")
    if len(fill) > 1:
        raise errors.InvalidArgumentError(
            None, None, "Fill string must be one or fewer characters [Op:AsString]")
    is_float = dtype.is_floating or dtype.is_complex
    if precision > -1 and not is_float:
        raise errors.InvalidArgumentError(
            None, None, f"precision not supported for datatype {tf_type_name(dtype)} "
                        f"[Op:AsString]")
    if (scientific or shortest) and not is_float:
        raise errors.InvalidArgumentError(
            None, None, f"scientific and shortest format not supported for datatype "
                        f"{tf_type_name(dtype)} [Op:AsString]")
    fmt = "%"
    if fill:
        if fill not in " +-0#":
            raise errors.InvalidArgumentError(
                None, None, f'Fill argument not supported: "{fill}" [Op:AsString]')
        fmt += fill
    if width > -1:
        fmt += str(width)
    if precision > -1:
        fmt += f".{precision}"
    if dtype.is_bool or dtype is _STRING:
        return fmt + "s"
    if is_float:
        return fmt + ("g" if shortest else "e" if scientific else "f")
    return fmt + "d"


def _as_string_kernel(x, fmt="%f"):
    if x.dtype.name == "bfloat16":
        x = x.astype(np.float32)
    if x.size == 0:
        return np.empty(x.shape, object)
    if x.dtype == np.bool_:
        out = np.where(x, "true", "false")
    elif x.dtype == object:
        return _as_obj(np.frompyfunc(
            lambda s: (fmt % s.decode("utf-8", "surrogateescape")).encode(
                "utf-8", "surrogateescape"), 1, 1)(x))
    elif x.dtype.kind == "c":
        re_s = np.char.mod(fmt, x.real.astype(np.float64))
        im_s = np.char.mod(fmt, x.imag.astype(np.float64))
        out = np.char.add(np.char.add(np.char.add("(", re_s), np.char.add(",", im_s)), ")")
    elif x.dtype.kind == "f":
        out = np.char.mod(fmt, x.astype(np.float64))
    else:
        out = np.char.mod(fmt, x)
    return np.char.encode(out, "ascii").astype(object).reshape(x.shape)


AS_STRING = declare("AsString", _as_string_kernel, infer=_rules.unary,
                    dtype_rule=_rules.fixed("string"), samples=lambda: [
    Sample((np.array([1.5, 1 / 3, 1e10], np.float32),), {"fmt": "%f"}, grad=False, onnx=False,
           expected=_obj([b"1.500000", b"0.333333", b"10000000000.000000"])),
    Sample((np.array([1.5, 1 / 3, 1e10, 1e5]),), {"fmt": "%g"}, grad=False, onnx=False,
           expected=_obj([b"1.5", b"0.333333", b"1e+10", b"100000"])),
    Sample((np.array([[1, -2]], np.int32),), {"fmt": "%04d"}, grad=False, onnx=False,
           expected=_obj([[b"0001", b"-002"]])),
    Sample((np.array([True, False]),), {"fmt": "%s"}, grad=False, onnx=False,
           expected=_obj([b"true", b"false"])),
    Sample((np.array(1 + 2j, np.complex64),), {"fmt": "%f"}, grad=False, onnx=False,
           expected=_as_obj(b"(1.000000,2.000000)")),
    Sample((np.zeros((0, 3), np.int64),), {"fmt": "%d"}, grad=False, onnx=False)])
not_differentiable(AS_STRING)
no_onnx_lowering(AS_STRING, "ONNX Cast to string does not take printf formats")


def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill="",
              name=None):
    """``tf.strings.as_string``: printf-style formatting of each element."""
    x = tensor(input)
    fmt = _as_string_format(x.dtype, int(precision), bool(scientific), bool(shortest),
                            int(width), fill)
    return execute(AS_STRING, (x,), {"fmt": fmt})


# ---- hashing -------------------------------------------------------------------------------
_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_K0 = np.uint64(0xC3A5C85C97CB3127)
_K1 = np.uint64(0xB492B66FBE98F273)
_K2 = np.uint64(0x9AE16A3B2F90404F)


def _u(v) -> np.uint64:
    return np.uint64(v)


def _padded(strings: list, extra: int = 8):
    """(byte matrix padded with zeros, lengths) for a list of bytes."""
    lengths = np.fromiter((len(s) for s in strings), np.int64, len(strings))
    width = int(lengths.max()) + extra if len(strings) else extra
    buf = np.zeros((len(strings), width), np.uint8)
    joined = np.frombuffer(b"".join(strings), np.uint8)
    rows = np.repeat(np.arange(len(strings)), lengths)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(strings) else lengths
    cols = np.arange(joined.size) - np.repeat(starts, lengths)
    buf[rows, cols] = joined
    return buf, lengths


def _fetch(buf, offs, nbytes: int):
    """Little-endian unsigned ints of ``nbytes`` bytes at per-row offsets."""
    rows = np.arange(buf.shape[0])
    out = np.zeros(buf.shape[0], np.uint64)
    for k in range(nbytes):
        out |= buf[rows, offs + k].astype(np.uint64) << _u(8 * k)
    return out


def _rot(v, s: int):
    return v if s == 0 else (v >> _u(s)) | (v << _u(64 - s))


def _shift_mix(v):
    return v ^ (v >> _u(47))


def _hash_len16(u, v, mul):
    a = (u ^ v) * mul
    a ^= a >> _u(47)
    b = (v ^ a) * mul
    b ^= b >> _u(47)
    return b * mul


def _weak32(buf, offs, a, b):
    w, x, y, z = (_fetch(buf, offs + i, 8) for i in (0, 8, 16, 24))
    a = a + w
    b = _rot(b + a + z, 21)
    c = a
    a = a + x
    a = a + y
    b = b + _rot(a, 44)
    return a + z, b + c


def _fingerprint64(strings: list) -> np.ndarray:
    """Farmhash Fingerprint64 (farmhashna::Hash64) of each string, on uint64 lanes."""
    n = len(strings)
    out = np.zeros(n, np.uint64)
    if n == 0:
        return out
    buf, lengths = _padded(strings, extra=72)
    ln = lengths.astype(np.uint64)
    zero = np.zeros(n, np.int64)
    with np.errstate(over="ignore"):
        # 0..16 bytes
        m = lengths <= 16
        if m.any():
            b_, L, Lu = buf[m], lengths[m], ln[m]
            res = np.full(L.size, _K2, np.uint64)
            mul = _K2 + Lu * _u(2)
            s8 = L >= 8
            if s8.any():
                a = _fetch(b_[s8], zero[:s8.sum()], 8) + _K2
                bb = _fetch(b_[s8], L[s8] - 8, 8)
                c = _rot(bb, 37) * mul[s8] + a
                d = (_rot(a, 25) + bb) * mul[s8]
                res[s8] = _hash_len16(c, d, mul[s8])
            s4 = (L >= 4) & (L < 8)
            if s4.any():
                a = _fetch(b_[s4], zero[:s4.sum()], 4)
                res[s4] = _hash_len16(Lu[s4] + (a << _u(3)), _fetch(b_[s4], L[s4] - 4, 4),
                                      mul[s4])
            s1 = (L > 0) & (L < 4)
            if s1.any():
                rows = np.arange(b_.shape[0])[s1]
                a = b_[rows, 0].astype(np.uint64)
                bb = b_[rows, L[s1] >> 1].astype(np.uint64)
                c = b_[rows, L[s1] - 1].astype(np.uint64)
                y = (a + (bb << _u(8))) & _u(0xFFFFFFFF)
                z = (Lu[s1] + (c << _u(2))) & _u(0xFFFFFFFF)
                res[s1] = _shift_mix(y * _K2 ^ z * _K0) * _K2
            out[m] = res
        # 17..32 bytes
        m = (lengths > 16) & (lengths <= 32)
        if m.any():
            b_, L, Lu = buf[m], lengths[m], ln[m]
            z0 = zero[:L.size]
            mul = _K2 + Lu * _u(2)
            a = _fetch(b_, z0, 8) * _K1
            bb = _fetch(b_, z0 + 8, 8)
            c = _fetch(b_, L - 8, 8) * mul
            d = _fetch(b_, L - 16, 8) * _K2
            out[m] = _hash_len16(_rot(a + bb, 43) + _rot(c, 30) + d,
                                 a + _rot(bb + _K2, 18) + c, mul)
        # 33..64 bytes
        m = (lengths > 32) & (lengths <= 64)
        if m.any():
            b_, L, Lu = buf[m], lengths[m], ln[m]
            z0 = zero[:L.size]
            mul = _K2 + Lu * _u(2)
            a = _fetch(b_, z0, 8) * _K2
            bb = _fetch(b_, z0 + 8, 8)
            c = _fetch(b_, L - 8, 8) * mul
            d = _fetch(b_, L - 16, 8) * _K2
            y = _rot(a + bb, 43) + _rot(c, 30) + d
            z = _hash_len16(y, a + _rot(bb + _K2, 18) + c, mul)
            e = _fetch(b_, z0 + 16, 8) * mul
            f = _fetch(b_, z0 + 24, 8)
            g = (y + _fetch(b_, L - 32, 8)) * mul
            h = (z + _fetch(b_, L - 24, 8)) * mul
            out[m] = _hash_len16(_rot(e + f, 43) + _rot(g, 30) + h, e + _rot(f + a, 18) + g,
                                 mul)
        # longer: 64-byte blocks
        m = lengths > 64
        if m.any():
            out[m] = _fingerprint_long(buf[m], lengths[m])
    return out


def _fingerprint_long(buf, L):
    n = L.size
    seed = _u(81)
    x = np.full(n, seed, np.uint64)
    y = np.full(n, seed * _K1 + _u(113), np.uint64)
    z = _shift_mix(y * _K2 + _u(113)) * _K2
    v0 = np.zeros(n, np.uint64)
    v1 = np.zeros(n, np.uint64)
    w0 = np.zeros(n, np.uint64)
    w1 = np.zeros(n, np.uint64)
    s = np.zeros(n, np.int64)
    x = x * _K2 + _fetch(buf, s, 8)
    end = ((L - 1) // 64) * 64
    last64 = end + ((L - 1) & 63) - 63
    blocks = (L - 1) // 64
    for it in range(int(blocks.max())):
        act = blocks > it
        nx = _rot(x + y + v0 + _fetch(buf, s + 8, 8), 37) * _K1
        ny = _rot(y + v1 + _fetch(buf, s + 48, 8), 42) * _K1
        nx ^= w1
        ny = ny + v0 + _fetch(buf, s + 40, 8)
        nz = _rot(z + w0, 33) * _K1
        nv0, nv1 = _weak32(buf, s, v1 * _K1, nx + w0)
        nw0, nw1 = _weak32(buf, s + 32, nz + w1, ny + _fetch(buf, s + 16, 8))
        nx, nz = nz, nx
        x, y, z = np.where(act, nx, x), np.where(act, ny, y), np.where(act, nz, z)
        v0, v1 = np.where(act, nv0, v0), np.where(act, nv1, v1)
        w0, w1 = np.where(act, nw0, w0), np.where(act, nw1, w1)
        s = np.where(act, s + 64, s)
    mul = _K1 + ((z & _u(0xFF)) << _u(1))
    s = last64
    w0 = w0 + ((L - 1) & 63).astype(np.uint64)
    v0 = v0 + w0
    w0 = w0 + v0
    x = _rot(x + y + v0 + _fetch(buf, s + 8, 8), 37) * mul
    y = _rot(y + v1 + _fetch(buf, s + 48, 8), 42) * mul
    x ^= w1 * _u(9)
    y = y + v0 * _u(9) + _fetch(buf, s + 40, 8)
    z = _rot(z + w0, 33) * mul
    v0, v1 = _weak32(buf, s, v1 * mul, x + w0)
    w0, w1 = _weak32(buf, s + 32, z + w1, y + _fetch(buf, s + 16, 8))
    x, z = z, x
    return _hash_len16(_hash_len16(v0, w0, mul) + _shift_mix(y) * _K0 + z,
                       _hash_len16(v1, w1, mul) + x, mul)


def _murmur64(strings: list, seed: int = 0xDECAFCAFFE) -> np.ndarray:
    """TensorFlow's Hash64 (a MurmurHash64A) of each string, on uint64 lanes."""
    n = len(strings)
    if n == 0:
        return np.zeros(0, np.uint64)
    buf, lengths = _padded(strings, extra=8)
    mm = _u(0xC6A4A7935BD1E995)
    with np.errstate(over="ignore"):
        h = _u(seed) ^ (lengths.astype(np.uint64) * mm)
        blocks = lengths // 8
        zero = np.zeros(n, np.int64)
        for i in range(int(blocks.max())):
            act = blocks > i
            k = _fetch(buf, zero + 8 * i, 8)
            k *= mm
            k ^= k >> _u(47)
            k *= mm
            h = np.where(act, (h ^ k) * mm, h)
        tail_len = lengths % 8
        tail = _fetch(buf, blocks * 8, 8)
        tail &= (_u(1) << (tail_len.astype(np.uint64) * _u(8))) - _u(1)
        h = np.where(tail_len > 0, (h ^ tail) * mm, h)
        h ^= h >> _u(47)
        h *= mm
        h ^= h >> _u(47)
    return h


def _siphash(strings: list, k0: int, k1: int) -> np.ndarray:
    """SipHash-2-4 with the 128-bit key (k0, k1), on uint64 lanes."""
    n = len(strings)
    if n == 0:
        return np.zeros(0, np.uint64)
    buf, lengths = _padded(strings, extra=8)
    k0, k1 = _u(k0), _u(k1)
    with np.errstate(over="ignore"):
        v0 = np.full(n, k0 ^ _u(0x736F6D6570736575), np.uint64)
        v1 = np.full(n, k1 ^ _u(0x646F72616E646F6D), np.uint64)
        v2 = np.full(n, k0 ^ _u(0x6C7967656E657261), np.uint64)
        v3 = np.full(n, k1 ^ _u(0x7465646279746573), np.uint64)

        def rounds(v0, v1, v2, v3, r):
            for _ in range(r):
                v0 = v0 + v1
                v1 = _rot_l(v1, 13)
                v1 ^= v0
                v0 = _rot_l(v0, 32)
                v2 = v2 + v3
                v3 = _rot_l(v3, 16)
                v3 ^= v2
                v0 = v0 + v3
                v3 = _rot_l(v3, 21)
                v3 ^= v0
                v2 = v2 + v1
                v1 = _rot_l(v1, 17)
                v1 ^= v2
                v2 = _rot_l(v2, 32)
            return v0, v1, v2, v3

        blocks = lengths // 8
        zero = np.zeros(n, np.int64)
        for i in range(int(blocks.max())):
            act = blocks > i
            m = _fetch(buf, zero + 8 * i, 8)
            a0, a1, a2, a3 = rounds(v0, v1, v2, v3 ^ m, 2)
            a0 ^= m
            v0, v1, v2, v3 = (np.where(act, a, b) for a, b in
                              ((a0, v0), (a1, v1), (a2, v2), (a3, v3)))
        tail_len = (lengths % 8).astype(np.uint64)
        tail = _fetch(buf, blocks * 8, 8) & ((_u(1) << (tail_len * _u(8))) - _u(1))
        b = ((lengths.astype(np.uint64) & _u(0xFF)) << _u(56)) | tail
        v3 ^= b
        v0, v1, v2, v3 = rounds(v0, v1, v2, v3, 2)
        v0 ^= b
        v2 ^= _u(0xFF)
        v0, v1, v2, v3 = rounds(v0, v1, v2, v3, 4)
        return v0 ^ v1 ^ v2 ^ v3


def _rot_l(v, s: int):
    return (v << _u(s)) | (v >> _u(64 - s))


def _bucket(hashes: np.ndarray, num_buckets: int, shape) -> np.ndarray:
    return (hashes % _u(num_buckets)).astype(np.int64).reshape(shape)


def _hash_fast_kernel(x, num_buckets=1):
    return _bucket(_fingerprint64(x.reshape(-1).tolist()), num_buckets, x.shape)


def _hash_kernel(x, num_buckets=1):
    return _bucket(_murmur64(x.reshape(-1).tolist()), num_buckets, x.shape)


def _hash_strong_kernel(x, num_buckets=1, key=(0, 0)):
    return _bucket(_siphash(x.reshape(-1).tolist(), key[0], key[1]), num_buckets, x.shape)


_HASH_INPUT = lambda: _obj([b"hello", b"", b"a" * 100])  # noqa: E731
TO_HASH_BUCKET_FAST = declare(
    "StringToHashBucketFast", _hash_fast_kernel, infer=_rules.unary,
    dtype_rule=_rules.fixed("int64"), samples=lambda: [
        Sample((_HASH_INPUT(),), {"num_buckets": 1000}, grad=False, onnx=False,
               expected=np.array([296, 263, 618])),
        Sample((np.empty((0, 2), object),), {"num_buckets": 3}, grad=False, onnx=False)])
TO_HASH_BUCKET = declare(
    "StringToHashBucket", _hash_kernel, infer=_rules.unary, dtype_rule=_rules.fixed("int64"),
    samples=lambda: [Sample((_HASH_INPUT(),), {"num_buckets": 1000}, grad=False, onnx=False,
                            expected=np.array([938, 899, 179]))])
TO_HASH_BUCKET_STRONG = declare(
    "StringToHashBucketStrong", _hash_strong_kernel, infer=_rules.unary,
    dtype_rule=_rules.fixed("int64"), samples=lambda: [
        Sample((_HASH_INPUT(),), {"num_buckets": 1000, "key": (1, 2)}, grad=False, onnx=False,
               expected=np.array([622, 435, 610]))])
for _op in (TO_HASH_BUCKET_FAST, TO_HASH_BUCKET, TO_HASH_BUCKET_STRONG):
    not_differentiable(_op)
    no_onnx_lowering(_op, "ONNX opset 18 has no string hash operator")


def _num_buckets(op: str, num_buckets) -> int:
    n = int(num_buckets)
    if n < 1:
        raise errors.InvalidArgumentError(
            None, None, f"Value for attr 'num_buckets' of {n} must be at least minimum 1\n\t; "
                        f"NodeDef: {{{{node {op}}}}} [Op:{op}]")
    return n


def to_hash_bucket_fast(input, num_buckets, name=None):
    """``tf.strings.to_hash_bucket_fast``: Fingerprint64 (farmhash) modulo ``num_buckets``;
    the same buckets as TensorFlow."""
    op = "StringToHashBucketFast"
    return execute(TO_HASH_BUCKET_FAST, (_string_input(input, op),),
                   {"num_buckets": _num_buckets(op, num_buckets)})


def to_hash_bucket(input, num_buckets, name=None):
    """``tf.strings.to_hash_bucket`` (TF's Hash64; same buckets as TensorFlow)."""
    op = "StringToHashBucket"
    return execute(TO_HASH_BUCKET, (_string_input(input, op),),
                   {"num_buckets": _num_buckets(op, num_buckets)})


def to_hash_bucket_strong(input, num_buckets, key, name=None):
    """``tf.strings.to_hash_bucket_strong``: keyed SipHash-2-4 modulo ``num_buckets``."""
    op = "StringToHashBucketStrong"
    key = [int(k) for k in (key.numpy() if isinstance(key, Tensor) else key)]
    if len(key) != 2:
        raise errors.InvalidArgumentError(
            None, None, f"Key must have 2 elements [Op:{op}]")
    return execute(TO_HASH_BUCKET_STRONG, (_string_input(input, op),),
                   {"num_buckets": _num_buckets(op, num_buckets),
                    "key": (key[0] & 0xFFFFFFFFFFFFFFFF, key[1] & 0xFFFFFFFFFFFFFFFF)})


# ---- format (as tf.print shows tensors) ----------------------------------------------------
_ESCAPES = {b"\n": b"\\n", b"\r": b"\\r", b"\t": b"\\t", b'"': b'\\"', b"'": b"\\'",
            b"\\": b"\\\\"}
_ESCAPE_RE = re.compile(rb"[\x00-\x1f\x7f\"'\\]")


def _c_escape(s: bytes) -> bytes:
    """C escaping that leaves bytes >= 0x80 alone (UTF-8 text passes through)."""
    return _ESCAPE_RE.sub(lambda m: _ESCAPES.get(m.group()) or b"\\%03o" % m.group()[0], s)


def _float_text(v: float, single: bool) -> str:
    if v != v:
        return "nan"
    if v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    short = f"{v:.6g}" if single else f"{v:.15g}"
    back = float(short)
    if (np.float32(back) == np.float32(v)) if single else back == v:
        return short
    return f"{v:.9g}" if single else f"{v:.17g}"


def _element_texts(arr: np.ndarray) -> np.ndarray:
    """Each element as TensorFlow's print_v2 writes it (bytes)."""
    if arr.dtype.name == "bfloat16":  # ml_dtypes storage: printed through float32, as TF
        arr = arr.astype(np.float32)
    kind = arr.dtype.kind
    if kind == "b":
        return np.where(arr, b"1", b"0").astype(object)
    if kind in "iu":
        return np.char.encode(arr.astype(str), "ascii").astype(object) if arr.size else \
            np.empty(arr.shape, object)
    if kind == "f":
        single = arr.dtype.itemsize <= 4
        vals = arr.astype(np.float32 if single else np.float64)
        with np.errstate(all="ignore"):
            return _as_obj(np.frompyfunc(lambda v: _float_text(float(v), single).encode(), 1, 1)
                           (vals)) if arr.size else np.empty(arr.shape, object)
    if kind == "O":
        return _as_obj(np.frompyfunc(lambda s: b'"' + _c_escape(s) + b'"', 1, 1)(arr)) \
            if arr.size else np.empty(arr.shape, object)
    return np.full(arr.shape, b"?", object)


def summarize_array(arr: np.ndarray, summarize: int) -> bytes:
    """TensorFlow's ``SummarizeValue`` in print_v2 mode: ``summarize`` elements at each end of
    every dimension, ``...`` between, dimensions on their own lines."""
    n = arr.size
    max_entries = n if summarize < 0 else summarize
    limit = min(max_entries, n)
    if arr.dtype.kind == "c":  # TensorFlow prints '?' for types it cannot format
        body = b" ".join([b"?"] * limit) + (b"..." if max_entries < n else b"")
        return b"[" + body + b"]" if arr.ndim else body
    if arr.ndim == 0:
        out = _element_texts(arr.reshape(1))[0] if limit > 0 else b""
        return out + (b"..." if n > limit else b"")
    k = limit
    index_lists = []
    cuts = []
    for d in arr.shape:
        if d > 2 * k:
            index_lists.append(np.r_[0:k, d - k:d].astype(np.intp))
            cuts.append(k)
        else:
            index_lists.append(np.arange(d, dtype=np.intp))
            cuts.append(None)
    sub = arr[np.ix_(*index_lists)] if all(len(i) for i in index_lists) else \
        np.empty([len(i) for i in index_lists], arr.dtype)
    texts = _element_texts(sub)
    ndim = arr.ndim

    def spacing(d):
        if d == ndim - 1:
            return b" "
        return b"\n" * (ndim - d - 1) + b" " * (d + 1)

    def build(d, idx):
        if d == ndim:
            return texts[idx]
        m = len(index_lists[d])
        cut = cuts[d]
        sp = spacing(d)
        head = m if cut is None else cut
        first = min(k, head)
        parts = [build(d + 1, idx + (i,)) for i in range(first)]
        out = sp.join(parts)
        if cut is not None:
            out += sp + b"..."
        for i in range(first, m):
            out += sp + build(d + 1, idx + (i,))
        return b"[" + out + b"]"

    return build(0, ())


def _format_kernel(*inputs, template=b"", placeholder=b"{}", summarize=3):
    pieces = template.split(placeholder)
    out = [pieces[0]]
    for arr, piece in zip(inputs, pieces[1:]):
        out.append(summarize_array(arr, summarize))
        out.append(piece)
    return _as_obj(b"".join(out))


STRING_FORMAT = declare(
    "StringFormat", _format_kernel, infer=lambda *shapes, **attrs: (),
    dtype_rule=_rules.fixed("string"), samples=lambda: [
        Sample((np.array([1, 2], np.int32), _as_obj(b"s'q\\")), {"template": b"a {} b {}"},
               grad=False, onnx=False, expected=_as_obj(b"a [1 2] b \"s\\'q\\\\\"")),
        Sample((np.arange(100).reshape(10, 10),), {"template": b"{}"}, grad=False, onnx=False,
               expected=_as_obj(b"[[0 1 2 ... 7 8 9]\n [10 11 12 ... 17 18 19]\n"
                                b" [20 21 22 ... 27 28 29]\n ...\n [70 71 72 ... 77 78 79]\n"
                                b" [80 81 82 ... 87 88 89]\n [90 91 92 ... 97 98 99]]")),
        Sample((np.array([1.5, 2.0, 1 / 3, 1e-7, 1e10, 123456789.0], np.float32),
                np.array([1 / 3, 1e10]), np.array([True, False])),
               {"template": b"{} {} {}", "summarize": -1}, grad=False, onnx=False,
               expected=_as_obj(b"[1.5 2 0.333333343 1e-07 1e+10 123456792] "
                                b"[0.33333333333333331 10000000000] [1 0]")),
        Sample((np.zeros((2, 0), np.float32), np.zeros((0,), np.int32)),
               {"template": b"{} {}"}, grad=False, onnx=False,
               expected=_as_obj(b"[\n ...] []")),
        Sample((np.array(1 + 2j, np.complex64), np.arange(24).reshape(2, 3, 4)),
               {"template": b"{} {}"}, grad=False, onnx=False,
               expected=_as_obj(b"? [[[0 1 2 3]\n  [4 5 6 7]\n  [8 9 10 11]]\n\n"
                                b" [[12 13 14 15]\n  [16 17 18 19]\n  [20 21 22 23]]]"))])
not_differentiable(STRING_FORMAT)
no_onnx_lowering(STRING_FORMAT, "ONNX has no tensor-to-text formatting operator")


def format(template, inputs, placeholder="{}", summarize=3, name=None):
    """``tf.strings.format``: the template with each ``placeholder`` replaced by a tensor,
    summarized as ``tf.print`` shows it."""
    from tessera._framework.ragged import RaggedTensor

    if isinstance(inputs, Tensor | RaggedTensor) or not isinstance(inputs, list | tuple):
        inputs = [inputs]
    ts = tuple(tensor(x) for x in inputs)
    n = template.count(placeholder)
    if n != len(ts):
        raise ValueError(f"The template expects {n} tensors, but the inputs only has "
                         f"{len(ts)}. Please ensure the number of placeholders in template "
                         f"matches inputs length.")
    attrs = {"template": template.encode("utf-8"), "placeholder": placeholder.encode("utf-8"),
             "summarize": -1 if summarize is None else int(summarize)}
    if not ts:
        return wrap(_as_obj(attrs["template"]), _STRING)
    return execute(STRING_FORMAT, ts, attrs)


# ---- unicode -------------------------------------------------------------------------------
_ENCODINGS = {"UTF-8": ("utf-8", 1), "UTF-16-BE": ("utf-16-be", 2),
              "UTF-32-BE": ("utf-32-be", 4), "UTF-16-LE": ("utf-16-le", 2),
              "UTF-32-LE": ("utf-32-le", 4), "ISO-8859-1": ("latin-1", 1),
              "LATIN1": ("latin-1", 1), "US-ASCII": ("ascii", 1)}


def _codec(name: str, op: str, direction: str = "input"):
    key = name.upper().replace("_", "-")
    if key not in _ENCODINGS:
        raise errors.InvalidArgumentError(
            None, None, f"Could not create converter for {direction} encoding: {name} "
                        f"[Op:{op}] name: ")
    return _ENCODINGS[key]


def _span_marker(exc: UnicodeDecodeError):
    # A lone surrogate never comes out of a strict decoder: use one per invalid span,
    # with the span's byte length in its low bits.
    return chr(0xDC00 + (exc.end - exc.start)), exc.end


codecs.register_error("tessera_span", _span_marker)


def _decode_one(s: bytes, codec: str, unit: int, errors_mode: str, repl: int,
                replace_control: bool):
    """(code points int32, byte offsets int64) of one string."""
    text = s.decode(codec, "tessera_span")
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32).astype(np.int64)
    bad = (cps >= 0xDC00) & (cps < 0xE000)
    if unit == 1 and codec == "utf-8":
        width = np.where(cps < 0x80, 1, np.where(cps < 0x800, 2, np.where(cps < 0x10000, 3, 4)))
    elif codec.startswith("utf-16"):
        width = np.where(cps < 0x10000, 2, 4)
    else:
        width = np.full(cps.shape, unit)
    width = np.where(bad, cps - 0xDC00, width)
    offsets = (np.cumsum(width) - width).astype(np.int64)
    if bad.any():
        if errors_mode == "strict":
            raise errors.InvalidArgumentError(
                None, None, "Invalid formatting on input string [Op:UnicodeDecode] name: ")
        if errors_mode == "ignore":
            keep = ~bad
            cps, offsets = cps[keep], offsets[keep]
        else:
            cps = np.where(bad, repl, cps)
    if replace_control:
        ctrl = (cps < 0x20) | ((cps >= 0x7F) & (cps < 0xA0))
        cps = np.where(ctrl, repl, cps)
    return cps.astype(np.int32), offsets


def _unicode_decode_kernel(x, input_encoding="UTF-8", errors="replace", replacement_char=65533,
                           replace_control_characters=False):
    codec, unit = _codec(input_encoding, "UnicodeDecode")
    results = [_decode_one(s, codec, unit, errors, replacement_char, replace_control_characters)
               for s in x.reshape(-1).tolist()]
    lengths = np.fromiter((len(c) for c, _ in results), np.int64, len(results))
    splits = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    values = np.concatenate([c for c, _ in results]) if results else np.zeros(0, np.int32)
    offsets = np.concatenate([o for _, o in results]) if results else np.zeros(0, np.int64)
    return splits, values.astype(np.int32), offsets.astype(np.int64)


def _decode_infer(x, **attrs):
    n = _rules.numel(x)
    return [(None if n is None else n + 1,), (None,), (None,)]


UNICODE_DECODE = declare(
    "UnicodeDecodeWithOffsets", _unicode_decode_kernel, infer=_decode_infer, num_outputs=3,
    dynamic_shape=True, dtype_rule=lambda d, a: (_dtypes.int64, _dtypes.int32, _dtypes.int64),
    samples=lambda: [
        Sample((_obj(["héllo".encode(), b"a\xffb", b""]),), grad=False, onnx=False,
               expected=(np.array([0, 5, 8, 8]),
                         np.array([104, 233, 108, 108, 111, 97, 65533, 98], np.int32),
                         np.array([0, 1, 3, 4, 5, 0, 1, 2]))),
        Sample((_as_obj(b"a\xffb"),), {"errors": "ignore"}, grad=False, onnx=False,
               expected=(np.array([0, 2]), np.array([97, 98], np.int32), np.array([0, 2]))),
        Sample((_as_obj(b"a\x01b"),), {"replace_control_characters": True}, grad=False,
               onnx=False, expected=(np.array([0, 3]), np.array([97, 65533, 98], np.int32),
                                     np.array([0, 1, 2]))),
        Sample((_as_obj(b"\x00h\x00\xe9"),), {"input_encoding": "UTF-16-BE"}, grad=False,
               onnx=False, expected=(np.array([0, 2]), np.array([104, 233], np.int32),
                                     np.array([0, 2])))])
not_differentiable(UNICODE_DECODE)
no_onnx_lowering(UNICODE_DECODE, "ONNX opset 18 has no Unicode decoding operator")


def _decode(input, input_encoding, errors_mode, replacement_char, replace_control_characters):
    x = _string_input(input, "UnicodeDecode")
    _codec(input_encoding, "UnicodeDecode")
    if errors_mode not in ("strict", "replace", "ignore"):
        raise _attr_error("UnicodeDecodeWithOffsets", "errors", errors_mode,
                          ("strict", "replace", "ignore"))
    attrs = {"input_encoding": input_encoding, "errors": errors_mode,
             "replacement_char": int(replacement_char),
             "replace_control_characters": bool(replace_control_characters)}
    splits, values, offsets = execute(UNICODE_DECODE, (x,), attrs)
    shape = tuple(x.shape.as_list())
    return (_ragged_rows(splits, values, shape), _ragged_rows(splits, offsets, shape))


def unicode_decode(input, input_encoding, errors="replace", replacement_char=65533,
                   replace_control_characters=False, name=None):
    """``tf.strings.unicode_decode``: code points of each string (a RaggedTensor)."""
    return _decode(input, input_encoding, errors, replacement_char,
                   replace_control_characters)[0]


def unicode_decode_with_offsets(input, input_encoding, errors="replace",
                                replacement_char=65533, replace_control_characters=False,
                                name=None):
    """``tf.strings.unicode_decode_with_offsets``: code points and their byte offsets."""
    return _decode(input, input_encoding, errors, replacement_char,
                   replace_control_characters)


def _encode_cps(cps: np.ndarray, codec: str, errors_mode: str, repl: int, op: str) -> np.ndarray:
    """Valid code points as a uint32 array; invalid ones replaced, dropped or raised."""
    bad = (cps < 0) | (cps > 0x10FFFF) | ((cps >= 0xD800) & (cps < 0xE000))
    if bad.any():
        if errors_mode == "strict":
            raise errors.InvalidArgumentError(
                None, None, f"Code point is out of range for Unicode, or is a surrogate. "
                            f"[Op:{op}] name: ")
        cps = cps[~bad] if errors_mode == "ignore" else np.where(bad, repl, cps)
    return cps.astype(np.uint32)


def _unicode_encode_kernel(values, splits, output_encoding="UTF-8", errors="replace",
                           replacement_char=65533):
    codec, _ = _codec(output_encoding, "UnicodeEncode", "output")
    s = splits.astype(np.int64)
    out = np.empty(len(s) - 1, object)
    for i in range(len(s) - 1):
        cps = _encode_cps(values[s[i]:s[i + 1]].astype(np.int64), codec, errors,
                          replacement_char, "UnicodeEncode")
        out[i] = cps.tobytes().decode("utf-32-le").encode(codec, "replace")
    return out


def _encode_infer(values, splits, **attrs):
    if splits is None or splits[0] is None:
        return (None,)
    return (splits[0] - 1,)


UNICODE_ENCODE = declare(
    "UnicodeEncode", _unicode_encode_kernel, infer=_encode_infer,
    dtype_rule=_rules.fixed("string"), samples=lambda: [
        Sample((np.array([104, 233, 0x1F600], np.int32), np.array([0, 2, 3], np.int64)),
               grad=False, onnx=False, expected=_obj([b"h\xc3\xa9", b"\xf0\x9f\x98\x80"])),
        Sample((np.array([104, -1, 0x110000, 0xD800], np.int32), np.array([0, 4], np.int64)),
               grad=False, onnx=False, expected=_obj([b"h" + b"\xef\xbf\xbd" * 3])),
        Sample((np.array([104, 233], np.int32), np.array([0, 2], np.int64)),
               {"output_encoding": "UTF-16-BE"}, grad=False, onnx=False,
               expected=_obj([b"\x00h\x00\xe9"]))])
not_differentiable(UNICODE_ENCODE)
no_onnx_lowering(UNICODE_ENCODE, "ONNX opset 18 has no Unicode encoding operator")


def unicode_encode(input, output_encoding, errors="replace", replacement_char=65533, name=None):
    """``tf.strings.unicode_encode``: rows of code points (a RaggedTensor or a dense tensor
    whose last axis holds them) to strings."""
    from tessera._framework.ragged import RaggedTensor

    _codec(output_encoding, "UnicodeEncode", "output")
    if errors not in ("strict", "replace", "ignore"):
        raise _attr_error("UnicodeEncode", "errors", errors, ("strict", "replace", "ignore"))
    attrs = {"output_encoding": output_encoding, "errors": errors,
             "replacement_char": int(replacement_char)}
    if isinstance(input, RaggedTensor):
        if isinstance(input.values, RaggedTensor):
            return input.with_values(unicode_encode(input.values, output_encoding, errors,
                                                    replacement_char))
        vals = tensor(input.values, dtype=_dtypes.int32) if input.dtype != _dtypes.int32 \
            else input.values
        return execute(UNICODE_ENCODE, (vals, input.row_splits), attrs)
    x = tensor(input)
    if x.dtype is not _dtypes.int32:
        raise TypeError(f"Expected int32, got {x.dtype.name}")
    arr_shape = tuple(x.shape.as_list())
    if not arr_shape:
        raise ValueError("Rank of input_tensor must be statically known.")
    n = arr_shape[-1]
    outer = arr_shape[:-1]
    rows = int(np.prod(outer, dtype=np.int64))
    flat = wrap(x._value.reshape(-1), _dtypes.int32)
    splits = wrap(np.arange(rows + 1, dtype=np.int64) * n, _dtypes.int64)
    out = execute(UNICODE_ENCODE, (flat, splits), attrs)
    return wrap(out._value.reshape(outer), _STRING)


def _transcode_kernel(x, input_encoding="UTF-8", output_encoding="UTF-8", errors="replace",
                      replacement_char=65533, replace_control_characters=False):
    in_codec, unit = _codec(input_encoding, "UnicodeTranscode")
    out_codec, _ = _codec(output_encoding, "UnicodeTranscode", "output")

    def one(s):
        cps, _ = _decode_one(s, in_codec, unit, errors, replacement_char,
                             replace_control_characters)
        cps = _encode_cps(cps.astype(np.int64), out_codec, errors, replacement_char,
                          "UnicodeTranscode")
        return cps.tobytes().decode("utf-32-le").encode(out_codec, "replace")

    if x.size == 0:
        return np.empty(x.shape, object)
    return _as_obj(np.frompyfunc(one, 1, 1)(x))


UNICODE_TRANSCODE = declare(
    "UnicodeTranscode", _transcode_kernel, infer=_rules.unary, samples=lambda: [
        Sample((_obj(["héllo".encode(), b"a\xffb"]),), {"output_encoding": "UTF-16-BE"},
               grad=False, onnx=False,
               expected=_obj([b"\x00h\x00\xe9\x00l\x00l\x00o", b"\x00a\xff\xfd\x00b"])),
        Sample((np.empty((0,), object),), {}, grad=False, onnx=False)])
not_differentiable(UNICODE_TRANSCODE)
no_onnx_lowering(UNICODE_TRANSCODE, "ONNX opset 18 has no Unicode transcoding operator")


def unicode_transcode(input, input_encoding, output_encoding, errors="replace",
                      replacement_char=65533, replace_control_characters=False, name=None):
    """``tf.strings.unicode_transcode``."""
    x = _string_input(input, "UnicodeTranscode")
    _codec(input_encoding, "UnicodeTranscode")
    _codec(output_encoding, "UnicodeTranscode", "output")
    return execute(UNICODE_TRANSCODE, (x,), {
        "input_encoding": input_encoding, "output_encoding": output_encoding, "errors": errors,
        "replacement_char": int(replacement_char),
        "replace_control_characters": bool(replace_control_characters)})


def _split_chars(input, input_encoding, errors, replacement_char, with_offsets):
    from tessera._framework.ragged import RaggedTensor

    cps, offsets = _decode(input, input_encoding, errors, replacement_char, False)
    flat = cps.flat_values if isinstance(cps, RaggedTensor) else cps
    n = flat.shape[0]
    splits = wrap(np.arange(n + 1, dtype=np.int64), _dtypes.int64)
    chars = execute(UNICODE_ENCODE, (flat, splits), {
        "output_encoding": input_encoding, "errors": errors,
        "replacement_char": int(replacement_char)})
    out = cps.with_flat_values(chars) if isinstance(cps, RaggedTensor) else chars
    return (out, offsets) if with_offsets else out


def unicode_split(input, input_encoding, errors="replace", replacement_char=65533, name=None):
    """``tf.strings.unicode_split``: each string as a row of its characters."""
    return _split_chars(input, input_encoding, errors, replacement_char, False)


def unicode_split_with_offsets(input, input_encoding, errors="replace", replacement_char=65533,
                               name=None):
    """``tf.strings.unicode_split_with_offsets``: characters and their byte offsets."""
    return _split_chars(input, input_encoding, errors, replacement_char, True)


# ---- ngrams --------------------------------------------------------------------------------
def _ngrams_kernel(data, splits, separator=b" ", ngram_widths=(2,), left_pad=b"",
                   right_pad=b"", pad_width=0, preserve_short_sequences=False):
    s = splits.astype(np.int64)
    rows_out = []
    for r in range(len(s) - 1):
        row = data[s[r]:s[r + 1]].tolist()
        out_row = []
        for w in ngram_widths:
            pw = min(w - 1 if pad_width < 0 else pad_width, w - 1)
            seq = [left_pad] * pw + row + [right_pad] * pw
            count = len(seq) - w + 1
            if count > 0:
                out_row.extend(separator.join(seq[i:i + w]) for i in range(count))
        if not out_row and preserve_short_sequences and row:
            pw = max(pad_width, 0)
            out_row.append(separator.join([left_pad] * pw + row + [right_pad] * pw))
        rows_out.append(out_row)
    lengths = np.fromiter((len(r) for r in rows_out), np.int64, len(rows_out))
    out_splits = np.concatenate([[0], np.cumsum(lengths)]).astype(splits.dtype)
    values = np.empty(int(out_splits[-1]), object)
    values[:] = [v for r in rows_out for v in r]
    return values, out_splits


STRING_NGRAMS = declare(
    "StringNGrams", _ngrams_kernel,
    infer=lambda data, splits, **a: [(None,), splits],
    dtype_rule=lambda d, a: (_STRING, d[1]), num_outputs=2, dynamic_shape=True,
    samples=lambda: [
        Sample((_obj([b"a", b"b", b"c", b"d"]), np.array([0, 3, 4], np.int64)),
               {"ngram_widths": (1, 2), "left_pad": b"<", "right_pad": b"x", "pad_width": 1},
               grad=False, onnx=False,
               expected=(_obj([b"a", b"b", b"c", b"< a", b"a b", b"b c", b"c x", b"d", b"< d",
                               b"d x"]), np.array([0, 7, 10])))])
not_differentiable(STRING_NGRAMS)
no_onnx_lowering(STRING_NGRAMS, "ONNX opset 18 has no string n-gram operator")


def ngrams(data, ngram_width, separator=" ", pad_values=None, padding_width=None,
           preserve_short_sequences=False, name=None):
    """``tf.strings.ngrams``: n-grams of the innermost rows (RaggedTensor or dense)."""
    from tessera._framework.ragged import RaggedTensor

    widths = (ngram_width,) if np.ndim(ngram_width) == 0 else tuple(ngram_width)
    widths = tuple(int(w) for w in widths)
    if pad_values is None:
        left = right = b""
        pad = 0
    else:
        if isinstance(pad_values, tuple | list):
            left, right = (_encode(v) for v in pad_values)
        else:
            left = right = _encode(pad_values)
        pad = -1 if padding_width is None else int(padding_width)
        if padding_width is not None and padding_width < 1:
            raise ValueError("padding_width must be greater than 0.")
    attrs = {"separator": _encode(separator), "ngram_widths": widths, "left_pad": left,
             "right_pad": right, "pad_width": pad,
             "preserve_short_sequences": bool(preserve_short_sequences)}
    if isinstance(data, RaggedTensor):
        if isinstance(data.values, RaggedTensor):
            return data.with_values(ngrams(data.values, ngram_width, separator, pad_values,
                                           padding_width, preserve_short_sequences))
        values, splits = execute(STRING_NGRAMS, (data.values, data.row_splits), attrs)
        return RaggedTensor.from_row_splits(values, splits, validate=False)
    x = _string_input(data, "StringNGrams")
    shape = tuple(x.shape.as_list())
    if not shape:
        raise ValueError("Data must have rank>0")
    n = shape[-1]
    rows = int(np.prod(shape[:-1], dtype=np.int64))
    flat = wrap(x._value.reshape(-1), _STRING)
    splits = wrap(np.arange(rows + 1, dtype=np.int64) * n, _dtypes.int64)
    values, out_splits = execute(STRING_NGRAMS, (flat, splits), attrs)
    if len(shape) == 1:
        return values
    count = int(out_splits._value[1]) if rows else 0
    return wrap(values._value.reshape(shape[:-1] + (count,)), _STRING)


# ---- public names --------------------------------------------------------------------------
def _export_all() -> None:
    import tessera._framework.ragged  # noqa: F401 - exports RaggedTensor and tf.ragged
    from tessera._api import export

    g = globals()
    for n in ["lower", "upper", "length", "strip", "join", "reduce_join", "substr", "split",
              "bytes_split", "regex_replace", "regex_full_match", "to_number", "as_string",
              "to_hash_bucket_fast", "to_hash_bucket", "to_hash_bucket_strong", "format",
              "unicode_decode", "unicode_decode_with_offsets", "unicode_encode",
              "unicode_transcode", "unicode_split", "unicode_split_with_offsets", "ngrams",
              "unsorted_segment_join"]:
        export(f"strings.{n}", g[n])
    export("as_string", as_string)


_export_all()
