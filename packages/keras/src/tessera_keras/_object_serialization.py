"""``keras.saving.serialize_keras_object`` / ``deserialize_keras_object``: any Keras object
(layer, model, optimizer, loss, metric, initializer, regularizer, constraint, learning-rate
schedule, registered class or function) to and from Keras 3's config dictionaries."""

from __future__ import annotations

import types

import numpy as np

from tessera_keras import _serialization

_PLAIN = (str, int, float, bool)


def _kinds():
    """(base class, Keras module name) pairs, most specific first."""
    from tessera_keras import (
        constraints,
        initializers,
        layers,
        losses,
        metrics,
        optimizers,
        regularizers,
    )
    from tessera_keras.optimizers import schedules

    return [(layers.Layer, "keras.layers"), (optimizers.Optimizer, "keras.optimizers"),
            (losses.Loss, "keras.losses"), (metrics.Metric, "keras.metrics"),
            (initializers.Initializer, "keras.initializers"),
            (regularizers.Regularizer, "keras.regularizers"),
            (constraints.Constraint, "keras.constraints"),
            (schedules.LearningRateSchedule, "keras.optimizers.schedules")]


def serialize_keras_object(obj):
    """A JSON-compatible config: plain values as they are, lists and dicts item by item,
    NumPy arrays as ``__numpy__`` entries, objects as ``{"module", "class_name", "config",
    "registered_name"}``."""
    if obj is None or isinstance(obj, _PLAIN):
        return obj
    if isinstance(obj, np.ndarray):
        return {"class_name": "__numpy__",
                "config": {"value": obj.tolist(), "dtype": str(obj.dtype)}}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, list | tuple):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, types.FunctionType | types.BuiltinFunctionType):
        registered = _serialization._REGISTERED_NAMES.get(obj)
        return {"module": "builtins", "class_name": "function",
                "config": registered or obj.__name__, "registered_name": "function"}
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r}: it has no `get_config()` method. Give its "
                        f"class `get_config` / `from_config` and register it with "
                        f"`keras.saving.register_keras_serializable()`.")
    registered = _serialization._REGISTERED_NAMES.get(type(obj))
    module = None
    for base, name in _kinds():
        if isinstance(obj, base) and registered is None:
            module = name
            break
    if module == "keras.layers":
        from tessera_keras import layers

        return layers.serialize(obj)
    if module is None and registered is None:
        module = type(obj).__module__
    return {"module": module, "class_name": type(obj).__name__, "config": obj.get_config(),
            "registered_name": registered}


def _function(name: str, custom_objects: dict):
    from tessera_keras import activations, losses, metrics

    found = _serialization.get_registered_object(name, custom_objects)
    if found is not None:
        return found
    for table in (activations._ALL, losses._FUNCTIONS, metrics._FUNCTIONS):
        if name in table:
            return table[name]
    raise TypeError(f"Could not locate function '{name}'. Make sure custom functions are "
                    f"decorated with `@keras.saving.register_keras_serializable()`, or pass "
                    f"them in `custom_objects`.")


def _deserializer(module: str):
    from tessera_keras import constraints, initializers, layers, losses, optimizers, regularizers
    from tessera_keras.optimizers import schedules

    return {"keras.layers": layers.deserialize, "keras.models": layers.deserialize,
            "keras": layers.deserialize, "keras.src.models.functional": layers.deserialize,
            "keras.optimizers": optimizers.deserialize, "keras.losses": losses.deserialize,
            "keras.initializers": initializers.deserialize,
            "keras.regularizers": regularizers.deserialize,
            "keras.constraints": constraints.deserialize,
            "keras.optimizers.schedules": schedules.deserialize,
            "keras.metrics": _metric}.get(module)


def _metric(config, custom_objects=None):
    from tessera_keras import metrics

    cls = _serialization.lookup(config, metrics._CLASSES, "metric", custom_objects)
    return cls.from_config(config["config"])


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object a ``serialize_keras_object`` config describes; classes are found in
    ``custom_objects``, open ``custom_object_scope`` blocks, the registry, then Keras's
    own modules (by the config's ``module``)."""
    custom_objects = dict(custom_objects or {})
    if config is None or isinstance(config, _PLAIN):
        return config
    if isinstance(config, list | tuple):
        return [deserialize_keras_object(x, custom_objects, safe_mode) for x in config]
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {config}")
    if "class_name" not in config or "config" not in config:
        return {k: deserialize_keras_object(v, custom_objects, safe_mode)
                for k, v in config.items()}
    class_name, inner = config["class_name"], config["config"]
    if class_name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "function":
        return _function(inner, custom_objects)
    if class_name == "__lambda__":
        raise NotImplementedError("Lambda functions stored as Python bytecode are not "
                                  "supported (Tessera never loads pickled or marshalled code).")
    registered = config.get("registered_name")
    for key in (registered, class_name):
        cls = _serialization.get_registered_object(key, custom_objects) if key else None
        if cls is not None:
            return cls.from_config(inner or {}) if hasattr(cls, "from_config") else cls
    deserialize = _deserializer(config.get("module"))
    if deserialize is not None:
        if deserialize.__module__ == "tessera_keras.layers":
            from tessera_keras import _saving

            return _saving.deserialize_model(config, custom_objects)
        return deserialize(config, custom_objects)
    if config.get("module") is None:
        raise TypeError(f"Cannot deserialize object of type `{class_name}`. If `{class_name}` "
                        f"is a custom class, please register it using the "
                        f"`@keras.saving.register_keras_serializable()` decorator.")
    raise TypeError(f"Could not locate class '{class_name}'. Make sure custom classes are "
                    f"decorated with `@keras.saving.register_keras_serializable()`. Full object "
                    f"config: {config}")
