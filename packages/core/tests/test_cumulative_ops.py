"""Hand-written tests of the public tf.math scan, segment, top-k and statistics functions (cumulative_ops): values, dtypes, shapes,
error classes and messages and gradients, verified against TensorFlow 2.21 and hard-coded
here (TensorFlow is never imported by the tests)."""

from __future__ import annotations

import builtins
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tessera as tf
from tessera import errors

_NAN, _INF = float("nan"), float("inf")


def _decode(text: str):
    return eval(text, {"nan": _NAN, "inf": _INF})


def _tol(dtype: str) -> dict:
    if dtype in ("float16", "bfloat16"):
        return {"rtol": 2e-3, "atol": 1e-3}
    if dtype in ("float32", "complex64"):
        return {"rtol": 2e-6, "atol": 1e-6}
    return {"rtol": 1e-9, "atol": 1e-12}


def _check_tensor(t, dtype, shape, value) -> None:
    assert t.dtype.name == dtype
    assert list(t.shape) == shape
    got = np.asarray(t.numpy())
    want = np.asarray(_decode(value)).reshape(shape)
    if got.dtype.kind in "fc":
        np.testing.assert_allclose(got.astype(np.complex128 if got.dtype.kind == "c" else float),
                                   want, **_tol(dtype))
    else:
        np.testing.assert_array_equal(got, want)


def _run_case(expr, kind, expected) -> None:
    env = {"tf": tf}
    if kind.endswith("Error") and isinstance(expected, str):
        cls = getattr(errors, kind, None) or getattr(builtins, kind)
        with pytest.raises(cls) as info:
            eval(expr, env)
        assert str(info.value).startswith(expected), str(info.value)
        return
    out = eval(expr, env)
    if kind in ("list", "TopKV2", "ApproxTopK"):
        items = list(out)
        assert len(items) == len(expected)
        if kind != "list":
            assert type(out).__name__ == kind
            assert out.values is items[0] and out.indices is items[1]
        for t, (dtype, shape, value) in zip(items, expected):
            _check_tensor(t, dtype, shape, value)
        return
    shape, value = expected
    _check_tensor(out, kind, shape, value)


def _grad_case(expr, expected) -> None:
    n = len(expected)
    xs = [tf.constant(np.asarray(v, np.float64)) for v in GRAD_INPUTS[expr]]
    with tf.GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        y = eval(expr, {"tf": tf, **dict(zip("abc", xs))})
    grads = tape.gradient(y, xs)
    assert len(grads) == n
    for g, want in zip(grads, expected):
        if want is None:
            assert g is None
        else:
            np.testing.assert_allclose(g.numpy(), np.asarray(want, np.float64), rtol=1e-6,
                                       atol=1e-9)


