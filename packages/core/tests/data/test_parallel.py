"""Parallel map, prefetch and parallel interleave really overlap work and keep order."""

import threading
import time

import pytest

import tessera as tf

D = tf.data.Dataset


def _sleep_then_double(x):
    time.sleep(0.05)
    return x * 2


def slow(x):
    # map functions are traced (as in TF): Python work per element goes through py_function
    return tf.py_function(_sleep_then_double, [x], Tout=tf.int64)


def test_parallel_map_overlaps_sleeping_work():
    n = 16
    t0 = time.perf_counter()
    serial = [int(v) for v in D.range(n).map(slow)]
    t_serial = time.perf_counter() - t0
    t0 = time.perf_counter()
    parallel = [int(v) for v in D.range(n).map(slow, num_parallel_calls=8)]
    t_parallel = time.perf_counter() - t0
    assert parallel == serial == [2 * i for i in range(n)]
    assert t_serial > 0.7  # 16 x 50 ms one after the other
    assert t_parallel < t_serial / 2.5  # loose: 8 threads would give ~8x


def test_autotune_map_is_parallel_and_ordered():
    t0 = time.perf_counter()
    out = [int(v) for v in D.range(8).map(slow, num_parallel_calls=tf.data.AUTOTUNE)]
    assert out == [2 * i for i in range(8)]
    assert time.perf_counter() - t0 < 0.4 * 8 * 0.05 / 0.2  # well under the 0.4 s serial time


def test_deterministic_keeps_order_with_uneven_work():
    def sleep_some(x):
        time.sleep(0.03 if int(x) % 2 == 0 else 0.0)
        return x

    def uneven(x):
        return tf.py_function(sleep_some, [x], Tout=tf.int64)

    ds = D.range(20).map(uneven, num_parallel_calls=4, deterministic=True)
    assert [int(v) for v in ds] == list(range(20))
    loose = D.range(20).map(uneven, num_parallel_calls=4, deterministic=False)
    assert sorted(int(v) for v in loose) == list(range(20))


def test_parallel_map_runs_in_other_threads():
    names = set()

    def record(x):
        names.add(threading.current_thread().name)
        return x

    list(D.range(8).map(record, num_parallel_calls=4))
    assert any(n.startswith("tf_data_map") for n in names)


def test_parallel_map_error_position_and_ignore_errors():
    def bad(x):
        if int(x) == 3:
            raise ValueError("three")
        return x

    it = iter(D.range(6).map(bad, num_parallel_calls=3))
    assert [int(next(it)) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(ValueError, match="three"):
        next(it)
    assert [int(v) for v in it] == [4, 5]
    ignored = D.range(6).map(bad, num_parallel_calls=3).ignore_errors()
    assert [int(v) for v in ignored] == [0, 1, 2, 4, 5]


def test_prefetch_overlaps_producer_and_consumer():
    ds = D.range(10).map(slow).prefetch(4)
    t0 = time.perf_counter()
    for _ in ds:
        time.sleep(0.05)  # consumer work overlaps producer work
    elapsed = time.perf_counter() - t0
    assert elapsed < 0.85  # serial would be 10 x (50 + 50) ms = 1.0 s
    assert [int(v) for v in D.range(5).prefetch(tf.data.AUTOTUNE)] == list(range(5))
    assert repr(D.range(3).prefetch(1)).startswith("<_PrefetchDataset")


def test_prefetch_propagates_errors():
    def bad(x):
        if int(x) == 1:
            raise RuntimeError("bad element")
        return x

    it = iter(D.range(3).map(bad).prefetch(2))
    assert int(next(it)) == 0
    with pytest.raises(RuntimeError, match="bad element"):
        next(it)


def test_abandoned_iterators_do_not_hang():
    for _ in range(5):
        it = iter(D.range(10**6).map(lambda x: x, num_parallel_calls=2).prefetch(2))
        next(it)
        del it


def test_parallel_interleave_matches_sequential():
    def make(x):
        return D.range(x * 10, x * 10 + 4).map(slow)

    seq = [int(v) for v in D.range(4).interleave(make, cycle_length=4, block_length=1)]
    t0 = time.perf_counter()
    par = [int(v) for v in D.range(4).interleave(make, cycle_length=4, block_length=1,
                                                 num_parallel_calls=4)]
    assert par == seq
    assert time.perf_counter() - t0 < 0.7  # 16 x 50 ms sequentially
