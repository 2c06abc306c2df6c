"""The cheaper build: a fact's evidence made as nodes by the ``{kb:evidence}`` directive from
JSON (:mod:`peacekb.sphinxext.evidence`), and a record page's sidebar navigation made once
per folder (:mod:`peacekb.sphinxext.wayfinding` and ``theme/sbt-sidebar-nav.html``).

What comes out must be what the slower way made: every fact's quotes, translations, links to
the paragraph and language, the inference, all as text; a located error for bad directive
content; and on every record page the theme's navigation with its own section marked, while
the other pages keep the navigation the theme makes for them. The ``test-basic`` root is
built once with sphinx-book-theme, the ``test-hostile`` root once as the real site is.
"""

from __future__ import annotations

import json
import posixpath
import re
import shutil
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from sphinx.application import Sphinx
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_colors

from conftest import ROOTS, SiteBuild, build_project, edit
from peacekb.knowledge import Knowledge, load
from peacekb.models import RECORD_KINDS, Evidence, Record, Source, iter_models
from peacekb.pages import LANGUAGES
from peacekb.pages import Site as PageSite
from peacekb.urls import TIMELINE, index_doc, record_doc

MARKER = "kbxss"  # what every payload of the hostile root carries
BOOK_THEME = {"html_theme": "sphinx_book_theme"}


def words(text: str) -> str:
    return " ".join(text.split())


# -- the builds ---------------------------------------------------------------------------------


@dataclass
class Site:
    """A built site, its records, and its pages parsed as a browser parses them."""

    html: Path
    kb: Knowledge
    # page -> how many times the theme asked Sphinx for its navigation's table of contents
    toctrees: Counter[str] = field(default_factory=Counter)
    _pages: dict[str, BeautifulSoup] = field(default_factory=dict)

    def page(self, docname: str) -> BeautifulSoup:
        if docname not in self._pages:
            path = self.html / f"{docname}.html"
            self._pages[docname] = BeautifulSoup(path.read_bytes(), "html5lib")
        return self._pages[docname]

    def docnames(self) -> list[str]:
        """Every page built, by document name."""
        return sorted(
            p.relative_to(self.html).with_suffix("").as_posix()
            for p in self.html.rglob("*.html")
            if not p.relative_to(self.html).parts[0].startswith("_")
        )

    def records(self) -> dict[str, Record]:
        """Every record, by the document name of its page."""
        return {
            record_doc(kind, record.id): record
            for kind in RECORD_KINDS
            for record in self.kb.all(kind)
        }

    def target(self, docname: str, href: object) -> tuple[str, str]:
        """The page (document name) and fragment a link on ``docname``'s page points to; the
        link must stay inside the site and lead to a page that was built."""
        assert isinstance(href, str), href
        path, _, fragment = href.partition("#")
        if not path:
            return docname, fragment
        assert "://" not in path and not path.startswith("/"), href
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(docname), path))
        assert not resolved.startswith(".."), href
        assert resolved.endswith(".html"), href
        assert (self.html / resolved).is_file(), f"{href} on {docname} leads nowhere"
        return resolved.removesuffix(".html"), fragment

    def nav(self, docname: str) -> Tag:
        nav = self.page(docname).select_one("nav.bd-docs-nav")
        assert nav is not None, docname
        return nav


