"""Every hook a Tessera plugin can implement. All are named ``tessera_*``.

Registration hooks are *historic*: a plugin registered late (loaded on first use, or by hand
with ``tessera.plugins.register``) still receives the call every earlier plugin received.
Each receives the :class:`~tessera._plugins.registry.Registry` and adds to it; the registry
knows which plugin is registering, so a plugin that fails halfway leaves nothing behind.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("tessera")


@hookspec(historic=True)
def tessera_register_devices(registry):
    """Declare device types (``registry.add_device_type(DeviceType(...))``)."""


@hookspec(historic=True)
def tessera_register_ops(registry):
    """Declare ops this plugin owns (``registry.add_op(op)``)."""


@hookspec(historic=True)
def tessera_register_kernels(registry):
    """Add kernels per (op name, device type), also for ops the plugin does not own
    (``registry.add_kernel("Add", "GPU", fn)``)."""


@hookspec(historic=True)
def tessera_register_onnx_lowerings(registry):
    """Add ONNX lowerings per op name (``registry.add_onnx_lowering("Add", fn)``)."""


@hookspec(historic=True)
def tessera_register_subpackages(registry):
    """Map a lazy ``tessera.<name>`` to the module that implements it
    (``registry.add_subpackage("keras", "tessera_keras")``)."""


@hookspec(historic=True)
def tessera_register_executors(registry):
    """Add graph executors by name (``registry.add_executor("onnxruntime", factory)``)."""


@hookspec(historic=True)
def tessera_register_hub_resolvers(registry):
    """Resolve hub handles of a URL scheme (``registry.add_hub_resolver("hf", fn)``, where
    ``fn(handle)`` returns a local folder or a remote archive; used by tessera-hub)."""


@hookspec
def tessera_add_commands(app):
    """Add subcommands to the ``tessera`` CLI; ``app`` is its ``typer.Typer``."""
