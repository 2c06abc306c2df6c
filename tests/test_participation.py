"""The focus country's participation page, its chart and the operations index's columns, built
from a copy of ``tests/roots/test-basic`` with records added for the cases that matter."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import html5lib
import pytest
from bs4 import BeautifulSoup, Tag
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_colors

from conftest import ROOTS, edit
from peacekb.knowledge import load
from peacekb.models import Contingent
from peacekb.participation import Participation, possessive

# The records added to the copy. Sylvania's contingent serves in the same operation as
# Freedonia's: neither its number nor its deployment may show on Freedonia's page.
RECORDS = {
    "places/sylvania.yaml": """\
id: sylvania
name: Sylvania
type: country
coordinates: {lat: 11.0, lon: -21.0}
""",
    "missions/open-mission.yaml": """\
id: open-mission
acronym: OM
name_en: Open Mission in Sylvania
type: un-political-mission
authorized:
  date: "2020-09"
  by: test-council
  inferred: Stated for the test.
host: [sylvania]
""",
    # No strength, no dates, no role: every cell of its row is "not reported".
    "contingents/freedonia-open.yaml": """\
id: freedonia-open
name: Freedonian observers in the Open Mission
country: freedonia
mission: open-mission
""",
    # Two counts in one operation: 1 (freedonia-roe) and 12, never 13.
    "contingents/freedonia-engineers.yaml": """\
id: freedonia-engineers
name: Freedonian engineers in the Test Mission
country: freedonia
mission: test-mission
role: Build <b>roads</b> & bridges
start:
  date: circa 2020-06
  inferred: Stated for the test.
end:
  date: "2021-03"
  inferred: Stated for the test.
strength:
- value: 12
  what: <b>engineers</b> & medics
  inferred: Stated for the test.
""",
    "contingents/sylvania-test.yaml": """\
id: sylvania-test
name: Sylvanian battalion in the Test Mission
country: sylvania
mission: test-mission
strength:
- value: 99
  what: soldiers
  inferred: Stated for the test.
""",
    "events/engineers-deploy.yaml": """\
id: engineers-deploy
title: Freedonian engineers <i>deploy</i>
type: deployment
occurred:
  date: "2020-06-15"
  inferred: Stated for the test.
missions: [test-mission]
participants:
- who: freedonia-engineers
  role: deployed
  inferred: Stated for the test.
statements:
- text: The engineers deployed.
  inferred: Stated for the test.
""",
    "events/sylvanians-deploy.yaml": """\
id: sylvanians-deploy
title: Sylvanians deploy
type: deployment
occurred:
  date: "2020-07-01"
  inferred: Stated for the test.
missions: [test-mission]
participants:
- who: sylvania-test
  role: deployed
  inferred: Stated for the test.
statements:
- text: The Sylvanians deployed.
  inferred: Stated for the test.
""",
    "events/observers-rotate.yaml": """\
id: observers-rotate
title: Freedonian observers rotate
type: rotation
undated: The test gives no date.
missions: [open-mission]
participants:
- who: freedonia-open
  role: rotated
  inferred: Stated for the test.
statements:
- text: The observers rotated.
  inferred: Stated for the test.
