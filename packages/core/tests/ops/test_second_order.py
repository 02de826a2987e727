"""Generated: second-order gradients of every differentiable elementwise op (unary and
broadcasting binary) against finite differences of the first-order tape gradient."""

from __future__ import annotations

import numpy as np
import pytest

from tessera._autodiff.tape import GradientTape
from tessera._framework.convert import dtype_of_array, wrap
from tessera._framework.execute import execute

from ._cases import cases

GRAD2 = cases("grad2")


def _t(a):
    a = np.asarray(a, dtype=np.float64)
    return wrap(a, dtype_of_array(a))


def _first_order(op, args, attrs, weights):
    """d sum(w * op(args)) / d args, by the tape, as float64 arrays."""
    xs = [_t(a) for a in args]
    with GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        y = execute(op, tuple(xs), dict(attrs))
    gs = tape.gradient(y, xs, output_gradients=_t(weights))
    return [np.zeros_like(a) if g is None else np.asarray(g._value, np.float64)
            for a, g in zip(args, gs)]


@pytest.mark.parametrize("case_id, op, sample", GRAD2, ids=[c[0] for c in GRAD2])
def test_second_order_matches_finite_differences(case_id, op, sample):
    args = [np.asarray(a, dtype=np.float64) for a in sample.args]
    rng = np.random.RandomState(1)
    out_shape = np.broadcast_shapes(*[a.shape for a in args])
    w = rng.uniform(0.5, 1.5, out_shape)
    us = [rng.uniform(0.5, 1.5, a.shape) for a in args]
    # Tape of tape: d/dx_j of sum_i u_i * g_i(x), g = first-order gradient.
    xs = [_t(a) for a in args]
    with GradientTape(persistent=True) as outer:
        for x in xs:
            outer.watch(x)
        with GradientTape() as inner:
            for x in xs:
                inner.watch(x)
            y = execute(op, tuple(xs), dict(sample.attrs))
        gs = inner.gradient(y, xs, output_gradients=_t(w))
        total = None
        for g, u in zip(gs, us):
            if g is None:
                continue
            term = (g * _t(u))
            from tessera._ops.reduction_ops import reduce_sum

            term = reduce_sum(term)
            total = term if total is None else total + term
    if total is None:
        pytest.fail("no first-order gradient")
    second = outer.gradient(total, xs)
    eps = 1e-5
    for j, a in enumerate(args):
        expected = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            bumped = [x.copy() for x in args]
            bumped[j][idx] += eps
            up = sum(np.sum(u * g) for u, g in zip(us, _first_order(op, bumped, sample.attrs, w)))
            bumped[j][idx] -= 2 * eps
            down = sum(np.sum(u * g) for u, g in zip(us, _first_order(op, bumped, sample.attrs, w)))
            expected[idx] = (up - down) / (2 * eps)
        got = np.zeros_like(a) if second[j] is None else np.asarray(second[j]._value)
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
