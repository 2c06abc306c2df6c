"""The peacekb command line: check the records, report on them, export them, and take a
curator from a saved article to a cited record (new-source, then cite)."""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path, PurePath
from typing import Any

from pydantic import BaseModel

from . import __version__
from .export import FORMATS, UnsafeOutput, check_output, render, write
from .knowledge import Knowledge, load
from .loader import Problem, one_line
from .models import RECORD_KINDS, Organization, Source, iter_citations, iter_models, shorten
from .provenance import Provenance


def _error(message: str) -> None:
    print(f"error: {one_line(message)}", file=sys.stderr)


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


# -- validate --------------------------------------------------------------------------------


def _validate(args: argparse.Namespace) -> int:
    if args.format == "text":
        kb = _load_valid(args.data_dir)
        if kb is None:
            return 1
        print(f"{args.data_dir}: valid ({_summary(kb)})")
        return 0
    kb, problems = load(Path(args.data_dir))
    if args.format == "json":
        rows = [
            {"path": p.path, "line": p.line, "column": p.column, "message": p.message}
            for p in problems
        ]
        print(json.dumps(rows, indent=1, ensure_ascii=False))
        return 1 if problems else 0
    root = _repository_root(Path(args.data_dir))
    for problem in problems:
        print(github_annotation(problem, root))
    if problems:
        noun = "error" if len(problems) == 1 else "errors"
        print(f"{len(problems)} {noun} in {args.data_dir}", file=sys.stderr)
        return 1
    print(f"{args.data_dir}: valid ({_summary(kb)})")
    return 0


def _summary(kb: Knowledge) -> str:
    counts = ", ".join(f"{n} {kind}" for kind, n in kb.counts().items())
    terms = len(kb.glossary.terms) if kb.glossary else 0
    return f"{counts}, {terms} glossary terms"


def _repository_root(data: Path) -> Path:
    """Where the annotations' paths start: the checkout in a GitHub workflow, else the nearest
    folder above the data that holds ``.git``, else the working folder."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if workspace:
        return Path(workspace).resolve()
    start = Path(os.path.abspath(data))
    for folder in [start, *start.parents]:
        if (folder / ".git").exists():
            return folder
    return Path.cwd()


def _escape_data(text: str) -> str:
    # As GitHub's toolkit escapes a workflow command's message (actions/toolkit, command.ts);
    # any other unprintable character is shown escaped, so one problem stays one line.
    return one_line(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(problem: Problem, root: Path) -> str:
    """``problem`` as a GitHub workflow command, its path relative to the repository root, so
    that a pull request shows it on the file's line."""
    path = Path(os.path.abspath(problem.path))
    try:
        shown = path.relative_to(root).as_posix()
    except ValueError:
        shown = PurePath(problem.path).as_posix()
    return (
        f"::error file={_escape_property(shown)},line={problem.line},col={problem.column}::"
        f"{_escape_data(problem.message)}"
    )


# -- coverage, stats -------------------------------------------------------------------------


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
        uncited = _paragraph_list(c.uncited)
        line = f"{c.source}: {c.cited} of {c.paragraphs} paragraphs cited ({c.percent:.0f}%)"
        print(f"{line}; not cited: {uncited}" if uncited else line)
    total = sum(c.paragraphs for c in reports)
    cited = sum(c.cited for c in reports)
    if total:
        print(f"all sources: {cited} of {total} paragraphs cited ({100 * cited / total:.0f}%)")
    return 0


def _paragraph_list(numbers: list[tuple[int, str]]) -> str:
    return ", ".join(f"¶{n}" + (f" ({role})" if role != "body" else "") for n, role in numbers)


def _models(kb: Knowledge) -> list[BaseModel]:
    found: list[BaseModel] = [r for kind in RECORD_KINDS for r in kb.all(kind)]
    if kb.glossary is not None:
        found.append(kb.glossary)
    return found


