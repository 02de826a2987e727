"""Keras's automatic names: ``dense``, ``dense_1``, ... per snake-cased class name."""

from __future__ import annotations

import collections
import re

_UIDS: collections.Counter = collections.Counter()


def to_snake_case(name: str) -> str:
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(base: str) -> str:
    _UIDS[base] += 1
    n = _UIDS[base]
    return base if n == 1 else f"{base}_{n - 1}"


def reset() -> None:
    """``keras.backend.clear_session()``: names start again at ``dense``."""
    _UIDS.clear()


class _PathStack:
    """Names of the layers being built or called, outermost first (for ``variable.path``)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def path(self, leaf: str) -> str:
        return "/".join([*self.names, leaf])


PATH = _PathStack()
