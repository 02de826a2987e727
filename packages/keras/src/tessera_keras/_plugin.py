"""Registers ``tessera.keras`` (loaded through the ``tessera`` entry-point group)."""

import pluggy

hookimpl = pluggy.HookimplMarker("tessera")


@hookimpl
def tessera_register_subpackages(registry) -> None:
    registry.add_subpackage("keras", "tessera_keras")
