"""Convolutions and pooling (``tf.nn``): each op declared once.

Primitives follow TensorFlow's raw ops, one NumPy kernel family shared across ranks:
Conv2D/Conv3D with their input and filter gradients (Conv2DBackpropInput, ...) as primitives
of their own, MaxPool/AvgPool (2-D and 3-D) with their gradients, MaxPoolWithArgmax,
DepthToSpace/SpaceToDepth and SpaceToBatchND/BatchToSpaceND. Everything else (conv1d,
depthwise and separable convolutions, atrous and transposed convolutions, ``tf.nn.pool``)
is composed from them, as TensorFlow composes it.

Convolution kernels are im2col + one BLAS GEMM: the patches are gathered with one strided
slice copy per filter tap (never a Python loop over pixels) into a contiguous
``[batch*out_pixels, taps*channels]`` matrix. Depthwise convolutions (one input channel
per group) accumulate the taps elementwise instead. Kernels work in channels-last layout;
channels-first inputs are transposed in and out.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._framework.execute import execute
from tessera._framework.op import Sample, declare
from tessera._framework.tensor import Tensor
from tessera._ops import _samples
from tessera._ops._args import check_dtype, same_dtype, tensor

_CONV_TYPES = frozenset(["float16", "bfloat16", "float32", "float64", "int32"])
_CONV3D_TYPES = frozenset(["float16", "bfloat16", "float32", "float64"])
_MAXPOOL_TYPES = frozenset(["float16", "bfloat16", "float32", "float64", "int32", "int64",
                            "uint8", "int16", "int8", "uint16"])
_MAXPOOL3D_TYPES = frozenset(["float16", "bfloat16", "float32"])
_AVGPOOL_TYPES = frozenset(["float16", "bfloat16", "float32", "float64"])


# ---- geometry ------------------------------------------------------------------------------
def _channels_last(data_format: str) -> bool:
    return not data_format.startswith("NC")


def _spatial_axes(data_format: str, rank: int) -> list[int]:
    return list(range(1, rank - 1)) if _channels_last(data_format) else list(range(2, rank))


def _explicit_pairs(explicit_paddings, axes) -> list[tuple[int, int]] | None:
    if not explicit_paddings:
        return None
    return [(explicit_paddings[2 * a], explicit_paddings[2 * a + 1]) for a in axes]


def _geometry(sizes, kernel, strides, dilations, padding, explicit):
    """Output size and (before, after) padding per spatial dim, as TensorFlow computes them.
    ``sizes`` may hold None (unknown): its output size and padding are then None."""
    outs, pads = [], []
    for i, (n, k, s, d) in enumerate(zip(sizes, kernel, strides, dilations)):
        ke = None if k is None else (k - 1) * d + 1
        if padding == "SAME":
            if n is None or ke is None:
                outs.append(None if n is None else -(-n // s))
                pads.append(None)
                continue
            o = -(-n // s)
            total = max((o - 1) * s + ke - n, 0)
            pb, pa = total // 2, total - total // 2
        else:
            pb, pa = (0, 0) if padding == "VALID" else explicit[i]
            if n is None or ke is None:
                outs.append(None)
                pads.append((pb, pa))
                continue
            span = n + pb + pa - ke
            o = span // s + 1 if span >= 0 else 0
        outs.append(o)
        pads.append((pb, pa))
    return outs, pads


def _window(offset, strides, dilations, outs):
    """The strided slices of a padded channels-last array that one filter tap reads."""
    return (slice(None),) + tuple(
        slice(k * d, k * d + s * (o - 1) + 1, s)
        for k, s, d, o in zip(offset, strides, dilations, outs)) + (slice(None),)


def _pad(x, pads, value=0):
    """Pad the spatial dims of a channels-last array (a no-op without padding)."""
    if not any(pb or pa for pb, pa in pads):
        return x
    return np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=value)


def _work_dtype(dtype):
    """float16 is computed in float32 (NumPy has no half-precision BLAS)."""
    return np.dtype(np.float32) if dtype == np.float16 else dtype


def _to_last(x, channels_last):
    return x if channels_last else np.moveaxis(x, 1, -1)


def _from_last(y, channels_last):
    return y if channels_last else np.ascontiguousarray(np.moveaxis(y, -1, 1))


class _ConvSpec:
    """A convolution's attrs resolved for one input size (channels-last, spatial only)."""

    __slots__ = ("cl", "dilations", "outs", "pads", "strides")

    def __init__(self, in_spatial, kernel, strides, padding, explicit_paddings, data_format,
                 dilations):
        rank = len(in_spatial) + 2
        axes = _spatial_axes(data_format, rank)
        self.cl = _channels_last(data_format)
        self.strides = [strides[a] for a in axes]
        self.dilations = [dilations[a] for a in axes]
        self.outs, self.pads = _geometry(in_spatial, kernel, self.strides, self.dilations,
                                         padding, _explicit_pairs(explicit_paddings, axes))


def _spatial_of(shape, data_format):
    return tuple(shape[a] for a in _spatial_axes(data_format, len(shape)))


# ---- convolution kernels (channels-last) ------------------------------------------------------
def _im2col(xp, taps, spec, n, c):
    """Patches ``[n, *outs, taps, c]``: one strided copy per filter tap."""
    cols = np.empty((n, *spec.outs, len(taps), c), xp.dtype)
    for t, offset in enumerate(taps):
        cols[..., t, :] = xp[_window(offset, spec.strides, spec.dilations, spec.outs)]
    return cols


def _conv_forward(x, w, spec):
    n, c = x.shape[0], x.shape[-1]
    kernel, cg, o = w.shape[:-2], w.shape[-2], w.shape[-1]
    groups = c // cg
    m = n * math.prod(spec.outs)
    taps = list(np.ndindex(*kernel))
    dt = _work_dtype(x.dtype)
    if m == 0 or o == 0 or not taps:
        return np.zeros((n, *spec.outs, o), dt)
    xp = _pad(x.astype(dt, copy=False), spec.pads)
    w = w.astype(dt, copy=False)
    k = len(taps)
    if groups == 1:
        cols = _im2col(xp, taps, spec, n, c)
        y = np.matmul(cols.reshape(m, k * c), w.reshape(k * c, o))
        return y.reshape(n, *spec.outs, o)
    og = o // groups
    if cg == 1:  # depthwise: accumulate the taps elementwise, no GEMM
        wk = w.reshape(k, c, og)
        y = np.zeros((n, *spec.outs, c, og), dt)
        for t, offset in enumerate(taps):
            y += xp[_window(offset, spec.strides, spec.dilations, spec.outs)][..., None] * wk[t]
        return y.reshape(n, *spec.outs, o)
    cols = _im2col(xp, taps, spec, n, c).reshape(m, k, groups, cg)
    cols = cols.transpose(2, 0, 1, 3).reshape(groups, m, k * cg)
    wg = w.reshape(k, cg, groups, og).transpose(2, 0, 1, 3).reshape(groups, k * cg, og)
    y = np.matmul(cols, wg)  # [groups, m, og]
    return y.transpose(1, 0, 2).reshape(n, *spec.outs, o)


