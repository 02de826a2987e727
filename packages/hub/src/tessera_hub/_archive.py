"""Safe extraction of .tar(.gz/.bz2/.xz) and .zip archives.

Refused: absolute paths, ``..`` components, links whose target leaves the folder, device
files and FIFOs, writing through a link, and archives whose expanded size or member count
exceeds the limit (the bytes actually written are counted, not the headers' claims).
"""

from __future__ import annotations

import os
import posixpath
import shutil
import stat
import tarfile
import zipfile
from pathlib import Path

from tessera_hub import _config
from tessera_hub._errors import UnsafeArchiveError

CHUNK = 1 << 20
MODEL_SUFFIXES = (".onnx", ".keras")


def kind(path: Path) -> str | None:
    """``"zip"``, ``"tar"`` or None, by content (not by name)."""
    with open(path, "rb") as f:
        head = f.read(4)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    try:
        if tarfile.is_tarfile(path):
            return "tar"
    except OSError:
        pass
    return None


class _Extractor:
    def __init__(self, dest: Path, source: str) -> None:
        self.dest = dest.resolve()
        self.source = source
        self.written = 0
        self.members = 0
        self.limit = _config.max_extract_bytes()
        self.max_members = _config.max_members()

    def refuse(self, why: str):
        raise UnsafeArchiveError(f"refusing to extract {self.source}: {why}")

    def target(self, name: str) -> Path:
        self.members += 1
        if self.members > self.max_members:
            self.refuse(f"more than {self.max_members} members (TESSERA_HUB_MAX_MEMBERS)")
        if "\\" in name or "\x00" in name:
            self.refuse(f"member name {name!r} holds a backslash or NUL")
        if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
            self.refuse(f"member {name!r} has an absolute path")
        parts = [p for p in name.split("/") if p not in ("", ".")]
        if ".." in parts:
            self.refuse(f"member {name!r} contains '..'")
        path = self.dest.joinpath(*parts) if parts else self.dest
        parent = path.parent.resolve() if parts else self.dest
        if parent != self.dest and self.dest not in parent.parents:
            self.refuse(f"member {name!r} would be written through a link outside the folder")
        if path.is_symlink():
            self.refuse(f"member {name!r} would overwrite a link")
        return path

    def check_link(self, name: str, path: Path, link: str) -> None:
        if link.startswith("/") or "\\" in link:
            self.refuse(f"link {name!r} points to the absolute path {link!r}")
        rel = path.relative_to(self.dest).parent.as_posix()
        resolved = posixpath.normpath(posixpath.join(rel, link))
        if resolved == ".." or resolved.startswith("../"):
            self.refuse(f"link {name!r} -> {link!r} points outside the folder")

    def write(self, path: Path, stream) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                self.written += len(chunk)
                if self.written > self.limit:
                    self.refuse(f"it expands to more than {self.limit} bytes "
                                f"(TESSERA_HUB_MAX_EXTRACT_BYTES)")
                out.write(chunk)

    def tar(self, archive: Path) -> None:
        with tarfile.open(archive, "r:*") as tar:
            for m in tar:
                path = self.target(m.name)
                if m.isdir():
                    path.mkdir(parents=True, exist_ok=True)
                elif m.isreg():
                    if self.written + m.size > self.limit:
                        self.refuse(f"it expands to more than {self.limit} bytes "
                                    f"(TESSERA_HUB_MAX_EXTRACT_BYTES)")
                    with tar.extractfile(m) as stream:
                        self.write(path, stream)
                    os.chmod(path, 0o644 | (m.mode & 0o111))
                elif m.issym():
                    self.check_link(m.name, path, m.linkname)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    os.symlink(m.linkname, path)
                elif m.islnk():
                    source = self.target(m.linkname)
                    if not source.is_file():
                        self.refuse(f"hard link {m.name!r} -> {m.linkname!r} names no earlier file")
                    path.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, path)
                    self.written += source.stat().st_size
                    if self.written > self.limit:
                        self.refuse(f"it expands to more than {self.limit} bytes")
                else:
                    self.refuse(f"member {m.name!r} is a device file or FIFO")

    def zip(self, archive: Path) -> None:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                path = self.target(info.filename)
                mode = info.external_attr >> 16
                if info.is_dir():
                    path.mkdir(parents=True, exist_ok=True)
                elif stat.S_ISLNK(mode):
                    link = zf.read(info)[:4096].decode("utf-8", "replace")
                    self.check_link(info.filename, path, link)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    os.symlink(link, path)
                elif stat.S_IFMT(mode) and not stat.S_ISREG(mode):
                    self.refuse(f"member {info.filename!r} is a device file or FIFO")
                else:
                    with zf.open(info) as stream:
                        self.write(path, stream)


def extract(archive: Path, dest: Path, source: str, filename: str | None = None) -> None:
    """Extract ``archive`` into the (new, empty) folder ``dest``. A file that is no archive
    but is named like a single-file model (``.onnx``, ``.keras``) is copied in as it is."""
    dest.mkdir(parents=True, exist_ok=True)
    found = kind(archive)
    extractor = _Extractor(dest, source)
    try:
        if found == "tar":
            extractor.tar(archive)
        elif found == "zip":
            extractor.zip(archive)
        elif filename and filename.lower().endswith(MODEL_SUFFIXES):
            with open(archive, "rb") as stream:
                extractor.write(dest / filename, stream)
        else:
            raise UnsafeArchiveError(f"{source} is neither a tar nor a zip archive (nor a "
                                     f"file named *.onnx or *.keras)")
    except (tarfile.TarError, zipfile.BadZipFile, EOFError) as error:
        raise UnsafeArchiveError(f"{source} is a damaged archive: {error}") from None
