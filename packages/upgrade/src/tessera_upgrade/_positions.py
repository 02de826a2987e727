"""Source positions of the nodes the transformer logs about, from CPython's ``ast``.

libcst's PositionProvider costs about as much as the whole rewrite, so positions are taken
from ``ast`` instead (a C parser), matching nodes by their order of appearance: libcst
visits calls, dotted names, imports and keyword arguments in the same source order.
"""

from __future__ import annotations

import ast

Pos = tuple[int, int]


def _key(node: ast.AST) -> tuple[int, int, int, int]:
    # Source order; of two nodes starting together the outer (longer) one comes first.
    return (node.lineno, node.col_offset, -(node.end_lineno or 0), -(node.end_col_offset or 0))


class Positions:
    """Per-kind queues of positions, consumed in visiting order."""

    def __init__(self, text: str) -> None:
        calls, chains, imports, keywords = [], [], [], []
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            tree = None
        inner: set[int] = set()
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, ast.Call):
                calls.append(node)
            elif isinstance(node, ast.Attribute):
                inner.add(id(node.value))
                chains.append(node)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                imports.append(node)
            elif isinstance(node, ast.keyword) and node.arg is not None:
                keywords.append(node)
        chains = [n for n in chains if id(n) not in inner and _is_dotted(n)]
        self._queues = {
            kind: [(n.lineno, n.col_offset) for n in sorted(nodes, key=_key)]
            for kind, nodes in (("call", calls), ("chain", chains), ("import", imports), ("keyword", keywords))
        }
        self._next = dict.fromkeys(self._queues, 0)

    def take(self, kind: str) -> Pos | None:
        """The position of the next node of ``kind`` (None if the orders ever disagree)."""
        queue, index = self._queues[kind], self._next[kind]
        self._next[kind] = index + 1
        return queue[index] if index < len(queue) else None


def _is_dotted(node: ast.Attribute) -> bool:
    value = node.value
    while isinstance(value, ast.Attribute):
        value = value.value
    return isinstance(value, ast.Name)
