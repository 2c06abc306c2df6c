"""The answer on top of every entity page: a lead sentence and a summary box of key facts,
each row linking to the section that shows its evidence. Built from the ``test-basic`` root."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bs4 import BeautifulSoup, Tag

from conftest import edit, parse_page

page = parse_page


def flat(element: Tag | None) -> str:
    assert element is not None
    return " ".join(element.get_text(" ").split()).replace(" ,", ",").replace(" .", ".")


def box(soup: BeautifulSoup) -> dict[str, Tag]:
    rows = {}
    for row in soup.select(".kb-infobox tr"):
        cells = row.find_all("td")
        if len(cells) == 2:
            rows[flat(cells[0])] = cells[1]
    return rows


def test_a_person_page_opens_with_the_latest_post(build_generated: Callable[[], Path]) -> None:
    person = page(build_generated(), "people/jane-roe.html")
    lead = person.select_one(".kb-lead")
    assert flat(lead) == (
        "Jane Roe (Major): Staff officer in TM, May 2020 to 2021, the latest post the sources give."
    )
    rows = box(person)
    assert flat(rows["Rank"]) == "Major" and flat(rows["Post"]) == "Staff officer"
    assert flat(rows["Operations"]) == "TM (May 2020 to 2021)"
    # the lead and the box come before the first section, and each row links to its evidence
    body = str(person.select_one("article") or person)
    assert body.index("kb-infobox") < body.index('id="posts-and-ranks"')
    label = person.select_one(".kb-infobox tr td a")
    assert isinstance(label, Tag) and label["href"] == "#posts-and-ranks"


def test_a_post_the_curator_inferred_is_not_given_as_the_sources(
    build_generated: Callable[[], Path], basic_project: Path
) -> None:
    edit(
        basic_project / "data" / "people" / "jane-roe.yaml",
        "    quote: Major Jane Roe served in the Test Mission\n",
        "    quote: Major Jane Roe served in the Test Mission\n"
        "  inferred: The title is the curator's.\n",
    )
    lead = flat(page(build_generated(), "people/jane-roe.html").select_one(".kb-lead"))
    assert lead.endswith("the latest post the records hold, inferred in part by the curator.")
    assert "the sources give" not in lead


def test_an_operation_says_ongoing_when_no_end_is_recorded(
    build_generated: Callable[[], Path], basic_project: Path
) -> None:
    out = build_generated()
    mission = page(out, "operations/test-mission.html")
    assert "The records give its end as 2021." in flat(mission.select_one(".kb-lead"))
    assert flat(box(mission)["Dates"]) == "1 May 2020 to 2021"
    text = (basic_project / "data" / "missions" / "test-mission.yaml").read_text("utf-8")
    ended = text[text.index("ended:") :]
    (basic_project / "data" / "missions" / "test-mission.yaml").write_text(
        text.replace(ended, ""), "utf-8"
    )
    mission = page(build_generated(), "operations/test-mission.html")
    assert flat(box(mission)["Dates"]) == "from 1 May 2020, ongoing"
    assert "ongoing as far as the sources say" in flat(mission.select_one(".kb-lead"))
    assert "no end recorded" not in mission.get_text()


def test_a_contingent_says_not_reported_where_the_records_are_silent(
    build_generated: Callable[[], Path], basic_project: Path
) -> None:
    contingent = page(build_generated(), "contingents/freedonia-roe.html")
    assert flat(box(contingent)["Personnel"]) == "1 officer"
    edit(
        basic_project / "data" / "contingents" / "freedonia-roe.yaml",
        "strength:\n- value: 1\n  what: officer\n  cite:\n"
        "  - {source: article-one, paragraph: 1, quote: Major Jane Roe}\n",
        "",
    )
    contingent = page(build_generated(), "contingents/freedonia-roe.html")
    rows = box(contingent)
    assert flat(rows["Personnel"]) == "not reported"
    assert flat(rows["Dates"]) == "undated"


def test_an_event_lead_says_when_and_what_happened(build_generated: Callable[[], Path]) -> None:
    out = build_generated()
    dated = page(out, "events/test-mission-authorised.html")
    assert flat(dated.select_one(".kb-lead")) == (
        "1 May 2020: The Test Council authorised the Test Mission."
    )
    undated = page(out, "events/roe-arrives.html")
    assert flat(undated.select_one(".kb-lead")) == "Undated: Jane Roe arrived."
    assert flat(box(undated)["When"]) == "undated"


def test_an_acronym_is_expanded_where_a_page_first_uses_it(
    build_generated: Callable[[], Path],
) -> None:
    out = build_generated()
    person = page(out, "people/jane-roe.html")
    abbrs = person.select("abbr")
    assert [(a.get_text(), a["title"]) for a in abbrs] == [("TM", "Test Mission in Freedonia")]
    # the first use in the text, not in a heading; later uses stay plain
    assert abbrs[0].find_parent(["h1", "h2", "h3"]) is None
    assert person.get_text().count("TM") > 1
    glossary_term = page(out, "operations/test-mission.html").select_one("abbr")
    assert glossary_term is not None and glossary_term.get_text() == "TM"
