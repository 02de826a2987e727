"""Small helpers Keras exports from ``keras.utils`` for data and symbolic tensors."""

from __future__ import annotations

import random

import numpy as np

from tessera_keras._keras_tensor import KerasTensor


def is_keras_tensor(x) -> bool:
    """Whether ``x`` is a symbolic ``KerasTensor`` (from ``keras.Input`` or a layer on one)."""
    return isinstance(x, KerasTensor)


def get_source_inputs(tensor) -> list:
    """The ``keras.Input`` tensors a symbolic tensor was computed from."""
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return [tensor]
    operation, node_index, _ = history
    node = operation._inbound_nodes[node_index]
    if node.is_input:
        return list(node.output_tensors)
    out = []
    for t in node.input_tensors:
        for source in get_source_inputs(t):
            if not any(source is o for o in out):  # KerasTensor's == is elementwise
                out.append(source)
    return out


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """``x`` alone (a tuple ``x`` wrapped in a 1-tuple), ``(x, y)`` or ``(x, y, sw)``."""
    if y is None:
        return (x,) if isinstance(x, tuple | list) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``
    (missing parts are None)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    if len(data) == 3:
        return (data[0], data[1], data[2])
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found: {data}")


def _split_sizes(left_size, right_size, total: int) -> tuple[int, int]:
    """Keras's rules: ints are counts, floats fractions (rounded half to even), the missing
    side gets the rest; both sides must be non-empty."""
    lt, rt = type(left_size), type(right_size)
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    if left_size is not None and lt not in (int, float):
        raise TypeError("Invalid `left_size` Type. Expected: int or float or None, "
                        f"Received: type(left_size)={lt}.")
    if right_size is not None and rt not in (int, float):
        raise TypeError("Invalid `right_size` Type. Expected: int or float or None, "
                        f"Received: type(right_size)={rt}.")
    for size, kind, side in ((left_size, lt, "left"), (right_size, rt, "right")):
        if (kind is int and (size <= 0 or size >= total)) or \
                (kind is float and (size <= 0 or size >= 1)):
            raise ValueError(f"`{side}_size` should be either a positive integer smaller than "
                             f"{total}, or a float within the range `[0, 1]`. Received: "
                             f"{side}_size={size}")
    if lt is rt is float and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must be "
                         "less than or equal to 1.")
    left = round(left_size * total) if lt is float else left_size
    right = round(right_size * total) if rt is float else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the "
                         f"{total}. Received: left_size + right_size = {left + right} and "
                         f"total_length = {total}")
    for size, side in ((left, "left"), (right, "right")):
        if size == 0:
            raise ValueError(f"With `dataset` of length={total}, `left_size`={left} and "
                             f"`right_size`={right}. Resulting {side} side dataset split will "
                             f"be empty. Adjust any of the aforementioned parameters")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None,
                  preferred_backend=None):
    """Split a NumPy array, a tuple/list of arrays (split alike) or a ``tf.data.Dataset`` into
    two ``tf.data.Dataset``s; a batched dataset is split by sample and re-batched."""
    import tessera as tf
    from tessera._framework import nest

    batch_size = None
    if hasattr(dataset, "element_spec"):
        batch_size = getattr(dataset, "_batch_size", None)
        if batch_size is not None:
            dataset = dataset.unbatch()
        samples = [nest.map_structure(lambda t: np.asarray(t.numpy()), s) for s in dataset]
    elif isinstance(dataset, np.ndarray):
        samples = list(dataset)
    elif isinstance(dataset, list | tuple) and dataset and \
            all(hasattr(a, "__len__") for a in dataset):
        arrays = [np.asarray(a) for a in dataset]
        if len({len(a) for a in arrays}) != 1:
            raise ValueError("All arrays of `dataset` must have the same length. Received "
                             f"lengths: {[len(a) for a in arrays]}")
        samples = list(zip(*arrays, strict=True))
    else:
        raise TypeError(f"Unsupported dataset type: {type(dataset)}. Pass a NumPy array, a "
                        f"tuple or list of arrays, or a tf.data.Dataset.")
    left, right = _split_sizes(left_size, right_size, len(samples))
    if shuffle:
        seed = random.randint(0, int(1e6)) if seed is None else seed
        random.Random(seed).shuffle(samples)  # Keras's seeded permutation (Python's random)

    def build(part):
        columns = nest.map_structure(lambda *xs: np.stack(xs), *part)
        out = tf.data.Dataset.from_tensor_slices(columns)
        return out.batch(batch_size) if batch_size is not None else out

    return build(samples[:left]), build(samples[len(samples) - right:])