def _site(html: Path, data: Path) -> Site:
    kb, problems = load(data)
    assert problems == []
    return Site(html, kb)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The ``test-basic`` root built once with sphinx-book-theme, without a warning, counting
    for each page how often the theme made its navigation (Sphinx's ``toctree`` function of the
    page's context, which the theme's sidebar calls). One fact has a second quote from the
    same source, so that a title counts fewer sources than quotes."""
    src = tmp_path_factory.mktemp("book") / "src"
    shutil.copytree(ROOTS / "test-basic", src)
    quote = "{source: article-one, paragraph: 1, quote: served in the Test Mission in Freedonia}"
    another = "{source: article-one, paragraph: 3, quote: The Test Mission was authorised}"
    edit(src / "data" / "people" / "jane-roe.yaml", quote, f"{quote}\n  - {another}")
    made: Counter[str] = Counter()

    def count(
        app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
    ) -> None:
        toctree = context.get("toctree")
        if callable(toctree):

            def counted(**kwargs: Any) -> Any:
                made[pagename] += 1
                return toctree(**kwargs)

            context["toctree"] = counted

    warning = StringIO()
    app = SphinxTestApp(
        "html", srcdir=src, confoverrides=BOOK_THEME, status=StringIO(), warning=warning
    )
    try:
        app.connect("html-page-context", count, priority=100)  # before the theme's handlers
        app.build()
    finally:
        app.cleanup()  # the next application registers its nodes afresh
    assert strip_colors(warning.getvalue()) == ""
    site = _site(Path(app.outdir), src / "data")
    site.toctrees = made
    return site


@pytest.fixture(scope="module")
def hostile_site(hostile: SiteBuild) -> Site:
    assert hostile.returncode == 0, hostile.stderr
    return _site(hostile.html, hostile.data)


@pytest.fixture(params=["basic", "hostile"])
def book_site(request: pytest.FixtureRequest, built: Site, hostile_site: Site) -> Site:
    """Each of the two book-theme builds in turn."""
    return built if request.param == "basic" else hostile_site


# -- evidence -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    source: str  # the source's id
    paragraph: int
    quote: str
    translation: str | None
    language: str | None  # the blockquote's lang
    language_name: str | None  # named after the links, for a source not in English


# One dropdown: its title and its quotes, in order.
Shown = tuple[str, tuple[Quote, ...]]


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def expected_evidence(kb: Knowledge, record: Record) -> tuple[Counter[Shown], Counter[str]]:
    """The dropdowns and the curator's inferences that ``record``'s page must show, from its
    data."""
    dropdowns: Counter[Shown] = Counter()
    inferences: Counter[str] = Counter()
    for _, model in iter_models(record):
        if not isinstance(model, Evidence):
            continue
        if model.inferred is not None:
            inferences[words(model.inferred)] += 1
        if not model.cite:
            continue
        quotes = []
        for cite in model.cite:
            source = kb.get("source", cite.source)
            assert isinstance(source, Source)
            language = source.language
            quotes.append(
                Quote(
                    cite.source,
                    cite.paragraph,
                    words(cite.quote),
                    words(cite.translation) if cite.translation else None,
                    language,
                    LANGUAGES.get(language, language) if language and language != "en" else None,
                )
            )
        title = (
            f"{_plural(len({c.source for c in model.cite}), 'source')}, "
            f"{_plural(len(model.cite), 'quote')}"
            f"{' · inferred in part' if model.inferred else ''}"
        )
        dropdowns[(title, tuple(quotes))] += 1
    return dropdowns, inferences


def _quote(site: Site, docname: str, box: Tag) -> Quote:
    """One ``div.kb-quote``: the words, their rendering, and where they were found."""
    blockquote = box.find("blockquote", recursive=False)
    assert isinstance(blockquote, Tag), docname
    # the quote is text: nothing in the blockquote but docutils' wrapper and one paragraph
    assert [t.name for t in blockquote.find_all(True)] == ["div", "p"], blockquote
    rendering = box.find_all("p", class_="kb-translation", recursive=False)
    assert len(rendering) <= 1
    translation = None
    if rendering:
        assert rendering[0].find(True) is None, rendering[0]  # text only
        text = words(rendering[0].get_text())
        assert text.startswith("English: "), text
        translation = text.removeprefix("English: ")
    cited = box.find("p", class_="kb-quote-source", recursive=False)
    assert isinstance(cited, Tag), docname
    # the words, their rendering and where they come from; nothing else
    assert len(box.find_all(True, recursive=False)) == 2 + len(rendering), box
    links = cited.find_all("a")
    assert len(links) == 2, cited
    source_doc, fragment = site.target(docname, links[0].get("href"))
    assert fragment == ""
    source_id = posixpath.basename(source_doc)
    assert source_doc == record_doc("source", source_id)
    source = site.kb.get("source", source_id)
    assert isinstance(source, Source), source_doc
    name = words(source.display_name)
    assert words(links[0].get_text()) == name
    assert links[0].get("title") == source.display_name  # an attribute, exactly the text
    paragraph_doc, anchor = site.target(docname, links[1].get("href"))
    assert paragraph_doc == source_doc
    number = re.fullmatch(r"p(\d+)", anchor)
    assert number is not None, anchor
    paragraph = int(number[1])
    assert words(links[1].get_text()) == f"¶{paragraph}"
    # the anchor is that paragraph on the source's page
    held = site.page(source_doc).find(id=anchor)
    assert isinstance(held, Tag), f"#{anchor} is not on {source_doc}"
    assert "kb-paragraph" in held.get_attribute_list("class")
    line = re.fullmatch(rf"{re.escape(name)}, ¶{paragraph}(?: \((.+)\))?", words(cited.get_text()))
    assert line is not None, words(cited.get_text())
    language = blockquote.get("lang")
    assert language is None or isinstance(language, str)
    return Quote(
        source_id,
        paragraph,
        words(blockquote.get_text()),
        translation,
        language,
        line[1],
    )


def shown_evidence(site: Site, docname: str) -> tuple[Counter[Shown], Counter[str]]:
    """The dropdowns and the curator's inferences on a page, read back from its HTML."""
    article = site.page(docname).select_one("article.bd-article")
    assert article is not None, docname
    dropdowns: Counter[Shown] = Counter()
    for details in article.select("details.kb-evidence"):
        assert not details.has_attr("open"), docname  # one click away, not in the way
        summary = details.find("summary", recursive=False)
        assert isinstance(summary, Tag)
        title = words(summary.get_text())
        body = details.select_one("div.sd-summary-content")
        assert body is not None
        boxes = body.find_all("div", class_="kb-quote", recursive=False)
        assert len(boxes) == len(body.find_all(True, recursive=False)), body
        quotes = tuple(_quote(site, docname, box) for box in boxes)
        counted = re.fullmatch(r"(\d+) sources?, (\d+) quotes?( · inferred in part)?", title)
        assert counted is not None, title
        # the title counts what the dropdown holds
        assert int(counted[1]) == len({q.source for q in quotes}), title
        assert int(counted[2]) == len(quotes), title
        if counted[3]:
            after = details.find_next_sibling()
            assert isinstance(after, Tag) and "kb-inferred" in after.get_attribute_list("class")
        dropdowns[(title, quotes)] += 1
    inferences: Counter[str] = Counter()
    for box in article.select("div.kb-inferred"):
        label = box.select("strong")
        assert [words(s.get_text()) for s in label] == ["Curator's inference:"]
        text = words(box.get_text())
        assert text.startswith("Curator's inference: "), text
        inferences[text.removeprefix("Curator's inference: ")] += 1
    return dropdowns, inferences


