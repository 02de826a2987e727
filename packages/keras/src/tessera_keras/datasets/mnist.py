"""``keras.datasets.mnist``."""

from __future__ import annotations

import numpy as np

from tessera_keras.datasets._source import HASHES, origin
from tessera_keras.utils._file_utils import get_file


def load_data(path="mnist.npz"):
    """``(x_train, y_train), (x_test, y_test)``: 28x28 uint8 digits, 60,000 / 10,000."""
    path = get_file(fname=path, origin=origin("mnist.npz"), file_hash=HASHES["mnist.npz"])
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
