"""Generated from the op declarations: each op's ONNX lowering, run by ONNX Runtime on the
op's samples, gives the kernel's result."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from tessera._onnx.builder import OnnxBuilder, to_model

from ._cases import cases

ONNX = cases("onnx")


def lower_single_op(op, sample):
    """An ONNX model holding just this op, its inputs as graph inputs."""
    b = OnnxBuilder()
    names = []
    for i, a in enumerate(sample.args):
        a = np.asarray(a)
        name = f"x{i}"
        b.dtypes[name], b.shapes[name] = a.dtype, a.shape
        names.append(name)
    outs = op.onnx(b, *names, **sample.attrs)
    outs = list(outs) if isinstance(outs, tuple) else [outs]
    expected = op.kernel(*sample.args, **sample.attrs)
    expected = [np.asarray(e) for e in (expected if isinstance(expected, tuple) else (expected,))]
    model = to_model(b, [(n, np.asarray(a).dtype, np.shape(a)) for n, a in zip(names, sample.args)],
                     [(o, e.dtype, e.shape) for o, e in zip(outs, expected)])
    return model, names, outs, expected


@pytest.mark.parametrize("case_id, op, sample", ONNX, ids=[c[0] for c in ONNX])
def test_onnx_lowering_matches_kernel(case_id, op, sample):
    model, names, outs, expected = lower_single_op(op, sample)
    onnx.checker.check_model(model, full_check=True)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    got = sess.run(outs, {n: np.asarray(a) for n, a in zip(names, sample.args)})
    for g, e in zip(got, expected):
        assert g.shape == e.shape
        if e.dtype.kind in "fc":
            np.testing.assert_allclose(g, e, rtol=max(sample.rtol, 1e-5), atol=max(sample.atol, 1e-5))
        else:
            np.testing.assert_array_equal(g, e)
