"""``keras.utils``."""

from __future__ import annotations

import numpy as np

from tessera_keras._object_serialization import deserialize_keras_object, serialize_keras_object
from tessera_keras._random import set_random_seed
from tessera_keras._serialization import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from tessera_keras.backend import clear_session
from tessera_keras.utils._data_utils import (
    get_source_inputs,
    is_keras_tensor,
    pack_x_y_sample_weight,
    split_dataset,
    unpack_x_y_sample_weight,
)
from tessera_keras.utils._directory import text_dataset_from_directory
from tessera_keras.utils._file_utils import get_file
from tessera_keras.utils._images import (
    array_to_img,
    image_dataset_from_directory,
    img_to_array,
    load_img,
    save_img,
)
from tessera_keras.utils._model_visualization import model_to_dot, plot_model
from tessera_keras.utils._progbar import Progbar
from tessera_keras.utils._py_dataset import PyDataset, Sequence
from tessera_keras.utils._sequence import pad_sequences
from tessera_keras.utils._timeseries import timeseries_dataset_from_array


def to_categorical(x, num_classes=None) -> np.ndarray:
    x = np.asarray(x, dtype="int64")
    shape = x.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    num_classes = int(num_classes if num_classes is not None else np.max(x) + 1)
    out = np.zeros((x.shape[0], num_classes), dtype="float32")
    out[np.arange(x.shape[0]), x] = 1
    return out.reshape(*shape, num_classes)


def normalize(x, axis=-1, order=2) -> np.ndarray:
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


__all__ = ["CustomObjectScope", "Progbar", "PyDataset", "Sequence", "array_to_img",
           "clear_session", "custom_object_scope", "deserialize_keras_object",
           "get_custom_objects", "get_file", "get_registered_name", "get_registered_object",
           "get_source_inputs", "image_dataset_from_directory", "img_to_array",
           "is_keras_tensor", "load_img", "model_to_dot", "normalize", "pack_x_y_sample_weight",
           "pad_sequences", "plot_model", "register_keras_serializable", "save_img",
           "serialize_keras_object", "set_random_seed", "split_dataset",
           "text_dataset_from_directory", "timeseries_dataset_from_array", "to_categorical",
           "unpack_x_y_sample_weight"]
