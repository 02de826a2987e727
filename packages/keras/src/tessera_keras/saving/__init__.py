"""``keras.saving``: the ``.keras`` format and the object registry.

``KerasFileEditor`` is not implemented."""

from tessera_keras._object_serialization import deserialize_keras_object, serialize_keras_object
from tessera_keras._serialization import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from tessera_keras.models import load_model, save_model


def save_weights(model, filepath, overwrite=True, max_shard_size=None, **kwargs) -> None:
    """``model.save_weights``: a ``.weights.h5`` file (sharding is not implemented)."""
    if max_shard_size is not None:
        raise NotImplementedError("Sharded weights (`max_shard_size`) are not implemented; "
                                  "leave it None to write one .weights.h5 file.")
    model.save_weights(filepath, overwrite=overwrite)


def load_weights(model, filepath, skip_mismatch=False, **kwargs) -> None:
    """``model.load_weights``: from a ``.weights.h5`` or ``.keras`` file."""
    model.load_weights(filepath, skip_mismatch=skip_mismatch, **kwargs)


__all__ = ["CustomObjectScope", "custom_object_scope", "deserialize_keras_object",
           "get_custom_objects", "get_registered_name", "get_registered_object", "load_model",
           "load_weights", "register_keras_serializable", "save_model", "save_weights",
           "serialize_keras_object"]