def _check_every_record_page(site: Site) -> list[Shown]:
    """Every record page shows exactly its record's evidence; returns the dropdowns."""
    shown: list[Shown] = []
    for docname, record in site.records().items():
        expected = expected_evidence(site.kb, record)
        assert shown_evidence(site, docname) == expected, docname
        shown += expected[0].elements()
    return shown


def test_each_record_page_shows_its_facts_evidence(built: Site) -> None:
    """For every record of the basic root, the dropdowns on its page are its facts' citations:
    titles that count the sources and quotes they hold, each quote as the text of a blockquote
    in its source's language, its English rendering, a link to the source's page and one to
    the paragraph's anchor there, the language named for a source not in English; then the
    curator's inferences."""
    shown = _check_every_record_page(built)
    assert shown, "the basic root's facts have quotes"
    # a title that counts two quotes of one source
    assert any(len({q.source for q in quotes}) < len(quotes) for _, quotes in shown)
    # the French quote, as the slower way made it
    person = built.page(record_doc("person", "jane-roe"))
    french = [q for q in person.select("div.kb-quote") if q.select_one("blockquote[lang=fr]")]
    assert french, "jane-roe quotes the French article"
    for box in french:
        cited = box.select_one("p.kb-quote-source")
        assert cited is not None and words(cited.get_text()).endswith(" (French)")
        assert box.select_one("p.kb-translation") is not None
    english = person.select("div.kb-quote:has(blockquote[lang=en]) p.kb-quote-source")
    assert english and not any(words(p.get_text()).endswith(")") for p in english)


# What a dropdown and the inference box are made of; a payload that became markup would add
# an element of another name.
EVIDENCE_ELEMENTS = {"summary", "span", "svg", "path", "div", "blockquote", "p", "a", "strong"}


