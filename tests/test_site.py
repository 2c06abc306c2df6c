"""The real site, built from the repository's docs/ and data/: what a reader finds on it."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from conftest import REPO, SiteBuild, build_site, tree_digest
from peacekb.knowledge import Knowledge, load
from peacekb.models import RECORD_KINDS, iter_citations
from peacekb.pages import precision_label
from peacekb.urls import segment

KIND_FOLDERS = [segment(kind) for kind in RECORD_KINDS]


@cache
def kb_at(data: Path) -> Knowledge:
    """The records a site was built from, which expected numbers and dates are derived from."""
    kb, problems = load(data)
    assert problems == []
    return kb


@cache
def _read(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def page(site: SiteBuild, rel: str) -> BeautifulSoup:
    path = site.html / rel
    assert path.is_file(), rel
    return _read(path)


def article(site: SiteBuild, rel: str) -> Tag:
    main = page(site, rel).select_one("article.bd-article")
    assert main is not None
    return main


def text(site: SiteBuild, rel: str) -> str:
    return " ".join(article(site, rel).get_text(" ").split())


def links(site: SiteBuild, rel: str) -> list[str]:
    return [str(a.get("href")) for a in article(site, rel).select("a.reference.internal")]


def test_build_succeeds_without_warnings(site: SiteBuild) -> None:
    assert site.returncode == 0, site.stderr
    assert "WARNING" not in site.stderr and "ERROR" not in site.stderr, site.stderr


def test_the_build_writes_nothing_under_data(site: SiteBuild) -> None:
    assert tree_digest(site.data) == site.data_before


def test_every_record_has_a_page(site: SiteBuild) -> None:
    for kind, cls in RECORD_KINDS.items():
        ids = sorted(p.stem for p in (site.data / cls.plural).glob("*.yaml"))
        assert ids, kind
        folder = segment(kind)
        for rid in ids:
            assert (site.html / folder / f"{rid}.html").is_file(), (folder, rid)
        listing = links(site, f"{folder}/index.html")
        for rid in ids:
            assert any(h.endswith(f"{rid}.html") for h in listing), (folder, rid)


def test_home_shows_counts_and_entry_points(site: SiteBuild) -> None:
    home = text(site, "index.html")
    for kind, n in kb_at(site.data).counts().items():
        assert f"{n} {RECORD_KINDS[kind].title_plural.lower()}" in home
    hrefs = links(site, "index.html")
    assert "timeline.html" in hrefs
    assert "operations/index.html" in hrefs
    # hand-written pages link to records through the kb roles
    assert "people/ermek-tulesov.html" in hrefs
    assert "operations/undof.html" in hrefs


@pytest.mark.parametrize(
    ("mission", "facts"),
    [
        (
            "minusca",
            [
                "10 April 2014",
                "United Nations Security Council",
                "Central African Republic",
                "4 Kazakh servicemen",
                "Aybar Aktureev",
                "Arman Bekbaev",
            ],
        ),
        (
            "minusma",
            ["25 April 2013", "309 peacekeepers", "15,000", "Ermek Tulesov", "31 December 2023"],
        ),
        ("minurso", ["Western Sahara", "29 April 1991"]),
        ("unifil", ["Lebanon"]),
        ("monusco", ["Democratic Republic of the Congo"]),
        ("undof", ["Golan Heights", "first independent peacekeeping contingent"]),
        ("unmin", ["Nepal", "15 January 2011"]),
        ("unoci", ["Côte d’Ivoire", "Ivory Coast"]),
        (
            "csto-kazakhstan-2022",
            [
                "Collective Security Treaty Organization",
                "Belarus",
                "Andrei Serdyukov",
                "6 January 2022",
            ],
        ),
    ],
)
def test_operation_pages(site: SiteBuild, mission: str, facts: list[str]) -> None:
    body = text(site, f"operations/{mission}.html")
    for fact in facts:
        assert fact in body, (mission, fact)


def test_succession_is_linked_both_ways(site: SiteBuild) -> None:
    aktureev = "people/aybar-aktureev.html"
    assert "succeeded Arman Bekbaev" in text(site, aktureev)
    assert "arman-bekbaev.html" in links(site, aktureev)
    bekbaev = "people/arman-bekbaev.html"
    assert "Succeeded by" in text(site, bekbaev)
    assert "aybar-aktureev.html" in links(site, bekbaev)


@pytest.mark.parametrize(
    ("person", "facts"),
    [
        ("aybar-aktureev", ["Lieutenant Colonel", "MINUSCA"]),
        ("arman-bekbaev", ["Major", "MINUSCA"]),
        (
            "ermek-tulesov",
            [
                "Senior Officer and Instructor",
                "MINURSO",
                "MINUSMA",
                "We collected and analyzed information",
                "E. Tulesov",
            ],
        ),
        (
            "bauyrzhan-nigmetullin",
            ["Colonel", "Head of the Peace Operations Center", "We can combine our efforts"],
        ),
        ("herbert-lorat", ["Department of Peacekeeping Operations"]),
        ("kassym-jomart-tokayev", ["President of Kazakhstan", "16 May 2024", "inferred"]),
        ("mukhamedzhan-talasov", ["Deputy Minister of Defence", "les bandits"]),
        ("andrei-serdyukov", ["Colonel General", "Commander of the Russian Airborne Forces"]),
    ],
)
def test_person_pages(site: SiteBuild, person: str, facts: list[str]) -> None:
    body = text(site, f"people/{person}.html")
    for fact in facts:
        assert fact in body, (person, fact)


def test_one_event_told_by_two_articles_is_one_event(site: SiteBuild) -> None:
    rel = "events/central-asia-peacekeeping-round-table.html"
    hrefs = links(site, rel)
    assert any("central-asia-peace-operations-forum.html" in h for h in hrefs)
    assert any("central-asia-peacekeeping-round-table-almaty.html" in h for h in hrefs)
    body = text(site, rel)
    assert "Reported by 2 sources" in body
    assert "circa 29 May 2024" in body and "approximate" in body
    both = {"central-asia-peace-operations-forum", "central-asia-peacekeeping-round-table-almaty"}
    telling_both = [
        e.id
        for e in kb_at(site.data).all("event")
        if both <= {c.source for _, c in iter_citations(e)}
    ]
    assert telling_both == ["central-asia-peacekeeping-round-table"]


def test_every_fact_shows_its_words_or_its_inference(site: SiteBuild) -> None:
    checked = 0
    for path in sorted(p for f in KIND_FOLDERS for p in (site.html / f).glob("*.html")):
        main = _read(path).select_one("article.bd-article")
        assert main is not None
        for fact in main.select("div.kb-fact"):
            evidence = fact.select("details.kb-evidence blockquote")
            inferred = fact.select("div.kb-inferred")
            undated = fact.select("p.kb-undated")
            assert evidence or inferred or undated, (path.name, fact.get_text(" ")[:80])
            checked += 1
    assert checked > 200


def test_french_quotes_carry_a_translation(site: SiteBuild) -> None:
    body = article(site, "people/mukhamedzhan-talasov.html")
    words = " ".join(d.get_text(" ") for d in body.select("details.kb-evidence"))
    assert "Merci, grâce à votre arrivée" in words
    assert "English: " in words and "Thank you" in words


def test_timeline_is_chronological_with_precision(site: SiteBuild) -> None:
    rel = "timeline.html"
    kb = kb_at(site.data)
    years = [h.get_text().strip("#¶ ") for h in article(site, rel).select("h2")]
    expected = sorted({str(e.date.year) for e in kb.timeline()})
    assert years == expected + (["Undated"] if kb.undated_events() else [])
    entries = [
        " ".join(e.get_text(" ").split()) for e in article(site, rel).select(".kb-timeline-entry")
    ]
    first = kb.timeline()[0]
    assert entries[0].startswith(first.date.human())
    assert "exact day" not in entries[0]  # an exact day needs no badge; others have theirs
    if first.date.precision != "day" or first.date.qualifier:
        assert precision_label(first.date) in entries[0]
    assert any(e.startswith("January 2022 month known inferred") for e in entries)
    assert any(e.startswith("before 31 October 2023") for e in entries)
    assert any("circa 29 May 2024" in e for e in entries)
    assert sum("Aktureev replaces Bekbaev" in e for e in entries) == 1
    # every dated entry links to its event and its sources
    for entry in article(site, rel).select(".kb-timeline-entry"):
        hrefs = [a["href"] for a in entry.select("a")]
        assert any(str(h).startswith("events/") for h in hrefs)
        assert any(str(h).startswith("sources/") for h in hrefs)


def test_source_pages_show_metadata_text_and_facts(site: SiteBuild) -> None:
    rel = "sources/kazakh-peacekeepers-return-from-mali.html"
    body = text(site, rel)
    assert "31 October 2023" in body
    assert "Source: Centre of Peacekeeping Operations of MoD RK" in body
    assert "Sarbaz.kz" in body
    main = article(site, rel)
    words = " ".join(p.get_text(" ") for p in main.select(".kb-paragraph"))
    assert "Two military personnel" in words
    assert "451.27" not in words and "Editorial" not in words  # page furniture is gone
    for n in range(0, 10):
        assert main.find(id=f"p{n}") is not None, n
    assert "Facts drawn from this source" in body
    csto = text(site, "sources/csto-withdrawal-from-kazakhstan.html")
    assert "Machine translation" in csto and "Indonesian" in csto
    assert "title written by the curator" in csto
    csto_words = " ".join(
        p.get_text(" ")
        for p in article(site, "sources/csto-withdrawal-from-kazakhstan.html").select(
            ".kb-paragraph"
        )
    )
    assert "Partager" not in csto_words and "pasukan rusia" not in csto_words
    assert "DigitalSiber" not in csto_words


def test_citations_link_to_the_paragraph(site: SiteBuild) -> None:
    hrefs = links(site, "operations/minusma.html")
    assert any(h.endswith("sources/kazakh-peacekeepers-return-from-mali.html#p4") for h in hrefs)


def test_numbers_from_the_articles(site: SiteBuild) -> None:
    airlift = text(site, "contingents/csto-airlift-kazakhstan.html")
    assert "70 Il-76 transport aircraft" in airlift and "5 An-124 transport aircraft" in airlift
    minusma = text(site, "contingents/kazakhstan-minusma.html")
    assert "2 military personnel" in minusma
    russia = text(site, "contingents/russia-csto-kazakhstan.html")
    for unit in ["45th Special Forces Brigade", "98th Airborne Division", "31st Separate Airborne"]:
        assert unit in russia


def test_entities_are_in_the_general_index(site: SiteBuild) -> None:
    index = " ".join(page(site, "genindex.html").get_text(" ").split())
    for entry in [
        "Aktureev, Aybar (person)",
        "MINUSCA — United Nations",
        "Almaty (place)",
        "Collective Security Treaty Organization (organisation)",
    ]:
        assert entry in index


def test_entity_pages_are_not_hung_in_the_sidebar(site: SiteBuild) -> None:
    nav = page(site, "people/aybar-aktureev.html").select("nav.bd-docs-nav a")
    hrefs = [str(a.get("href")) for a in nav]
    # the home page and the entries of its toctree, nothing more
    index = (REPO / "docs" / "index.md").read_text(encoding="utf-8")
    toctree = index[index.index("```{toctree}") :].split("```")[1]
    entries = [line for line in toctree.splitlines()[1:] if line and not line.startswith(":")]
    assert len(hrefs) == len(entries) + 1, hrefs
    entity = re.compile(rf"({'|'.join(KIND_FOLDERS)})/(?!index)")
    assert not [h for h in hrefs if entity.search(h)]


def test_linked_from_lists_the_pages_that_link_here(site: SiteBuild) -> None:
    main = article(site, "organizations/kazcent.html")
    section = main.find(id="linked-from")
    assert section is not None
    mentioned = section.get_text(" ")
    assert "Bauyrzhan Nigmetullin" in mentioned and "Ermek Tulesov" in mentioned


def test_contingents_from_a_place_are_those_of_its_country(site: SiteBuild) -> None:
    kb = kb_at(site.data)
    for place in kb.all("place"):
        main = article(site, f"places/{place.id}.html")
        section = main.find(id="contingents-from-here")
        links = section.select("a.reference.internal") if section else []
        listed = {a["href"].rsplit("/", 1)[-1] for a in links if ".html" in a["href"]}
        expected = {
            f"{c.id}.html" for c in kb.all("contingent") if getattr(c, "country", None) == place.id
        }
        assert listed == expected, place.id


def test_the_operations_index_marks_the_curators_dates(site: SiteBuild) -> None:
    kb = kb_at(site.data)
    rows = {}
    for row in article(site, "operations/index.html").select("table tbody tr"):
        cells = row.select("td")
        link = cells[0].select_one("a")
        if link is not None:
            rows[str(link["href"]).rsplit("/", 1)[-1].removesuffix(".html")] = cells
    for mission in kb.all("mission"):
        for cell, fact in (
            (rows[mission.id][3], mission.authorized),
            (rows[mission.id][4], mission.ended),
        ):
            if fact is None:
                continue
            words = cell.get_text(" ", strip=True)
            mark = "(curator's)" if fact.inferred and not fact.cite else "(inferred in part)"
            assert (mark in words) == bool(fact.inferred), (mission.id, words)


# -- the same checks on a knowledge base that has grown ------------------------------------

# One record of every kind more, as a curator would add them from a new article: an operation
# older than any other, so that the timeline starts elsewhere; a person, an organisation, a
# place, a contingent and an event, all citing the new source.
GROWN = {
    "sources/grown-article.yaml": """\
