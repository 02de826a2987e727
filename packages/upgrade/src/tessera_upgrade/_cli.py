"""``tf-upgrade``: the command line, flag-compatible with TensorFlow's ``tf_upgrade_v2``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import __version__
from ._files import FileResult, process_file
from ._options import DEFAULT, MODES, SAFETY, TARGETS, Options
from ._report import full_report, summary
from ._tree import process_tree

_DESCRIPTION = """Convert TensorFlow 1.x Python files and notebooks to TensorFlow 2.x.

Simple usage:
  tf-upgrade --infile foo.py --outfile bar.py
  tf-upgrade --infile foo.ipynb --outfile bar.ipynb
  tf-upgrade --intree ~/code/old --outtree ~/code/new
  tf-upgrade --intree ~/code --check          (CI: exit 1 if anything would change)

Exit status: 0 when done, 1 when an ERROR was reported (or --check found changes),
2 for wrong arguments.
"""


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "t", "yes", "y", "on"):
        return True
    if value in ("0", "false", "f", "no", "n", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected a boolean (True/False), got {text!r}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tf-upgrade", description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--infile", dest="input_file", help="a single file to convert (.py or .ipynb)")
    p.add_argument("--outfile", dest="output_file", help="where to write the converted single file")
    p.add_argument("--intree", dest="input_tree", help="a directory tree to convert")
    p.add_argument("--outtree", dest="output_tree", help="the output directory (must not exist yet)")
    p.add_argument("--copyotherfiles", dest="copy_other_files", type=_bool, default=True,
                   metavar="BOOL", help="tree mode: also copy files that are not converted (default: True)")
    p.add_argument("--inplace", dest="in_place", action="store_true",
                   help="convert the input file or tree in place")
    p.add_argument("--no_import_rename", action="store_true",
                   help="accepted for compatibility with tf_upgrade_v2 (imports are not renamed by default)")
    p.add_argument("--no_upgrade_compat_v1_import", action="store_true",
                   help="leave `import tensorflow.compat.v1 as tf` (and its symbols) as it is")
    p.add_argument("--reportfile", dest="report_filename", default="report.txt",
                   help="where to write the report (default: %(default)s)")
    p.add_argument("--mode", choices=MODES, default=DEFAULT,
                   help=f"{DEFAULT}: convert to 2.x, using compat.v1 where needed; "
                        f"{SAFETY}: keep 1.x code and import tensorflow.compat.v1 instead")
    p.add_argument("--print_all", action="store_true", help="print the full log, not only the issues")
    p.add_argument("--target", choices=TARGETS, default="tensorflow",
                   help="tessera: also move imports from tensorflow to tessera")
    p.add_argument("--diff", action="store_true", help="print a unified diff instead of writing files")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if any file would change (for CI)")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="worker processes for trees (default: CPU count; 1 disables)")
    p.add_argument("--version", action="version", version=f"tf-upgrade {__version__}")
    return p


def _validate(p: argparse.ArgumentParser, a: argparse.Namespace) -> None:
    dry = a.diff or a.check
    if a.input_file and a.input_tree:
        p.error("give either --infile or --intree, not both")
    if a.input_file:
        if a.output_tree:
            p.error("--outtree goes with --intree; use --outfile with --infile")
        if a.in_place and a.output_file:
            p.error("--outfile is invalid when converting in place (--inplace)")
        if not (a.in_place or a.output_file or dry):
            p.error("--outfile=<output file> is required when converting a single file (or use --inplace)")
        if not os.path.isfile(a.input_file):
            p.error(f"--infile {a.input_file!r} is not a file")
    elif a.input_tree:
        if a.output_file:
            p.error("--outfile goes with --infile; use --outtree with --intree")
        if a.in_place and a.output_tree:
            p.error("--outtree is invalid when converting in place (--inplace)")
        if not (a.in_place or a.output_tree or dry):
            p.error("--outtree=<output directory> is required when converting a tree (or use --inplace)")
        if not os.path.isdir(a.input_tree):
            p.error(f"--intree {a.input_tree!r} is not a directory")
        if a.output_tree and not dry and os.path.lexists(a.output_tree):
            if os.path.abspath(a.output_tree) != os.path.abspath(a.input_tree):
                p.error(f"output directory {a.output_tree!r} must not already exist")


def main(argv: Sequence[str] | None = None) -> int:
    """Run tf-upgrade; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not (args.input_file or args.input_tree):
        parser.print_help()
        return 2
    _validate(parser, args)
    options = Options(
        mode=args.mode,
        upgrade_compat_v1_import=not args.no_upgrade_compat_v1_import,
        target=args.target,
    )
    dry = args.diff or args.check
    notes: list[str] = []
    tree_root = None
    if args.input_file:
        out = args.input_file if (args.in_place or dry) else args.output_file
        results = [process_file(args.input_file, out, options, write=not dry, want_diff=args.diff)]
    else:
        tree_root = args.input_tree
        out = args.input_tree if (args.in_place or dry) else args.output_tree
        tree = process_tree(args.input_tree, out, options, copy_other_files=args.copy_other_files,
                            write=not dry, want_diff=args.diff, jobs=args.jobs)
        results, notes = tree.results, tree.notes
    return _finish(args, results, tree_root, notes)


def _finish(args: argparse.Namespace, results: list[FileResult], tree_root: str | None,
            notes: list[str]) -> int:
    has_error = any(r.has_error for r in results)
    changed = [r for r in results if r.changed]
    if args.diff or args.check:
        if args.diff:
            sys.stdout.write("".join(r.diff for r in results))
        err = sys.stderr
        err.write(summary(results))
        if args.check:
            for r in changed:
                err.write(f"would change: {r.in_path}\n")
            err.write(f"{len(changed)} of {len(results)} files would change\n")
        return 1 if has_error or (args.check and changed) else 0
    report = full_report(results, tree_root, notes)
    with open(args.report_filename, "w", encoding="utf-8") as handle:
        handle.write(report)
    print(report if args.print_all else summary(results))
    print(f"\nMake sure to read the detailed log {args.report_filename!r}\n")
    return 1 if has_error else 0


if __name__ == "__main__":
    sys.exit(main())