def test_hostile_quotes_stay_text_in_the_evidence(hostile_site: Site) -> None:
    """The hostile root's quotes, renderings, source titles and inferences hold payloads
    (``<script>``, ``</p>``, quotes that close attributes): each comes out as exactly its text,
    in the place the evidence gives it, and the evidence holds no element of a payload's."""
    assert _check_every_record_page(hostile_site) != []
    quoted = []
    for docname in hostile_site.records():
        page = hostile_site.page(docname)
        for box in page.select("details.kb-evidence, div.kb-inferred"):
            names = {t.name for t in box.find_all(True)}
            assert names <= EVIDENCE_ELEMENTS, (docname, names - EVIDENCE_ELEMENTS)
            for element in box.find_all(True):
                assert not any(a.startswith("on") or MARKER in a for a in element.attrs), element
        quoted += [words(b.get_text()) for b in page.select("div.kb-quote blockquote")]
    # the payloads did reach the quotes, as text
    assert any("</script><kbxss" in q for q in quoted), quoted


# -- bad content is a located error -------------------------------------------------------------

FENCE = "```{kb:evidence}"
GOOD_QUOTE = {"source": "article-one", "paragraph": 1, "quote": "Major Jane Roe"}
BAD_EVIDENCE = {
    "not-json": ('{"title": "1 source, 1 quote", "quotes": [', "content is not JSON"),
    "a-list": (json.dumps([{"title": "1 source, 1 quote"}]), "must be a JSON object"),
    "paragraph-string": (
        json.dumps({"title": "1 source, 1 quote", "quotes": [{**GOOD_QUOTE, "paragraph": "3"}]}),
        "'paragraph' must be a whole number",
    ),
    "paragraph-true": (
        json.dumps({"title": "1 source, 1 quote", "quotes": [{**GOOD_QUOTE, "paragraph": True}]}),
        "'paragraph' must be a whole number",
    ),
    "quote-not-an-object": (
        json.dumps({"title": "1 source, 1 quote", "quotes": ["Major Jane Roe"]}),
        "each quote must be a JSON object",
    ),
    "inferred-not-text": (json.dumps({"title": "", "inferred": 3}), "'inferred' must be a string"),
    "quotes-not-a-list": (json.dumps({"title": "", "quotes": {}}), "'quotes' must be a list"),
    "language-not-a-code": (
        json.dumps({"title": "1 source, 1 quote", "quotes": [{**GOOD_QUOTE, "language": "f r"}]}),
        "not a language code",
    ),
    "nested-too-deeply": ("[" * 10_000 + "]" * 10_000, "content is nested too deeply"),
}
# Record text in every field of hand-written content: text, never markup.
PAYLOAD_EVIDENCE = {
    "title": "1 source, 1 quote <b>kbxss</b>",
    "quotes": [
        {
            "source": "article-fr",
            "paragraph": 1,
            "quote": "<script>kbxss(1)</script>",
            "translation": "</p><kbxss id=t>",
            "language": "fr",
            "language_name": "<i>kbxss</i>",
        }
    ],
    "inferred": "<img src=x onerror=kbxss(2)>",
}


def _page_with_evidence(folder: Path, name: str, content: str) -> int:
    """Write a page holding one ``{kb:evidence}`` block; return the line of its fence."""
    lines = [
        "---",
        "orphan: true",
        "---",
        f"# {name}",
        "",
        "Before the block.",
        "",
        FENCE,
        content,
        "```",
        "",
        "After the block.",
        "",
    ]
    (folder / f"{name}.md").write_text("\n".join(lines), encoding="utf-8")
    return lines.index(FENCE) + 1


