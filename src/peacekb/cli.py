"""The ``peacekb`` command line: ``peacekb validate [DATA_DIR]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .knowledge import load


def _validate(args: argparse.Namespace) -> int:
    kb, problems = load(Path(args.data_dir))
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        noun = "error" if len(problems) == 1 else "errors"
        print(f"{len(problems)} {noun} in {args.data_dir}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{n} {kind}" for kind, n in kb.counts().items())
    terms = len(kb.glossary.terms) if kb.glossary else 0
    print(f"{args.data_dir}: valid ({counts}, {terms} glossary terms)")
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
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
