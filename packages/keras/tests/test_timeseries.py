"""keras.utils.timeseries_dataset_from_array: windows checked against NumPy slicing (and the
values TensorFlow 2.21 prints for the same call)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tessera as tf


def test_windows_targets_and_batches_match_keras():
    data = np.arange(20).reshape(10, 2).astype("float32")
    ds = tf.keras.utils.timeseries_dataset_from_array(
        data, np.arange(10) * 10, sequence_length=3, sequence_stride=2, sampling_rate=2,
        batch_size=2, start_index=1)
    got = [(x.numpy().tolist(), y.numpy().tolist()) for x, y in ds]
    assert got == [([[[2, 3], [6, 7], [10, 11]], [[6, 7], [10, 11], [14, 15]]], [10, 30]),
                   ([[[10, 11], [14, 15], [18, 19]]], [50])]


@settings(max_examples=25, deadline=None)
@given(n=st.integers(6, 30), length=st.integers(1, 4), stride=st.integers(1, 3),
       rate=st.integers(1, 2), shuffle=st.booleans())
def test_every_window_is_a_strided_slice(n, length, stride, rate, shuffle):
    data = np.arange(n, dtype="int64")
    ds = tf.keras.utils.timeseries_dataset_from_array(
        data, None, sequence_length=length, sequence_stride=stride, sampling_rate=rate,
        batch_size=None, shuffle=shuffle, seed=7)
    windows = sorted(x.numpy().tolist() for x in ds)
    expected = [data[i:i + length * rate:rate].tolist()
                for i in range(0, n - (length - 1) * rate, stride)]
    assert windows == sorted(expected)


@pytest.mark.parametrize("bad, message", [
    (dict(sampling_rate=0), "`sampling_rate` must be higher than 0"),
    (dict(sequence_stride=10), "`sequence_stride` must be lower than the length of the data"),
    (dict(start_index=-1), "`start_index` must be 0 or greater"),
    (dict(end_index=20), "`end_index` must be lower than the length of the data"),
    (dict(start_index=5, end_index=3), "`end_index` must be higher than `start_index`"),
])
def test_bad_arguments(bad, message):
    with pytest.raises(ValueError, match=message):
        tf.keras.utils.timeseries_dataset_from_array(np.arange(10), None, sequence_length=4,
                                                     **bad)
