"""Per-thread call state: the ``training`` flag outer layers pass to nested ones."""

from __future__ import annotations

import threading


class _CallState(threading.local):
    def __init__(self) -> None:
        self.training = None       # None: not inside any layer call
        self.depth = 0


STATE = _CallState()
