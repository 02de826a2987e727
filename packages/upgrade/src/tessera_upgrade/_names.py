"""Dotted names <-> libcst expression nodes."""

from __future__ import annotations

import libcst as cst


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, None for anything else (calls, subscripts...)."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def name_node(dotted: str) -> cst.Name | cst.Attribute:
    """Build the expression for ``a.b.c``."""
    first, *rest = dotted.split(".")
    node: cst.Name | cst.Attribute = cst.Name(first)
    for part in rest:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def module_name(node: cst.Attribute | cst.Name) -> str:
    """The dotted text of an import's module node."""
    text = dotted_name(node)
    assert text is not None  # import module nodes are always Name/Attribute chains
    return text
