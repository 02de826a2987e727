"""The object graph a checkpoint records: which objects hold which, and which values.

An object is trackable when it is a variable, a ``tf.Module``, a ``tf.train.Checkpoint``, a
list/tuple/dict holding trackables, or defines ``_trackable_children()`` (and optionally
``_serialize_to_tensors()`` / ``_restore_from_tensors(values)``, as Keras objects do).
Keys follow TensorFlow's: ``model/dense/kernel/.ATTRIBUTES/VARIABLE_VALUE``.
"""

from __future__ import annotations

from collections.abc import Mapping

VARIABLE_VALUE = "VARIABLE_VALUE"


def is_variable(obj) -> bool:
    return getattr(obj, "_is_variable", False)


def is_trackable(obj) -> bool:
    from tessera._framework.module import Module

    if is_variable(obj) or isinstance(obj, Module) or hasattr(obj, "_trackable_children"):
        return True
    if isinstance(obj, list | tuple):
        return any(is_trackable(v) for v in obj)
    if isinstance(obj, Mapping):
        return any(is_trackable(v) for v in obj.values())
    return False


def children(obj) -> dict[str, object]:
    """Named trackable children, in a stable order."""
    if is_variable(obj):
        return {}
    custom = getattr(obj, "_trackable_children", None)
    if custom is not None:
        return dict(custom())
    if isinstance(obj, list | tuple):
        return {str(i): v for i, v in enumerate(obj) if is_trackable(v)}
    if isinstance(obj, Mapping):
        return {str(k): obj[k] for k in sorted(obj, key=str) if is_trackable(obj[k])}
    attrs = getattr(obj, "__dict__", {})
    return {k: attrs[k] for k in sorted(attrs) if not k.startswith("__") and
            k not in ("_root",) and is_trackable(attrs[k])}


def values_of(obj) -> dict[str, object]:
    """The tensors an object saves, by attribute name."""
    if is_variable(obj):
        return {VARIABLE_VALUE: obj._state.value}
    custom = getattr(obj, "_serialize_to_tensors", None)
    return dict(custom()) if custom is not None else {}


def restore_values(obj, values: dict[str, object]) -> None:
    if is_variable(obj):
        obj.assign(values[VARIABLE_VALUE])
        return
    custom = getattr(obj, "_restore_from_tensors", None)
    if custom is not None:
        custom(values)


def escape(name: str) -> str:
    """TensorFlow's escaping of names inside checkpoint keys."""
    return name.replace(".", ".S").replace("/", "./")


def build(root) -> tuple[list[dict], dict[str, tuple[object, str, object]]]:
    """Breadth-first walk from ``root``: (nodes, {key: (tensor, dtype name, obj)})."""
    nodes: list[dict] = []
    ids: dict[int, int] = {}
    paths: dict[int, str] = {}
    tensors: dict[str, tuple] = {}
    queue = [root]
    ids[id(root)] = 0
    paths[id(root)] = ""
    nodes.append({})
    keep_alive = [root]
    while queue:
        obj = queue.pop(0)
        node_id = ids[id(obj)]
        kids = []
        for name, child in children(obj).items():
            if id(child) not in ids:
                ids[id(child)] = len(nodes)
                nodes.append({})
                paths[id(child)] = (paths[id(obj)] + "/" if paths[id(obj)] else "") + escape(name)
                queue.append(child)
                keep_alive.append(child)
            kids.append({"name": name, "node_id": ids[id(child)]})
        attributes = []
        for attr, value in values_of(obj).items():
            key = f"{paths[id(obj)]}/.ATTRIBUTES/{attr}" if paths[id(obj)] else \
                f".ATTRIBUTES/{attr}"
            tensors[key] = (value, value.dtype.name, obj)
            attributes.append({"name": attr, "checkpoint_key": key})
        nodes[node_id] = {"children": kids, "attributes": attributes,
                          "kind": "variable" if is_variable(obj) else type(obj).__name__}
    return nodes, tensors


def current_objects(root) -> list:
    """Every trackable object reachable from ``root`` (root excluded)."""
    seen, out, queue = {id(root)}, [], [root]
    while queue:
        for child in children(queue.pop(0)).values():
            if id(child) not in seen:
                seen.add(id(child))
                out.append(child)
                queue.append(child)
    return out
