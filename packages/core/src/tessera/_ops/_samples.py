"""Sample inputs for the generated op tests (value, shape rule, gradient, ONNX)."""

from __future__ import annotations

import numpy as np

from tessera._framework.op import Sample

_rng = np.random.RandomState(1234)


class seeded:
    """Within ``with seeded(op.name):`` sample values depend only on that op's own draws, so
    adding samples to one op never changes another's."""

    def __init__(self, name: str) -> None:
        import zlib

        self.seed = zlib.crc32(name.encode())

    def __enter__(self):
        global _rng
        self.saved, _rng = _rng, np.random.RandomState(self.seed)
        return self

    def __exit__(self, *exc) -> None:
        global _rng
        _rng = self.saved


def rand(shape, dtype="float32", low=-2.0, high=2.0, seed=None) -> np.ndarray:
    """Uniform values in [low, high) of ``dtype`` (ints: integer range; bool: coin flips)."""
    rng = np.random.RandomState(seed) if seed is not None else _rng
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return rng.rand(*shape) > 0.5
    if dt.kind in "iu":
        lo = max(int(low), 0) if dt.kind == "u" else int(low)
        return rng.randint(lo, max(int(high), lo + 1), size=shape).astype(dt)
    if dt.kind == "c":
        return (rng.uniform(low, high, shape) + 1j * rng.uniform(low, high, shape)).astype(dt)
    return rng.uniform(low, high, shape).astype(dt)


def positive(shape, dtype="float32", low=0.5, high=2.0) -> np.ndarray:
    return rand(shape, dtype, low, high)


def unary(dtypes=("float32", "float64"), low=-2.0, high=2.0, grad=True, shapes=((3, 4), (), (2, 0)),
          **kw) -> list[Sample]:
    out = []
    for dt in dtypes:
        for shape in shapes:
            is_float = np.dtype(dt).kind in "fc"
            out.append(Sample((rand(shape, dt, low, high),), grad=grad and is_float and 0 not in shape,
                              name=f"{dt}{list(shape)}", **kw))
    return out


def binary(dtypes=("float32", "float64"), low=-2.0, high=2.0, grad=True, low2=None, high2=None,
           **kw) -> list[Sample]:
    """Same shapes, broadcasting shapes, a scalar operand, an empty operand."""
    low2 = low if low2 is None else low2
    high2 = high if high2 is None else high2
    pairs = [((2, 3), (2, 3)), ((4, 1, 3), (2, 1)), ((), (3,)), ((0, 3), (3,))]
    out = []
    for dt in dtypes:
        is_float = np.dtype(dt).kind in "fc"
        for sa, sb in pairs:
            out.append(Sample((rand(sa, dt, low, high), rand(sb, dt, low2, high2)),
                              grad=grad and is_float and 0 not in sa, name=f"{dt}{list(sa)}{list(sb)}",
                              **kw))
    return out
