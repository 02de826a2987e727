"""tf.train.Example protos (wire-compatible with TensorFlow's; fixtures from real TF) and
tf.io.parse_single_example / parse_example / serialize_tensor."""

from pathlib import Path

import numpy as np
import pytest

import tessera as tf
from tessera._data import example_proto as pb

FIXTURES = Path(__file__).parent / "fixtures"


def feature(kind, values):
    if kind == "int64":
        return pb.Feature(int64_list=pb.Int64List(value=values))
    if kind == "float":
        return pb.Feature(float_list=pb.FloatList(value=values))
    return pb.Feature(bytes_list=pb.BytesList(value=values))


EXAMPLES = {
    "int64": {"label": ("int64", [1, -2, 300, 2**40])},
    "float": {"x": ("float", [1.5, 0.1, -3e10])},
    "bytes": {"name": ("bytes", [b"hi", b"\xff\x00q"])},
    "empty_list": {"e": ("int64", [])},
    "mixed": {"label": ("int64", [7]), "x": ("float", [0.5, 2.0]),
              "name": ("bytes", [b"cat"]), "ids": ("int64", [3, 1, 4, 1, 5])},
}


def make(feats):
    return pb.Example(features=pb.Features(feature={k: feature(*v) for k, v in feats.items()}))


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_serialization_matches_tensorflow_bytes(name):
    want = (FIXTURES / f"example_{name}.pb").read_bytes()
    ex = make(EXAMPLES[name])
    assert ex.SerializeToString() == want
    assert ex.SerializeToString(deterministic=True) == want
    back = pb.Example.FromString(want)
    assert back == ex and back.SerializeToString() == want


def test_message_api():
    f = pb.Feature()
    assert f.WhichOneof("kind") is None and not f.HasField("int64_list")
    f.int64_list.value.append(3)
    assert f.WhichOneof("kind") == "int64_list"
    f.float_list.value.append(2.0)  # switching the oneof
    assert f.WhichOneof("kind") == "float_list" and not f.HasField("int64_list")
    ex = pb.Example()
    _ = ex.features
    assert not ex.HasField("features") and ex.SerializeToString() == b""
    _ = ex.features.feature["k"]
    assert ex.SerializeToString() == b"\n\x07\n\x05\n\x01k\x12\x00"
    ex.features.feature["x"].float_list.value.extend(np.array([0.1], np.float32))
    assert ex.features.feature["x"].float_list.value[0] == pytest.approx(0.1)
    assert list(ex.features.feature) == ["k", "x"]
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        pb.Int64List(value=[1.5])
    with pytest.raises(TypeError, match="expected bytes, str found"):
        pb.BytesList(value=["a"])
    with pytest.raises(ValueError, match='has no "foo" field'):
        pb.Feature(foo=1)
    with pytest.raises(AttributeError, match="Assignment not allowed to message field"):
        ex.features = pb.Features()
    copy = pb.Example()
    copy.CopyFrom(ex)
    assert copy == ex and copy is not ex


def test_text_format_matches_tensorflow():
    f = pb.Feature(float_list=pb.FloatList(value=[1.5, 0.1, -3e10]))
    assert str(f) == "float_list {\n  value: 1.5\n  value: 0.1\n  value: -3e+10\n}\n"
    assert str(pb.FloatList(value=[123456789.0, 3.0, -0.0])) == (
        "value: 123456792\nvalue: 3\nvalue: -0\n")
    assert str(pb.BytesList(value=[b'\xff\x00q"'])) == 'value: "\\377\\000q\\""\n'
    se = pb.SequenceExample(
        context=pb.Features(feature={"a": feature("int64", [1])}),
        feature_lists=pb.FeatureLists(feature_list={"s": pb.FeatureList(
            feature=[feature("int64", [1, 2]), feature("int64", [3])])}))
    assert se.SerializeToString().hex() == (
        "0a0c0a0a0a016112051a030a010112160a140a0173120f0a061a040a0201020a051a030a0103")
    assert pb.SequenceExample.FromString(se.SerializeToString()) == se


SPEC = {"a": tf.io.FixedLenFeature([2], tf.int64), "b": tf.io.FixedLenFeature([], tf.float32),
        "c": tf.io.VarLenFeature(tf.string), "d": tf.io.FixedLenFeature([2, 2], tf.int64),
        "e": tf.io.FixedLenFeature([], tf.int64, default_value=7),
        "f": tf.io.VarLenFeature(tf.float32),
        "g": tf.io.FixedLenSequenceFeature([2], tf.int64, allow_missing=True)}


def ser(**feats):
    out = {}
    for k, v in feats.items():
        kind = "bytes" if isinstance(v[0], bytes) else "float" if isinstance(v[0], float) \
            else "int64"
        out[k] = (kind, v)
    return make(out).SerializeToString()


