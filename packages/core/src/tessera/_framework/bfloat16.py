"""bfloat16 storage without a hard dependency on ml_dtypes.

NumPy has no bfloat16. When ``ml_dtypes`` is importable, ``tf.bfloat16.as_numpy_dtype`` is
``ml_dtypes.bfloat16`` and arrays use it. When it is not (the core depends on NumPy only),
bfloat16 data is stored as float32 arrays whose values are exactly representable in
bfloat16: every value is passed through :func:`round_to_bfloat16`, which rounds to nearest,
ties to even, on the float32 bit pattern (the upper 16 bits of a float32 *are* a bfloat16),
keeps infinities and signed zeros, turns NaNs into the canonical quiet NaN with their sign,
and overflows to infinity like a real bfloat16 cast. Inputs wider than float32 are first
rounded to float32, as TensorFlow (Eigen) and ml_dtypes do.
"""

from __future__ import annotations

import functools

import numpy as np

# Largest finite bfloat16, 0x7F7F as the high half of a float32: 3.3895314e38.
MAX = float(np.array(0x7F7F0000, dtype=np.uint32).view(np.float32))

_QUIET_NAN = np.uint32(0x7FC00000)
_SIGN = np.uint32(0x80000000)
_HIGH_HALF = np.uint32(0xFFFF0000)


@functools.cache
def ml_dtypes_type() -> type | None:
    """``ml_dtypes.bfloat16`` when ml_dtypes is importable, else None (looked up once)."""
    try:
        import ml_dtypes
    except ImportError:
        return None
    return ml_dtypes.bfloat16


def round_to_bfloat16(array) -> np.ndarray:
    """A float32 copy of ``array`` with every value rounded to the nearest bfloat16.

    Arrays already of ml_dtypes' bfloat16 dtype are exact and returned unchanged.
    """
    arr = np.asarray(array)
    if arr.dtype.name == "bfloat16":
        return arr
    with np.errstate(over="ignore", invalid="ignore"):  # float64 overflow -> inf, as a cast
        f32 = np.array(arr, dtype=np.float32, copy=True)
    # Work on a 1-D view: array arithmetic wraps silently, 0-d (scalar) arithmetic warns.
    bits = f32.reshape(-1).view(np.uint32)
    nan = np.isnan(f32.reshape(-1))
    # Round half to even: add 0x7FFF plus the lowest kept bit, then drop the low half.
    # A finite value can carry into the exponent, which is exactly the overflow to inf that
    # a bfloat16 cast gives; NaNs are excluded since their carry could reach the sign bit.
    lsb = (bits >> np.uint32(16)) & np.uint32(1)
    rounded = (bits + (np.uint32(0x7FFF) + lsb)) & _HIGH_HALF
    bits[...] = np.where(nan, (bits & _SIGN) | _QUIET_NAN, rounded)
    return f32
