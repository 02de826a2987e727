"""HTTP(S) transfers with the standard library: retries with exponential backoff on network
errors, 5xx, 408 and 429; resume of an interrupted transfer with ``Range``/``If-Range``."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import random
import time
import urllib.error
import urllib.request
from pathlib import Path

from tessera_hub import _config
from tessera_hub._errors import DownloadError, ModelNotFoundError
from tessera_hub._progress import Progress

CHUNK = 1 << 20


class _Retry(Exception):
    """A transient failure: try again after a pause."""


def _user_agent() -> str:
    try:
        from importlib.metadata import version

        return f"tessera-hub/{version('tessera-hub')}"
    except Exception:
        return "tessera-hub"


def _open(url: str, handle: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers={"User-Agent": _user_agent(), **(headers or {})})
    try:
        return urllib.request.urlopen(request, timeout=_config.timeout())
    except urllib.error.HTTPError as error:
        error.close()
        if error.code in (408, 429) or error.code >= 500:
            raise _Retry(f"HTTP {error.code} {error.reason}") from error
        if error.code in (404, 410):
            raise ModelNotFoundError(
                f"hub handle {handle!r} was not found: GET {url} returned HTTP {error.code} "
                f"{error.reason}. Check the handle's spelling and version, and the server.") from None
        raise DownloadError(f"hub handle {handle!r}: GET {url} returned HTTP {error.code} "
                            f"{error.reason}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        raise _Retry(f"{type(error).__name__}: {getattr(error, 'reason', error)}") from error


def _with_retries(fn, url: str, handle: str):
    attempts = 0
    while True:
        try:
            return fn()
        except _Retry as error:
            attempts += 1
            if attempts > _config.retries():
                raise DownloadError(
                    f"could not download hub handle {handle!r} from {url} after {attempts} "
                    f"attempts; last error: {error}. Check the network or the server, then try "
                    f"again (an interrupted transfer resumes where it stopped).") from None
            delay = _config.backoff() * (2 ** (attempts - 1))
            time.sleep(delay * (0.5 + random.random() / 2))


def fetch_bytes(url: str, handle: str, limit: int = 64 * 2**20) -> bytes:
    """GET a small document (an index), with retries."""

    def attempt() -> bytes:
        with _open(url, handle) as response:
            try:
                data = response.read(limit + 1)
            except (OSError, http.client.HTTPException) as error:
                raise _Retry(f"{type(error).__name__}: {error}") from error
        if len(data) > limit:
            raise DownloadError(f"{url} is larger than {limit} bytes; is it really an index?")
        return data

    return _with_retries(attempt, url, handle)


def _meta_path(part: Path) -> Path:
    return part.with_name(part.name + ".json")


def _read_meta(part: Path) -> dict:
    try:
        return json.loads(_meta_path(part).read_text())
    except (OSError, ValueError):
        return {}


def discard(part: Path) -> None:
    for p in (part, _meta_path(part)):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def download(url: str, part: Path, handle: str, size: int | None = None,
             progress: bool | None = None) -> Path:
    """Download ``url`` into ``part``, resuming what an earlier attempt (or process) left
    there for the same URL. Returns ``part`` once complete."""
    meta = _read_meta(part)
    if part.exists() and meta.get("url") != url:
        discard(part)
        meta = {}

    def attempt() -> None:
        have = part.stat().st_size if part.exists() else 0
        headers = {}
        if have:
            headers["Range"] = f"bytes={have}-"
            validator = _read_meta(part).get("validator")
            if validator:
                headers["If-Range"] = validator
        response = _open(url, handle, headers)
        with response:
            status = getattr(response, "status", 200)
            start = have if status == 206 else 0
            if status == 206:
                content_range = response.headers.get("Content-Range", "")
                if not content_range.startswith(f"bytes {have}-"):
                    discard(part)
                    raise _Retry(f"server answered Range with {content_range!r}; restarting")
            length = response.headers.get("Content-Length")
            expected = start + int(length) if length and length.isdigit() else None
            validator = response.headers.get("ETag") or response.headers.get("Last-Modified")
            _meta_path(part).write_text(json.dumps({"url": url, "validator": validator}))
            bar = Progress(f"Downloading {handle}", expected or size, start, progress)
            written = start
            try:
                with open(part, "ab" if start else "wb") as out:
                    while True:
                        try:
                            chunk = response.read(CHUNK)
                        except (OSError, http.client.HTTPException) as error:
                            raise _Retry(f"transfer interrupted after {written} bytes: "
                                         f"{type(error).__name__}") from error
                        if not chunk:
                            break
                        out.write(chunk)
                        written += len(chunk)
                        bar.update(len(chunk))
            finally:
                bar.close()
            if expected is not None and written < expected:
                raise _Retry(f"transfer interrupted after {written} of {expected} bytes")

    _with_retries(attempt, url, handle)
    return part


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_size(path: Path) -> int:
    return os.stat(path).st_size
