"""Attributed claims, disagreements between sources and uncertain dates, as a reader sees them:
built from the ``test-basic`` root with the records each test adds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bs4 import Tag

from conftest import PRECISION_LABELS, edit, parse_page

page = parse_page


def text(element: Tag | None) -> str:
    assert element is not None
    return " ".join(element.get_text(" ").split())


def inline(element: Tag | None) -> str:
    """The text of an element whose children run on one line."""
    assert element is not None
    return " ".join(element.get_text().split())


def test_an_attributed_statement_says_who_claims_it(
    build_generated: Callable[[], Path], basic_project: Path
) -> None:
    edit(
        basic_project / "data" / "people" / "jane-roe.yaml",
        "- text: She served in Freedonia.\n",
        "- text: She served in Freedonia.\n  claimed_by: test-council\n",
    )
    out = build_generated()
    person = page(out, "people/jane-roe.html")
    fact = next(f for f in person.select("div.kb-fact") if "She served in Freedonia" in text(f))
    claimed = fact.select_one(".kb-claimed-by")
    assert inline(claimed) == "According to Test Council:"
    link = claimed.find("a") if claimed else None
    assert isinstance(link, Tag) and str(link["href"]).endswith("organizations/test-council.html")
    # the claimant's text comes before the claim
    assert text(fact).index("According to") < text(fact).index("She served")
    # an unattributed fact says nothing of the kind
    assert len(person.select("div.kb-fact .kb-claimed-by")) == 1


DISAGREEMENT = """disagreements:
- about: where Jane Roe served
  claims:
  - text: Jane Roe served in the Test Mission.
    cite:
    - {source: article-one, paragraph: 1, quote: Major Jane Roe served in the Test Mission}
  - text: Jane Roe served in Freedonia.
    claimed_by: article-fr
    cite:
    - source: article-fr
      paragraph: 1
      quote: a servi en Freedonie
      translation: served in Freedonia
  reading: Both can be true if the mission was in Freedonia; read together.
  also_about: [jane-roe]
"""


def test_a_disagreement_between_two_sources(
    build_generated: Callable[[], Path], basic_project: Path
) -> None:
    mission = basic_project / "data" / "missions" / "test-mission.yaml"
    mission.write_text(mission.read_text("utf-8") + DISAGREEMENT, "utf-8")
    out = build_generated()

    # on the record that holds it: both claims with their own evidence, and the reading
    body = page(out, "operations/test-mission.html")
    section = next(s for s in body.select("section") if "Sources disagree" in text(s.h2))
    assert text(section.h2).startswith("Sources disagree: where Jane Roe served")
    claims = section.select("div.kb-fact")
    assert len(claims) == 2
    assert "Major Jane Roe served in the Test Mission" in text(claims[0])
    assert "a servi en Freedonie" in text(claims[1]) and "served in Freedonia" in text(claims[1])
    assert inline(claims[1].select_one(".kb-claimed-by")) == "According to An article:"
    assert "How this site reads it: Both can be true" in text(section.select_one(".kb-reading"))

    # a note at the top of every page the disagreement concerns, linking to its entry
    for name, label in (
        ("operations/test-mission.html", "uncertain-mission-test-mission"),
        ("people/jane-roe.html", "uncertain-person-jane-roe"),
    ):
        note = page(out, name).select_one(".kb-uncertainty-note")
        assert note is not None, name
        assert "1 disagreement between sources" in text(note)
        link = note.find("a")
        assert isinstance(link, Tag) and str(link["href"]).endswith(f"uncertainty.html#{label}")

    # the Disagreements and uncertainties page lists it in full
    listing = page(out, "uncertainty.html")
    entry = next(s for s in listing.select("section") if "where Jane Roe served" in text(s.h3))
    assert len(entry.select("div.kb-fact")) == 2
    assert "How this site reads it" in text(entry)
    assert listing.find(id="uncertain-person-jane-roe") is not None


EVENT = """id: {id}
title: Event dated {date}
type: meeting
occurred:
  date: "{date}"
  inferred: Dated for the test.
statements:
- text: Something happened.
  inferred: Stated for the test.
"""


def test_precision_labels_for_every_combination(
    build_generated: Callable[[], Path], basic_project: Path
) -> None:
    events = basic_project / "data" / "events"
    ids = {}
    for n, date in enumerate(PRECISION_LABELS):
        ids[date] = f"dated-{n}"
        (events / f"dated-{n}.yaml").write_text(EVENT.format(id=f"dated-{n}", date=date), "utf-8")
    out = build_generated()
    for date, label in PRECISION_LABELS.items():
        event = page(out, f"events/{ids[date]}.html")
        fact = event.select_one("div.kb-fact")
        badges = [text(b) for b in fact.select(".sd-badge")] if fact else []
        # an exact day needs no badge; every other date shows its own label and no other
        expected = [] if label == "exact day" else [label]
        assert [b for b in badges if b in PRECISION_LABELS.values()] == expected, (date, badges)
        # a qualified date is listed among the uncertainties, an exact one is not
        note = event.select_one(".kb-uncertainty-note")
        assert note is not None
        assert ("known only approximately or as a bound" in text(note)) == (" " in date), date


def test_a_source_page_lists_the_paragraphs_no_record_cites(
    build_generated: Callable[[], Path],
) -> None:
    out = build_generated()
    section = page(out, "sources/article-one.html").find(id="paragraphs-no-record-cites")
    assert isinstance(section, Tag)
    assert "3 of 5 paragraphs (the headline included) are cited" in text(section)
    links = [str(a["href"]) for a in section.select("li a")]
    assert [h.rsplit("#", 1)[1] for h in links] == ["p0", "p2"]
    assert "(heading)" in text(section) and "(headline)" in text(section)


def test_the_uncertainty_page_names_records_not_ids(build_generated: Callable[[], Path]) -> None:
    listing = page(build_generated(), "uncertainty.html")
    line = next(li for li in listing.select("li") if "incoming officer" in li.get_text())
    assert "participant: Jane Roe (incoming officer)" in text(line)
    assert "jane-roe" not in text(line)


def test_an_inferred_date_is_listed_once_with_its_reason(
    build_generated: Callable[[], Path], basic_project: Path
) -> None:
    events = basic_project / "data" / "events"
    (events / "dated-0.yaml").write_text(EVENT.format(id="dated-0", date="circa 2019-06"), "utf-8")
    entry = page(build_generated(), "uncertainty.html").find(id="uncertain-event-dated-0")
    assert isinstance(entry, Tag)
    items = entry.find_next("ul")
    assert isinstance(items, Tag)
    lines = [text(li) for li in items.find_all("li", recursive=False)]
    dated = [line for line in lines if "June 2019" in line]
    assert dated == ["Inferred: date: circa June 2019 approximate month — why: Dated for the test."]
