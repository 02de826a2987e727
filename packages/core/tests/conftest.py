"""Shared fixtures for the core's tests."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def install_fixture(name: str, site: Path) -> None:
    """Build the fixture distribution's wheel with hatchling and install it into ``site``
    (a pure-Python wheel install is an unzip: package and .dist-info with entry points)."""
    dist_dir = site.parent / f"wheels-{name}"
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(dist_dir)],
                   cwd=FIXTURES / name, check=True, capture_output=True)
    (wheel,) = dist_dir.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory) -> Path:
    """A site directory holding the three fixture plugin distributions, installed."""
    site = tmp_path_factory.mktemp("plugin-site") / "site"
    site.mkdir()
    for name in ("fake_device", "broken_import", "broken_register"):
        install_fixture(name, site)
    return site


@pytest.fixture(scope="session")
def run_python():
    """Run Python code in a fresh interpreter; ``site`` adds an installed-plugins directory."""

    def run(code: str, site: Path | None = None, env: dict | None = None,
            args: list[str] | None = None) -> subprocess.CompletedProcess:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
        if site is not None:
            full_env["PYTHONPATH"] = os.pathsep.join(
                [str(site), *filter(None, [full_env.get("PYTHONPATH")])])
        full_env.update(env or {})
        cmd = [sys.executable, *(args if args is not None else ["-c", code])]
        return subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=120)

    return run


@pytest.fixture(scope="session", autouse=True)
def _hooks_are_all_known():
    """Every hook implemented by a loaded plugin must match a spec (catches misspellings)."""
    yield
    from tessera.plugins import get_plugin_manager

    get_plugin_manager().check_pending()
