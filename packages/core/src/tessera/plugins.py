"""Tessera's plugin interface: what a plugin imports to register itself.

A plugin is a module (or object) named by an entry point in the ``tessera`` group::

    [project.entry-points.tessera]
    mydevice = "my_package.tessera_plugin"

and implements any of the ``tessera_*`` hooks in ``tessera._plugins.hookspecs``, each
decorated with :data:`hookimpl`.
"""

from tessera._plugins.manager import (
    ENTRY_POINT_GROUP,
    PluginLoadWarning,
    PluginRecord,
    get_plugin_manager,
    hookimpl,
    is_loaded,
    plugin_records,
    register,
    registry,
    unregister,
)
from tessera._plugins.registry import DeviceType, Registry

__all__ = [
    "ENTRY_POINT_GROUP",
    "DeviceType",
    "PluginLoadWarning",
    "PluginRecord",
    "Registry",
    "get_plugin_manager",
    "hookimpl",
    "is_loaded",
    "plugin_records",
    "register",
    "registry",
    "unregister",
]
