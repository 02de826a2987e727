"""``tf.train.CheckpointManager``: numbered saves in one directory, older ones deleted."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tessera._checkpoint import state as _state
from tessera._checkpoint.bundle import DATA_SUFFIX, INDEX_SUFFIX


class CheckpointManager:
    def __init__(self, checkpoint, directory, max_to_keep, keep_checkpoint_every_n_hours=None,
                 checkpoint_name="ckpt", step_counter=None, checkpoint_interval=None,
                 init_fn=None) -> None:
        if max_to_keep is not None and max_to_keep <= 0:
            raise ValueError(f"Expected a positive integer or `None` for `max_to_keep`, got "
                             f"{max_to_keep}.")
        if checkpoint_interval is not None and step_counter is None:
            raise ValueError("`step_counter` should be passed if `checkpoint_interval` is not "
                             "None.")
        self._checkpoint = checkpoint
        self._directory = os.fspath(directory)
        self._max_to_keep = max_to_keep
        self._keep_hours = keep_checkpoint_every_n_hours
        self._prefix = os.path.join(self._directory, checkpoint_name)
        self._step_counter = step_counter
        self._interval = checkpoint_interval
        self._init_fn = init_fn
        self._last_step = None
        st = _state.read_state(self._directory)
        now = time.time()
        if st is not None:
            existing = [p for p in st.all_paths if os.path.exists(p + INDEX_SUFFIX)]
            stamps = st.all_timestamps[-len(existing):] if st.all_timestamps else []
            stamps = [now] * (len(existing) - len(stamps)) + stamps
            self._maybe_delete = dict(zip(existing, stamps))
            self._last_preserved = st.last_preserved_timestamp or now
            self._latest = st.model_checkpoint_path if \
                os.path.exists(st.model_checkpoint_path + INDEX_SUFFIX) else None
        else:
            self._maybe_delete, self._last_preserved, self._latest = {}, now, None

    @property
    def directory(self) -> str:
        return self._directory

    @property
    def checkpoint(self):
        return self._checkpoint

    @property
    def checkpoint_interval(self):
        return self._interval

    @property
    def latest_checkpoint(self) -> str | None:
        return self._latest

    @property
    def checkpoints(self) -> list[str]:
        """Paths still managed (oldest first)."""
        return list(self._maybe_delete)

    def save(self, checkpoint_number=None, check_interval=True, options=None) -> str | None:
        """Save ``<directory>/<name>-<n>``; returns the path, or None when skipped by the
        interval."""
        if self._interval is not None:
            step = int(self._step_counter.numpy() if hasattr(self._step_counter, "numpy")
                       else self._step_counter)
            if check_interval and self._last_step is not None and \
                    step < self._last_step + self._interval:
                return None
            self._last_step = step
        counter = self._checkpoint.save_counter
        if checkpoint_number is None:
            counter.assign_add(1)
            number = int(counter.numpy())
        else:
            number = int(checkpoint_number.numpy() if hasattr(checkpoint_number, "numpy")
                         else checkpoint_number)
        path = self._checkpoint.write(f"{self._prefix}-{number}")
        now = time.time()
        self._maybe_delete.pop(path, None)
        self._maybe_delete[path] = now
        self._latest = path
        self._sweep()
        _state.write_state(self._directory, path, list(self._maybe_delete),
                           list(self._maybe_delete.values()), self._last_preserved)
        return path

    def _sweep(self) -> None:
        if self._max_to_keep is None:
            return
        while len(self._maybe_delete) > self._max_to_keep:
            path, stamp = next(iter(self._maybe_delete.items()))
            del self._maybe_delete[path]
            if self._keep_hours is not None and \
                    stamp - self._keep_hours * 3600 >= self._last_preserved:
                self._last_preserved = stamp  # kept for good, no longer managed
                continue
            for suffix in (INDEX_SUFFIX, DATA_SUFFIX):
                f = Path(path + suffix)
                if f.exists():
                    f.unlink()

    def restore_or_initialize(self):
        """Restore the latest checkpoint, or run ``init_fn``; returns the path or None."""
        if self._latest is not None:
            self._checkpoint.restore(self._latest)
            return self._latest
        if self._init_fn is not None:
            self._init_fn()
        return None
