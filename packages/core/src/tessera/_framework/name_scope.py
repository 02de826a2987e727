"""``tf.name_scope``: the prefix given to names of variables (and graph ops) made inside."""

from __future__ import annotations

import re
import threading

_VALID = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$")


class _Stack(threading.local):
    def __init__(self) -> None:
        self.scopes: list[str] = []


_stack = _Stack()


def current_prefix() -> str:
    """'' or 'outer/inner/'."""
    return _stack.scopes[-1] if _stack.scopes else ""


class name_scope:
    """``with tf.name_scope("block"):`` prefixes names made inside with ``block/``."""

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or (name and not _VALID.match(name)):
            raise ValueError(f"'{name}' is not a valid scope name. A scope name has to match the "
                             f"following pattern: {_VALID.pattern}")
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def __enter__(self) -> str:
        name = self._name
        if not name:
            full = ""
        elif name.endswith("/"):
            full = name  # an absolute scope, as TF treats a trailing slash
        else:
            full = current_prefix() + name + "/"
        _stack.scopes.append(full)
        return full

    def __exit__(self, *exc) -> None:
        _stack.scopes.pop()
