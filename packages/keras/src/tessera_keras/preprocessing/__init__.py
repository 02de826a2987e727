"""``keras.preprocessing``: Keras 3's aliases for data utilities kept under ``keras.utils``."""

from tessera_keras.preprocessing import image, sequence
from tessera_keras.utils._directory import text_dataset_from_directory
from tessera_keras.utils._images import image_dataset_from_directory
from tessera_keras.utils._timeseries import timeseries_dataset_from_array

__all__ = ["image", "image_dataset_from_directory", "sequence", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
