"""Keras 3's ``{"module", "class_name", "config", "registered_name"}`` dictionaries."""

from __future__ import annotations

_CUSTOM_OBJECTS: dict[str, object] = {}
_REGISTERED_NAMES: dict[object, str] = {}  # object -> "package>name"
_SCOPES: list[dict] = []  # the dicts of the active custom_object_scope blocks, innermost last


def serialize(obj, module: str):
    if obj is None:
        return None
    return {"module": module, "class_name": type(obj).__name__, "config": obj.get_config(),
            "registered_name": None}


def lookup(identifier, table: dict, kind: str, custom_objects=None):
    """A class named in a config dict, or a string alias, from ``table``."""
    name = identifier["class_name"] if isinstance(identifier, dict) else identifier
    for source in (custom_objects or {}, *reversed(_SCOPES), _CUSTOM_OBJECTS, table):
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
    """Register a class or function under ``"package>name"`` (``name`` defaults to its own
    name) so saved configs naming it load back."""
    if "/" in package:  # Keras's own check
        raise ValueError(f"Cannot register a class or function with a package name that "
                         f"contains a '/'. Received: package={package}")

    def decorate(obj):
        key = f"{package}>{name or obj.__name__}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        # The bare name too: Tessera's lookups by class_name predate registered names.
        _CUSTOM_OBJECTS[name or obj.__name__] = obj
        _CUSTOM_OBJECTS[key] = obj
        _REGISTERED_NAMES[obj] = key
        return obj

    return decorate


class CustomObjectScope:
    """``with CustomObjectScope({"MyLayer": MyLayer}):`` makes those names resolvable while
    loading or deserializing inside the block (scopes nest)."""

    def __init__(self, custom_objects) -> None:
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self):
        _SCOPES.append(self.custom_objects)
        return self

    def __exit__(self, *exc) -> None:
        _SCOPES.remove(self.custom_objects)


custom_object_scope = CustomObjectScope


def get_custom_objects() -> dict:
    """The global registry (a live dict: entries added to it are looked up too)."""
    return _CUSTOM_OBJECTS


def get_registered_name(obj) -> str:
    """``"package>name"`` for a registered class or function, else its ``__name__``."""
    if obj in _REGISTERED_NAMES:
        return _REGISTERED_NAMES[obj]
    return obj.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered (or in a custom-object scope) under ``name``, else None."""
    for source in (*reversed(_SCOPES), _CUSTOM_OBJECTS, custom_objects or {},
                   module_objects or {}):
        if name in source:
            return source[name]
    return None