def _conv_backprop_input(w, dy, in_shape, spec):
    """The gradient of a channels-last convolution with respect to its input."""
    n, c = in_shape[0], in_shape[-1]
    kernel, cg, o = w.shape[:-2], w.shape[-2], w.shape[-1]
    groups = c // cg
    taps = list(np.ndindex(*kernel))
    k = len(taps)
    dt = _work_dtype(dy.dtype)
    padded = (n, *(s + pb + pa for s, (pb, pa) in zip(in_shape[1:-1], spec.pads)), c)
    dxp = np.zeros(padded, dt)
    m = n * math.prod(spec.outs)
    if m and o and k and c:
        dy = dy.astype(dt, copy=False)
        w = w.astype(dt, copy=False)
        og = o // groups
        if groups == 1:
            dcols = np.matmul(dy.reshape(m, o), w.reshape(k * c, o).T)
            dcols = dcols.reshape(n, *spec.outs, k, c)
        elif cg == 1:
            wk = w.reshape(k, c, og)
            dyg = dy.reshape(n, *spec.outs, c, og)
            dcols = None
        else:
            dyg = dy.reshape(m, groups, og).transpose(1, 0, 2)
            wg = w.reshape(k, cg, groups, og).transpose(2, 0, 1, 3).reshape(groups, k * cg, og)
            dcols = np.matmul(dyg, wg.transpose(0, 2, 1))  # [groups, m, k*cg]
            dcols = dcols.reshape(groups, m, k, cg).transpose(1, 2, 0, 3)
            dcols = dcols.reshape(n, *spec.outs, k, c)
        for t, offset in enumerate(taps):
            win = _window(offset, spec.strides, spec.dilations, spec.outs)
            if dcols is not None:
                dxp[win] += dcols[..., t, :]
            elif og == 1:
                dxp[win] += dyg[..., 0] * wk[t, :, 0]
            else:
                dxp[win] += np.einsum("...co,co->...c", dyg, wk[t])
    crop = (slice(None),) + tuple(slice(pb, pb + s) for s, (pb, _) in
                                  zip(in_shape[1:-1], spec.pads)) + (slice(None),)
    return dxp[crop]


def _conv_backprop_filter(x, dy, filter_shape, spec):
    """The gradient of a channels-last convolution with respect to its filter."""
    n, c = x.shape[0], x.shape[-1]
    kernel, cg, o = tuple(filter_shape[:-2]), filter_shape[-2], filter_shape[-1]
    groups = c // cg if cg else 1
    taps = list(np.ndindex(*kernel))
    k = len(taps)
    dt = _work_dtype(x.dtype)
    m = n * math.prod(spec.outs)
    if not (m and o and k and c):
        return np.zeros(filter_shape, dt)
    xp = _pad(x.astype(dt, copy=False), spec.pads)
    dy = dy.astype(dt, copy=False)
    og = o // groups
    if groups == 1:
        cols = _im2col(xp, taps, spec, n, c)
        dw = np.matmul(cols.reshape(m, k * c).T, dy.reshape(m, o))
        return dw.reshape(filter_shape)
    if cg == 1:
        dyg = dy.reshape(m, c, og)
        dw = np.empty((k, c, og), dt)
        for t, offset in enumerate(taps):
            patch = xp[_window(offset, spec.strides, spec.dilations, spec.outs)].reshape(m, c)
            dw[t] = np.einsum("mc,mco->co", patch, dyg)
        return dw.reshape(filter_shape)
    cols = _im2col(xp, taps, spec, n, c).reshape(m, k, groups, cg)
    cols = cols.transpose(2, 0, 1, 3).reshape(groups, m, k * cg)
    dyg = dy.reshape(m, groups, og).transpose(1, 0, 2)
    dw = np.matmul(cols.transpose(0, 2, 1), dyg)  # [groups, k*cg, og]
    dw = dw.reshape(groups, k, cg, og).transpose(1, 2, 0, 3)
    return dw.reshape(filter_shape)


def _conv_kernel(x, w, strides, padding, explicit_paddings, data_format, dilations):
    cl = _channels_last(data_format)
    spec = _ConvSpec(_spatial_of(x.shape, data_format), w.shape[:-2], strides, padding,
                     explicit_paddings, data_format, dilations)
    y = _conv_forward(_to_last(x, cl), w, spec)
    return _from_last(y, cl).astype(x.dtype, copy=False)


def _resolve_sizes(input_sizes, w, dy, data_format):
    """Fill unknown (None) entries of a traced input shape from the filter and gradient."""
    sizes = list(input_sizes)
    if sizes[0] is None:
        sizes[0] = dy.shape[0]
    return tuple(sizes)


def _conv_bpi_kernel(w, dy, input_sizes, strides, padding, explicit_paddings, data_format,
                     dilations):
    cl = _channels_last(data_format)
    sizes = _resolve_sizes(input_sizes, w, dy, data_format)
    spec = _ConvSpec(_spatial_of(sizes, data_format), w.shape[:-2], strides, padding,
                     explicit_paddings, data_format, dilations)
    last = sizes if cl else (sizes[0], *sizes[2:], sizes[1])
    dx = _conv_backprop_input(w, _to_last(dy, cl), last, spec)
    return _from_last(dx, cl).astype(dy.dtype, copy=False)


def _conv_bpf_kernel(x, dy, filter_sizes, strides, padding, explicit_paddings, data_format,
                     dilations):
    cl = _channels_last(data_format)
    spec = _ConvSpec(_spatial_of(x.shape, data_format), filter_sizes[:-2], strides, padding,
                     explicit_paddings, data_format, dilations)
    dw = _conv_backprop_filter(_to_last(x, cl), _to_last(dy, cl), tuple(filter_sizes), spec)
    return dw.astype(x.dtype, copy=False)


# ---- convolution shape rules ---------------------------------------------------------------
def _conv_out_shape(x, kernel, out_channels, strides, padding, explicit_paddings, data_format,
                    dilations):
    if x is None:
        return None
    spec = _ConvSpec(_spatial_of(x, data_format), kernel, strides, padding,
                     explicit_paddings, data_format, dilations)
    if _channels_last(data_format):
        return (x[0], *spec.outs, out_channels)
    return (x[0], out_channels, *spec.outs)


def _infer_conv(x, w, strides, padding, explicit_paddings, data_format, dilations):
    rank = len(strides)
    kernel = (None,) * (rank - 2) if w is None else w[:-2]
    out_c = None if w is None else w[-1]
    return _conv_out_shape(x, kernel, out_c, strides, padding, explicit_paddings, data_format,
                           dilations)


def _infer_bpi(w, dy, input_sizes, **attrs):
    sizes = list(input_sizes)
    if sizes[0] is None and dy is not None:
        sizes[0] = dy[0]
    return tuple(sizes)


def _infer_bpf(x, dy, filter_sizes, **attrs):
    return tuple(filter_sizes)


# ---- convolution ONNX lowerings ------------------------------------------------------------
_ONNX_FLOATS = (np.dtype(np.float32), np.dtype(np.float16))


def _onnx_type(npdtype) -> int:
    from onnx import helper

    return helper.np_dtype_to_tensor_dtype(np.dtype(npdtype))


def _onnx_float(b, *names):
    """ONNX Runtime's Conv/ConvTranspose/AveragePool run float and half only: other dtypes
    go through float32 and back."""
    dt = np.dtype(b.dtypes.get(names[0], np.float32))
    if dt in _ONNX_FLOATS:
        return names, lambda y: y
    cast = tuple(b.op("Cast", n, to=_onnx_type(np.float32)) for n in names)
    return cast, lambda y: b.op("Cast", b.op("Round", y) if dt.kind in "iu" else y,
                                to=_onnx_type(dt))


def _to_nchw(b, x, rank, cl):
    return b.op("Transpose", x, perm=[0, rank - 1, *range(1, rank - 1)]) if cl else x


def _from_nchw(b, y, rank, cl):
    return b.op("Transpose", y, perm=[0, *range(2, rank), 1]) if cl else y


def _filter_to_oihw(b, w, rank):
    """TF filter [*k, in, out] -> ONNX weight [out, in, *k]."""
    return b.op("Transpose", w, perm=[rank - 1, rank - 2, *range(rank - 2)])


def _onnx_pads(b, x, kernel, strides, padding, explicit_paddings, data_format, dilations):
    """ONNX ``pads`` (all befores, then all afters), or an auto_pad when sizes are unknown."""
    shape = b.shapes.get(x)
    rank = len(strides)
    sizes = _spatial_of(shape, data_format) if shape is not None else (None,) * (rank - 2)
    spec = _ConvSpec(sizes, kernel, strides, padding, explicit_paddings, data_format,
                     dilations)
    if any(p is None for p in spec.pads):
        return spec, {"auto_pad": "SAME_UPPER"}
    return spec, {"pads": [p[0] for p in spec.pads] + [p[1] for p in spec.pads]}


