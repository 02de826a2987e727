"""tessera_hub: reusable models for Tessera, used like ``tensorflow_hub``.

``hub.load(handle)``, ``hub.resolve(handle)`` and ``hub.KerasLayer(handle)`` (which needs
tessera-keras). Handles: local paths, ``file://``, ``http(s)://`` archives and
``hub://publisher/model/version``. See docs/hub.md.
"""

from tessera_hub._errors import (
    ChecksumError,
    DownloadError,
    HubError,
    LockTimeoutError,
    ModelNotFoundError,
    OfflineError,
    UnsafeArchiveError,
)
from tessera_hub._load import load
from tessera_hub._publish import publish
from tessera_hub._resolve import resolve
from tessera_hub._resolvers import (
    ENTRY_POINT_GROUP,
    Remote,
    known_schemes,
    register_resolver,
    unregister_resolver,
)
from tessera_hub._version import __version__

__all__ = [
    "ENTRY_POINT_GROUP",
    "ChecksumError",
    "DownloadError",
    "HubError",
    "KerasLayer",
    "LockTimeoutError",
    "ModelNotFoundError",
    "OfflineError",
    "Remote",
    "UnsafeArchiveError",
    "__version__",
    "known_schemes",
    "load",
    "publish",
    "register_resolver",
    "resolve",
    "unregister_resolver",
]


def __getattr__(name: str):
    if name == "KerasLayer":  # imported on first use: tessera-keras is optional
        try:
            from tessera_hub._keras_layer import KerasLayer
        except ImportError as error:
            if "tessera_keras" not in str(error):
                raise
            raise ImportError("hub.KerasLayer needs tessera-keras: pip install "
                              "'tessera-hub[keras]'") from None
        globals()["KerasLayer"] = KerasLayer
        return KerasLayer
    raise AttributeError(f"module 'tessera_hub' has no attribute {name!r}")
