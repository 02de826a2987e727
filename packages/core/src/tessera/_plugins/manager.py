"""The one ``pluggy.PluginManager("tessera")``, created and filled on first need.

Nothing here runs at ``import tessera``: the first caller of :func:`registry` (dispatching
an op, listing devices, resolving ``tessera.keras``, the CLI) loads the built-in plugins
and then every entry point of the ``tessera`` group. A plugin that fails to import or to
register is recorded with its reason, warned about once, withdrawn whole, and the rest
keeps working.
"""

from __future__ import annotations

import importlib
import os
import threading
import warnings
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import pluggy

from tessera._plugins import hookspecs
from tessera._plugins.registry import Registry

ENTRY_POINT_GROUP = "tessera"
# Built-in plugins register through the same hooks a third-party plugin uses.
BUILTIN_PLUGINS = {"ops": "tessera._ops._plugin", "cpu": "tessera._devices.cpu"}
_HISTORIC_HOOKS = [
    name for name in dir(hookspecs)
    if name.startswith("tessera_register_")
]

hookimpl = pluggy.HookimplMarker("tessera")


class PluginLoadWarning(UserWarning):
    """A plugin failed to import or register and was skipped."""


@dataclass
class PluginRecord:
    """One plugin as ``tessera plugins`` shows it."""

    name: str
    module: str
    distribution: str
    version: str
    status: str  # "loaded" | "failed" | "disabled"
    builtin: bool = False
    error: str | None = None


class _Plugins:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.pm: pluggy.PluginManager | None = None
        self.registry = Registry()
        self.records: dict[str, PluginRecord] = {}
        self.loaded = False

    def _truthy(self, var: str) -> bool:
        return os.environ.get(var, "").strip().lower() not in ("", "0", "false", "no")

    def ensure_loaded(self) -> None:
        if self.loaded:
            return
        with self.lock:
            if self.loaded or self.pm is not None:  # done, or re-entered while loading
                return
            pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
            pm.add_hookspecs(hookspecs)
            self.pm = pm
            for hook in _HISTORIC_HOOKS:
                getattr(pm.hook, hook).call_historic(kwargs={"registry": self.registry})
            from tessera._version import __version__

            for name, module in BUILTIN_PLUGINS.items():
                self._load(name, module, lambda m=module: importlib.import_module(m),
                           "tessera-core", __version__, builtin=True)
            if not self._truthy("TESSERA_DISABLE_PLUGIN_AUTOLOAD"):
                self._load_entry_points()
            self.loaded = True

    def _load_entry_points(self) -> None:
        disabled = {n.strip() for n in os.environ.get("TESSERA_DISABLE_PLUGINS", "").split(",")}
        seen: set[str] = set()
        for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if ep.name in seen:  # the same distribution visible twice on sys.path
                continue
            seen.add(ep.name)
            dist = getattr(ep, "dist", None)
            dist_name = dist.metadata["Name"] if dist is not None else "?"
            version = dist.version if dist is not None else "?"
            if ep.name in disabled:
                self.records[ep.name] = PluginRecord(
                    ep.name, ep.value, dist_name, version, "disabled",
                    error="disabled by TESSERA_DISABLE_PLUGINS")
                continue
            if ep.name in self.records:
                self._fail(PluginRecord(ep.name, ep.value, dist_name, version, "failed"),
                           f"the name {ep.name!r} is already taken by "
                           f"{self.records[ep.name].distribution}")
                continue
            self._load(ep.name, ep.value, ep.load, dist_name, version)

    def _load(self, name: str, module: str, importer, dist: str, version: str,
              builtin: bool = False) -> None:
        record = PluginRecord(name, module, dist, version, "loaded", builtin=builtin)
        try:
            plugin = importer()
        except Exception as exc:  # a broken plugin must not break `import tessera`
            self._fail(record, f"import failed: {type(exc).__name__}: {exc}")
            return
        self._register(plugin, record)

    def _register(self, plugin: Any, record: PluginRecord) -> None:
        assert self.pm is not None
        self.registry.begin(record.name)
        try:
            self.pm.register(plugin, name=record.name)  # replays the historic hooks
        except Exception as exc:
            self.registry.rollback()
            if self.pm.get_plugin(record.name) is plugin:
                self.pm.unregister(name=record.name)
            self._fail(record, f"registration failed: {type(exc).__name__}: {exc}")
            return
        self.registry.commit()
        self.records[record.name] = record

    def _fail(self, record: PluginRecord, reason: str) -> None:
        record.status, record.error = "failed", reason
        self.records[record.name] = record
        warnings.warn(
            f"tessera: plugin {record.name!r} ({record.distribution} {record.version}) "
            f"was skipped: {reason}. Run `tessera plugins` for details; uninstall it or set "
            f"TESSERA_DISABLE_PLUGINS={record.name} to silence this.",
            PluginLoadWarning, stacklevel=4)


_STATE = _Plugins()


def get_plugin_manager() -> pluggy.PluginManager:
    """The loaded plugin manager (built-ins plus entry points)."""
    _STATE.ensure_loaded()
    assert _STATE.pm is not None
    return _STATE.pm


def registry() -> Registry:
    """The registry, after plugins are loaded."""
    _STATE.ensure_loaded()
    return _STATE.registry


def plugin_records() -> list[PluginRecord]:
    """Every plugin seen, loaded or not, built-ins first."""
    _STATE.ensure_loaded()
    return sorted(_STATE.records.values(), key=lambda r: (not r.builtin, r.name))


def register(plugin: Any, name: str | None = None) -> str:
    """Register a plugin object at run time (it still receives the historic hooks).

    Unlike autoloaded plugins, a failure here raises, since the caller asked for it.
    """
    _STATE.ensure_loaded()
    name = name or getattr(plugin, "__name__", None) or f"plugin-{id(plugin):x}"
    with _STATE.lock:
        if name in _STATE.records and _STATE.records[name].status == "loaded":
            raise ValueError(f"a plugin named {name!r} is already registered")
        record = PluginRecord(name, getattr(plugin, "__name__", repr(plugin)), "<runtime>", "",
                              "loaded")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PluginLoadWarning)
            _STATE._register(plugin, record)
        if record.status == "failed":
            del _STATE.records[name]
            raise RuntimeError(f"plugin {name!r} could not be registered: {record.error}")
    return name


def unregister(name: str) -> None:
    """Remove a plugin and everything it registered (device types, kernels, ...)."""
    _STATE.ensure_loaded()
    with _STATE.lock:
        assert _STATE.pm is not None
        if _STATE.pm.get_plugin(name) is None:
            raise ValueError(f"no plugin named {name!r} is registered (see `tessera plugins`)")
        _STATE.pm.unregister(name=name)
        _STATE.registry.withdraw(name)
        _STATE.records.pop(name, None)


def is_loaded() -> bool:
    """Whether plugins have been loaded yet (they load on first need)."""
    return _STATE.loaded
