"""``keras.datasets.boston_housing``."""

from __future__ import annotations

import numpy as np

from tessera_keras.datasets._source import HASHES, origin
from tessera_keras.utils._file_utils import get_file


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)`` split after a shuffle seeded like Keras's."""
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 "
                         f"and 1 (exclusive of 1).")
    path = get_file(path, origin=origin("boston_housing.npz"),
                    file_hash=HASHES["boston_housing.npz"])
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