id: grown-article
title: An older operation in Sylvania
title_en: An older operation in Sylvania
title_by_curator: true
language: en
published: "1991-06-01"
paragraphs:
- The Sylvania Observer Group was set up on 2 March 1990 by the Sylvanian Council.
- Colonel Ada Example led its first team of observers, 12 officers, in Sylvania.
""",
    "places/sylvania.yaml": """\
id: sylvania
name: Sylvania
type: country
coordinates: {lat: 45.5, lon: 25.5}
""",
    "organizations/sylvanian-council.yaml": """\
id: sylvanian-council
name: Sylvanian Council
type: government
country: sylvania
""",
    "missions/sylvania-observer-group.yaml": """\
id: sylvania-observer-group
acronym: SOG
name_en: Sylvania Observer Group
type: un-political-mission
authorized:
  date: "1990-03-02"
  by: sylvanian-council
  cite:
  - {source: grown-article, paragraph: 1, quote: set up on 2 March 1990 by the Sylvanian Council}
host: [sylvania]
""",
    "people/ada-example.yaml": """\
id: ada-example
name: Ada Example
sort_name: Example, Ada
posts:
- title: Head of the first team of observers
  rank: Colonel
  mission: sylvania-observer-group
  cite:
  - {source: grown-article, paragraph: 2, quote: Colonel Ada Example led its first team}
