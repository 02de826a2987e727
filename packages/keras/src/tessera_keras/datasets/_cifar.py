"""CIFAR-10/100 from the binary archives the dataset's authors publish beside the pickled ones
Keras downloads: the same images and labels in fixed-size records, read without unpickling."""

from __future__ import annotations

import os

import numpy as np

from tessera_keras.datasets._source import HASHES, origin
from tessera_keras.utils._file_utils import get_file

TORONTO_ORIGIN = "https://www.cs.toronto.edu/~kriz/"
PIXELS = 3 * 32 * 32


def download(archive: str) -> str:
    """The extracted archive's directory (downloaded and md5-checked on first use)."""
    return get_file(archive, origin=origin(archive, TORONTO_ORIGIN), file_hash=HASHES[archive],
                    extract=True)


def read_records(path: str, label_bytes: int) -> tuple[np.ndarray, np.ndarray]:
    """``(images (n, 32, 32, 3) uint8, labels (n, label_bytes) uint8)`` from one .bin file:
    records of ``label_bytes`` label bytes then a 3x32x32 channels-first image."""
    record = label_bytes + PIXELS
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size % record:
        raise ValueError(f"{path} holds {raw.size} bytes, not a whole number of {record}-byte "
                         f"CIFAR records: the download is damaged; delete it and load again.")
    raw = raw.reshape(-1, record)
    images = raw[:, label_bytes:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), raw[:, :label_bytes]


def find(root: str, name: str) -> str:
    path = os.path.join(root, name)
    if not os.path.isdir(path):
        raise ValueError(f"{root} does not hold {name}/: the archive is not the CIFAR binary "
                         f"version; delete it and load again.")
    return path
