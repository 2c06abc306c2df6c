"""Search finds every spelling a reader types: each name a record holds (its name, the spellings
the sources use, its acronym, its aliases) leads to the record's page as the first result, a
page is never listed twice, and snippets are the article's own words.

Pages are identified by their file name (``{id}.html``) and by the record anchor they hold
(``kb-{kind}-{id}``), never by the folder a kind's pages are written to.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Iterator
from io import StringIO
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from bs4 import BeautifulSoup
from sphinx.search import IndexBuilder

from conftest import (
    ROOTS,
    SiteBuild,
    assert_located,
    build_without_warnings,
    edit,
    line_of,
    only_problem,
)
from peacekb.knowledge import Knowledge, load
from peacekb.models import Person, Record
from peacekb.sphinxext import search
from peacekb.sphinxext.search import search_forms

# The spellings issue 10 names; the page each leads to is read from the records.
ISSUE_QUERIES = [
    "Aktureyev",
    "Bekbayev",
    "Tokaev",
    "Tokayev",
    "Centrafrique",
    "Liban",
    "Токаев",
    "ОДКБ",
    "OTSC",
]
# A few names as the records and the articles spell them, and as a reader may type them.
REAL_NAMES = ["Aktureev", "Kassym-Jomart Tokayev", "MINUSMA", "Almaty", "Cote d'Ivoire"]


def search_names(record: Record) -> list[str]:
    """What the page templates give search: every name, and a person's family name alone."""
    names = list(record.all_names)
    if isinstance(record, Person) and "," in record.sort_name:
        names.append(record.sort_name.split(",")[0])
    return names


def records(kb: Knowledge) -> Iterator[Record]:
    for kind in kb.records:
        yield from kb.all(kind)


def finders(kb: Knowledge) -> dict[str, set[tuple[str, str]]]:
    """Each form a reader may type (lowercase), with the records that hold it."""
    found: dict[str, set[tuple[str, str]]] = {}
    for record in records(kb):
        for form in search_forms(search_names(record)):
            found.setdefault(form.lower(), set()).add((record.kind, record.id))
    return found


def read_index(html: Path) -> dict[str, Any]:
    text = (html / "searchindex.js").read_text(encoding="utf-8")
    index: dict[str, Any] = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    return index


def is_record_page(html: Path, path: str, kind: str, rid: str) -> bool:
    """Whether ``path`` (from the site's root) is the page of record ``rid`` of ``kind``."""
    name = PurePosixPath(urlsplit(path).path)
    if name.name != f"{rid}.html":
        return False
    page = BeautifulSoup((html / name).read_text(encoding="utf-8"), "html.parser")
    return page.find(id=f"kb-{kind}-{rid}") is not None


# -- the aliases field -------------------------------------------------------------------------

PERSON = "people/jane-roe.yaml"
MISSION = "missions/test-mission.yaml"


