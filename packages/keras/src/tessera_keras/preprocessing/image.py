"""``keras.preprocessing.image``: the image utilities of ``keras.utils`` plus ``smart_resize``."""

from __future__ import annotations

import numpy as np

import tessera as tf
from tessera_keras.utils._images import array_to_img, img_to_array, load_img, save_img


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last", **kwargs):
    """Resize one image (3-D) or a batch (4-D) to ``size`` without distorting its aspect
    ratio: the largest centred crop of the target ratio is taken first (as Keras)."""
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    is_tensor = isinstance(x, tf.Tensor)
    arr = np.asarray(x.numpy() if is_tensor else x)
    if arr.ndim not in (3, 4):
        raise ValueError(f"Expected an image array with shape `(height, width, channels)`, "
                         f"or `(batch_size, height, width, channels)`, but got input with "
                         f"incorrect rank, of shape {arr.shape}.")
    batched = arr.ndim == 4
    if not batched:
        arr = arr[None]
    if data_format == "channels_first":
        arr = arr.transpose(0, 2, 3, 1)
    from tessera_keras.layers._image_preprocessing import smart_resize as _resize

    out = np.asarray(_resize(tf.constant(arr.astype("float32") if arr.dtype.kind != "f"
                                         else arr), int(size[0]), int(size[1]),
                             interpolation).numpy())
    if data_format == "channels_first":
        out = out.transpose(0, 3, 1, 2)
    out = out if batched else out[0]
    return tf.constant(out) if is_tensor else out


__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]
