"""tf.signal: values, dtypes, shapes, gradients and errors of the public functions.

Every expected value here was read off TensorFlow 2.21 (the oracle); the tests do not
import TensorFlow.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tessera as tf
from tessera import errors


def _c(re, im):
    return np.asarray(re) + 1j * np.asarray(im)


# ---- expected values from TF 2.21 ---------------------------------------------------------------
SIG_X = [1.0, -2.0, 3.5, 0.25, 4.0]
RFFT = _c([6.75, -1.41578, 0.54078], [0.0, 3.79604, 6.61765])
RFFT8 = _c([6.75, -4.59099, 1.5, -1.40901, 10.25], [0.0, -2.26256, 2.25, 4.73744, 0.0])
RFFT3 = _c([2.5, 0.25], [0.0, 4.76314])
SIG_C = _c([1.0, 2.0, -0.5, 0.0], [1.0, -1.0, 0.5, 3.0])
FFT = _c([2.5, -2.5, -1.5, 5.5], [3.5, -1.5, -0.5, 2.5])
IFFT = _c([0.625, 1.375, -0.375, -0.625], [0.875, 0.625, -0.125, -0.375])
IRFFT = [0.66667, 0.72767, 0.34968, -0.66667, -0.51635, 0.439]
IRFFT5 = [0.8, 0.87188, -0.08369, -0.93434, 0.34615]
FFT2D = _c([[2.5, -1.5], [3.5, -0.5]], [[3.5, -0.5], [-3.5, 4.5]])
RFFT2D = _c([[2.75, 6.25], [-4.75, -0.25]], [[0.0, 0.0], [0.0, 0.0]])
RFFT_GRAD = [4.0, 1.23205, 1.23205, 4.0, -2.23205]
IRFFT_GRAD = _c([2.5, -1.0, -1.0, -0.5], [0.0, 1.73205, 0.57735, 0.0])
FFT_GRAD = _c([7.0, 1.0, -5.0, 1.0], [-3.0, 1.0, -3.0, 5.0])
DCT1 = [8.5, -6.18198, -2.0, 0.18198, 15.5]
DCT2 = [13.5, -8.35137, 2.17173, 0.75304, 12.92173]
DCT2O = [3.01869, -2.64094, 0.68676, 0.23813, 4.08621]
IDCT2 = [5.62492, -10.46192, 2.0, -4.80859, 12.64559]
DCT3 = [5.62492, -10.46192, 2.0, -4.80859, 12.64559]
DCT3O = [1.90974, -3.17737, 0.76344, -1.38962, 4.12987]
IDCT3 = [13.5, -8.35137, 2.17173, 0.75304, 12.92173]
DCT4 = [4.83957, -7.91924, 5.3033, 2.75865, 14.53458]
DCT4O = [1.53041, -2.50428, 1.67705, 0.87236, 4.59624]
IDCT4 = [4.83957, -7.91924, 5.3033, 2.75865, 14.53458]
DCT2N3 = [5.0, -4.33013, 8.5]
DCT2N7 = [13.5, -1.61135, -8.94049, 4.27413, 2.01304, 3.98565, 15.95353]
HANN5 = [0.0, 0.5, 1.0, 0.5, 0.0]
HANN6 = [0.0, 0.25, 0.75, 1.0, 0.75, 0.25]
HANN6S = [0.0, 0.34549, 0.90451, 0.90451, 0.34549, 0.0]
HAMMING6 = [0.08, 0.31, 0.77, 1.0, 0.77, 0.31]
KAISER5 = [5e-05, 0.21567, 1.0, 0.21567, 5e-05]
VORBIS4 = [0.22801, 0.97366, 0.97366, 0.22801]
KBD6 = [0.00713, 0.70711, 0.99997, 0.99997, 0.70711, 0.00713]
FRAME = [[0, 1, 2], [2, 3, 4], [4, 5, 6]]
FRAME_PAD = [[0, 1, 2], [2, 3, 4], [4, 5, 6], [6, -1, -1]]
OLA = [0.0, 1.0, 5.0, 4.0, 5.0]
STFT = _c([[4.0, -2.0, 0.0], [10.0, -5.0, 0.0], [16.0, -8.0, 0.0]], [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])
MEL = [[0.0, 0.0, 0.0], [0.46626, 0.0, 0.0], [0.37301, 0.62699, 0.0], [0.0, 0.3156, 0.6844], [0.0, 0.0, 0.34461], [0.0, 0.0, 0.0]]
MFCC = [[1.76777, 1.71246, -1.25, -0.43873]]
MDCT = [[-5.60732, -0.21487], [-11.1895, 0.70123], [-16.77168, 1.61733]]
IMDCT = [-0.16703, 0.71324, -0.69523, -0.73551, -0.03858, -0.00904]
FFTSHIFT = [[8, 9, 5, 6, 7], [3, 4, 0, 1, 2]]
IFFTSHIFT = [[2, 3, 4, 0, 1], [7, 8, 9, 5, 6]]

EXPECTED = globals()
X = np.asarray(SIG_X, np.float32)
C = np.asarray(SIG_C, np.complex64)


def close(got, want, tol=1e-4):
    np.testing.assert_allclose(np.asarray(got, np.complex128), np.asarray(want, np.complex128),
                               rtol=tol, atol=tol)


# ---- FFTs ----------------------------------------------------------------------------------------
def test_fft_family_matches_tf():
    close(tf.signal.fft(C), FFT)
    close(tf.signal.ifft(C), IFFT)
    close(tf.signal.fft2d(C.reshape(2, 2)), FFT2D)
    close(tf.signal.rfft(X), RFFT)
    close(tf.signal.rfft(X, [8]), RFFT8)
    close(tf.signal.rfft(X, [3]), RFFT3)
    close(tf.signal.irfft(C), IRFFT)
    close(tf.signal.irfft(C, [5]), IRFFT5)
    close(tf.signal.rfft2d(X[:4].reshape(2, 2)), RFFT2D)


def test_fft_dtypes_and_shapes():
    assert tf.signal.fft(C).dtype == tf.complex64
    assert tf.signal.fft(C.astype(np.complex128)).dtype == tf.complex128
    assert tf.signal.fft2d(C.astype(np.complex128).reshape(2, 2)).dtype == tf.complex64  # as TF
    assert tf.signal.fft([1.0, 2.0]).dtype == tf.complex64  # Python lists convert
    assert tf.signal.rfft(tf.constant(X.astype(np.float64))).dtype == tf.complex128
    assert tf.signal.irfft(tf.constant(C.astype(np.complex128))).dtype == tf.float64
    assert tf.signal.rfft(np.zeros((2, 3, 10), np.float32)).shape == (2, 3, 6)
    assert tf.signal.irfft(np.zeros((2, 6), np.complex64)).shape == (2, 10)
    assert tf.signal.irfft3d(np.zeros((2, 3, 4, 5), np.complex64), [3, 4, 7]).shape == (2, 3, 4, 7)
    assert tf.signal.rfft(np.zeros(0, np.float32)).shape == (0,)
    assert tf.signal.fft(np.zeros((2, 0), np.complex64)).shape == (2, 0)


def test_fft_gradients_match_tf():
    vx = tf.Variable(X)
    with tf.GradientTape() as t:
        r = tf.math.real(tf.reduce_sum(tf.signal.rfft(vx, [6]) *
                                       tf.constant(np.array([1, 2j, 3, -1j], np.complex64))))
    close(t.gradient(r, vx), RFFT_GRAD)
    vc = tf.Variable(C)
    with tf.GradientTape() as t:
        r = tf.reduce_sum(tf.signal.irfft(vc) * np.arange(6, dtype=np.float32))
    close(t.gradient(r, vc), IRFFT_GRAD)
    with tf.GradientTape() as t:
        r = tf.math.real(tf.reduce_sum(tf.signal.fft(vc) * np.array([1, 2, 3j, 4], np.complex64)))
    close(t.gradient(r, vc), FFT_GRAD)


@settings(max_examples=25, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6),
                  elements=st.floats(-5, 5)))
def test_fft_round_trips(x):
    x = tf.constant(x).numpy()  # float64 stays float64 as a tensor (NumPy input would be cast)
    xt = tf.constant(x)
    close(tf.signal.ifft(tf.signal.fft(x.astype(np.complex128))), x, 1e-9)
    n = x.shape[-1]
    close(tf.signal.irfft(tf.signal.rfft(xt), [n]), x, 1e-9)
    if x.ndim >= 2:
        close(tf.signal.ifft2d(tf.signal.fft2d(tf.constant(x.astype(np.complex128)))), x, 1e-9)
        close(tf.signal.irfft2d(tf.signal.rfft2d(xt), x.shape[-2:]), x, 1e-9)
    if x.ndim >= 3:
        close(tf.signal.irfft3d(tf.signal.rfft3d(xt), x.shape[-3:]), x, 1e-9)
    close(tf.signal.rfft(xt), np.fft.rfft(x), 1e-9)


def test_fftshift():
    np.testing.assert_array_equal(tf.signal.fftshift(np.arange(10).reshape(2, 5)), FFTSHIFT)
    np.testing.assert_array_equal(tf.signal.ifftshift(np.arange(10).reshape(2, 5), axes=1),
                                  IFFTSHIFT)


@pytest.mark.parametrize("fn, cls, msg", [
    (lambda: tf.signal.fft(tf.constant([1.0])), errors.InvalidArgumentError,
     "Value for attr 'Tcomplex' of float is not in the list of allowed values"),
    (lambda: tf.signal.fft2d(np.zeros(3, np.complex64)), errors.InvalidArgumentError,
     r"Input must have rank of at least 2 but got: \[3\]"),
    (lambda: tf.signal.rfft(tf.constant([1j])), ValueError,
     "RFFT requires tf.float32 or tf.float64 inputs"),
    (lambda: tf.signal.irfft(tf.constant([1.0])), ValueError,
     "IRFFT requires tf.complex64 or tf.complex128 inputs"),
    (lambda: tf.signal.rfft(np.zeros(4, np.float32), [2, 2]), errors.InvalidArgumentError,
     r"fft_length must have shape \[1\]"),
    (lambda: tf.signal.rfft2d(np.zeros(4, np.float32)), ValueError,
     r"Shape \(4,\) must have rank at least 2"),
    (lambda: tf.signal.dct(np.zeros(4, np.float32), type=5), ValueError,
     r"Types I, II, III and IV \(I\)DCT are supported."),
    (lambda: tf.signal.dct(np.zeros(4, np.float32), axis=0), NotImplementedError,
     "axis must be -1. Got: 0"),
    (lambda: tf.signal.dct(np.zeros(4, np.float32), n=0), ValueError,
     "n should be a positive integer or None"),
    (lambda: tf.signal.dct(np.zeros(4, np.float32), 1, norm="ortho"), ValueError,
     "Normalization is not supported for the Type-I DCT."),
    (lambda: tf.signal.dct(np.zeros(1, np.float32), 1), ValueError,
     "Type-I DCT requires the dimension to be greater than one."),
    (lambda: tf.signal.mdct(np.zeros(10, np.float32), 6), ValueError,
     "The frame length must be a multiple of 4."),
    (lambda: tf.signal.linear_to_mel_weight_matrix(0), ValueError,
     "num_mel_bins must be positive. Got: 0"),
    (lambda: tf.signal.linear_to_mel_weight_matrix(lower_edge_hertz=500., upper_edge_hertz=100.),
     ValueError, "lower_edge_hertz 500.0 >= upper_edge_hertz 100.0"),
    (lambda: tf.signal.linear_to_mel_weight_matrix(upper_edge_hertz=5000.), ValueError,
     r"Got 5000.0 for sample_rate: 8000"),
    (lambda: tf.signal.overlap_and_add(np.zeros(4, np.float32), 2), ValueError,
     r"Shape \(4,\) must have rank at least 2"),
    (lambda: tf.signal.hann_window(4, dtype=tf.int32), ValueError,
     "dtype must be a floating point type. Found <dtype: 'int32'>"),
])
def test_errors(fn, cls, msg):
    with pytest.raises(cls, match=msg):
        fn()


# ---- DCT -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", [1, 2, 3, 4])
def test_dct_matches_tf(kind):
    close(tf.signal.dct(X, kind), EXPECTED[f"DCT{kind}"])
    if kind > 1:
        close(tf.signal.dct(X, kind, norm="ortho"), EXPECTED[f"DCT{kind}O"])
        close(tf.signal.idct(X, kind), EXPECTED[f"IDCT{kind}"])


def test_dct_length_and_dtype():
    close(tf.signal.dct(X, n=3), DCT2N3)
    close(tf.signal.dct(X, n=7), DCT2N7)
    assert tf.signal.dct(X.astype(np.float64)).dtype == tf.float64


@settings(max_examples=20, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(2, 9)),
                  elements=st.floats(-5, 5)), st.sampled_from([2, 3, 4]))
def test_dct_ortho_inverts(x, kind):
    close(tf.signal.idct(tf.signal.dct(x, kind, norm="ortho"), kind, norm="ortho"), x, 1e-9)
    n = x.shape[-1]
    # unnormalized: idct(dct(x)) = 2N x for types II/III/IV
    close(tf.signal.idct(tf.signal.dct(x, kind), kind), 2 * n * x, 1e-8)


def test_dct_gradient_is_transpose():
    m = tf.signal.dct(np.eye(5), 2).numpy()   # rows: transforms of the unit vectors
    v = tf.Variable(np.ones((1, 5)))
    w = np.arange(5.0)
    with tf.GradientTape() as t:
        r = tf.reduce_sum(tf.signal.dct(v, 2) * w)
    close(t.gradient(r, v)[0], m @ w, 1e-9)


# ---- framing, windows, STFT ----------------------------------------------------------------------
def test_frame_and_overlap_and_add():
    np.testing.assert_array_equal(tf.signal.frame(np.arange(7), 3, 2), FRAME)
    np.testing.assert_array_equal(tf.signal.frame(np.arange(7), 3, 2, pad_end=True, pad_value=-1),
                                  FRAME_PAD)
    assert tf.signal.frame(np.zeros((2, 9, 3)), 4, 2, axis=1).shape == (2, 3, 4, 3)
    assert tf.signal.frame(np.zeros(3), 5, 2).shape == (0, 5)
    close(tf.signal.overlap_and_add(np.arange(6, dtype=np.float32).reshape(2, 3), 2), OLA)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 12), length=st.integers(1, 5), step=st.integers(1, 5),
       pad_end=st.booleans())
def test_frame_overlap_add_are_adjoint(n, length, step, pad_end):
    rng = np.random.RandomState(n * 31 + length * 7 + step)
    x = rng.rand(2, n)
    frames = tf.signal.frame(x, length, step, pad_end=pad_end)
    y = rng.rand(*frames.shape)
    ola = tf.signal.overlap_and_add(y, step).numpy()
    # <frame(x), y> == <x, overlap_and_add(y)> over the samples the frames cover
    lhs = np.sum(frames.numpy() * y)
    m = min(n, ola.shape[-1])
    rhs = np.sum(x[:, :m] * ola[:, :m])
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10)
    v = tf.Variable(x)
    with tf.GradientTape() as t:
        r = tf.reduce_sum(tf.signal.frame(v, length, step, pad_end=pad_end) * y)
    g = np.zeros_like(x)
    g[:, :m] = ola[:, :m]
    close(t.gradient(r, v), g, 1e-10)


def test_windows_match_tf():
    close(tf.signal.hann_window(5), HANN5, 1e-5)
    close(tf.signal.hann_window(6), HANN6, 1e-5)
    close(tf.signal.hann_window(6, periodic=False), HANN6S, 1e-5)
    close(tf.signal.hamming_window(6), HAMMING6, 1e-5)
    close(tf.signal.kaiser_window(5), KAISER5, 1e-5)
    close(tf.signal.vorbis_window(4), VORBIS4, 1e-5)
    close(tf.signal.kaiser_bessel_derived_window(6), KBD6, 1e-5)
    assert tf.signal.hann_window(1).numpy().tolist() == [1.0]
    assert tf.signal.hamming_window(4, dtype=tf.float64).dtype == tf.float64


def test_stft_matches_tf_and_inverts():
    close(tf.signal.stft(np.arange(10, dtype=np.float32), 4, 3), STFT)
    x = np.random.RandomState(0).randn(2, 64).astype(np.float32)
    s = tf.signal.stft(x, 16, 4)
    assert s.shape == (2, 13, 9) and s.dtype == tf.complex64
    y = tf.signal.inverse_stft(s, 16, 4, window_fn=tf.signal.inverse_stft_window_fn(4))
    assert y.shape == (2, 64)
    close(y[:, 12:-12], x[:, 12:-12], 1e-4)   # exact away from the edges
    v = tf.Variable(x)
    with tf.GradientTape() as t:
        s = tf.signal.stft(v, 16, 4)
        r = tf.reduce_sum(tf.math.real(s * tf.math.conj(s)))
    assert t.gradient(r, v).shape == (2, 64)


def test_mdct_mel_mfcc_match_tf():
    close(tf.signal.mdct(np.arange(8, dtype=np.float32), 4), MDCT)
    close(tf.signal.inverse_mdct(np.array([[1.0, 2.0], [0.5, -1.0]], np.float32)), IMDCT)
    x = np.random.RandomState(1).randn(3, 64).astype(np.float32)
    y = tf.signal.inverse_mdct(tf.signal.mdct(x, 16, norm="ortho"), norm="ortho")
    close(y[:, 8:-8], x[:, 8:-8], 1e-4)       # perfect reconstruction (Princen-Bradley)
    close(tf.signal.linear_to_mel_weight_matrix(3, 6, 800, 50.0, 350.0), MEL)
    m = tf.signal.linear_to_mel_weight_matrix()
    assert m.shape == (129, 20) and m.dtype == tf.float32
    close(tf.signal.mfccs_from_log_mel_spectrograms(np.array([[1.0, 2.0, 0.5, -1.0]],
                                                             np.float32)), MFCC)


def test_dct2_exports_to_onnx_through_dft(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    import onnx

    @tf.function(input_signature=[tf.TensorSpec([3, 40], tf.float32)])
    def f(log_mel):
        return tf.signal.mfccs_from_log_mel_spectrograms(log_mel)[..., :13]

    path = tmp_path / "mfcc.onnx"
    tf.onnx.export(f, path)
    assert "DFT" in {n.op_type for n in onnx.load(path).graph.node}
    x = np.random.RandomState(2).randn(3, 40).astype(np.float32)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {sess.get_inputs()[0].name: x})
    close(got, f(tf.constant(x)).numpy(), 1e-4)


def test_fft_has_no_onnx_lowering_reason():
    from tessera._framework.op import CORE_OPS

    for name in ("FFT", "IFFT2D", "RFFT", "IRFFT3D"):
        assert "complex" in CORE_OPS[name].onnx.reason