# (expression, result dtype | error class | "list" | "TopKV2", expected) from TensorFlow 2.21
CASES = [
    ('tf.math.cumsum([1, 2, 3])', 'int32', ([3], '[1, 3, 6]')),
    ('tf.cumsum([[1, 2, 3], [4, 5, 6]], axis=1, exclusive=True, reverse=True)', 'int32', ([2, 3], '[[5, 3, 0], [11, 6, 0]]')),
    ('tf.math.cumsum([True, False])', 'InvalidArgumentError', "Value for attr 'T' of bool is not in the list of allowed val"),
    ('tf.math.cumsum([1, 2, 3], axis=1)', 'InvalidArgumentError', 'ScanOp: Expected scan axis in the range [-1, 1), but got 1 ['),
    ('tf.math.cumsum([1, 2, 3], axis=-2)', 'InvalidArgumentError', 'ScanOp: Expected scan axis in the range [-1, 1), but got -1 '),
    ('tf.math.cumsum(tf.constant(3.0))', 'InvalidArgumentError', 'ScanOp: Expected scan axis in the range [0, 0), but got 0 [O'),
    ('tf.math.cumsum([1, 2, 3], axis=tf.constant([0]))', 'InvalidArgumentError', 'ScanOp: axis must be a scalar, not [1] [Op:Cumsum] name: '),
    ('tf.math.cumsum([1.0, 2.0], axis=tf.constant(0, tf.int64))', 'float32', ([2], '[1.0, 3.0]')),
    ('tf.math.cumsum([1, 2, 3], axis=0.5)', 'TypeError', 'Cannot convert 0.5 to EagerTensor of dtype int32'),
    ('tf.math.cumprod([1.0, 2.0, 3.0], exclusive=True)', 'float32', ([3], '[1.0, 1.0, 2.0]')),
    ('tf.math.cumprod(tf.constant([1, 2, 3], tf.uint8))', 'uint8', ([3], '[1, 2, 6]')),
    ('tf.math.cumprod(tf.constant([1+1j, 2j]))', 'complex128', ([2], '[(1+1j), (-2+2j)]')),
    ('tf.math.cumulative_logsumexp([1.0, 2.0, 3.0], exclusive=True, reverse=True)', 'float32', ([3], '[3.3132617473602295, 3.0, -inf]')),
    ('tf.math.cumulative_logsumexp([1, 2, 3])', 'InvalidArgumentError', "Value for attr 'T' of int32 is not in the list of allowed va"),
    ('tf.math.cumulative_logsumexp(tf.constant([1.0, 2.0], tf.float16))', 'float16', ([2], '[1.0, 2.3125]')),
    ('tf.reduce_logsumexp([[1.0, 2.0], [3.0, 4.0]])', 'float32', ([], '4.440189838409424')),
    ('tf.math.reduce_logsumexp([[1.0, 2.0], [3.0, 4.0]], axis=1, keepdims=True)', 'float32', ([2, 1], '[[2.3132617473602295], [4.31326150894165]]')),
    ('tf.math.reduce_logsumexp([1, 2])', 'InvalidArgumentError', "Value for attr 'T' of int32 is not in the list of allowed va"),
    ('tf.math.reduce_logsumexp(tf.zeros([0]))', 'float32', ([], '-inf')),
    ('tf.math.reduce_logsumexp([[1.0, 2.0]], axis=2)', 'InvalidArgumentError', 'Invalid reduction dimension (2 for input with 2 dimension(s)'),
    ('tf.reduce_any([[True, False], [False, False]], axis=1)', 'bool', ([2], '[True, False]')),
    ('tf.math.reduce_any(tf.constant([1, 0]))', 'InvalidArgumentError', 'cannot compute Any as input #0(zero-based) was expected to b'),
    ('tf.math.reduce_any([1, 0])', 'TypeError', 'Cannot convert [1, 0] to EagerTensor of dtype bool'),
    ('tf.math.reduce_all(tf.zeros([0], tf.bool))', 'bool', ([], 'True')),
    ('tf.reduce_all([[True, False], [True, True]], axis=0, keepdims=True)', 'bool', ([1, 2], '[[True, False]]')),
    ('tf.math.reduce_all([[True]], axis=2)', 'InvalidArgumentError', 'Invalid reduction dimension (2 for input with 2 dimension(s)'),
    ('tf.math.reduce_variance([[1.0, 2.0], [3.0, 4.0]])', 'float32', ([], '1.25')),
    ('tf.math.reduce_variance([[1.0, 2.0], [3.0, 4.0]], axis=0)', 'float32', ([2], '[1.0, 1.0]')),
    ('tf.math.reduce_variance([1, 2])', 'TypeError', 'Input must be either real or complex. Received integer type '),
    ('tf.math.reduce_variance(tf.constant([1+1j, 2-1j]))', 'float64', ([], '1.25')),
    ('tf.math.reduce_std(tf.constant([1+1j, 2-1j]))', 'float64', ([], '1.118033988749895')),
    ('tf.math.reduce_std([[1.0, 2.0], [3.0, 4.0]], axis=1, keepdims=True)', 'float32', ([2, 1], '[[0.5], [0.5]]')),
    ('tf.math.reduce_std(tf.zeros([0]))', 'float32', ([], 'nan')),
    ('tf.math.reduce_variance([[1.0, 2.0]], axis=2)', 'InvalidArgumentError', 'Invalid reduction dimension (2 for input with 2 dimension(s)'),
    ('tf.math.reduce_euclidean_norm([[1.0, 2.0], [3.0, 4.0]], axis=1)', 'float32', ([2], '[2.2360680103302, 5.0]')),
    ('tf.math.reduce_euclidean_norm([3, 5])', 'int32', ([], '5')),
    ('tf.math.reduce_euclidean_norm(tf.constant([3+4j]))', 'complex128', ([], '(5+0j)')),
    ('tf.math.reduce_euclidean_norm([True])', 'InvalidArgumentError', "Value for attr 'T' of bool is not in the list of allowed val"),
    ('tf.math.count_nonzero([[0, 1], [2, 0]])', 'int64', ([], '2')),
    ('tf.math.count_nonzero([[0, 1], [2, 0]], axis=0, keepdims=True, dtype=tf.int32)', 'int32', ([1, 2], '[[1, 1]]')),
    ("tf.math.count_nonzero(['a', ''])", 'int64', ([], '1')),
    ("tf.math.count_nonzero([0.0, 0.5, float('nan')])", 'int64', ([], '2')),
    ('tf.math.count_nonzero([True, False], dtype=tf.float32)', 'float32', ([], '1.0')),
    ('tf.math.segment_sum(tf.constant([[1.0, 2], [3, 4], [5, 6], [7, 8]]), [0, 0, 2, 2])', 'float32', ([3, 2], '[[4.0, 6.0], [0.0, 0.0], [12.0, 14.0]]')),
    ('tf.math.segment_mean(tf.constant([[1.0, 2], [3, 4], [5, 6], [7, 8]]), [0, 0, 2, 2])', 'float32', ([3, 2], '[[2.0, 3.0], [0.0, 0.0], [6.0, 7.0]]')),
    ('tf.math.segment_max(tf.constant([[1.0, 2], [3, 4], [5, 6], [7, 8]]), [0, 0, 2, 2])', 'float32', ([3, 2], '[[3.0, 4.0], [0.0, 0.0], [7.0, 8.0]]')),
    ('tf.math.segment_min(tf.constant([1, 2], tf.uint8), [0, 2])', 'uint8', ([3], '[1, 0, 2]')),
    ('tf.math.segment_prod(tf.constant([[1.0, 2], [3, 4], [5, 6], [7, 8]]), [0, 0, 2, 2])', 'float32', ([3, 2], '[[3.0, 8.0], [1.0, 1.0], [35.0, 48.0]]')),
    ('tf.math.segment_sum([1, 2, 3], [0, 2, 1])', 'InvalidArgumentError', 'segment ids are not increasing [Op:SegmentSum]'),
    ('tf.math.segment_sum([1, 2, 3], [0, 1])', 'InvalidArgumentError', 'segment_ids should be the same size as dimension 0 of input.'),
    ('tf.math.segment_sum([1, 2, 3], [-1, 0, 1])', 'InvalidArgumentError', "Segment id -1 out of range [0, 2), possibly because 'segment"),
    ('tf.math.segment_sum([1, 2, 3], [[0, 0, 1]])', 'InvalidArgumentError', 'segment_ids should be a vector. [Op:SegmentSum]'),
    ('tf.math.segment_sum(tf.zeros([0, 2]), tf.zeros([0], tf.int32))', 'float32', ([0, 2], '[]')),
    ('tf.math.segment_sum([1, 2, 3], [0.0, 0, 1])', 'InvalidArgumentError', "Value for attr 'Tindices' of float is not in the list of all"),
    ('tf.math.segment_mean([1, 2, 4], [0, 0, 1])', 'int32', ([2], '[1, 4]')),
    ('tf.math.segment_sum([True], [0])', 'InvalidArgumentError', "Value for attr 'T' of bool is not in the list of allowed val"),
    ('tf.math.segment_mean(tf.constant([1.0+1j, 2]), [0, 2])', 'complex128', ([3], '[(1+1j), 0j, (2+0j)]')),
    ('tf.math.segment_max(tf.constant([1.0+1j, 2]), [0, 2])', 'InvalidArgumentError', "Value for attr 'T' of complex128 is not in the list of allow"),
    ('tf.math.unsorted_segment_sum(tf.constant([[1.0, 2], [3, 4], [5, 6], [7, 8]]), [3, -1, 0, 3], 5)', 'float32', ([5, 2], '[[5.0, 6.0], [0.0, 0.0], [0.0, 0.0], [8.0, 10.0], [0.0, 0.0]]')),
    ('tf.math.unsorted_segment_mean(tf.constant([[1.0, 2], [3, 4], [5, 6], [7, 8]]), [3, -1, 0, 3], 5)', 'float32', ([5, 2], '[[5.0, 6.0], [0.0, 0.0], [0.0, 0.0], [4.0, 5.0], [0.0, 0.0]]')),
    ('tf.math.unsorted_segment_max(tf.constant([[1.0, 2], [3, 4], [5, 6], [7, 8]]), [3, -1, 0, 3], 5)', 'float32', ([5, 2], '[[5.0, 6.0], [-3.4028234663852886e+38, -3.4028234663852886e+38], [-3.4028234663852886e+38, -3.4028234663852886e+38], [7.0, 8.0], [-3.4028234663852886e+38, -3.4028234663852886e+38]]')),
    ('tf.math.unsorted_segment_min(tf.constant([1, 2, 4], tf.uint8), [0, 0, 1], 3)', 'uint8', ([3], '[1, 4, 255]')),
    ('tf.math.unsorted_segment_prod([1, 2, 4], [0, 0, 1], 3)', 'int32', ([3], '[2, 4, 1]')),
    ('tf.math.unsorted_segment_sqrt_n(tf.constant([[1.0, 2], [3, 4], [5, 6], [7, 8]]), [3, -1, 0, 3], 5)', 'float32', ([5, 2], '[[5.0, 6.0], [0.0, 0.0], [0.0, 0.0], [5.656854152679443, 7.071067810058594], [0.0, 0.0]]')),
    ('tf.math.unsorted_segment_sum([[1, 2], [3, 4]], [[0, 1], [1, 1]], 2)', 'int32', ([2], '[1, 9]')),
    ('tf.math.unsorted_segment_sum([1, 2], [0, 5], 2)', 'InvalidArgumentError', 'segment_ids[1] = 5 is out of range [0, 2) [Op:UnsortedSegmen'),
    ('tf.math.unsorted_segment_sum([[1, 2], [3, 4]], [[0, 1], [1, 5]], 2)', 'InvalidArgumentError', 'segment_ids[1,1] = 5 is out of range [0, 2) [Op:UnsortedSegm'),
    ('tf.math.unsorted_segment_sum([1, 2], [0, 1, 1], 2)', 'InvalidArgumentError', 'data.shape = [2] does not start with segment_ids.shape = [3]'),
    ('tf.math.unsorted_segment_sum([1, 2], [0, 1], -1)', 'InvalidArgumentError', 'Input num_segments == -1 must not be negative. [Op:UnsortedS'),
    ('tf.math.unsorted_segment_sum([1, 2], [0, 1], [2])', 'InvalidArgumentError', 'num_segments should be a scalar, not shape [1] [Op:UnsortedS'),
    ('tf.math.unsorted_segment_sum([1.0, 2], [0, 1], 2.5)', 'InvalidArgumentError', "Value for attr 'Tnumsegments' of float is not in the list of"),
    ('tf.math.unsorted_segment_mean([1, 2, 4], [0, 0, 1], 3)', 'float64', ([3], '[1.5, 4.0, 0.0]')),
    ('tf.math.unsorted_segment_sqrt_n([1, 2, 4], [0, 0, 1], 3)', 'InvalidArgumentError', "Value for attr 'T' of int32 is not in the list of allowed va"),
    ('tf.math.unsorted_segment_max(tf.constant([1+1j]), [0], 2)', 'InvalidArgumentError', "Value for attr 'T' of complex128 is not in the list of allow"),
    ('tf.math.unsorted_segment_mean(tf.constant([[1.0, 2.0], [3.0, 4.0]]), [[0, 2], [2, 2]], 3)', 'float32', ([3], '[1.0, 0.0, 3.0]')),
    ('tf.math.top_k([1.0, 3.0, 2.0, 3.0], k=2)', 'TopKV2', [('float32', [2], '[3.0, 3.0]'), ('int32', [2], '[1, 3]')]),
    ('tf.math.top_k([[1, 3, 2, 3], [4, 4, 4, 1]], k=3, index_type=tf.int64)', 'TopKV2', [('int32', [2, 3], '[[3, 3, 2], [4, 4, 4]]'), ('int64', [2, 3], '[[1, 3, 2], [0, 1, 2]]')]),
    ('tf.math.top_k([1.0, 3.0, 2.0], k=5)', 'InvalidArgumentError', 'input must have at least k columns. Had 3, needed 5 [Op:TopK'),
    ('tf.math.top_k([1.0, 3.0, 2.0], k=-1)', 'InvalidArgumentError', 'Need k >= 0, got -1 [Op:TopKV2]'),
    ('tf.math.top_k([1.0, 3.0, 2.0], k=0)', 'TopKV2', [('float32', [0], '[]'), ('int32', [0], '[]')]),
    ('tf.math.top_k(tf.constant(3.0), k=1)', 'InvalidArgumentError', 'input must be >= 1-D, got shape [] [Op:TopKV2] name: '),
    ("tf.nn.top_k([1.0, float('nan'), 2.0], k=3)", 'TopKV2', [('float32', [3], '[2.0, 1.0, nan]'), ('int32', [3], '[2, 0, 1]')]),
    ('tf.math.top_k([True, False], k=1)', 'InvalidArgumentError', "Value for attr 'T' of bool is not in the list of allowed val"),
    ('tf.math.top_k(tf.constant([1, 3, 2], tf.uint8), k=2)', 'TopKV2', [('uint8', [2], '[3, 2]'), ('int32', [2], '[1, 2]')]),
    ('tf.math.top_k([1.0, 3.0, 2.0], k=tf.constant(2))', 'TopKV2', [('float32', [2], '[3.0, 2.0]'), ('int32', [2], '[1, 2]')]),
    ('tf.math.top_k([1.0, 3.0, 2.0], k=2).indices', 'int32', ([2], '[1, 2]')),
    ('tf.math.in_top_k([2, 1], [[0.1, 0.3, 0.3], [0.5, 0.5, 0.2]], 1)', 'bool', ([2], '[True, True]')),
    ("tf.nn.in_top_k(tf.constant([2, 1], tf.int64), [[0.1, 0.3, float('nan')], [0.5, float('inf'), 0.2]], 3)", 'bool', ([2], '[False, False]')),
    ("tf.math.in_top_k([0, 1], [[0.5, 0.3, float('nan')], [0.5, 0.9, 0.2]], 3)", 'bool', ([2], '[False, True]')),
    ('tf.math.in_top_k([3, 1], [[0.1, 0.3, 0.3], [0.5, 0.5, 0.2]], 1)', 'bool', ([2], '[False, True]')),
    ('tf.math.in_top_k([2, 1], [[1, 3, 3], [5, 5, 2]], 1)', 'bool', ([2], '[True, True]')),
    ('tf.math.in_top_k([2, 1], tf.constant([[0.1, 0.3, 0.3], [0.5, 0.5, 0.2]], tf.float64), 1)', 'ValueError', 'Tensor conversion requested dtype float32 for Tensor with dt'),
    ('tf.math.in_top_k([2], [[0.1, 0.3, 0.3], [0.5, 0.5, 0.2]], 1)', 'InvalidArgumentError', 'First dimension of predictions 2 must match length of target'),
    ('tf.math.in_top_k([2, 1], [[0.1, 0.3, 0.3], [0.5, 0.5, 0.2]], -1)', 'bool', ([2], '[False, False]')),
    ('tf.math.bincount([1, 1, 3])', 'int32', ([4], '[0, 2, 0, 1]')),
    ('tf.math.bincount([1, 1, 3], minlength=6)', 'int32', ([6], '[0, 2, 0, 1, 0, 0]')),
    ('tf.math.bincount([1, 1, 3], maxlength=2)', 'int32', ([2], '[0, 2]')),
    ('tf.math.bincount([1, 1, 3], minlength=6, maxlength=4)', 'int32', ([4], '[0, 2, 0, 1]')),
    ('tf.math.bincount([1, 1, 3], weights=[0.5, 1.0, 2.0])', 'float32', ([4], '[0.0, 1.5, 0.0, 2.0]')),
    ('tf.math.bincount([1, 1, 3], weights=tf.constant([0.5, 1.0, 2.0], tf.float64))', 'float64', ([4], '[0.0, 1.5, 0.0, 2.0]')),
    ('tf.math.bincount([1, 1, 3], weights=[1, 2, 3])', 'int32', ([4], '[0, 3, 0, 3]')),
    ('tf.math.bincount([1, 1, 3], dtype=tf.float32)', 'float32', ([4], '[0.0, 2.0, 0.0, 1.0]')),
    ('tf.math.bincount([1, 1, 3], binary_output=True)', 'int32', ([4], '[0, 1, 0, 1]')),
    ('tf.math.bincount([[1, 1, 3], [0, 2, 2]], axis=-1)', 'int32', ([2, 4], '[[0, 2, 0, 1], [1, 0, 2, 0]]')),
    ('tf.math.bincount([[1, 1, 3], [0, 2, 2]], axis=-1, binary_output=True, minlength=5)', 'int32', ([2, 5], '[[0, 1, 0, 1, 0], [1, 0, 1, 0, 0]]')),
    ('tf.math.bincount([[1, 1, 3], [0, 2, 2]])', 'int32', ([4], '[1, 2, 2, 1]')),
    ('tf.math.bincount([1, -1, 3])', 'InvalidArgumentError', 'Input arr must be non-negative! [Op:DenseBincount] name: '),
    ('tf.math.bincount([])', 'int32', ([0], '[]')),
    ('tf.math.bincount(tf.constant([1, 2], tf.int64))', 'int32', ([3], '[0, 1, 1]')),
    ('tf.math.bincount([1.0, 2.0])', 'int32', ([3], '[0, 1, 1]')),
    ('tf.math.bincount([1, 1, 3], weights=[0.5, 1.0, 2.0], binary_output=True)', 'ValueError', 'Arguments `binary_output` and `weights` are mutually exclusi'),
    ('tf.math.bincount([1, 1, 3], weights=[0.5, 1.0])', 'InvalidArgumentError', '`weights` must be the same shape as `arr` or a length-0 `Ten'),
    ('tf.math.bincount([1, 1, 3], weights=[0.5, 1.0, 2.0], dtype=tf.float64)', 'float32', ([4], '[0.0, 1.5, 0.0, 2.0]')),
    ('tf.math.bincount([1, 1, 3], maxlength=0)', 'int32', ([0], '[]')),
    ('tf.math.bincount([1, 1, 3], minlength=-1)', 'int32', ([4], '[0, 2, 0, 1]')),
    ('tf.math.bincount([1, 1, 3], maxlength=-1)', 'InvalidArgumentError', 'size (-1) must be non-negative [Op:DenseBincount] name: '),
    ('tf.math.bincount([[1, 1, 3], [0, 2, 2]], axis=1)', 'ValueError', 'Unsupported value for argument axis=1. Only 0 and -1 are cur'),
    ('tf.math.bincount([[[1, 1, 3], [0, 2, 2]]], axis=-1)', 'InvalidArgumentError', 'Shape must be at most rank 2 but is rank 3 [Op:DenseBincount'),
    ('tf.math.bincount([1, 1, 3], dtype=tf.bool)', 'InvalidArgumentError', "Value for attr 'T' of bool is not in the list of allowed val"),
    ('tf.math.bincount([[1, 1, 3], [0, 2, 2]], weights=[[1.0, 2.0, 3.0], [1, 1, 1]], axis=-1)', 'float32', ([2, 4], '[[0.0, 3.0, 0.0, 3.0], [1.0, 0.0, 2.0, 0.0]]')),
    ('tf.math.bincount(tf.constant([1, 1, 3], tf.uint8))', 'InvalidArgumentError', "Value for attr 'Tidx' of uint8 is not in the list of allowed"),
    ('tf.math.bincount([1, 1, 3], weights=[])', 'float32', ([4], '[0.0, 2.0, 0.0, 1.0]')),
    ('tf.math.confusion_matrix([1, 2, 4], [2, 2, 4])', 'int32', ([5, 5], '[[0, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 1]]')),
    ('tf.math.confusion_matrix([1, 2, 4], [2, 2, 4], num_classes=6)', 'int32', ([6, 6], '[[0, 0, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0], [0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0]]')),
    ('tf.math.confusion_matrix([1, 2, 4], [2, 2, 4], num_classes=3)', 'InvalidArgumentError', '`labels` out of bound\nCondition x < y did not hold.\nFirst 3 '),
    ('tf.math.confusion_matrix([1, 2, 4], [2, 2, 4], weights=[0.5, 1.0, 2.0])', 'int32', ([5, 5], '[[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 2]]')),
    ('tf.math.confusion_matrix([1, 2, 4], [2, 2, 4], weights=[1, 2, 3], dtype=tf.float32)', 'float32', ([5, 5], '[[0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 3.0]]')),
    ('tf.math.confusion_matrix([1, -2, 4], [2, 2, 4])', 'InvalidArgumentError', '`labels` contains negative values.  \nCondition x >= 0 did no'),
    ('tf.math.confusion_matrix([1, 2, 4], [2, -2, 4])', 'InvalidArgumentError', '`predictions` contains negative values.  \nCondition x >= 0 d'),
    ('tf.math.confusion_matrix([1, 2], [2, 2, 4])', 'InvalidArgumentError', 'Shapes of all inputs must match: values[0].shape = [2] != va'),
    ('tf.math.confusion_matrix([[1, 2]], [[2, 2]])', 'int32', ([3, 3], '[[0, 0, 0], [0, 0, 1], [0, 0, 1]]')),
    ('tf.math.confusion_matrix([1, 2, 4], [2, 2, 4], dtype=tf.bool)', 'bool', ([5, 5], '[[False, False, False, False, False], [False, False, True, False, False], [False, False, True, False, False], [False, False, False, False, False], [False, False, False, False, True]]')),
    ('tf.math.confusion_matrix([1, 2, 4], [2, 2, 4], weights=[1, 2])', 'ValueError', 'Shapes (3,) and (2,) are incompatible'),
    ('tf.math.confusion_matrix([1, 2, 4], [2, 2, 4], num_classes=tf.constant(5))', 'int32', ([5, 5], '[[0, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 1]]')),
    ('tf.math.invert_permutation([2, 0, 1])', 'int32', ([3], '[1, 2, 0]')),
    ('tf.math.invert_permutation([1, 2])', 'InvalidArgumentError', '2 is not between 0 and 2 [Op:InvertPermutation]'),
    ('tf.math.invert_permutation([1, 1])', 'InvalidArgumentError', '1 is duplicated in the input. [Op:InvertPermutation]'),
    ('tf.math.invert_permutation([[1, 0]])', 'InvalidArgumentError', 'invert_permutation expects a 1D vector. [Op:InvertPermutatio'),
    ('tf.math.invert_permutation([1.0, 0.0])', 'InvalidArgumentError', "Value for attr 'T' of float is not in the list of allowed va"),
    ('tf.math.is_non_decreasing([1, 2, 2])', 'bool', ([], 'True')),
    ('tf.math.is_non_decreasing([[1, 2], [0, 3]])', 'bool', ([], 'False')),
    ('tf.math.is_non_decreasing([])', 'bool', ([], 'True')),
    ('tf.math.is_non_decreasing(3.0)', 'bool', ([], 'True')),
    ("tf.math.is_non_decreasing(['a'])", 'TypeError', "Expected x to be numeric, instead found: tf.Tensor([b'a'], s"),
    ('tf.math.is_non_decreasing([True, False])', 'TypeError', 'Expected x to be numeric, instead found: tf.Tensor([ True Fa'),
    ('tf.math.is_strictly_increasing([1, 2, 2])', 'bool', ([], 'False')),
    ('tf.math.is_strictly_increasing([1.0, 2.0, 3.5])', 'bool', ([], 'True')),
    ('tf.math.is_strictly_increasing(tf.constant([1, 200], tf.uint8))', 'bool', ([], 'True')),
    ('tf.math.zero_fraction([0, 1, 0, 3])', 'float32', ([], '0.5')),
    ('tf.math.zero_fraction(tf.constant([0.0, 1.0], tf.float64))', 'float32', ([], '0.5')),
    ('tf.math.zero_fraction([True, False])', 'float32', ([], '0.5')),
    ('tf.math.zero_fraction(tf.constant([0, 1], tf.uint8))', 'float32', ([], '0.5')),
    ('tf.math.approx_max_k([1.0, 3.0, 2.0, 5.0], 2)', 'ApproxTopK', [('float32', [2], '[5.0, 3.0]'), ('int32', [2], '[3, 1]')]),
    ('tf.math.approx_max_k(tf.constant([1, 3, 2]), 2)', 'InvalidArgumentError', "Value for attr 'T' of int32 is not in the list of allowed va"),
    ('tf.math.approx_max_k([[1.0, 3.0], [2.0, 0.0]], 1)', 'ApproxTopK', [('float32', [2, 1], '[[3.0], [2.0]]'), ('int32', [2, 1], '[[1], [0]]')]),
    # TF has no CPU kernel for approx_min_k (NotFoundError); here it is the exact bottom k
    ('tf.math.approx_min_k([[1.0, 3.0], [2.0, 0.0]], 1)', 'ApproxTopK', [('float32', [2, 1], '[[1.0], [0.0]]'), ('int32', [2, 1], '[[0], [1]]')]),
]


