"""A local threaded HTTP server (127.0.0.1 only) with injectable faults, and a saved model."""

from __future__ import annotations

import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        srv = self.server
        path = self.path.split("?", 1)[0]
        with srv.lock:
            srv.hits[path] = srv.hits.get(path, 0) + 1
            srv.requests.append((path, dict(self.headers)))
            srv.raw_paths.append(self.path)
            faults = srv.faults.get(path, {})
            fail = faults.get("fail", 0)
            if fail:
                faults["fail"] = fail - 1
            cut = faults.get("cut", 0)
            if cut and not fail:
                faults["cut"] = cut - 1
        if faults.get("delay"):
            time.sleep(faults["delay"])
        if fail:
            self._send(500, b"boom")
            return
        file = srv.root / path.lstrip("/")
        if not file.is_file():
            self._send(404, b"not found")
            return
        data = file.read_bytes()
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        start = 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes=") and self.headers.get("If-Range", etag) == etag:
            start = int(rng[6:].split("-")[0])
        body = data[start:]
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.end_headers()
        if cut and not fail:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def _send(self, code: int, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server:
    def __init__(self, root: Path) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.root = root
        self.httpd.hits = {}
        self.httpd.requests = []
        self.httpd.raw_paths = []
        self.httpd.faults = {}
        self.httpd.lock = threading.Lock()
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.root = root

    def hits(self, path: str) -> int:
        return self.httpd.hits.get(path, 0)

    def requests(self, path: str) -> list[dict]:
        return [h for p, h in self.httpd.requests if p == path]

    def fault(self, path: str, **kw) -> None:
        self.httpd.faults[path] = dict(kw)

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    srv = Server(root)
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def hub_env(tmp_path, monkeypatch):
    """Every test gets its own cache, fast retries, and no inherited hub settings."""
    for name in ("TESSERA_HUB_OFFLINE", "TESSERA_HUB_URL", "TFHUB_CACHE_DIR",
                 "TESSERA_HUB_PROGRESS", "TESSERA_HUB_MAX_EXTRACT_BYTES"):
        monkeypatch.delenv(name, raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("TESSERA_HUB_CACHE_DIR", str(cache))
    monkeypatch.setenv("TESSERA_HUB_BACKOFF", "0.01")
    monkeypatch.setenv("TESSERA_HUB_RETRIES", "3")
    monkeypatch.setenv("TESSERA_HUB_TIMEOUT", "10")
    return cache


W = np.array([[1.0, -1.0], [0.5, 2.0], [-0.5, 0.25]], np.float32)
B = np.array([0.1, -0.2], np.float32)


@pytest.fixture(scope="session")
def saved_model(tmp_path_factory) -> Path:
    """A Tessera SavedModel: y = x @ W + b, x of shape [None, 3]."""
    import tessera as tf

    class Affine(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(W)
            self.b = tf.Variable(B)

        @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
        def __call__(self, x):
            return tf.matmul(x, self.w) + self.b

    path = tmp_path_factory.mktemp("models") / "affine"
    tf.saved_model.save(Affine(), str(path))
    return path


def cache_is_empty(cache: Path) -> bool:
    """No model folder, marker, half-built folder or partial download is left."""
    if not cache.exists():
        return True
    left = [p.name for p in cache.iterdir() if not p.name.endswith(".lock")]
    return not left
