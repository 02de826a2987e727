"""Downloads against a local HTTP server: caching, offline, resume, retries, errors, locks."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
from conftest import B, W, cache_is_empty

import tessera_hub as hub


def _publish(saved_model, server, handle="test/affine/1") -> dict:
    return hub.publish(saved_model, server.root, handle)


def _tar(path: Path, files: dict[str, bytes]) -> Path:
    import io

    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_hub_handle_download_then_offline(saved_model, server, monkeypatch, hub_env):
    import tessera as tf

    _publish(saved_model, server)
    monkeypatch.setenv("TESSERA_HUB_URL", server.url)
    x = np.ones((2, 3), np.float32)
    model = hub.load("hub://test/affine/1")
    np.testing.assert_allclose(model(tf.constant(x)).numpy(), x @ W + B, rtol=1e-6)
    assert server.hits("/test/affine/1.tar.gz") == 1
    folder = hub.resolve("hub://test/affine/1")
    assert Path(folder).parent == hub_env and (Path(folder) / "saved_model.json").is_file()

    server.stop()
    monkeypatch.setenv("TESSERA_HUB_OFFLINE", "1")
    again = hub.load("hub://test/affine/1")
    np.testing.assert_allclose(again(tf.constant(x)).numpy(), x @ W + B, rtol=1e-6)
    with pytest.raises(hub.OfflineError, match=r"hub://test/affine/2.*TESSERA_HUB_OFFLINE"):
        hub.load("hub://test/affine/2")


def test_tfhub_cache_dir_is_honoured(saved_model, server, monkeypatch, tmp_path):
    _publish(saved_model, server)
    monkeypatch.delenv("TESSERA_HUB_CACHE_DIR")
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "tfhub"))
    folder = hub.resolve(f"{server.url}/test/affine/1.tar.gz")
    assert Path(folder).parent == tmp_path / "tfhub"


def test_interrupted_transfer_resumes(server, tmp_path):
    payload = os.urandom(400_000)
    _tar(server.root / "big.tar.gz", {"saved_model.json": b"{}", "blob.bin": payload})
    server.fault("/big.tar.gz", cut=1)
    folder = Path(hub.resolve(f"{server.url}/big.tar.gz"))
    assert (folder / "blob.bin").read_bytes() == payload
    first, second = server.requests("/big.tar.gz")
    assert "Range" not in first
    assert second["Range"].startswith("bytes=") and int(second["Range"][6:-1]) > 0
    assert second["If-Range"]


def test_server_error_is_retried(server):
    _tar(server.root / "m.tar.gz", {"model.onnx": b"x"})
    server.fault("/m.tar.gz", fail=2)
    folder = Path(hub.resolve(f"{server.url}/m.tar.gz"))
    assert (folder / "model.onnx").read_bytes() == b"x"
    assert server.hits("/m.tar.gz") == 3


def test_server_error_gives_up_after_retries(server, hub_env):
    _tar(server.root / "m.tar.gz", {"model.onnx": b"x"})
    server.fault("/m.tar.gz", fail=10)
    with pytest.raises(hub.DownloadError, match=r"after 4 attempts.*HTTP 500"):
        hub.resolve(f"{server.url}/m.tar.gz")
    assert server.hits("/m.tar.gz") == 4


def test_404_names_the_handle(server, monkeypatch, saved_model, hub_env):
    handle = f"{server.url}/missing/model.tar.gz"
    with pytest.raises(hub.ModelNotFoundError, match=r"missing/model\.tar\.gz.*404"):
        hub.load(handle)
    assert server.hits("/missing/model.tar.gz") == 1  # a 404 is not retried
    assert cache_is_empty(hub_env)
    _publish(saved_model, server)
    monkeypatch.setenv("TESSERA_HUB_URL", server.url)
    with pytest.raises(hub.ModelNotFoundError, match=r"hub://test/affine/7.*\['1'\]"):
        hub.load("hub://test/affine/7")
    with pytest.raises(hub.ModelNotFoundError, match=r"hub://nobody/x/1"):
        hub.load("hub://nobody/x/1")


def test_checksum_mismatch_caches_nothing(saved_model, server, monkeypatch, hub_env):
    import json

    _publish(saved_model, server)
    index_path = server.root / "index.json"
    index = json.loads(index_path.read_text())
    index["models"]["test/affine"]["versions"]["1"]["sha256"] = "0" * 64
    index_path.write_text(json.dumps(index))
    monkeypatch.setenv("TESSERA_HUB_URL", server.url)
    with pytest.raises(hub.ChecksumError, match="nothing was cached"):
        hub.load("hub://test/affine/1")
    assert cache_is_empty(hub_env)
    with pytest.raises(hub.ChecksumError):
        hub.resolve(f"{server.url}/test/affine/1.tar.gz#sha256={'1' * 64}")
    assert cache_is_empty(hub_env)


def test_stale_lock_is_taken_over(server, hub_env):
    from tessera_hub import _cache

    _tar(server.root / "m.tar.gz", {"model.onnx": b"x"})
    handle = f"{server.url}/m.tar.gz"
    entry = _cache.entry(handle)
    hub_env.mkdir(parents=True)
    entry.lock_path.write_text('{"pid": 999999, "host": "gone"}')  # left by a dead process
    (hub_env / f"{entry.key}.tmp-999999-dead").mkdir()               # its half-built folder
    entry.path.mkdir()                                                # a folder with no marker
    assert not entry.complete()
    assert Path(hub.resolve(handle)) == entry.path
    assert (entry.path / "model.onnx").is_file()
    assert not list(hub_env.glob("*.tmp-*"))


_CHILD = """
import sys, tessera_hub
print(tessera_hub.resolve(sys.argv[1]))
"""


def test_two_processes_download_once(server, hub_env):
    _tar(server.root / "m.tar.gz", {"model.onnx": b"y" * 1000})
    server.fault("/m.tar.gz", delay=0.5)
    handle = f"{server.url}/m.tar.gz"
    procs = [subprocess.Popen([sys.executable, "-c", _CHILD, handle], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=dict(os.environ))
             for _ in range(2)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert outs[0][0] == outs[1][0]
    assert server.hits("/m.tar.gz") == 1


def test_progress_bar_when_asked(server, capsys):
    _tar(server.root / "m.tar.gz", {"model.onnx": b"z" * 5000})
    hub.resolve(f"{server.url}/m.tar.gz", progress=True)
    err = capsys.readouterr().err
    assert "Downloading" in err and "100%" in err


def test_compressed_format_query():
    from tessera_hub._resolvers import compressed_url

    assert compressed_url("https://h/google/m/1") == "https://h/google/m/1?tf-hub-format=compressed"
    assert compressed_url("https://h/m?x=1") == "https://h/m?x=1&tf-hub-format=compressed"
    assert compressed_url("https://h/m.tar.gz") == "https://h/m.tar.gz"


def test_hub_style_host_gets_compressed_query(server):
    (server.root / "google" / "m").mkdir(parents=True)
    _tar(server.root / "google" / "m" / "1", {"model.onnx": b"q"})
    folder = Path(hub.resolve(f"{server.url}/google/m/1"))
    assert (folder / "model.onnx").read_bytes() == b"q"
    assert server.httpd.raw_paths[-1] == "/google/m/1?tf-hub-format=compressed"