""",
    "contingents/sylvania-observers.yaml": """\
id: sylvania-observers
name: Observers in the Sylvania Observer Group
country: sylvania
mission: sylvania-observer-group
members: [ada-example]
strength:
- value: 12
  what: officers
  cite:
  - {source: grown-article, paragraph: 2, quote: 12 officers}
""",
    "events/sylvania-observer-group-set-up.yaml": """\
id: sylvania-observer-group-set-up
title: The Sylvania Observer Group is set up
type: establishment
occurred:
  date: "1990-03-02"
  cite:
  - {source: grown-article, paragraph: 1, quote: set up on 2 March 1990}
places: [sylvania]
missions: [sylvania-observer-group]
statements:
- text: The Sylvanian Council set up the Sylvania Observer Group.
  cite:
  - {source: grown-article, paragraph: 1, quote: The Sylvania Observer Group was set up}
""",
}


def _grow(data: Path) -> None:
    for rel, text in GROWN.items():
        (data / rel).write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    return build_site(tmp_path_factory.mktemp("grown"), prepare=_grow)


def _site_checks() -> list[Callable[[SiteBuild], None]]:
    """Every check of this module that takes nothing but the built site."""
    return [
        f
        for name, f in sorted(globals().items())
        if name.startswith("test_") and list(inspect.signature(f).parameters) == ["site"]
    ]


def test_the_grown_base_holds_a_record_of_every_kind_more(grown: SiteBuild) -> None:
    real, more = kb_at(REPO / "data").counts(), kb_at(grown.data).counts()
    assert {kind: more[kind] - real[kind] for kind in RECORD_KINDS} == dict.fromkeys(
        RECORD_KINDS, 1
    )


@pytest.mark.parametrize("check", _site_checks(), ids=lambda f: f.__name__)
def test_a_grown_base_passes_the_real_site_checks(
    grown: SiteBuild, check: Callable[[SiteBuild], None]
) -> None:
    check(grown)