def test_bad_evidence_content_is_a_located_error(
    make_app: Callable[..., Any], basic_project: Path
) -> None:
    """Content that is not JSON, not an object, or has a value of the wrong type (a paragraph
    "3" or true, a quote that is not an object, an inference that is not text): one error
    naming the page, the block's line and kb:evidence, and the rest of the page is built.
    Hand-written content holding markup in every field comes out as text."""
    lines = {
        name: _page_with_evidence(basic_project, name, content)
        for name, (content, _) in BAD_EVIDENCE.items()
    }
    _page_with_evidence(basic_project, "hand-written", json.dumps(PAYLOAD_EVIDENCE))
    out, status, warnings = build_project(make_app, basic_project)
    assert "Traceback" not in warnings + status
    located = re.compile(r"^(?P<path>.*?([^/\\]+)\.md):(\d+): (\w+): (.*)$")
    found: dict[str, tuple[Path, int, str, str]] = {}
    for entry in warnings.splitlines():
        match = located.match(entry)
        assert match is not None, f"not located: {entry!r}"
        found[match[2]] = (Path(match["path"]), int(match[3]), match[4], match[5])
    assert sorted(found) == sorted(BAD_EVIDENCE), warnings  # one each, nothing else
    for name, (_, message) in BAD_EVIDENCE.items():
        path, line, level, text = found[name]
        assert path == basic_project / f"{name}.md", path
        assert (line, level) == (lines[name], "ERROR"), (name, line, level)
        assert text.startswith("kb:evidence") and message in text, text
        page = BeautifulSoup((out / f"{name}.html").read_bytes(), "html5lib")
        assert "After the block." in page.get_text(), name
        assert page.select("details.kb-evidence, div.kb-quote, div.kb-inferred") == [], name

    page = BeautifulSoup((out / "hand-written.html").read_bytes(), "html5lib")
    body = page.select_one("div.body")
    assert body is not None
    (quote,) = body.select("div.kb-quote")
    blockquote = quote.select_one("blockquote")
    assert blockquote is not None and blockquote.get("lang") == "fr"
    assert blockquote.get_text().strip() == "<script>kbxss(1)</script>"
    rendering = quote.select_one("p.kb-translation")
    assert rendering is not None and rendering.get_text() == "English: </p><kbxss id=t>"
    cited = quote.select_one("p.kb-quote-source")
    assert cited is not None and words(cited.get_text()).endswith(", ¶1 (<i>kbxss</i>)")
    summary = body.select_one("details.kb-evidence summary")
    assert summary is not None and words(summary.get_text()) == PAYLOAD_EVIDENCE["title"]
    inferred = body.select_one("div.kb-inferred")
    assert inferred is not None
    assert words(inferred.get_text()) == "Curator's inference: <img src=x onerror=kbxss(2)>"
    assert {t.name for t in body.find_all(True)}.isdisjoint({"script", "b", "i", "img", MARKER})


# -- the navigation ------------------------------------------------------------------------------


def _by_folder(site: Site) -> dict[str, list[str]]:
    folders: dict[str, list[str]] = defaultdict(list)
    for docname in site.records():
        folders[posixpath.dirname(docname)].append(docname)
    return folders


def _normalised(site: Site, docname: str) -> str:
    """The page's navigation with each link written as the page and fragment it leads to, and
    without the mark of the section: the same for two pages whose navigation differs only in
    where they stand and in that mark."""
    nav = BeautifulSoup(str(site.nav(docname)), "html.parser")
    for a in nav.find_all("a"):
        page, fragment = site.target(docname, a.get("href"))
        a["href"] = f"{page}#{fragment}"
        del a["aria-current"]
    return str(nav)


def test_a_folders_record_pages_share_one_navigation_made_once(built: Site) -> None:
    """The theme made the navigation for one record page per folder, and every record page of
    the folder has the same; every other page made its own."""
    folders = _by_folder(built)
    assert any(len(pages) > 1 for pages in folders.values()), "a folder with two records"
    for folder, pages in folders.items():
        made = [p for p in pages if built.toctrees[p]]
        assert len(made) == 1, (folder, made)
        assert built.toctrees[made[0]] == 1, made
        assert len({str(built.nav(p)) for p in pages}) == 1, folder
    others = [d for d in built.docnames() if d not in built.records()]
    assert others and [d for d in others if not built.toctrees[d]] == []


def test_each_record_page_marks_its_own_section(book_site: Site) -> None:
    """On every record page exactly one section is current: its kind's index, marked as the
    page's location; pages of different kinds mark different sections, and apart from that
    mark and where it stands, a record page's navigation is its kind index's."""
    site = book_site
    marked: dict[str, set[str]] = defaultdict(set)
    navs: dict[str, set[str]] = defaultdict(set)
    for kind in RECORD_KINDS:
        index = index_doc(kind)
        for record in site.kb.all(kind):
            docname = record_doc(kind, record.id)
            nav = site.nav(docname)
            current = nav.select("li.current")
            assert len(current) == 1, (docname, current)
            assert {"toctree-l1", "current", "active"} <= set(
                current[0].get_attribute_list("class")
            )
            link = current[0].find("a", recursive=False)
            assert isinstance(link, Tag)
            assert link.get("aria-current") == "location", docname
            assert "current" in link.get_attribute_list("class")
            target, _ = site.target(docname, link.get("href"))
            assert target == index, docname
            assert nav.select("[aria-current]") == [link], docname
            assert _without_marks(_normalised(site, docname)) == _without_marks(
                _normalised(site, index)
            ), docname
            marked[kind].add(target)
            navs[kind].add(str(nav))
    assert len(marked) > 1, "records of two kinds"
    # one section for every page of a kind, another for each kind, and so another navigation
    assert all(len(indexes) == 1 for indexes in marked.values()), marked
    assert len({i for indexes in marked.values() for i in indexes}) == len(marked)
    assert len({n for kind_navs in navs.values() for n in kind_navs}) == len(navs)


