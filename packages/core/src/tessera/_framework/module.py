"""``tf.Module``: tracks variables and submodules held in attributes (also inside lists,
tuples and dicts), in TensorFlow's order (attributes by sorted name)."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from tessera._checkpoint.deferred import DEFERRED as _DEFERRED
from tessera._checkpoint.deferred import on_attribute_set
from tessera._framework.name_scope import name_scope as _name_scope
from tessera._framework.tensor import Tensor

_IGNORED = frozenset({"_self_unconditional_checkpoint_dependencies",
                      "_self_unconditional_dependency_names", "_obj_reference_counts_dict",
                      "_TF_MODULE_IGNORED_PROPERTIES"})


def _camel_to_snake(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def _is_variable(x) -> bool:
    return getattr(x, "_is_variable", False)


class Module:
    """``tf.Module``."""

    _TF_MODULE_IGNORED_PROPERTIES = frozenset()

    def __init__(self, name: str | None = None) -> None:
        if name is None:
            name = _camel_to_snake(type(self).__name__)
        elif not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{name!r} is not a valid module name. Module names must be valid "
                             f"Python identifiers (e.g. a valid class name).")
        self._name = name
        from tessera._framework.name_scope import current_prefix

        with _name_scope(name) as scope:
            self._scope_name = scope
        self._outer_prefix = current_prefix()

    def __setattr__(self, name: str, value) -> None:
        object.__setattr__(self, name, value)
        if _DEFERRED:  # a checkpoint restore is waiting for this attribute
            on_attribute_set(self, name, value)

    @property
    def name(self) -> str:
        return self._name

    @property
    def name_scope(self) -> _name_scope:
        return _name_scope(self._scope_name)

    @property
    def variables(self) -> tuple:
        """Every variable of this module and its submodules (each once), in TF's order:
        this module's own (attributes by sorted name), then each submodule's, depth first."""
        return tuple(self._walk_depth_first(_is_variable))

    @property
    def trainable_variables(self) -> tuple:
        return tuple(self._walk_depth_first(lambda x: _is_variable(x) and x.trainable))

    @property
    def non_trainable_variables(self) -> tuple:
        return tuple(self._walk_depth_first(lambda x: _is_variable(x) and not x.trainable))

    @property
    def submodules(self) -> tuple:
        """Every Module reachable from this one (not itself), breadth first, as TF."""
        seen, out, queue = {id(self)}, [], [self]
        while queue:
            for leaf in _own_leaves(queue.pop(0)):
                if isinstance(leaf, Module) and id(leaf) not in seen:
                    seen.add(id(leaf))
                    out.append(leaf)
                    queue.append(leaf)
        return tuple(out)

    def _walk_depth_first(self, predicate) -> list:
        seen: set[int] = {id(self)}
        out: list = []

        def visit(module) -> None:
            children = []
            for leaf in _own_leaves(module):
                if id(leaf) in seen:
                    continue
                seen.add(id(leaf))
                if predicate(leaf):
                    out.append(leaf)
                if isinstance(leaf, Module):
                    children.append(leaf)
            for child in children:
                visit(child)

        visit(self)
        return out

    @classmethod
    def with_name_scope(cls, method):
        """Decorator: run ``method`` inside the module's name scope."""

        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)

        return wrapper

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__qualname__} object at {id(self):#x}>"


def _own_leaves(module):
    for key in sorted(vars(module)):
        if key in _IGNORED or key in type(module)._TF_MODULE_IGNORED_PROPERTIES:
            continue
        yield from _leaves(vars(module)[key])


def _leaves(value, depth: int = 0):
    """Variables, modules and other leaves inside (nested) lists, tuples and dicts."""
    if depth > 100:
        return
    if isinstance(value, Mapping):
        for k in sorted(value, key=lambda k: str(k)):
            yield from _leaves(value[k], depth + 1)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _leaves(v, depth + 1)
    elif _is_variable(value) or isinstance(value, Module):
        yield value
    elif isinstance(value, Tensor):
        return
