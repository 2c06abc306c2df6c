"""Record text is untrusted: a site whose every display field holds a hostile payload
(``tests/roots/test-hostile``) is built with the real site's theme and extensions, and no
payload may become an element, an attribute, a URL or a script anywhere in what is built.

The payloads all carry the marker ``kbxss``; they try to open elements, close the element
they stand in (``</title>``, ``</script>``, ``</textarea>``, ``</option>``), break out of
attributes with either quote, smuggle MyST roles, Jinja syntax and ``javascript:`` links, and
pass HTML entities that a careless unescape would turn into markup.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup, Tag
from defusedxml.ElementTree import fromstring as parse_xml
from pybtex.database import parse_string as parse_bibtex

from conftest import CHROMIUM, SiteBuild, missing, serve
from peacekb.export import csv_cell
from peacekb.knowledge import Knowledge, load
from peacekb.models import RECORD_KINDS
from peacekb.urls import record_doc

MARKER = "kbxss"
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc"}


@pytest.fixture(scope="module")
def hostile_kb(hostile: SiteBuild) -> Knowledge:
    kb, problems = load(hostile.data)
    assert problems == []
    return kb


def pages(site: SiteBuild) -> list[Path]:
    found = [p for p in sorted(site.html.rglob("*.html")) if "_static" not in p.parts]
    assert len(found) > 10
    return found


def parse(path: Path) -> BeautifulSoup:
    """The page as a browser parses it: html5lib implements the HTML standard's algorithm."""
    return BeautifulSoup(path.read_bytes(), "html5lib")


def injected(page: BeautifulSoup) -> list[str]:
    """Everything on ``page`` that a payload made: elements, attributes, URLs, script."""
    found = []
    for element in page.find_all(True):
        if MARKER in element.name:
            found.append(f"element <{element.name}>")
        for name, value in element.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if MARKER in name:
                found.append(f"attribute {name} on <{element.name}>")
            elif name.startswith("on") and MARKER in text:
                found.append(f"handler {name}={text!r} on <{element.name}>")
            elif name in URL_ATTRIBUTES and text.strip().lower().startswith("javascript:"):
                found.append(f"{name}={text!r} on <{element.name}>")
            elif name == "style" and MARKER in text:
                found.append(f"style on <{element.name}>")
        body = element.string or ""
        if element.name == "script":
            if element.get("type") == "application/ld+json":
                json.loads(body)  # data, and it must stay well-formed data
            elif MARKER in body:
                found.append(f"script {body[:60]!r}")
        elif element.name == "style" and MARKER in body:
            found.append("style element")
    return found


def test_the_hostile_site_builds(hostile: SiteBuild, hostile_kb: Knowledge) -> None:
    assert hostile.returncode == 0, hostile.stderr
    # the payloads did reach the pages, as text
    assert any(MARKER in r.display_name for r in hostile_kb.all("person"))


def test_no_payload_becomes_markup_on_any_page(hostile: SiteBuild) -> None:
    assert hostile.returncode == 0, hostile.stderr
    offences = {}
    for path in pages(hostile):
        found = injected(parse(path))
        if found:
            offences[str(path.relative_to(hostile.html))] = found
    assert offences == {}


def test_no_id_is_held_twice_on_any_page(hostile: SiteBuild, hostile_kb: Knowledge) -> None:
    """Record text cannot take an id that the engine's links or the theme's scripts use:
    names like "KB Person Clobber", "pst secondary sidebar" or a source titled "P1" would make
    headings with the ids of a record's anchor, a theme element or a paragraph."""
    assert hostile.returncode == 0, hostile.stderr
    twice = {}
    for path in pages(hostile):
        ids = [element["id"] for element in parse(path).find_all(id=True)]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            twice[str(path.relative_to(hostile.html))] = repeated
    assert twice == {}
    # the anchors the engine's links point to are held by what the links mean
    person = parse(hostile.html / "people" / "clobber.html")
    target = person.find(id="kb-person-clobber")
    assert isinstance(target, Tag) and target.name != "section"
    source = parse(hostile.html / "sources" / "p-one.html")
    for n in (1, 2):
        paragraph = source.find(id=f"p{n}")
        assert isinstance(paragraph, Tag) and "kb-paragraph" in paragraph.get("class", [])
    place = parse(hostile.html / "places" / "pst.html")
    heading = place.select_one("section > h1")
    assert heading is not None and heading.parent is not None
    assert not str(heading.parent.get("id", "")).startswith("pst-")
    glossary = parse(hostile.html / "glossary.html")
    term = glossary.find(id="kb-term-clob")
    assert isinstance(term, Tag) and term.name != "section"


