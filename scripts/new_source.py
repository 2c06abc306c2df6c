"""Start a source record from an article saved as plain text.

    python scripts/new_source.py ARTICLE.txt ID --language fr [--title "..."] [--data data]

Each non-empty line of the text becomes one numbered paragraph. The record is written to
``data/sources/ID.yaml`` with the metadata left for the curator to fill in; an existing record
is never overwritten unless ``--force`` is given. Clean the page furniture (share buttons,
tickers, newsletter prompts) out of the paragraphs and list what was removed under
``cleaning``, then run ``peacekb validate``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def skeleton(text: str, source_id: str, language: str, title: str | None) -> str:
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    record = {
        "id": source_id,
        "title": title or "TITLE IN THE ORIGINAL LANGUAGE",
        "title_en": "ENGLISH TITLE",
        "title_by_curator": title is None,
        "language": language,
        "cleaning": [],
        "paragraphs": paragraphs,
    }
    header = (
        "# Fill in the titles, and `published` (a quoted date) or `published_inferred`.\n"
        "# Remove page furniture from the paragraphs and say what you removed under `cleaning`.\n"
    )
    return header + yaml.safe_dump(record, allow_unicode=True, sort_keys=False, width=100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("article", type=Path, help="the article as a UTF-8 text file")
    parser.add_argument("id", help="the record id, kebab-case: becomes the file name")
    parser.add_argument("--language", required=True, help="ISO 639-1 code, such as fr or en")
    parser.add_argument("--title", help="the article's own headline, if it has one")
    parser.add_argument("--data", type=Path, default=Path("data"), help="the data folder")
    parser.add_argument("--force", action="store_true", help="overwrite an existing record")
    args = parser.parse_args(argv)

    if not ID.match(args.id):
        print(f"error: id {args.id!r} must be kebab-case ASCII (a-z, 0-9, -)", file=sys.stderr)
        return 2
    try:
        text = args.article.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {args.article}: {exc}", file=sys.stderr)
        return 2
    target = args.data / "sources" / f"{args.id}.yaml"
    if target.exists() and not args.force:
        print(f"error: {target} exists; pass --force to overwrite it", file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(skeleton(text, args.id, args.language, args.title), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
