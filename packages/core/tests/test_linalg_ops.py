"""tf.linalg public functions: values, dtypes, shapes, errors and gradients, checked against
results of TensorFlow 2.21 (hard-coded here; the tests never import TensorFlow)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tessera as tf
from tessera import errors

A = [[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]]  # symmetric positive definite
M = [[2.0, -1.0, 0.0], [1.0, 3.0, 2.0], [0.0, 1.0, 4.0]]
RHS = [[1.0], [2.0], [3.0]]
TALL = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]


def close(x, expected, rtol=1e-5, atol=1e-5):
    np.testing.assert_allclose(np.asarray(x), np.asarray(expected), rtol=rtol, atol=atol)


def check_grad(fn, *xs, eps=1e-6, tol=1e-5, weights_seed=0):
    """Tape gradient of sum(w * fn(*xs)) against central differences (float64 inputs)."""
    xs = [np.asarray(x, np.float64) for x in xs]
    out = np.asarray(fn(*[tf.constant(x) for x in xs]))
    w = np.random.RandomState(weights_seed).uniform(0.5, 1.5, out.shape)

    def loss(*vals):
        return float(np.sum(np.asarray(fn(*[tf.constant(v) for v in vals])) * w))

    ts = [tf.constant(x) for x in xs]
    with tf.GradientTape() as tape:
        for t in ts:
            tape.watch(t)
        y = tf.reduce_sum(fn(*ts) * tf.constant(w))
    grads = tape.gradient(y, ts)
    for i, (x, g) in enumerate(zip(xs, grads)):
        num = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            up, down = [v.copy() for v in xs], [v.copy() for v in xs]
            up[i][idx] += eps
            down[i][idx] -= eps
            num[idx] = (loss(*up) - loss(*down)) / (2 * eps)
        close(g, num, rtol=tol, atol=tol)


# ---- values against TensorFlow ---------------------------------------------------------------
def test_inverse_and_determinants():
    close(tf.linalg.inv(M), [[0.41666666, 0.16666667, -0.08333334],
                             [-0.16666667, 0.33333334, -0.16666667],
                             [0.04166667, -0.08333334, 0.29166666]])
    close(tf.linalg.inv(M, adjoint=True), np.transpose(np.asarray(tf.linalg.inv(M))))
    d = tf.linalg.det(M)
    assert d.dtype == tf.float32 and d.shape == () and float(d) == pytest.approx(24.0)
    sign, logabs = tf.linalg.slogdet(-tf.constant(M))
    assert float(sign) == -1.0 and float(logabs) == pytest.approx(3.178053855895996)
    assert float(tf.linalg.logdet(A)) == pytest.approx(3.0582375526428223, rel=1e-6)
    # Empty matrices and singular ones, as TF: det 1 / sign 0, log -inf.
    close(tf.linalg.det(tf.ones((2, 0, 0))), [1.0, 1.0])
    s, la = tf.linalg.slogdet(tf.ones((2, 2)))
    assert float(s) == 0.0 and float(la) == -np.inf
    assert tf.linalg.inv(tf.ones((0, 0))).shape == (0, 0)


def test_complex_determinant_and_logdet_dtypes():
    c = tf.constant(np.array([[1 + 1j, 2], [3, 4j]], np.complex64))
    close(tf.linalg.det(c), -10 + 4j)
    sign, logabs = tf.linalg.slogdet(c)
    assert sign.dtype == tf.complex64 and logabs.dtype == tf.complex64
    close(sign, -0.9284766912460327 + 0.3713906705379486j)
    close(logabs, 2.3767952919006348)
    ld = tf.linalg.logdet(tf.cast(tf.constant([[4.0, 2.0], [2.0, 3.0]]), tf.complex64))
    assert ld.dtype == tf.float32 and float(ld) == pytest.approx(2.079441547393799)


def test_cholesky():
    close(tf.linalg.cholesky(A), [[2.0, 0.0, 0.0], [0.5, 1.6583124, 0.0],
                                  [0.25, 0.0452267, 1.3912061]])
    # Only the lower triangle is read; not positive definite gives NaN, not an error.
    close(tf.linalg.cholesky([[4.0, 100.0], [2.0, 3.0]]), [[2.0, 0.0], [1.0, np.sqrt(2.0)]])
    bad = np.asarray(tf.linalg.cholesky([[1.0, 2.0], [2.0, 1.0]]))
    assert np.isnan(bad[np.tril_indices(2)]).all() and bad[0, 1] == 0
    close(tf.linalg.cholesky_solve(tf.linalg.cholesky(A), RHS),
          [[-0.0817285], [0.59652418], [1.46077967]])


def test_qr_svd_eig_values():
    q, r = tf.linalg.qr(TALL)
    assert q.shape == (3, 2) and r.shape == (2, 2)
    close(q, [[-0.16903079, 0.89708501], [-0.50709248, 0.2760267], [-0.84515423, -0.34503305]])
    close(r, [[-5.91608, -7.437357], [0.0, 0.82807845]])
    q, r = tf.linalg.qr(TALL, full_matrices=True)
    assert q.shape == (3, 3) and r.shape == (3, 2)
    close(np.abs(np.asarray(q)[:, 2]), [0.40824893, 0.81649643, 0.40824804])
    s = tf.linalg.svd(TALL, compute_uv=False)
    close(s, [9.525518, 0.51429987])
    s, u, v = tf.linalg.svd(TALL)
    assert (s.shape, u.shape, v.shape) == ((2,), (3, 2), (2, 2))
    close(np.asarray(u) @ np.diag(np.asarray(s)) @ np.asarray(v).T, TALL)
    s, u, v = tf.linalg.svd(TALL, full_matrices=True)
    assert (u.shape, v.shape) == ((3, 3), (2, 2))
    close(tf.linalg.eigvalsh(A), [1.8800864, 2.3983426, 4.7215710])
    e = tf.linalg.eigvals(M)
    assert e.dtype == tf.complex64
    close(e, [2.0533559 + 0.8297037j, 2.0533559 - 0.8297037j, 4.8932886 + 0j])
    e, v = tf.linalg.eig(tf.constant(M, tf.float64))
    assert e.dtype == v.dtype == tf.complex128
    close(np.asarray(M) @ np.asarray(v), np.asarray(v) * np.asarray(e)[None, :])
    e, v = tf.linalg.eigh(A)
    close(np.asarray(v) @ np.diag(np.asarray(e)) @ np.asarray(v).T, A)


def test_complex_svd_and_eigh_dtypes():
    c = tf.constant(np.array([[2, 1j], [-1j, 3]], np.complex64))
    s, u, _v = tf.linalg.svd(c)
    assert s.dtype == tf.float32 and u.dtype == tf.complex64
    close(s, [3.6180344, 1.3819661])
    e = tf.linalg.eigvalsh(c)
    assert e.dtype == tf.complex64
    close(e, [1.3819659, 3.6180334])


def test_solves():
    close(tf.linalg.solve(M, RHS), [[0.5], [0.0], [0.75]])
    close(tf.linalg.solve(M, RHS, adjoint=True), [[0.20833331], [0.58333337], [0.45833331]])
    close(tf.linalg.triangular_solve(M, RHS, lower=False), [[0.58333331], [0.16666667], [0.75]])
    close(tf.linalg.triangular_solve(M, RHS, adjoint=True), [[0.29166666], [0.41666669], [0.75]])
    # triangular_solve broadcasts batch dims; a zero pivot gives inf, as TF.
    out = tf.linalg.triangular_solve(tf.ones((3, 1, 2, 2)) + tf.eye(2), tf.ones((2, 2, 1)))
    assert out.shape == (3, 2, 2, 1)
    close(out[0, 0], [[0.5], [0.25]])
    close(tf.linalg.triangular_solve([[0.0, 0.0], [1.0, 1.0]], [[1.0], [2.0]]),
          [[np.inf], [-np.inf]])
    close(tf.linalg.lstsq([[1.0, 1.0], [1.0, 2.0], [1.0, 3.0]], [[1.0], [2.0], [2.0]]),
          [[0.666666], [0.5]])
    close(tf.linalg.lstsq([[1.0, 1.0], [1.0, 2.0], [1.0, 3.0]], [[1.0], [2.0], [2.0]],
                          l2_regularizer=0.5), [[0.44067833], [0.576271]])
    wide = np.array(TALL).T
    x = tf.linalg.lstsq(wide, [[1.0], [2.0]])
    close(x, np.linalg.lstsq(wide, [[1.0], [2.0]], rcond=None)[0], rtol=1e-4)
    close(tf.linalg.lstsq(TALL, RHS, fast=False), np.linalg.lstsq(TALL, RHS, rcond=None)[0],
          rtol=1e-4)
    assert tf.linalg.solve(tf.ones((0, 0)), tf.ones((0, 2))).shape == (0, 2)


def test_lu_family():
    lu, p = tf.linalg.lu(M)
    close(lu, [[2.0, -1.0, 0.0], [0.5, 3.5, 2.0], [0.0, 0.2857143, 3.4285715]])
    assert p.dtype == tf.int32 and p.numpy().tolist() == [0, 1, 2]
    lu, p = tf.linalg.lu([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]],
                         output_idx_type=tf.int64)
    assert p.dtype == tf.int64 and p.numpy().tolist() == [2, 0, 1]
    close(lu, [[7.0, 8.0, 10.0], [0.142857, 0.857143, 1.571429], [0.571429, 0.5, -0.5]])
    close(tf.linalg.lu_reconstruct(lu, p), [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]])
    close(tf.linalg.lu_matrix_inverse(lu, p),
          np.linalg.inv([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]]), rtol=1e-4)
    close(tf.linalg.lu_solve(*tf.linalg.lu(M), RHS), [[0.5], [0.0], [0.75]])


def test_expm_pinv_rank():
    close(tf.linalg.expm([[0.0, 1.0], [0.0, 0.0]]), [[1.0, 1.0], [0.0, 1.0]])
    # TF's float64 result (its float32 one is ~3e-5 off; Tessera computes in float64).
    close(tf.linalg.expm(tf.constant(M, tf.float64)),
          [[1.0668825386, -17.9970363689, -24.7780666219],
           [17.9970363689, 43.8419855295, 85.5502059816],
           [12.3890333109, 42.7751029908, 99.0061218312]], rtol=1e-9)
    close(tf.linalg.expm(tf.constant([[10.0, 1.0], [-1.0, 3.0]], tf.float64)),
          [[19449.799371, 2834.296736], [-2834.296736, -390.277784]], rtol=1e-8)
    assert tf.linalg.expm(tf.zeros((0, 0))).shape == (0, 0)
    close(tf.linalg.pinv(TALL), [[-1.3333349, -0.33333445, 0.66666776],
                                 [1.0833348, 0.33333427, -0.4166676]], rtol=1e-4)
    assert tf.linalg.pinv(tf.ones((0, 3))).shape == (3, 0)
    r = tf.linalg.matrix_rank([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 0.0]])
    assert r.dtype == tf.int32 and int(r) == 2
    assert tf.linalg.matrix_rank(tf.ones((2, 3, 4))).numpy().tolist() == [1, 1]
    assert int(tf.linalg.matrix_rank([[1.0, 2.0], [2.0, 4.001]], tol=0.01)) == 1


def test_products():
    close(tf.linalg.cross([[1.0, 0.0, 0.0], [1.0, 2.0, 3.0]], [[0.0, 1.0, 0.0], [4.0, 5.0, 6.0]]),
          [[0.0, 0.0, 1.0], [-3.0, 6.0, -3.0]])
    assert tf.linalg.cross([1, 2, 3], [4, 5, 6]).numpy().tolist() == [-3, 6, -3]
    a, b = tf.reshape(tf.range(6.0), (2, 3)), tf.reshape(tf.range(12.0), (3, 4))
    expected = [[20.0, 23.0, 26.0, 29.0], [56.0, 68.0, 80.0, 92.0]]
    for axes in (1, [[1], [0]], [1, 0], [[-1], [0]]):
        close(tf.tensordot(a, b, axes), expected)
    close(tf.tensordot([1.0, 2.0], [3.0, 4.0], 0), [[3.0, 4.0], [6.0, 8.0]])
    assert tf.linalg.tensordot is tf.tensordot
    close(tf.linalg.matvec(a, [1.0, 1.0, 1.0]), [3.0, 12.0])
    close(tf.linalg.matvec(a, [1.0, 1.0], transpose_a=True), [3.0, 5.0, 7.0])
    assert tf.linalg.matvec(tf.ones((2, 2, 3)), tf.ones((3,))).shape == (2, 2)


def test_einsum():
    a, b = tf.reshape(tf.range(6.0), (2, 3)), tf.reshape(tf.range(12.0), (3, 4))
    expected = [[20.0, 23.0, 26.0, 29.0], [56.0, 68.0, 80.0, 92.0]]
    close(tf.einsum("ij,jk->ik", a, b), expected)
    close(tf.einsum("ij,jk", a, b), expected)          # implicit output
    close(tf.einsum("ij, jk -> ik", a, b), expected)   # spaces
    close(tf.einsum("ba", a), np.transpose(np.asarray(a)))
    # Implicit mode keeps "..." only when a single input has it, as TF.
    assert tf.einsum("...ji", tf.ones((2, 3, 4))).shape == (2, 4, 3)
    assert tf.einsum("...ij,jk", tf.ones((2, 3, 4)), tf.ones((4, 5))).shape == (2, 3, 5)
    assert float(tf.einsum("ii", tf.eye(3))) == 3.0
    close(tf.einsum("ii->i", tf.eye(3)), [1.0, 1.0, 1.0])
    assert tf.einsum("...ij,...jk->...ik", tf.ones((2, 1, 2, 3)), tf.ones((5, 3, 4))).shape == (
        2, 5, 2, 4)
    assert tf.einsum("i...j->j...i", tf.ones((2, 3, 4, 5))).shape == (5, 3, 4, 2)
    out = tf.einsum("ij,jk->ik", tf.ones((2, 2), tf.int32), tf.ones((2, 2), tf.int32))
    assert out.dtype == tf.int32 and out.numpy().tolist() == [[2, 2], [2, 2]]
    assert tf.linalg.einsum is tf.einsum
    close(tf.einsum("ij,jk,kl->il", a, b, tf.ones((4, 2))), [[98.0, 98.0], [296.0, 296.0]])


def test_band_part_and_diagonals():
    x = tf.reshape(tf.range(1.0, 13.0), (3, 4))
    close(tf.linalg.band_part(x, 1, 0), [[1, 0, 0, 0], [5, 6, 0, 0], [0, 10, 11, 0]])
    close(tf.linalg.band_part(x, -1, 1), [[1, 2, 0, 0], [5, 6, 7, 0], [9, 10, 11, 12]])
    close(tf.linalg.band_part(x, tf.constant(1, tf.int64), tf.constant(0, tf.int64)),
          [[1, 0, 0, 0], [5, 6, 0, 0], [0, 10, 11, 0]])
    close(tf.linalg.diag_part(x), [1.0, 6.0, 11.0])
    close(tf.linalg.diag_part(x, k=1), [2.0, 7.0, 12.0])
    close(tf.linalg.diag_part(x, k=-1), [5.0, 10.0])
    close(tf.linalg.diag_part(x, k=(-1, 1)), [[2, 7, 12], [1, 6, 11], [5, 10, 0]])
    close(tf.linalg.diag_part(x, k=(-1, 1), align="RIGHT_RIGHT", padding_value=9),
          [[2, 7, 12], [1, 6, 11], [9, 5, 10]])
    close(tf.linalg.diag_part(x, k=(-2, 2), align="LEFT_RIGHT", padding_value=9),
          [[3, 8, 9], [2, 7, 12], [1, 6, 11], [9, 5, 10], [9, 9, 9]])
    close(tf.linalg.diag_part(x, k=tf.constant([0, 1])), [[2, 7, 12], [1, 6, 11]])
    assert tf.linalg.diag([1, 2, 3]).numpy().tolist() == [[1, 0, 0], [0, 2, 0], [0, 0, 3]]
    close(tf.linalg.diag([1.0, 2.0], k=1), [[0, 1, 0], [0, 0, 2], [0, 0, 0]])
    close(tf.linalg.diag([1.0, 2.0], k=-1, num_rows=4), [[0, 0], [1, 0], [0, 2], [0, 0]])
    close(tf.linalg.diag([1.0, 2.0], num_cols=3, padding_value=7), [[1, 7, 7], [7, 2, 7]])
    close(tf.linalg.diag([[1.0, 2.0, 0.0], [3.0, 4.0, 5.0]], k=(0, 1)),
          [[3, 2, 0], [0, 4, 0], [0, 0, 5]])
    close(tf.linalg.diag([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]], k=(-1, 0)),
          [[1, 0, 0], [3, 2, 0], [0, 4, 3]])
    assert tf.linalg.diag([1.0, 2.0], k=5).shape == (7, 7)
    close(tf.linalg.set_diag(x, [0.0, 0.0, 0.0], k=1),
          [[1, 0, 3, 4], [5, 6, 0, 8], [9, 10, 11, 0]])
    close(tf.linalg.set_diag(x, [[7.0, 8, 9], [0.0, 0, 0]], k=(0, 1)),
          [[0, 7, 3, 4], [5, 0, 8, 8], [9, 10, 0, 9]])
    close(tf.linalg.set_diag(tf.zeros((2, 2)), [1, 2]), [[1, 0], [0, 2]])
    assert float(tf.linalg.trace(x)) == 18.0
    t = tf.linalg.trace(tf.ones((3, 3), tf.int32))
    assert t.dtype == tf.int32 and int(t) == 3
    close(tf.linalg.trace(tf.ones((2, 3, 3))), [3.0, 3.0])
    assert tf.linalg.tensor_diag([[1, 2], [3, 4]]).shape == (2, 2, 2, 2)
    assert tf.linalg.tensor_diag_part(
        tf.reshape(tf.range(16), (2, 2, 2, 2))).numpy().tolist() == [[0, 5], [10, 15]]


def test_eye():
    e = tf.eye(2, 3, batch_shape=[2], dtype=tf.int32)
    assert e.dtype == tf.int32 and e.shape == (2, 2, 3)
    assert e.numpy()[1].tolist() == [[1, 0, 0], [0, 1, 0]]
    assert tf.linalg.eye is tf.eye and tf.eye(0).shape == (0, 0)
    assert tf.eye(tf.constant(2)).dtype == tf.float32
    assert tf.eye(2, dtype=tf.bool).numpy().tolist() == [[True, False], [False, True]]
    assert tf.eye(2, dtype=tf.complex64).dtype == tf.complex64
    with pytest.raises(errors.InvalidArgumentError, match="Dimension -1 must be >= 0"):
        tf.eye(-1)


@pytest.mark.parametrize("ord_, axis, keepdims, expected, shape", [
    ("euclidean", None, False, 9.539392, ()),
    ("euclidean", 1, False, [3.741657, 8.774964], (2,)),
    (1, None, False, 21.0, ()),
    (np.inf, 1, False, [3.0, 6.0], (2,)),
    (3, None, False, 7.611663, ()),
    (0.5, None, False, 117.32838, ()),
    ("fro", (0, 1), False, 9.539392, ()),
    (1, (0, 1), False, 9.0, ()),
    (np.inf, [0, 1], False, 15.0, ()),
    (2, (0, 1), False, 9.508034, ()),
    ("euclidean", None, True, [[9.539392]], (1, 1)),
    ("euclidean", 0, True, [[4.123106, 5.385165, 6.708204]], (1, 3)),
    (1, (0, 1), True, [[9.0]], (1, 1)),
])
def test_norm(ord_, axis, keepdims, expected, shape):
    x = tf.constant([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]])
    out = tf.norm(x, ord=ord_, axis=axis, keepdims=keepdims)
    assert out.shape == shape and out.dtype == tf.float32
    close(out, expected)


def test_norm_more():
    cube = tf.reshape(tf.range(8.0), (2, 2, 2))
    close(tf.norm(cube, ord=np.inf, axis=(0, 2)), [9.0, 13.0])
    close(tf.norm(cube, ord=2, axis=(2, 0)), [6.451011, 9.891232])
    close(tf.norm(tf.ones((2, 2, 2)), ord="fro", axis=(1, 2)), [2.0, 2.0])
    c = tf.constant(np.array([3 + 4j, 0j]))
    n = tf.norm(c)
    assert n.dtype == tf.complex128 and complex(n) == 5 + 0j
    assert tf.norm(c, ord=np.inf).dtype == tf.float64
    assert tf.norm([3.0, 4.0]).numpy() == 5.0
    assert tf.linalg.norm is tf.norm
    assert float(tf.norm(tf.zeros((0,)))) == 0.0
    n, v = tf.linalg.normalize([[3.0, 4.0], [6.0, 8.0]], axis=1)[::-1]
    close(n, [[5.0], [10.0]])
    close(v, [[0.6, 0.8], [0.6, 0.8]])
    assert float(tf.linalg.global_norm([tf.constant([3.0, 4.0]), tf.constant([[12.0]]), None])) \
        == 13.0
    g = tf.linalg.global_norm([])
    assert g.dtype == tf.float32 and float(g) == 0.0


def test_tridiagonal():
    diags = [[1.0, 1.0, 0.0], [4.0, 4.0, 4.0], [0.0, 1.0, 1.0]]
    close(tf.linalg.tridiagonal_solve(diags, RHS), [[0.17857143], [0.28571427], [0.6785714]])
    close(tf.linalg.tridiagonal_matmul(diags, RHS), [[6.0], [12.0], [14.0]])
    close(tf.linalg.tridiagonal_solve(diags, [1.0, 2.0, 3.0]), [0.17857143, 0.28571427, 0.6785714])
    seq = tf.linalg.tridiagonal_solve(([1.0, 1.0, 0.0], [4.0, 4.0, 4.0], [0.0, 1.0, 1.0]), RHS,
                                      diagonals_format="sequence")
    close(seq, [[0.17857143], [0.28571427], [0.6785714]])


def test_float16_runs_in_float32():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]], tf.float16)
    out = tf.linalg.inv(x)
    assert out.dtype == tf.float16
    close(out, [[-2.0, 1.0], [1.5, -0.5]], rtol=1e-3)
    assert tf.linalg.det(x).dtype == tf.float16


# ---- matmul ----------------------------------------------------------------------------------
def test_matmul_paths():
    a = np.random.RandomState(0).rand(2, 3, 4).astype(np.float32)
    b = np.random.RandomState(1).rand(4, 5).astype(np.float32)
    close(tf.matmul(a, b), a @ b)
    close(tf.constant(a) @ tf.constant(b), a @ b)
    close(tf.matmul(b, a, transpose_a=True, transpose_b=True), np.einsum("ji,bkj->bik", b, a))
    close(tf.matmul(a[0], a[0], adjoint_b=True), a[0] @ a[0].T)
    out = tf.matmul(tf.ones((2, 2), tf.uint8), tf.ones((2, 2), tf.uint8))
    assert out.dtype == tf.uint8 and out.numpy().tolist() == [[2, 2], [2, 2]]


def test_matmul_errors():
    with pytest.raises(errors.InvalidArgumentError,
                       match=r"Matrix size-incompatible: In\[0\]: \[2,3\], In\[1\]: \[2,3\]"):
        tf.matmul(tf.ones((2, 3)), tf.ones((2, 3)))
    with pytest.raises(errors.InvalidArgumentError, match=r"In\[0\] ndims must be >= 2"):
        tf.matmul(tf.ones(3), tf.ones((3, 2)))
    with pytest.raises(ValueError, match="Only one of `transpose_a` and `adjoint_a` can be "
                                         "True. Received `transpose_a`=True, `adjoint_a`=True."):
        tf.matmul(tf.ones((2, 2)), tf.ones((2, 2)), transpose_a=True, adjoint_a=True)
    with pytest.raises(errors.InvalidArgumentError, match="Value for attr 'T' of bool is not in "
                       "the list of allowed values: bfloat16, half, float, double, int32, int64, "
                       "uint8, uint16, uint32, uint64, complex64, complex128"):
        tf.matmul(tf.ones((2, 2), tf.bool), tf.ones((2, 2), tf.bool))
    with pytest.raises(ValueError, match="should be a \\(batch\\) matrix with rank >= 2"):
        tf.linalg.matrix_transpose(tf.ones(3))


# ---- errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize("call, cls, message", [
    (lambda: tf.linalg.inv([[1, 2], [3, 4]]), errors.InvalidArgumentError,
     "Value for attr 'T' of int32 is not in the list of allowed values: double, float, half, "
     "complex64, complex128\n\t; NodeDef: {{node MatrixInverse}} [Op:MatrixInverse] name: "),
    (lambda: tf.linalg.det([[1, 2], [3, 4]]), errors.InvalidArgumentError,
     "Value for attr 'T' of int32 is not in the list of allowed values: half, float, double, "
     "complex64, complex128\n\t; NodeDef: {{node MatrixDeterminant}} [Op:MatrixDeterminant] "
     "name: "),
    (lambda: tf.linalg.inv(tf.ones((2, 3))), errors.InvalidArgumentError,
     "Input matrix must be square. [Op:MatrixInverse] name: "),
    (lambda: tf.linalg.cholesky(tf.ones(3)), errors.InvalidArgumentError,
     "Input tensor 0 must have rank >= 2, got 1 [Op:Cholesky] name: "),
    (lambda: tf.linalg.inv(tf.ones((2, 2))), errors.InvalidArgumentError,
     "Input is not invertible. [Op:MatrixInverse] name: "),
    (lambda: tf.linalg.lu(tf.ones((2, 2))), errors.InvalidArgumentError,
     "Input is not invertible. [Op:Lu] name: "),
    (lambda: tf.linalg.lu(tf.ones(2)), errors.InvalidArgumentError,
     "Input tensor must have rank >= 2, got 1 [Op:Lu] name: "),
    (lambda: tf.linalg.solve(tf.ones((2, 2)), tf.ones((2, 1))), errors.InvalidArgumentError,
     "Input matrix is not invertible. [Op:MatrixSolve] name: "),
    (lambda: tf.linalg.solve(tf.ones((2, 2, 2)), tf.ones((2, 1))), errors.InvalidArgumentError,
     "All input tensors must have the same rank. [Op:MatrixSolve] name: "),
    (lambda: tf.linalg.solve(tf.ones((2, 2, 2)), tf.ones((1, 2, 1))),
     errors.InvalidArgumentError,
     "All input tensors must have the same outer dimensions. [Op:MatrixSolve] name: "),
    (lambda: tf.linalg.solve(tf.ones((2, 3)), tf.ones((2, 1))), errors.InvalidArgumentError,
     "First input (lhs) must be a square matrix. [Op:MatrixSolve] name: "),
    (lambda: tf.linalg.solve(tf.eye(2), tf.ones((3, 1))), errors.InvalidArgumentError,
     "Input matrix and rhs are incompatible. [Op:MatrixSolve] name: "),
    (lambda: tf.linalg.solve(tf.eye(2), tf.ones((2, 1), tf.float64)),
     errors.InvalidArgumentError,
     "cannot compute MatrixSolve as input #1(zero-based) was expected to be a float tensor but "
     "is a double tensor [Op:MatrixSolve] name: "),
    (lambda: tf.linalg.triangular_solve(tf.ones((2, 3)), tf.ones((2, 1))),
     errors.InvalidArgumentError,
     "In[0] matrices in the last dimensions must be square (3 =/= 2) "
     "[Op:MatrixTriangularSolve] name: "),
    (lambda: tf.linalg.triangular_solve(tf.eye(2), tf.ones((3, 1))),
     errors.InvalidArgumentError,
     "In[0] mismatch In[1] shape: 2 vs. 3: [2,2] [3,1] 1 0 [Op:MatrixTriangularSolve] name: "),
    (lambda: tf.linalg.triangular_solve(tf.eye(2), tf.ones(2)), errors.InvalidArgumentError,
     "In[1] ndims must be >= 2: 1 [Op:MatrixTriangularSolve] name: "),
    (lambda: tf.norm(tf.ones((2, 2)), ord=0), ValueError,
     "'ord' must be a supported vector norm, got 0"),
    (lambda: tf.norm(tf.ones((2, 2)), ord="fro"), ValueError,
     "'ord' must be a supported vector norm, got fro"),
    (lambda: tf.norm(tf.ones((2, 2)), ord=3, axis=(0, 1)), ValueError,
     "'ord' must be a supported matrix norm in ['euclidean', 'fro', 1, 2, inf], got 3"),
    (lambda: tf.norm(tf.ones((2, 2)), axis=(0, 0)), ValueError,
     "'axis' must be None, an integer, or a tuple of 2 unique integers, got (0, 0)"),
    (lambda: tf.norm(tf.ones((2, 2)), axis=[0, 1, 1]), ValueError,
     "'axis' must be None, an integer, or a tuple of 2 unique integers, got [0, 1, 1]"),
    (lambda: tf.norm(tf.ones((2, 2)), axis=5), errors.InvalidArgumentError,
     "Invalid reduction dimension (5 for input with 2 dimension(s) [Op:Sum]"),
    (lambda: tf.norm([3, 4]), errors.InvalidArgumentError,
     "Value for attr 'T' of int32 is not in the list of allowed values: bfloat16, half, float, "
     "double, complex64, complex128\n\t; NodeDef: {{node Sqrt}} [Op:Sqrt] name: "),
    (lambda: tf.linalg.band_part(tf.ones(3), 0, 0), errors.InvalidArgumentError,
     "input must be at least 2-dim, received shape: [3] [Op:MatrixBandPart] name: "),
    (lambda: tf.linalg.band_part(tf.ones((3, 4)), 5, 0), errors.InvalidArgumentError,
     "num_lower must be negative or less or equal to number of rows (3) got: 5 "
     "[Op:MatrixBandPart] name: "),
    (lambda: tf.linalg.diag_part(tf.ones((3, 4)), k=4), errors.InvalidArgumentError,
     "lower_diag_index is out of bound: 4. It must be between -3 and 4 [Op:MatrixDiagPartV3] "
     "name: diag_part"),
    (lambda: tf.linalg.diag_part(tf.ones((3, 4)), k=(1, -1)), errors.InvalidArgumentError,
     "lower_diag_index must not be larger than upper_diag_index: 1 > -1 "
     "[Op:MatrixDiagPartV3]"),
    (lambda: tf.linalg.diag_part(tf.ones(3)), errors.InvalidArgumentError,
     "input must be at least 2-dim, received shape: [3] [Op:MatrixDiagPartV3] name: diag_part"),
    (lambda: tf.linalg.diag(tf.constant(1.0)), errors.InvalidArgumentError,
     "diagonal must be at least 1-dim, received shape: [] [Op:MatrixDiagV3] name: diag"),
    (lambda: tf.linalg.diag(tf.ones((2, 3)), k=(-1, 1)), errors.InvalidArgumentError,
     "The number of diagonals provided in the input does not match the lower_diag_index and "
     "upper_diag_index range. [Op:MatrixDiagV3]"),
    (lambda: tf.linalg.diag(tf.ones(3), num_rows=2), errors.InvalidArgumentError,
     "The number of rows is too small. [Op:MatrixDiagV3] name: diag"),
    (lambda: tf.linalg.diag(tf.ones(3), num_rows=5, num_cols=5), errors.InvalidArgumentError,
     "The number of rows or columns is not consistent with the specified d_lower, d_upper, and "
     "diagonal. [Op:MatrixDiagV3] name: diag"),
    (lambda: tf.linalg.set_diag(tf.zeros((3, 4)), tf.ones(2)), errors.InvalidArgumentError,
     "Either first dimensions of diagonal don't match input.shape[:-2], or diagonal.shape[:-1] "
     "is not equal to the longests diagonal in range [lower_diag_index:upper_diag_index].\n"
     "Input shape: [3,4]\nDiagonal shape: [2]\nExpected diagonal shape: [3] "
     "[Op:MatrixSetDiagV3] name: set_diag"),
    (lambda: tf.linalg.set_diag(tf.zeros((2, 2)), tf.ones((1,)), k=3),
     errors.InvalidArgumentError,
     "lower_diag_index is out of bound: 3 It must be between -2 and 2 [Op:MatrixSetDiagV3] "
     "name: set_diag"),
    (lambda: tf.einsum("ij,jk->ik", tf.ones((2, 2))), ValueError,
     'Got 1 inputs for equation "ij,jk->ik", expecting 2'),
    (lambda: tf.einsum("i1->i", tf.ones((2, 2))), ValueError,
     "Subscripts have incorrect format: i1->i"),
    (lambda: tf.einsum("ijk->i", tf.ones((2, 2))), errors.InvalidArgumentError,
     "Expected input 0 to have rank 3 but got: 2 [Op:Einsum] name: "),
    (lambda: tf.einsum("ij->ik", tf.ones((2, 2))), ValueError,
     "Output subscripts contain the label k not present in the input subscripts."),
    (lambda: tf.einsum("i->ii", tf.ones(2)), ValueError,
     "Output subscripts contain a label appearing more than once: i->ii"),
    (lambda: tf.einsum("ij,jk->ik", tf.ones((2, 3)), tf.ones((2, 3))),
     errors.InvalidArgumentError,
     "Expected dimension 3 at axis 0 of the input shaped [2,3] but got dimension 2 "
     "[Op:Einsum] name: "),
    (lambda: tf.einsum("...ij,...jk", tf.ones((2, 1, 3, 4)), tf.ones((5, 4, 2))),
     errors.InvalidArgumentError,
     "Output contains 2 broadcasting dimension(s) but no ellipsis (...) was found in the "
     "output subscripts. [Op:Einsum] name: "),
    (lambda: tf.einsum("ij->j", tf.ones((2, 2)), foo=1), TypeError,
     "Invalid keyword arguments for einsum: foo. Valid arguments: name, optimize, greedy."),
    (lambda: tf.einsum("ij->ji", tf.ones((2, 2), tf.bool)), errors.NotFoundError,
     'Could not find device for node: {{node Einsum}} = Einsum[N=1, T=DT_BOOL, '
     'equation="ij->ji"] [Op:Einsum] name: '),
    (lambda: tf.tensordot(tf.ones((2, 3)), tf.ones((3, 2)), -1), ValueError,
     "`axes` must be at least 0. Received: -1."),
    (lambda: tf.tensordot(tf.ones((2, 3)), tf.ones((3, 2)), [[1], [0], [0]]), ValueError,
     "`axes` must be an integer or have length 2. Received [[1], [0], [0]]."),
    (lambda: tf.tensordot(tf.ones((2, 3)), tf.ones((3, 2)), [[1], [0, 1]]), ValueError,
     "Different number of contraction axes `a` and `b`, 1 != 2."),
    (lambda: tf.linalg.cross(tf.ones((2, 3)), tf.ones((1, 3))), errors.InvalidArgumentError,
     "Both inputs must be of same shape: [2,3] vs. [1,3] [Op:Cross] name: "),
    (lambda: tf.linalg.cross(tf.ones((2, 2)), tf.ones((2, 2))), errors.FailedPreconditionError,
     "Cross-products are only defined for 3-element vectors. [Op:Cross] name: "),
    (lambda: tf.linalg.cross(1.0, 2.0), errors.InvalidArgumentError,
     "Input must be at least 1D[] [Op:Cross] name: "),
    (lambda: tf.linalg.expm([[1, 2], [3, 4]]), ValueError,
     "tf.linalg.expm does not support matrices of type <dtype: 'int32'>"),
    (lambda: tf.linalg.pinv([[1, 2], [3, 4]]), TypeError,
     "Input `a` must have `float`-like `dtype` (saw int32)."),
    (lambda: tf.linalg.matrix_rank([[1, 2], [3, 4]]), TypeError,
     "Input `a` must have `float`-like `dtype` (saw int32)."),
    (lambda: tf.linalg.global_norm([tf.constant([3, 4])]), errors.InvalidArgumentError,
     "Value for attr 'T' of int32 is not in the list of allowed values: half, bfloat16, float, "
     "double\n\t; NodeDef: {{node L2Loss}} [Op:L2Loss] name: "),
    (lambda: tf.linalg.lstsq(tf.ones((4, 3)), tf.ones((3, 1))), errors.InvalidArgumentError,
     "Matrix size-incompatible: In[0]: [4,3], In[1]: [3,1] [Op:MatMul] name: "),
])
def test_errors_match_tensorflow(call, cls, message):
    with pytest.raises(cls) as info:
        call()
    assert str(info.value) == message


def test_global_norm_needs_a_sequence():
    with pytest.raises(TypeError, match="`t_list` should be a sequence of tensors. Received"):
        tf.linalg.global_norm(tf.ones(3))


# ---- gradients of the public functions -------------------------------------------------------
def _sym(x):
    return (x + tf.linalg.matrix_transpose(x)) * 0.5


SPD = np.array(A)
WELL = np.array(M) + 2 * np.eye(3)


@pytest.mark.parametrize("name, fn, args", [
    ("cholesky", lambda x: tf.linalg.cholesky(_sym(x)), (SPD,)),
    ("logdet", lambda x: tf.linalg.logdet(_sym(x)), (SPD,)),
    ("cholesky_solve", lambda x, b: tf.linalg.cholesky_solve(tf.linalg.cholesky(_sym(x)), b),
     (SPD, np.array(RHS))),
    ("eigh", lambda x: tf.linalg.eigh(x)[0] + tf.reduce_sum(tf.linalg.eigh(x)[1] ** 2, 0), (SPD,)),
    ("lstsq", lambda a, b: tf.linalg.lstsq(a, b), (np.array(TALL), np.array(RHS))),
    ("lstsq_l2_wide", lambda a, b: tf.linalg.lstsq(a, b, l2_regularizer=0.3),
     (np.array(TALL).T, np.array(RHS)[:2])),
    ("pinv", tf.linalg.pinv, (np.array(TALL),)),
    ("norm", tf.norm, (np.array(M),)),
    ("norm_2", lambda x: tf.norm(x, ord=2, axis=(0, 1)), (np.array(M),)),
    ("norm_p", lambda x: tf.norm(x, ord=3, axis=0), (np.array(M) + 0.1,)),
    ("normalize", lambda x: tf.linalg.normalize(x, axis=1)[0], (np.array(M),)),
    ("global_norm", lambda x, y: tf.linalg.global_norm([x, y]), (np.array(M), np.array(RHS))),
    ("trace", tf.linalg.trace, (np.array(M),)),
    ("tensordot", lambda a, b: tf.tensordot(a, b, [[0], [1]]), (np.array(TALL), np.array(M))),
    ("matvec", lambda a, b: tf.linalg.matvec(a, b), (np.array(M), np.array([1.0, 2.0, 3.0]))),
    ("lu_solve", lambda a, b: tf.linalg.lu_solve(*tf.linalg.lu(a), b), (WELL, np.array(RHS))),
    ("lu_reconstruct", lambda a: tf.linalg.lu_reconstruct(*tf.linalg.lu(a)), (WELL,)),
    ("expm", tf.linalg.expm, (np.array(M) * 0.3,)),
    ("tridiagonal_solve", lambda d, b: tf.linalg.tridiagonal_solve(d, b),
     (np.array([[1.0, 1.0, 0.0], [4.0, 4.0, 4.0], [0.0, 1.0, 1.0]]), np.array(RHS))),
    ("einsum_batch_diag", lambda a, b: tf.einsum("bii,bj->bj", a, b),
     (np.random.RandomState(0).rand(2, 3, 3), np.random.RandomState(1).rand(2, 4))),
    ("det_inv", lambda x: tf.linalg.det(x) * tf.linalg.inv(x), (WELL,)),
])
def test_gradients_of_composites(name, fn, args):
    check_grad(fn, *args)


def test_gradients_match_tensorflow():
    x = tf.constant([[4.0, 2.0], [2.0, 3.0]])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(tf.linalg.cholesky(x) * tf.constant([[1.0, 0.0], [2.0, 3.0]]))
    close(t.gradient(y, x), [[0.26516503, -0.03033008], [-0.03033008, 1.0606601]])
    with tf.GradientTape() as t:  # eigh: the gradient folds onto the lower triangle
        t.watch(x)
        y = tf.reduce_sum(tf.linalg.eigh(x)[0] * tf.constant([1.0, 2.0]))
    close(t.gradient(y, x), [[1.6212678, 0.0], [0.97014242, 1.3787321]])
    m = tf.constant(M)
    with tf.GradientTape() as t:
        t.watch(m)
        y = tf.linalg.det(m)
    close(t.gradient(y, m), [[10.0, -4.0, 1.0], [4.0, 8.0, -2.0], [-2.0, -4.0, 7.0]])
    with tf.GradientTape() as t:
        t.watch(m)
        y = tf.reduce_sum(tf.linalg.svd(m, compute_uv=False) * tf.constant([1.0, 2.0, 3.0]))
    close(t.gradient(y, m), [[1.9311074, -0.63784075, 0.09830298],
                             [1.0966609, 1.9791316, -0.62498683],
                             [-0.65542549, -1.066222, 1.6666379]], rtol=1e-4, atol=1e-4)
    v = tf.constant([3.0, 4.0])
    with tf.GradientTape() as t:
        t.watch(v)
        y = tf.norm(v)
    close(t.gradient(y, v), [0.6, 0.8])


def test_second_order_gradient_through_inverse():
    x = tf.constant(WELL)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.linalg.inv(x))
        g = inner.gradient(y, x)
        z = tf.reduce_sum(g * g)
    gg = outer.gradient(z, x)
    eps, num = 1e-6, np.zeros((3, 3))

    def zval(v):
        inv = np.linalg.inv(v)
        grad = -inv.T @ np.ones((3, 3)) @ inv.T
        return np.sum(grad * grad)

    for idx in np.ndindex(3, 3):
        up, down = WELL.copy(), WELL.copy()
        up[idx] += eps
        down[idx] -= eps
        num[idx] = (zval(up) - zval(down)) / (2 * eps)
    close(gg, num, rtol=1e-5, atol=1e-6)


def test_gradient_not_implemented_cases():
    x = tf.constant(np.random.RandomState(0).rand(5, 3))
    with tf.GradientTape() as t:
        t.watch(x)
        q, _r = tf.linalg.qr(x, full_matrices=True)
    with pytest.raises(NotImplementedError, match="QrGrad not implemented when nrows > ncols"):
        t.gradient(q, x)
    with tf.GradientTape() as t:
        t.watch(x)
        _s, u, _v = tf.linalg.svd(x, full_matrices=True)
    with pytest.raises(NotImplementedError, match=r"abs\(m - n\) > 1"):
        t.gradient(u, x)


# ---- properties ------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 5), batch=st.integers(0, 2), seed=st.integers(0, 10_000))
def test_decompositions_reconstruct(n, batch, seed):
    rng = np.random.RandomState(seed)
    shape = (batch, n, n) if batch else (n, n)
    a = rng.uniform(-1, 1, shape) + 2 * n * np.eye(n)
    x = tf.constant(a)
    close(tf.linalg.inv(x) @ x, np.broadcast_to(np.eye(n), shape), atol=1e-9)
    q, r = tf.linalg.qr(x)
    close(q @ r, a, atol=1e-9)
    s, u, v = tf.linalg.svd(x)
    close(tf.matmul(u * s[..., None, :], v, adjoint_b=True), a, atol=1e-9)
    lu, p = tf.linalg.lu(x)
    close(tf.linalg.lu_reconstruct(lu, p), a, atol=1e-9)
    sym = a @ np.swapaxes(a, -1, -2)
    chol = tf.linalg.cholesky(sym)
    close(chol @ tf.linalg.adjoint(chol), sym, rtol=1e-9, atol=1e-9)
    close(tf.linalg.det(x), np.linalg.det(a), rtol=1e-9)
    close(tf.linalg.expm(tf.zeros_like(x)), np.broadcast_to(np.eye(n), shape))


@settings(max_examples=30, deadline=None)
@given(m=st.integers(1, 5), n=st.integers(1, 5), k0=st.integers(-4, 4), width=st.integers(0, 3),
       align=st.sampled_from(["LEFT_RIGHT", "RIGHT_LEFT", "LEFT_LEFT", "RIGHT_RIGHT"]))
def test_diag_part_and_set_diag_round_trip(m, n, k0, width, align):
    k1 = k0 + width
    if not ((-m < k0 < n or k0 == 0) and (-m < k1 < n or k1 == 0)):
        return
    x = tf.constant(np.random.RandomState(m * 7 + n).rand(2, m, n))
    d = tf.linalg.diag_part(x, k=(k0, k1), align=align)
    assert tf.linalg.set_diag(x, d, k=(k0, k1), align=align).numpy().tolist() == \
        x.numpy().tolist()
    band = tf.linalg.set_diag(tf.zeros_like(x), d, k=(k0, k1), align=align)
    mask = np.zeros((m, n), bool)
    for i in range(m):
        for j in range(n):
            mask[i, j] = k0 <= j - i <= k1
    close(band, np.where(mask, x.numpy(), 0))


_EQUATIONS = ["ij,jk->ik", "ij->ji", "ij->", "i,i->", "bij,bjk->bik", "ij,ij->ij", "ii->i",
              "i,j->ij", "ijk->kj", "...ij,...jk->...ik"]


@settings(max_examples=20, deadline=None)
@given(eq=st.sampled_from(_EQUATIONS), seed=st.integers(0, 1000))
def test_einsum_matches_numpy(eq, seed):
    rng = np.random.RandomState(seed)
    dims = dict(zip("ijkb", rng.randint(1, 4, 4)))
    ins = eq.split("->")[0].split(",")
    arrays = []
    for sub in ins:
        shape = [2] if "..." in sub else []
        shape += [int(dims["i"] if c == "i" and "ii" in sub else dims[c])
                  for c in sub.replace("...", "")]
        arrays.append(rng.rand(*shape))
    close(tf.einsum(eq, *arrays), np.einsum(eq, *arrays), rtol=1e-10)
