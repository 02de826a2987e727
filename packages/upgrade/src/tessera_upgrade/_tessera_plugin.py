"""Adds ``tessera upgrade`` to the ``tessera`` command (loaded through the entry point).

pluggy and typer come with tessera-core, which is what loads this module; tf-upgrade
itself needs neither.
"""

import pluggy

hookimpl = pluggy.HookimplMarker("tessera")

_CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}


@hookimpl
def tessera_add_commands(app) -> None:  # app: typer.Typer
    """Register ``tessera upgrade ARGS...``, which runs ``tf-upgrade ARGS...``."""
    import typer

    @app.command("upgrade", context_settings=_CONTEXT, add_help_option=False)
    def upgrade(ctx: typer.Context) -> None:
        """Migrate TensorFlow 1.x code to 2.x (same flags as tf-upgrade; --help for them)."""
        from ._cli import main

        raise typer.Exit(main(list(ctx.args)))