@pytest.mark.parametrize(
    ("file", "old", "new", "needle", "message"),
    [
        pytest.param(
            PERSON,
            "- Jane Rowe\n",
            "- Jane Rowe\n- jane  ROWE\n",
            "jane  ROWE",
            r"aliases\.\d+: the alias 'jane  ROWE' repeats 'Jane Rowe' \(letter case and "
            r"spaces aside\): keep one",
            id="duplicate",
        ),
        pytest.param(
            PERSON,
            "- Jane Rowe\n",
            "- Jane Rowe\n- JANE ROE\n",
            "JANE ROE",
            r"the alias 'JANE ROE' is already one of the record's names \(in 'name'\)",
            id="the-name",
        ),
        pytest.param(
            PERSON,
            "- Jane Rowe\n",
            "- Jane Rowe\n- roe, jane\n",
            "roe, jane",
            r"the alias 'roe, jane' is already one of the record's names \(in 'sort_name'\)",
            id="the-sort-name",
        ),
        pytest.param(
            MISSION,
            "name_en: Test Mission in Freedonia\n",
            "name_en: Test Mission in Freedonia\naliases: [Tm]\n",
            "aliases:",
            r"the alias 'Tm' is already one of the record's names \(in 'acronym'\)",
            id="the-acronym",
        ),
        pytest.param(
            PERSON,
            "- Jane Rowe\n",
            '- "Jane\\nRowe"\n',
            "Jane\\nRowe",
            r"aliases\.0: a line break is not allowed here: write it on one line",
            id="line-break",
        ),
        pytest.param(
            PERSON,
            "- Jane Rowe\n",
            '- " "\n',
            '- " "',
            r"aliases\.0: the text is empty or only spaces",
            id="blank",
        ),
        pytest.param(
            PERSON,
            "- Jane Rowe\n",
            "- Jane Rowe\n- 42\n",
            "- 42",
            r"aliases\.\d+: Input should be a valid string",
            id="not-text",
        ),
    ],
)
def test_aliases_are_checked_like_every_text(
    mini_data: Path, file: str, old: str, new: str, needle: str, message: str
) -> None:
    path = mini_data / file
    text = edit(path, old, new)
    assert_located(only_problem(mini_data), path, line_of(text, needle), message)


def test_every_name_is_held_once_with_the_aliases_last(mini_data: Path) -> None:
    kb, found = load(mini_data)
    assert found == []
    (person,) = kb.all("person")
    assert person.all_names[-len(person.aliases) :] == person.aliases
    assert len(person.all_names) == len(set(person.all_names))
    assert person.display_name in person.all_names


def test_search_forms_are_what_readers_type() -> None:
    forms = {f.lower() for f in search_forms(["Côte d’Ivoire", "Kassym-Jomart Tokayev", "a; b"])}
    assert {"côte d’ivoire", "côte d'ivoire", "cote d'ivoire"} <= forms
    assert {"kassym-jomart tokayev", "kassym jomart tokayev"} <= forms
    assert not any(";" in f for f in forms)


# -- the engine, on the small test root ----------------------------------------------------------


@pytest.mark.sphinx("html", testroot="basic")
def test_names_reach_the_search_index_and_not_the_general_index(
    app: Any, warning: StringIO
) -> None:
    app.build()
    assert warning.getvalue() == ""
    html = Path(app.outdir)
    kb, found = load(ROOTS / "test-basic" / "data")
    assert found == []
    index = read_index(html)
    entries = index["indexentries"]
    genindex = BeautifulSoup((html / "genindex.html").read_text("utf-8"), "html.parser")
    general = " ".join(genindex.get_text(" ").split())
    aliases = 0
    for record in records(kb):
        for name in search_names(record):
            key = " ".join(name.split()).lower()
            assert key in entries, (record.id, name)
            pages = {index["docnames"][doc] for doc, _, main in entries[key] if main}
            assert any(
                is_record_page(html, f"{doc}.html", record.kind, record.id) for doc in pages
            ), (record.id, name, pages)
        for alias in getattr(record, "aliases", []):
            assert alias not in general  # the general index lists the records' own names
            aliases += 1
    assert aliases > 0, "the test root holds aliases"
    # records are found by their names, not as objects named by their ids
    assert not [t for t in index["objtypes"].values() if t.startswith("kb:")]