def _conv_onnx(b, x, w, strides, padding, explicit_paddings, data_format, dilations):
    rank = len(strides)
    cl = _channels_last(data_format)
    wshape = b.shapes[w]
    spec, pads = _onnx_pads(b, x, wshape[:-2], strides, padding, explicit_paddings,
                            data_format, dilations)
    c = b.shapes[x][-1 if cl else 1]
    (xf, wf), back = _onnx_float(b, x, w)
    y = b.op("Conv", _to_nchw(b, xf, rank, cl), _filter_to_oihw(b, wf, rank),
             strides=spec.strides, dilations=spec.dilations, group=c // wshape[-2], **pads)
    return back(_from_nchw(b, y, rank, cl))


def _conv_bpi_onnx(b, w, dy, input_sizes, strides, padding, explicit_paddings, data_format,
                   dilations):
    rank = len(strides)
    cl = _channels_last(data_format)
    wshape = b.shapes[w]
    in_sp = _spatial_of(input_sizes, data_format)
    spec = _ConvSpec(in_sp, wshape[:-2], strides, padding, explicit_paddings, data_format,
                     dilations)
    out_pad = [n - ((o - 1) * s + (k - 1) * d + 1 - pb - pa) for n, o, s, d, k, (pb, pa) in
               zip(in_sp, spec.outs, spec.strides, spec.dilations, wshape[:-2], spec.pads)]
    c = input_sizes[-1 if cl else 1]
    (wf, dyf), back = _onnx_float(b, w, dy)
    y = b.op("ConvTranspose", _to_nchw(b, dyf, rank, cl), _filter_to_oihw(b, wf, rank),
             strides=spec.strides, dilations=spec.dilations, group=c // wshape[-2],
             pads=[p[0] for p in spec.pads] + [p[1] for p in spec.pads],
             output_padding=out_pad)
    return back(_from_nchw(b, y, rank, cl))


def _conv_bpf_onnx(b, x, dy, filter_sizes, strides, padding, explicit_paddings, data_format,
                   dilations):
    """dW as a convolution of the input (batch as channels) with the output gradient
    (batch as input channels): strides and dilations swap roles."""
    rank = len(strides)
    cl = _channels_last(data_format)
    kernel = tuple(filter_sizes[:-2])
    spec, pads = _onnx_pads(b, x, kernel, strides, padding, explicit_paddings, data_format,
                            dilations)
    (xf, dyf), back = _onnx_float(b, x, dy)
    # [N, *S, C] -> [C, N, *S] (channels-last) / [N, C, *S] -> [C, N, *S]
    perm = [rank - 1, 0, *range(1, rank - 1)] if cl else [1, 0, *range(2, rank)]
    full = b.op("Conv", b.op("Transpose", xf, perm=perm), b.op("Transpose", dyf, perm=perm),
                strides=spec.dilations, dilations=spec.strides, **pads)  # [C, O, *k']
    full = b.op("Slice", full, b.ints([0] * len(kernel)), b.ints(kernel),
                b.ints(range(2, rank)))
    cg, o = filter_sizes[-2], filter_sizes[-1]
    c = b.shapes[x][-1 if cl else 1]
    groups = c // cg
    if groups > 1:  # keep each output channel's own group of input channels
        og = o // groups
        idx = (np.arange(o) // og * cg)[None, :] + np.arange(cg)[:, None]
        idx = np.broadcast_to(idx.reshape(cg, o, *([1] * len(kernel))), (cg, o, *kernel))
        full = b.op("GatherElements", full, b.const(np.ascontiguousarray(idx, np.int64)),
                    axis=0)
    return back(b.op("Transpose", full, perm=[*range(2, rank), 0, 1]))


# ---- convolution primitives ----------------------------------------------------------------
def _conv_attrs(rank, padding="VALID", strides=None, dilations=None, explicit=(),
                data_format=None):
    return {"strides": tuple(strides or (1,) * rank), "padding": padding,
            "explicit_paddings": tuple(explicit),
            "data_format": data_format or ("NHWC" if rank == 4 else "NDHWC"),
            "dilations": tuple(dilations or (1,) * rank)}


def _conv_samples(rank):
    """Small cases (the numerical gradient check perturbs every element)."""
    r = _samples.rand
    if rank == 4:
        a = _conv_attrs
        return [
            Sample((r((1, 4, 4, 2), "float64"), r((2, 2, 2, 3), "float64")), a(4), name="valid"),
            Sample((r((2, 5, 4, 2), "float64"), r((3, 2, 2, 2), "float64")),
                   a(4, "SAME", (1, 2, 2, 1)), name="same-s2"),
            Sample((r((1, 5, 5, 1), "float64"), r((2, 2, 1, 2), "float64")),
                   a(4, "SAME", dilations=(1, 2, 2, 1)), name="same-dil2"),
            Sample((r((1, 4, 3, 2), "float64"), r((2, 2, 2, 2), "float64")),
                   a(4, "EXPLICIT", (1, 2, 1, 1), explicit=(0, 0, 1, 2, 0, 1, 0, 0)),
                   name="explicit"),
            Sample((r((1, 2, 4, 4), "float64"), r((3, 3, 2, 2), "float64")),
                   a(4, "SAME", (1, 1, 2, 1), data_format="NCHW"), name="nchw"),
            Sample((r((1, 4, 4, 4), "float64"), r((2, 2, 2, 4), "float64")), a(4, "SAME"),
                   name="grouped"),
            Sample((r((1, 4, 4, 3), "float64"), r((3, 3, 1, 6), "float64")),
                   a(4, "SAME", (1, 2, 2, 1)), name="depthwise"),
            Sample((r((2, 6, 6, 4)), r((3, 3, 4, 5))), a(4, "SAME"), rtol=1e-4, atol=1e-4,
                   grad=False, name="float32"),
            Sample((r((1, 4, 4, 2), "float16"), r((2, 2, 2, 2), "float16")), a(4, "SAME"),
                   rtol=1e-2, atol=1e-2, grad=False, name="float16"),
            Sample((r((1, 3, 3, 2), "int32"), r((2, 2, 2, 2), "int32")), a(4), grad=False,
                   name="int32"),
            Sample((np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1),
                    np.ones((2, 2, 1, 1), np.float32)), a(4), grad=False, name="known",
                   expected=np.array([8, 12, 20, 24], np.float32).reshape(1, 2, 2, 1)),
            Sample((r((0, 3, 3, 2)), r((2, 2, 2, 3))), a(4, "SAME"), grad=False, onnx=False,
                   name="empty"),  # ONNX Runtime rejects empty Conv inputs
            Sample((r((1, 2, 2, 2)), r((3, 3, 2, 1))), a(4), grad=False, onnx=False,
                   name="too-small"),  # empty output: ONNX Conv rejects it
        ]
    a = _conv_attrs
    return [
        Sample((r((1, 3, 4, 3, 2), "float64"), r((2, 2, 2, 2, 2), "float64")), a(5), name="valid"),
        Sample((r((1, 3, 3, 4, 1), "float64"), r((2, 3, 2, 1, 2), "float64")),
               a(5, "SAME", (1, 2, 1, 2, 1)), name="same-s2"),
        Sample((r((1, 2, 3, 3, 3), "float64"), r((2, 2, 2, 2, 2), "float64")),
               a(5, "SAME", dilations=(1, 1, 1, 2, 2), data_format="NCDHW"), name="ncdhw-dil"),
        Sample((r((2, 4, 4, 4, 3)), r((3, 3, 3, 3, 4))), a(5, "SAME"), rtol=1e-4, atol=1e-4,
               grad=False, name="float32"),
    ]


def _bpi_samples(rank):
    out = []
    for s in _conv_samples(rank):
        x, w = s.args
        if x.size == 0 or x.dtype.kind in "iu":
            continue
        y = _conv_kernel(x, w, **s.attrs)
        if y.size == 0:
            continue
        out.append(Sample((w, _samples.rand(y.shape, y.dtype)), {**s.attrs,
                                                                 "input_sizes": x.shape},
                          grad=s.grad, rtol=s.rtol, atol=s.atol, name=s.name))
    return out


def _bpf_samples(rank):
    out = []
    for s in _conv_samples(rank):
        x, w = s.args
        if x.size == 0 or x.dtype.kind in "iu":
            continue
        y = _conv_kernel(x, w, **s.attrs)
        if y.size == 0:
            continue
        out.append(Sample((x, _samples.rand(y.shape, y.dtype)), {**s.attrs,
                                                                 "filter_sizes": w.shape},
                          grad=s.grad, rtol=s.rtol * 10, atol=s.atol * 10, name=s.name))
    return out


def _declare_conv_family(fwd_name, bpi_name, bpf_name, rank):
    fwd = declare(fwd_name, _conv_kernel, infer=_infer_conv,
                  samples=lambda: _conv_samples(rank))
    bpi = declare(bpi_name, _conv_bpi_kernel, infer=_infer_bpi,
                  dtype_rule=lambda dts, attrs: dts[1], samples=lambda: _bpi_samples(rank))
    bpf = declare(bpf_name, _conv_bpf_kernel, infer=_infer_bpf,
                  samples=lambda: _bpf_samples(rank))

    def geometry(attrs):
        return {k: attrs[k] for k in ("strides", "padding", "explicit_paddings", "data_format",
                                      "dilations")}

    @fwd.def_grad
    def _fwd_grad(ctx, dy):
        x, w = ctx.inputs
        g = geometry(ctx.attrs)
        return (execute(bpi, (w, dy), {"input_sizes": _shape(x), **g}),
                execute(bpf, (x, dy), {"filter_sizes": _shape(w), **g}))

    @bpi.def_grad
    def _bpi_grad(ctx, ddx):
        w, dy = ctx.inputs
        g = geometry(ctx.attrs)
        return (execute(bpf, (ddx, dy), {"filter_sizes": _shape(w), **g}),
                execute(fwd, (ddx, w), g))

    @bpf.def_grad
    def _bpf_grad(ctx, ddw):
        x, dy = ctx.inputs
        g = geometry(ctx.attrs)
        return (execute(bpi, (ddw, dy), {"input_sizes": _shape(x), **g}),
                execute(fwd, (x, ddw), g))

    fwd.def_onnx(_conv_onnx)
    bpi.def_onnx(_conv_bpi_onnx)
    bpf.def_onnx(_conv_bpf_onnx)
    return fwd, bpi, bpf


def _shape(t) -> tuple:
    v = getattr(t, "_value", None)
    if v is not None:
        return tuple(v.shape)
    return tuple(t.shape.as_list())


CONV2D, CONV2D_BACKPROP_INPUT, CONV2D_BACKPROP_FILTER = _declare_conv_family(
    "Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", 4)
CONV3D, CONV3D_BACKPROP_INPUT, CONV3D_BACKPROP_FILTER = _declare_conv_family(
    "Conv3D", "Conv3DBackpropInputV2", "Conv3DBackpropFilterV2", 5)


# ---- pooling kernels (any layout: windows are given over every axis) ---------------------------
def _pool_geometry(shape, ksize, strides, padding, explicit_paddings):
    rank = len(ksize)
    explicit = None if not explicit_paddings else [
        (explicit_paddings[2 * a], explicit_paddings[2 * a + 1]) for a in range(rank)]
    return _geometry(shape, ksize, strides, (1,) * rank, padding, explicit)


def _pool_window(offset, strides, outs):
    return tuple(slice(k, k + s * (o - 1) + 1, s) for k, s, o in zip(offset, strides, outs))


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _pad_all(x, pads, value):
    if not any(pb or pa for pb, pa in pads):
        return x
    return np.pad(x, pads, constant_values=value)


def _max_pool_kernel(x, ksize, strides, padding, explicit_paddings, data_format):
    outs, pads = _pool_geometry(x.shape, ksize, strides, padding, explicit_paddings)
    if math.prod(outs) == 0:
        return np.zeros(outs, x.dtype)
    xp = _pad_all(x, pads, _lowest(x.dtype))
    y = None
    for offset in np.ndindex(*ksize):
        v = xp[_pool_window(offset, strides, outs)]
        if y is None:
            y = v.copy()
        else:
            np.maximum(y, v, out=y)
    return y


def _argmax_flat(x, ksize, strides, padding, explicit_paddings):
    """Max and the flat index (into ``x``) of the first maximum of every window."""
    outs, pads = _pool_geometry(x.shape, ksize, strides, padding, explicit_paddings)
    if math.prod(outs) == 0:
        return np.zeros(outs, x.dtype), np.zeros(outs, np.int64)
    xp = _pad_all(x, pads, _lowest(x.dtype))
    best, which = None, np.zeros(outs, np.intp)
    mask = np.empty(outs, bool)
    for t, offset in enumerate(np.ndindex(*ksize)):
        v = xp[_pool_window(offset, strides, outs)]
        if best is None:
            best = v.copy()
            continue
        np.greater(v, best, out=mask)
        np.copyto(best, v, where=mask)
        np.copyto(which, t, where=mask)
    taps = np.unravel_index(which, ksize)
    flat = np.zeros(outs, np.int64)
    rank = x.ndim
    for a in range(rank):
        start = (np.arange(outs[a]) * strides[a] - pads[a][0]).reshape(
            [-1 if i == a else 1 for i in range(rank)])
        coord = np.clip(start + taps[a], 0, x.shape[a] - 1)
        flat = flat * x.shape[a] + coord
    return best, flat


def _max_pool_grad_kernel(x, y, grad, ksize, strides, padding, explicit_paddings, data_format):
    _, flat = _argmax_flat(x, ksize, strides, padding, explicit_paddings)
    dx = np.bincount(flat.ravel(), weights=grad.ravel().astype(np.float64), minlength=x.size)
    return dx.reshape(x.shape).astype(x.dtype)


def _max_pool_grad_grad_kernel(x, y, grad, ksize, strides, padding, explicit_paddings,
                               data_format):
    _, flat = _argmax_flat(x, ksize, strides, padding, explicit_paddings)
    return grad.ravel()[flat].astype(x.dtype, copy=False)


def _avg_counts(shape, ksize, strides, outs, pads):
    """How many real (unpadded) elements each window covers, broadcastable to the output."""
    total = np.ones((1,) * len(shape))
    for a, (n, k, s, o, (pb, _)) in enumerate(zip(shape, ksize, strides, outs, pads)):
        start = np.arange(o) * s - pb
        cnt = np.minimum(start + k, n) - np.maximum(start, 0)
        total = total * cnt.reshape([-1 if i == a else 1 for i in range(len(shape))])
    return total


def _avg_pool_kernel(x, ksize, strides, padding, explicit_paddings, data_format):
    outs, pads = _pool_geometry(x.shape, ksize, strides, padding, explicit_paddings)
    dt = _work_dtype(x.dtype)
    if math.prod(outs) == 0:
        return np.zeros(outs, x.dtype)
    xp = _pad_all(x.astype(dt, copy=False), pads, 0)
    y = np.zeros(outs, dt)
    for offset in np.ndindex(*ksize):
        y += xp[_pool_window(offset, strides, outs)]
    y /= _avg_counts(x.shape, ksize, strides, outs, pads).astype(dt)
    return y.astype(x.dtype, copy=False)


def _avg_pool_grad_kernel(grad, orig_input_shape, ksize, strides, padding, explicit_paddings,
                          data_format):
    shape = tuple(orig_input_shape)
    outs, pads = _pool_geometry(shape, ksize, strides, padding, explicit_paddings)
    dt = _work_dtype(grad.dtype)
    dxp = np.zeros([n + pb + pa for n, (pb, pa) in zip(shape, pads)], dt)
    if math.prod(outs):
        g = grad.astype(dt) / _avg_counts(shape, ksize, strides, outs, pads).astype(dt)
        for offset in np.ndindex(*ksize):
            dxp[_pool_window(offset, strides, outs)] += g
    return dxp[tuple(slice(pb, pb + n) for n, (pb, _) in zip(shape, pads))].astype(
        grad.dtype, copy=False)


def _infer_pool(x, ksize, strides, padding, explicit_paddings=(), **attrs):
    if x is None:
        return None
    outs, _ = _pool_geometry(x, ksize, strides, padding, explicit_paddings)
    return tuple(outs)


def _infer_pool_grad_grad(x, y, g, **attrs):
    if y is not None:
        return y
    return _infer_pool(x, **attrs)


# ---- pooling ONNX lowerings ------------------------------------------------------------------
def _onnx_pool_setup(b, x, ksize, strides, padding, explicit_paddings, data_format,
                     shape=None):
    rank = len(ksize)
    axes = _spatial_axes(data_format, rank)
    if any(ksize[a] != 1 or strides[a] != 1 for a in range(rank) if a not in axes):
        raise NotImplementedError("pooling over the batch or channel dimension has no ONNX "
                                  "equivalent")
    shape = b.shapes.get(x) if shape is None else shape
    sizes = shape if shape is not None else (None,) * rank
    outs, pads = _pool_geometry(sizes, ksize, strides, padding, explicit_paddings)
    attrs = {"kernel_shape": [ksize[a] for a in axes], "strides": [strides[a] for a in axes]}
    if any(pads[a] is None for a in axes):
        attrs["auto_pad"] = "SAME_UPPER"
    else:
        attrs["pads"] = [pads[a][0] for a in axes] + [pads[a][1] for a in axes]
    return rank, _channels_last(data_format), attrs, outs, pads


def _onnx_max_pool_input(b, x):
    """ONNX Runtime's MaxPool runs float, double, half and 8-bit ints: others via double."""
    dt = np.dtype(b.dtypes.get(x, np.float32))
    if dt.kind == "f" or dt in (np.dtype(np.int8), np.dtype(np.uint8)):
        return x, lambda y: y
    return b.op("Cast", x, to=_onnx_type(np.float64)), lambda y: b.op("Cast", y,
                                                                      to=_onnx_type(dt))


def _max_pool_onnx(b, x, ksize, strides, padding, explicit_paddings, data_format):
    rank, cl, attrs, _, _ = _onnx_pool_setup(b, x, ksize, strides, padding, explicit_paddings,
                                             data_format)
    xc, back = _onnx_max_pool_input(b, x)
    return back(_from_nchw(b, b.op("MaxPool", _to_nchw(b, xc, rank, cl), **attrs), rank, cl))


def _avg_pool_onnx(b, x, ksize, strides, padding, explicit_paddings, data_format):
    rank, cl, attrs, _, _ = _onnx_pool_setup(b, x, ksize, strides, padding, explicit_paddings,
                                             data_format)
    (xc,), back = _onnx_float(b, x)
    y = b.op("AveragePool", _to_nchw(b, xc, rank, cl), count_include_pad=0, **attrs)
    return back(_from_nchw(b, y, rank, cl))


def _onnx_argmax_nchw(b, x, ksize, strides, padding, explicit_paddings, data_format):
    """MaxPool's Indices output (flat over the NCHW input) as float input, and the layout."""
    rank, cl, attrs, _, _ = _onnx_pool_setup(b, x, ksize, strides, padding, explicit_paddings,
                                             data_format)
    xf = b.op("Cast", x, to=_onnx_type(np.float64)) if np.dtype(
        b.dtypes.get(x, np.float32)) != np.float32 else x
    _, idx = b.op("MaxPool", _to_nchw(b, xf, rank, cl), outputs=2, **attrs)
    return rank, cl, idx


def _flat(b, v):
    return b.op("Reshape", v, b.ints([-1]))


def _zeros_flat(b, like, dtype):
    size = b.op("Reshape", b.op("Size", like), b.ints([1]))
    return b.op("ConstantOfShape", size, value=np.zeros(1, dtype))


def _max_pool_grad_onnx(b, x, y, grad, ksize, strides, padding, explicit_paddings, data_format):
    rank, cl, idx = _onnx_argmax_nchw(b, x, ksize, strides, padding, explicit_paddings,
                                      data_format)
    dt = np.dtype(b.dtypes.get(x, np.float32))
    xt = _to_nchw(b, x, rank, cl)
    g = _to_nchw(b, grad, rank, cl)
    dx = b.op("ScatterElements", _zeros_flat(b, xt, dt), _flat(b, idx), _flat(b, g),
              reduction="add")
    return _from_nchw(b, b.op("Reshape", dx, b.op("Shape", xt)), rank, cl)


def _max_pool_grad_grad_onnx(b, x, y, grad, ksize, strides, padding, explicit_paddings,
                             data_format):
    rank, cl, idx = _onnx_argmax_nchw(b, x, ksize, strides, padding, explicit_paddings,
                                      data_format)
    g = _flat(b, _to_nchw(b, grad, rank, cl))
    out = b.op("Reshape", b.op("GatherElements", g, _flat(b, idx)), b.op("Shape", idx))
    return _from_nchw(b, out, rank, cl)


def _avg_pool_grad_onnx(b, grad, orig_input_shape, ksize, strides, padding, explicit_paddings,
                        data_format):
    shape = tuple(orig_input_shape)
    rank, cl, attrs, outs, pads = _onnx_pool_setup(b, grad, ksize, strides, padding,
                                                   explicit_paddings, data_format, shape=shape)
    axes = _spatial_axes(data_format, rank)
    c = shape[-1 if cl else 1]
    counts = _avg_counts(shape, ksize, strides, outs, pads)
    counts = np.transpose(counts, [0, rank - 1, *range(1, rank - 1)]) if cl else counts
    (g,), back = _onnx_float(b, grad)
    g = b.op("Div", _to_nchw(b, g, rank, cl), b.const(counts.astype(np.float32)))
    ones = np.ones((c, 1, *[ksize[a] for a in axes]), np.float32)
    out_pad = [shape[a] - ((outs[a] - 1) * strides[a] + ksize[a] - pads[a][0] - pads[a][1])
               for a in axes]
    attrs.pop("kernel_shape")
    dx = b.op("ConvTranspose", g, b.const(ones), group=c, output_padding=out_pad, **attrs)
    return back(_from_nchw(b, dx, rank, cl))


# ---- pooling primitives ----------------------------------------------------------------------
def _pool_attrs(ksize, strides, padding="VALID", explicit=(), data_format="NHWC"):
    return {"ksize": tuple(ksize), "strides": tuple(strides), "padding": padding,
            "explicit_paddings": tuple(explicit), "data_format": data_format}


def _distinct(shape, dtype="float64", seed=None):
    """Distinct, well separated values (no ties: max pooling is smooth around them)."""
    n = math.prod(shape)
    rng = np.random.RandomState(seed or n)
    return (rng.permutation(n).reshape(shape) * 0.25 - n * 0.1).astype(dtype)


def _pool_samples(rank, is_max):
    a = _pool_attrs
    if rank == 5:
        return [
            Sample((_distinct((1, 3, 4, 4, 2)),), a((1, 2, 2, 2, 1), (1, 1, 2, 2, 1),
                                                  data_format="NDHWC"), name="valid"),
            Sample((_distinct((1, 2, 3, 3, 3)),), a((1, 1, 2, 2, 2), (1, 1, 2, 2, 2), "SAME",
                                                  data_format="NCDHW"), name="ncdhw-same"),
            Sample((_distinct((2, 4, 4, 4, 3), "float32"),),
                   a((1, 3, 3, 3, 1), (1, 2, 2, 2, 1), "SAME", data_format="NDHWC"),
                   grad=False, name="float32"),
        ]
    out = [
        Sample((_distinct((2, 4, 4, 2)),), a((1, 2, 2, 1), (1, 2, 2, 1)), name="valid"),
        Sample((_distinct((1, 5, 5, 2)),), a((1, 3, 3, 1), (1, 2, 2, 1), "SAME"), name="same"),
        Sample((_distinct((1, 2, 5, 4)),), a((1, 1, 3, 2), (1, 1, 2, 1), "SAME",
                                            data_format="NCHW"), name="nchw"),
        Sample((_distinct((1, 4, 3, 2), "float32"),), a((1, 2, 3, 1), (1, 1, 2, 1), "SAME"),
               name="float32", rtol=1e-4, atol=1e-4),
        Sample((_samples.rand((1, 4, 4, 2), "float16"),), a((1, 2, 2, 1), (1, 2, 2, 1)),
               grad=False, rtol=1e-3, atol=1e-3, name="float16"),
        Sample((np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1),),
               a((1, 2, 2, 1), (1, 2, 2, 1)), grad=False, name="known",
               expected=(np.array([5, 7, 13, 15], np.float32) if is_max else
                         np.array([2.5, 4.5, 10.5, 12.5], np.float32)).reshape(1, 2, 2, 1)),
        Sample((_distinct((0, 3, 3, 2), "float32"),), a((1, 2, 2, 1), (1, 1, 1, 1), "SAME"),
               grad=False, onnx=False, name="empty"),  # ONNX Runtime rejects empty pools
    ]
    if is_max:
        out += [
            Sample((_distinct((1, 4, 4, 2)),), a((1, 2, 2, 1), (1, 2, 1, 1), "EXPLICIT",
                                                explicit=(0, 0, 1, 1, 0, 1, 0, 0)),
                   name="explicit"),
            Sample((_samples.rand((2, 3, 3, 2), "int32", -50, 50),),
                   a((1, 2, 2, 1), (1, 1, 1, 1), "SAME"), grad=False, name="int32"),
            Sample((_samples.rand((1, 3, 3, 2), "uint8", 0, 200),),
                   a((1, 2, 2, 1), (1, 1, 1, 1)), grad=False, name="uint8"),
            Sample((_distinct((1, 2, 2, 4)),), a((1, 1, 1, 2), (1, 1, 1, 2)), onnx=False,
                   name="depth"),  # pooling over channels: no ONNX MaxPool equivalent
        ]
    return out