def _stats(args: argparse.Namespace) -> int:
    kb = _load_valid(args.data_dir, ": no statistics")
    if kb is None:
        return 1
    models = _models(kb)
    citations = [citation for model in models for _, citation in iter_citations(model)]
    # Every fact that carries `inferred`, and every publication date worked out by a curator.
    inferred = sum(
        1
        for model in models
        for _, part in iter_models(model)
        if isinstance(getattr(part, "inferred", None), str)
        or isinstance(getattr(part, "published_inferred", None), str)
    )
    reports = sorted((kb.coverage(s) for s in kb.sources.values()), key=lambda c: c.source)
    total = sum(c.paragraphs for c in reports)
    cited = sum(c.cited for c in reports)
    terms = len(kb.glossary.terms) if kb.glossary else 0
    counts = kb.counts()
    if args.format == "json":
        result: dict[str, Any] = {
            "records": counts,
            "glossary_terms": terms,
            "citations": len(citations),
            "inferred": inferred,
            "paragraphs": {"total": total, "cited": cited},
            "uncited": {
                c.source: [{"paragraph": n, "role": role} for n, role in c.uncited] for c in reports
            },
        }
        print(json.dumps(result, indent=1, ensure_ascii=False))
        return 0
    kinds = ", ".join(f"{RECORD_KINDS[kind].plural} {n}" for kind, n in counts.items())
    print(f"records: {sum(counts.values())} ({kinds}), {terms} glossary terms")
    cited_sources = len({c.source for c in citations})
    print(f"citations: {len(citations)} quotes of {cited_sources} sources")
    print(f"inferred facts: {inferred}")
    if total:
        print(f"paragraphs cited: {cited} of {total} ({100 * cited / total:.0f}%)")
    uncited = [c for c in reports if c.uncited]
    if uncited:
        print("uncited paragraphs:")
        for c in uncited:
            print(f"  {c.source}: {_paragraph_list(c.uncited)}")
    return 0


# -- export ----------------------------------------------------------------------------------


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


# -- new-source ------------------------------------------------------------------------------


def _data_problem(data: Path) -> str | None:
    if data.is_dir():
        return None
    if data.exists():
        return f"{data} is not a folder; give the data folder with --data"
    return f"data folder {data} not found; give it with --data"


def _outlet(data: Path, site_name: str | None) -> str | None:
    """The organisation record that bears the page's site name, if one does."""
    if not site_name:
        return None
    from .models import spelling_key

    kb, _ = load(data)
    wanted = spelling_key(site_name)
    for record in kb.all("organization"):
        if isinstance(record, Organization) and any(
            spelling_key(name) == wanted for name in record.all_names
        ):
            return record.id
    return None


# What `new-source` reads pages with: not needed to build the site, so an extra of its own.
CURATOR_MODULES = ("trafilatura", "htmldate", "py3langid")


def _new_source(args: argparse.Namespace) -> int:
    import importlib.util

    from . import ingest

    if missing := [m for m in CURATOR_MODULES if importlib.util.find_spec(m) is None]:
        _error(
            f"new-source reads pages with {', '.join(missing)}, not installed here: "
            "pip install 'peacekb[curator]' (make test installs it too)"
        )
        return 2

    for problem in (
        ingest.id_problem(args.id) if args.id is not None else None,
        ingest.language_problem(args.language) if args.language is not None else None,
        _data_problem(args.data),
    ):
        if problem is not None:
            _error(problem)
            return 2
    try:
        article = ingest.read_page(args.page)
    except ingest.IngestError as exc:
        _error(str(exc))
        return 2
    if args.title:
        article.title = args.title
    language = args.language
    detected = ""
    if language is None:
        language, confidence = ingest.detect_language(article.text)
        if confidence < ingest.MIN_CONFIDENCE or ingest.language_problem(language):
            _error(
                f"cannot tell the language of {args.page} (py3langid's best guess is "
                f"{language!r}, {confidence:.0%} sure): give it with --language"
            )
            return 2
        detected = f" (detected by py3langid, {confidence:.0%} sure; --language to override)"
    source_id = args.id
    if source_id is None:
        if article.title is None:
            _error(f"{args.page} gives no title to make the id of: give --id or --title")
            return 2
        source_id = ingest.slug(article.title)
        if not source_id:
            _error(f"the title {shorten(article.title, 40)!r} has no letter a-z: give --id")
            return 2
    if (other := ingest.id_used_by(args.data, source_id)) is not None:
        _error(
            f"id {source_id!r} is taken by {other} (ids are unique across all kinds); "
            "choose another id with --id"
        )
        return 1
    target = args.data / "sources" / f"{source_id}.yaml"
    for path in (target.parent, target):
        if path.is_symlink():
            _error(
                f"{path} is a symbolic link; peacekb never writes through one, "
                "even with --force: replace the link with a real folder or file"
            )
            return 1
    if target.exists() and not target.is_file():
        _error(f"{target} is not a file; remove or rename it")
        return 1
    if target.exists() and not args.force:
        _error(f"{target} exists; pass --force to overwrite it")
        return 1
    outlet = _outlet(args.data, article.site_name)
    text = ingest.skeleton(article, source_id, language, outlet=outlet, page=args.page.name)
    try:
        target.parent.mkdir(exist_ok=True)
        ingest.write_new(target, text)
    except OSError as exc:
        _error(f"cannot write {exc.filename or target}: {exc.strerror or exc}")
        return 1
    _report_new_source(args, article, target, source_id, language, detected, outlet)
    return 0


