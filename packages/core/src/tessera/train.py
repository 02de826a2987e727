"""``tf.train``: checkpoints (more arrives with tf.data's Example protos)."""

from __future__ import annotations

import json
import os

import numpy as np

from tessera import errors
from tessera._checkpoint.bundle import Reader as _Reader
from tessera._checkpoint.checkpoint import Checkpoint, CheckpointLoadStatus
from tessera._checkpoint.manager import CheckpointManager
from tessera._checkpoint.state import CheckpointState, latest_checkpoint
from tessera._data.example_proto import (
    BytesList,
    Example,
    Feature,
    FeatureList,
    FeatureLists,
    Features,
    FloatList,
    Int64List,
    SequenceExample,
)

_OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"


def _reader(ckpt_dir_or_file) -> _Reader:
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given "
                             f"directory {path}")
        path = latest
    return _Reader(path)


def load_checkpoint(ckpt_dir_or_file) -> _Reader:
    """A reader with ``get_tensor(key)``, ``has_tensor(key)`` and the variable map."""
    r = _reader(ckpt_dir_or_file)
    r.get_tensor = lambda key: load_variable(ckpt_dir_or_file, key)
    r.has_tensor = r.has
    r.get_variable_to_shape_map = lambda: {k: r.shape(k) for k in r.keys()}
    r.get_variable_to_dtype_map = lambda: {k: r.dtype(k) for k in r.keys()}
    return r


def load_variable(ckpt_dir_or_file, name: str) -> np.ndarray:
    """``tf.train.load_variable``: one saved value as a NumPy array."""
    r = _reader(ckpt_dir_or_file)
    if name == _OBJECT_GRAPH_KEY:
        return np.array(json.dumps(r.object_graph).encode("utf-8"), dtype=object)
    if not r.has(name):
        raise errors.NotFoundError(None, None, f"Key {name} not found in checkpoint")
    value = r.read(name)
    return value[()] if value.ndim == 0 and value.dtype != object else value


def list_variables(ckpt_dir_or_file) -> list[tuple[str, list[int]]]:
    """``tf.train.list_variables``: (key, shape) pairs, sorted, as TF lists them."""
    r = _reader(ckpt_dir_or_file)
    return sorted([(_OBJECT_GRAPH_KEY, []), *((k, r.shape(k)) for k in r.keys())])


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    from tessera._checkpoint.state import read_state

    st = read_state(os.fspath(checkpoint_dir))
    if st is None:
        return None
    return st


__all__ = [
    "BytesList",
    "Checkpoint",
    "CheckpointLoadStatus",
    "CheckpointManager",
    "CheckpointState",
    "Example",
    "Feature",
    "FeatureList",
    "FeatureLists",
    "Features",
    "FloatList",
    "Int64List",
    "SequenceExample",
    "get_checkpoint_state",
    "latest_checkpoint",
    "list_variables",
    "load_checkpoint",
    "load_variable",
]