@pytest.mark.parametrize("expr, kind, expected", CASES, ids=[c[0] for c in CASES])
def test_matches_tensorflow(expr, kind, expected):
    _run_case(expr, kind, expected)


# d sum(expr) / d inputs, from TensorFlow's GradientTape
GRADS = [
    ('tf.math.cumsum(a, exclusive=True)', [[2.0, 1.0, 0.0]]),
    ('tf.math.cumsum(a, reverse=True)', [[1.0, 2.0, 3.0]]),
    ('tf.math.cumprod(a)', [[1.0, 0.0, 0.0]]),
    ('tf.math.cumprod(a, exclusive=True, reverse=True)', [[0.0, 3.0, 5.0]]),
    ('tf.math.cumulative_logsumexp(a)', [[1.5284378817124142, 1.436443091328246, 0.035119026959339716]]),
    ('tf.math.cumulative_logsumexp(a, reverse=True, exclusive=True)', [[0.0, 0.9525741268224333, 1.0474258731775667]]),
    ('tf.math.reduce_logsumexp(a)', [[0.04177257051535046, 0.00565330266221633, 0.11354961935990125, 0.8390245074625321]]),
    ('tf.math.reduce_logsumexp(a, axis=1, keepdims=True)', [[[0.8807970779778823, 0.11920292202211755], [0.11920292202211755, 0.8807970779778823]]]),
    ('tf.math.reduce_euclidean_norm(a, axis=0)', [[[0.5547001962252291, 0.09950371902099892], [0.8320502943378437, 0.9950371902099892]]]),
    ('tf.math.reduce_std(a)', [[-0.3563483225498992, -0.0890870806374748, 0.445435403187374]]),
    ('tf.math.reduce_variance(a, axis=0)', [[[-1.5, 1.0], [1.5, -1.0]]]),
    ('tf.math.segment_sum(a, [0, 0, 1])', [[1.0, 1.0, 1.0]]),
    ('tf.math.segment_mean(a, [0, 0, 2, 2, 2])', [[0.5, 0.5, 0.3333333333333333, 0.3333333333333333, 0.3333333333333333]]),
    ('tf.math.segment_max(a, [0, 0, 1, 1])', [[0.5, 0.5, 1.0, 0.0]]),
    ('tf.math.segment_min(a, [0, 0, 1, 1])', [[0.5, 0.5, 0.0, 1.0]]),
    ('tf.math.segment_prod(a, [0, 0, 0, 1, 1])', [[0.0, 6.0, 0.0, 1.0, 5.0]]),
    ('tf.math.unsorted_segment_max(a, [0, 0, -1, 1], 3)', [[0.5, 0.5, 0.0, 1.0]]),
    ('tf.math.unsorted_segment_prod(a, [0, 0, 0, 1, 1], 3)', [[0.0, 6.0, 0.0, 0.0, 0.0]]),
    ('tf.math.unsorted_segment_sum(a, [[0, 2], [-1, 1]], 3)', [[[1.0, 1.0], [0.0, 1.0]]]),
    ('tf.math.unsorted_segment_mean(a, [0, 0, 1], 3)', [[0.5, 0.5, 1.0]]),
    ('tf.math.unsorted_segment_sqrt_n(a, [0, 0, 1], 3)', [[0.7071067811865475, 0.7071067811865475, 1.0]]),
    ('tf.math.top_k(a, 2).values', [[[1.0, 0.0, 1.0], [1.0, 0.0, 1.0]]]),
    ('tf.math.reduce_any(a > 0)', [None]),
]

