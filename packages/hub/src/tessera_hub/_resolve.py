"""``hub.resolve``: a handle to a local folder (or model file), downloading into the cache
when needed."""

from __future__ import annotations

import os
import shutil
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from tessera_hub import _archive, _cache, _config, _http
from tessera_hub._errors import ChecksumError, ModelNotFoundError, OfflineError
from tessera_hub._resolvers import Remote, get_resolver, scheme_of

_MAX_INDIRECTIONS = 8


def _local_path(handle: str) -> Path:
    if scheme_of(handle) == "file":
        parts = urlsplit(handle)
        return Path(urllib.request.url2pathname(parts.path))
    return Path(handle).expanduser()


def _is_archive_file(path: Path) -> bool:
    return path.is_file() and _archive.kind(path) is not None and \
        not path.name.lower().endswith(_archive.MODEL_SUFFIXES)


def resolve(handle, progress: bool | None = None) -> str:
    """The local folder (or model file) of ``handle``: local folders and model files as they
    are; archives and remote handles extracted into the cache (downloaded once)."""
    handle = os.fspath(handle)
    if not isinstance(handle, str) or not handle.strip():
        raise ValueError(f"a hub handle is a non-empty string or path, got {handle!r}")
    scheme = scheme_of(handle)
    if scheme in (None, "file"):
        path = _local_path(handle)
        if not path.exists():
            raise ModelNotFoundError(f"hub handle {handle!r}: no such file or folder {path}")
        if not _is_archive_file(path):
            return str(path)
    entry = _cache.entry(handle)
    if entry.complete():
        return str(entry.path)
    if _config.offline():
        raise OfflineError(
            f"hub handle {handle!r} is not in the cache ({entry.root}) and TESSERA_HUB_OFFLINE=1 "
            f"forbids downloading it. Download it once online (`tessera hub download "
            f"{handle}`), point TESSERA_HUB_CACHE_DIR at a cache that holds it, or unset "
            f"TESSERA_HUB_OFFLINE.")
    with entry.locked(handle):
        if entry.complete():  # another process finished it while we waited
            return str(entry.path)
        target = _to_remote(handle, scheme)
        if isinstance(target, Path):
            return str(target)
        return str(_install(entry, handle, target, progress))


def _to_remote(handle: str, scheme: str | None) -> Remote | Path:
    current: str | Remote = handle
    for _ in range(_MAX_INDIRECTIONS):
        if isinstance(current, Remote):
            return current
        current = os.fspath(current)
        s = scheme_of(current)
        if s in (None, "file"):
            path = _local_path(current)
            if not path.exists():
                raise ModelNotFoundError(f"hub handle {handle!r} resolved to {current!r}, "
                                         f"which does not exist")
            if _is_archive_file(path):
                return Remote(path.resolve().as_uri())
            return path
        current = get_resolver(s, handle)(current)
    raise ValueError(f"hub handle {handle!r}: more than {_MAX_INDIRECTIONS} resolver "
                     f"indirections (a resolver loop?)")


def _install(entry: _cache.Entry, handle: str, remote: Remote, progress) -> Path:
    filename = os.path.basename(urlsplit(remote.url).path) or None
    if scheme_of(remote.url) == "file":
        archive = _local_path(remote.url)
        downloaded = False
    else:
        archive = _http.download(remote.url, entry.part, handle, remote.size, progress)
        downloaded = True
    tmp = entry.new_tmp()
    try:
        digest = _http.sha256_of(archive)
        if remote.sha256 and digest != remote.sha256.lower():
            raise ChecksumError(
                f"hub handle {handle!r}: the archive from {remote.url} has sha256 {digest}, but "
                f"{remote.sha256} was expected; nothing was cached. The download may be corrupt "
                f"or the index out of date.")
        _archive.extract(archive, tmp, f"the archive of {handle!r} ({remote.url})", filename)
        info = {"handle": handle, "url": remote.url, "sha256": digest,
                "archive_size": _http.file_size(archive), "time": time.time()}
        path = entry.commit(tmp, info)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if downloaded:
            _http.discard(entry.part)
        raise
    if downloaded:
        _http.discard(entry.part)
    return path
