"""``tf.io.gfile``: the local-filesystem subset (exists, glob, GFile, makedirs, listdir,
remove, ...) with TensorFlow's error classes."""

from __future__ import annotations

import glob as _glob
import os
import shutil

from tessera import errors


def _p(path) -> str:
    if hasattr(path, "numpy"):
        path = path.numpy()
    return os.fsdecode(os.fspath(path))


def _not_found(path: str) -> errors.NotFoundError:
    return errors.NotFoundError(None, None, f"{path}; No such file or directory")


class GFile:
    """``tf.io.gfile.GFile(name, mode='r')``: a file object; text modes read/write str."""

    def __init__(self, name, mode: str = "r") -> None:
        self.name, self.mode = _p(name), mode
        if any(c not in "rwab+" for c in mode):
            raise errors.InvalidArgumentError(None, None, f"mode is not 'r' or 'w' or 'a' or "
                                                          f"'rb' or 'wb' or 'ab': {mode}")
        self._f = None

    def _file(self):
        if self._f is None:
            try:
                self._f = open(self.name, self.mode)
            except FileNotFoundError:
                raise _not_found(self.name) from None
        return self._f

    def read(self, n: int = -1):
        return self._file().read(n)

    def readline(self):
        return self._file().readline()

    def readlines(self):
        return self._file().readlines()

    def write(self, data) -> None:
        f = self._file()
        if "b" not in self.mode and isinstance(data, bytes):
            data = data.decode("utf-8")
        elif "b" in self.mode and isinstance(data, str):
            data = data.encode("utf-8")
        f.write(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file().seek(offset, whence)

    def tell(self) -> int:
        return self._file().tell()

    def size(self) -> int:
        return os.path.getsize(self.name)

    def flush(self) -> None:
        if self._f is not None:
            self._f.flush()

    def close(self) -> None:
        if self._f is not None:
            self._f.close()
            self._f = None

    def __iter__(self):
        return iter(self._file())

    def __next__(self):
        return next(self._file())

    def __enter__(self) -> GFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def exists(path) -> bool:
    return os.path.exists(_p(path))


def isdir(path) -> bool:
    return os.path.isdir(_p(path))


def glob(pattern) -> list[str]:
    pats = [pattern] if isinstance(pattern, str | bytes | os.PathLike) else list(pattern)
    out = []
    for p in pats:
        out.extend(_glob.glob(_p(p)))
    return sorted(set(out))


def listdir(path) -> list[str]:
    try:
        return os.listdir(_p(path))
    except FileNotFoundError:
        raise _not_found(_p(path)) from None


def makedirs(path) -> None:
    os.makedirs(_p(path), exist_ok=True)


def mkdir(path) -> None:
    try:
        os.mkdir(_p(path))
    except FileExistsError:
        raise errors.AlreadyExistsError(None, None, f"{_p(path)}; File exists") from None
    except FileNotFoundError:
        raise _not_found(_p(path)) from None


def remove(path) -> None:
    try:
        os.remove(_p(path))
    except FileNotFoundError:
        raise _not_found(_p(path)) from None


def rmtree(path) -> None:
    try:
        shutil.rmtree(_p(path))
    except FileNotFoundError:
        raise _not_found(_p(path)) from None


def rename(src, dst, overwrite: bool = False) -> None:
    s, d = _p(src), _p(dst)
    if not overwrite and os.path.exists(d):
        raise errors.AlreadyExistsError(None, None, f"{d}; File exists")
    try:
        os.replace(s, d)
    except FileNotFoundError:
        raise _not_found(s) from None


def copy(src, dst, overwrite: bool = False) -> None:
    s, d = _p(src), _p(dst)
    if not overwrite and os.path.exists(d):
        raise errors.AlreadyExistsError(None, None, f"{d}; File exists")
    try:
        shutil.copyfile(s, d)
    except FileNotFoundError:
        raise _not_found(s) from None


def join(path, *paths) -> str:
    return os.path.join(_p(path), *(_p(p) for p in paths))


def walk(top, topdown: bool = True, onerror=None):
    return os.walk(_p(top), topdown=topdown, onerror=onerror)


class _Stat:
    def __init__(self, st: os.stat_result) -> None:
        self.length = st.st_size
        self.mtime_nsec = st.st_mtime_ns
        self.is_directory = False


def stat(path):
    p = _p(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise _not_found(p) from None
    out = _Stat(st)
    out.is_directory = os.path.isdir(p)
    return out


def get_registered_schemes() -> list[str]:
    return ["file"]


__all__ = ["GFile", "copy", "exists", "get_registered_schemes", "glob", "isdir", "join",
           "listdir", "makedirs", "mkdir", "remove", "rename", "rmtree", "stat", "walk"]