GRAD_INPUTS = {
    'tf.math.cumsum(a, exclusive=True)': [[2.0, -3.0, 1.0]],
    'tf.math.cumsum(a, reverse=True)': [[2.0, -3.0, 1.0]],
    'tf.math.cumprod(a)': [[2.0, 0.0, 3.0]],
    'tf.math.cumprod(a, exclusive=True, reverse=True)': [[2.0, 4.0, 3.0]],
    'tf.math.cumulative_logsumexp(a)': [[1.0, 2.0, -1.0]],
    'tf.math.cumulative_logsumexp(a, reverse=True, exclusive=True)': [[1.0, 2.0, -1.0]],
    'tf.math.reduce_logsumexp(a)': [[2.0, 0.0, 3.0, 5.0]],
    'tf.math.reduce_logsumexp(a, axis=1, keepdims=True)': [[[2.0, 0.0], [3.0, 5.0]]],
    'tf.math.reduce_euclidean_norm(a, axis=0)': [[[2.0, 0.5], [3.0, 5.0]]],
    'tf.math.reduce_std(a)': [[1.0, 2.0, 4.0]],
    'tf.math.reduce_variance(a, axis=0)': [[[1.0, 2.0], [4.0, 0.0]]],
    'tf.math.segment_sum(a, [0, 0, 1])': [[1.0, 2.0, 4.0]],
    'tf.math.segment_mean(a, [0, 0, 2, 2, 2])': [[2.0, 0.0, 3.0, 5.0, 1.0]],
    'tf.math.segment_max(a, [0, 0, 1, 1])': [[2.0, 2.0, 3.0, 1.0]],
    'tf.math.segment_min(a, [0, 0, 1, 1])': [[2.0, 2.0, 3.0, 1.0]],
    'tf.math.segment_prod(a, [0, 0, 0, 1, 1])': [[2.0, 0.0, 3.0, 5.0, 1.0]],
    'tf.math.unsorted_segment_max(a, [0, 0, -1, 1], 3)': [[2.0, 2.0, 3.0, 1.0]],
    'tf.math.unsorted_segment_prod(a, [0, 0, 0, 1, 1], 3)': [[2.0, 0.0, 3.0, 0.0, 0.0]],
    'tf.math.unsorted_segment_sum(a, [[0, 2], [-1, 1]], 3)': [[[2.0, 0.0], [3.0, 1.0]]],
    'tf.math.unsorted_segment_mean(a, [0, 0, 1], 3)': [[1.0, 2.0, -1.0]],
    'tf.math.unsorted_segment_sqrt_n(a, [0, 0, 1], 3)': [[1.0, 2.0, -1.0]],
    'tf.math.top_k(a, 2).values': [[[2.0, 0.0, 3.0], [5.0, 1.0, 5.0]]],
    'tf.math.reduce_any(a > 0)': [[1.0]],
}


