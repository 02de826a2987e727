"""TFRecord files byte-identical to TensorFlow's (fixtures made by fixtures/make_fixtures.py
with real TensorFlow), CRC32C, compression and corruption handling."""

import os
import zlib
from pathlib import Path

import numpy as np
import pytest

import tessera as tf
from tessera._data.crc32c import crc32c, crc32c_many, mask, masked_crc32c, unmask

FIXTURES = Path(__file__).parent / "fixtures"
RECORDS = [b"", b"a", b"hello world", bytes(range(256)) * 4, b"x" * 5000]


def _slow_crc(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def test_crc32c_known_values_and_paths():
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(b"") == 0
    rng = np.random.default_rng(0)
    for n in (1, 3, 4, 511, 512, 513, 4096, 70001):
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        if n <= 600:
            assert crc32c(data) == _slow_crc(data)
        assert crc32c(data) == crc32c(data[n // 3:], crc32c(data[:n // 3]))
    big = rng.integers(0, 256, 3000, dtype=np.uint8).tobytes()
    assert crc32c(big) == _slow_crc(big)
    recs = [rng.integers(0, 256, int(k), dtype=np.uint8).tobytes()
            for k in rng.integers(0, 300, 200)]
    assert crc32c_many(recs) == [_slow_crc(r) for r in recs]
    assert unmask(mask(0xDEADBEEF)) == 0xDEADBEEF
    assert masked_crc32c(b"x") == mask(crc32c(b"x"))


def test_writer_output_is_byte_identical_to_tensorflow(tmp_path):
    path = tmp_path / "out.tfrecord"
    with tf.io.TFRecordWriter(str(path)) as w:
        for r in RECORDS:
            w.write(r)
    assert path.read_bytes() == (FIXTURES / "records.tfrecord").read_bytes()


def test_reads_tensorflow_files_plain_and_gzip():
    plain = list(tf.data.TFRecordDataset(str(FIXTURES / "records.tfrecord"))
                 .as_numpy_iterator())
    assert plain == RECORDS
    gz = tf.data.TFRecordDataset(str(FIXTURES / "records.gz.tfrecord"), compression_type="GZIP")
    assert list(gz.as_numpy_iterator()) == RECORDS
    ds = tf.data.TFRecordDataset([str(FIXTURES / "records.tfrecord")] * 2, num_parallel_reads=2)
    assert sorted(ds.as_numpy_iterator()) == sorted(RECORDS * 2)
    assert repr(ds) == ("<TFRecordDatasetV2 element_spec=TensorSpec(shape=(), "
                        "dtype=tf.string, name=None)>")


@pytest.mark.parametrize("kind", ["GZIP", "ZLIB"])
def test_compressed_round_trip(tmp_path, kind):
    path = str(tmp_path / "c.tfrecord")
    with tf.io.TFRecordWriter(path, tf.io.TFRecordOptions(compression_type=kind)) as w:
        for r in RECORDS:
            w.write(r)
    raw = Path(path).read_bytes()
    decoded = zlib.decompress(raw, 31 if kind == "GZIP" else 15)
    assert decoded == (FIXTURES / "records.tfrecord").read_bytes()
    got = list(tf.data.TFRecordDataset(path, compression_type=kind).as_numpy_iterator())
    assert got == RECORDS


def test_writer_accepts_string_tensors_and_flushes(tmp_path):
    path = str(tmp_path / "t.tfrecord")
    w = tf.io.TFRecordWriter(path)
    w.write(tf.constant(b"abc"))
    w.flush()
    assert list(tf.data.TFRecordDataset(path).as_numpy_iterator()) == [b"abc"]
    w.close()
    with pytest.raises(TypeError):
        tf.io.TFRecordWriter(str(tmp_path / "u.tfrecord")).write(3)


def _corrupt(tmp_path, name, edit):
    data = bytearray((FIXTURES / "records.tfrecord").read_bytes())
    data = edit(data)
    path = tmp_path / name
    path.write_bytes(bytes(data))
    return str(path)


def _flip(pos):
    def edit(d):
        d[pos] ^= 1
        return d
    return edit


def test_corrupted_data_raises_data_loss(tmp_path):
    # record 0 (empty) spans bytes 0..15; record 1 (b"a") starts at 16, its data at 28
    path = _corrupt(tmp_path, "bad_data.tfrecord", _flip(28))
    it = iter(tf.data.TFRecordDataset(path))
    with pytest.raises(tf.errors.DataLossError, match="^corrupted record at 16$"):
        list(it)


def test_corrupted_length_raises_data_loss(tmp_path):
    path = _corrupt(tmp_path, "bad_len.tfrecord", _flip(2))
    with pytest.raises(tf.errors.DataLossError,
                       match=r"corrupted record at 0 \(Is this even a TFRecord file\?\)"):
        list(tf.data.TFRecordDataset(path))


def test_truncated_file_raises_data_loss(tmp_path):
    size = os.path.getsize(FIXTURES / "records.tfrecord")
    last = size - (12 + 5000 + 4)
    path = _corrupt(tmp_path, "trunc.tfrecord", lambda d: d[:-3])
    got = []
    with pytest.raises(tf.errors.DataLossError,
                       match=f"truncated record at {last}' failed with Read less bytes"):
        for r in tf.data.TFRecordDataset(path).as_numpy_iterator():
            got.append(r)
    assert got == RECORDS[:-1]
    partial_header = _corrupt(tmp_path, "hdr.tfrecord", lambda d: d[:16 + 4])
    assert list(tf.data.TFRecordDataset(partial_header).as_numpy_iterator()) == [b""]


def test_text_and_fixed_length_datasets(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(b"one\r\ntwo\n\nthree")
    assert list(tf.data.TextLineDataset(str(p)).as_numpy_iterator()) == [
        b"one", b"two", b"", b"three"]
    q = tmp_path / "b.bin"
    q.write_bytes(b"HH" + b"abcdefgh" + b"F")
    ds = tf.data.FixedLengthRecordDataset(str(q), 4, header_bytes=2, footer_bytes=1)
    assert list(ds.as_numpy_iterator()) == [b"abcd", b"efgh"]
    files = tf.data.Dataset.from_tensor_slices([str(p), str(p)])
    assert len(list(tf.data.TextLineDataset(files))) == 8


def test_missing_file():
    with pytest.raises(tf.errors.NotFoundError):
        list(tf.data.TFRecordDataset("/nonexistent/x.tfrecord"))


def test_io_file_helpers(tmp_path):
    path = str(tmp_path / "d" / "f.bin")
    tf.io.write_file(path, tf.constant(b"\x00data"))
    assert tf.io.read_file(path).numpy() == b"\x00data"
    g = tf.io.gfile
    assert g.exists(path) and not g.exists(path + "x")
    g.makedirs(str(tmp_path / "e" / "f"))
    with g.GFile(str(tmp_path / "e" / "t.txt"), "w") as f:
        f.write("hi\nthere\n")
    with g.GFile(str(tmp_path / "e" / "t.txt")) as f:
        assert f.readlines() == ["hi\n", "there\n"]
    assert sorted(g.listdir(str(tmp_path / "e"))) == ["f", "t.txt"]
    assert g.glob(str(tmp_path / "e" / "*.txt")) == [str(tmp_path / "e" / "t.txt")]
    g.remove(str(tmp_path / "e" / "t.txt"))
    with pytest.raises(tf.errors.NotFoundError):
        g.remove(str(tmp_path / "e" / "t.txt"))
