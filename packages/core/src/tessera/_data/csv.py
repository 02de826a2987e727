"""``tf.data.experimental.make_csv_dataset`` and ``CsvDataset``: CSV rows as tensors, with
TensorFlow's column-type inference (int32, int64, float32, float64, then string)."""

from __future__ import annotations

import collections
import csv as _csv
import io
import itertools

import numpy as np

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._data import structure
from tessera._data.dataset import AUTOTUNE, UNKNOWN, DatasetV2
from tessera._data.readers import _filenames
from tessera._data.sources import TensorSliceDataset, _pattern_list, glob_files
from tessera._data.tfrecord import _compression_name, open_stream
from tessera._framework.convert import convert_to_tensor, wrap
from tessera._framework.tensor import Tensor
from tessera._framework.tensor_spec import TensorSpec

_CPU = structure.CPU
_ORDER = [_dtypes.int32, _dtypes.int64, _dtypes.float32, _dtypes.float64, _dtypes.string]


def _text_lines(path: str, compression: str, encoding: str):
    data = b"".join(open_stream(path, compression))
    return io.StringIO(data.decode(encoding), newline="")


def _rows(path, compression, delim, use_quote, encoding):
    reader = _csv.reader(_text_lines(path, compression, encoding), delimiter=delim,
                         quoting=_csv.QUOTE_MINIMAL if use_quote else _csv.QUOTE_NONE)
    for row in reader:
        if row:
            yield row


def _fits(value: str, dtype) -> bool:
    try:
        if dtype == _dtypes.int32:
            v = int(value)
            return -(1 << 31) <= v < (1 << 31)
        if dtype == _dtypes.int64:
            v = int(value)
            return -(1 << 63) <= v < (1 << 63)
        if dtype == _dtypes.float32:
            v = float(value)
            return not np.isinf(np.float32(v)) or np.isinf(v)
        if dtype == _dtypes.float64:
            float(value)
            return True
    except ValueError:
        return False
    return True


def _infer_type(value: str, na_value: str, prev):
    if value == na_value:
        return prev
    start = _ORDER.index(prev) if prev is not None else 0
    for dt in _ORDER[start:]:
        if _fits(value, dt):
            return dt
    return _dtypes.string


def _convert(value: str, dtype, default, column: str, na_value: str):
    if value == "" or value == na_value:
        if default is None:
            raise errors.InvalidArgumentError(None, None, f"Field {column} is required but "
                                                          f"missing in record!")
        return default
    try:
        if dtype.is_integer:
            return int(value)
        if dtype.is_floating:
            return float(value)
    except ValueError:
        raise errors.InvalidArgumentError(None, None, f"Field {column} in record is not a "
                                                      f"valid {dtype.name}: {value!r}") from None
    return value.encode("utf-8")


def _scalar(value, dtype):
    if dtype == _dtypes.string:
        a = np.empty((), dtype=object)
        a[()] = value if isinstance(value, bytes) else str(value).encode("utf-8")
        return wrap(a, dtype, _CPU)
    return wrap(np.asarray(value, dtype=dtype.as_numpy_dtype), dtype, _CPU)


def _defaults_from(column_defaults):
    """(dtype, default value or None) per column from CsvDataset's record_defaults."""
    out = []
    for d in column_defaults:
        if isinstance(d, _dtypes.DType):
            out.append((d, None))
            continue
        t = d if isinstance(d, Tensor) else convert_to_tensor(
            d if not isinstance(d, list) else (d[0] if d else 0.0))
        if isinstance(d, list) and not d:
            out.append((_dtypes.float32, None))
            continue
        arr = np.asarray(t._value)
        if arr.size == 0:
            out.append((t.dtype, None))
        else:
            v = arr.reshape(-1)[0]
            out.append((t.dtype, v if t.dtype != _dtypes.string else bytes(v)))
    return out


class CsvDataset(DatasetV2):
    """``tf.data.experimental.CsvDataset``: each row as a tuple of scalars."""

    _tf_name = "CsvDatasetV2"

    def __init__(self, filenames, record_defaults, compression_type=None, buffer_size=None,
                 header=False, field_delim=",", use_quote_delim=True, na_value="",
                 select_cols=None, exclude_cols=None, encoding="utf-8") -> None:
        self._files = _filenames(filenames)
        self._inputs = (self._files,)
        self._defaults = _defaults_from(record_defaults)
        self._compression = _compression_name(compression_type)
        self._header, self._delim = bool(header), field_delim
        self._quote, self._na = use_quote_delim, na_value
        self._select = list(select_cols) if select_cols is not None else None
        self._exclude = set(exclude_cols or [])
        self._encoding = encoding
        if self._select is not None and len(self._select) != len(self._defaults):
            raise ValueError("Length of select_cols and record_defaults do not match.")

    @property
    def element_spec(self):
        return tuple(TensorSpec([], dt) for dt, _ in self._defaults)

    def _cardinality(self) -> int:
        return UNKNOWN

    def _make_iter(self):
        def gen():
            import os

            for f in self._files._make_iter():
                path = os.fsdecode(f._value.item())
                rows = _rows(path, self._compression, self._delim, self._quote,
                             self._encoding)
                if self._header:
                    next(rows, None)
                for row in rows:
                    if self._select is not None:
                        cols = self._select
                    else:
                        cols = [i for i in range(len(row)) if i not in self._exclude]
                    if len(cols) != len(self._defaults) or (cols and max(cols) >= len(row)):
                        raise errors.InvalidArgumentError(
                            None, None, f"Expect {len(self._defaults)} fields but have "
                                        f"{len(row)} in record")
                    yield tuple(_scalar(_convert(row[c], dt, d, str(c), self._na), dt)
                                for c, (dt, d) in zip(cols, self._defaults))

        return gen()


