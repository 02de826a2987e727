"""The ``tessera hub`` command group."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Annotated

import typer

from tessera_hub import _cache, _config
from tessera_hub._errors import HubError

hub_app = typer.Typer(help="Download, inspect, remove and publish hub models.",
                      no_args_is_help=True, pretty_exceptions_enable=False)


def _fail(error: Exception) -> None:
    typer.echo(f"tessera hub: {error}", err=True)
    raise typer.Exit(1)


@hub_app.command()
def download(handle: str,
             progress: Annotated[bool | None, typer.Option(
                 "--progress/--no-progress", help="Force the progress bar on or off.")] = None,
             ) -> None:
    """Download HANDLE into the cache (once) and print its local folder."""
    from tessera_hub._resolve import resolve

    try:
        typer.echo(resolve(handle, progress=progress))
    except (HubError, ValueError, OSError) as error:
        _fail(error)


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


@hub_app.command("ls")
def list_cache() -> None:
    """List the cached models: handle, size, when downloaded, folder."""
    from tessera._cli.app import _table

    rows = []
    for e in _cache.entries():
        info = e.info()
        when = datetime.datetime.fromtimestamp(info.get("time", 0)).strftime("%Y-%m-%d %H:%M")
        rows.append([info.get("handle", "?"), _human(_cache.folder_size(e.path)), when,
                     str(e.path)])
    if not rows:
        typer.echo(f"The cache {_config.cache_root()} is empty.")
        return
    typer.echo(_table(rows, ["handle", "size", "downloaded", "folder"]))


@hub_app.command()
def rm(handles: Annotated[list[str] | None, typer.Argument(help="Handles to remove.")] = None,
       all_: Annotated[bool, typer.Option("--all", help="Empty the whole cache.")] = False,
       ) -> None:
    """Remove HANDLES (or --all) from the cache."""
    if not handles and not all_:
        _fail(ValueError("name the handles to remove, or pass --all"))
    targets = _cache.entries() if all_ else [_cache.entry(h) for h in handles or []]
    missing = []
    for e, h in zip(targets, [None] * len(targets) if all_ else handles):
        if not e.complete() and not e.path.exists():
            missing.append(h)
            continue
        with e.locked(h or e.key):
            e.remove()
        typer.echo(f"removed {h or e.info().get('handle', e.key)}")
    if missing:
        _fail(ValueError(f"not in the cache: {', '.join(missing)}"))


@hub_app.command()
def info(handle: str) -> None:
    """What is known about HANDLE: cache state, origin, checksum, model kind and contents."""
    from tessera_hub._load import model_kind
    from tessera_hub._resolvers import scheme_of

    e = _cache.entry(handle)
    lines = [f"handle      {handle}"]
    scheme = scheme_of(handle)
    if scheme in (None, "file") and Path(handle.removeprefix("file://")).is_dir():
        path = Path(handle.removeprefix("file://"))
        lines.append(f"local       {path}")
    elif e.complete():
        meta = e.info()
        lines += [f"cached      {e.path}",
                  f"url         {meta.get('url', '?')}",
                  f"sha256      {meta.get('sha256', '?')}",
                  f"size        {_human(_cache.folder_size(e.path))} "
                  f"(archive {_human(meta.get('archive_size', 0))})"]
        path = e.path
    else:
        lines.append(f"cached      no (would go to {e.path})")
        typer.echo("\n".join(lines))
        return
    try:
        kind, target = model_kind(path)
        lines.append(f"format      {kind} ({target.name})")
    except (ValueError, NotImplementedError) as error:
        lines.append(f"format      unknown: {error}")
    files = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
    lines.append(f"files       {len(files)}")
    lines += [f"  {f}" for f in files[:20]]
    typer.echo("\n".join(lines))


@hub_app.command()
def publish(model: Annotated[Path, typer.Argument(help="SavedModel folder, .keras or .onnx.")],
            handle: Annotated[str, typer.Argument(help="publisher/model/version")],
            index: Annotated[Path, typer.Option(help="The hub folder to add it to.")] = Path("hub"),
            description: Annotated[str | None, typer.Option()] = None,
            overwrite: Annotated[bool, typer.Option(help="Replace an existing version.")] = False,
            ) -> None:
    """Pack MODEL as HANDLE into the hub folder INDEX (archive + index.json), ready to upload."""
    from tessera_hub._publish import publish as _publish

    try:
        entry = _publish(model, index, handle, description=description, overwrite=overwrite)
    except (ValueError, OSError, NotImplementedError) as error:
        _fail(error)
    typer.echo(f"published hub://{handle.removeprefix('hub://')} -> "
               f"{os.path.join(index, entry['archive'])} (sha256 {entry['sha256']})\n"
               f"Upload {index}/ to a static HTTP server and set TESSERA_HUB_URL to its URL.")