def _pool_grad_samples(rank, kind):
    out = []
    for s in _pool_samples(rank, kind != "avg"):
        x = s.args[0]
        if x.dtype.kind != "f" or x.dtype == np.float16 or x.size == 0:
            continue
        y = (_avg_pool_kernel if kind == "avg" else _max_pool_kernel)(x, **s.attrs)
        g = _samples.rand(y.shape, x.dtype)
        if kind == "avg":
            out.append(Sample((g,), {**s.attrs, "orig_input_shape": x.shape}, name=s.name,
                              rtol=s.rtol, atol=s.atol, onnx=s.onnx))
        elif kind == "grad":
            out.append(Sample((x, y, g), s.attrs, grad_inputs=(2,), name=s.name, onnx=s.onnx,
                              rtol=s.rtol, atol=s.atol))
        else:
            out.append(Sample((x, y, _samples.rand(x.shape, x.dtype)), s.attrs,
                              grad_inputs=(2,), name=s.name, onnx=s.onnx, rtol=s.rtol,
                              atol=s.atol))
    return out


def _declare_pool_family(suffix, rank):
    mp = declare(f"MaxPool{suffix}", _max_pool_kernel, infer=_infer_pool,
                 samples=lambda: _pool_samples(rank, True))
    mpg = declare(f"MaxPool{suffix}Grad", _max_pool_grad_kernel,
                  infer=lambda x, y, g, **a: x, samples=lambda: _pool_grad_samples(rank, "grad"))
    mpgg = declare(f"MaxPool{suffix}GradGrad", _max_pool_grad_grad_kernel,
                   infer=_infer_pool_grad_grad,
                   samples=lambda: _pool_grad_samples(rank, "gradgrad"))
    ap = declare(f"AvgPool{suffix}", _avg_pool_kernel, infer=_infer_pool,
                 samples=lambda: _pool_samples(rank, False))
    apg = declare(f"AvgPool{suffix}Grad", _avg_pool_grad_kernel,
                  infer=lambda g, orig_input_shape, **a: tuple(orig_input_shape),
                  samples=lambda: _pool_grad_samples(rank, "avg"))

    @mp.def_grad
    def _mp_grad(ctx, dy):
        return (execute(mpg, (ctx.inputs[0], ctx.outputs[0], dy), ctx.attrs),)

    @mpg.def_grad
    def _mpg_grad(ctx, ddx):
        x, y, _ = ctx.inputs
        return None, None, execute(mpgg, (x, y, ddx), ctx.attrs)

    @mpgg.def_grad
    def _mpgg_grad(ctx, ddy):
        x, y, _ = ctx.inputs
        return None, None, execute(mpg, (x, y, ddy), ctx.attrs)

    @ap.def_grad
    def _ap_grad(ctx, dy):
        return (execute(apg, (dy,), {**ctx.attrs, "orig_input_shape": _shape(ctx.inputs[0])}),)

    @apg.def_grad
    def _apg_grad(ctx, ddx):
        attrs = {k: v for k, v in ctx.attrs.items() if k != "orig_input_shape"}
        return (execute(ap, (ddx,), attrs),)

    mp.def_onnx(_max_pool_onnx)
    mpg.def_onnx(_max_pool_grad_onnx)
    mpgg.def_onnx(_max_pool_grad_grad_onnx)
    ap.def_onnx(_avg_pool_onnx)
    apg.def_onnx(_avg_pool_grad_onnx)
    return mp, mpg, mpgg, ap, apg


