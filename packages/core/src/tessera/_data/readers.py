"""File-reading datasets: TFRecordDataset, TextLineDataset, FixedLengthRecordDataset. Each
reads its files in order, or ``num_parallel_reads`` at a time interleaved (one background
reader per file)."""

from __future__ import annotations

import os

import numpy as np

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._data import structure
from tessera._data.dataset import UNKNOWN, DatasetV2, as_int
from tessera._data.tfrecord import _compression_name, open_stream, read_record_blocks
from tessera._framework.convert import wrap
from tessera._framework.tensor import Tensor
from tessera._framework.tensor_spec import TensorSpec

_CPU = structure.CPU
_STRING = _dtypes.string


def _scalar_string(b: bytes):
    a = np.empty((), dtype=object)
    a[()] = b
    return wrap(a, _STRING, _CPU)


def _filenames(filenames) -> DatasetV2:
    from tessera._data.sources import TensorSliceDataset

    if isinstance(filenames, DatasetV2):
        spec = filenames.element_spec
        if not isinstance(spec, TensorSpec) or spec.dtype != _STRING:
            raise TypeError(f"The `filenames` argument must contain `tf.string` elements. Got "
                            f"a dataset of `{spec!r}` elements.")
        return filenames
    if isinstance(filenames, Tensor):
        arr = np.asarray(filenames._value if hasattr(filenames, "_value") else filenames,
                         dtype=object).reshape(-1)
    elif isinstance(filenames, str | bytes | os.PathLike):
        arr = np.array([os.fsencode(filenames)], dtype=object)
    else:
        arr = np.array([os.fsencode(f.numpy() if hasattr(f, "numpy") else f)
                        for f in filenames], dtype=object)
        if arr.ndim != 1:
            raise TypeError("The `filenames` argument must contain `tf.string` elements.")
    return TensorSliceDataset(np.array([os.fsencode(x) for x in arr], dtype=object))


class _FileDataset(DatasetV2):
    """Records of each file in ``filenames``, read by ``_read_file(path)``."""

    def __init__(self, filenames, compression_type, buffer_size, num_parallel_reads) -> None:
        self._files = _filenames(filenames)
        self._inputs = (self._files,)
        self._compression = _compression_name(compression_type)
        self._buffer = None if buffer_size is None else as_int(buffer_size, "buffer_size")
        self._parallel = None if num_parallel_reads is None else as_int(num_parallel_reads)

    @property
    def element_spec(self):
        return TensorSpec([], _STRING)

    def _cardinality(self) -> int:
        return UNKNOWN

    def _read_file(self, path: str):  # pragma: no cover - abstract
        raise NotImplementedError

    def _make_iter(self):
        def paths():
            for f in self._files._make_iter():
                yield os.fsdecode(f._value.item())

        if not self._parallel or self._parallel == 1:
            def gen():
                for p in paths():
                    yield from self._read_file(p)

            return gen()
        from tessera._data.dataset import default_parallelism
        from tessera._data.parallel import PrefetchIterator

        cycle = default_parallelism() if self._parallel == -1 else self._parallel

        def gen_parallel():
            pending = paths()
            slots: list = []
            exhausted = False
            index = 0
            while True:
                while not exhausted and len(slots) < cycle:
                    try:
                        p = next(pending)
                    except StopIteration:
                        exhausted = True
                        break
                    slots.append(PrefetchIterator(self._read_file(p), 64))
                if not slots:
                    return
                index %= len(slots)
                try:
                    value = next(slots[index])
                except StopIteration:
                    slots.pop(index)
                    continue
                index += 1
                yield value

        return gen_parallel()


class TFRecordDataset(_FileDataset):
    """``tf.data.TFRecordDataset``: the records of TFRecord files as scalar strings."""

    _tf_name = "TFRecordDatasetV2"

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None) -> None:
        super().__init__(filenames, compression_type, buffer_size, num_parallel_reads)

    def _read_file(self, path: str):
        for block in read_record_blocks(path, self._compression, self._buffer):
            arr = np.empty(len(block), dtype=object)
            arr[:] = block
            for i in range(len(block)):
                yield wrap(arr[i, ...], _STRING, _CPU)


class TextLineDataset(_FileDataset):
    """``tf.data.TextLineDataset``: lines of text files, without the line ending."""

    _tf_name = "TextLineDatasetV2"

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None) -> None:
        super().__init__(filenames, compression_type, buffer_size, num_parallel_reads)

    def _read_file(self, path: str):
        rest = b""
        for block in open_stream(path, self._compression, self._buffer):
            lines = (rest + block).split(b"\n")
            rest = lines.pop()
            arr = np.empty(len(lines), dtype=object)
            arr[:] = [line[:-1] if line.endswith(b"\r") else line for line in lines]
            for i in range(len(lines)):
                yield wrap(arr[i, ...], _STRING, _CPU)
        if rest:
            yield _scalar_string(rest[:-1] if rest.endswith(b"\r") else rest)


class FixedLengthRecordDataset(_FileDataset):
    """``tf.data.FixedLengthRecordDataset``: fixed-size records between a header and a
    footer."""

    _tf_name = "FixedLengthRecordDatasetV2"

    def __init__(self, filenames, record_bytes, header_bytes=None, footer_bytes=None,
                 buffer_size=None, compression_type=None, num_parallel_reads=None,
                 name=None) -> None:
        super().__init__(filenames, compression_type, buffer_size, num_parallel_reads)
        self._record = as_int(record_bytes, "record_bytes")
        self._header = 0 if header_bytes is None else as_int(header_bytes, "header_bytes")
        self._footer = 0 if footer_bytes is None else as_int(footer_bytes, "footer_bytes")
        if self._record <= 0:
            raise errors.InvalidArgumentError(None, None, f"record_bytes must be > 0, got "
                                                          f"{self._record}")

    def _read_file(self, path: str):
        data = b"".join(open_stream(path, self._compression, self._buffer))
        body = data[self._header:len(data) - self._footer if self._footer else len(data)]
        n = len(body) // self._record
        if len(body) % self._record and not self._compression:
            raise errors.InvalidArgumentError(
                None, None, f"Excluding the header ({self._header} bytes) and footer "
                            f"({self._footer} bytes), input file \"{path}\" has body length "
                            f"{len(body)} bytes, which is not an exact multiple of the record "
                            f"length ({self._record} bytes).")
        for i in range(n):
            yield _scalar_string(body[i * self._record:(i + 1) * self._record])
