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
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
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


def _cifar_archive(root, name: str, folder: str, files: dict) -> str:
    """A CIFAR binary archive: per file, records of label bytes then a 3x32x32 image."""
    path = root / name
    with tarfile.open(path, "w:gz") as tar:
        for file_name, payload in files.items():
            info = tarfile.TarInfo(f"{folder}/{file_name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return hashlib.md5(path.read_bytes()).hexdigest()


def _image(seed: int) -> np.ndarray:
    """A channels-last image whose three channels differ, to catch a wrong transpose."""
    return ((np.arange(32 * 32 * 3).reshape(32, 32, 3) * (seed + 1) + seed) % 256).astype("uint8")


def _record(labels: list[int], image: np.ndarray) -> bytes:
    return bytes(labels) + image.transpose(2, 0, 1).tobytes()  # stored channels-first


def test_cifar10_reads_the_binary_archive(server, keras_home, monkeypatch):
    root, url, hits = server
    files = {f"data_batch_{i}.bin": _record([i], _image(i)) + _record([9 - i], _image(10 + i))
             for i in range(1, 6)}
    files["test_batch.bin"] = _record([3], _image(0))
    files["batches.meta.txt"] = b"airplane\n"
    md5 = _cifar_archive(root, "cifar-10-binary.tar.gz", "cifar-10-batches-bin", files)
    monkeypatch.setenv("TESSERA_KERAS_DATASETS_ORIGIN", url)
    monkeypatch.setitem(_source.HASHES, "cifar-10-binary.tar.gz", md5)
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (10, 1) and y_train.dtype == np.uint8
    assert y_train[:, 0].tolist() == [1, 8, 2, 7, 3, 6, 4, 5, 5, 4]
    np.testing.assert_array_equal(x_train[2], _image(2))
    np.testing.assert_array_equal(x_train[9], _image(15))
    np.testing.assert_array_equal(x_test, _image(0)[None])
    assert y_test.tolist() == [[3]]
    assert (keras_home / "datasets" / "cifar-10-binary_extracted").is_dir()
    tf.keras.datasets.cifar10.load_data()  # a cache hit
    assert hits == ["/cifar-10-binary.tar.gz"]


def test_cifar100_labels_and_damaged_files(server, keras_home, monkeypatch):
    root, url, _ = server
    files = {"train.bin": _record([4, 40], _image(1)) + _record([7, 71], _image(2)),
             "test.bin": _record([19, 99], _image(3))}
    md5 = _cifar_archive(root, "cifar-100-binary.tar.gz", "cifar-100-binary", files)
    monkeypatch.setenv("TESSERA_KERAS_DATASETS_ORIGIN", url)
    monkeypatch.setitem(_source.HASHES, "cifar-100-binary.tar.gz", md5)
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.cifar100.load_data()
    assert x_train.shape == (2, 32, 32, 3) and x_test.shape == (1, 32, 32, 3)
    assert y_train.tolist() == [[40], [71]] and y_train.dtype == np.int64
    assert y_test.tolist() == [[99]]
    np.testing.assert_array_equal(x_train[1], _image(2))
    (_, coarse), (_, coarse_test) = tf.keras.datasets.cifar100.load_data(label_mode="coarse")
    assert coarse.tolist() == [[4], [7]] and coarse_test.tolist() == [[19]]
    with pytest.raises(ValueError, match='`label_mode` must be one of `"fine"`, `"coarse"`'):
        tf.keras.datasets.cifar100.load_data(label_mode="medium")
    train = keras_home / "datasets" / "cifar-100-binary_extracted" / "cifar-100-binary" / \
        "train.bin"
    train.write_bytes(train.read_bytes()[:-5])
    with pytest.raises(ValueError, match="not a whole number of 3074-byte CIFAR records"):
        tf.keras.datasets.cifar100.load_data()


def test_cifar10_checksum_mismatch_keeps_nothing(server, keras_home, monkeypatch):
    root, url, _ = server
    _cifar_archive(root, "cifar-10-binary.tar.gz", "cifar-10-batches-bin", {"x.bin": b""})
    monkeypatch.setenv("TESSERA_KERAS_DATASETS_ORIGIN", url)
    with pytest.raises(ValueError, match="Incomplete or corrupted file"):
        tf.keras.datasets.cifar10.load_data()  # the real archive's md5 does not match
    assert not list((keras_home / "datasets").iterdir())


@pytest.mark.parametrize("name", ["imdb", "reuters"])
def test_pickled_datasets_are_not_read(name):
    with pytest.raises(NotImplementedError, match="pickled"):
        getattr(tf.keras.datasets, name).load_data()