MAX_POOL, MAX_POOL_GRAD, MAX_POOL_GRAD_GRAD, AVG_POOL, AVG_POOL_GRAD = _declare_pool_family("", 4)
(MAX_POOL3D, MAX_POOL3D_GRAD, MAX_POOL3D_GRAD_GRAD, AVG_POOL3D,
 AVG_POOL3D_GRAD) = _declare_pool_family("3D", 5)


# ---- max pooling with argmax ---------------------------------------------------------------
def _batch_offsets(shape):
    """The flat offset of each batch entry, broadcastable against ``shape``."""
    return (np.arange(shape[0], dtype=np.int64) * math.prod(shape[1:])).reshape(
        (-1,) + (1,) * (len(shape) - 1))


def _mpwa_kernel(x, ksize, strides, padding, include_batch_in_index, Targmax):
    y, flat = _argmax_flat(x, ksize, strides, padding, ())
    if not include_batch_in_index:
        flat = flat - _batch_offsets(x.shape)
    return y, flat.astype(Targmax.as_numpy_dtype)


def _argmax_index(x, argmax, include_batch_in_index):
    idx = argmax.astype(np.int64)
    if not include_batch_in_index:
        idx = idx + _batch_offsets(x.shape)
    return idx


def _mpgwa_kernel(x, grad, argmax, ksize, strides, padding, include_batch_in_index):
    idx = _argmax_index(x, argmax, include_batch_in_index)
    dx = np.bincount(idx.ravel(), weights=grad.ravel().astype(np.float64), minlength=x.size)
    return dx[:x.size].reshape(x.shape).astype(x.dtype)


