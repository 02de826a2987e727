"""``tessera hub publish``: pack a model into an archive inside a hub index folder, ready to
upload as it is to any static HTTP server."""

from __future__ import annotations

import datetime
import json
import os
import tarfile
from pathlib import Path

from tessera_hub import _http
from tessera_hub._index import INDEX_FORMAT, INDEX_NAME, parse
from tessera_hub._load import model_kind


def _reset(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def publish(model_path, index_dir, handle: str, description: str | None = None,
            overwrite: bool = False) -> dict:
    """Pack ``model_path`` (a SavedModel folder, a .keras or .onnx file) as
    ``<index_dir>/<publisher>/<model>/<version>.tar.gz`` and record it, with its sha256 and
    size, in ``<index_dir>/index.json``. Returns the index entry."""
    publisher, model, version = parse(handle)
    source = Path(model_path)
    if not source.exists():
        raise FileNotFoundError(f"no such model folder or file: {source}")
    kind, _ = model_kind(source)
    index_dir = Path(index_dir)
    rel = f"{publisher}/{model}/{version}.tar.gz"
    archive = index_dir / rel
    if archive.exists() and not overwrite:
        raise FileExistsError(f"hub://{publisher}/{model}/{version} is already published at "
                              f"{archive}; publish a new version, or pass overwrite")
    archive.parent.mkdir(parents=True, exist_ok=True)
    tmp = archive.with_name(archive.name + ".tmp")
    with tarfile.open(tmp, "w:gz") as tar:
        if source.is_file():
            tar.add(source, arcname=source.name, filter=_reset)
        else:
            for item in sorted(source.rglob("*")):
                tar.add(item, arcname=item.relative_to(source).as_posix(), recursive=False,
                        filter=_reset)
    os.replace(tmp, archive)
    entry = {"archive": rel, "sha256": _http.sha256_of(archive), "size": archive.stat().st_size,
             "format": kind,
             "published": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    index_path = index_dir / INDEX_NAME
    if index_path.exists():
        index = json.loads(index_path.read_text())
        if index.get("format") != INDEX_FORMAT:
            raise ValueError(f"{index_path} is not a tessera hub index")
    else:
        index = {"format": INDEX_FORMAT, "version": 1, "models": {}}
    item = index["models"].setdefault(f"{publisher}/{model}", {"versions": {}})
    if description is not None:
        item["description"] = description
    item["versions"][version] = entry
    index_tmp = index_path.with_name(INDEX_NAME + ".tmp")
    index_tmp.write_text(json.dumps(index, indent=1, sort_keys=True) + "\n")
    os.replace(index_tmp, index_path)
    return entry
