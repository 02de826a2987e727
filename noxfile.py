"""Every dev task. `nox -l` lists sessions; `nox -t ci` is what CI runs.

Each distribution under packages/ and plugins/ gets a session of its own name that builds
and installs only that distribution (and the Tessera siblings it declares) into a fresh
venv, then runs its tests: the proof that "install only what you need" holds.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import nox

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).parent
SHARED = ROOT.parent / "shared"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["lint", "tests"]


def _distributions() -> dict[str, dict]:
    """name -> {"dir": Path, "deps": [tessera sibling names], "extras": [...]}."""
    found = {}
    for pyproject in sorted([*ROOT.glob("packages/*/pyproject.toml"),
                             *ROOT.glob("plugins/*/pyproject.toml")]):
        project = tomllib.loads(pyproject.read_text())["project"]
        deps = [re.split(r"[\s<>=!~;\[]", d, maxsplit=1)[0] for d in project.get("dependencies", [])]
        extras = project.get("optional-dependencies", {})
        test_deps = [re.split(r"[\s<>=!~;\[]", d, maxsplit=1)[0] for d in extras.get("test", [])]
        found[project["name"]] = {
            "dir": pyproject.parent,
            "deps": [d for d in deps if d.startswith("tessera")],
            # Siblings its tests need: installed from this repository, not from an index.
            "test_deps": [d for d in test_deps if d.startswith("tessera")],
            "extras": list(extras),
        }
    return found


DISTS = _distributions()


def _closure(name: str) -> list[str]:
    """The distribution and every Tessera sibling it needs, dependencies first."""
    order: list[str] = []

    def visit(n: str) -> None:
        if n in order:
            return
        if n not in DISTS:
            raise ValueError(f"{name} depends on {n}, which is not in this repository")
        for dep in DISTS[n]["deps"]:
            visit(dep)
        order.append(n)

    visit(name)
    return order


def _spec(name: str, with_test: bool) -> str:
    d = DISTS[name]
    extra = "[test]" if with_test and "test" in d["extras"] else ""
    return f"{d['dir']}{extra}"


def _pytest(session: nox.Session, *paths: str) -> None:
    # pytest exits 5 when it collects nothing: that is a failure here, as any non-zero is.
    session.run("python", "-m", "pytest", *paths, "-m", "not slow", *session.posargs)


def _package_session(name: str) -> None:
    short = DISTS[name]["dir"].name

    @nox.session(name=short, tags=["ci", "packages"])
    def run(session: nox.Session) -> None:
        """Install only this distribution (built as a wheel) and run its tests."""
        needed = _closure(name)
        for extra in DISTS[name]["test_deps"]:
            needed += [n for n in _closure(extra) if n not in needed]
        session.install(*[_spec(n, with_test=(n == name)) for n in needed])
        tests = DISTS[name]["dir"] / "tests"
        session.chdir(DISTS[name]["dir"])
        _pytest(session, str(tests))

    run.__doc__ = f"{name}: its tests in a venv holding only it and what it declares."


for _name in DISTS:
    _package_session(_name)


def _install_all(session: nox.Session, editable: bool = True) -> None:
    args = []
    for name in DISTS:
        spec = _spec(name, with_test=True)
        args += ["-e", spec] if editable else [spec]
    session.install(*args)


@nox.session(tags=["ci"])
def integration(session: nox.Session) -> None:
    """Cross-package tests (tests/) with every distribution installed."""
    _install_all(session)
    _pytest(session, "tests")


@nox.session
def tests(session: nox.Session) -> None:
    """Everything in one venv: every package's tests and the cross-package tests."""
    _install_all(session)
    paths = [str(d["dir"] / "tests") for d in DISTS.values() if (d["dir"] / "tests").is_dir()]
    _pytest(session, *paths, "tests")


@nox.session(tags=["ci"])
def isolation(session: nox.Session) -> None:
    """tessera-core alone, without any extra: imports, and names what is missing."""
    session.install(str(DISTS["tessera-core"]["dir"]))
    session.run("python", "tests/isolation_check.py")


@nox.session(tags=["ci"])
def lint(session: nox.Session) -> None:
    """ruff over the whole tree."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")


@nox.session(tags=["ci"])
def docs(session: nox.Session) -> None:
    """Build the documentation site strictly (a broken link or missing page fails)."""
    session.install("mkdocs>=1.6,<2")
    session.run("mkdocs", "build", "--strict", "--site-dir", str(ROOT / "site"))


@nox.session
def demo(session: nox.Session) -> None:
    """The main end-to-end job (grows with each capability)."""
    _install_all(session, editable=False)
    session.run("python", "examples/demo.py")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks beside TensorFlow (installed here only) and NumPy / ONNX Runtime."""
    _install_all(session, editable=False)
    session.install("tensorflow-cpu")
    for script in sorted((ROOT / "tests" / "benchmarks").glob("bench_*.py")):
        session.run("python", str(script), *session.posargs)


@nox.session
def compat(session: nox.Session) -> None:
    """Diff the shared TF-2 programs' output between real TensorFlow and Tessera."""
    if not (SHARED / "compat" / "run.py").exists():
        session.error(f"{SHARED / 'compat' / 'run.py'} not found: shared/ must sit beside the repo")
    _install_all(session, editable=False)
    session.install("tensorflow-cpu")
    python = os.path.join(session.bin, "python")
    session.run("python", str(SHARED / "compat" / "run.py"), "--python", python,
                "--ref-python", python, *session.posargs)


if __name__ == "__main__":
    sys.exit("run with: python -m nox")
