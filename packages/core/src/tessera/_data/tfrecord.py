"""TFRecord files, byte-compatible with TensorFlow's: each record is

    uint64 length | uint32 masked_crc32c(length) | data | uint32 masked_crc32c(data)

(little-endian), optionally inside one GZIP or ZLIB stream. The writer buffers records and
checksums them together (vectorized); the reader checks every CRC and raises
``tf.errors.DataLossError`` with TensorFlow's messages on damage.
"""

from __future__ import annotations

import os
import struct
import zlib

import numpy as np

from tessera import errors
from tessera._data.crc32c import crc32c_array, crc32c_many, mask, mask_array

_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")
_HEADER = 12
_FOOTER = 4
_BLOCK = 1 << 20


def _compression_name(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "compression_type"):
        value = value.compression_type
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, int):  # TFRecordCompressionType enum values
        return {0: "", 1: "ZLIB", 2: "GZIP"}[value]
    value = str(value).upper()
    if value not in ("", "GZIP", "ZLIB", "NONE"):
        raise ValueError(f"Unsupported compression type {value!r}: use '', 'GZIP' or 'ZLIB'")
    return "" if value == "NONE" else value


class TFRecordOptions:
    """``tf.io.TFRecordOptions``: compression type and zlib settings for the writer."""

    compression_type_map = {0: "", 1: "ZLIB", 2: "GZIP"}

    def __init__(self, compression_type=None, flush_mode=None, input_buffer_size=None,
                 output_buffer_size=None, window_bits=None, compression_level=None,
                 compression_method=None, mem_level=None, compression_strategy=None) -> None:
        self.compression_type = _compression_name(compression_type)
        self.flush_mode = flush_mode
        self.input_buffer_size = input_buffer_size
        self.output_buffer_size = output_buffer_size
        self.window_bits = window_bits
        self.compression_level = compression_level
        self.compression_method = compression_method
        self.mem_level = mem_level
        self.compression_strategy = compression_strategy

    @classmethod
    def get_compression_type_string(cls, options) -> str:
        if not options:
            return ""
        return _compression_name(options)


def _compressor(kind: str, options: TFRecordOptions | None):
    if not kind:
        return None
    level = options.compression_level if options and options.compression_level is not None \
        else zlib.Z_DEFAULT_COMPRESSION
    bits = options.window_bits if options and options.window_bits else 15
    mem = options.mem_level if options and options.mem_level else 9
    strategy = options.compression_strategy if options and options.compression_strategy \
        is not None else zlib.Z_DEFAULT_STRATEGY
    return zlib.compressobj(level, zlib.DEFLATED, bits + 16 if kind == "GZIP" else bits, mem,
                            strategy)


def frame_records(records: list[bytes]) -> bytes:
    """The TFRecord bytes of ``records``, checksummed together."""
    lens = np.fromiter(map(len, records), dtype="<u8", count=len(records))
    headers = [h.tobytes() for h in lens]
    hcrc = mask_array(crc32c_array(headers)).astype("<u4")
    dcrc = mask_array(crc32c_array(records)).astype("<u4")
    parts = []
    for h, hc, r, dc in zip(headers, _words(hcrc), records, _words(dcrc)):
        parts.append(h)
        parts.append(hc)
        parts.append(r)
        parts.append(dc)
    return b"".join(parts)


def _words(arr: np.ndarray) -> list[bytes]:
    raw = arr.tobytes()
    return [raw[i:i + 4] for i in range(0, len(raw), 4)]


def _as_record(record) -> bytes:
    if isinstance(record, bytes):
        return record
    if hasattr(record, "numpy"):
        record = record.numpy()
    if isinstance(record, np.ndarray):
        record = record.item()
    if isinstance(record, str):
        return record.encode("utf-8")
    if isinstance(record, bytes | bytearray | memoryview):
        return bytes(record)
    raise TypeError(f"write() argument must be bytes or a scalar string tensor, got "
                    f"{type(record).__name__}")


