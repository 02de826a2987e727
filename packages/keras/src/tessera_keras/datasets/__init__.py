"""``keras.datasets``: the Keras example datasets, downloaded once into the Keras cache
(``keras.utils.get_file``) and checksum-verified.

``cifar10``, ``cifar100``, ``imdb`` and ``reuters`` are published by Keras as pickled Python
objects; Tessera reads no pickle, so their ``load_data`` raises ``NotImplementedError``."""

from __future__ import annotations

from tessera_keras.datasets import (
    boston_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)

__all__ = ["boston_housing", "cifar10", "cifar100", "fashion_mnist", "imdb", "mnist",
           "reuters"]
