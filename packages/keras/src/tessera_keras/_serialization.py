"""Keras 3's ``{"module", "class_name", "config", "registered_name"}`` dictionaries."""

from __future__ import annotations

_CUSTOM_OBJECTS: dict[str, object] = {}


def serialize(obj, module: str):
    if obj is None:
        return None
    return {"module": module, "class_name": type(obj).__name__, "config": obj.get_config(),
            "registered_name": None}


def lookup(identifier, table: dict, kind: str, custom_objects=None):
    """A class named in a config dict, or a string alias, from ``table``."""
    name = identifier["class_name"] if isinstance(identifier, dict) else identifier
    for source in (custom_objects or {}, _CUSTOM_OBJECTS, table):
        if name in source:
            return source[name]
    raise ValueError(f"Could not interpret {kind} identifier: {identifier}")


def deserialize_from(config, table: dict, kind: str, custom_objects=None):
    """An instance from a config dict (``from_config``) or a string alias (defaults)."""
    cls = lookup(config, table, kind, custom_objects)
    return cls.from_config(config.get("config", {})) if isinstance(config, dict) else cls()


def get_from(identifier, deserialize, kind: str):
    """``keras.<kind>s.get``: None, a config or name, or a callable used as is."""
    if identifier is None:
        return None
    if isinstance(identifier, dict | str):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret {kind} identifier: {identifier}")


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    def decorate(cls):
        _CUSTOM_OBJECTS[name or cls.__name__] = cls
        _CUSTOM_OBJECTS[f"{package}>{name or cls.__name__}"] = cls
        return cls

    return decorate
