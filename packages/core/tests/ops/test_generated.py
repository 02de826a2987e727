"""Generated from the op declarations: value, dtype rule and shape rule of every op on
every sample; a numerical gradient check wherever a gradient applies."""

from __future__ import annotations

import numpy as np
import pytest

from tessera import dtypes
from tessera._autodiff.tape import GradientTape
from tessera._framework.convert import dtype_of_array, wrap
from tessera._framework.execute import execute
from tessera._framework.op import CORE_OPS, NotDifferentiable

from ._cases import cases

ROOT = __import__("pathlib").Path(__file__).resolve().parents[4]


def _wrap(a):
    a = np.asarray(a)
    return wrap(a, dtype_of_array(a))


def _run(op, sample):
    inputs = tuple(_wrap(a) for a in sample.args)
    out = execute(op, inputs, dict(sample.attrs))
    return inputs, (out if isinstance(out, tuple) else (out,))


def _partial(shape):
    return tuple(None for _ in shape)


VALUE = cases("value")


@pytest.mark.parametrize("case_id, op, sample", VALUE, ids=[c[0] for c in VALUE])
def test_value_and_rules(case_id, op, sample):
    _, outs = _run(op, sample)
    # dtype rule agrees with what the kernel produced
    for o in outs:
        assert isinstance(o._value, np.ndarray)
        if o.dtype is dtypes.string:
            assert o._value.dtype == object
        elif o.dtype is not dtypes.bfloat16:
            assert o._value.dtype == np.dtype(o.dtype.as_numpy_dtype), (o._value.dtype, o.dtype)
    # shape rule: exact on known shapes, compatible on unknown dims, no crash on unknown rank
    shapes = [tuple(np.shape(a)) for a in sample.args]
    want = [tuple(o._value.shape) for o in outs]
    got = op.infer(*shapes, **sample.attrs)
    got = list(got) if isinstance(got, list) else [got]
    if op.dynamic_shape:  # sizes depend on values: the rule may leave them unknown
        got = [tuple(w if d is None else d for d, w in zip(g, wt)) for g, wt in zip(got, want)]
    assert [tuple(g) if g is not None else None for g in got] == want
    partial = op.infer(*[_partial(s) for s in shapes], **sample.attrs)
    partial = list(partial) if isinstance(partial, list) else [partial]
    for p, w in zip(partial, want):
        if p is not None:
            assert len(p) == len(w) and all(d is None or d == e for d, e in zip(p, w)), (p, w)
    op.infer(*[None for _ in shapes], **sample.attrs)
    if sample.expected is not None:
        exp = sample.expected if isinstance(sample.expected, tuple) else (sample.expected,)
        for o, e in zip(outs, exp):
            np.testing.assert_allclose(o._value, e, rtol=sample.rtol, atol=sample.atol) \
                if np.asarray(e).dtype.kind in "fc" else np.testing.assert_array_equal(o._value, e)


GRAD = cases("grad")


def _numeric_grad(op, sample, weights, index):
    """d sum(w * op(x)) / d x[index], by central differences."""
    args = [np.array(a, copy=True) for a in sample.args]
    x = args[index]
    low_precision = {np.dtype(np.float32), np.dtype(np.complex64)}
    eps = 1e-3 if {x.dtype, *(w.dtype for w in weights)} & low_precision else 1e-6
    grad = np.zeros(x.shape, dtype=np.float64 if x.dtype.kind == "f" else np.complex128)

    def loss(vals):
        outs = op.kernel(*vals, **sample.attrs)
        outs = outs if isinstance(outs, tuple) else (outs,)
        return sum(np.sum(np.asarray(o, dtype=np.complex128) * np.conj(w))
                   for o, w in zip(outs, weights)).real

    for idx in np.ndindex(x.shape):
        for part, unit in ((0, 1.0), (1, 1j)) if x.dtype.kind == "c" else ((0, 1.0),):
            orig = x[idx]
            x[idx] = orig + eps * unit
            up = loss(args)
            x[idx] = orig - eps * unit
            down = loss(args)
            x[idx] = orig
            grad[idx] += (up - down) / (2 * eps) * (unit if part else 1)
    return grad


@pytest.mark.parametrize("case_id, op, sample", GRAD, ids=[c[0] for c in GRAD])
def test_gradient_matches_finite_differences(case_id, op, sample):
    inputs, outs = _run(op, sample)
    rng = np.random.RandomState(0)
    weights = []
    for o in outs:
        w = rng.uniform(0.5, 1.5, o._value.shape)
        if o._value.dtype.kind == "c":
            w = w + 1j * rng.uniform(0.5, 1.5, o._value.shape)
        weights.append(w.astype(o._value.dtype))
    which = sample.grad_inputs if sample.grad_inputs is not None else [
        i for i, a in enumerate(sample.args) if np.asarray(a).dtype.kind in "fc"]
    with GradientTape(persistent=True) as tape:
        for i in which:
            tape.watch(inputs[i])
        outs = execute(op, inputs, dict(sample.attrs))
        outs = outs if isinstance(outs, tuple) else (outs,)
    grads = tape.gradient(list(outs), [inputs[i] for i in which],
                          output_gradients=[_wrap(w) for w in weights])
    for i, g in zip(which, grads):
        x = np.asarray(sample.args[i])
        expected = _numeric_grad(op, sample, weights, i)
        assert g is not None, f"no gradient for input {i}"
        assert g.shape == x.shape and g.dtype.as_numpy_dtype == x.dtype, (g.shape, g.dtype)
        single = {x.dtype, *(w.dtype for w in weights)} & {np.dtype(np.float32),
                                                           np.dtype(np.complex64)}
        tol = 2e-2 if single else 1e-5
        np.testing.assert_allclose(np.asarray(g._value, np.complex128), expected, rtol=tol, atol=tol)


def test_every_op_is_declared_completely():
    """Every op has samples, a gradient rule or an explicit not-differentiable mark, and an
    ONNX lowering (a lowering may raise NotImplementedError, shown in the docs table)."""
    missing = []
    for op in CORE_OPS.values():
        if op.tested_in:
            assert (ROOT / op.tested_in).is_file(), f"{op.name}: {op.tested_in} missing"
        elif op.samples is None or not op.samples():
            missing.append(f"{op.name}: no samples")
        if op.grad is None:
            missing.append(f"{op.name}: no gradient rule (use not_differentiable)")
        if op.onnx is None:
            missing.append(f"{op.name}: no ONNX lowering (use no_onnx_lowering with a reason)")
    assert missing == []


def test_not_differentiable_ops_give_none():
    from tessera._ops import reduction_ops

    x = _wrap(np.array([1.0, 3.0, 2.0], np.float32))
    with GradientTape() as t:
        t.watch(x)
        y = reduction_ops.argmax(x)
    assert y.dtype is dtypes.int64
    assert t.gradient(y, x) is None
    assert CORE_OPS["ArgMax"].grad is NotDifferentiable