def test_pages_that_are_not_records_keep_the_themes_navigation(book_site: Site) -> None:
    """A kind's index and the timeline are current as the theme marks a page (a link to
    itself, no location mark); the home page marks nothing; no page but a record's has the
    location mark. The navigation is otherwise that of the record pages."""
    site = book_site
    records = site.records()
    kinds = [kind for kind in RECORD_KINDS if site.kb.all(kind)]
    sample = record_doc(kinds[0], site.kb.all(kinds[0])[0].id)
    for docname in [*(index_doc(kind) for kind in kinds), TIMELINE]:
        nav = site.nav(docname)
        current = nav.select("li.toctree-l1.current > a")
        assert [a.get("href") for a in current] == ["#"], docname
        assert current[0].get("aria-current") is None, docname
    assert site.nav("index").select("li.current") == []
    for docname in site.docnames():
        if docname in records:
            continue
        found = site.page(docname).select_one("nav.bd-docs-nav")
        if found is None:
            continue
        assert found.select("[aria-current=location]") == [], docname
        if any(str(a.get("href")).startswith("/") for a in found.find_all("a")):
            continue  # the "not found" page links from the site's root, wherever it is shown
        # the same entries, leading to the same pages, as on a record page
        assert _without_marks(_normalised(site, docname)) == _without_marks(
            _normalised(site, sample)
        ), docname


