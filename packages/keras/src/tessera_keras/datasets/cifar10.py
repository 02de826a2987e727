"""``keras.datasets.cifar10``: 32x32 colour images in 10 classes, 50,000 / 10,000."""

from __future__ import annotations

import os

import numpy as np

from tessera_keras.datasets import _cifar


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: uint8 images ``(n, 32, 32, 3)`` and uint8
    labels ``(n, 1)``, the arrays Keras returns (read from ``cifar-10-binary.tar.gz``)."""
    path = _cifar.find(_cifar.download("cifar-10-binary.tar.gz"), "cifar-10-batches-bin")
    train = [_cifar.read_records(os.path.join(path, f"data_batch_{i}.bin"), 1)
             for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train])
    x_test, y_test = _cifar.read_records(os.path.join(path, "test_batch.bin"), 1)
    return (x_train, y_train), (x_test, y_test)
