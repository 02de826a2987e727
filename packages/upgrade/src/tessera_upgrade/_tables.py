"""The TF 1.x -> 2.x API change tables, loaded lazily from ``_data/tables.json``.

The JSON is generated from TensorFlow's own tables by ``tools/gen_tables.py``; this
module adds nothing but typed access and the few entries TensorFlow's tables lack.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

INFO = "INFO"
WARNING = "WARNING"
ERROR = "ERROR"


@dataclass(frozen=True)
class Tables:
    """Everything the transformer looks up, keyed by canonical ``tf.``-rooted names."""

    symbol_renames: dict[str, str]
    function_reorders: dict[str, list[str | None]]
    function_keyword_renames: dict[str, dict[str, str | None]]
    function_warnings: dict[str, tuple[str, str]]
    function_arg_warnings: dict[str, list[tuple[str, int, str, str]]]
    function_transformers: dict[str, dict]
    module_deprecations: dict[str, tuple[str, str]]
    addons_symbol_mappings: dict[str, str]


def _addons_warning(symbol: str, replacement: str) -> tuple[str, str]:
    return (
        WARNING,
        f"(Manual edit required) `{symbol}` has been migrated to `{replacement}` in "
        "TensorFlow Addons. The API spec may have changed during the migration. Please see "
        "https://github.com/tensorflow/addons for more info.",
    )


@functools.cache
def tables() -> Tables:
    """Load (once) and return the change tables."""
    raw = json.loads(
        resources.files("tessera_upgrade").joinpath("_data/tables.json").read_text("utf-8")
    )
    warnings = {k: (v[0], v[1]) for k, v in raw["function_warnings"].items()}
    for symbol, replacement in raw["addons_symbol_mappings"].items():
        warnings.setdefault(symbol, _addons_warning(symbol, replacement))
    return Tables(
        symbol_renames=raw["symbol_renames"],
        function_reorders=raw["function_reorders"],
        function_keyword_renames=raw["function_keyword_renames"],
        function_warnings=warnings,
        function_arg_warnings={
            k: [tuple(e) for e in v] for k, v in raw["function_arg_warnings"].items()
        },
        function_transformers=raw["function_transformers"],
        module_deprecations={k: (v[0], v[1]) for k, v in raw["module_deprecations"].items()},
        addons_symbol_mappings=raw["addons_symbol_mappings"],
    )


@functools.cache
def safety_tables() -> Tables:
    """SAFETY mode changes no symbols: it only keeps the module and addons warnings."""
    full = tables()
    return Tables(
        symbol_renames={},
        function_reorders={},
        function_keyword_renames={},
        function_warnings={
            k: _addons_warning(k, v) for k, v in full.addons_symbol_mappings.items()
        },
        function_arg_warnings={},
        function_transformers={},
        module_deprecations=full.module_deprecations,
        addons_symbol_mappings=full.addons_symbol_mappings,
    )
