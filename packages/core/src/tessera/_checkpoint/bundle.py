"""The checkpoint files: ``<prefix>.index`` (JSON) and ``<prefix>.data-00000-of-00001`` (raw
bytes). No pickle: the index is JSON, tensors are raw little-endian buffers (strings are
length-prefixed bytes), each with a CRC32, so a truncated or altered file is detected.

A write is atomic: the data file, then the index, are written to temporary names, flushed
to disk, and renamed into place, the index last. A reader never sees a half-written
checkpoint, and a crash midway leaves the previous checkpoint untouched.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from tessera import errors

FORMAT = "tessera-checkpoint"
VERSION = 1
DATA_SUFFIX = ".data-00000-of-00001"
INDEX_SUFFIX = ".index"
MAX_INDEX_BYTES = 256 * 1024 * 1024


def _encode(array: np.ndarray, dtype_name: str) -> bytes:
    if dtype_name == "string":
        parts = []
        for item in array.reshape(-1):
            b = item if isinstance(item, bytes) else str(item).encode("utf-8")
            parts.append(struct.pack("<Q", len(b)) + b)
        return b"".join(parts)
    arr = np.ascontiguousarray(array)
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    return arr.tobytes()


def _decode(raw: bytes, dtype_name: str, shape: list[int], key: str) -> np.ndarray:
    from tessera import dtypes

    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if dtype_name == "string":
        out, pos = [], 0
        for _ in range(count):
            if pos + 8 > len(raw):
                raise errors.DataLossError(None, None, f"checkpoint entry {key!r} is truncated")
            (n,) = struct.unpack_from("<Q", raw, pos)
            pos += 8
            out.append(raw[pos:pos + n])
            pos += n
        arr = np.empty(count, dtype=object)
        arr[:] = out
        return arr.reshape(shape)
    npdtype = np.dtype(dtypes.as_dtype(dtype_name).as_numpy_dtype).newbyteorder("<")
    if len(raw) != count * npdtype.itemsize:
        raise errors.DataLossError(None, None, f"checkpoint entry {key!r} has {len(raw)} bytes, "
                                               f"expected {count * npdtype.itemsize}")
    return np.frombuffer(raw, dtype=npdtype).astype(npdtype.newbyteorder("="), copy=True) \
        .reshape(shape)


def _fsync_write(path: Path, chunks) -> None:
    with open(path, "wb") as f:
        for chunk in chunks:
            f.write(chunk)
        f.flush()
        os.fsync(f.fileno())


def write(prefix: str | os.PathLike, tensors: dict[str, tuple[np.ndarray, str]],
          object_graph: dict) -> str:
    """Write ``{key: (array, dtype name)}`` and the object graph at ``prefix``; atomic."""
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    data_path = Path(str(prefix) + DATA_SUFFIX)
    index_path = Path(str(prefix) + INDEX_SUFFIX)
    tmp_data = data_path.with_name(data_path.name + f".tmp{os.getpid()}")
    tmp_index = index_path.with_name(index_path.name + f".tmp{os.getpid()}")
    entries, blobs, offset = {}, [], 0
    for key in sorted(tensors):
        array, dtype_name = tensors[key]
        blob = _encode(np.asarray(array), dtype_name)
        entries[key] = {"dtype": dtype_name, "shape": list(np.shape(array)), "offset": offset,
                        "length": len(blob), "crc32": zlib.crc32(blob)}
        blobs.append(blob)
        offset += len(blob)
    index = {"format": FORMAT, "version": VERSION, "data_file": data_path.name,
             "data_length": offset, "object_graph": object_graph, "tensors": entries}
    try:
        _fsync_write(tmp_data, blobs)
        _fsync_write(tmp_index, [json.dumps(index, sort_keys=True).encode("utf-8")])
        os.replace(tmp_data, data_path)
        os.replace(tmp_index, index_path)  # the commit point
    finally:
        for p in (tmp_data, tmp_index):
            if p.exists():
                p.unlink()
    _fsync_dir(prefix.parent)
    return str(prefix)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class Reader:
    """Reads one checkpoint; every problem is a DataLossError or NotFoundError naming it."""

    def __init__(self, prefix: str | os.PathLike) -> None:
        self.prefix = str(prefix)
        index_path = Path(self.prefix + INDEX_SUFFIX)
        if not index_path.exists():
            raise errors.NotFoundError(
                None, None, f"Unsuccessful TensorSliceReader constructor: Failed to find any "
                            f"matching files for {self.prefix} (no {index_path.name}: is this a "
                            f"checkpoint prefix such as 'ckpt-1'?)")
        size = index_path.stat().st_size
        if size > MAX_INDEX_BYTES:
            raise errors.DataLossError(None, None, f"{index_path} is {size} bytes: too large for "
                                                   f"a checkpoint index")
        try:
            index = json.loads(index_path.read_bytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise errors.DataLossError(None, None, f"checkpoint index {index_path} is corrupted "
                                                   f"({e}); it is not a Tessera checkpoint or "
                                                   f"was damaged") from None
        if not isinstance(index, dict) or index.get("format") != FORMAT:
            raise errors.DataLossError(None, None, f"{index_path} is not a Tessera checkpoint "
                                                   f"index")
        if index.get("version", 0) > VERSION:
            raise errors.UnimplementedError(
                None, None, f"{index_path} was written by a newer Tessera (checkpoint format "
                            f"version {index['version']}); upgrade tessera-core to read it")
        self.index = index
        self.tensors: dict = index.get("tensors", {})
        self.object_graph: dict = index.get("object_graph", {})
        self._data_path = Path(self.prefix + DATA_SUFFIX)
        if not self._data_path.exists():
            raise errors.DataLossError(None, None, f"checkpoint data file {self._data_path} is "
                                                   f"missing")
        actual = self._data_path.stat().st_size
        if actual != index.get("data_length"):
            raise errors.DataLossError(
                None, None, f"checkpoint data file {self._data_path} is {actual} bytes but its "
                            f"index expects {index.get('data_length')}: the file is truncated or "
                            f"belongs to another checkpoint")

    def keys(self) -> list[str]:
        return sorted(self.tensors)

    def has(self, key: str) -> bool:
        return key in self.tensors

    def shape(self, key: str) -> list[int]:
        return list(self.tensors[key]["shape"])

    def dtype(self, key: str) -> str:
        return self.tensors[key]["dtype"]

    def read(self, key: str) -> np.ndarray:
        entry = self.tensors.get(key)
        if entry is None:
            raise errors.NotFoundError(None, None, f"Key {key} not found in checkpoint")
        with open(self._data_path, "rb") as f:
            f.seek(int(entry["offset"]))
            raw = f.read(int(entry["length"]))
        if len(raw) != int(entry["length"]) or zlib.crc32(raw) != entry["crc32"]:
            raise errors.DataLossError(None, None, f"Checksum does not match for checkpoint "
                                                   f"entry {key!r} in {self._data_path}: the "
                                                   f"file is corrupted")
        return _decode(raw, entry["dtype"], list(entry["shape"]), key)