@pytest.mark.parametrize("expr, expected", GRADS, ids=[g[0] for g in GRADS])
def test_gradient_matches_tensorflow(expr, expected):
    _grad_case(expr, expected)


# ---- properties against NumPy ------------------------------------------------------------------
_shapes = st.lists(st.integers(0, 4), min_size=1, max_size=3).map(tuple)


@settings(max_examples=25, deadline=None)
@given(_shapes, st.data(), st.booleans(), st.booleans())
def test_cumsum_and_cumprod_match_numpy(shape, data, exclusive, reverse):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.random.RandomState(sum(shape)).uniform(0.5, 1.5, shape)
    for fn, np_fn, identity in ((tf.math.cumsum, np.cumsum, 0.0),
                                (tf.math.cumprod, np.cumprod, 1.0)):
        v = np.flip(x, axis) if reverse else x
        want = np_fn(v, axis=axis)
        if exclusive:
            want = np.concatenate([np.full_like(np.take(want, [0], axis), identity) if
                                   want.shape[axis] else np.take(want, [], axis),
                                   np.take(want, range(want.shape[axis] - 1), axis)], axis)[
                tuple(slice(0, d) for d in want.shape)]
        if reverse:
            want = np.flip(want, axis)
        got = fn(tf.constant(x), axis=axis, exclusive=exclusive, reverse=reverse).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(0, 12), st.integers(1, 3))
