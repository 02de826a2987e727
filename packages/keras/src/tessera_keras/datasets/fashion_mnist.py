"""``keras.datasets.fashion_mnist`` (gzipped IDX files, as Keras downloads them)."""

from __future__ import annotations

import gzip
import os

import numpy as np

from tessera_keras.datasets._source import origin
from tessera_keras.utils._file_utils import get_file

FILES = ["train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]


def _read(path: str, offset: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: 28x28 uint8 images, 60,000 / 10,000."""
    dirname = os.path.join("datasets", "fashion-mnist")
    paths = [get_file(f, origin=origin(f), cache_subdir=dirname) for f in FILES]
    y_train, y_test = _read(paths[0], 8), _read(paths[2], 8)
    x_train = _read(paths[1], 16).reshape(len(y_train), 28, 28)
    x_test = _read(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
