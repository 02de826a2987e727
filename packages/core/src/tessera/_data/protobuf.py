"""A minimal protocol-buffers wire codec (varints, tags, length-delimited fields, packed
repeated scalars) and text-format helpers, enough for tf.train.Example and TensorProto.
No dependency on the protobuf package."""

from __future__ import annotations

import struct

import numpy as np

from tessera import errors

VARINT, I64, LEN, I32 = 0, 1, 2, 5


def varint(value: int) -> bytes:
    """Encode an int as a varint (negative int64 as 10-byte two's complement)."""
    if value < 0:
        value += 1 << 64
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def tag(field: int, wire_type: int) -> bytes:
    return varint((field << 3) | wire_type)


def length_delimited(field: int, payload: bytes) -> bytes:
    return tag(field, LEN) + varint(len(payload)) + payload


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    n = len(data)
    while True:
        if pos >= n:
            raise DecodeError("Truncated varint")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise DecodeError("Varint too long")


class DecodeError(errors.DataLossError):
    """Bytes that are not a valid serialized message."""

    def __init__(self, message: str) -> None:
        super().__init__(None, None, f"Error parsing message: {message}")


def fields(data: bytes):
    """Yield (field number, wire type, value) over a message's bytes; LEN values are bytes,
    VARINT values ints, I32/I64 values raw bytes."""
    pos, n = 0, len(data)
    while pos < n:
        key, pos = read_varint(data, pos)
        number, wt = key >> 3, key & 7
        if number == 0:
            raise DecodeError("Field number 0 is invalid")
        if wt == VARINT:
            value, pos = read_varint(data, pos)
        elif wt == LEN:
            size, pos = read_varint(data, pos)
            if pos + size > n:
                raise DecodeError("Truncated length-delimited field")
            value = data[pos:pos + size]
            pos += size
        elif wt == I32:
            if pos + 4 > n:
                raise DecodeError("Truncated fixed32 field")
            value = data[pos:pos + 4]
            pos += 4
        elif wt == I64:
            if pos + 8 > n:
                raise DecodeError("Truncated fixed64 field")
            value = data[pos:pos + 8]
            pos += 8
        else:
            raise DecodeError(f"Unsupported wire type {wt}")
        yield number, wt, value


def decode_packed_varints(data: bytes) -> list[int]:
    out = []
    pos, n = 0, len(data)
    append = out.append
    while pos < n:
        b = data[pos]
        if b < 0x80:  # one-byte varint: the common case
            append(b)
            pos += 1
            continue
        v, pos = read_varint(data, pos)
        append(v)
    return out


def to_int64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def encode_packed_varints(values) -> bytes:
    if all(0 <= v < 0x80 for v in values):
        return bytes(values)
    return b"".join(varint(v) for v in values)


def floats_le(values) -> bytes:
    return np.asarray(values, dtype="<f4").tobytes()


def floats_from(data: bytes) -> list[float]:
    if len(data) % 4:
        raise DecodeError("Packed float field has a partial value")
    return np.frombuffer(data, dtype="<f4").astype(np.float64).tolist()


_F32 = struct.Struct("<f")


def float_from_fixed32(raw: bytes) -> float:
    return _F32.unpack(raw)[0]


# -- text format ----------------------------------------------------------------------------------

def text_bytes(b: bytes) -> str:
    """Protobuf's C-escaped form of a bytes value (octal for non-printables)."""
    out = []
    for c in b:
        if c == 0x0A:
            out.append("\\n")
        elif c == 0x0D:
            out.append("\\r")
        elif c == 0x09:
            out.append("\\t")
        elif c == 0x22:
            out.append('\\"')
        elif c == 0x27:
            out.append("\\'")
        elif c == 0x5C:
            out.append("\\\\")
        elif 0x20 <= c < 0x7F:
            out.append(chr(c))
        else:
            out.append(f"\\{c:03o}")
    return '"' + "".join(out) + '"'


def text_float(v: float) -> str:
    """A float32 as protobuf's text format prints it."""
    if v != v:
        return "nan"
    if v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    f = np.float32(v)
    s = f"{float(f):.6g}"  # FLT_DIG digits when they round-trip, else 9, as upb does
    return s if np.float32(s) == f else f"{float(f):.9g}"
