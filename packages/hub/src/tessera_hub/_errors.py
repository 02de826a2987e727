"""The errors tessera_hub raises; each also subclasses the builtin a caller would expect."""

from __future__ import annotations


class HubError(Exception):
    """Base class of tessera_hub's errors."""


class ModelNotFoundError(HubError, FileNotFoundError):
    """The handle names nothing: no such path, no such index entry, or an HTTP 404."""


class OfflineError(HubError, FileNotFoundError):
    """Offline mode is on and the handle is not in the cache."""


class DownloadError(HubError, OSError):
    """A transfer failed for good (after retries, or with a non-retryable HTTP status)."""


class ChecksumError(HubError, ValueError):
    """A downloaded archive's sha256 differs from the one the index promised."""


class UnsafeArchiveError(HubError, ValueError):
    """An archive holds an absolute path, ``..``, an escaping link, a device file, or expands
    beyond the size limit."""


class LockTimeoutError(HubError, TimeoutError):
    """Another process held the download lock of a handle for too long."""
