"""Handle schemes and their resolvers.

A resolver is ``fn(handle: str) -> str | Remote``: a local path, another handle or URL
(resolved in turn), or a :class:`Remote` archive to download and cache. Resolvers come from
``register_resolver`` and from the entry-point group ``tessera_hub.resolvers`` (entry-point
name = scheme, value = ``"module:function"``), loaded on the first handle that needs them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from urllib.parse import urlsplit, urlunsplit

ENTRY_POINT_GROUP = "tessera_hub.resolvers"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz", ".zip", ".onnx", ".keras")


@dataclass(frozen=True)
class Remote:
    """An archive (or single-file model) to fetch: its URL, and the sha256 and size to expect
    when the resolver knows them."""

    url: str
    sha256: str | None = None
    size: int | None = None


Resolver = Callable[[str], "str | Remote"]
_REGISTRY: dict[str, Resolver] = {}
_LOCK = threading.Lock()
_EP_LOADED = False


def scheme_of(handle: str) -> str | None:
    """The handle's scheme in lower case, or None for a plain local path."""
    match = _SCHEME.match(handle)
    return match.group(1).lower() if match else None


def register_resolver(scheme: str, fn: Resolver, *, override: bool = False) -> None:
    """Make ``fn`` resolve handles ``<scheme>://...``."""
    scheme = scheme.lower().rstrip(":/")
    if not re.fullmatch(r"[a-z][a-z0-9+.-]*", scheme):
        raise ValueError(f"{scheme!r} is not a URL scheme (letters, digits, '+', '.', '-')")
    if scheme == "file":
        raise ValueError("file:// handles are local paths; their resolver cannot be replaced")
    with _LOCK:
        if scheme in _REGISTRY and not override and _REGISTRY[scheme] is not fn:
            raise ValueError(f"a resolver for {scheme}:// is already registered "
                             f"({_REGISTRY[scheme]!r}); pass override=True to replace it")
        _REGISTRY[scheme] = fn


def unregister_resolver(scheme: str) -> None:
    with _LOCK:
        _REGISTRY.pop(scheme.lower(), None)


def _load_entry_points() -> list[str]:
    global _EP_LOADED
    failures = []
    if _EP_LOADED:
        return failures
    _EP_LOADED = True
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name.lower() in _REGISTRY:
            continue
        try:
            register_resolver(ep.name, ep.load())
        except Exception as error:
            failures.append(f"{ep.name} ({ep.value}): {type(error).__name__}: {error}")
    return failures


def _from_tessera_plugins() -> None:
    """Resolvers Tessera plugins register through the ``tessera_register_hub_resolvers`` hook."""
    from tessera.plugins import registry

    for scheme, fn in registry().hub_resolvers.items():
        if scheme not in _REGISTRY:
            register_resolver(scheme, fn)


def get_resolver(scheme: str, handle: str) -> Resolver:
    _ensure_builtins()
    if scheme not in _REGISTRY:
        _from_tessera_plugins()
    if scheme not in _REGISTRY:
        failures = _load_entry_points()
        if scheme not in _REGISTRY:
            extra = f"; resolvers that failed to load: {'; '.join(failures)}" if failures else ""
            raise ValueError(
                f"hub handle {handle!r}: no resolver for the scheme {scheme}:// (known: "
                f"{', '.join(sorted(known_schemes()))}). Install a package that provides one "
                f"(entry-point group {ENTRY_POINT_GROUP!r}) or call "
                f"tessera_hub.register_resolver({scheme!r}, fn){extra}")
    return _REGISTRY[scheme]


def known_schemes() -> list[str]:
    _ensure_builtins()
    _from_tessera_plugins()
    return sorted({"file", *_REGISTRY})


def compressed_url(url: str) -> str:
    """tensorflow_hub's convention: a model URL that is not itself an archive is asked for
    its archive with ``?tf-hub-format=compressed``."""
    parts = urlsplit(url)
    if parts.path.lower().endswith(_ARCHIVE_SUFFIXES) or "tf-hub-format=" in parts.query:
        return url
    query = f"{parts.query}&tf-hub-format=compressed" if parts.query else \
        "tf-hub-format=compressed"
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def http_resolver(handle: str) -> Remote:
    """``http(s)://...``; a ``#sha256=<hex>`` fragment pins the archive's checksum."""
    parts = urlsplit(handle)
    sha = None
    if parts.fragment.startswith("sha256="):
        sha = parts.fragment[len("sha256="):].lower()
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
    return Remote(compressed_url(url), sha256=sha)


def _ensure_builtins() -> None:
    if "http" not in _REGISTRY:
        from tessera_hub._index import hub_resolver

        with _LOCK:
            _REGISTRY.setdefault("http", http_resolver)
            _REGISTRY.setdefault("https", http_resolver)
            _REGISTRY.setdefault("hub", hub_resolver)
