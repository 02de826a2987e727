"""The public API table: ``@tf_export("math.add", "add")`` puts a function under its TF
names; ``tessera/<namespace>.py`` modules and ``tessera/__init__`` are filled from it.

Op family modules export their own names, so adding an op never edits a shared file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

API: dict[str, dict[str, Any]] = {}


def export(name: str, obj: Any) -> Any:
    """Publish ``obj`` as ``tessera.<name>`` (dotted: ``"math.add"``; top level: ``"add"``)."""
    ns, _, attr = name.rpartition(".")
    table = API.setdefault(ns, {})
    if attr in table and table[attr] is not obj:
        raise ValueError(f"tessera.{name} is exported twice")
    table[attr] = obj
    return obj


def tf_export(*names: str) -> Callable[[Any], Any]:
    """Decorator form of :func:`export` for several names."""

    def deco(obj: Any) -> Any:
        for n in names:
            export(n, obj)
        return obj

    return deco


def export_many(module_globals: dict, names, *namespaces: str) -> None:
    """Export each of ``names`` (looked up in ``module_globals``) under every namespace given
    ("" is the top level): ``export_many(globals(), ["add"], "", "math")``."""
    for n in names:
        for ns in namespaces:
            export(f"{ns}.{n}" if ns else n, module_globals[n])


def namespace(ns: str) -> dict[str, Any]:
    """Everything exported under ``ns`` ("" is the top level)."""
    import tessera._ops  # noqa: F401 - importing the families fills the table

    return dict(API.get(ns, {}))


def fill_module(module_globals: dict, ns: str) -> None:
    """Populate a public namespace module; child namespaces become attributes lazily."""
    module_globals.update(namespace(ns))
    module_globals["__all__"] = sorted(k for k in API.get(ns, {}) if not k.startswith("_"))
