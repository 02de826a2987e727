"""Settings read from the environment at call time (so tests and users can change them)."""

from __future__ import annotations

import os
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else None


def cache_root() -> Path:
    """``TESSERA_HUB_CACHE_DIR``, else ``TFHUB_CACHE_DIR``, else ``$XDG_CACHE_HOME/tessera_hub``
    (``~/.cache/tessera_hub``)."""
    explicit = _env("TESSERA_HUB_CACHE_DIR") or _env("TFHUB_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = _env("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tessera_hub"


def offline() -> bool:
    return (_env("TESSERA_HUB_OFFLINE") or "").lower() in _TRUE


def hub_url() -> str | None:
    return _env("TESSERA_HUB_URL")


def _number(name: str, default: float) -> float:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number") from None


def retries() -> int:
    return int(_number("TESSERA_HUB_RETRIES", 5))


def backoff() -> float:
    return _number("TESSERA_HUB_BACKOFF", 0.5)


def timeout() -> float:
    return _number("TESSERA_HUB_TIMEOUT", 60.0)


def lock_timeout() -> float:
    return _number("TESSERA_HUB_LOCK_TIMEOUT", 3600.0)


def max_extract_bytes() -> int:
    return int(_number("TESSERA_HUB_MAX_EXTRACT_BYTES", 16 * 2**30))


def max_members() -> int:
    return int(_number("TESSERA_HUB_MAX_MEMBERS", 200_000))


def progress() -> bool | None:
    """True/False when ``TESSERA_HUB_PROGRESS`` forces the bar on/off, None to decide by tty."""
    raw = _env("TESSERA_HUB_PROGRESS")
    return None if raw is None else raw.lower() in _TRUE
