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