def test_unsorted_segment_ops_match_numpy(num, n, width):
    rng = np.random.RandomState(num * 100 + n)
    ids = rng.randint(-1, num, n)
    data = rng.uniform(-3, 3, (n, width))
    for name, ufunc, init in (("sum", np.add, 0.0), ("prod", np.multiply, 1.0),
                              ("max", np.maximum, np.finfo(np.float64).min),
                              ("min", np.minimum, np.finfo(np.float64).max)):
        want = np.full((num, width), init)
        keep = ids >= 0
        ufunc.at(want, ids[keep], data[keep])
        got = getattr(tf.math, f"unsorted_segment_{name}")(data, ids, num).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=0, max_size=10))
def test_sorted_segment_sum_and_mean_match_numpy(counts):
    ids = np.sort(np.array(counts, np.int32))
    data = np.arange(1.0, len(ids) + 1.0)
    num = int(ids[-1]) + 1 if len(ids) else 0
    sums = np.bincount(ids, weights=data, minlength=num)
    n = np.bincount(ids, minlength=num)
    np.testing.assert_allclose(tf.math.segment_sum(data, ids).numpy(), sums)
    np.testing.assert_allclose(tf.math.segment_mean(data, ids).numpy(),
                               np.where(n > 0, sums / np.maximum(n, 1), 0.0))


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(1, 8), st.data())
def test_top_k_matches_a_stable_sort(rows, cols, data):
    k = data.draw(st.integers(0, cols))
    x = np.random.RandomState(rows * 10 + cols).randint(-3, 3, (rows, cols)).astype(np.float32)
    values, indices = tf.math.top_k(x, k=k)
    order = np.argsort(-x, axis=-1, kind="stable")[:, :k]
    np.testing.assert_array_equal(indices.numpy(), order)
    np.testing.assert_array_equal(values.numpy(), np.take_along_axis(x, order, -1))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 9), max_size=20), st.integers(0, 12))