""",
}
COUNTS = {1, 12}  # every strength of a Freedonian contingent the records hold
TOCTREE = "uncertainty\n"


def make_project(root: Path, *, listed: bool = True) -> Path:
    src = root / "src"
    shutil.copytree(ROOTS / "test-basic", src)
    for rel, text in RECORDS.items():
        (src / "data" / rel).write_text(text, encoding="utf-8")
    if listed:
        edit(src / "index.md", TOCTREE, TOCTREE + "participation\n")
    return src


def build(src: Path, **confoverrides: Any) -> tuple[Path, str]:
    status, warning = StringIO(), StringIO()
    app = SphinxTestApp(
        "html", srcdir=src, confoverrides=confoverrides, status=status, warning=warning
    )
    try:
        app.build()
    finally:
        app.cleanup()
    return Path(app.outdir), strip_colors(warning.getvalue())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, str]]:
    src = make_project(tmp_path_factory.mktemp("participation"))
    outdir, warnings = build(src, peacekb_focus_country="freedonia")
    yield src, outdir, warnings


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def table(page: BeautifulSoup, first_header: str) -> list[dict[str, Tag]]:
    """The rows of the table whose first header is ``first_header``, as header -> cell."""
    for t in page.find_all("table"):
        headers = [th.get_text(" ", strip=True) for th in t.select("thead th")]
        if headers and headers[0] == first_header:
            rows = t.select("tbody tr")
            return [dict(zip(headers, r.find_all("td"), strict=True)) for r in rows]
    raise AssertionError(f"no table starting with {first_header!r}")


def text(cell: Tag) -> str:
    return " ".join(cell.get_text(" ").split())


def numbers(texts: list[str]) -> set[int]:
    return {int(n) for t in texts for n in re.findall(r"\d+", t)}


def by_operation(rows: list[dict[str, Tag]]) -> dict[str, dict[str, Tag]]:
    return {text(next(iter(r.values()))): r for r in rows}


def test_page_answers_where_when_how_many_and_role(built: tuple[Path, Path, str]) -> None:
    _, outdir, warnings = built
    assert warnings == ""
    page = soup(outdir / "participation.html")
    assert page.h1 is not None and page.h1.get_text(strip=True).startswith(
        "Freedonia's participation"
    )
    rows = by_operation(table(page, "Operation, where"))
    assert set(rows) == {"TM in Freedonia", "OM in Sylvania"}
    tm, om = rows["TM in Freedonia"], rows["OM in Sylvania"]
    assert text(tm["Operation's dates"]) == "authorised 1 May 2020; ended 2021"
    # no end recorded: the operation is ongoing, in those words
    assert text(om["Operation's dates"]) == "authorised September 2020; ongoing"
    assert "no end recorded" not in page.get_text()
    # first and last reported, with their precision: the post of Jane Roe (May 2020) starts
    # before the engineers (circa June 2020); the engineers' end (March 2021) falls inside
    # her post's end year (2021), which stays the latest
    assert text(tm["First and last reported"]) == (
        "first: May 2020 (month known); last: 2021 (year known)"
    )
    assert text(tm["Personnel"]) == "12 <b>engineers</b> & medics; 1 officer"
    assert text(tm["Role"]) == "Build <b>roads</b> & bridges"
    for column in ("First and last reported", "Personnel", "Role"):
        assert text(om[column]) == "not reported", column
    behind = page.find(id="the-records-behind-each-row")
    assert behind is not None
    items = {text(li).split(":")[0].strip(): li for li in behind.find_all("li")}
    assert set(items) == {"TM", "OM"}
    links = {a.get_text(" ", strip=True) for a in items["OM"].find_all("a")}
    assert links == {
        "OM",
        "Freedonian observers in the Open Mission",
        "Freedonian observers rotate",
    }
    assert "rotation, undated:" in text(items["OM"])
    assert "deployment, 15 June 2020:" in text(items["TM"])
    # Sylvania's contingent and its deployment are not Freedonia's
    assert "Sylvania" not in text(items["TM"]) and "99" not in page.get_text()


def test_every_number_shown_is_a_count_the_records_hold(built: tuple[Path, Path, str]) -> None:
    src, outdir, _ = built
    kb, problems = load(src / "data")
    assert problems == []
    held = {
        count.value
        for c in kb.all("contingent")
        if isinstance(c, Contingent) and c.country == "freedonia"
        for count in c.strength
    }
    assert held == COUNTS
    page = soup(outdir / "participation.html")
    cells = [text(r["Personnel"]) for r in table(page, "Operation, where")]
    labels = [t.get_text() for t in page.select("svg.kb-pt-svg text.kb-pt-count")]
    assert labels, "the chart shows the numbers"
    assert numbers(cells) == held and numbers(labels) == held  # each shown, none summed
    index = soup(outdir / "operations" / "index.html")
    assert numbers([text(r["Personnel"]) for r in table(index, "Operation")]) == held


def test_chart_parses_is_accessible_and_links_each_row(built: tuple[Path, Path, str]) -> None:
    _, outdir, _ = built
    path = outdir / "participation.html"
    # A strict parser raises on the first parse error.
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(path.read_bytes())
    page = soup(path)
    svg = page.select_one("svg.kb-pt-svg")
    assert svg is not None
    title = svg.find("title", id=svg["aria-labelledby"])
    desc = svg.find("desc", id=svg["aria-describedby"])
    assert title is not None and "Freedonia's participation" in title.get_text()
    assert desc is not None and "table" in desc.get_text()
    # record text is text, never markup
    assert svg.find(["b", "i", "script"]) is None
    assert "12 <b>engineers</b> & medics" in [t.get_text() for t in svg.select("text.kb-pt-count")]
    rows = svg.select("g.kb-pt-row")
    assert [r["data-mission"] for r in rows] == ["test-mission", "open-mission"]
    for row in rows:
        link = row.find("a")
        assert link is not None and link["href"] == f"operations/{row['data-mission']}.html"
        assert (path.parent / link["href"]).is_file()
        assert link["aria-label"].startswith(link.get_text(" ", strip=True).split()[0])
        assert link.select("rect.kb-pt-life, rect.kb-pt-tail"), "the operation's lifetime"
    tm, om = rows
    assert tm.find("rect", class_="kb-pt-ours") is not None
    assert om.find("rect", class_="kb-pt-ours") is None
    assert "ongoing" in om.find("a")["aria-label"]
    # the operation with no end fades out; the one that ended does not
    assert om.select("rect.kb-pt-tail") and not tm.select("rect.kb-pt-tail")
    notes = [t.get_text() for t in om.select("text.kb-pt-none")]
    assert notes == ["personnel and participation dates not reported"]
    # Freedonia's deployment is a mark; Sylvania's, in the same operation, is not
    marks = [a["href"] for a in tm.select("a.kb-pt-event")]
    assert marks == ["events/engineers-deploy.html"]
    assert (path.parent / marks[0]).is_file()
    undated = [a["href"] for a in om.find_all("a") if "kb-pt-undated" in str(a)]
    assert undated == ["events/observers-rotate.html"]


def test_operations_index_gains_two_columns(built: tuple[Path, Path, str]) -> None:
    _, outdir, _ = built
    index = soup(outdir / "operations" / "index.html")
    rows = by_operation(table(index, "Operation"))
    assert text(rows["TM"]["Freedonia since"]) == "May 2020"
    assert text(rows["OM"]["Freedonia since"]) == "not reported"
    assert text(rows["OM"]["Personnel"]) == "not reported"


def test_no_page_and_no_warning_without_a_focus(tmp_path: Path) -> None:
    src = make_project(tmp_path, listed=False)
    outdir, warnings = build(src)
    assert warnings == ""
    assert not (outdir / "participation.html").exists()
    assert not (src / "_generated" / "participation.md").exists()
    index = soup(outdir / "operations" / "index.html")
    headers = [th.get_text(strip=True) for th in index.select("thead th")]
    assert headers == ["Operation", "Type", "Host", "Authorised", "Ended"]


def test_a_focus_that_is_no_place_is_a_warning(tmp_path: Path) -> None:
    src = make_project(tmp_path, listed=False)
    outdir, warnings = build(src, peacekb_focus_country="atlantis")
    assert "peacekb_focus_country is 'atlantis'" in warnings
    assert not (outdir / "participation.html").exists()


def test_possessive_and_focus_inside_a_country(mini_data: Path) -> None:
    assert possessive("Freedonia") == "Freedonia's"
    assert possessive("the Netherlands") == "the Netherlands'"
    kb, problems = load(mini_data)
    assert problems == []
    p = Participation.of(kb, "freedonia")
    assert p is not None and [r.mission.id for r in p.rows] == ["test-mission"]
    assert Participation.of(kb, "") is None and Participation.of(kb, "jane-roe") is None


def test_the_focus_country_name_in_the_infobox_labels_is_text(tmp_path: Path) -> None:
    """The labels of the focus country's rows are text: a name with Markdown's characters
    shows as written, escaped by nothing and parsed as nothing."""
    src = make_project(tmp_path)
    name = "Free & Donia *land* \\ [x]"
    edit(src / "data" / "places" / "freedonia.yaml", "name: Freedonia", f"name: '{name}'")
    outdir, warnings = build(src, peacekb_focus_country="freedonia")
    assert "WARNING" not in warnings, warnings
    box = soup(outdir / "operations" / "test-mission.html").select_one("div.kb-infobox")
    assert box is not None
    labels = [text(tr.find("td")) for tr in box.select("tbody tr")]
    assert f"{name} since" in labels
    assert f"{name}: personnel" in labels
    assert box.find("em") is None
