"""The NumPy generator behind initializers and ``keras.utils.set_random_seed``."""

from __future__ import annotations

import random

import numpy as np

_RNG = np.random.default_rng()


def rng(seed=None) -> np.random.Generator:
    return np.random.default_rng(seed) if seed is not None else _RNG


def set_random_seed(seed: int) -> None:
    global _RNG
    import tessera as tf

    random.seed(seed)
    np.random.seed(seed)
    _RNG = np.random.default_rng(seed)
    tf.random.set_seed(seed)
