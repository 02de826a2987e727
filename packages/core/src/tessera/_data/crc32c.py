"""CRC-32C (Castagnoli), as TFRecord files use it, with TF's masking.

Short inputs go through a byte-at-a-time table loop. Long inputs are vectorized with NumPy:
the data is cut into equal chunks whose CRCs are computed side by side (one table step per
column), then merged pairwise in a tree, shifting the left CRC past the right chunk's
length with a linear map stored as four 256-entry tables. CRC without pre/post inversion
is linear over GF(2), which is what makes chunking and merging exact.
"""

from __future__ import annotations

import numpy as np

_POLY = 0x82F63B78  # reflected Castagnoli polynomial
_MASK_DELTA = 0xA282EAD8


def _make_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ _POLY if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _make_table()
_NP_TABLE = np.array(_TABLE, dtype=np.int64)
_SMALL = 512
_SLAB = 1 << 20  # below this many bytes the plain loop is faster than NumPy's setup
_shift_tables: dict[int, np.ndarray] = {}


def _raw_update(crc: int, data) -> int:
    """The CRC register after ``data`` from register ``crc`` (no inversion)."""
    t = _TABLE
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def _table_from_basis(basis: np.ndarray) -> np.ndarray:
    """(4, 256) lookup tables of the linear map whose basis images are ``basis`` (32,)."""
    values = np.arange(256, dtype=np.int64)
    tab = np.zeros((4, 256), dtype=np.int64)
    for lane in range(4):
        for bit in range(8):
            hit = ((values >> bit) & 1).astype(bool)
            tab[lane, hit] ^= basis[lane * 8 + bit]
    return tab


_UNIT = np.array([1 << i for i in range(32)], dtype=np.int64)


def _shift_table(nbytes: int) -> np.ndarray:
    """Tables of the linear map "advance the register over nbytes zero bytes"."""
    tab = _shift_tables.get(nbytes)
    if tab is None:
        if nbytes % 2 == 0 and nbytes > 1024:
            half = _shift_table(nbytes // 2)  # doubling: M_2L = M_L o M_L
            basis = _apply_tables(_apply_tables(_UNIT, half), half)
        else:
            basis = np.array([_raw_update(1 << i, bytes(nbytes)) for i in range(32)],
                             dtype=np.int64)
        tab = _table_from_basis(basis)
        _shift_tables[nbytes] = tab
    return tab


def _apply_tables(crcs: np.ndarray, tab: np.ndarray) -> np.ndarray:
    return (tab[0][crcs & 0xFF] ^ tab[1][(crcs >> 8) & 0xFF]
            ^ tab[2][(crcs >> 16) & 0xFF] ^ tab[3][crcs >> 24])


def _apply_shift(crcs: np.ndarray, nbytes: int) -> np.ndarray:
    return _apply_tables(crcs, _shift_table(nbytes))


def _raw_vectorized(data: bytes) -> int:
    """The register over ``data`` from a zero register, vectorized."""
    n = len(data)
    chunk = 16 if n < (1 << 13) else 64 if n < (1 << 16) else 256 if n < (1 << 20) else 1024
    m = -(-n // chunk)
    # Leading zero bytes leave a zero register unchanged: pad at the front.
    buf = np.zeros(m * chunk, dtype=np.uint8)
    buf[m * chunk - n:] = np.frombuffer(data, dtype=np.uint8)
    cols = buf.reshape(m, chunk).T.astype(np.int64)
    crcs = np.zeros(m, dtype=np.int64)
    table = _NP_TABLE
    for col in cols:
        crcs = table[(crcs ^ col) & 0xFF] ^ (crcs >> 8)
    length = chunk
    while len(crcs) > 1:
        if len(crcs) % 2:
            crcs = np.concatenate([np.zeros(1, dtype=np.int64), crcs])
        crcs = _apply_shift(crcs[0::2], length) ^ crcs[1::2]
        length *= 2
    return int(crcs[0])


def crc32c(data, crc: int = 0) -> int:
    """CRC-32C of ``data`` (bytes-like), continuing from a previous ``crc``."""
    data = bytes(data) if not isinstance(data, bytes) else data
    reg = crc ^ 0xFFFFFFFF
    if len(data) < _SMALL:
        return _raw_update(reg, data) ^ 0xFFFFFFFF
    if len(data) > _SLAB:
        for i in range(0, len(data), _SLAB):
            crc = crc32c(data[i:i + _SLAB], crc)
        return crc
    # A starting register r equals a zero register with r XORed into the first 4 bytes.
    head = (int.from_bytes(data[:4], "little") ^ reg).to_bytes(4, "little")
    return _raw_vectorized(head + data[4:]) ^ 0xFFFFFFFF


def crc32c_array(records: list) -> np.ndarray:
    """CRC-32C of each of many byte strings (int64 array), vectorized across records of
    similar length: each group is right-aligned in a zero-padded matrix and its columns are
    processed together."""
    n = len(records)
    out = np.zeros(n, dtype=np.int64)
    if n < 32:
        out[:] = [crc32c(r) for r in records]
        return out
    lens = np.fromiter(map(len, records), dtype=np.int64, count=n)
    order = np.argsort(lens, kind="stable")
    sorted_lens = lens[order]
    table = _NP_TABLE
    start = 0
    while start < n:
        lo = int(sorted_lens[start])
        limit = max(lo + 16, lo * 5 // 4)
        end = min(int(np.searchsorted(sorted_lens, limit, side="right")), start + 8192)
        idx = order[start:end]
        start = end
        width = int(sorted_lens[end - 1])
        picked = idx.tolist()
        if len(picked) < 32 or width >= _SMALL * 4 or lo < 4:
            out[idx] = [crc32c(records[i]) for i in picked]
            continue
        if lo == width:
            rows = b"".join([records[i] for i in picked])
        else:
            rows = b"".join([bytes(width - len(records[i])) + records[i] for i in picked])
        arr = np.frombuffer(rows, dtype=np.uint8).reshape(len(picked), width).copy()
        # The inversion of the initial register is an XOR of 0xFF into each record's first
        # four bytes (leading zero padding leaves a zero register unchanged).
        offsets = width - lens[idx]
        rix = np.arange(len(picked))
        for k in range(4):
            arr[rix, offsets + k] ^= 0xFF
        crcs = np.zeros(len(picked), dtype=np.int64)
        for col in arr.T.astype(np.int64):
            crcs = table[(crcs ^ col) & 0xFF] ^ (crcs >> 8)
        out[idx] = crcs ^ 0xFFFFFFFF
    return out


def crc32c_many(records: list) -> list[int]:
    """CRC-32C of each of many byte strings."""
    return crc32c_array(records).tolist()


def mask_array(crcs: np.ndarray) -> np.ndarray:
    """TF's masking applied to an int64 array of CRCs."""
    return ((((crcs >> 15) | (crcs << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF


def mask(crc: int) -> int:
    """TF's masked CRC: rotate right by 15 bits and add a constant."""
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF


def unmask(masked: int) -> int:
    rot = (masked - _MASK_DELTA) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


def masked_crc32c(data) -> int:
    return mask(crc32c(data))


def masked_many(records: list) -> list[int]:
    return mask_array(crc32c_array(records)).tolist()