@pytest.mark.sphinx("html", testroot="basic")
def test_other_spellings_are_shown_once_apart_from_the_facts(app: Any, warning: StringIO) -> None:
    app.build()
    assert warning.getvalue() == ""
    html = Path(app.outdir)
    kb, _ = load(ROOTS / "test-basic" / "data")
    shown = 0
    for page_path in sorted(html.rglob("*.html")):
        page = BeautifulSoup(page_path.read_text("utf-8"), "html.parser")
        for record in records(kb):
            if not is_record_page(html, str(page_path.relative_to(html)), record.kind, record.id):
                continue
            lines = page.select(".kb-aliases")
            aliases = getattr(record, "aliases", [])
            if not aliases:
                assert lines == []
                continue
            assert len(lines) == 1, record.id
            (line,) = lines
            assert " ".join(line.get_text().split()) == "Other spellings: " + ", ".join(aliases)
            assert line.find("a") is None and line.find("details") is None  # no citation
            assert line.find_parent(class_="kb-infobox") is None
            lead = page.select_one(".kb-lead")
            assert lead is not None
            assert not any(alias in lead.get_text() for alias in aliases)
            shown += 1
    assert shown > 0
    scripts = {
        name: [
            s.get("src", "")
            for s in BeautifulSoup((html / name).read_text("utf-8"), "html.parser").find_all(
                "script"
            )
        ]
        for name in ("search.html", "index.html")
    }
    assert any("peacekb-search.js" in src for src in scripts["search.html"])
    assert not any("peacekb-search.js" in src for src in scripts["index.html"])


# -- the real site, in a browser -----------------------------------------------------------------

RESULTS = """() => [...document.querySelectorAll('#search-results ul.search > li')].map(li => ({
    href: li.querySelector('a').getAttribute('href'),
    snippet: li.querySelector('.context') ? li.querySelector('.context').textContent : null,
}))"""
FINISHED = """() => {
    const status = document.querySelector('#search-results .search-summary');
    return status !== null && status.textContent.length > 0;
}"""


def run_search(page: Any, url: str, query: str) -> list[dict[str, Any]]:
    """Open the search page for ``query``, as its form does, and read the results."""
    page.goto(f"{url}search.html?q={quote(query)}")
    page.wait_for_function(FINISHED)
    results: list[dict[str, Any]] = page.evaluate(RESULTS)
    return results


def result_paths(results: list[dict[str, Any]]) -> list[str]:
    return [urlsplit(r["href"]).path for r in results]


@pytest.fixture(scope="module")
def real_kb(site: SiteBuild) -> Knowledge:
    kb, found = load(site.data)
    assert found == []
    return kb


def expected_records(kb: Knowledge, query: str) -> set[tuple[str, str]]:
    holders = finders(kb).get(" ".join(query.split()).lower(), set())
    assert holders, f"no record holds {query!r}"
    return holders


def first_is_one_of(site: SiteBuild, paths: list[str], holders: set[tuple[str, str]]) -> bool:
    return bool(paths) and any(is_record_page(site.html, paths[0], k, i) for k, i in holders)


@pytest.mark.browser
@pytest.mark.parametrize("query", ISSUE_QUERIES + REAL_NAMES)
def test_a_spelling_leads_to_its_record_first(
    page: Any, server: str, site: SiteBuild, real_kb: Knowledge, query: str
) -> None:
    holders = expected_records(real_kb, query)
    paths = result_paths(run_search(page, server, query))
    assert first_is_one_of(site, paths, holders), (query, holders, paths[:3])
    assert len(paths) == len(set(paths)), paths


@pytest.mark.browser
def test_every_name_of_every_record_leads_to_its_page_first(
    page: Any, server: str, site: SiteBuild, real_kb: Knowledge
) -> None:
    """Each name, spelling, acronym and alias of every record, run through the search page's
    own functions (what its form runs, without a page load per query)."""
    names = sorted({name for record in records(real_kb) for name in search_names(record)})
    page.goto(server + "search.html")
    page.wait_for_function("() => Search.hasIndex()")
    found: dict[str, list[str]] = page.evaluate(
        """(queries) => Object.fromEntries(queries.map(q => [q,
            Search._performSearch(...Search._parseQuery(q)).reverse().map(r => r[0])]))""",
        names,
    )
    suffix = ".html"
    wrong, twice = {}, {}
    for name, docnames in found.items():
        paths = [doc + suffix for doc in docnames]
        if not first_is_one_of(site, paths, expected_records(real_kb, name)):
            wrong[name] = paths[:3]
        if len(paths) != len(set(paths)):
            twice[name] = paths
    assert wrong == {}
    assert twice == {}
    assert len(found) == len(names)