def _report_new_source(
    args: argparse.Namespace,
    article: Any,
    target: Path,
    source_id: str,
    language: str,
    detected: str,
    outlet: str | None,
) -> None:
    roles = [role for _, role in article.paragraphs if role != "body"]
    extra = ", ".join(f"{roles.count(r)} {r}" for r in dict.fromkeys(roles))
    counted = f"{len(article.paragraphs)} paragraphs" + (f" ({extra})" if extra else "")
    print(f"wrote {target}: {counted}")
    print(f"  language: {language}{detected}")
    facts = [
        ("title", article.title if article.title else "none: write one"),
        ("published", article.published or "not found: add it or published_inferred"),
        ("byline", article.author),
        ("url", article.url),
        (
            "outlet",
            outlet or (f"no record matches « {article.site_name} »" * bool(article.site_name)),
        ),
    ]
    for name, value in facts:
        if value:
            print(f"  {name}: {value}")
    if article.dropped:
        print(f"  dropped as page furniture: {', '.join(article.dropped)} (see `cleaning`)")
    steps = ["read the paragraphs against the article and correct `cleaning`"]
    if language != "en":
        steps.append("write `title_en` and each paragraph's `translation` in English")
    if article.title is None:
        steps.append("write the title (`title_by_curator: true` says it is yours)")
    if not article.published:
        steps.append("add `published` or `published_inferred`")
    if article.site_name and outlet is None:
        steps.append("add the outlet's organisation record and set `outlet`, or keep the note")
    steps.append(f'cite its words in records: peacekb cite "…" --source {source_id}')
    steps.append(f"check: peacekb validate {args.data}")
    print("next:")
    for n, step in enumerate(steps, start=1):
        print(f"  {n}. {step}")


# -- cite ------------------------------------------------------------------------------------