class TFRecordWriter:
    """``tf.io.TFRecordWriter(path, options=None)``: ``write``, ``flush``, ``close``."""

    _PENDING_BYTES = 4 << 20
    _PENDING_COUNT = 8192

    def __init__(self, path, options=None) -> None:
        if isinstance(options, str | bytes | int):
            options = TFRecordOptions(options)
        self._options = options
        kind = _compression_name(options)
        path = os.fspath(path.numpy() if hasattr(path, "numpy") else path)
        path = os.fsdecode(path)
        try:
            self._file = open(path, "wb")
        except FileNotFoundError:
            raise errors.NotFoundError(None, None, f"{os.path.dirname(path)}; No such file or "
                                                   f"directory") from None
        self._compress = _compressor(kind, options)
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._closed = False

    def write(self, record) -> None:
        if self._closed:
            raise errors.FailedPreconditionError(None, None, "Writer is closed.")
        r = _as_record(record)
        self._pending.append(r)
        self._pending_bytes += len(r)
        if self._pending_bytes >= self._PENDING_BYTES or len(self._pending) >= \
                self._PENDING_COUNT:
            self._drain()

    def _drain(self) -> None:
        if not self._pending:
            return
        data = frame_records(self._pending)
        self._pending, self._pending_bytes = [], 0
        if self._compress is not None:
            data = self._compress.compress(data)
        self._file.write(data)

    def flush(self) -> None:
        if self._closed:
            raise errors.FailedPreconditionError(None, None, "Writer is closed.")
        self._drain()
        if self._compress is not None:
            self._file.write(self._compress.flush(zlib.Z_SYNC_FLUSH))
        self._file.flush()

    def close(self) -> None:
        if self._closed:
            return
        self._drain()
        if self._compress is not None:
            self._file.write(self._compress.flush(zlib.Z_FINISH))
        self._file.close()
        self._closed = True

    def __enter__(self) -> TFRecordWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


# -- reading ---------------------------------------------------------------------------------------

def open_stream(path: str, compression: str, buffer_size: int | None = None):
    """Yield decompressed byte blocks of ``path``."""
    size = buffer_size or _BLOCK
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None
    except IsADirectoryError:
        raise errors.FailedPreconditionError(None, None, f"{path}; Is a directory") from None
    with f:
        if not compression:
            while True:
                block = f.read(size)
                if not block:
                    return
                yield block
        d = zlib.decompressobj(31 if compression == "GZIP" else 15)
        while True:
            block = f.read(size)
            if not block:
                tail = d.flush()
                if tail:
                    yield tail
                return
            out = d.decompress(block)
            while d.unused_data and d.eof:  # concatenated gzip members
                rest = d.unused_data
                d = zlib.decompressobj(31 if compression == "GZIP" else 15)
                out += d.decompress(rest)
            if out:
                yield out


def _verify(buf: bytes, starts: list[int], lens: list[int], base: int) -> list[bytes]:
    """The data of the complete records at ``starts``, after checking every CRC."""
    datas = [buf[s + _HEADER:s + _HEADER + n] for s, n in zip(starts, lens)]
    u8 = np.frombuffer(buf, dtype=np.uint8)
    st = np.asarray(starts, dtype=np.int64)
    four = np.arange(4)
    stored_h = u8[(st + 8)[:, None] + four].copy().view("<u4").ravel().astype(np.int64)
    stored_d = u8[(st + _HEADER + np.asarray(lens, dtype=np.int64))[:, None] + four].copy() \
        .view("<u4").ravel().astype(np.int64)
    headers = [buf[s:s + 8] for s in starts]
    bad_h = mask_array(crc32c_array(headers)) != stored_h
    bad_d = mask_array(crc32c_array(datas)) != stored_d
    if bad_h.any() or bad_d.any():
        i = int(np.argmax(bad_h | bad_d))
        if bad_h[i]:
            raise errors.DataLossError(None, None, f"corrupted record at {base + starts[i]} "
                                                   f"(Is this even a TFRecord file?)")
        raise errors.DataLossError(None, None, f"corrupted record at {base + starts[i]}")
    return datas


def _check_header(buf: bytes, base: int) -> None:
    if _U32.unpack_from(buf, 8)[0] != mask(crc32c_many([buf[:8]])[0]):
        raise errors.DataLossError(None, None, f"corrupted record at {base} "
                                               f"(Is this even a TFRecord file?)")


def read_record_blocks(path: str, compression: str = "", buffer_size: int | None = None):
    """Yield lists of verified records of one TFRecord file, a buffer at a time."""
    buf = b""
    base = 0  # file offset of buf[0]
    blocks = open_stream(path, compression, buffer_size)
    unpack = _U64.unpack_from
    eof = False
    while True:
        pos, n = 0, len(buf)
        starts, lens = [], []
        while pos + _HEADER <= n:
            (length,) = unpack(buf, pos)
            end = pos + _HEADER + length + _FOOTER
            if end > n:
                break
            starts.append(pos)
            lens.append(length)
            pos = end
        if starts:
            yield _verify(buf, starts, lens, base)
        buf, base = buf[pos:], base + pos
        if eof:
            break
        try:
            buf += next(blocks)
        except StopIteration:
            eof = True
            if len(buf) >= _HEADER:
                continue
            break
        if len(buf) >= _HEADER:  # check the next header before reading a huge length
            _check_header(buf, base)
    if len(buf) >= _HEADER:
        _check_header(buf, base)
        raise errors.DataLossError(None, None, f"truncated record at {base}' failed with Read "
                                               f"less bytes than requested")


def read_records(path: str, compression: str = "", buffer_size: int | None = None):
    """Yield the records of one TFRecord file, verifying every checksum."""
    for block in read_record_blocks(path, compression, buffer_size):
        yield from block
