"""``keras.utils.timeseries_dataset_from_array``: sliding windows over an array as a
``tf.data.Dataset`` (Keras 3's semantics and argument checks)."""

from __future__ import annotations

import numpy as np


def _check(name: str, value, n: int, low: int = 0, strict: bool = True) -> None:
    if (value <= low) if strict else (value < low):
        bound = f"higher than {low}" if strict else f"{low} or greater"
        raise ValueError(f"`{name}` must be {bound}. Received: {name}={value}")
    if value >= n:
        raise ValueError(f"`{name}` must be lower than the length of the data. Received: "
                         f"{name}={value}, for data of length {n}")


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None, format="tf"):
    """Windows ``data[i : i + sequence_length * sampling_rate : sampling_rate]`` for ``i`` every
    ``sequence_stride`` steps, each paired with ``targets[i]`` when targets are given."""
    import tessera as tf

    if format != "tf":
        raise ValueError(f'`format` should be "tf" (Tessera has no grain format). Received: '
                         f"format={format}")
    n = len(data)
    if start_index:
        _check("start_index", start_index, n, strict=False)
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        _check("end_index", end_index, n)
    _check("sampling_rate", sampling_rate, n)
    _check("sequence_stride", sequence_stride, n)
    start = start_index or 0
    stop = end_index or n
    num_seqs = stop - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    starts = np.arange(0, max(num_seqs, 0), sequence_stride, dtype="int64")
    if shuffle:
        if seed is None:
            seed = int(np.random.randint(1e6))
        np.random.RandomState(seed).shuffle(starts)
    steps = tf.constant(np.asarray(data)[start:stop])
    offsets = tf.constant(np.arange(sequence_length, dtype="int64") * sampling_rate)
    positions = tf.data.Dataset.from_tensor_slices(starts)
    if targets is not None:
        labels = tf.constant(np.asarray(targets)[start:stop])
        dataset = positions.map(lambda p: (tf.gather(steps, p + offsets), tf.gather(labels, p)))
    else:
        dataset = positions.map(lambda p: tf.gather(steps, p + offsets))
    if shuffle:
        dataset = dataset.shuffle(buffer_size=batch_size * 8 if batch_size else 1024, seed=seed)
    return dataset.batch(batch_size) if batch_size is not None else dataset