def _cite(args: argparse.Namespace) -> int:
    from .cite import citation_yaml, closest, find, fold, sources_to_search

    if (problem := _data_problem(args.data)) is not None:
        _error(problem)
        return 2
    if not fold(args.quote).text:
        _error("the quote is empty: give the words to find, in quotes")
        return 2
    kb, problems = load(args.data)
    if problems:
        noun = "error" if len(problems) == 1 else "errors"
        print(
            f"note: {len(problems)} {noun} in {args.data} (see peacekb validate); "
            "searching the sources that loaded",
            file=sys.stderr,
        )
    if args.source is not None and args.source not in kb.sources:
        near = difflib.get_close_matches(args.source, list(kb.sources), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        _error(f"no source has the id {shorten(args.source, 40)!r}{hint}")
        return 2
    sources = sources_to_search(kb, args.source)
    if not sources:
        _error(f"{args.data} holds no source to search")
        return 2
    found = find(sources, args.quote)
    if found:
        if len(found) > 1:
            print(f"# the words stand in {len(found)} places: keep the one you mean")
        for passage in found:
            where = f"# {passage.source.id}, paragraph {passage.paragraph}"
            if passage.paragraph == 0:
                where += " (the headline)"
            if passage.translation is not None and passage.quote != passage.whole.strip():
                where += ": the translation is the whole paragraph's; cut it to the quoted words"
            print(where)
            print(citation_yaml(passage))
        return 0
    where = f"source {args.source!r}" if args.source else "any source"
    _error(
        f"no paragraph of {where} holds {shorten(args.quote, 60)!r} "
        "(whitespace, case, quotes, apostrophes and dashes aside)"
    )
    near = closest(sources, args.quote)
    if near:
        print("the closest passages:", file=sys.stderr)
        for p in near:
            print(
                f"  {p.source.id}, paragraph {p.paragraph} ({p.score:.0%} alike): {p.quote}",
                file=sys.stderr,
            )
    else:
        print("no passage comes close", file=sys.stderr)
    return 1


# -- the parser ------------------------------------------------------------------------------


def _command(
    commands: Any, name: str, summary: str, description: str, examples: str
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=summary,
        description=textwrap.dedent(description).strip(),
        epilog="example:\n" + textwrap.indent(textwrap.dedent(examples).strip(), "  "),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="peacekb",
        description=__doc__,
        epilog="Run `peacekb COMMAND --help` for a command's options and an example.",
    )
    top.add_argument("--version", action="version", version=f"peacekb {__version__}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = _command(
        commands,
        "validate",
        "check every record; print each error as path:line:column: message",
        """
        Check every record of the data folder and the references and quotes between them.
        Every error is printed, located in its file; the exit status is 1 when there is one.
        --format json prints a list of {path, line, column, message}; --format github prints
        GitHub workflow annotations, which a pull request shows on the file's line.
        """,
        """
        peacekb validate data
        peacekb validate --format github data
        """,
    )
    validate.add_argument("data_dir", nargs="?", default="data", metavar="DATA_DIR")
    validate.add_argument("--format", choices=("text", "json", "github"), default="text")
    validate.set_defaults(func=_validate)

    new_source = _command(
        commands,
        "new-source",
        "start a source record from a saved web page, a text or a Markdown file",
        """
        Start data/sources/ID.yaml from an article saved as a web page (.html, .htm), a
        text (.txt) or Markdown (.md). From a web page, trafilatura keeps the article's text
        (headings and photo captions as such) and reads its title, author, site name and
        canonical address; htmldate finds its publication date; what was left out (menus,
        share buttons, cookie banner, teasers) is listed under `cleaning`. A text is split
        into paragraphs on blank lines (one per line when it has none); in Markdown a
        leading `# heading` is the title and other headings are heading paragraphs.
        The language is detected (py3langid) unless given; the id is made from the title
        unless given. An existing record is never overwritten without --force, a symbolic
        link never written through.
        """,
        """
        peacekb new-source ~/Downloads/article.html
        peacekb new-source article.txt --id my-article-id --language fr --title "…"
        """,
    )
    new_source.add_argument("page", type=Path, metavar="PAGE")
    new_source.add_argument("--id", help="the record id, kebab-case (default: from the title)")
    new_source.add_argument(
        "--language", help="ISO 639 code: fr, en, kk (three letters if none has two)"
    )
    new_source.add_argument("--title", help="the article's own headline, when the file lacks it")
    new_source.add_argument("--data", type=Path, default=Path("data"), metavar="DIR")
    new_source.add_argument("--force", action="store_true", help="overwrite an existing record")
    new_source.set_defaults(func=_new_source)

    cite = _command(
        commands,
        "cite",
        "find the paragraph holding a quote; print the citation to paste",
        """
        Find the paragraph(s) that hold QUOTE, matched whitespace, case, typographic quotes,
        apostrophes and dashes aside, and print the citation in the records' format, with the
        source's exact characters; for a source not in English, with the paragraph's English
        translation to cut down to the quoted words. When no paragraph holds it, print the
        closest passages and exit 1.
        """,
        """
        peacekb cite "the words of the article" --source my-article-id
        """,
    )
    cite.add_argument("quote", metavar="QUOTE")
    cite.add_argument("--source", metavar="ID", help="search this source only")
    cite.add_argument("--data", type=Path, default=Path("data"), metavar="DIR")
    cite.set_defaults(func=_cite)

    coverage = _command(
        commands,
        "coverage",
        "which paragraphs of each source no record cites (headlines, headings and captions "
        "included)",
        "Per source, how many paragraphs the records cite and which they do not.",
        "peacekb coverage data",
    )
    coverage.add_argument("data_dir", nargs="?", default="data", metavar="DATA_DIR")
    coverage.add_argument("--format", choices=("text", "json"), default="text")
    coverage.set_defaults(func=_coverage)

    stats = _command(
        commands,
        "stats",
        "records per kind, citations, inferred facts, uncited paragraphs",
        """
        Count the records of each kind, the citations (quotes) and the facts a curator
        inferred, and list per source the paragraphs no record cites.
        """,
        """
        peacekb stats data
        peacekb stats --format json data
        """,
    )
    stats.add_argument("data_dir", nargs="?", default="data", metavar="DATA_DIR")
    stats.add_argument("--format", choices=("text", "json"), default="text")
    stats.set_defaults(func=_stats)

    export = _command(
        commands,
        "export",
        "write the knowledge base as JSON, CSV, SQLite, JSON Schema, TimelineJS, Atom",
        """
        Write the knowledge base in every format, or those given with --format. A file that
        differs is never overwritten without --force; a link, a folder or a path outside DIR
        never, and a refused export writes nothing.
        """,
        """
        peacekb export out/
        peacekb export --format sqlite --format csv out/
        """,
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
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except BrokenPipeError:  # `peacekb … | head`: the reader has gone, say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return result


if __name__ == "__main__":
    sys.exit(main())
