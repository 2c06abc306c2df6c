"""The charts' geometry, on the real records and on the small test set, and their helpers on
knowledge bases the validator would refuse: models can be made in code without it, and a
picture must still be drawn."""

from __future__ import annotations

import itertools
import math
import shutil
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import ROOTS
from peacekb.charts import (
    CHECK_WIDTHS,
    DENSITIES,
    LANE,
    MAP_WIDTH,
    DeploymentMap,
    Timeline,
    boxes_overlap,
    countries_of,
    date_window,
    fractional_year,
    ticks_overlap,
)
from peacekb.export import Provenance
from peacekb.knowledge import Knowledge, load
from peacekb.models import Mission, Place
from peacekb.pages import Site
from peacekb.urls import Style


def test_a_loop_of_cities_ends(mini_data: Path) -> None:
    kb, problems = load(mini_data)
    assert problems == []
    country = kb.records["place"]["freedonia"]
    assert isinstance(country, Place)
    for pid, within in (("a", "b"), ("b", "a"), ("c", "c")):
        kb.records["place"][pid] = country.model_copy(
            update={"id": pid, "type": "city", "within": within}
        )
    assert countries_of(kb, ["a", "c", "freedonia"]) == ["b", "c", "freedonia"]


# -- geometry on the real records and on the small set -------------------------------------------

REAL_DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def real_kb() -> Knowledge:
    kb, problems = load(REAL_DATA)
    assert problems == []
    return kb


@pytest.fixture(params=["real", "mini"])
def any_kb(request: pytest.FixtureRequest, real_kb: Knowledge, tmp_path: Path) -> Knowledge:
    if request.param == "real":
        return real_kb
    shutil.copytree(ROOTS / "test-basic" / "data", tmp_path / "data")
    kb, problems = load(tmp_path / "data")
    assert problems == []
    return kb


def test_the_map_extent_holds_every_mark(any_kb: Knowledge) -> None:
    chart = DeploymentMap(any_kb)
    hosted = [m for m in any_kb.all("mission") if isinstance(m, Mission) and m.host]
    assert len(chart.marks) == len(hosted) > 0
    for mark in chart.marks:
        assert chart.view.contains(mark.place.coordinates.lon, mark.place.coordinates.lat)
        assert 0 < mark.x < MAP_WIDTH and 0 < mark.y < chart.height, mark.mission.id


def test_map_labels_touch_nothing_and_stay_on_the_map(any_kb: Knowledge) -> None:
    """At every width from a small phone's column to a wide desktop's, each name stays on the
    map and touches neither another name nor another mark."""
    chart = DeploymentMap(any_kb)
    for width in CHECK_WIDTHS:
        height = width * chart.height / MAP_WIDTH
        for mark in chart.marks:
            box = mark.label(width)
            assert box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height, (
                mark.mission.id,
                width,
            )
            for other in chart.marks:
                if other is not mark:
                    assert not boxes_overlap(box, other.label(width)), (mark.mission.id, width)
                    assert not boxes_overlap(box, other.dot(width)), (mark.mission.id, width)


def test_the_timeline_axis_starts_where_the_data_starts(any_kb: Knowledge) -> None:
    """From the year of the first event or of the start of an operation that has ended, to the
    year after the last thing drawn."""
    chart = Timeline(any_kb)
    windows = [date_window(e.occurred.date) for e in chart.events if e.occurred]
    windows += [
        (
            fractional_year(m.authorized.date.earliest()),
            fractional_year(m.ended.date.latest()),
        )
        for m in chart.missions
        if m.ended
    ]
    assert chart.first == math.floor(min(w[0] for w in windows))
    ends = [w[1] for w in windows]
    ends += [fractional_year(m.authorized.date.earliest()) for m in chart.missions]
    assert max(ends) <= chart.last < max(ends) + 1


def test_timeline_marks_in_one_lane_never_overlap(any_kb: Knowledge) -> None:
    """On the narrowest plot, and so on any wider one or zoomed in."""
    chart = Timeline(any_kb)
    for marks in chart.marks().values():
        by_lane: dict[int, list[tuple[float, float]]] = {}
        for mark in marks:
            by_lane.setdefault(mark.lane, []).append(chart.footprint(mark))
        for spans in by_lane.values():
            spans.sort()
            for (_, right), (left, _) in itertools.pairwise(spans):
                assert left > right


def test_timeline_rows_hold_their_lanes(any_kb: Knowledge) -> None:
    chart = Timeline(any_kb)
    for row in chart.rows():
        for mark in row.marks:
            offset = (mark.lane + 1) // 2 * LANE * (-1 if mark.lane % 2 else 1)
            assert row.y < row.mid + offset - 5 and row.mid + offset + 5 < row.y + row.height


def test_timeline_periods_and_their_axes(any_kb: Knowledge) -> None:
    chart = Timeline(any_kb)
    periods = chart.periods()
    years = {e.occurred.date.year for e in chart.events if e.occurred}
    assert {p.key for p in periods if "-" not in p.key} == {str(y) for y in years}
    for period in periods:
        assert chart.first <= period.start < period.end <= chart.last
    views = [(float(chart.first), float(chart.last))] + [(p.start, p.end) for p in periods]
    for start, end in views:
        for width in DENSITIES:
            ticks = chart.ticks(start, end, width)
            assert ticks, (start, end, width)
            assert not ticks_overlap(ticks, start, end, width), (start, end, width)


def test_a_dense_month_is_a_period(real_kb: Knowledge) -> None:
    chart = Timeline(real_kb)
    months = Counter(
        (e.occurred.date.year, e.occurred.date.month)
        for e in chart.events
        if e.occurred and e.occurred.date.month
    )
    dense = {f"{y}-{m:02d}" for (y, m), n in months.items() if n >= 2}
    assert dense <= {p.key for p in chart.periods()}


def test_timeline_filters_say_what_they_filter(any_kb: Knowledge) -> None:
    form = BeautifulSoup(Timeline(any_kb).filters(), "html.parser")
    labels = [label.find(string=True, recursive=False).strip() for label in form.select("label")]
    assert labels == ["Operation", "Event place", "Kind of event", "Period"]
    names = [s["name"] for s in form.select("select")]
    assert names == ["operation", "place", "kind", "period"]


def test_chart_text_is_escaped(mini_data: Path) -> None:
    kb, problems = load(mini_data)
    assert problems == []
    mission = kb.records["mission"]["test-mission"]
    hostile = '<script>kbxss(1)</script>"&'
    kb.records["mission"]["test-mission"] = mission.model_copy(update={"acronym": hostile})
    for html in (Timeline(kb).html(), DeploymentMap(kb).html()):
        page = BeautifulSoup(html, "html.parser")
        assert page.find("script") is None
        assert hostile in page.get_text()


@pytest.mark.parametrize(
    ("style", "expected"),
    [("html", "downloads/timeline.json"), ("dirhtml", "../downloads/timeline.json")],
)
def test_chart_downloads_are_linked_in_either_address_style(
    mini_data: Path, style: Style, expected: str
) -> None:
    kb, problems = load(mini_data)
    assert problems == []
    site = Site(kb, Provenance(style=style))
    site.downloads = {name: b"" for name in Timeline.data_files}  # the map's are not built
    links = BeautifulSoup(site.chart_downloads(Timeline.page), "html.parser").select("a")
    assert links[0]["href"] == expected
    assert len(links) == len(Timeline.data_files) + 1  # and the Data page
    assert site.chart_downloads(DeploymentMap.page) == ""
