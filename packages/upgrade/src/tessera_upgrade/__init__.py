"""tessera-upgrade: the ``tf-upgrade`` tool that migrates TensorFlow 1.x code to 2.x.

Library use::

    from tessera_upgrade import upgrade_source
    result = upgrade_source("import tensorflow as tf\\ntf.Session()\\n")
    result.new_text   # 'import tensorflow as tf\\ntf.compat.v1.Session()\\n'

Names are imported on first use, so loading the ``tessera`` plugin (``tessera upgrade``)
does not import libcst.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_LAZY = {"LogEntry": "._log", "SourceResult": "._log", "Options": "._options",
         "upgrade_source": "._source"}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tessera_upgrade' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = ["LogEntry", "Options", "SourceResult", "__version__", "upgrade_source"]
