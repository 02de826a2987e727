"""The tables plugins fill: device types, ops, kernels, ONNX lowerings, subpackages, executors.

The hot path (op dispatch) reads these tables as plain dicts; nothing here calls pluggy.
Every entry remembers the plugin that added it, so a plugin that raises halfway through
registration can be withdrawn whole (``discard``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Called after any registry changes, so caches built from the tables (the per-op kernel
# tables of dispatch) refresh. Module-level so dispatch can subscribe without loading plugins.
GLOBAL_LISTENERS: list[Callable[[Registry], None]] = []


@dataclass(frozen=True)
class DeviceType:
    """A kind of device a plugin provides, as TensorFlow's PluggableDevice declares one.

    ``name`` is the user-visible type (``"CPU"``, ``"GPU"``, ``"XPU"``); ``count`` how many
    devices of the type exist (an int, or a callable asked when devices are listed);
    ``to_host(buffer) -> numpy.ndarray`` and ``from_host(array, index) -> buffer`` move data.
    """

    name: str
    count: int | Callable[[], int] = 1
    to_host: Callable[[Any], Any] | None = None
    from_host: Callable[[Any, int], Any] | None = None
    description: str = ""

    def device_count(self) -> int:
        return self.count() if callable(self.count) else int(self.count)


@dataclass
class Registry:
    """Everything registered by plugins, keyed for dict-lookup dispatch.

    While the manager registers a plugin (``begin``/``commit``/``rollback``), additions are
    staged and only applied if all of the plugin's hooks succeed.
    """

    device_types: dict[str, DeviceType] = field(default_factory=dict)
    ops: dict[str, Any] = field(default_factory=dict)
    kernels: dict[tuple[str, str], Callable] = field(default_factory=dict)
    onnx_lowerings: dict[str, Callable] = field(default_factory=dict)
    subpackages: dict[str, str] = field(default_factory=dict)
    executors: dict[str, Callable] = field(default_factory=dict)
    hub_resolvers: dict[str, Callable] = field(default_factory=dict)
    # (table, key) -> plugin name, for `tessera plugins` and error messages.
    owners: dict[tuple[str, Any], str] = field(default_factory=dict)
    _plugin: str | None = None
    _staged: list[tuple[str, Any, Any]] = field(default_factory=list)
    listeners: list[Callable[[Registry], None]] = field(default_factory=list)

    # -- transactions -------------------------------------------------------------------
    def begin(self, plugin: str) -> None:
        self._plugin, self._staged = plugin, []

    def commit(self) -> None:
        staged, plugin = self._staged, self._plugin
        self._plugin, self._staged = None, []
        for table, key, value in staged:
            getattr(self, table)[key] = value
            self.owners[(table, key)] = plugin or "<direct>"
        if staged:
            self._notify()

    def rollback(self) -> None:
        self._plugin, self._staged = None, []

    def _get(self, table: str, key: Any) -> Any:
        for t, k, v in reversed(self._staged):
            if t == table and k == key:
                return v
        return getattr(self, table).get(key)

    def _put(self, table: str, key: Any, value: Any) -> None:
        self._staged.append((table, key, value))
        if self._plugin is None:  # registered directly, outside a plugin: apply now
            self.commit()

    def _owner(self, table: str, key: Any) -> str:
        if any(t == table and k == key for t, k, _ in self._staged):
            return self._plugin or "<direct>"
        return self.owners.get((table, key), "<unknown>")

    # -- what plugins call --------------------------------------------------------------
    def add_device_type(self, device_type: DeviceType) -> None:
        if not isinstance(device_type, DeviceType):
            raise TypeError(f"add_device_type expects a DeviceType, got {type(device_type).__name__}")
        name = device_type.name.upper()
        if self._get("device_types", name) is not None:
            raise ValueError(
                f"device type {name!r} is already registered by plugin "
                f"{self._owner('device_types', name)!r}; pick another name")
        self._put("device_types", name, device_type)

    def add_op(self, op: Any) -> None:
        name = getattr(op, "name", None)
        if not isinstance(name, str):
            raise TypeError(f"add_op expects an op with a string `name`, got {op!r}")
        existing = self._get("ops", name)
        if existing is not None and existing is not op:
            raise ValueError(f"op {name!r} is already declared by plugin {self._owner('ops', name)!r}")
        self._put("ops", name, op)

    def add_kernel(self, op_name: str, device_type: str, kernel: Callable) -> None:
        """Add the kernel of an op on a device type; a later registration overrides."""
        if not callable(kernel):
            raise TypeError(f"kernel for {op_name!r} on {device_type!r} must be callable")
        self._put("kernels", (op_name, device_type.upper()), kernel)

    def add_onnx_lowering(self, op_name: str, lowering: Callable) -> None:
        if not callable(lowering):
            raise TypeError(f"ONNX lowering for {op_name!r} must be callable")
        self._put("onnx_lowerings", op_name, lowering)

    def add_subpackage(self, name: str, module: str) -> None:
        """Make ``tessera.<name>`` (dotted, e.g. ``"compat.v1"``) import ``module`` lazily."""
        if not name or name.startswith("_") or not all(p.isidentifier() for p in name.split(".")):
            raise ValueError(f"subpackage name {name!r} is not a dotted Python identifier")
        self._put("subpackages", name, module)

    def add_executor(self, name: str, factory: Callable) -> None:
        if not callable(factory):
            raise TypeError(f"executor factory {name!r} must be callable")
        self._put("executors", name, factory)

    def withdraw(self, plugin: str) -> None:
        """Drop every entry ``plugin`` added (an overridden entry is not restored)."""
        for table, key in self.contributions(plugin):
            getattr(self, table).pop(key, None)
            del self.owners[(table, key)]
        self._notify()

    def _notify(self) -> None:
        for listener in [*GLOBAL_LISTENERS, *self.listeners]:
            listener(self)

    def add_hub_resolver(self, scheme: str, resolver: Callable) -> None:
        """Resolve hub handles ``<scheme>://...`` with ``resolver(handle)``."""
        if not callable(resolver):
            raise TypeError(f"hub resolver for {scheme!r} must be callable")
        self._put("hub_resolvers", scheme.lower().rstrip(":/"), resolver)

    def contributions(self, plugin: str) -> list[tuple[str, Any]]:
        """The (table, key) entries a plugin added."""
        return [k for k, owner in self.owners.items() if owner == plugin]
