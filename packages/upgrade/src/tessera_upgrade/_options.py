"""Options of one upgrade run."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT = "DEFAULT"
SAFETY = "SAFETY"
MODES = (DEFAULT, SAFETY)
TARGETS = ("tensorflow", "tessera")


@dataclass(frozen=True)
class Options:
    """How to upgrade: TF's ``--mode``, ``--no_upgrade_compat_v1_import`` and ``--target``."""

    mode: str = DEFAULT
    upgrade_compat_v1_import: bool = True
    target: str = "tensorflow"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if self.target not in TARGETS:
            raise ValueError(f"target must be one of {TARGETS}, got {self.target!r}")
