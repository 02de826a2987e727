"""``keras.datasets``: the Keras example datasets, downloaded once into the Keras cache
(``keras.utils.get_file``) and checksum-verified.

``cifar10`` and ``cifar100`` come from the binary (not the pickled) CIFAR archives: the same
arrays. ``imdb`` and ``reuters`` exist only as pickled Python objects; Tessera reads no pickle,
so their ``load_data`` raises ``NotImplementedError``."""

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