def _mpggwa_kernel(x, grad, argmax, ksize, strides, padding, include_batch_in_index):
    idx = _argmax_index(x, argmax, include_batch_in_index)
    return grad.ravel()[idx].astype(x.dtype, copy=False)


def _infer_mpwa(x, ksize, strides, padding, **attrs):
    out = _infer_pool(x, ksize, strides, padding)
    return [out, out]


MAX_POOL_WITH_ARGMAX = declare(
    "MaxPoolWithArgmax", _mpwa_kernel, infer=_infer_mpwa, num_outputs=2,
    dtype_rule=lambda dts, attrs: (dts[0], attrs["Targmax"]),
    samples=lambda: [
        Sample((_distinct((2, 4, 4, 3)),), {**_mpwa_attrs((1, 2, 2, 1), (1, 2, 2, 1), "SAME")},
               name="valid"),
        Sample((_distinct((2, 5, 5, 2)),), {**_mpwa_attrs((1, 3, 3, 1), (1, 2, 2, 1), "SAME",
                                                          True)}, name="same-batch"),
        Sample((_distinct((1, 3, 4, 2), "float32"),),
               {**_mpwa_attrs((1, 2, 2, 1), (1, 1, 1, 1), "VALID", False, _dtypes.int32)},
               grad=False, name="int32-index"),
        Sample((np.array([3., 1, 2, 5, 4, 4, 0, 1, 7, 7, 7, 7, 1, 2, 3, 4],
                         np.float32).reshape(1, 4, 4, 1),),
               {**_mpwa_attrs((1, 2, 2, 1), (1, 2, 2, 1), "VALID")}, grad=False, name="ties",
               expected=(np.array([4, 5, 7, 7], np.float32).reshape(1, 2, 2, 1),
                         np.array([4, 3, 8, 10], np.int64).reshape(1, 2, 2, 1))),
    ])


