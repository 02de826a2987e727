"""``hub://publisher/model/version`` handles, resolved against the static index at
``$TESSERA_HUB_URL/index.json`` (layout: docs/hub.md)."""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin

from tessera_hub import _config, _http
from tessera_hub._errors import ModelNotFoundError

INDEX_FORMAT = "tessera-hub-index"
INDEX_NAME = "index.json"
_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
_HANDLE = re.compile(rf"^(?:hub://)?({_NAME})/({_NAME})/([0-9]+)$")


def parse(handle: str) -> tuple[str, str, str]:
    """``(publisher, model, version)`` of ``hub://publisher/model/version`` (or without the
    scheme)."""
    match = _HANDLE.match(handle.strip().rstrip("/"))
    if not match:
        raise ValueError(f"{handle!r} is not a hub handle: expected "
                         f"hub://<publisher>/<model>/<version> with a numeric version, e.g. "
                         f"hub://google/mobilenet/1")
    return match.group(1), match.group(2), str(int(match.group(3)))


def base_url() -> str:
    base = _config.hub_url()
    if not base:
        raise ValueError("hub:// handles are resolved against a hub index: set TESSERA_HUB_URL "
                         "to its base URL (http(s)://... or file:///...)")
    if "://" not in base:
        from pathlib import Path

        base = Path(base).resolve().as_uri()
    return base.rstrip("/") + "/"


def read_index(url: str, handle: str) -> dict:
    raw = _http.fetch_bytes(url, handle)
    try:
        index = json.loads(raw)
    except ValueError as error:
        raise ValueError(f"the hub index {url} is not valid JSON: {error}") from None
    if not isinstance(index, dict) or index.get("format") != INDEX_FORMAT:
        raise ValueError(f"{url} is not a tessera hub index (expected \"format\": "
                         f"\"{INDEX_FORMAT}\")")
    return index


def lookup(index: dict, handle: str, index_url: str) -> dict:
    publisher, model, version = parse(handle)
    models = index.get("models", {})
    name = f"{publisher}/{model}"
    if name not in models:
        raise ModelNotFoundError(f"hub handle {handle!r} was not found: the index {index_url} has "
                                 f"no model {name!r}")
    versions = models[name].get("versions", {})
    if version not in versions:
        raise ModelNotFoundError(f"hub handle {handle!r} was not found: {name!r} has versions "
                                 f"{sorted(versions, key=int)} in {index_url}")
    return versions[version]


def hub_resolver(handle: str):
    from tessera_hub._resolvers import Remote

    parse(handle)  # a malformed handle is reported before any index is needed
    index_url = urljoin(base_url(), INDEX_NAME)
    item = lookup(read_index(index_url, handle), handle, index_url)
    sha = item.get("sha256")
    if not sha:
        raise ValueError(f"the index entry of {handle!r} in {index_url} has no sha256")
    return Remote(urljoin(index_url, item["archive"]), sha256=sha.lower(), size=item.get("size"))
