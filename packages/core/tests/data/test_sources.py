"""tf.data sources: element specs, reprs and values as TensorFlow gives them."""

import collections

import numpy as np
import pytest

import tessera as tf

D = tf.data.Dataset


def values(ds):
    return [v.tolist() if isinstance(v, np.ndarray) else v for v in ds.as_numpy_iterator()]


def test_from_tensor_slices_nested_spec_and_values():
    ds = D.from_tensor_slices(({"a": [1, 2, 3]}, [4.0, 5.0, 6.0]))
    assert repr(ds.element_spec) == (
        "({'a': TensorSpec(shape=(), dtype=tf.int32, name=None)}, "
        "TensorSpec(shape=(), dtype=tf.float32, name=None))")
    feat, label = next(iter(ds))
    assert str(feat["a"]) == "tf.Tensor(1, shape=(), dtype=int32)"
    assert str(label) == "tf.Tensor(4.0, shape=(), dtype=float32)"
    assert len(ds) == 3


def test_reprs_match_tensorflow():
    r = D.range(10)
    assert repr(r) == "<_RangeDataset element_spec=TensorSpec(shape=(), dtype=tf.int64, name=None)>"
    assert repr(D.from_tensors([1, 2])) == (
        "<_TensorDataset element_spec=TensorSpec(shape=(2,), dtype=tf.int32, name=None)>")
    assert repr(r.window(3).element_spec) == (
        "DatasetSpec(TensorSpec(shape=(), dtype=tf.int64, name=None), TensorShape([]))")
    assert repr(r.enumerate()).startswith("<_ZipDataset element_spec=(")
    assert repr(r.cache()).startswith("<CacheDataset ")


def test_from_tensor_slices_numpy_strings_and_mismatch():
    assert repr(D.from_tensor_slices(np.array([1.0])).element_spec) == (
        "TensorSpec(shape=(), dtype=tf.float64, name=None)")
    assert values(D.from_tensor_slices(["a", "b"])) == [b"a", b"b"]
    assert repr(D.from_tensor_slices([[1, 2], [3, 4]]).element_spec) == (
        "TensorSpec(shape=(2,), dtype=tf.int32, name=None)")
    with pytest.raises(ValueError, match="Dimensions 2 and 3 are not compatible"):
        D.from_tensor_slices(([1, 2], [1, 2, 3]))
    with pytest.raises(ValueError, match="rank >= 1"):
        D.from_tensor_slices(3)


def test_namedtuple_and_ordered_dict_structures():
    Point = collections.namedtuple("Point", "x y")
    ds = D.from_tensor_slices(Point([1, 2], [3, 4]))
    p = next(iter(ds))
    assert isinstance(p, Point) and int(p.y) == 3
    od = D.from_tensor_slices(collections.OrderedDict([("b", [1]), ("a", [2.0])]))
    assert list(od.element_spec) == ["b", "a"]


def test_range_forms():
    assert values(D.range(5, 0, -2)) == [5, 3, 1]
    assert D.range(5, 0, -2).cardinality().numpy() == 3
    assert values(D.range(2, 5)) == [2, 3, 4]
    assert D.range(3, dtype=tf.int32).element_spec.dtype == tf.int32
    assert values(D.counter(3).take(3)) == [3, 4, 5]
    assert D.counter().cardinality().numpy() == tf.data.INFINITE_CARDINALITY


def test_from_generator_signature_and_legacy():
    def gen():
        yield 1
        yield 2

    ds = D.from_generator(gen, output_signature=tf.TensorSpec((), tf.int32))
    assert values(ds) == [1, 2] and values(ds) == [1, 2]  # re-iterable
    assert repr(ds).startswith("<_FlatMapDataset")
    legacy = D.from_generator(lambda: iter([1.5]), output_types=tf.float32)
    assert repr(legacy.element_spec) == "TensorSpec(shape=<unknown>, dtype=tf.float32, name=None)"
    args = D.from_generator(lambda a: iter([a, a + 1]), output_types=tf.int64, output_shapes=(),
                            args=(3,))
    assert values(args) == [3, 4]
    tup = D.from_generator(lambda: iter([(1, "a")]),
                           output_signature=(tf.TensorSpec((), tf.int64),
                                             tf.TensorSpec((), tf.string)))
    assert values(tup) == [(1, b"a")]


