"""``tf.saved_model``: ``save``, ``load``, ``contains_saved_model`` (format: docs/saved_model.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from tessera._saved_model.load import load
from tessera._saved_model.save import MANIFEST, save


@dataclass
class SaveOptions:
    namespace_whitelist: list | None = None
    save_debug_info: bool = False
    function_aliases: dict | None = None
    experimental_io_device: str | None = None
    experimental_variable_policy: object = None


@dataclass
class LoadOptions:
    allow_partial_checkpoint: bool = False
    experimental_io_device: str | None = None
    experimental_skip_checkpoint: bool = False


def contains_saved_model(export_dir) -> bool:
    return os.path.isfile(os.path.join(os.fspath(export_dir), MANIFEST))


SERVING = "serve"
TRAINING = "train"
DEFAULT_SERVING_SIGNATURE_DEF_KEY = "serving_default"

__all__ = ["DEFAULT_SERVING_SIGNATURE_DEF_KEY", "SERVING", "TRAINING", "LoadOptions",
           "SaveOptions", "contains_saved_model", "load", "save"]
