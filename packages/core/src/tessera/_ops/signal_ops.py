"""Spectral ops (``tf.signal``): each op declared once.

Primitives: TF's FFT family (FFT/IFFT/RFFT/IRFFT in 1-3 dimensions), DCT (types I-IV on the
last axis), Frame and OverlapAndAdd (a mutually adjoint pair, so each is the other's
gradient). Windows, STFT, MDCT, mel matrices and MFCCs compose these with public ops.

ONNX: ONNX has no complex tensor type; its DFT operator carries complex values as a
trailing [re, im] axis of a real tensor. The FFT ops take or give complex tensors, so they
have no lowering; DCT-II, real in and real out, lowers through DFT.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._framework.execute import execute
from tessera._framework.op import Sample, declare, no_onnx_lowering
from tessera._framework.tensor import Tensor
from tessera._ops import _samples
from tessera._ops._args import check_dtype, tensor

_NOATTRS: dict = {}
_COMPLEX = frozenset(["complex64", "complex128"])
_REAL = frozenset(["float32", "float64"])
_NO_COMPLEX_ONNX = ("ONNX has no complex tensor type (its DFT operator works on real tensors "
                    "with a trailing [re, im] axis), so complex inputs/outputs can't be "
                    "expressed")


def _math():
    from tessera._ops import math_ops

    return math_ops


def _array():
    from tessera._ops import array_ops

    return array_ops


def _static(v) -> list[int]:
    if isinstance(v, Tensor):
        v = v.numpy()
    return [int(i) for i in np.asarray(v).reshape(-1)]


def _slice_axis(x, axis: int, start, stop, step=1):
    return x[(slice(None),) * axis + (slice(start, stop, step),)]


def _fit_axis(x, axis: int, size: int):
    """Crop or zero-pad ``axis`` of ``x`` to ``size``."""
    cur = x.shape.as_list()[axis]
    if cur == size:
        return x
    if cur > size:
        return _slice_axis(x, axis, 0, size)
    shape = x.shape.as_list()
    shape[axis] = size - cur
    zeros = _array().zeros(shape, dtype=x.dtype)
    return _array().concat([x, zeros], axis)


def _fit(x, sizes, first_axis: int):
    for i, s in enumerate(sizes):
        x = _fit_axis(x, first_axis + i, s)
    return x


def _complex_of(real):
    return _dtypes.complex128 if real.name == "float64" else _dtypes.complex64


# ---- FFT primitives ---------------------------------------------------------------------------
def _axes(rank: int):
    return tuple(range(-rank, 0))


def _c2c_kernel(rank: int, inverse: bool):
    fn = np.fft.ifftn if inverse else np.fft.fftn

    def kernel(x):
        if x.size == 0:
            return np.zeros(x.shape, x.dtype)
        return fn(x, axes=_axes(rank)).astype(x.dtype, copy=False)

    return kernel


def _r2c_kernel(rank: int):
    def kernel(x, fft_length):
        out_dtype = np.complex128 if x.dtype == np.float64 else np.complex64
        shape = x.shape[:-rank] + tuple(fft_length[:-1]) + (
            0 if fft_length[-1] == 0 else fft_length[-1] // 2 + 1,)
        if 0 in fft_length or 0 in shape:
            return np.zeros(shape, out_dtype)
        return np.fft.rfftn(x, s=fft_length, axes=_axes(rank)).astype(out_dtype, copy=False)

    return kernel


def _c2r_kernel(rank: int):
    def kernel(x, fft_length):
        out_dtype = np.float64 if x.dtype == np.complex128 else np.float32
        shape = x.shape[:-rank] + tuple(fft_length)
        if 0 in fft_length or 0 in shape:
            return np.zeros(shape, out_dtype)
        return np.fft.irfftn(x, s=fft_length, axes=_axes(rank)).astype(out_dtype, copy=False)

    return kernel


def _infer_c2c(x, **attrs):
    return x


def _infer_r2c(rank):
    def infer(x, fft_length):
        if x is None:
            return None
        last = 0 if fft_length[-1] == 0 else fft_length[-1] // 2 + 1
        return tuple(x[:-rank]) + tuple(fft_length[:-1]) + (last,)

    return infer


def _infer_c2r(rank):
    def infer(x, fft_length):
        return None if x is None else tuple(x[:-rank]) + tuple(fft_length)

    return infer


def _c2c_samples(rank):
    shapes = {1: [(6,), (2, 5), (3, 0)], 2: [(3, 4), (2, 2, 3)], 3: [(2, 3, 2), (2, 2, 1, 3)]}
    out = []
    for dt in ("complex64", "complex128"):
        for s in shapes[rank]:
            out.append(Sample((_samples.rand(s, dt),), grad=0 not in s, rtol=1e-4, atol=1e-5,
                              name=f"{dt}{list(s)}"))
    return out


def _real_samples(rank, kind):
    base = {1: (2, 6), 2: (2, 4, 5), 3: (3, 4, 2, 4)}[rank]
    inner = base[-rank:]
    lengths = [tuple(inner), tuple(d + 2 for d in inner), tuple(max(d - 1, 1) for d in inner)]
    if rank == 1:
        lengths.append((7,))
    out = []
    for dt in ("float32", "float64"):
        for fl in lengths:
            if kind == "r2c":
                x = _samples.rand(base, dt)
            else:
                cdt = "complex128" if dt == "float64" else "complex64"
                x = _samples.rand(base[:-1] + (base[-1] // 2 + 1,), cdt)
            out.append(Sample((x,), {"fft_length": fl}, rtol=1e-4, atol=1e-5,
                              name=f"{dt}-{list(fl)}"))
    return out


def _declare_fft_family():
    ops = {}
    for rank, suffix in ((1, ""), (2, "2D"), (3, "3D")):
        for inverse in (False, True):
            name = ("IFFT" if inverse else "FFT") + suffix
            op = declare(name, _c2c_kernel(rank, inverse), infer=_infer_c2c,
                         samples=functools.partial(_c2c_samples, rank))
            no_onnx_lowering(op, _NO_COMPLEX_ONNX)
            ops[(rank, "c2c", inverse)] = op
        r2c = declare("RFFT" + suffix, _r2c_kernel(rank), infer=_infer_r2c(rank),
                      dtype_rule=lambda dts, attrs: _complex_of(dts[0]),
                      samples=functools.partial(_real_samples, rank, "r2c"))
        c2r = declare("IRFFT" + suffix, _c2r_kernel(rank), infer=_infer_c2r(rank),
                      dtype_rule=lambda dts, attrs: dts[0].real_dtype,
                      samples=functools.partial(_real_samples, rank, "c2r"))
        no_onnx_lowering(r2c, _NO_COMPLEX_ONNX)
        no_onnx_lowering(c2r, _NO_COMPLEX_ONNX)
        ops[(rank, "r2c")] = r2c
        ops[(rank, "c2r")] = c2r
    return ops


_FFT_OPS = _declare_fft_family()


def _c2c_grad(rank, inverse):
    def grad(ctx, dy):
        m = _math()
        shape = ctx.inputs[0].shape.as_list()
        n = int(np.prod(shape[-rank:])) if shape else 1
        other = _FFT_OPS[(rank, "c2c", not inverse)]
        g = execute(other, (dy,), _NOATTRS)
        scale = float(n) if not inverse else 1.0 / n
        return (m.multiply(g, tensor(np.asarray(scale, dy.dtype.as_numpy_dtype))),)

    return grad


def _r2c_grad(rank):
    def grad(ctx, dy):
        m = _math()
        x = ctx.inputs[0]
        fl = ctx.attrs["fft_length"]
        n = int(np.prod(fl))
        half = dy.shape.as_list()[-1]
        mask = np.full(half, 0.5)
        if half:
            mask[0] = 1.0
            if fl[-1] % 2 == 0:
                mask[-1] = 1.0
        gw = m.multiply(dy, tensor(mask.astype(dy.dtype.as_numpy_dtype)))
        g = execute(_FFT_OPS[(rank, "c2r")], (gw,), {"fft_length": fl})
        g = m.multiply(g, tensor(np.asarray(n, g.dtype.as_numpy_dtype)))
        shape = x.shape.as_list()
        return (_fit(g, shape[-rank:], len(shape) - rank),)

    return grad


def _c2r_grad(rank):
    def grad(ctx, dy):
        m = _math()
        x = ctx.inputs[0]
        fl = ctx.attrs["fft_length"]
        n = int(np.prod(fl))
        g = execute(_FFT_OPS[(rank, "r2c")], (dy,), {"fft_length": fl})
        half = g.shape.as_list()[-1]
        c = np.full(half, 2.0)
        if half:
            c[0] = 1.0
            if fl[-1] % 2 == 0:
                c[-1] = 1.0
        g = m.multiply(g, tensor((c / n).astype(g.dtype.as_numpy_dtype)))
        shape = x.shape.as_list()
        return (_fit(g, shape[-rank:], len(shape) - rank),)

    return grad


for _rank in (1, 2, 3):
    for _inv in (False, True):
        _FFT_OPS[(_rank, "c2c", _inv)].def_grad(_c2c_grad(_rank, _inv))
    _FFT_OPS[(_rank, "r2c")].def_grad(_r2c_grad(_rank))
    _FFT_OPS[(_rank, "c2r")].def_grad(_c2r_grad(_rank))


def _check_rank(x, rank, op_name):
    r = x.shape.rank
    if r is not None and r < rank:
        raise errors.InvalidArgumentError(
            None, None, f"Input must have rank of at least {rank} but got: "
                        f"{x.shape.as_list()} [Op:{op_name}] name: ")


def _c2c_fn(rank, inverse):
    op = _FFT_OPS[(rank, "c2c", inverse)]

    def fn(input, name=None):
        # TF quirk kept: 1-D FFTs keep a NumPy complex128 array's dtype, 2-D/3-D cast it.
        keep = rank == 1 and isinstance(input, np.ndarray) and input.dtype.kind == "c"
        x = tensor(input) if keep else tensor(input, hint=_dtypes.complex64)
        check_dtype(op.name, x, _COMPLEX, attr="Tcomplex")
        _check_rank(x, rank, op.name)
        return execute(op, (x,), _NOATTRS)

    fn.__name__ = op.name.lower().replace("2d", "2d")
    fn.__doc__ = f"``tf.signal.{fn.__name__}``: the {'inverse ' if inverse else ''}" \
                 f"{rank}-D discrete Fourier transform over the inner {rank} axes."
    return fn


fft, ifft = _c2c_fn(1, False), _c2c_fn(1, True)
fft2d, ifft2d = _c2c_fn(2, False), _c2c_fn(2, True)
fft3d, ifft3d = _c2c_fn(3, False), _c2c_fn(3, True)


def _fft_length_arg(fft_length, rank, op_name, default):
    if fft_length is None:
        return tuple(default)
    fl = _static(fft_length)
    if len(fl) != rank:
        raise errors.InvalidArgumentError(None, None, f"fft_length must have shape [{rank}] "
                                                      f"[Op:{op_name}] name: ")
    if any(v < 0 for v in fl):
        raise errors.InvalidArgumentError(None, None, f"fft_length must be non-negative "
                                                      f"[Op:{op_name}] name: ")
    return tuple(fl)


def _rfft_fn(rank):
    op = _FFT_OPS[(rank, "r2c")]
    public = "rfft" + ("" if rank == 1 else f"{rank}d")

    def fn(input_tensor, fft_length=None, name=None):
        x = tensor(input_tensor, hint=_dtypes.float32)
        if x.dtype.name not in _REAL:
            raise ValueError(f"RFFT requires tf.float32 or tf.float64 inputs, got: {x}")
        if x.shape.rank is not None and x.shape.rank < rank:
            raise ValueError(f"Shape {x.shape} must have rank at least {rank}")
        fl = _fft_length_arg(fft_length, rank, op.name, x.shape.as_list()[-rank:])
        return execute(op, (x,), {"fft_length": fl})

    fn.__name__ = public
    fn.__doc__ = f"``tf.signal.{public}``: {rank}-D FFT of a real signal (inner axes)."
    return fn


def _irfft_fn(rank):
    op = _FFT_OPS[(rank, "c2r")]
    public = "irfft" + ("" if rank == 1 else f"{rank}d")

    def fn(input_tensor, fft_length=None, name=None):
        x = tensor(input_tensor, hint=_dtypes.complex64)
        if x.dtype.name not in _COMPLEX:
            raise ValueError(f"IRFFT requires tf.complex64 or tf.complex128 inputs, got: {x}")
        if x.shape.rank is not None and x.shape.rank < rank:
            raise ValueError(f"Shape {x.shape} must have rank at least {rank}")
        dims = x.shape.as_list()[-rank:]
        default = dims[:-1] + [2 * (dims[-1] - 1)]
        fl = _fft_length_arg(fft_length, rank, op.name, default)
        return execute(op, (x,), {"fft_length": fl})

    fn.__name__ = public
    fn.__doc__ = f"``tf.signal.{public}``: inverse of ``{public[1:]}`` (a real signal)."
    return fn


rfft, irfft = _rfft_fn(1), _irfft_fn(1)
rfft2d, irfft2d = _rfft_fn(2), _irfft_fn(2)
rfft3d, irfft3d = _rfft_fn(3), _irfft_fn(3)


def _roll_axis(x, shift: int, axis: int):
    n = x.shape.as_list()[axis]
    if not n:
        return x
    s = shift % n
    if s == 0:
        return x
    return _array().concat([_slice_axis(x, axis, n - s, None), _slice_axis(x, axis, 0, n - s)],
                           axis)


def _shift(x, axes, sign):
    x = tensor(x)
    shape = x.shape.as_list()
    if axes is None:
        axes = list(range(len(shape)))
    elif isinstance(axes, int | np.integer):
        axes = [int(axes)]
    else:
        axes = _static(axes)
    for a in axes:
        x = _roll_axis(x, sign * (shape[a] // 2), a % len(shape))
    return x


def fftshift(x, axes=None, name=None):
    """``tf.signal.fftshift``: move the zero-frequency term to the center."""
    return _shift(x, axes, 1)


def ifftshift(x, axes=None, name=None):
    """``tf.signal.ifftshift``: the inverse of ``fftshift``."""
    return _shift(x, axes, -1)


# ---- DCT -------------------------------------------------------------------------------------
def _dct_type4_matrix(n: int) -> np.ndarray:
    k = np.arange(n)
    return 2.0 * np.cos(np.pi * np.outer(2 * k + 1, 2 * k + 1) / (4.0 * n))


def _dct_kernel(x, type, n, norm):
    dt = x.dtype
    xf = x.astype(np.float64)
    if n is not None:
        cur = xf.shape[-1]
        if cur > n:
            xf = xf[..., :n]
        elif cur < n:
            xf = np.concatenate([xf, np.zeros(xf.shape[:-1] + (n - cur,))], -1)
    size = xf.shape[-1]
    if xf.size == 0:
        return np.zeros(xf.shape, dt)
    k = np.arange(size)
    if type == 1:
        ext = np.concatenate([xf, xf[..., -2:0:-1]], -1)
        y = np.fft.rfft(ext, axis=-1).real[..., :size]
    elif type == 2:
        spec = np.fft.rfft(xf, 2 * size, axis=-1)[..., :size]
        y = 2.0 * (spec * np.exp(-1j * np.pi * k / (2 * size))).real
        if norm == "ortho":
            y = y * np.where(k == 0, 0.5 / np.sqrt(size), 0.5 * np.sqrt(2.0 / size))
    elif type == 3:
        if norm == "ortho":
            xf = xf * np.where(k == 0, 1.0 / np.sqrt(size), 1.0 / np.sqrt(2.0 * size))
        c = np.where(k == 0, 1.0, 2.0)
        v = xf * c * np.exp(1j * np.pi * k / (2 * size))
        y = (np.fft.ifft(v, 2 * size, axis=-1)[..., :size] * (2 * size)).real
    else:
        y = xf @ _dct_type4_matrix(size).T
        if norm == "ortho":
            y = y / np.sqrt(2.0 * size)
    return y.astype(dt)


def _infer_dct(x, type, n, norm):
    if x is None or n is None:
        return x
    return tuple(x[:-1]) + (n,)


def _dct_samples():
    out = []
    for t in (1, 2, 3, 4):
        for norm in ((None,) if t == 1 else (None, "ortho")):
            for dt in ("float32", "float64"):
                out.append(Sample((_samples.rand((3, 6), dt),), {"type": t, "n": None,
                                                                  "norm": norm},
                                  rtol=1e-4, atol=1e-5, name=f"{t}-{norm}-{dt}"))
        out.append(Sample((_samples.rand((2, 5)),), {"type": t, "n": 8, "norm": None},
                          rtol=1e-4, atol=1e-5, name=f"{t}-pad"))
        out.append(Sample((_samples.rand((2, 7)),), {"type": t, "n": 4, "norm": None},
                          rtol=1e-4, atol=1e-5, name=f"{t}-crop"))
    # TF 2.21: tf.signal.dct([1., 2., 3., 4.]) and with norm="ortho"
    out.append(Sample((np.array([1, 2, 3, 4], np.float32),), {"type": 2, "n": None,
                                                               "norm": None}, grad=False,
                      expected=np.array([20, -6.3086443, 0, -0.4483409], np.float32),
                      atol=1e-5))
    out.append(Sample((np.array([1, 2, 3, 4], np.float32),), {"type": 2, "n": None,
                                                               "norm": "ortho"}, grad=False,
                      expected=np.array([5, -2.2304425, 0, -0.1585124], np.float32),
                      atol=1e-5))
    return out


DCT = declare("DCT", _dct_kernel, infer=_infer_dct, samples=_dct_samples)


@DCT.def_grad
def _dct_grad(ctx, dy):
    """The transpose of each DCT type, itself a DCT up to diagonal scalings."""
    m = _math()
    x = ctx.inputs[0]
    t, norm = ctx.attrs["type"], ctx.attrs["norm"]
    size = dy.shape.as_list()[-1]
    npd = dy.dtype.as_numpy_dtype
    k = np.arange(size)

    def dct(v, typ):
        return execute(DCT, (v,), {"type": typ, "n": None, "norm": norm})

    def scale(v, s):
        return m.multiply(v, tensor(np.asarray(s, npd)))

    if t == 1:
        e = np.where((k == 0) | (k == size - 1), 1.0, 2.0)
        g = scale(dct(scale(dy, 1.0 / e), 1), e)
    elif t == 4:
        g = dct(dy, 4)
    elif norm == "ortho":
        g = dct(dy, 3 if t == 2 else 2)
    elif t == 2:
        g = dct(scale(dy, np.where(k == 0, 2.0, 1.0)), 3)
    else:
        g = scale(dct(dy, 2), np.where(k == 0, 0.5, 1.0))
    shape = x.shape.as_list()
    return (_fit_axis(g, len(shape) - 1, shape[-1]),)


@DCT.def_onnx
def _dct_onnx(b, x, type, n, norm):
    shape = b.shapes[x]
    npd = b.dtypes[x]
    rank = len(shape)
    cur = shape[-1]
    if n is not None and n != cur:
        if cur > n:
            x = b.op("Slice", x, b.ints([0]), b.ints([n]), b.ints([rank - 1]))
        else:
            x = b.op("Pad", x, b.ints([0] * rank + [0] * (rank - 1) + [n - cur]))
        cur = n
    k = np.arange(cur)
    if type != 2:
        # Types I, III, IV: a MatMul with the dense transform matrix.
        mat = _dct_kernel(np.eye(cur), type, None, norm)     # row i = transform of e_i
        return b.op("MatMul", x, b.const(mat.astype(npd)))
    # DCT-II through ONNX DFT: y_k = 2 Re(e^{-i pi k / 2N} * DFT_2N(x)_k), k < N
    spec = b.op("DFT", b.op("Unsqueeze", x, b.ints([-1])),
                b.const(np.asarray(2 * cur, np.int64)), axis=rank - 1,
                onesided=1)
    spec = b.op("Slice", spec, b.ints([0]), b.ints([cur]), b.ints([rank - 1]))
    re, im = b.op("Split", spec, b.ints([1, 1]), axis=-1, outputs=2)
    re = b.op("Squeeze", re, b.ints([-1]))
    im = b.op("Squeeze", im, b.ints([-1]))
    ang = np.pi * k / (2 * cur)
    wc, ws = 2 * np.cos(ang), 2 * np.sin(ang)
    if norm == "ortho":
        s = np.where(k == 0, 0.5 / np.sqrt(cur), 0.5 * np.sqrt(2.0 / cur))
        wc, ws = wc * s, ws * s
    return b.op("Add", b.op("Mul", re, b.const(wc.astype(npd))),
                b.op("Mul", im, b.const(ws.astype(npd))))


def _validate_dct(x, type, n, axis, norm):
    if axis != -1:
        raise NotImplementedError(f"axis must be -1. Got: {axis}")
    if n is not None and n < 1:
        raise ValueError("n should be a positive integer or None")
    if type not in (1, 2, 3, 4):
        raise ValueError("Types I, II, III and IV (I)DCT are supported.")
    if type == 1:
        if norm == "ortho":
            raise ValueError("Normalization is not supported for the Type-I DCT.")
        last = x.shape.as_list()[-1] if x.shape.rank else None
        if last is not None and last < 2:
            raise ValueError("Type-I DCT requires the dimension to be greater than one.")
    if norm not in (None, "ortho"):
        raise ValueError(f"Unknown normalization. Expected None or 'ortho', got: {norm}")


def dct(input, type=2, n=None, axis=-1, norm=None, name=None):
    """``tf.signal.dct``: DCT types I-IV along the last axis (``norm``: None or "ortho")."""
    x = tensor(input)
    _validate_dct(x, type, n, axis, norm)
    if x.dtype.name not in _REAL:
        raise ValueError(f"DCT requires tf.float32 or tf.float64 inputs, got: {x.dtype.name}")
    return execute(DCT, (x,), {"type": int(type), "n": None if n is None else int(n),
                               "norm": norm})


def idct(input, type=2, n=None, axis=-1, norm=None, name=None):
    """``tf.signal.idct``: the inverse-type DCT (scaled by 1/(2N) unless ``norm="ortho"``,
    as TF)."""
    x = tensor(input)
    _validate_dct(x, type, n, axis, norm)
    inverse_type = {1: 1, 2: 3, 3: 2, 4: 4}[type]
    return dct(x, type=inverse_type, n=n, axis=axis, norm=norm)


# ---- framing --------------------------------------------------------------------------------
def _frame_index(num_frames, frame_length, frame_step):
    return np.arange(num_frames)[:, None] * frame_step + np.arange(frame_length)[None]


def _frame_kernel(x, frame_length, frame_step, axis, num_frames):
    return np.take(x, _frame_index(num_frames, frame_length, frame_step), axis=axis)


def _infer_frame(x, frame_length, frame_step, axis, num_frames):
    if x is None:
        return None
    return tuple(x[:axis]) + (num_frames, frame_length) + tuple(x[axis + 1:])


def _ola_kernel(x, frame_step, axis, length):
    xm = np.moveaxis(x, (axis, axis + 1), (-2, -1))
    f, ln = xm.shape[-2], xm.shape[-1]
    nb = max(-(-ln // frame_step), 1)
    pad = nb * frame_step - ln
    if pad:
        xm = np.concatenate([xm, np.zeros(xm.shape[:-1] + (pad,), xm.dtype)], -1)
    xr = xm.reshape(xm.shape[:-2] + (f, nb, frame_step))
    blocks = np.zeros(xm.shape[:-2] + (f + nb - 1, frame_step), x.dtype)
    for j in range(nb):
        blocks[..., j:j + f, :] += xr[..., :, j, :]
    out = blocks.reshape(blocks.shape[:-2] + (-1,))
    if out.shape[-1] >= length:
        out = out[..., :length]
    else:
        out = np.concatenate([out, np.zeros(out.shape[:-1] + (length - out.shape[-1],),
                                            out.dtype)], -1)
    return np.moveaxis(out, -1, axis)


def _infer_ola(x, frame_step, axis, length):
    if x is None:
        return None
    return tuple(x[:axis]) + (length,) + tuple(x[axis + 2:])


FRAME = declare("Frame", _frame_kernel, infer=_infer_frame, samples=lambda: [
    Sample((_samples.rand((2, 10)),), {"frame_length": 4, "frame_step": 3, "axis": 1,
                                       "num_frames": 3}),
    Sample((_samples.rand((9, 2), "float64"),), {"frame_length": 3, "frame_step": 1,
                                                 "axis": 0, "num_frames": 7}),
    Sample((_samples.rand((7,), "int32"),), {"frame_length": 5, "frame_step": 5, "axis": 0,
                                             "num_frames": 1}, grad=False),
    Sample((_samples.rand((2, 3)),), {"frame_length": 4, "frame_step": 2, "axis": 1,
                                      "num_frames": 0}, grad=False),
    # TF 2.21: tf.signal.frame(tf.range(6), 3, 2)
    Sample((np.arange(6, dtype=np.int32),), {"frame_length": 3, "frame_step": 2, "axis": 0,
                                             "num_frames": 2}, grad=False,
           expected=np.array([[0, 1, 2], [2, 3, 4]], np.int32)),
])
OVERLAP_AND_ADD = declare("OverlapAndAdd", _ola_kernel, infer=_infer_ola, samples=lambda: [
    Sample((_samples.rand((2, 3, 4)),), {"frame_step": 3, "axis": 1, "length": 10}),
    Sample((_samples.rand((3, 5, 2), "float64"),), {"frame_step": 2, "axis": 0, "length": 9}),
    Sample((_samples.rand((4, 2)),), {"frame_step": 3, "axis": 0, "length": 12}),
    Sample((_samples.rand((4, 6), "int32"),), {"frame_step": 6, "axis": 0, "length": 24},
           grad=False),
    # TF 2.21: tf.signal.overlap_and_add(tf.ones([3, 4]), 2)
    Sample((np.ones((3, 4), np.float32),), {"frame_step": 2, "axis": 0, "length": 8},
           grad=False, expected=np.array([1, 1, 2, 2, 2, 2, 1, 1], np.float32)),
])


@FRAME.def_grad
def _frame_grad(ctx, dy):
    x = ctx.inputs[0]
    axis = ctx.attrs["axis"]
    return (execute(OVERLAP_AND_ADD, (dy,), {
        "frame_step": ctx.attrs["frame_step"], "axis": axis,
        "length": x.shape.as_list()[axis]}),)


@OVERLAP_AND_ADD.def_grad
def _ola_grad(ctx, dy):
    x = ctx.inputs[0]
    axis = ctx.attrs["axis"]
    shape = x.shape.as_list()
    return (execute(FRAME, (dy,), {"frame_length": shape[axis + 1],
                                   "frame_step": ctx.attrs["frame_step"], "axis": axis,
                                   "num_frames": shape[axis]}),)


@FRAME.def_onnx
def _frame_onnx(b, x, frame_length, frame_step, axis, num_frames):
    return b.op("Gather", x, b.const(_frame_index(num_frames, frame_length, frame_step)
                                     .astype(np.int64)), axis=axis)


@OVERLAP_AND_ADD.def_onnx
def _ola_onnx(b, x, frame_step, axis, length):
    shape = list(b.shapes[x])
    rank = len(shape)
    f, ln = shape[axis], shape[axis + 1]
    nb = max(-(-ln // frame_step), 1)
    pad = nb * frame_step - ln
    pads = [0] * (2 * rank)
    if pad:
        pads[rank + axis + 1] = pad
        x = b.op("Pad", x, b.ints(pads))
    blocks = shape[:axis] + [f, nb, frame_step] + shape[axis + 2:]
    xr = b.op("Reshape", x, b.ints(blocks))
    total = None
    for j in range(nb):
        part = b.op("Gather", xr, b.const(np.asarray(j, np.int64)), axis=axis + 1)
        pads = [0] * (2 * rank)
        pads[axis] = j
        pads[rank + axis] = nb - 1 - j
        part = b.op("Pad", part, b.ints(pads))
        total = part if total is None else b.op("Add", total, part)
    natural = (f + nb - 1) * frame_step
    out = b.op("Reshape", total, b.ints(shape[:axis] + [natural] + shape[axis + 2:]))
    if natural > length:
        out = b.op("Slice", out, b.ints([0]), b.ints([length]), b.ints([axis]))
    elif natural < length:
        pads = [0] * (2 * (rank - 1))
        pads[rank - 1 + axis] = length - natural
        out = b.op("Pad", out, b.ints(pads))
    return out


def frame(signal, frame_length, frame_step, pad_end=False, pad_value=0, axis=-1, name=None):
    """``tf.signal.frame``: overlapping frames of ``frame_length`` every ``frame_step``
    samples along ``axis``."""
    x = tensor(signal)
    rank = x.shape.rank
    if rank is not None and rank < 1:
        raise ValueError(f"Shape {x.shape} must have rank at least 1")
    frame_length = int(_static(frame_length)[0])
    frame_step = int(_static(frame_step)[0])
    axis = int(axis)
    if not -rank <= axis < rank:
        raise IndexError("list index out of range")
    axis %= rank
    length = x.shape.as_list()[axis]
    if pad_end:
        num_frames = -(-length // frame_step)
        pad = max(0, frame_length + frame_step * (num_frames - 1) - length)
        if pad:
            shape = x.shape.as_list()
            shape[axis] = pad
            fill = _array().fill(shape, tensor(np.asarray(pad_value, x.dtype.as_numpy_dtype),
                                               dtype=x.dtype))
            x = _array().concat([x, fill], axis)
    else:
        num_frames = max(0, 1 + (length - frame_length) // frame_step)
    return execute(FRAME, (x,), {"frame_length": frame_length, "frame_step": frame_step,
                                 "axis": axis, "num_frames": num_frames})


def overlap_and_add(signal, frame_step, name=None):
    """``tf.signal.overlap_and_add``: [..., frames, frame_length] -> [..., output_size]."""
    x = tensor(signal)
    rank = x.shape.rank
    if rank is not None and rank < 2:
        raise ValueError(f"Shape {x.shape} must have rank at least 2")
    step = _static(frame_step)
    if isinstance(frame_step, Tensor) and frame_step.shape.rank != 0:
        raise ValueError(f"Shape {frame_step.shape} must have rank 0")
    step = int(step[0])
    f, ln = x.shape.as_list()[-2:]
    length = (f - 1) * step + ln if f else 0
    return execute(OVERLAP_AND_ADD, (x,), {"frame_step": step, "axis": rank - 2,
                                           "length": length})


# ---- windows ---------------------------------------------------------------------------------
def _window_dtype(dtype):
    dt = _dtypes.as_dtype(dtype)
    if not dt.is_floating:
        raise ValueError(f"dtype must be a floating point type. Found <dtype: '{dt.name}'>")
    return dt


def _raised_cosine(window_length, periodic, dtype, a, b):
    dt = _window_dtype(dtype)
    n = int(_static(window_length)[0])
    npd = np.float32 if dt.name == "bfloat16" else dt.as_numpy_dtype
    if n == 1:
        return tensor(np.ones(1, npd), dtype=dt)
    periodic = bool(periodic.numpy() if isinstance(periodic, Tensor) else periodic)
    even = 1 - n % 2
    denom = npd(n + int(periodic) * even - 1)
    count = np.arange(n, dtype=npd)
    arg = npd(2 * np.pi) * count / denom
    return tensor((npd(a) - npd(b) * np.cos(arg)).astype(npd), dtype=dt)


def hann_window(window_length, periodic=True, dtype=_dtypes.float32, name=None):
    """``tf.signal.hann_window``."""
    return _raised_cosine(window_length, periodic, dtype, 0.5, 0.5)


def hamming_window(window_length, periodic=True, dtype=_dtypes.float32, name=None):
    """``tf.signal.hamming_window``."""
    return _raised_cosine(window_length, periodic, dtype, 0.54, 0.46)


def _kaiser_np(n, beta):
    if n == 1:
        return np.ones(1)
    half = (n - 1) / 2.0
    arg = np.arange(-half, half + 0.1, 1.0)[:n] / half
    return np.i0(beta * np.sqrt(np.maximum(1 - arg * arg, 0))) / np.i0(beta)


def kaiser_window(window_length, beta=12.0, dtype=_dtypes.float32, name=None):
    """``tf.signal.kaiser_window``."""
    dt = _window_dtype(dtype)
    n = int(_static(window_length)[0])
    return tensor(_kaiser_np(n, float(beta)).astype(_np_real(dt)), dtype=dt)


def kaiser_bessel_derived_window(window_length, beta=12.0, dtype=_dtypes.float32, name=None):
    """``tf.signal.kaiser_bessel_derived_window``."""
    dt = _window_dtype(dtype)
    n = int(_static(window_length)[0])
    half = n // 2
    csum = np.cumsum(_kaiser_np(half + 1, float(beta)))
    halfw = np.sqrt(csum[:-1] / csum[-1])
    return tensor(np.concatenate([halfw, halfw[::-1]]).astype(_np_real(dt)), dtype=dt)


def vorbis_window(window_length, dtype=_dtypes.float32, name=None):
    """``tf.signal.vorbis_window``."""
    dt = _window_dtype(dtype)
    n = int(_static(window_length)[0])
    arg = np.pi * (np.arange(n) + 0.5) / n
    return tensor(np.sin(np.pi / 2.0 * np.sin(arg) ** 2).astype(_np_real(dt)), dtype=dt)


def _np_real(dt):
    return np.float32 if dt.name == "bfloat16" else dt.as_numpy_dtype


# ---- STFT, MDCT --------------------------------------------------------------------------------
def _enclosing_power_of_two(v: int) -> int:
    return int(2 ** math.ceil(math.log2(v))) if v > 0 else 1


def stft(signals, frame_length, frame_step, fft_length=None, window_fn=hann_window,
         pad_end=False, name=None):
    """``tf.signal.stft``: frame, window, then RFFT of each frame."""
    x = tensor(signals)
    if x.shape.rank is not None and x.shape.rank < 1:
        raise ValueError(f"Shape {x.shape} must have rank at least 1")
    frame_length = int(_static(frame_length)[0])
    frame_step = int(_static(frame_step)[0])
    fft_length = (_enclosing_power_of_two(frame_length) if fft_length is None
                  else int(_static(fft_length)[0]))
    framed = frame(x, frame_length, frame_step, pad_end=pad_end)
    if window_fn is not None:
        framed = _math().multiply(framed, window_fn(frame_length, dtype=framed.dtype))
    return rfft(framed, [fft_length])


def inverse_stft_window_fn(frame_step, forward_window_fn=hann_window, name=None):
    """``tf.signal.inverse_stft_window_fn``: the window that makes ``inverse_stft`` invert
    ``stft`` given the forward window."""
    step = int(_static(frame_step)[0])

    def inverse_stft_window_fn_inner(frame_length, dtype):
        fwd = forward_window_fn(frame_length, dtype=dtype).numpy().astype(np.float64)
        n = fwd.shape[0]
        overlaps = -(-n // step)
        denom = np.concatenate([fwd ** 2, np.zeros(overlaps * step - n)])
        denom = np.tile(denom.reshape(overlaps, step).sum(0), overlaps)[:n]
        dt = _dtypes.as_dtype(dtype)
        return tensor((fwd / denom).astype(_np_real(dt)), dtype=dt)

    return inverse_stft_window_fn_inner


def inverse_stft(stfts, frame_length, frame_step, fft_length=None, window_fn=hann_window,
                 name=None):
    """``tf.signal.inverse_stft``: IRFFT of each frame, window, overlap-add."""
    x = tensor(stfts)
    if x.shape.rank is not None and x.shape.rank < 2:
        raise ValueError(f"Shape {x.shape} must have rank at least 2")
    frame_length = int(_static(frame_length)[0])
    frame_step = int(_static(frame_step)[0])
    fft_length = (_enclosing_power_of_two(frame_length) if fft_length is None
                  else int(_static(fft_length)[0]))
    frames = irfft(x, [fft_length])
    frames = _fit_axis(frames, frames.shape.rank - 1, frame_length)
    if window_fn is not None:
        frames = _math().multiply(frames, window_fn(frame_length, dtype=x.dtype.real_dtype))
    return overlap_and_add(frames, frame_step)


def _split_last(x, parts: int):
    n = x.shape.as_list()[-1] // parts
    r = x.shape.rank - 1
    return [_slice_axis(x, r, i * n, (i + 1) * n) for i in range(parts)]


def _rev_last(x):
    return _slice_axis(x, x.shape.rank - 1, None, None, -1)


def mdct(signals, frame_length, window_fn=vorbis_window, pad_end=False, norm=None, name=None):
    """``tf.signal.mdct``: modified DCT of 50%-overlapping frames (frame_length % 4 == 0)."""
    m = _math()
    x = tensor(signals)
    if x.shape.rank is not None and x.shape.rank < 1:
        raise ValueError(f"Shape {x.shape} must have rank at least 1")
    frame_length = int(_static(frame_length)[0])
    if frame_length % 4 != 0:
        raise ValueError("The frame length must be a multiple of 4.")
    framed = frame(x, frame_length, frame_length // 2, pad_end=pad_end)
    if window_fn is not None:
        framed = m.multiply(framed, window_fn(frame_length, dtype=framed.dtype))
    else:
        framed = m.multiply(framed, 1.0 / np.sqrt(2))
    a, b, c, d = _split_last(framed, 4)
    first = m.subtract(m.negative(_rev_last(c)), d)
    second = m.subtract(a, _rev_last(b))
    rearranged = _array().concat([first, second], -1)
    return dct(rearranged, type=4, norm=norm)


def inverse_mdct(mdcts, window_fn=vorbis_window, norm=None, name=None):
    """``tf.signal.inverse_mdct``: IMDCT, window and overlap-add."""
    m = _math()
    x = tensor(mdcts)
    if x.shape.rank is not None and x.shape.rank < 1:
        raise ValueError(f"Shape {x.shape} must have rank at least 1")
    half = x.shape.as_list()[-1]
    if norm is None:
        res = m.multiply(dct(x, type=4), tensor(0.5 / half, dtype=x.dtype))
    elif norm == "ortho":
        res = dct(x, type=4, norm="ortho")
    else:
        raise ValueError(f"Unknown normalization. Expected None or 'ortho', got: {norm}")
    p0, p1 = _split_last(res, 2)
    frames = _array().concat([p1, m.negative(_rev_last(p1)), m.negative(_rev_last(p0)),
                              m.negative(p0)], -1)
    if window_fn is not None:
        frames = m.multiply(frames, window_fn(2 * half, dtype=x.dtype))
    else:
        frames = m.multiply(frames, 1.0 / np.sqrt(2))
    return overlap_and_add(frames, half)


# ---- mel scale, MFCCs --------------------------------------------------------------------------
def _hertz_to_mel(f):
    return 1127.0 * np.log(1.0 + f / 700.0)


def linear_to_mel_weight_matrix(num_mel_bins=20, num_spectrogram_bins=129, sample_rate=8000,
                                lower_edge_hertz=125.0, upper_edge_hertz=3800.0,
                                dtype=_dtypes.float32, name=None):
    """``tf.signal.linear_to_mel_weight_matrix``: [num_spectrogram_bins, num_mel_bins]
    triangular filters on the HTK mel scale (the DC bin gets no weight)."""
    dt = _dtypes.as_dtype(dtype)
    if not dt.is_floating:
        raise ValueError(f"dtype must be a floating point type. Got: {dt!r}")

    def val(v):
        return v.numpy() if isinstance(v, Tensor) else v

    num_mel_bins, num_spectrogram_bins = int(val(num_mel_bins)), int(val(num_spectrogram_bins))
    sample_rate_arg = val(sample_rate)
    sample_rate = float(sample_rate_arg)
    lower, upper = float(val(lower_edge_hertz)), float(val(upper_edge_hertz))
    if num_mel_bins <= 0:
        raise ValueError(f"num_mel_bins must be positive. Got: {num_mel_bins}")
    if lower < 0.0:
        raise ValueError(f"lower_edge_hertz must be non-negative. Got: {lower}")
    if lower >= upper:
        raise ValueError(f"lower_edge_hertz {lower:.1f} >= upper_edge_hertz {upper:.1f}")
    if sample_rate <= 0.0:
        raise ValueError(f"sample_rate must be positive. Got: {sample_rate_arg}")
    if upper > sample_rate / 2:
        raise ValueError(f"upper_edge_hertz must not be larger than the Nyquist frequency "
                         f"(sample_rate / 2). Got {upper} for sample_rate: {sample_rate_arg}")
    calc = np.float64 if dt.name == "float64" else np.float32
    nyquist = calc(sample_rate / 2.0)
    freqs = np.linspace(0.0, nyquist, num_spectrogram_bins).astype(calc)[1:]
    bins_mel = _hertz_to_mel(freqs.astype(np.float64)).astype(calc)[:, None]
    edges = np.linspace(_hertz_to_mel(lower), _hertz_to_mel(upper), num_mel_bins + 2)
    edges = edges.astype(calc)
    lo, center, hi = edges[:-2][None], edges[1:-1][None], edges[2:][None]
    lower_slopes = (bins_mel - lo) / (center - lo)
    upper_slopes = (hi - bins_mel) / (hi - center)
    weights = np.maximum(0, np.minimum(lower_slopes, upper_slopes))
    weights = np.concatenate([np.zeros((1, num_mel_bins), calc), weights], 0)
    return tensor(weights.astype(_np_real(dt)), dtype=dt)


def mfccs_from_log_mel_spectrograms(log_mel_spectrograms, name=None):
    """``tf.signal.mfccs_from_log_mel_spectrograms``: orthonormal-scaled DCT-II of log-mel
    spectrograms."""
    x = tensor(log_mel_spectrograms)
    n = x.shape.as_list()[-1]
    d = dct(x, type=2)
    return _math().multiply(d, tensor(1.0 / math.sqrt(2.0 * n), dtype=d.dtype))


# ---- public names ------------------------------------------------------------------------------
def _export_all() -> None:
    from tessera._api import export

    g = globals()
    for n in ["fft", "ifft", "fft2d", "ifft2d", "fft3d", "ifft3d", "rfft", "irfft", "rfft2d",
              "irfft2d", "rfft3d", "irfft3d", "fftshift", "ifftshift", "dct", "idct", "frame",
              "overlap_and_add", "hann_window", "hamming_window", "kaiser_window",
              "kaiser_bessel_derived_window", "vorbis_window", "stft", "inverse_stft",
              "inverse_stft_window_fn", "mdct", "inverse_mdct", "linear_to_mel_weight_matrix",
              "mfccs_from_log_mel_spectrograms"]:
        export(f"signal.{n}", g[n])


_export_all()
