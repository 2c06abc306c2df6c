"""Addresses: one helper makes every link the engine writes, and a site built with the ``html``
or the ``dirhtml`` builder has no link that leads nowhere."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from defusedxml.ElementTree import fromstring as parse_xml

from conftest import ROOTS, SiteBuild, sphinx_build
from peacekb.knowledge import load
from peacekb.models import RECORD_KINDS
from peacekb.urls import Links, index_doc, record_doc, segment, style_of

# -- the helper ------------------------------------------------------------------------------


def test_record_pages_have_short_addresses() -> None:
    assert record_doc("person", "jane-roe") == "people/jane-roe"
    assert record_doc("mission", "minusca") == "operations/minusca"
    assert index_doc("mission") == "operations/index"
    assert all(not segment(kind).startswith("_") for kind in RECORD_KINDS)
    assert len({segment(kind) for kind in RECORD_KINDS}) == len(RECORD_KINDS)


@pytest.mark.parametrize(
    ("style", "from_doc", "to_doc", "expected"),
    [
        ("html", "timeline", "operations/minusca", "operations/minusca.html"),
        ("html", "people/jane-roe", "operations/minusca", "../operations/minusca.html"),
        ("html", "people/jane-roe", "people/index", "index.html"),
        ("html", "people/jane-roe", "people/jane-roe", "jane-roe.html"),
        ("html", "index", "people/index", "people/index.html"),
        ("dirhtml", "timeline", "operations/minusca", "../operations/minusca/"),
        ("dirhtml", "people/jane-roe", "operations/minusca", "../../operations/minusca/"),
        ("dirhtml", "people/jane-roe", "people/index", "../"),
        ("dirhtml", "index", "people/index", "people/"),
        ("dirhtml", "people/index", "index", "../"),
        ("dirhtml", "index", "index", "./"),
    ],
)
def test_links_between_pages(style: str, from_doc: str, to_doc: str, expected: str) -> None:
    links = Links(style_of(style))
    assert links.relative(from_doc, to_doc) == expected
    # the link leads where the builder puts the page
    base = "https://x.test/" + links.target(from_doc)
    assert urljoin(base, expected) == "https://x.test/" + links.target(to_doc)


def test_absolute_addresses_and_files() -> None:
    html, folders = Links("html", "https://x.test/kb/"), Links("dirhtml", "https://x.test/kb/")
    assert html.absolute_record("mission", "minusca", "mission") == (
        "https://x.test/kb/operations/minusca.html#mission"
    )
    assert folders.absolute_record("mission", "minusca") == "https://x.test/kb/operations/minusca/"
    assert html.file("data", "downloads/kb.json") == "downloads/kb.json"
    assert folders.file("data", "downloads/kb.json") == "../downloads/kb.json"
    assert html.record("people/jane-roe", "event", "e", "p2") == "../events/e.html#p2"


# -- both builders, every link -------------------------------------------------------------

BASE = "https://example.org/site/"  # the hostile root's html_baseurl
LINKED = {"a": "href", "link": "href", "img": "src", "script": "src", "source": "src"}


def _built(tmp_path_factory: pytest.TempPathFactory, builder: str) -> SiteBuild:
    work = tmp_path_factory.mktemp(builder)
    shutil.copytree(ROOTS / "test-hostile", work / "docs")
    html = work / "docs" / "_build" / builder
    proc = sphinx_build(work / "docs", html, "-b", builder)
    assert proc.returncode == 0, proc.stderr
    return SiteBuild(work / "docs", html, work / "docs" / "data", 0, proc.stdout, proc.stderr, {})


@pytest.fixture(scope="module", params=["html", "dirhtml"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    return _built(tmp_path_factory, request.param)


def _url_of(site: SiteBuild, path: Path) -> str:
    rel = path.relative_to(site.html).as_posix()
    return BASE + (rel.removesuffix("index.html") if site.html.name == "dirhtml" else rel)


def _file_of(site: SiteBuild, url: str) -> Path | None:
    """The built file a same-site address leads to; None for another site's address."""
    if not url.startswith(BASE):
        return None
    path = unquote(urlsplit(url).path).removeprefix(urlsplit(BASE).path)
    target = site.html / path
    return target / "index.html" if path == "" or path.endswith("/") else target


def _ids(path: Path, cache: dict[Path, set[str]]) -> set[str]:
    if path not in cache:
        page = BeautifulSoup(path.read_bytes(), "html5lib")
        cache[path] = {str(e["id"]) for e in page.find_all(id=True)}
    return cache[path]


def test_every_internal_link_resolves(built: SiteBuild) -> None:
    pages = [p for p in sorted(built.html.rglob("*.html")) if "_static" not in p.parts]
    ids: dict[Path, set[str]] = {}
    broken: list[tuple[str, str]] = []
    checked = 0
    for page in pages:
        here = _url_of(built, page)
        soup = BeautifulSoup(page.read_bytes(), "html5lib")
        for element in soup.find_all(True):
            value = element.get(LINKED.get(element.name, "")) or element.get("xlink:href")
            if element.name == "a" and element.get("href"):
                value = element["href"]
            if not value or str(value).startswith(("mailto:", "data:")):
                continue
            url = urljoin(here, str(value))
            target = _file_of(built, url)
            if target is None:
                continue
            checked += 1
            if not target.is_file():
                broken.append((page.relative_to(built.html).as_posix(), str(value)))
                continue
            fragment = urlsplit(url).fragment
            if fragment and target.suffix == ".html" and unquote(fragment) not in _ids(target, ids):
                broken.append((page.relative_to(built.html).as_posix(), str(value)))
    assert broken == []
    assert checked > 100


def test_record_addresses_follow_the_builder(built: SiteBuild) -> None:
    links = Links(style_of(built.html.name), BASE)
    kb, problems = load(built.data)
    assert problems == []
    sitemap = parse_xml((built.html / "sitemap.xml").read_bytes())
    located = {e.text for e in sitemap.iter() if e.tag.endswith("loc")}
    for kind in RECORD_KINDS:
        for record in kb.all(kind):
            url = links.absolute_record(kind, record.id)
            page = _file_of(built, url)
            assert page is not None and page.is_file(), url
            assert "_generated" not in url
            assert url in located
            soup = BeautifulSoup(page.read_bytes(), "html5lib")
            data = json.loads(soup.select_one('script[type="application/ld+json"]').string)
            assert data["url"] == url
            canonical = soup.select_one('link[rel="canonical"]')
            assert canonical is not None and canonical["href"] == url
    for name in ("events.atom", "peacekb.json"):
        download = built.html / "downloads" / name
        assert download.is_file()
    feed = (built.html / "downloads" / "events.atom").read_text("utf-8")
    assert links.absolute_file("downloads/events.atom") in feed
