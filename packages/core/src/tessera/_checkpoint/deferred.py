"""Restorations waiting for their object: applied when the object is attached as an
attribute (``Module.__setattr__`` and ``Checkpoint.__setattr__`` call ``on_attribute_set``)."""

from __future__ import annotations

# (id(parent), child name) -> (weak reference to the parent, pending restoration)
DEFERRED: dict[tuple[int, str], tuple] = {}


def on_attribute_set(parent, name: str, value) -> None:
    entry = DEFERRED.pop((id(parent), name), None)
    if entry is None:
        return
    ref, pending = entry
    if ref() is parent:
        pending.status._restore_node(pending.node_id, value)
