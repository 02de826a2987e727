"""tessera-upgrade: the ``tf-upgrade`` tool that migrates TensorFlow 1.x code to 2.x.

Library use::

    from tessera_upgrade import upgrade_source
    result = upgrade_source("import tensorflow as tf\\ntf.Session()\\n")
    result.new_text   # 'import tensorflow as tf\\ntf.compat.v1.Session()\\n'
"""

from __future__ import annotations

__version__ = "0.1.0"

from ._log import LogEntry, SourceResult
from ._options import Options
from ._source import upgrade_source

__all__ = ["LogEntry", "Options", "SourceResult", "__version__", "upgrade_source"]
