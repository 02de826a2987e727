"""``keras.datasets.cifar100``: 32x32 colour images in 100 fine / 20 coarse classes."""

from __future__ import annotations

import os

from tessera_keras.datasets import _cifar


def load_data(label_mode="fine"):
    """``(x_train, y_train), (x_test, y_test)``: uint8 images ``(n, 32, 32, 3)`` and int64
    labels ``(n, 1)``, the arrays Keras returns (read from ``cifar-100-binary.tar.gz``)."""
    if label_mode not in ["fine", "coarse"]:
        raise ValueError(f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: '
                         f"label_mode={label_mode}.")
    path = _cifar.find(_cifar.download("cifar-100-binary.tar.gz"), "cifar-100-binary")
    column = 1 if label_mode == "fine" else 0  # each record starts: coarse byte, fine byte

    def split(name):
        x, labels = _cifar.read_records(os.path.join(path, name), 2)
        return x, labels[:, column:column + 1].astype("int64")

    return split("train.bin"), split("test.bin")
