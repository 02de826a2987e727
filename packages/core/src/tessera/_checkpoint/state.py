"""The ``checkpoint`` state file in a checkpoint directory, in TensorFlow's text format:

    model_checkpoint_path: "ckpt-2"
    all_model_checkpoint_paths: "ckpt-1"
    all_model_checkpoint_paths: "ckpt-2"
    all_model_checkpoint_timestamps: 1795263705.1
    ...
    last_preserved_timestamp: 1795263700.0

Written atomically (temporary file, then rename), after the checkpoint it names.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from tessera._checkpoint.bundle import INDEX_SUFFIX

STATE_FILE = "checkpoint"


@dataclass
class CheckpointState:
    model_checkpoint_path: str
    all_paths: list[str] = field(default_factory=list)
    all_timestamps: list[float] = field(default_factory=list)
    last_preserved_timestamp: float | None = None


def _relative(directory: str, path: str) -> str:
    d = os.path.abspath(directory)
    p = os.path.abspath(path)
    return os.path.relpath(p, d) if os.path.dirname(p) == d else p


def _absolute(directory: str, path: str) -> str:
    return path if os.path.isabs(path) else os.path.join(directory, path)


def read_state(directory: str) -> CheckpointState | None:
    f = Path(directory) / STATE_FILE
    if not f.is_file():
        return None
    state = None
    paths, stamps, preserved = [], [], None
    for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
        key, _, value = line.partition(":")
        value = value.strip()
        try:
            if key == "model_checkpoint_path":
                state = _absolute(directory, json.loads(value))
            elif key == "all_model_checkpoint_paths":
                paths.append(_absolute(directory, json.loads(value)))
            elif key == "all_model_checkpoint_timestamps":
                stamps.append(float(value))
            elif key == "last_preserved_timestamp":
                preserved = float(value)
        except (ValueError, json.JSONDecodeError):
            continue  # a damaged line: ignore it, as TF falls back on what it can read
    if state is None:
        return None
    return CheckpointState(state, paths or [state], stamps, preserved)


def write_state(directory: str, latest: str, all_paths: list[str], timestamps: list[float],
                last_preserved: float | None) -> None:
    lines = [f"model_checkpoint_path: {json.dumps(_relative(directory, latest))}"]
    lines += [f"all_model_checkpoint_paths: {json.dumps(_relative(directory, p))}"
              for p in all_paths]
    lines += [f"all_model_checkpoint_timestamps: {t!r}" for t in timestamps]
    if last_preserved is not None:
        lines.append(f"last_preserved_timestamp: {last_preserved!r}")
    target = Path(directory) / STATE_FILE
    tmp = target.with_name(f".{STATE_FILE}.tmp{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)


def latest_checkpoint(checkpoint_dir, latest_filename=None) -> str | None:
    """``tf.train.latest_checkpoint``: the newest prefix whose files exist, or None."""
    directory = os.fspath(checkpoint_dir)
    state = read_state(directory)
    if state is None:
        return None
    if os.path.exists(state.model_checkpoint_path + INDEX_SUFFIX):
        return state.model_checkpoint_path
    return None
