"""The monorepo's rules, checked for every distribution (packages/* and plugins/*)."""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
DIST_DIRS = sorted(p.parent for p in [*ROOT.glob("packages/*/pyproject.toml"),
                                      *ROOT.glob("plugins/*/pyproject.toml")])
CORE_VERSION = re.search(r'"(.+)"', (ROOT / "packages/core/src/tessera/_version.py").read_text())[1]


def project(d: Path) -> dict:
    return tomllib.loads((d / "pyproject.toml").read_text())


def test_core_is_there():
    assert ROOT / "packages" / "core" in DIST_DIRS


@pytest.mark.parametrize("d", DIST_DIRS, ids=lambda d: d.name)
def test_distribution_layout(d):
    data = project(d)
    assert data["build-system"]["build-backend"] == "hatchling.build"
    name = data["project"]["name"]
    assert name.startswith("tessera-"), name
    assert (d / "README.md").is_file() and (d / "CHANGELOG.md").is_file()
    assert (d / "tests").is_dir() and any((d / "tests").glob("test_*.py"))
    import_name = name.replace("-", "_") if name != "tessera-core" else "tessera"
    assert (d / "src" / import_name / "__init__.py").is_file()


def _sibling_pins_core_compatibly(d: Path) -> None:
    deps = project(d)["project"].get("dependencies", [])
    core = [dep for dep in deps if re.match(r"tessera-core\b", dep)]
    for spec in core:  # a sibling may need no core at all (tessera-upgrade)
        lower = re.search(r">=\s*([\d.]+)", spec)
        upper = re.search(r"<\s*([\d.]+)", spec)
        assert lower and upper, f"{d.name}: {spec!r} needs a >= and a < bound"
        low = tuple(int(x) for x in lower[1].split("."))
        core_v = tuple(int(x) for x in CORE_VERSION.split("."))
        assert low <= core_v, f"{d.name} needs core {lower[1]}, the repo's core is {CORE_VERSION}"
    for dep in deps:
        assert not dep.startswith(("tensorflow", "tf-")), f"{d.name} must not depend on TF"


def test_siblings_pin_a_compatible_core_range():
    for d in DIST_DIRS:
        if d.name != "core":
            _sibling_pins_core_compatibly(d)


def test_core_runtime_dependencies_are_only_numpy_pluggy_typer():
    deps = project(ROOT / "packages/core")["project"]["dependencies"]
    names = {re.split(r"[<>=!~ ;\[]", d, maxsplit=1)[0] for d in deps}
    assert names == {"numpy", "pluggy", "typer"}


def test_core_depends_on_no_sibling():
    src = ROOT / "packages/core/src/tessera"
    siblings = re.compile(r"^\s*(from|import)\s+tessera_\w+", re.M)
    offenders = [str(p.relative_to(ROOT)) for p in src.rglob("*.py") if siblings.search(p.read_text())]
    assert offenders == []


def test_meta_distribution_names_only_existing_distributions():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["name"] == "tessera"
    known = {project(d)["project"]["name"] for d in DIST_DIRS}
    for dep in meta["dependencies"]:
        name = re.split(r"[<>=!~ ;\[]", dep, maxsplit=1)[0]
        assert name in known, f"the meta-distribution names {name}, which is not in the repo"


@pytest.mark.parametrize("d", DIST_DIRS, ids=lambda d: d.name)
def test_installed_version_matches_source(d):
    name = project(d)["project"]["name"]
    try:
        installed = metadata.version(name)
    except metadata.PackageNotFoundError:
        pytest.fail(f"{name} is not installed in this environment (nox installs every package)")
    data = project(d)
    declared = data["project"].get("version")
    if declared is None:  # dynamic: hatch reads it from a file
        path = d / data["tool"]["hatch"]["version"]["path"]
        declared = re.search(r'__version__ = "(.+)"', path.read_text())[1]
    assert installed == declared
