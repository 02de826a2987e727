"""Property tests: batch/unbatch round trip, take/skip partition, shuffle permutes."""

from hypothesis import given, settings
from hypothesis import strategies as st

import tessera as tf

D = tf.data.Dataset
FAST = settings(max_examples=40, deadline=None)


@FAST
@given(st.lists(st.integers(-1000, 1000), min_size=1, max_size=60), st.integers(1, 10),
       st.booleans())
def test_batch_unbatch_round_trip(xs, size, drop):
    ds = D.from_tensor_slices(xs).batch(size, drop_remainder=drop)
    kept = len(xs) // size * size if drop else len(xs)
    assert [int(v) for v in ds.unbatch()] == xs[:kept]
    assert int(ds.cardinality()) == len(list(ds))


@FAST
@given(st.integers(0, 50), st.integers(-1, 60), st.integers(-1, 60))
def test_take_skip_partition(n, k, j):
    r = D.range(n)
    take = [int(v) for v in r.take(k)]
    skip = [int(v) for v in r.skip(k)]
    if k >= 0:
        assert take + skip == list(range(n))
    assert int(r.take(k).cardinality()) == len(take)
    assert int(r.skip(j).cardinality()) == len(list(r.skip(j)))


@FAST
@given(st.integers(0, 80), st.integers(1, 100), st.integers(0, 2**31 - 1))
def test_shuffle_is_a_seeded_permutation(n, buffer, seed):
    ds = D.range(n).shuffle(buffer, seed=seed, reshuffle_each_iteration=False)
    a = [int(v) for v in ds]
    assert sorted(a) == list(range(n))
    assert [int(v) for v in ds] == a


@FAST
@given(st.lists(st.integers(0, 9), max_size=30), st.integers(1, 5), st.integers(1, 5),
       st.integers(1, 3), st.booleans())
def test_window_matches_reference(xs, size, shift, stride, drop):
    ds = D.from_tensor_slices(xs) if xs else D.range(0)
    got = [[int(v) for v in w] for w in ds.window(size, shift, stride, drop)]
    want = []
    for start in range(0, len(xs), shift):
        w = xs[start:start + (size - 1) * stride + 1:stride]
        if drop and len(w) < size:
            break
        want.append(w)
    assert got == want
    if xs:
        assert int(ds.window(size, shift, stride, drop).cardinality()) == len(want)