S1 = ser(a=[1, 2], b=[1.5], c=[b"x", b"yy"], d=[3, 4, 5, 6])
S2 = ser(a=[5, 6], b=[2.5], c=[b"z"], d=[1, 1, 1, 1], g=[1, 2, 3, 4])


def test_parse_single_example():
    out = tf.io.parse_single_example(S1, SPEC)
    assert str(out["a"]) == "tf.Tensor([1 2], shape=(2,), dtype=int64)"
    assert str(out["b"]) == "tf.Tensor(1.5, shape=(), dtype=float32)"
    assert str(out["c"]) == (
        "SparseTensor(indices=tf.Tensor(\n[[0]\n [1]], shape=(2, 1), dtype=int64), "
        "values=tf.Tensor([b'x' b'yy'], shape=(2,), dtype=string), "
        "dense_shape=tf.Tensor([2], shape=(1,), dtype=int64))")
    assert out["d"].numpy().tolist() == [[3, 4], [5, 6]]
    assert str(out["e"]) == "tf.Tensor(7, shape=(), dtype=int64)"
    assert str(out["g"]) == "tf.Tensor([], shape=(0, 2), dtype=int64)"
    assert list(out) == ["c", "f", "a", "b", "d", "e", "g"]  # sparse keys first, as TF


def test_parse_example_batch():
    out = tf.io.parse_example([S1, S2], SPEC)
    assert out["a"].numpy().tolist() == [[1, 2], [5, 6]]
    assert out["c"].indices.numpy().tolist() == [[0, 0], [0, 1], [1, 0]]
    assert out["c"].dense_shape.numpy().tolist() == [2, 2]
    assert out["e"].numpy().tolist() == [7, 7]
    assert out["g"].numpy().tolist() == [[[0, 0], [0, 0]], [[1, 2], [3, 4]]]
    assert out["f"].dense_shape.numpy().tolist() == [2, 0]


def test_parse_errors():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"^Feature: zz \(data type: int64\) is required but could not be "
                             r"found.$"):
        tf.io.parse_single_example(S1, {"zz": tf.io.FixedLenFeature([], tf.int64)})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Name: <unknown>, Feature: zz"):
        tf.io.parse_example([S1], {"zz": tf.io.FixedLenFeature([], tf.int64)})
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Key: a.  Can't parse serialized Example"):
        tf.io.parse_single_example(S1, {"a": tf.io.FixedLenFeature([3], tf.int64)})
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Data type: int64 but expected type: float"):
        tf.io.parse_single_example(S1, {"a": tf.io.FixedLenFeature([2], tf.float32)})
    assert repr(tf.io.FixedLenFeature([2], tf.int64)) == (
        "FixedLenFeature(shape=[2], dtype=tf.int64, default_value=None)")
    assert repr(tf.io.VarLenFeature(tf.string)) == "VarLenFeature(dtype=tf.string)"


def test_parse_in_a_pipeline_from_tfrecords(tmp_path):
    path = str(tmp_path / "ex.tfrecord")
    with tf.io.TFRecordWriter(path) as w:
        w.write(S1)
        w.write(S2)
    ds = tf.data.TFRecordDataset(path).map(lambda x: tf.io.parse_single_example(x, SPEC))
    assert repr(ds.element_spec) == (
        "{'c': SparseTensorSpec(TensorShape([None]), tf.string), "
        "'f': SparseTensorSpec(TensorShape([None]), tf.float32), "
        "'a': TensorSpec(shape=(2,), dtype=tf.int64, name=None), "
        "'b': TensorSpec(shape=(), dtype=tf.float32, name=None), "
        "'d': TensorSpec(shape=(2, 2), dtype=tf.int64, name=None), "
        "'e': TensorSpec(shape=(), dtype=tf.int64, name=None), "
        "'g': TensorSpec(shape=(None, 2), dtype=tf.int64, name=None)}")
    rows = list(ds)
    assert [r["a"].numpy().tolist() for r in rows] == [[1, 2], [5, 6]]
    batched = tf.data.TFRecordDataset(path).batch(2).map(lambda x: tf.io.parse_example(x, SPEC))
    assert next(iter(batched))["b"].numpy().tolist() == [1.5, 2.5]


@pytest.mark.parametrize("name,tensor", [
    ("f32", lambda: tf.constant([1.5, 2.0])), ("i32_scalar", lambda: tf.constant(3)),
    ("str", lambda: tf.constant([b"ab", b"c"])),
    ("i64_2d", lambda: tf.constant([[1, 2], [3, 4]], tf.int64))])
def test_serialize_tensor_matches_tensorflow(name, tensor):
    t = tensor()
    want = (FIXTURES / f"tensor_{name}.pb").read_bytes()
    assert tf.io.serialize_tensor(t).numpy() == want
    back = tf.io.parse_tensor(want, t.dtype)
    assert back.numpy().tolist() == t.numpy().tolist() and back.shape == t.shape
    with pytest.raises(tf.errors.InvalidArgumentError, match="Type mismatch"):
        tf.io.parse_tensor(want, tf.float64)
