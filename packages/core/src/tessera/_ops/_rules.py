"""Shape and dtype rules shared by op declarations.

A shape rule takes the input shapes and the attrs and returns the output shape (or a list
for several outputs). A shape is a tuple of ints and None (unknown size), or None (unknown
rank); rules work on partial shapes because tracing needs them. Errors are ValueError with
the shapes in the message.
"""

from __future__ import annotations

from tessera import dtypes as _dtypes

Shape = tuple | None


def unary(x: Shape, *rest, **attrs) -> Shape:
    """Output shaped like the first input."""
    return x


def broadcast(*shapes: Shape, **attrs) -> Shape:
    """NumPy broadcasting over partial shapes."""
    if any(s is None for s in shapes):
        return None
    rank = max((len(s) for s in shapes), default=0)
    out = []
    for i in range(rank):
        dims = [s[len(s) - rank + i] for s in shapes if len(s) - rank + i >= 0]
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError("Incompatible shapes: " + " vs. ".join(
                "[" + ",".join("?" if d is None else str(d) for d in s) + "]" for s in shapes))
        if known:
            out.append(known.pop())
        elif any(d is None for d in dims):
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


def reduce(x: Shape, axis=None, keepdims=False, **attrs) -> Shape:
    """A reduction over ``axis`` (None: all axes)."""
    if x is None:
        return None
    axes = range(len(x)) if axis is None else {a % len(x) for a in axis} if x else ()
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(x))
    return tuple(d for i, d in enumerate(x) if i not in axes)


def numel(shape: Shape) -> int | None:
    if shape is None or any(d is None for d in shape):
        return None
    n = 1
    for d in shape:
        n *= d
    return n


# dtype rules: (input dtypes, attrs) -> output dtype(s)
def to_bool(dtypes, attrs):
    return _dtypes.bool


def from_attr(name: str):
    def rule(dtypes, attrs):
        return _dtypes.as_dtype(attrs[name])

    rule.__name__ = f"from_attr_{name}"
    return rule


def fixed(dtype):
    dt = _dtypes.as_dtype(dtype)

    def rule(dtypes, attrs):
        return dt

    rule.__name__ = f"fixed_{dt.name}"
    return rule


def real_part(dtypes, attrs):
    """complex64 -> float32, complex128 -> float64, real stays."""
    return dtypes[0].real_dtype


def nth_input(i: int):
    def rule(dtypes, attrs):
        return dtypes[i]

    return rule
