"""Keras masks attached to tensors (``x._keras_mask`` in Keras). Tessera tensors have fixed
slots, so the mask lives in a side table keyed by the tensor's identity and dropped when the
tensor is collected."""

from __future__ import annotations

import weakref

_MASKS: dict[int, tuple] = {}


def get_keras_mask(x):
    entry = _MASKS.get(id(x))
    return entry[1] if entry is not None and entry[0]() is x else None


def set_keras_mask(x, mask) -> None:
    key = id(x)
    if mask is None:
        _MASKS.pop(key, None)
        return
    try:
        ref = weakref.ref(x, lambda _, k=key: _MASKS.pop(k, None))
    except TypeError:  # not a tensor (a Python number): nothing to attach to
        return
    _MASKS[key] = (ref, mask)
