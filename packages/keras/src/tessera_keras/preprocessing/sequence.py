"""``keras.preprocessing.sequence``."""

from tessera_keras.utils._sequence import pad_sequences

__all__ = ["pad_sequences"]