def _without_marks(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.select(".current, .active"):
        kept = [c for c in element.get_attribute_list("class") if c not in {"current", "active"}]
        element["class"] = " ".join(kept)
    return str(soup)


# -- kb:fact and kb:record's page metadata -------------------------------------------------------


def test_a_fact_is_its_statement_its_claimant_and_its_evidence(
    make_app: Callable[..., Any], basic_project: Path
) -> None:
    """``{kb:fact}``: the JSON line, then the statement in MyST; bad JSON is a located error
    naming kb:fact, and the rest of the page is built."""
    evidence = {"title": "1 source, 1 quote", "quotes": [GOOD_QUOTE], "inferred": None}
    claimed = {**evidence, "claimed_by": {"kind": "person", "id": "jane-roe"}}
    cases = {
        "fact-claimed": json.dumps(claimed) + "\n\nServed **twice** in {kb:mission}`test-mission`",
        "fact-bad-json": '{"title": \n\nA statement.',
        "fact-bad-claimant": json.dumps({**evidence, "claimed_by": "jane-roe"}) + "\n\nA claim.",
        # The statement's own problems are located on its line (9), as in any paragraph.
        "fact-dangling": json.dumps(evidence) + "\n\nServed in {kb:mission}`no-such-mission`",
        "fact-paragraphs": json.dumps(evidence) + "\n\nA first paragraph.\n\nA *second* one.",
    }
    for name, content in cases.items():
        lines = ["---", "orphan: true", "---", f"# {name}", "", "::::::{kb:fact}", content]
        lines += ["::::::", "", "After the block.", ""]
        (basic_project / f"{name}.md").write_text("\n".join(lines), encoding="utf-8")
    out, status, warnings = build_project(make_app, basic_project)
    assert "Traceback" not in warnings + status
    errors = sorted(line.split(": ", 1)[0].rsplit("/", 1)[-1] for line in warnings.splitlines())
    assert errors == ["fact-bad-claimant.md:6", "fact-bad-json.md:6", "fact-dangling.md:9"], (
        warnings
    )
    assert "unknown operation id 'no-such-mission'" in warnings
    assert "kb:fact content is not JSON" in warnings
    assert "kb:fact: 'claimed_by' must be a JSON object" in warnings

    page = BeautifulSoup((out / "fact-claimed.html").read_bytes(), "html5lib")
    (fact,) = page.select("div.kb-fact")
    parts = [child for child in fact.children if getattr(child, "name", None)]
    assert [p.name for p in parts] == ["p", "p", "details"]
    according, statement, dropdown = parts
    assert "kb-claimed-by" in according["class"]
    assert words(according.get_text()) == "According to Jane Roe:"
    person = according.select_one("a")
    assert person is not None and person["href"] == "people/jane-roe.html"
    assert words(statement.get_text()) == "Served twice in TM"  # the mission's acronym
    assert statement.select_one("strong") is not None
    assert "kb-evidence" in dropdown["class"]
    page = BeautifulSoup((out / "fact-paragraphs.html").read_bytes(), "html5lib")
    (fact,) = page.select("div.kb-fact")
    assert [words(p.get_text()) for p in fact.find_all("p", recursive=False)] == [
        "A first paragraph.",
        "A second one.",
    ]
    assert fact.select_one("p > em") is not None
    for name in ("fact-bad-json", "fact-bad-claimant"):
        page = BeautifulSoup((out / f"{name}.html").read_bytes(), "html5lib")
        assert "After the block." in page.get_text() and not page.select("div.kb-fact")


def test_a_record_page_has_its_description_and_stays_out_of_the_contents(
    book_site: Site,
) -> None:
    """A record page has no front matter: its declaration gives the description meta tag, the
    Open Graph description, and its orphan flag (no "not in any toctree" warning: both builds
    allow none). On the hostile root, each tag's parsed value is the engine's description,
    character for character: the record text in it became no markup."""
    engine = PageSite(book_site.kb)
    for docname, record in book_site.records().items():
        page = book_site.page(docname)
        (description,) = page.select('meta[name="description"]')
        (og,) = page.select('meta[property="og:description"]')
        assert description["content"] == og["content"] != ""
        assert record.display_name in description["content"]
        assert description["content"] == engine.description(record)
        assert page.find(MARKER) is None


# -- links ----------------------------------------------------------------------------------------


def test_a_link_holds_its_id_as_text_until_resolved(
    make_app: Callable[..., Any], basic_project: Path
) -> None:
    """A link without a text of its own holds the id as plain text until it is resolved (the
    resolved link shows the record's name); a link with a text of its own keeps it as code, as
    Sphinx's roles make it; an unknown id is a located warning and shows as plain text."""
    lines = ["---", "orphan: true", "---", "# Links", ""]
    lines += ["Plain {kb:person}`jane-roe`, titled {kb:person}`Her <jane-roe>`.", ""]
    lines += ["Unknown {kb:person}`no-such-person`.", ""]
    (basic_project / "links.md").write_text("\n".join(lines), encoding="utf-8")
    status, warning = StringIO(), StringIO()
    app = make_app("html", srcdir=basic_project, status=status, warning=warning)
    try:
        app.build()
        tree = app.env.get_doctree("links")
    finally:
        app.cleanup()
    pending = {
        n["reftarget"] + (" titled" if n["refexplicit"] else ""): n
        for n in tree.findall(lambda n: n.tagname == "pending_xref")
    }
    assert [type(c).__name__ for c in pending["jane-roe"].children] == ["Text"]
    assert pending["jane-roe"].astext() == "jane-roe"
    assert [type(c).__name__ for c in pending["jane-roe titled"].children] == ["literal"]
    assert [type(c).__name__ for c in pending["no-such-person"].children] == ["Text"]
    warnings = strip_colors(warning.getvalue())
    assert "links.md:8: WARNING: unknown person id 'no-such-person'" in warnings, warnings

    page = BeautifulSoup((Path(app.outdir) / "links.html").read_bytes(), "html5lib")
    plain, titled = page.select("section a.reference")
    assert plain["href"] == titled["href"] == "people/jane-roe.html"
    assert plain.select_one("span.kb-ref-person") is not None and plain.get_text() == "Jane Roe"
    code = titled.select_one("code")
    assert code is not None and code.get_text() == "Her"
    unknown = next(p for p in page.select("section p") if "Unknown" in p.get_text())
    assert words(unknown.get_text()) == "Unknown no-such-person."
    assert unknown.select("a, code") == []