def make_csv_dataset(file_pattern, batch_size, column_names=None, column_defaults=None,
                     label_name=None, select_columns=None, field_delim=",",
                     use_quote_delim=True, na_value="", header=True, num_epochs=None,
                     shuffle=True, shuffle_buffer_size=10000, shuffle_seed=None,
                     prefetch_buffer_size=None, num_parallel_reads=None, sloppy=False,
                     num_rows_for_inference=100, compression_type=None, ignore_errors=False,
                     encoding="utf-8") -> DatasetV2:
    """Batches of (OrderedDict of columns, label) read from CSV files."""
    files = glob_files(_pattern_list(file_pattern))
    if not files:
        raise ValueError(f"No files match `file_pattern` {file_pattern}.")
    compression = _compression_name(compression_type)
    if column_names is None:
        if not header:
            raise ValueError("Expected `column_names` or `header` arguments. Neither were "
                             "provided.")
        first = next(_rows(files[0], compression, field_delim, use_quote_delim, encoding), [])
        column_names = list(first)
    column_names = list(column_names)
    if len(set(column_names)) != len(column_names):
        raise ValueError("Either `column_names` argument or CSV header row contains duplicate "
                         "column names.")
    if select_columns is not None:
        if all(isinstance(c, int) for c in select_columns):
            select = sorted(select_columns)
        else:
            missing = [c for c in select_columns if c not in column_names]
            if missing:
                raise ValueError(f"Value(s) {missing} in `select_columns` not found in "
                                 f"`column_names`.")
            select = sorted(column_names.index(c) for c in select_columns)
    else:
        select = list(range(len(column_names)))
    names = [column_names[i] for i in select]
    if label_name is not None and label_name not in names:
        raise ValueError(f"`label_name` provided must be one of the columns: {names}. "
                         f"Received: {label_name}.")
    if column_defaults is None:
        types = [None] * len(names)
        for path in files:
            rows = _rows(path, compression, field_delim, use_quote_delim, encoding)
            if header:
                next(rows, None)
            for row in itertools.islice(rows, num_rows_for_inference):
                for k, c in enumerate(select):
                    if c < len(row):
                        types[k] = _infer_type(row[c], na_value, types[k])
            break
        column_defaults = [(t or _dtypes.string, b"" if (t or _dtypes.string) ==
                            _dtypes.string else 0) for t in types]
    else:
        column_defaults = _defaults_from(column_defaults)
        if len(column_defaults) == len(column_names) and len(names) != len(column_names):
            column_defaults = [column_defaults[i] for i in select]
    defaults_arg = [np.asarray([d], dtype=object if dt == _dtypes.string else
                               dt.as_numpy_dtype) if d is not None else dt
                    for dt, d in column_defaults]

    def file_dataset(path):
        return CsvDataset(path, defaults_arg, compression_type=compression, header=header,
                          field_delim=field_delim, use_quote_delim=use_quote_delim,
                          na_value=na_value, select_cols=select, encoding=encoding)

    ds = TensorSliceDataset(np.array([f.encode() for f in files], dtype=object))
    if shuffle:
        ds = ds.shuffle(len(files), seed=shuffle_seed)
    cycle = 1 if num_parallel_reads is None else (
        num_parallel_reads if num_parallel_reads != AUTOTUNE else 2)
    ds = ds.interleave(file_dataset, cycle_length=cycle, num_parallel_calls=num_parallel_reads,
                       deterministic=not sloppy)
    if ignore_errors:
        ds = ds.ignore_errors()
    if num_epochs != 1:
        ds = ds.repeat(num_epochs)
    if shuffle:
        ds = ds.shuffle(shuffle_buffer_size, seed=shuffle_seed)
    ds = ds.batch(batch_size, drop_remainder=num_epochs is None)

    def to_dict(*columns):
        features = collections.OrderedDict(zip(names, columns))
        if label_name is None:
            return features
        label = features.pop(label_name)
        return features, label

    ds = ds.map(to_dict)
    return ds.prefetch(AUTOTUNE if prefetch_buffer_size is None else prefetch_buffer_size)
