"""Small helpers shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def wall_times(code: str, runs: int, python: str = sys.executable) -> list[float]:
    """Wall-clock seconds of ``python -c code`` in fresh interpreters, with bytecode caching
    allowed (as users run Python) and one unmeasured warm-up run that writes the caches."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([python, "-c", code], check=True, capture_output=True, env=env)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([python, "-c", code], check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return times


def importable(module: str, python: str = sys.executable) -> bool:
    out = subprocess.run([python, "-c", f"import importlib.util as u; "
                          f"raise SystemExit(u.find_spec({module!r}) is None)"])
    return out.returncode == 0


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = lambda r: "  ".join(c.rjust(w) if i else c.ljust(w)  # noqa: E731
                              for i, (c, w) in enumerate(zip(r, widths)))
    return "\n".join([fmt(header), fmt(["-" * w for w in widths]), *map(fmt, rows)])


def median_ms(times: list[float]) -> float:
    return 1000 * statistics.median(times)