def control_words(site: SiteBuild) -> list[str]:
    """The texts of the theme's colour-scheme switch and of the timeline's filters, each as
    a snippet would glue it together."""
    words = []
    for path in sorted(site.html.rglob("*.html")):
        page = BeautifulSoup(path.read_text("utf-8"), "html.parser")
        for control in page.select(".theme-switch-container, select"):
            text = " ".join(control.get_text(" ").split())
            if text and text not in words:
                words.append(text)
            for option in control.select("option")[:1]:
                first = " ".join(option.get_text().split())
                if first not in words:
                    words.append(first)
    assert words, "the built pages have a colour-scheme switch and filters"
    return words


@pytest.mark.browser
@pytest.mark.parametrize("query", ["Tokayev", "MINUSMA", "timeline"])
def test_snippets_are_the_articles_words(
    page: Any, server: str, site: SiteBuild, query: str
) -> None:
    run_search(page, server, query)
    shown = "() => [...document.querySelectorAll('#search-results ul.search > li')].slice(0, 8)"
    page.wait_for_function(f"() => ({shown})().every(li => li.querySelector('.context'))")
    snippets = [r["snippet"] for r in page.evaluate(RESULTS)[:8]]
    assert snippets and all(snippets)
    for word in control_words(site):
        assert not [s for s in snippets if word in " ".join(s.split())], word


@pytest.mark.browser
def test_search_works_from_the_file_system(page: Any, site: SiteBuild, real_kb: Knowledge) -> None:
    """Opened from file:// (the README's promise): results, without snippets, still in order."""
    url = (site.html / "search.html").as_uri()
    page.goto(f"{url}?q={quote('Tokaev')}")
    page.wait_for_function(FINISHED)
    paths = result_paths(page.evaluate(RESULTS))
    assert first_is_one_of(site, paths, expected_records(real_kb, "Tokaev")), paths


