"""The on-disk cache: one folder per handle (named by the handle's SHA-1, as tensorflow_hub
does), a completion marker written last, and a lock file per handle.

``<root>/<key>/``            the model, moved into place whole
``<root>/<key>.done.json``   the completion marker (handle, URL, sha256, time); written last
``<root>/<key>.lock``        flock()ed while one process downloads; a dead holder's lock is
                             released by the kernel, so a stale lock is taken over at once
``<root>/<key>.part``        an interrupted transfer, resumed by the next attempt
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from tessera_hub import _config
from tessera_hub._errors import LockTimeoutError

try:
    import fcntl
except ImportError:  # Windows: no cross-process lock; concurrent downloads stay correct
    fcntl = None  # type: ignore[assignment]  (each installs atomically), only wasteful


def key_of(handle: str) -> str:
    return hashlib.sha1(handle.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    root: Path
    key: str

    @property
    def path(self) -> Path:
        return self.root / self.key

    @property
    def marker(self) -> Path:
        return self.root / f"{self.key}.done.json"

    @property
    def lock_path(self) -> Path:
        return self.root / f"{self.key}.lock"

    @property
    def part(self) -> Path:
        return self.root / f"{self.key}.part"

    def complete(self) -> bool:
        return self.marker.is_file() and self.path.is_dir()

    def info(self) -> dict:
        try:
            return json.loads(self.marker.read_text())
        except (OSError, ValueError):
            return {}

    @contextlib.contextmanager
    def locked(self, handle: str):
        """Hold this entry's lock (waiting for another process that holds it)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if fcntl is not None:
                deadline = time.monotonic() + _config.lock_timeout()
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            holder = self.lock_path.read_text(errors="replace").strip()
                            raise LockTimeoutError(
                                f"hub handle {handle!r}: another process ({holder or 'unknown'}) "
                                f"has held {self.lock_path} for longer than "
                                f"TESSERA_HUB_LOCK_TIMEOUT={_config.lock_timeout():g}s; if it "
                                f"hangs, stop it (its lock is released when it exits)") from None
                        time.sleep(0.05)
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                      "since": time.time()}).encode(), 0)
            self._clean_leftovers()
            yield self
        finally:
            if fcntl is not None:
                with contextlib.suppress(OSError):
                    fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _clean_leftovers(self) -> None:
        """Under the lock, half-built folders of dead processes and unmarked folders go."""
        for tmp in self.root.glob(f"{self.key}.tmp-*"):
            shutil.rmtree(tmp, ignore_errors=True)
        if self.path.exists() and not self.marker.is_file():
            shutil.rmtree(self.path, ignore_errors=True)

    def new_tmp(self) -> Path:
        return self.root / f"{self.key}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def commit(self, tmp: Path, info: dict) -> Path:
        """Move the finished folder into place, then write the marker (last)."""
        if self.path.exists():
            shutil.rmtree(self.path)
        os.replace(tmp, self.path)
        marker_tmp = self.marker.with_name(self.marker.name + f".{os.getpid()}")
        marker_tmp.write_text(json.dumps(info, indent=1, sort_keys=True))
        os.replace(marker_tmp, self.marker)
        return self.path

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.marker.unlink()
        shutil.rmtree(self.path, ignore_errors=True)
        for p in (self.part, self.part.with_name(self.part.name + ".json")):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()


def entry(handle: str, root: Path | None = None) -> Entry:
    return Entry(Path(root) if root is not None else _config.cache_root(), key_of(handle))


def entries(root: Path | None = None) -> list[Entry]:
    """Every complete entry in the cache."""
    root = Path(root) if root is not None else _config.cache_root()
    if not root.is_dir():
        return []
    found = [Entry(root, m.name[: -len(".done.json")]) for m in sorted(root.glob("*.done.json"))]
    return [e for e in found if e.complete()]


def folder_size(path: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total
