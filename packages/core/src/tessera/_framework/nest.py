"""``tf.nest``: nested structures of lists, tuples, namedtuples, dicts (sorted by key, as
TensorFlow does), dataclass-free. Tensors, arrays and other objects are leaves."""

from __future__ import annotations

from collections.abc import Mapping


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


# Nestedness is a property of the type: cache it (ABC isinstance checks are slow, and every
# tensor leaf would pay one per call).
_NESTED_TYPES: dict[type, bool] = {list: True, tuple: True, dict: True}


def is_nested(x) -> bool:
    t = type(x)
    known = _NESTED_TYPES.get(t)
    if known is None:
        known = _NESTED_TYPES[t] = isinstance(x, list | tuple | Mapping)
    return known


def _children(x):
    if isinstance(x, Mapping):
        return [x[k] for k in sorted(x, key=_sort_key)]
    return list(x)


def _sort_key(k):
    return (type(k).__name__, k) if not isinstance(k, str | int | float) else ("", k)


def flatten(structure, expand_composites: bool = False) -> list:
    """Leaves in TF's order (dict values by sorted key)."""
    if not is_nested(structure):
        return [structure]
    if type(structure) in (list, tuple) and not any(is_nested(c) for c in structure):
        return list(structure)  # a flat sequence: the common case
    out = []
    for c in _children(structure):
        out.extend(flatten(c))
    return out


def _rebuild(template, values):
    if isinstance(template, Mapping):
        keys = sorted(template, key=_sort_key)
        d = dict(zip(keys, values))
        try:
            return type(template)((k, d[k]) for k in template)
        except TypeError:
            return {k: d[k] for k in template}
    if _is_namedtuple(template):
        return type(template)(*values)
    if isinstance(template, tuple):
        return tuple(values)
    return list(values)


def pack_sequence_as(structure, flat_sequence, expand_composites: bool = False):
    flat_sequence = list(flat_sequence)
    n = len(flatten(structure))
    if n != len(flat_sequence):
        raise ValueError(f"Could not pack sequence. Structure had {n} atoms, but "
                         f"flat_sequence had {len(flat_sequence)} items.")
    pos = 0

    def build(s):
        nonlocal pos
        if not is_nested(s):
            v = flat_sequence[pos]
            pos += 1
            return v
        return _rebuild(s, [build(c) for c in _children(s)])

    return build(structure)


def assert_same_structure(a, b, check_types: bool = True, expand_composites: bool = False) -> None:
    def check(x, y):
        if is_nested(x) != is_nested(y):
            raise ValueError(f"The two structures don't have the same nested structure.\n\n"
                             f"First structure: {a}\n\nSecond structure: {b}")
        if not is_nested(x):
            return
        if check_types and type(x) is not type(y) and not (
                isinstance(x, Mapping) and isinstance(y, Mapping)):
            raise TypeError(f"The two structures don't have the same sequence type. Input "
                            f"structure has type {type(x)}, while shallow structure has type "
                            f"{type(y)}.")
        cx, cy = _children(x), _children(y)
        if len(cx) != len(cy) or (isinstance(x, Mapping) and set(x) != set(y)):
            raise ValueError(f"The two structures don't have the same nested structure.\n\n"
                             f"First structure: {a}\n\nSecond structure: {b}")
        for u, v in zip(cx, cy):
            check(u, v)

    check(a, b)


def map_structure(func, *structures, check_types: bool = True, expand_composites: bool = False):
    if not structures:
        raise ValueError("Must provide at least one structure")
    if len(structures) == 1 and not is_nested(structures[0]):
        return func(structures[0])  # a single leaf
    for s in structures[1:]:
        assert_same_structure(structures[0], s, check_types=check_types)
    flats = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [func(*xs) for xs in zip(*flats)])
