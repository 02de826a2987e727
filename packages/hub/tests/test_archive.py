"""Unsafe archives are refused and leave nothing in the cache (or outside it)."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest
from conftest import cache_is_empty

import tessera_hub as hub


def _tar_with(path: Path, build) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        build(tar)
    return path


def _file(tar, name: str, data: bytes = b"x") -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _link(tar, name: str, target: str, hard: bool = False) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    info.linkname = target
    tar.addfile(info)


BAD_TARS = {
    "dotdot": lambda t: _file(t, "../evil.txt"),
    "nested_dotdot": lambda t: _file(t, "a/../../evil.txt"),
    "absolute": lambda t: _file(t, "/tmp/tessera-hub-evil.txt"),
    "symlink_out": lambda t: _link(t, "link", "../../outside"),
    "symlink_abs": lambda t: _link(t, "link", "/etc/passwd"),
    "write_through_link": lambda t: (_link(t, "d", "."), _link(t, "d2", "d/.."),
                                     _file(t, "d2/../x")),
    "hardlink_out": lambda t: _link(t, "h", "../../etc/passwd", hard=True),
}


@pytest.mark.parametrize("case", sorted(BAD_TARS))
def test_unsafe_tar_is_refused(server, hub_env, tmp_path, case):
    _tar_with(server.root / "bad.tar.gz", lambda t: (_file(t, "saved_model.json", b"{}"),
                                                     BAD_TARS[case](t)))
    with pytest.raises(hub.UnsafeArchiveError, match="refusing to extract"):
        hub.resolve(f"{server.url}/bad.tar.gz")
    assert cache_is_empty(hub_env)
    assert not (tmp_path / "evil.txt").exists() and not (hub_env.parent / "evil.txt").exists()
    assert not Path("/tmp/tessera-hub-evil.txt").exists()


def test_unsafe_zip_is_refused(server, hub_env):
    with zipfile.ZipFile(server.root / "bad.zip", "w") as zf:
        zf.writestr("model.onnx", b"x")
        zf.writestr("../evil.txt", b"x")
    with pytest.raises(hub.UnsafeArchiveError, match=r"'\.\.'"):
        hub.resolve(f"{server.url}/bad.zip")
    assert cache_is_empty(hub_env)


def test_expanded_size_limit(server, hub_env, monkeypatch):
    big = b"\0" * 200_000  # compresses to almost nothing
    _tar_with(server.root / "bomb.tar.gz", lambda t: _file(t, "model.onnx", big))
    with zipfile.ZipFile(server.root / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("model.onnx", big)
    monkeypatch.setenv("TESSERA_HUB_MAX_EXTRACT_BYTES", "100000")
    for name in ("bomb.tar.gz", "bomb.zip"):
        with pytest.raises(hub.UnsafeArchiveError, match="TESSERA_HUB_MAX_EXTRACT_BYTES"):
            hub.resolve(f"{server.url}/{name}")
        assert cache_is_empty(hub_env)


def test_links_inside_are_kept(server):
    def build(t):
        _file(t, "variables/data", b"abc")
        _link(t, "alias", "variables/data")
        _link(t, "copy", "variables/data", hard=True)
        _file(t, "model.onnx", b"m")

    _tar_with(server.root / "ok.tar.gz", build)
    folder = Path(hub.resolve(f"{server.url}/ok.tar.gz"))
    assert (folder / "alias").read_bytes() == b"abc" == (folder / "copy").read_bytes()


def test_zip_archive(server):
    with zipfile.ZipFile(server.root / "ok.zip", "w") as zf:
        zf.writestr("sub/model.onnx", b"m")
    assert (Path(hub.resolve(f"{server.url}/ok.zip")) / "sub" / "model.onnx").is_file()


def test_not_an_archive(server, hub_env):
    (server.root / "page.tar.gz").write_bytes(b"<html>oops</html>")
    with pytest.raises(hub.UnsafeArchiveError, match="neither a tar nor a zip"):
        hub.resolve(f"{server.url}/page.tar.gz")
    assert cache_is_empty(hub_env)