def _record_pages(site: SiteBuild, kb: Knowledge) -> Iterator[tuple[Any, BeautifulSoup]]:
    for records in kb.records.values():
        for record in records.values():
            path = site.html / f"{record_doc(record.kind, record.id)}.html"
            yield record, parse(path)


def test_record_names_reach_the_page_chrome_as_the_same_text(
    hostile: SiteBuild, hostile_kb: Knowledge
) -> None:
    """Each place outside the body that shows a record's name shows exactly its text: nothing
    became markup, and nothing was unescaped or escaped twice."""
    assert hostile.returncode == 0, hostile.stderr
    checked = 0
    for record, page in _record_pages(hostile, hostile_kb):
        name = " ".join(record.display_name.split())
        assert page.title is not None and page.title.get_text().startswith(name + " ")
        og = {m["property"]: m["content"] for m in page.find_all("meta", property=True)}
        assert og["og:title"] == name
        description = page.find("meta", attrs={"name": "description"})
        assert isinstance(description, Tag) and description["content"] == og["og:description"]
        printed = page.select_one("#jb-print-docs-body h1")
        assert printed is not None and printed.get_text() == name
        heading = page.select_one("main h1, article h1")
        assert heading is not None and heading.get_text().startswith(name)
        data = [
            json.loads(s.string or "") for s in page.find_all("script", type="application/ld+json")
        ]
        names = [str(data[0].get(k, "")) for k in ("name", "headline", "alternativeHeadline")]
        assert any(record.display_name in n for n in names), names
        checked += 1
    assert checked == sum(len(r) for r in hostile_kb.records.values())


def test_aliases_are_shown_once_as_text_and_reach_the_search_index_as_data(
    hostile: SiteBuild, hostile_kb: Knowledge
) -> None:
    """Aliases hold payloads too: each record page shows them once, as exactly their text,
    under "Other spellings", and the search index (a script) holds them as JSON strings."""
    assert hostile.returncode == 0, hostile.stderr
    script = (hostile.html / "searchindex.js").read_text(encoding="utf-8")
    entries = json.loads(script[script.index("(") + 1 : script.rindex(")")])["indexentries"]
    checked = 0
    for record, page in _record_pages(hostile, hostile_kb):
        aliases = [" ".join(a.split()) for a in getattr(record, "aliases", [])]
        lines = page.select(".kb-aliases")
        assert len(lines) == (1 if aliases else 0), record.id
        if not aliases:
            continue
        assert " ".join(lines[0].get_text().split()) == "Other spellings: " + ", ".join(aliases)
        for alias in aliases:
            # Sphinx reads ";" in an index entry as a separator: search gets "," instead
            assert alias.replace(";", ",").lower() in entries, alias
        checked += 1
    assert checked > 0, "the hostile root holds aliases"


def test_cite_this_page_bibtex_is_one_entry_with_its_own_fields(
    hostile: SiteBuild, hostile_kb: Knowledge
) -> None:
    """A name holding braces or quotes (``Doe}, url = "…"``) cannot end the title field and
    add fields of its own: each record page's BibTeX parses as one entry with its five fields."""
    assert hostile.returncode == 0, hostile.stderr
    for record, page in _record_pages(hostile, hostile_kb):
        block = page.select_one(".kb-cite-bibtex")
        assert block is not None
        entries = parse_bibtex(block.get_text(), "bibtex").entries
        assert len(entries) == 1, record.id
        (entry,) = entries.values()
        assert set(entry.fields) == {"title", "howpublished", "urldate", "note"}, record.id
        assert [str(p) for p in entry.persons["author"]] == ["{test curators}"]  # one name


def test_pages_made_of_many_records_are_in_the_scan(hostile: SiteBuild) -> None:
    """The participation chart, the uncertainty list, leads and summary boxes are built from
    record text too: the scan above must have read them."""
    assert hostile.returncode == 0, hostile.stderr
    scanned = {str(p.relative_to(hostile.html)) for p in pages(hostile)}
    for name in ("participation", "uncertainty", "glossary", "timeline", "map"):
        assert f"{name}.html" in scanned
    chart = parse(hostile.html / "participation.html").select_one("svg")
    assert chart is not None and MARKER in chart.get_text()  # the payloads reached it, as text


def test_an_acronym_expansion_stays_an_attribute_value(hostile: SiteBuild) -> None:
    assert hostile.returncode == 0, hostile.stderr
    person = parse(hostile.html / "people" / "clobber.html")
    abbr = person.find("abbr", string="KBX")
    assert isinstance(abbr, Tag)
    assert abbr["title"] == (
        '"><kbxss id=abbr> onmouseover="kbxss(99)" An acronym whose expansion is hostile'
    )