SEARCH_CONTROLS = """() => [...document.querySelectorAll(
    '.search-button-field, .search-button__button, form.bd-search')].filter(e =>
    !e.closest('dialog') && !e.closest('.bd-search-container') && e.checkVisibility()).length"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 375])
def test_one_search_entry_point_at_every_width(browser: Any, server: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        run_search(page, server, ISSUE_QUERIES[0])
        assert page.evaluate(SEARCH_CONTROLS) == 1
        page.goto(server + "index.html")
        assert page.evaluate(SEARCH_CONTROLS) == 1
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 375])
def test_the_magnifier_stands_clear_of_the_typed_text(
    browser: Any, server: str, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        run_search(page, server, "Tokaev")
        clear = page.evaluate(
            """() => {
                const form = document.querySelector('.bd-search-container form.bd-search');
                const icon = form.querySelector('.fa-magnifying-glass').getBoundingClientRect();
                const input = form.querySelector('input');
                const text = input.getBoundingClientRect().left
                    + parseFloat(getComputedStyle(input).paddingLeft);
                return [icon.right, text, icon.width];
            }"""
        )
        right, text, icon_width = clear
        assert icon_width > 0 and right <= text, clear
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 375])
def test_the_search_box_of_any_page_opens_the_results(
    browser: Any, server: str, site: SiteBuild, real_kb: Knowledge, width: int
) -> None:
    """Other pages do not load the search index (it grows with the records): their search box
    opens the search page, which does."""
    person = min(real_kb.all("person"), key=lambda r: r.id)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    loaded: list[str] = []
    page.on("request", lambda request: loaded.append(urlsplit(request.url).path))
    try:
        page.goto(server + f"people/{person.id}.html", wait_until="networkidle")
        assert not any(p.endswith(("searchindex.js", "searchtools.js")) for p in loaded)
        page.keyboard.press("Control+k")
        field = page.locator("#pst-search-dialog input[name=q]")
        field.fill(person.name)
        field.press("Enter")
        page.wait_for_url("**/search.html?q=*")
        first = page.locator("#search-results ul.search li a").first
        first.wait_for()
        assert is_record_page(
            site.html, urlsplit(first.get_attribute("href")).path, "person", person.id
        )
    finally:
        context.close()


@pytest.mark.browser
def test_search_words_are_highlighted_on_the_result_followed_only(
    page: Any, server: str, real_kb: Knowledge
) -> None:
    """Sphinx keeps the words of the last search for the next page opened: a page visited
    later, not from the results, must not come up with them highlighted."""
    person = min(real_kb.all("person"), key=lambda r: r.id)
    word = person.display_name.split()[-1]
    run_search(page, server, word)
    page.goto(server + f"people/{person.id}.html")
    assert page.locator(".highlighted").count() == 0
    run_search(page, server, word)
    page.locator("#search-results ul.search li a").first.click()
    page.wait_for_load_state("load")
    page.locator(".highlighted").first.wait_for()


# -- the search index pruned with a set -------------------------------------------------------

# A page of a word no other page holds, built once and then removed from the project.
REMOVED_PAGE = "---\norphan: true\n---\n\n# Removed\n\nQuixotically unrepeated words.\n"


def _index_after_a_page_is_removed(src: Path) -> dict[str, Any]:
    """Build ``src`` with a page of its own, remove the page, build again: the search index."""
    shutil.copytree(ROOTS / "test-basic", src)
    (src / "removed.md").write_text(REMOVED_PAGE, "utf-8")
    build_without_warnings(src)
    (src / "removed.md").unlink()
    out = build_without_warnings(src)
    text = (out / "searchindex.js").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    return loaded


def test_pages_are_iterated_in_their_order_and_looked_up_as_a_set() -> None:
    names = ["b", "c", "a"]
    pages = search._Pages(names)
    assert list(pages) == names
    assert isinstance(pages, frozenset)
    assert "a" in pages and "d" not in pages
    held = {"a", "d"}
    held.intersection_update(pages)
    assert held == {"a"}


def test_the_index_is_pruned_with_a_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build wraps Sphinx's method, which then gets a set at every call: the pages of the
    environment's dictionary (before the index is written) as :class:`search._Pages`."""
    original = getattr(IndexBuilder.prune, "__wrapped__", IndexBuilder.prune)
    given: list[tuple[type, list[str]]] = []

    def spy(self: IndexBuilder, docnames: Iterable[str]) -> None:
        given.append((type(docnames), list(docnames)))
        original(self, docnames)

    monkeypatch.setattr(IndexBuilder, "prune", spy)
    index = _index_after_a_page_is_removed(tmp_path / "src")
    assert getattr(IndexBuilder.prune, "__wrapped__", None) is spy
    assert "removed" not in index["docnames"]
    assert not {"quixot", "unrepeat"} & set(index["terms"])
    assert given
    assert all(issubclass(kind, set | frozenset) for kind, _ in given)
    dumped = [names for kind, names in given if kind is search._Pages]
    # Written by each build: with the page, then without it.
    assert len(dumped) == 2 and all("index" in names for names in dumped)
    assert "removed" in dumped[0] and "removed" not in dumped[1]


def test_the_index_is_the_same_without_the_wrapper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrapped = _index_after_a_page_is_removed(tmp_path / "wrapped")
    with monkeypatch.context() as patch:
        patch.setattr(IndexBuilder, "prune", getattr(IndexBuilder.prune, "__wrapped__", None))
        patch.setattr(search, "_wrap_prune", lambda: None)
        plain = _index_after_a_page_is_removed(tmp_path / "plain")
    assert wrapped == plain
