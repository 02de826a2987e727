"""Adds ``tessera hub download | ls | rm | info | publish`` (loaded through the ``tessera``
entry-point group)."""

from __future__ import annotations

import pluggy

hookimpl = pluggy.HookimplMarker("tessera")


@hookimpl
def tessera_add_commands(app) -> None:  # app: typer.Typer
    from tessera_hub._cli import hub_app

    if not any(g.name == "hub" for g in app.registered_groups):
        app.add_typer(hub_app, name="hub")