def test_chart_titles_hold_the_names_as_text(hostile: SiteBuild, hostile_kb: Knowledge) -> None:
    assert hostile.returncode == 0, hostile.stderr
    for chart in ("timeline", "map"):
        page = parse(hostile.html / f"{chart}.html")
        titles = {t.get_text() for t in page.select("svg title")}
        for mission in hostile_kb.all("mission"):
            assert any(mission.display_name in t for t in titles), (chart, mission.id)


def test_xml_outputs_parse(hostile: SiteBuild) -> None:
    assert hostile.returncode == 0, hostile.stderr
    for path in [hostile.html / "sitemap.xml", *hostile.html.rglob("*.atom")]:
        root = parse_xml(path.read_bytes())
        assert isinstance(root, ElementTree.Element)


def test_the_downloads_hold_the_records_text_exactly(
    hostile: SiteBuild, hostile_kb: Knowledge
) -> None:
    """Made record by record (and kept in the build's memo), the JSON, CSV and SQLite files
    still parse, and give back every record's text as it is (a CSV cell less the one quote
    that keeps a formula inert)."""
    assert hostile.returncode == 0, hostile.stderr
    downloads = hostile.html / "downloads"
    data = json.loads((downloads / "peacekb.json").read_text("utf-8"))
    db = sqlite3.connect(":memory:")
    db.deserialize((downloads / "peacekb.sqlite").read_bytes())
    for kind, cls in RECORD_KINDS.items():
        records = sorted(hostile_kb.all(kind), key=lambda r: r.id)
        assert data["records"][cls.plural] == [r.model_dump(mode="json") for r in records]
        with (downloads / "csv" / f"{cls.plural}.csv").open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        assert [row["id"] for row in rows] == [r.id for r in records]
        for row, record in zip(rows, records, strict=True):
            for name, value in record.model_dump(mode="json").items():
                if isinstance(value, str) and name in row:
                    assert row[name] == csv_cell(value), (record.id, name)
        found = db.execute(f'SELECT * FROM "{cls.plural}" ORDER BY id').fetchall()
        columns = [c[1] for c in db.execute(f'PRAGMA table_info("{cls.plural}")')]
        assert [dict(zip(columns, r, strict=True))["id"] for r in found] == [r.id for r in records]
        for values, record in zip(found, records, strict=True):
            row = dict(zip(columns, values, strict=True))
            for name, value in record.model_dump(mode="json").items():
                if isinstance(value, str) and name in row:
                    assert row[name] == value, (record.id, name)
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


# -- in a browser: no payload runs -------------------------------------------------------------

TRAP = """
window.__kbxss = [];
window.kbxss = (n) => window.__kbxss.push(String(n));
window.alert = window.confirm = window.prompt = (m) => window.__kbxss.push('dialog ' + m);
"""


@pytest.fixture(scope="module")
def hostile_server(hostile: SiteBuild) -> Iterator[str]:
    assert hostile.returncode == 0, hostile.stderr
    with serve(hostile.html) as url:
        yield url


@pytest.mark.browser
def test_no_payload_runs_in_the_browser(
    browser: Any, hostile: SiteBuild, hostile_server: str
) -> None:
    if not CHROMIUM.exists():
        missing(f"Chromium ({CHROMIUM})")
    context = browser.new_context()
    context.add_init_script(TRAP)
    page = context.new_page()
    ran: dict[str, list[str]] = {}
    try:
        urls = [str(p.relative_to(hostile.html)) for p in pages(hostile)]
        urls.append(f"search.html?q={MARKER}")
        for url in urls:
            page.goto(hostile_server + url, wait_until="networkidle")
            if "?q=" in url:
                page.locator("#search-results li").first.wait_for(state="attached")
            calls = page.evaluate("window.__kbxss")
            elements = page.evaluate(f"document.querySelectorAll('{MARKER}').length")
            if calls or elements:
                ran[url] = [*calls, f"{elements} elements"]
        results = page.locator("#search-results li").count()
    finally:
        context.close()
    assert ran == {}
    assert results > 0, "the search for the marker found the payloads, shown as text"


def test_vocabulary_labels_are_text(hostile: SiteBuild, hostile_kb: Knowledge) -> None:
    assert hostile.returncode == 0, hostile.stderr
    assert hostile_kb.vocabulary is not None
    for mission in hostile_kb.all("mission"):
        label = hostile_kb.operation_type(getattr(mission, "type", "")).label
        assert MARKER in label
        for doc in (record_doc("mission", mission.id), "operations/index"):
            page = parse(hostile.html / f"{doc}.html")
            assert label in page.get_text(), doc
            assert injected(page) == [], doc
    for org in hostile_kb.all("organization"):
        label = hostile_kb.organization_type(getattr(org, "type", "")).label
        page = parse(hostile.html / f"{record_doc('organization', org.id)}.html")
        assert label in page.get_text()
