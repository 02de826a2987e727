"""``tf.io``: TFRecord files, Example parsing, tensor (de)serialization, file helpers and
``tf.io.gfile``. Ops other families export under "io" join through the API table."""

from __future__ import annotations

import types as _types

import numpy as np

from tessera._api import namespace as _namespace
from tessera._data import gfile as _gfile_module
from tessera._data.parsing import (
    FixedLenFeature,
    FixedLenSequenceFeature,
    VarLenFeature,
    parse_example,
    parse_single_example,
    parse_tensor,
    serialize_tensor,
)
from tessera._data.tfrecord import TFRecordOptions, TFRecordWriter

globals().update(_namespace("io"))

gfile = _types.SimpleNamespace(**{n: getattr(_gfile_module, n) for n in _gfile_module.__all__})


class TFRecordCompressionType:
    NONE = 0
    ZLIB = 1
    GZIP = 2


def read_file(filename, name=None):
    """``tf.io.read_file``: the whole file as a scalar string tensor."""
    from tessera import dtypes, errors
    from tessera._framework.context import CPU_DEVICE_NAME
    from tessera._framework.convert import wrap

    path = _gfile_module._p(filename)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None
    v = np.empty((), dtype=object)
    v[()] = data
    return wrap(v, dtypes.string, CPU_DEVICE_NAME)


def write_file(filename, contents, name=None) -> None:
    """``tf.io.write_file``: write a scalar string tensor (or bytes) to a file."""
    if hasattr(contents, "numpy"):
        contents = contents.numpy()
    if isinstance(contents, str):
        contents = contents.encode("utf-8")
    path = _gfile_module._p(filename)
    import os

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as f:
        f.write(bytes(contents))


__all__ = [
    "FixedLenFeature",
    "FixedLenSequenceFeature",
    "TFRecordCompressionType",
    "TFRecordOptions",
    "TFRecordWriter",
    "VarLenFeature",
    "gfile",
    "parse_example",
    "parse_single_example",
    "parse_tensor",
    "read_file",
    "serialize_tensor",
    "write_file",
]
__all__ += sorted(k for k in _namespace("io") if not k.startswith("_") and k not in __all__)