def test_bincount_matches_numpy(values, minlength):
    got = tf.math.bincount(np.array(values, np.int32), minlength=minlength)
    want = np.bincount(np.array(values, np.int64), minlength=minlength)
    np.testing.assert_array_equal(got.numpy(), want)


@settings(max_examples=25, deadline=None)
@given(st.permutations(list(range(7))))
def test_invert_permutation_round_trip(perm):
    inv = tf.math.invert_permutation(perm).numpy()
    np.testing.assert_array_equal(np.asarray(perm)[inv], np.arange(7))


def test_reduce_logsumexp_is_stable():
    x = np.array([[1000.0, 1000.0], [-1000.0, -1000.0]])
    np.testing.assert_allclose(tf.math.reduce_logsumexp(x, axis=1).numpy(),
                               [1000 + math.log(2), -1000 + math.log(2)])
    y = tf.math.cumulative_logsumexp(tf.constant([1000.0, 1000.0, -1000.0], tf.float64))
    np.testing.assert_allclose(y.numpy(), [1000.0, 1000 + math.log(2), 1000 + math.log(2)])


def test_reduce_variance_and_std_match_numpy():
    x = np.random.RandomState(3).uniform(-2, 2, (3, 4, 5))
    for axis in (None, 0, (1, 2), -1):
        np.testing.assert_allclose(tf.math.reduce_variance(x, axis=axis).numpy(),
                                   np.var(x, axis=axis), rtol=1e-12)
        np.testing.assert_allclose(tf.math.reduce_std(x, axis=axis, keepdims=True).numpy(),
                                   np.std(x, axis=axis, keepdims=True), rtol=1e-12)