def _mpwa_attrs(ksize, strides, padding, include_batch_in_index=False, Targmax=None):
    return {"ksize": ksize, "strides": strides, "padding": padding,
            "include_batch_in_index": include_batch_in_index,
            "Targmax": Targmax or _dtypes.int64}


def _mpgwa_samples():
    out = []
    for s in MAX_POOL_WITH_ARGMAX.samples():
        x = s.args[0]
        y, am = _mpwa_kernel(x, **s.attrs)
        attrs = {k: v for k, v in s.attrs.items() if k != "Targmax"}
        out.append(Sample((x, _samples.rand(y.shape, x.dtype), am), attrs, grad_inputs=(1,),
                          name=s.name))
    return out


def _mpggwa_samples():
    return [Sample((s.args[0], _samples.rand(s.args[0].shape, s.args[0].dtype), s.args[2]),
                   s.attrs, grad_inputs=(1,), name=s.name) for s in _mpgwa_samples()]


MAX_POOL_GRAD_WITH_ARGMAX = declare("MaxPoolGradWithArgmax", _mpgwa_kernel,
                                    infer=lambda x, g, am, **a: x, samples=_mpgwa_samples)
MAX_POOL_GRAD_GRAD_WITH_ARGMAX = declare("MaxPoolGradGradWithArgmax", _mpggwa_kernel,
                                         infer=lambda x, g, am, **a: am,
                                         samples=_mpggwa_samples)


def _without_targmax(attrs):
    return {k: v for k, v in attrs.items() if k != "Targmax"}


@MAX_POOL_WITH_ARGMAX.def_grad
def _mpwa_grad(ctx, dy, dargmax):
    x = ctx.inputs[0]
    return (execute(MAX_POOL_GRAD_WITH_ARGMAX, (x, dy, ctx.outputs[1]),
                    _without_targmax(ctx.attrs)),)


@MAX_POOL_GRAD_WITH_ARGMAX.def_grad
def _mpgwa_grad(ctx, ddx):
    x, _, am = ctx.inputs
    return None, execute(MAX_POOL_GRAD_GRAD_WITH_ARGMAX, (x, ddx, am), ctx.attrs), None


@MAX_POOL_GRAD_GRAD_WITH_ARGMAX.def_grad
def _mpggwa_grad(ctx, ddy):
    x, _, am = ctx.inputs
    return None, execute(MAX_POOL_GRAD_WITH_ARGMAX, (x, ddy, am), ctx.attrs), None


@MAX_POOL_WITH_ARGMAX.def_onnx
def _mpwa_onnx(b, x, ksize, strides, padding, include_batch_in_index, Targmax):
    rank, cl, attrs, _, _ = _onnx_pool_setup(b, x, ksize, strides, padding, (), "NHWC")
    n, h, w, c = b.shapes[x]
    xc, back = _onnx_max_pool_input(b, x)
    y, idx = b.op("MaxPool", _to_nchw(b, xc, rank, cl), outputs=2, **attrs)
    # ONNX: ((n*C + c)*H + h)*W + w; TF: ((n*H + h)*W + w)*C + c (n only when asked).
    hw = b.const(np.array(h * w, np.int64))
    chans = b.const(np.array(c, np.int64))
    pos = b.op("Mod", idx, hw)
    nc = b.op("Div", idx, hw)
    tf_idx = b.op("Add", b.op("Mul", pos, chans), b.op("Mod", nc, chans))
    if include_batch_in_index:
        batch = b.op("Div", nc, chans)
        tf_idx = b.op("Add", tf_idx, b.op("Mul", batch, b.const(np.array(h * w * c, np.int64))))
    tf_idx = b.op("Cast", tf_idx, to=_onnx_type(Targmax.as_numpy_dtype))
    return back(_from_nchw(b, y, rank, cl)), _from_nchw(b, tf_idx, rank, cl)


def _onnx_flat_argmax(b, x, argmax, include_batch_in_index):
    idx = b.op("Cast", argmax, to=_onnx_type(np.int64))
    if not include_batch_in_index:
        shape = b.shapes[x]
        idx = b.op("Add", idx, b.const(_batch_offsets(shape)))
    return _flat(b, idx)


@MAX_POOL_GRAD_WITH_ARGMAX.def_onnx
def _mpgwa_onnx(b, x, grad, argmax, ksize, strides, padding, include_batch_in_index):
    dx = b.op("ScatterElements", _zeros_flat(b, x, np.dtype(b.dtypes[x])),
              _onnx_flat_argmax(b, x, argmax, include_batch_in_index), _flat(b, grad),
              reduction="add")
    return b.op("Reshape", dx, b.op("Shape", x))


@MAX_POOL_GRAD_GRAD_WITH_ARGMAX.def_onnx
def _mpggwa_onnx(b, x, grad, argmax, ksize, strides, padding, include_batch_in_index):
    out = b.op("GatherElements", _flat(b, grad),
               _onnx_flat_argmax(b, x, argmax, include_batch_in_index))
    return b.op("Reshape", out, b.op("Shape", argmax))


