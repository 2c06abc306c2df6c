"""Start a source record from an article saved as plain text.

    python scripts/new_source.py ARTICLE.txt ID --language fr [--title "..."] [--data data]

Each non-empty line of the text becomes one numbered paragraph. The record is written to
``data/sources/ID.yaml`` with the metadata left for the curator to fill in; an existing record
is never overwritten unless ``--force`` is given, an id that another record of any kind uses is
refused, and the script never writes through a symbolic link. ``--language`` is an ISO 639
code: two letters where the language has them (fr, en, kk), else three. Clean the page
furniture (share buttons, tickers, newsletter prompts) out of the paragraphs and list what was
removed under ``cleaning``, then run ``peacekb validate``.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import sys
from pathlib import Path

import pycountry
import yaml

from peacekb.models import FOLDERS, ID_MAX_LENGTH, shorten

# Matched with fullmatch: `$` would also accept a trailing newline, and \d any Unicode digit.
ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
LANGUAGE = re.compile(r"[a-z]{2,3}")


def skeleton(text: str, source_id: str, language: str, title: str | None) -> str:
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    record = {
        "id": source_id,
        "title": title or "TITLE IN THE ORIGINAL LANGUAGE",
        "title_en": "ENGLISH TITLE",
        "title_by_curator": title is None,
        "language": language,
        "cleaning": [],
        "paragraphs": paragraphs
        if language == "en"
        else [{"text": p, "translation": "ENGLISH TRANSLATION"} for p in paragraphs],
    }
    header = (
        "# Fill in the titles, and `published` (a quoted date) or `published_inferred`.\n"
        "# Remove page furniture from the paragraphs and say what you removed under `cleaning`.\n"
    )
    if language != "en":
        header += "# Write each paragraph's English rendering in its `translation`.\n"
    return header + yaml.safe_dump(record, allow_unicode=True, sort_keys=False, width=100)


def language_problem(code: str) -> str | None:
    """Why ``code`` is not the ISO 639 code the site expects, or None if it is."""
    if not LANGUAGE.fullmatch(code):
        return f"language {code!r} must be an ISO 639 code of 2 or 3 lowercase letters, such as fr"
    if len(code) == 2:
        if pycountry.languages.get(alpha_2=code) is None:
            return (
                f"language {code!r} is not an ISO 639-1 code; give the article's, such as fr or kk"
            )
        return None
    language = pycountry.languages.get(alpha_3=code)
    if language is None:
        return f"language {code!r} is not an ISO 639-3 code; give the article's, such as fr or kk"
    # One language, one code: where a two-letter code exists the records use it.
    short = getattr(language, "alpha_2", None)
    if short:
        return f"language {code!r} has a two-letter code: use --language {short}"
    return None


def id_used_by(data: Path, source_id: str) -> Path | None:
    """A record of another kind that has the id already: ids are unique across all kinds."""
    for folder in sorted(FOLDERS):
        path = data / folder / f"{source_id}.yaml"
        if folder != "sources" and (path.exists() or path.is_symlink()):
            return path
    return None


def write_new(target: Path, text: str) -> None:
    """Write ``text`` to a fresh file renamed over ``target``: a link put at ``target`` after
    the checks is replaced, never written through, and a crash leaves no half record."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    # The loader skips dot files, so a temporary file left by a crash is never read as a record.
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, flags, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("article", type=Path, help="the article as a UTF-8 text file")
    parser.add_argument("id", help="the record id, kebab-case: becomes the file name")
    parser.add_argument(
        "--language", required=True, help="ISO 639 code: fr, en, kk (three letters if no two)"
    )
    parser.add_argument("--title", help="the article's own headline, if it has one")
    parser.add_argument("--data", type=Path, default=Path("data"), help="the data folder")
    parser.add_argument("--force", action="store_true", help="overwrite an existing record")
    args = parser.parse_args(argv)

    if not ID.fullmatch(args.id):
        print(f"error: id {args.id!r} must be kebab-case ASCII (a-z, 0-9, -)", file=sys.stderr)
        return 2
    if len(args.id) > ID_MAX_LENGTH:
        # As `peacekb validate` refuses it: the build could not write the pages of a longer id.
        print(
            f"error: id {shorten(args.id)!r} is longer than {ID_MAX_LENGTH} characters: "
            "choose a shorter id",
            file=sys.stderr,
        )
        return 2
    if (problem := language_problem(args.language)) is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        text = args.article.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {args.article}: {exc}", file=sys.stderr)
        return 2
    if (other := id_used_by(args.data, args.id)) is not None:
        print(
            f"error: id {args.id!r} is taken by {other} (ids are unique across all kinds); "
            "choose another id",
            file=sys.stderr,
        )
        return 1
    target = args.data / "sources" / f"{args.id}.yaml"
    for path in (target.parent, target):
        if path.is_symlink():
            print(
                f"error: {path} is a symbolic link; this script never writes through one, "
                "even with --force: replace the link with a real folder or file",
                file=sys.stderr,
            )
            return 1
    if target.exists() and not target.is_file():
        print(f"error: {target} is not a file; remove or rename it", file=sys.stderr)
        return 1
    if target.exists() and not args.force:
        print(f"error: {target} exists; pass --force to overwrite it", file=sys.stderr)
        return 1
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_new(target, skeleton(text, args.id, args.language, args.title))
    except OSError as exc:
        print(
            f"error: cannot write {exc.filename or target}: {exc.strerror or exc}", file=sys.stderr
        )
        return 1
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