def test_confusion_matrix_sums_weights_per_cell():
    cm = tf.math.confusion_matrix([0, 1, 1, 2], [0, 2, 2, 2], num_classes=3,
                                  weights=[1.0, 2.0, 3.0, 4.0], dtype=tf.float64)
    np.testing.assert_array_equal(cm.numpy(), [[1, 0, 0], [0, 0, 5], [0, 0, 4]])


def test_segment_ops_trace_in_tf_function():
    f = tf.function(lambda x, i: tf.math.segment_sum(x, i) + 1.0)
    out = f(tf.constant([1.0, 2.0, 3.0]), tf.constant([0, 0, 2]))
    np.testing.assert_array_equal(out.numpy(), [4.0, 1.0, 4.0])
    g = tf.function(lambda x: tf.math.top_k(x, 2).values)
    np.testing.assert_array_equal(g(tf.constant([1.0, 3.0, 2.0])).numpy(), [3.0, 2.0])


def test_exports():
    assert tf.nn.top_k is tf.math.top_k and tf.nn.in_top_k is tf.math.in_top_k
    assert tf.cumsum is tf.math.cumsum and tf.reduce_logsumexp is tf.math.reduce_logsumexp
    assert tf.reduce_any is tf.math.reduce_any and tf.reduce_all is tf.math.reduce_all
    assert not hasattr(tf, "segment_sum") and not hasattr(tf, "cumprod")