def test_from_generator_shape_error():
    ds = D.from_generator(lambda: iter([1, np.array([1, 2])]),
                          output_signature=tf.TensorSpec((), tf.int32))
    it = iter(ds)
    assert int(next(it)) == 1
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"yielded an element of shape \(2,\) where an element of shape "
                             r"\(\) was expected"):
        next(it)


def test_zip_concatenate():
    z = D.zip((D.range(3), D.range(3, 6)))
    assert values(z) == [(0, 3), (1, 4), (2, 5)]
    assert D.zip(D.range(2), D.range(5)).cardinality().numpy() == 2
    d = D.zip({"a": D.range(2), "b": D.range(2)})
    assert values(d) == [{"a": 0, "b": 0}, {"a": 1, "b": 1}]
    c = D.range(2).concatenate(D.range(5, 7))
    assert values(c) == [0, 1, 5, 6] and len(c) == 4
    with pytest.raises(TypeError):
        D.range(2).concatenate(D.from_tensor_slices([1.0]))


def test_list_files(tmp_path):
    for n in "cab":
        (tmp_path / f"{n}.txt").write_text(n)
    ds = D.list_files(str(tmp_path / "*.txt"), shuffle=False)
    assert [p.decode()[-5:] for p in ds.as_numpy_iterator()] == ["a.txt", "b.txt", "c.txt"]
    s1 = sorted(D.list_files(str(tmp_path / "*.txt"), seed=3).as_numpy_iterator())
    assert len(s1) == 3
    with pytest.raises(tf.errors.InvalidArgumentError, match="No files matched pattern"):
        D.list_files(str(tmp_path / "*.nope"))


def test_iterator_protocol_and_errors():
    it = iter(D.range(1))
    assert int(it.get_next()) == 0
    with pytest.raises(tf.errors.OutOfRangeError, match="End of sequence"):
        it.get_next()
    opt = iter(D.range(1)).get_next_as_optional()
    assert bool(opt.has_value()) and int(opt.get_value()) == 0
    assert repr(it.element_spec) == "TensorSpec(shape=(), dtype=tf.int64, name=None)"


def test_len_and_cardinality_constants():
    assert (tf.data.AUTOTUNE, tf.data.INFINITE_CARDINALITY, tf.data.UNKNOWN_CARDINALITY) == (
        -1, -1, -2)
    assert tf.data.experimental.AUTOTUNE == -1
    with pytest.raises(TypeError, match="The dataset is infinite."):
        len(D.range(3).repeat())
    with pytest.raises(TypeError, match="The dataset length is unknown."):
        len(D.range(3).filter(lambda x: True))
    assert tf.data.experimental.cardinality(D.range(7).batch(2)).numpy() == 4


def test_sparse_slices_and_batch():
    st = tf.sparse.SparseTensor([[0, 0], [1, 2]], [1, 2], [2, 3])
    assert repr(D.from_tensor_slices(st).element_spec) == (
        "SparseTensorSpec(TensorShape([3]), tf.int32)")
    b = D.from_tensor_slices(st).batch(2)
    assert repr(b.element_spec) == "SparseTensorSpec(TensorShape([None, 3]), tf.int32)"
    out = next(iter(b))
    assert tf.sparse.to_dense(out).numpy().tolist() == [[1, 0, 0], [0, 0, 2]]
    assert str(st) == (
        "SparseTensor(indices=tf.Tensor(\n[[0 0]\n [1 2]], shape=(2, 2), dtype=int64), "
        "values=tf.Tensor([1 2], shape=(2,), dtype=int32), "
        "dense_shape=tf.Tensor([2 3], shape=(2,), dtype=int64))")


def test_sample_and_choose():
    s = D.sample_from_datasets([D.range(5), D.range(10, 15)], seed=1)
    assert sorted(values(s)) == [0, 1, 2, 3, 4, 10, 11, 12, 13, 14]
    c = D.choose_from_datasets([D.from_tensors("a").repeat(), D.from_tensors("b").repeat()],
                               D.range(3).map(lambda x: x % 2).repeat(2))
    assert values(c) == [b"a", b"b", b"a", b"a", b"b", b"a"]
