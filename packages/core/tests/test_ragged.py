"""tf.RaggedTensor and tf.ragged, checked against TensorFlow 2.21's values and printed output."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tessera as tf
from tessera import errors
from tessera import ragged as tf_ragged
from tessera._framework.ragged import RaggedTensor

RT = RaggedTensor


def test_exported():
    assert tf.RaggedTensor is RaggedTensor
    assert tf_ragged.constant is not None
    assert {"constant", "range", "row_splits_to_segment_ids", "segment_ids_to_row_splits",
            "map_flat_values"} <= set(tf_ragged.__all__)


def test_constant_strings_print_as_tf():
    rt = tf_ragged.constant([["a", "b"], ["c"]])
    assert repr(rt) == "<tf.RaggedTensor [[b'a', b'b'], [b'c']]>"
    assert str(rt) == repr(rt)
    assert rt.shape.as_list() == [2, None]
    assert rt.dtype is tf.string
    assert rt.ragged_rank == 1
    assert rt.row_splits.dtype is tf.int64
    np.testing.assert_array_equal(rt.row_splits.numpy(), [0, 2, 3])
    assert rt.values.numpy().tolist() == [b"a", b"b", b"c"]


def test_constant_ints_and_accessors():
    r = tf_ragged.constant([[1, 2], [3], []])
    assert repr(r) == "<tf.RaggedTensor [[1, 2], [3], []]>"
    assert r.dtype is tf.int32
    dense = r.to_tensor()
    assert str(dense) == ("tf.Tensor(\n[[1 2]\n [3 0]\n [0 0]], shape=(3, 2), dtype=int32)")
    assert r.to_tensor(-1).numpy().tolist() == [[1, 2], [3, -1], [-1, -1]]
    assert r[0].numpy().tolist() == [1, 2]
    assert r[2].shape.as_list() == [0] and r[-1].dtype is tf.int32
    assert r.to_list() == [[1, 2], [3], []]
    np.testing.assert_array_equal(r.row_lengths().numpy(), [2, 1, 0])
    assert r.row_lengths().dtype is tf.int64
    assert int(r.nrows()) == 3
    assert r.value_rowids().numpy().tolist() == [0, 0, 1]
    assert r.bounding_shape().numpy().tolist() == [3, 2]
    assert r.row_starts().numpy().tolist() == [0, 2, 3]
    assert r.row_limits().numpy().tolist() == [2, 3, 3]
    assert repr(r[1:]) == "<tf.RaggedTensor [[3], []]>"
    assert repr(r[::2]) == "<tf.RaggedTensor [[1, 2], []]>"
    assert int(r[0, 1]) == 2
    assert [row.numpy().tolist() for row in r] == [[1, 2], [3], []]
    with pytest.raises(TypeError, match="has no len"):
        len(r)
    with pytest.raises(ValueError, match="Cannot index into an inner ragged dimension."):
        r[:, 0]


def test_numpy_like_tf():
    r = tf_ragged.constant([[1, 2], [3], []])
    n = r.numpy()
    assert n.dtype == object and [a.tolist() for a in n] == [[1, 2], [3], []]
    uniform = tf_ragged.constant([[1, 2], [3, 4]]).numpy()
    assert uniform.dtype == np.int32 and uniform.shape == (2, 2)


def test_nested():
    r3 = tf_ragged.constant([[[1], [2, 3]], [[3]]])
    assert repr(r3) == "<tf.RaggedTensor [[[1], [2, 3]], [[3]]]>"
    assert r3.shape.as_list() == [2, None, None]
    assert r3.ragged_rank == 2
    assert r3.flat_values.numpy().tolist() == [1, 2, 3, 3]
    assert [s.numpy().tolist() for s in r3.nested_row_splits] == [[0, 2, 3], [0, 1, 3, 4]]
    assert r3.to_tensor().numpy().tolist() == [[[1, 0], [2, 3]], [[3, 0], [0, 0]]]
    assert r3.to_tensor(default_value=9, shape=[2, 3, 1]).numpy().tolist() == \
        [[[1], [2], [9]], [[3], [9], [9]]]
    assert repr(r3.row_lengths(axis=2)) == "<tf.RaggedTensor [[1, 2], [1]]>"
    assert r3.to_list() == [[[1], [2, 3]], [[3]]]


def test_uniform_inner_dims():
    r4 = tf_ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], ragged_rank=1)
    assert repr(r4) == "<tf.RaggedTensor [[[1, 2],\n  [3, 4]], [[5, 6]]]>"
    assert r4.shape.as_list() == [2, None, 2]
    assert r4.values.shape.as_list() == [3, 2]
    r5 = tf_ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], inner_shape=(2,))
    assert r5.shape.as_list() == [2, None, 2]


def test_constant_edge_cases():
    assert repr(tf_ragged.constant([[1.5, 2], [3]])) == "<tf.RaggedTensor [[1.5, 2.0], [3.0]]>"
    empty = tf_ragged.constant([])
    assert isinstance(empty, tf.Tensor) and empty.dtype is tf.float32 and empty.shape == (0,)
    flat = tf_ragged.constant([1, 2])
    assert isinstance(flat, tf.Tensor) and flat.numpy().tolist() == [1, 2]
    assert repr(tf_ragged.constant([[1, 2], [3]], dtype=tf.float64)) == \
        "<tf.RaggedTensor [[1.0, 2.0], [3.0]]>"
    assert repr(tf_ragged.constant([[]])) == "<tf.RaggedTensor [[]]>"
    assert tf_ragged.constant([[], []]).shape.as_list() == [2, None]
    assert tf_ragged.constant([[1, 2], [3]], row_splits_dtype=tf.int32).row_splits.dtype \
        is tf.int32
    with pytest.raises(ValueError, match="all scalar values must have the same nesting depth"):
        tf_ragged.constant([[1, [2]], [3]])
    assert tf_ragged.constant([[1.5, 2.25], [3.0]]).to_list() == [[1.5, 2.25], [3.0]]


def test_factories():
    assert repr(RT.from_row_splits([1, 2, 3], [0, 2, 3])) == "<tf.RaggedTensor [[1, 2], [3]]>"
    assert repr(RT.from_row_lengths([1, 2, 3], [2, 1])) == "<tf.RaggedTensor [[1, 2], [3]]>"
    assert repr(RT.from_value_rowids([1, 2, 3], [0, 0, 2])) == \
        "<tf.RaggedTensor [[1, 2], [], [3]]>"
    assert repr(RT.from_value_rowids([1, 2, 3], [0, 0, 2], nrows=4)) == \
        "<tf.RaggedTensor [[1, 2], [], [3], []]>"
    assert repr(RT.from_row_starts([1, 2, 3], [0, 2])) == "<tf.RaggedTensor [[1, 2], [3]]>"
    assert repr(RT.from_row_limits([1, 2, 3], [2, 3])) == "<tf.RaggedTensor [[1, 2], [3]]>"
    assert repr(RT.from_tensor([[1, 2, 0], [3, 0, 0]])) == \
        "<tf.RaggedTensor [[1, 2, 0],\n [3, 0, 0]]>"
    assert repr(RT.from_tensor([[1, 2, 0], [3, 0, 0]], padding=0)) == \
        "<tf.RaggedTensor [[1, 2], [3]]>"
    assert repr(RT.from_tensor([[1, 2, 0], [3, 0, 0]], lengths=[1, 2])) == \
        "<tf.RaggedTensor [[1], [3, 0]]>"
    assert repr(RT.from_nested_row_splits([1, 2, 3, 4], [[0, 2, 3], [0, 1, 3, 4]])) == \
        "<tf.RaggedTensor [[[1], [2, 3]], [[4]]]>"
    u = RT.from_uniform_row_length(tf_ragged.constant([[1], [2, 3], [4], [5]]), 2)
    assert repr(u) == "<tf.RaggedTensor [[[1], [2, 3]],\n [[4], [5]]]>"
    assert u.shape.as_list() == [2, 2, None]
    assert RT.from_tensor([[[1], [2]], [[3], [4]]], ragged_rank=2).to_list() == \
        [[[1], [2]], [[3], [4]]]
    with pytest.raises(ValueError, match="constructor is private"):
        RT(1, 2)


def test_validation_messages():
    with pytest.raises(errors.InvalidArgumentError) as e:
        RT.from_row_splits([1, 2, 3], [0, 2, 4])
    assert str(e.value) == ("Arguments to _from_row_partition do not form a valid RaggedTensor\n"
                            "Condition x == y did not hold.\nFirst 1 elements of x:\n[4]\n"
                            "First 1 elements of y:\n[3]")
    with pytest.raises(errors.InvalidArgumentError) as e:
        RT.from_row_splits([1, 2, 3], [1, 2, 3])
    assert str(e.value) == ("Arguments to from_row_splits do not form a valid RaggedTensor:zero\n"
                            "Condition x == y did not hold.\nFirst 1 elements of x:\n[1]\n"
                            "First 1 elements of y:\n[0]")
    with pytest.raises(errors.InvalidArgumentError):
        RT.from_row_lengths([1, 2, 3], [2, 2])


def test_arithmetic_and_map_flat_values():
    r = tf_ragged.constant([[1, 2], [3], []])
    assert repr(r + 1) == "<tf.RaggedTensor [[2, 3], [4], []]>"
    assert repr(r * 2 + r) == "<tf.RaggedTensor [[3, 6], [9], []]>"
    assert repr(tf_ragged.map_flat_values(tf.math.multiply, r, 2)) == \
        "<tf.RaggedTensor [[2, 4], [6], []]>"
    assert repr(r.with_values(tf.constant([7, 8, 9]))) == "<tf.RaggedTensor [[7, 8], [9], []]>"


def test_range_and_segment_ids():
    assert repr(tf_ragged.range([3, 5], [5, 8])) == "<tf.RaggedTensor [[3, 4], [5, 6, 7]]>"
    assert repr(tf_ragged.range(4)) == "<tf.RaggedTensor [[0, 1, 2, 3]]>"
    assert repr(tf_ragged.range([0, 1.5], 3.0, 0.5)) == \
        "<tf.RaggedTensor [[0.0, 0.5, 1.0, 1.5, 2.0, 2.5], [1.5, 2.0, 2.5]]>"
    ids = tf_ragged.row_splits_to_segment_ids([0, 2, 2, 5])
    assert ids.dtype is tf.int64 and ids.numpy().tolist() == [0, 0, 2, 2, 2]
    splits = tf_ragged.segment_ids_to_row_splits([0, 0, 2], num_segments=4)
    assert splits.dtype is tf.int64 and splits.numpy().tolist() == [0, 2, 2, 3, 3]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(-100, 100), max_size=5), max_size=6))
def test_round_trips(rows):
    r = RT.from_row_lengths(np.array([v for row in rows for v in row], np.int32),
                            [len(row) for row in rows])
    assert r.to_list() == rows
    assert tf_ragged.constant(rows, dtype=tf.int32).to_list() == rows if rows else True
    dense = r.to_tensor(default_value=-1).numpy()
    width = max((len(row) for row in rows), default=0)
    assert dense.shape == (len(rows), width)
    for i, row in enumerate(rows):
        assert dense[i, :len(row)].tolist() == row
        assert (dense[i, len(row):] == -1).all()
    back = RT.from_tensor(dense, lengths=[len(row) for row in rows])
    assert back.to_list() == rows
