"""A one-line download progress bar on stderr."""

from __future__ import annotations

import sys
import time

from tessera_hub import _config

LARGE = 10 * 2**20  # a bar appears on a tty for downloads at least this big


def _mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


class Progress:
    def __init__(self, label: str, total: int | None, start: int = 0, force: bool | None = None):
        wanted = _config.progress() if force is None else force
        if wanted is None:
            wanted = sys.stderr.isatty() and (total is None or total >= LARGE)
        self.enabled = bool(wanted)
        self.label, self.total, self.done = label, total, start
        self._last = 0.0

    def update(self, n: int) -> None:
        self.done += n
        if self.enabled and time.monotonic() - self._last > 0.1:
            self._draw()

    def _draw(self) -> None:
        self._last = time.monotonic()
        if self.total:
            pct = min(100, int(100 * self.done / self.total))
            bar = "#" * (pct // 4)
            text = f"{self.label} [{bar:<25}] {pct:3d}% {_mib(self.done)} / {_mib(self.total)}"
        else:
            text = f"{self.label} {_mib(self.done)}"
        sys.stderr.write("\r" + text)
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw()
            sys.stderr.write("\n")
            sys.stderr.flush()
