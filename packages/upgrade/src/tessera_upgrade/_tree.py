"""Tree mode: walk a directory, convert .py and .ipynb files (in parallel), copy the rest."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from ._files import FileResult, process_file
from ._options import Options
from ._tables import safety_tables, tables

CONVERTED_SUFFIXES = (".py", ".ipynb")
PARALLEL_THRESHOLD = 16  # below this, process start-up costs more than it saves


@dataclass
class TreeResult:
    results: list[FileResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # symlinks copied/skipped, for the report


@dataclass(frozen=True)
class _Job:
    in_path: str
    out_path: str
    options: Options
    write: bool
    want_diff: bool
    display: str


def _run(job: _Job) -> FileResult:
    return process_file(job.in_path, job.out_path, job.options, write=job.write,
                        want_diff=job.want_diff, display=job.display)


def process_tree(in_root: str, out_root: str, options: Options, *, copy_other_files: bool = True,
                 write: bool = True, want_diff: bool = False, jobs: int | None = None) -> TreeResult:
    """Convert the tree ``in_root`` into ``out_root`` (the same path means in place)."""
    in_place = os.path.abspath(in_root) == os.path.abspath(out_root)
    tree = TreeResult()
    work: list[_Job] = []
    out_abs = os.path.abspath(out_root)
    for dir_name, dir_names, file_names in os.walk(in_root):
        # Never descend into the output tree when it lies inside the input tree.
        dir_names[:] = sorted(d for d in dir_names if os.path.abspath(os.path.join(dir_name, d)) != out_abs or in_place)
        rel_dir = os.path.relpath(dir_name, in_root)
        out_dir = os.path.normpath(os.path.join(out_root, rel_dir))
        if write and not in_place:
            os.makedirs(out_dir, exist_ok=True)
            shutil.copymode(dir_name, out_dir)
        links = [d for d in dir_names if os.path.islink(os.path.join(dir_name, d))]
        for name in sorted(file_names) + links:
            src = os.path.join(dir_name, name)
            dst = os.path.join(out_dir, name)
            if os.path.islink(src):
                _symlink(src, dst, in_root, out_root, in_place, write, tree)
            elif name.endswith(CONVERTED_SUFFIXES):
                display = os.path.normpath(os.path.join(rel_dir, name))
                work.append(_Job(src, dst, options, write, want_diff, display))
            elif copy_other_files and write and not in_place:
                shutil.copy2(src, dst)
    tree.results = _run_all(work, options, jobs)
    return tree


def _run_all(work: list[_Job], options: Options, jobs: int | None) -> list[FileResult]:
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    if jobs <= 1 or len(work) < PARALLEL_THRESHOLD:
        return [_run(job) for job in work]
    # Load the tables before forking so that workers inherit them instead of re-reading.
    tables()
    safety_tables()
    chunk = max(1, len(work) // (jobs * 4))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(_run, work, chunksize=chunk))


def _symlink(src: str, dst: str, in_root: str, out_root: str, in_place: bool, write: bool,
             tree: TreeResult) -> None:
    """Keep symlinks as symlinks; a link into the input tree points into the output tree."""
    target = os.readlink(src)
    if in_place:
        tree.notes.append(f"Skipping symlink {src}.")
        return
    new_target = target
    if os.path.isabs(target):
        real_root = os.path.abspath(in_root)
        if os.path.commonpath([real_root, os.path.abspath(target)]) == real_root:
            new_target = os.path.join(os.path.abspath(out_root), os.path.relpath(target, real_root))
    if write:
        os.symlink(new_target, dst)
    tree.notes.append(f"Copying symlink {src} -> {new_target} without converting its target here.")
