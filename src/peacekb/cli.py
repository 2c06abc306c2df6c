"""The ``peacekb`` command line: ``peacekb validate [DATA_DIR]``, ``peacekb coverage
[DATA_DIR]`` and ``peacekb export [--format F] DIR``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .export import FORMATS, Provenance, UnsafeOutput, check_output, render, write
from .knowledge import Knowledge, load
from .models import Source


def _load_valid(data_dir: str, consequence: str = "") -> Knowledge | None:
    """The knowledge base in ``data_dir``; None, with every problem printed, when it is invalid."""
    kb, problems = load(Path(data_dir))
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        return kb
    noun = "error" if len(problems) == 1 else "errors"
    print(f"{len(problems)} {noun} in {data_dir}{consequence}", file=sys.stderr)
    return None


def _validate(args: argparse.Namespace) -> int:
    kb = _load_valid(args.data_dir)
    if kb is None:
        return 1
    counts = ", ".join(f"{n} {kind}" for kind, n in kb.counts().items())
    terms = len(kb.glossary.terms) if kb.glossary else 0
    print(f"{args.data_dir}: valid ({counts}, {terms} glossary terms)")
    return 0


def _coverage(args: argparse.Namespace) -> int:
    kb = _load_valid(args.data_dir, ": no coverage to report")
    if kb is None:
        return 1
    reports = [kb.coverage(source) for source in kb.all("source") if isinstance(source, Source)]
    if args.format == "json":
        rows = [
            {
                "source": c.source,
                "paragraphs": c.paragraphs,
                "cited": c.cited,
                "uncited": [{"paragraph": n, "role": role} for n, role in c.uncited],
            }
            for c in reports
        ]
        print(json.dumps(rows, indent=1, ensure_ascii=False))
        return 0
    for c in sorted(reports, key=lambda c: c.source):
        uncited = ", ".join(
            f"¶{n}" + (f" ({role})" if role != "body" else "") for n, role in c.uncited
        )
        line = f"{c.source}: {c.cited} of {c.paragraphs} paragraphs cited ({c.percent:.0f}%)"
        print(f"{line}; not cited: {uncited}" if uncited else line)
    total = sum(c.paragraphs for c in reports)
    cited = sum(c.cited for c in reports)
    if total:
        print(f"all sources: {cited} of {total} paragraphs cited ({100 * cited / total:.0f}%)")
    return 0


def _export(args: argparse.Namespace) -> int:
    kb = _load_valid(args.data, ": nothing exported")
    if kb is None:
        return 1
    formats = sorted(set(args.format or FORMATS), key=FORMATS.index)
    provenance = Provenance(base_url=args.base_url)
    outdir = Path(args.outdir)
    files = render(kb, formats, provenance)
    # Every path is checked before the first byte is written: a refused export changes nothing.
    refusals = check_output(files, outdir, force=args.force)
    if refusals:
        for refusal in refusals:
            print(refusal, file=sys.stderr)
        print(f"{outdir}: nothing exported", file=sys.stderr)
        return 1
    try:
        written = write(files, outdir)
    except UnsafeOutput as exc:  # the folder changed between the check and the writing
        for refusal in exc.problems:
            print(refusal, file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{exc.filename or outdir}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return 1
    total = sum(len(data) for data in files.values())
    print(f"{outdir}: {len(files)} files, {total:,} bytes ({len(written)} written)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="peacekb", description=__doc__)
    parser.add_argument("--version", action="version", version=f"peacekb {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser(
        "validate", help="check every record; print each error as path:line:column: message"
    )
    validate.add_argument("data_dir", nargs="?", default="data", metavar="DATA_DIR")
    validate.set_defaults(func=_validate)
    coverage = commands.add_parser(
        "coverage",
        help="which paragraphs of each source no record cites (headlines, headings and "
        "captions included)",
        description="Per source, how many paragraphs the records cite and which they do not. "
        "Example: peacekb coverage data",
    )
    coverage.add_argument("data_dir", nargs="?", default="data", metavar="DATA_DIR")
    coverage.add_argument("--format", choices=("text", "json"), default="text")
    coverage.set_defaults(func=_coverage)
    export = commands.add_parser(
        "export",
        help="write the knowledge base as JSON, CSV, SQLite, JSON Schema, TimelineJS, Atom",
    )
    export.add_argument("outdir", metavar="DIR")
    export.add_argument(
        "--format",
        action="append",
        choices=FORMATS,
        help="a format to write (repeatable); all of them when not given",
    )
    export.add_argument("--data", default="data", metavar="DATA_DIR")
    export.add_argument("--base-url", default="", help="the site's address, for links")
    export.add_argument(
        "--force",
        action="store_true",
        help="overwrite files that differ (never a link, a folder, or anything outside DIR)",
    )
    export.set_defaults(func=_export)
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