# ---- depth_to_space / space_to_depth -------------------------------------------------------
def _d2s_nhwc(x, bs):
    n, h, w, c = x.shape
    y = x.reshape(n, h, w, bs, bs, c // (bs * bs)).transpose(0, 1, 3, 2, 4, 5)
    return y.reshape(n, h * bs, w * bs, c // (bs * bs))


def _s2d_nhwc(x, bs):
    n, h, w, c = x.shape
    y = x.reshape(n, h // bs, bs, w // bs, bs, c).transpose(0, 1, 3, 2, 4, 5)
    return y.reshape(n, h // bs, w // bs, bs * bs * c)


def _layout_kernel(fn):
    def kernel(x, block_size, data_format):
        if data_format == "NHWC":
            return np.ascontiguousarray(fn(x, block_size))
        return np.ascontiguousarray(np.moveaxis(fn(np.moveaxis(x, 1, -1), block_size), -1, 1))

    return kernel


def _infer_d2s(x, block_size, data_format):
    if x is None:
        return None
    n, h, w, c = x if data_format == "NHWC" else (x[0], x[2], x[3], x[1])
    h, w = (None if d is None else d * block_size for d in (h, w))
    c = None if c is None else c // (block_size * block_size)
    return (n, h, w, c) if data_format == "NHWC" else (n, c, h, w)


def _infer_s2d(x, block_size, data_format):
    if x is None:
        return None
    n, h, w, c = x if data_format == "NHWC" else (x[0], x[2], x[3], x[1])
    h, w = (None if d is None else d // block_size for d in (h, w))
    c = None if c is None else c * block_size * block_size
    return (n, h, w, c) if data_format == "NHWC" else (n, c, h, w)


def _space_samples(to_space):
    shape = (2, 2, 3, 8) if to_space else (2, 4, 6, 2)
    return [
        Sample((_samples.rand(shape),), {"block_size": 2, "data_format": "NHWC"}, name="nhwc"),
        Sample((_samples.rand(shape, "float64").transpose(0, 3, 1, 2).copy(),),
               {"block_size": 2, "data_format": "NCHW"}, name="nchw"),
        Sample((np.arange(math.prod(shape), dtype=np.int32).reshape(shape),),
               {"block_size": 2, "data_format": "NHWC"}, grad=False, name="int32"),
        Sample((_samples.rand((1, 3, 3, 9) if to_space else (1, 3, 6, 1), "bool"),),
               {"block_size": 3, "data_format": "NHWC"}, grad=False, name="bool"),
    ]


DEPTH_TO_SPACE = declare("DepthToSpace", _layout_kernel(_d2s_nhwc), infer=_infer_d2s,
                         samples=lambda: _space_samples(True))
SPACE_TO_DEPTH = declare("SpaceToDepth", _layout_kernel(_s2d_nhwc), infer=_infer_s2d,
                         samples=lambda: _space_samples(False))
DEPTH_TO_SPACE.def_grad(lambda ctx, dy: (execute(SPACE_TO_DEPTH, (dy,), ctx.attrs),))
SPACE_TO_DEPTH.def_grad(lambda ctx, dy: (execute(DEPTH_TO_SPACE, (dy,), ctx.attrs),))


def _space_onnx(to_space):
    """Reshape/Transpose/Reshape in NHWC (ONNX Runtime's DepthToSpace lacks int kernels)."""

    def lower(b, x, block_size, data_format):
        bs = block_size
        if data_format != "NHWC":
            x = b.op("Transpose", x, perm=[0, 2, 3, 1])
        shape = b.shapes.get(x) if data_format == "NHWC" else None
        if shape is None:
            s = b.shapes[_orig[0]]
            shape = (s[0], s[2], s[3], s[1])
        _, h, w, c = shape
        if to_space:
            y = b.op("Reshape", x, b.ints([0, h, w, bs, bs, c // (bs * bs)]))
            y = b.op("Transpose", y, perm=[0, 1, 3, 2, 4, 5])
            y = b.op("Reshape", y, b.ints([0, h * bs, w * bs, c // (bs * bs)]))
        else:
            y = b.op("Reshape", x, b.ints([0, h // bs, bs, w // bs, bs, c]))
            y = b.op("Transpose", y, perm=[0, 1, 3, 2, 4, 5])
            y = b.op("Reshape", y, b.ints([0, h // bs, w // bs, bs * bs * c]))
        return y if data_format == "NHWC" else b.op("Transpose", y, perm=[0, 3, 1, 2])

    _orig = [None]

    def entry(b, x, block_size, data_format):
        _orig[0] = x
        return lower(b, x, block_size, data_format)

    return entry


DEPTH_TO_SPACE.def_onnx(_space_onnx(True))
SPACE_TO_DEPTH.def_onnx(_space_onnx(False))


# ---- space_to_batch / batch_to_space ---------------------------------------------------------
def _s2b_kernel(x, block_shape, paddings):
    m = len(block_shape)
    xp = np.pad(x, [(0, 0), *paddings, *[(0, 0)] * (x.ndim - 1 - m)])
    n, rest = xp.shape[0], xp.shape[1 + m:]
    split = [n]
    for p, bsz in zip(xp.shape[1:1 + m], block_shape):
        split += [p // bsz, bsz]
    y = xp.reshape(*split, *rest)
    perm = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)] + [
        1 + 2 * m + i for i in range(len(rest))]
    y = y.transpose(perm)
    return np.ascontiguousarray(y).reshape(
        n * math.prod(block_shape), *[p // bsz for p, bsz in zip(xp.shape[1:1 + m],
                                                                   block_shape)], *rest)


def _b2s_kernel(x, block_shape, crops):
    m = len(block_shape)
    nb = math.prod(block_shape)
    n = x.shape[0] // nb
    spatial, rest = x.shape[1:1 + m], x.shape[1 + m:]
    y = x.reshape(*block_shape, n, *spatial, *rest)
    perm = [m]
    for i in range(m):
        perm += [m + 1 + i, i]
    perm += [2 * m + 1 + i for i in range(len(rest))]
    y = np.ascontiguousarray(y.transpose(perm)).reshape(
        n, *[s * bsz for s, bsz in zip(spatial, block_shape)], *rest)
    crop = (slice(None),) + tuple(slice(cb, y.shape[1 + i] - ce) for i, (cb, ce) in
                                  enumerate(crops))
    return np.ascontiguousarray(y[crop])


def _infer_s2b(x, block_shape, paddings):
    if x is None:
        return None
    m = len(block_shape)
    nb = math.prod(block_shape)
    out = [None if x[0] is None else x[0] * nb]
    for d, bsz, (pb, pa) in zip(x[1:1 + m], block_shape, paddings):
        out.append(None if d is None else (d + pb + pa) // bsz)
    return tuple(out) + tuple(x[1 + m:])


def _infer_b2s(x, block_shape, crops):
    if x is None:
        return None
    m = len(block_shape)
    nb = math.prod(block_shape)
    out = [None if x[0] is None else x[0] // nb]
    for d, bsz, (cb, ce) in zip(x[1:1 + m], block_shape, crops):
        out.append(None if d is None else d * bsz - cb - ce)
    return tuple(out) + tuple(x[1 + m:])


SPACE_TO_BATCH_ND = declare("SpaceToBatchND", _s2b_kernel, infer=_infer_s2b, samples=lambda: [
    Sample((_samples.rand((2, 4, 6, 1)),), {"block_shape": (2, 3), "paddings": ((0, 0), (0, 0))},
           name="2d"),
    Sample((_samples.rand((1, 3, 2, 2), "float64"),),
           {"block_shape": (2, 2), "paddings": ((1, 0), (1, 1))}, name="padded"),
    Sample((_samples.rand((2, 5, 3), "int32"),), {"block_shape": (2,), "paddings": ((0, 1),)},
           grad=False, name="1d-int"),
    Sample((np.arange(8, dtype=np.float32).reshape(1, 2, 4, 1),),
           {"block_shape": (2, 2), "paddings": ((0, 0), (0, 0))}, grad=False, name="known",
           expected=np.array([0, 2, 1, 3, 4, 6, 5, 7], np.float32).reshape(4, 1, 2, 1)),
])
BATCH_TO_SPACE_ND = declare("BatchToSpaceND", _b2s_kernel, infer=_infer_b2s, samples=lambda: [
    Sample((_samples.rand((6, 2, 2, 1)),), {"block_shape": (2, 3), "crops": ((0, 0), (0, 0))},
           name="2d"),
    Sample((_samples.rand((4, 2, 2, 2), "float64"),),
           {"block_shape": (2, 2), "crops": ((1, 0), (0, 2))}, name="cropped"),
    Sample((_samples.rand((4, 3, 3), "int32"),), {"block_shape": (2,), "crops": ((0, 1),)},
           grad=False, name="1d-int"),
])
SPACE_TO_BATCH_ND.def_grad(lambda ctx, dy: (execute(BATCH_TO_SPACE_ND, (dy,), {
    "block_shape": ctx.attrs["block_shape"], "crops": ctx.attrs["paddings"]}),))
BATCH_TO_SPACE_ND.def_grad(lambda ctx, dy: (execute(SPACE_TO_BATCH_ND, (dy,), {
    "block_shape": ctx.attrs["block_shape"], "paddings": ctx.attrs["crops"]}),))


@SPACE_TO_BATCH_ND.def_onnx
def _s2b_onnx(b, x, block_shape, paddings):
    shape = b.shapes[x]
    rank, m = len(shape), len(block_shape)
    pads = [0, *[p[0] for p in paddings], *[0] * (rank - 1 - m),
            0, *[p[1] for p in paddings], *[0] * (rank - 1 - m)]
    xp = b.op("Pad", x, b.ints(pads)) if any(pads) else x
    padded = [d + pb + pa for d, (pb, pa) in zip(shape[1:1 + m], paddings)]
    rest = list(shape[1 + m:])
    split = [-1]
    for p, bsz in zip(padded, block_shape):
        split += [p // bsz, bsz]
    y = b.op("Reshape", xp, b.ints(split + rest))
    perm = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)] + [
        1 + 2 * m + i for i in range(len(rest))]
    y = b.op("Transpose", y, perm=perm)
    return b.op("Reshape", y, b.ints([-1, *[p // bsz for p, bsz in zip(padded, block_shape)],
                                      *rest]))


@BATCH_TO_SPACE_ND.def_onnx
def _b2s_onnx(b, x, block_shape, crops):
    shape = b.shapes[x]
    m = len(block_shape)
    spatial, rest = list(shape[1:1 + m]), list(shape[1 + m:])
    y = b.op("Reshape", x, b.ints([*block_shape, -1, *spatial, *rest]))
    perm = [m]
    for i in range(m):
        perm += [m + 1 + i, i]
    perm += [2 * m + 1 + i for i in range(len(rest))]
    full = [s * bsz for s, bsz in zip(spatial, block_shape)]
    y = b.op("Reshape", b.op("Transpose", y, perm=perm), b.ints([-1, *full, *rest]))
    if not any(cb or ce for cb, ce in crops):
        return y
    return b.op("Slice", y, b.ints([cb for cb, _ in crops]),
                b.ints([f - ce for f, (_, ce) in zip(full, crops)]), b.ints(range(1, 1 + m)))
