"""``keras.models``."""

from tessera_keras.models._functional import Functional
from tessera_keras.models._model import Model
from tessera_keras.models._sequential import Sequential


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and freshly initialized weights."""
    config = model.get_config()
    if isinstance(model, Sequential):
        return Sequential.from_config(config)
    if isinstance(model, Functional):
        return Functional.from_config(config)
    return type(model).from_config(config)


def save_model(model, filepath, overwrite=True, **kwargs):
    model.save(filepath, overwrite=overwrite, **kwargs)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model from a Keras 3 ``.keras`` file (written by Keras or by Tessera)."""
    from tessera_keras import _saving

    return _saving.load_model(filepath, custom_objects=custom_objects, compile=compile,
                              safe_mode=safe_mode)


def model_from_json(json_string, custom_objects=None):
    """A new (uncompiled) model from ``Model.to_json()`` output, Tessera's or Keras 3's."""
    import json

    from tessera_keras import _saving
    from tessera_keras._serialization import CustomObjectScope

    with CustomObjectScope(custom_objects or {}):
        return _saving.deserialize_model(json.loads(json_string), custom_objects)


__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model", "model_from_json",
           "save_model"]
