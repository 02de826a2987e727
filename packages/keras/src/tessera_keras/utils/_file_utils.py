"""``keras.utils.get_file``: download once into the Keras cache, verify the checksum, extract.

Follows Keras 3's cache layout (``$KERAS_HOME`` or ``~/.keras``, ``datasets/`` by default) so a
cache filled by real Keras is reused. The network, archive and hash modules are imported where
they are used: at module level they would add about 18 ms to ``import tessera.keras``."""

from __future__ import annotations

import os
import shutil
import tempfile

from tessera_keras.utils._progbar import Progbar


def keras_home() -> str:
    return os.path.expanduser(os.environ.get("KERAS_HOME") or os.path.join("~", ".keras"))


def _hasher(algorithm: str, file_hash: str | None):
    import hashlib
    if algorithm == "sha256" or (algorithm == "auto" and file_hash and len(file_hash) == 64):
        return "sha256", hashlib.sha256
    if algorithm in ("md5", "auto"):
        return "md5", hashlib.md5
    raise ValueError(f"Unsupported hash_algorithm {algorithm!r}: expected 'auto', 'sha256' or "
                     f"'md5'")


def hash_file(fpath, algorithm="sha256", chunk_size=65535) -> str:
    _, make = _hasher(algorithm, None)
    h = make()
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            h.update(chunk)
    return h.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535) -> bool:
    name, _ = _hasher(algorithm, file_hash)
    return hash_file(fpath, name, chunk_size) == str(file_hash)


def _safe_members(names: list[str], target: str) -> None:
    root = os.path.realpath(target)
    for n in names:
        dest = os.path.realpath(os.path.join(target, n))
        if dest != root and not dest.startswith(root + os.sep):
            raise ValueError(f"Archive member {n!r} would be written outside {target!r}; "
                             f"refusing to extract it")


def extract_archive(file_path, path=".", archive_format="auto") -> bool:
    """Extract a tar or zip archive into ``path``; False when it is neither."""
    import tarfile
    import zipfile

    formats = ["tar", "zip"] if archive_format == "auto" else \
        [archive_format] if isinstance(archive_format, str) else list(archive_format)
    for fmt in formats:
        if fmt == "tar" and tarfile.is_tarfile(file_path):
            with tarfile.open(file_path) as archive:
                _safe_members(archive.getnames(), path)
                if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4 / 3.12
                    archive.extractall(path, filter="data")
                else:
                    archive.extractall(path)
            return True
        if fmt == "zip" and zipfile.is_zipfile(file_path):
            with zipfile.ZipFile(file_path) as archive:
                _safe_members(archive.namelist(), path)
                archive.extractall(path)
            return True
    return False


def _download(origin: str, target: str) -> None:
    # Write to a temporary name first: an interrupted download never leaves a file that a
    # later call would take for a cache hit.
    import urllib.error
    import urllib.request

    tmp = target + ".part"
    try:
        with urllib.request.urlopen(origin) as response, open(tmp, "wb") as out:
            total = response.headers.get("Content-Length")
            bar = Progbar(int(total) if total else None)
            done = 0
            for chunk in iter(lambda: response.read(1 << 16), b""):
                out.write(chunk)
                done += len(chunk)
                bar.update(done)
        os.replace(tmp, target)
    except urllib.error.HTTPError as e:
        raise Exception(f"URL fetch failure on {origin}: {e.code} -- {e.msg}") from None
    except urllib.error.URLError as e:
        raise Exception(f"URL fetch failure on {origin}: {e.errno} -- {e.reason}") from None
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False) -> str:
    """Download ``origin`` into the cache unless a verified copy is there; return its path (or
    the extraction directory with ``extract=True``)."""
    import urllib.parse

    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(cache_dir) if cache_dir is not None else keras_home()
    os.makedirs(base, exist_ok=True)
    if not os.access(base, os.W_OK):
        base = os.path.join(tempfile.gettempdir(), ".keras")
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    provided = fname
    fname = os.fspath(fname) if fname is not None else None
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'."
                             f"Please specify the `fname` argument.")
    elif os.sep in fname:
        raise ValueError(f"Paths are no longer accepted as the `fname` argument. To specify the "
                         f"file's parent directory, use the `cache_dir` argument. Received: "
                         f"fname={fname}")
    if extract or untar:
        if provided and "." in fname:
            target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, f"{fname[:fname.find('.')]}_extracted")
        else:
            target = os.path.join(datadir, f"{fname}_archive")
            extraction_dir = os.path.join(datadir, fname)
    else:
        target = os.path.join(datadir, fname)
    algorithm = _hasher(hash_algorithm, file_hash)[0] if file_hash is not None else None
    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and not validate_file(target, file_hash,
                                                                      hash_algorithm):
        print(f"A local file was found, but it seems to be incomplete or outdated because the "
              f"{algorithm} file hash does not match the original value of {file_hash} so we "
              f"will re-download the data.")
        download = True
    if download:
        print(f"Downloading data from {origin}")
        _download(origin, target)
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            os.remove(target)  # never keep a corrupted file in the cache
            raise ValueError(f"Incomplete or corrupted file detected. The {algorithm} file hash "
                             f"does not match the provided value of {file_hash}.")
    if extract or untar:
        if download and os.path.isdir(extraction_dir):
            shutil.rmtree(extraction_dir)
        if not os.path.isdir(extraction_dir) and not extract_archive(
                target, extraction_dir, "tar" if untar else archive_format):
            raise ValueError(f"Could not extract {target}: it is not a "
                             f"{'tar' if untar else archive_format} archive")
        return extraction_dir
    return target
