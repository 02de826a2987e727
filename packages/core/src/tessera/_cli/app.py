"""The single ``tessera`` command. Installed packages and plugins add subcommands through
the ``tessera_add_commands`` hook."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

import typer

from tessera._plugins import manager

app = typer.Typer(
    name="tessera",
    help="Tessera: TensorFlow 2 on NumPy, ONNX and ONNX Runtime.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def tessera_distributions() -> list[tuple[str, str]]:
    """Installed distributions named tessera or tessera-*, with versions."""
    found = {}
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name == "tessera" or name.startswith("tessera-"):
            found.setdefault(name, dist.version)
    return sorted(found.items())


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


@app.command()
def info() -> None:
    """Versions of Python, NumPy, ONNX, ONNX Runtime and Tessera; plugins; devices."""
    from tessera._version import __version__

    out = [
        f"Tessera        {__version__}",
        f"Python         {platform.python_version()} ({sys.executable})",
        f"Platform       {platform.platform()}",
        f"NumPy          {_version('numpy')}",
        f"ONNX           {_version('onnx')}",
        f"ONNX Runtime   {_version('onnxruntime')}",
        "",
        "Distributions:",
    ]
    out += [f"  {name} {version}" for name, version in tessera_distributions()]
    records = manager.plugin_records()
    out += ["", "Plugins:"]
    for r in records:
        where = "built-in" if r.builtin else f"{r.distribution} {r.version}"
        out.append(f"  {r.name} ({where}): {r.status}" + (f" - {r.error}" if r.error else ""))
    out += ["", "Devices:"]
    reg = manager.registry()
    for name, dt in reg.device_types.items():
        for i in range(dt.device_count()):
            owner = reg.owners.get(("device_types", name), "?")
            out.append(f"  /physical_device:{name}:{i}  (plugin {owner})")
    typer.echo("\n".join(out))


@app.command()
def plugins() -> None:
    """List plugins: which distribution, which version, loaded or why not."""
    rows = []
    for r in manager.plugin_records():
        status = r.status + (" (built-in)" if r.builtin else "")
        if r.error:
            status += f": {r.error}"
        rows.append([r.name, r.distribution, r.version, r.module, status])
    typer.echo(_table(rows, ["name", "distribution", "version", "module", "status"]))


def _add_builtin_groups() -> None:
    from tessera._cli.saved_model import app as saved_model_app

    if not any(g.name == "saved-model" for g in app.registered_groups):
        app.add_typer(saved_model_app, name="saved-model")


def build_app() -> typer.Typer:
    """The app with every plugin's subcommands added; a failing plugin is reported, skipped."""
    _add_builtin_groups()
    pm = manager.get_plugin_manager()
    for impl in pm.hook.tessera_add_commands.get_hookimpls():
        try:
            impl.function(app=app)
        except Exception as exc:
            typer.echo(f"tessera: plugin {impl.plugin_name!r} could not add its commands: "
                       f"{type(exc).__name__}: {exc}", err=True)
    return app


def main() -> None:
    build_app()(prog_name="tessera")
