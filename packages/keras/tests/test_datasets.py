"""keras.utils.get_file and keras.datasets against a local HTTP server: download, cache hit,
checksum mismatch, extraction, and the dataset loaders' array layout."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import os
import tarfile
import threading
from functools import partial

import numpy as np
import pytest

import tessera as tf
from tessera_keras.datasets import _source


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    hits: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            partial(Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}/", hits
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_get_file_downloads_once_then_hits_the_cache(server, keras_home, capsys):
    root, url, hits = server
    (root / "data.bin").write_bytes(b"tessera" * 100)
    digest = _sha256(root / "data.bin")
    path = tf.keras.utils.get_file(origin=url + "data.bin", file_hash=digest)
    assert path == str(keras_home / "datasets" / "data.bin")
    assert open(path, "rb").read() == b"tessera" * 100
    assert "Downloading data from" in capsys.readouterr().out
    assert tf.keras.utils.get_file(origin=url + "data.bin", file_hash=digest) == path
    assert hits == ["/data.bin"]  # the second call is a cache hit
    # A cached file whose checksum no longer matches is downloaded again.
    with open(path, "wb") as f:
        f.write(b"corrupted")
    tf.keras.utils.get_file(origin=url + "data.bin", file_hash=digest)
    assert "will re-download the data" in capsys.readouterr().out
    assert len(hits) == 2 and open(path, "rb").read() == b"tessera" * 100


def test_get_file_checksum_mismatch_raises_and_keeps_no_file(server, keras_home):
    root, url, _ = server
    (root / "data.bin").write_bytes(b"payload")
    with pytest.raises(ValueError, match="Incomplete or corrupted file detected. The sha256"):
        tf.keras.utils.get_file("data.bin", url + "data.bin", file_hash="0" * 64)
    assert not (keras_home / "datasets" / "data.bin").exists()
    md5 = hashlib.md5(b"payload").hexdigest()
    assert os.path.exists(tf.keras.utils.get_file("data.bin", url + "data.bin", md5_hash=md5))


def test_get_file_errors(server, keras_home):
    _, url, _ = server
    with pytest.raises(ValueError, match='specify the "origin"'):
        tf.keras.utils.get_file("x.bin")
    with pytest.raises(Exception, match="URL fetch failure on .*missing.bin: 404"):
        tf.keras.utils.get_file(origin=url + "missing.bin")
    assert not (keras_home / "datasets" / "missing.bin").exists()
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        tf.keras.utils.get_file(os.path.join("a", "b.bin"), url + "b.bin")


def test_get_file_extracts_tar_and_refuses_path_traversal(server, keras_home):
    root, url, _ = server
    with tarfile.open(root / "pack.tar.gz", "w:gz") as tar:
        data = b"hello"
        info = tarfile.TarInfo("pack/hello.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    out = tf.keras.utils.get_file("pack.tar.gz", url + "pack.tar.gz", extract=True)
    assert out == str(keras_home / "datasets" / "pack_extracted")
    assert open(os.path.join(out, "pack", "hello.txt")).read() == "hello"
    with tarfile.open(root / "evil.tar.gz", "w:gz") as tar:
        info = tarfile.TarInfo("../../escaped.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(ValueError, match="outside"):
        tf.keras.utils.get_file("evil.tar.gz", url + "evil.tar.gz", extract=True)
    assert not (keras_home / "escaped.txt").exists()


def test_mnist_and_boston_housing_load_from_a_mirror(server, keras_home, monkeypatch):
    root, url, _ = server
    rng = np.random.default_rng(0)
    np.savez(root / "mnist.npz", x_train=rng.integers(0, 255, (6, 28, 28), dtype=np.uint8),
             y_train=np.arange(6, dtype=np.uint8),
             x_test=np.zeros((2, 28, 28), np.uint8), y_test=np.array([1, 2], np.uint8))
    np.savez(root / "boston_housing.npz", x=np.arange(40.0).reshape(10, 4), y=np.arange(10.0))
    monkeypatch.setenv("TESSERA_KERAS_DATASETS_ORIGIN", url)
    monkeypatch.setitem(_source.HASHES, "mnist.npz", _sha256(root / "mnist.npz"))
    monkeypatch.setitem(_source.HASHES, "boston_housing.npz",
                        _sha256(root / "boston_housing.npz"))
    (x_train, y_train), (_, y_test) = tf.keras.datasets.mnist.load_data()
    assert x_train.shape == (6, 28, 28) and x_train.dtype == np.uint8
    assert y_train.tolist() == list(range(6)) and y_test.tolist() == [1, 2]
    (xb, yb), (xt, yt) = tf.keras.datasets.boston_housing.load_data()
    assert xb.shape == (8, 4) and xt.shape == (2, 4)
    # Keras's split: np.random.RandomState(113) shuffles the indices.
    order = np.arange(10)
    np.random.RandomState(113).shuffle(order)
    assert yb.tolist() + yt.tolist() == order.astype(float).tolist()
    with pytest.raises(ValueError, match="Invalid `test_split`"):
        tf.keras.datasets.boston_housing.load_data(test_split=1.0)


def test_fashion_mnist_reads_idx_files(server, keras_home, monkeypatch):
    root, url, _ = server

    def idx(name, header: int, payload: bytes) -> None:
        with gzip.open(root / name, "wb") as f:
            f.write(b"\0" * header + payload)

    idx("train-labels-idx1-ubyte.gz", 8, bytes([3, 1]))
    idx("train-images-idx3-ubyte.gz", 16, bytes(2 * 784))
    idx("t10k-labels-idx1-ubyte.gz", 8, bytes([7]))
    idx("t10k-images-idx3-ubyte.gz", 16, bytes([5]) * 784)
    monkeypatch.setenv("TESSERA_KERAS_DATASETS_ORIGIN", url)
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.fashion_mnist.load_data()
    assert x_train.shape == (2, 28, 28) and y_train.tolist() == [3, 1]
    assert x_test.shape == (1, 28, 28) and int(x_test[0, 27, 27]) == 5 and y_test.tolist() == [7]
    assert (keras_home / "datasets" / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").exists()


@pytest.mark.parametrize("name", ["cifar10", "cifar100", "imdb", "reuters"])
def test_pickled_datasets_are_not_read(name):
    with pytest.raises(NotImplementedError, match="pickled"):
        getattr(tf.keras.datasets, name).load_data()
