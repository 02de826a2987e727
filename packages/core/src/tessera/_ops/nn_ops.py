"""Activations, softmax family, losses, normalization (tf.nn): each op declared once."""

from __future__ import annotations


def _export_all() -> None:
    from tessera._api import export  # noqa: F401


_export_all()
