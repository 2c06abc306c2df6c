"""What a reader sees, checked in Debian's Chromium driven by Playwright, on the site served
over HTTP on localhost."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conftest import NODE_MODULES, SCREENSHOTS, SiteBuild, missing
from peacekb.charts import DeploymentMap
from peacekb.knowledge import Knowledge, load
from peacekb.models import Event, Mission

pytestmark = pytest.mark.browser

PAGES = {
    "home": "index.html",
    "index of people": "people/index.html",
    "index of operations": "operations/index.html",
    "person": "people/ermek-tulesov.html",
    "operation": "operations/minusca.html",
    "organisation": "organizations/kazcent.html",
    "contingent": "contingents/kazakhstan-minusma.html",
    "event": "events/central-asia-peacekeeping-round-table.html",
    "place": "places/almaty.html",
    "source": "sources/csto-withdrawal-from-kazakhstan.html",
    "timeline": "timeline.html",
    "map": "map.html",
    "glossary": "glossary.html",
    "methodology": "methodology.html",
    "search results": "search.html?q=Tulesov",
    "participation": "participation.html",
    "uncertainty": "uncertainty.html",
    "source in French": "sources/minusca-rotation-aktureev.html",
}
PERSON = PAGES["person"]
WEIGHT_LIMIT = 250 * 1000  # bytes, counted as each file's gzip size


def visit(page: Any, url: str) -> Any:
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.ok, url
    page.evaluate("document.fonts.ready")
    return response


@pytest.mark.parametrize("name", list(PAGES))
def test_nothing_is_fetched_from_another_origin(page: Any, server: str, name: str) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    visit(page, server + PAGES[name])
    origin = urlsplit(server).netloc
    foreign = [
        u
        for u in requested
        if urlsplit(u).scheme in {"http", "https"} and urlsplit(u).netloc != origin
    ]
    assert foreign == []
    assert len(requested) > 3


def test_a_person_page_first_load_is_light(page: Any, server: str, site: SiteBuild) -> None:
    files: set[Path] = set()

    def note(response: Any) -> None:
        path = urlsplit(response.url).path.lstrip("/") or "index.html"
        files.add(site.html / path)

    page.on("response", note)
    visit(page, server + PERSON)
    assert files, "no response seen"
    sizes = {f.name: len(gzip.compress(f.read_bytes(), compresslevel=6)) for f in files}
    total = sum(sizes.values())
    largest = sorted(sizes.items(), key=lambda kv: -kv[1])[:5]
    assert total <= WEIGHT_LIMIT, f"{total} bytes gzipped; largest: {largest}"
    assert not any("fontawesome" in name for name in sizes)


@pytest.mark.parametrize("name", list(PAGES))
def test_phone_width_does_not_scroll_sideways(browser: Any, server: str, name: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        visit(page, server + PAGES[name])
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{name}: page is {width}px wide at 375px"
    finally:
        context.close()


@pytest.mark.parametrize(
    ("query", "target"),
    [
        ("Aktureev", "people/aybar-aktureev.html"),
        ("MINUSCA", "operations/minusca.html"),
        ("Almaty", "places/almaty.html"),
    ],
)
def test_search_finds_people_operations_and_places(
    page: Any, server: str, query: str, target: str
) -> None:
    visit(page, f"{server}search.html?q={query}")
    link = page.locator(f'#search-results a[href*="{target}"]').first
    link.wait_for(state="visible")
    link.click()
    page.wait_for_url(f"**/{target}*")


def test_a_citation_opens_in_place_with_its_translation(page: Any, server: str) -> None:
    visit(page, server + "people/mukhamedzhan-talasov.html")
    details = page.locator("details.kb-evidence").first
    assert details.get_attribute("open") is None
    quote = details.locator("blockquote")
    assert not quote.is_visible()
    details.locator("summary").click()
    assert details.get_attribute("open") is not None
    assert quote.is_visible()
    assert "Mukhamedzhan Talasov" in quote.inner_text()
    translation = details.locator(".kb-translation")
    assert translation.is_visible() and "English" in translation.inner_text()
    details.locator("summary").press("Enter")  # and closes again from the keyboard
    assert details.get_attribute("open") is None


def test_a_paragraph_link_scrolls_to_and_highlights_the_paragraph(page: Any, server: str) -> None:
    visit(page, server + "operations/minusma.html")
    link = page.locator('a[href$="kazakh-peacekeepers-return-from-mali.html#p4"]').first
    link.locator("xpath=ancestor::details[1]/summary").click()  # the evidence opens in place
    link.click()
    page.wait_for_url("**/kazakh-peacekeepers-return-from-mali.html#p4")
    target = page.locator("#p4")
    assert page.evaluate("document.querySelector(':target').id") == "p4"
    box = target.bounding_box()
    assert box is not None and 0 <= box["y"] < 900
    highlighted = target.evaluate("e => getComputedStyle(e).backgroundColor")
    plain = page.locator("#p5").evaluate("e => getComputedStyle(e).backgroundColor")
    assert highlighted != plain


def _axe(page: Any) -> list[dict[str, Any]]:
    script = NODE_MODULES / "axe-core" / "axe.min.js"
    if not script.is_file():
        missing("axe-core (npm ci in tests/browser)")
    page.add_script_tag(path=str(script))
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 4).map(n => n.target.join(" "))}))"""
    )
    return violations


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_accessibility_violation(
    browser: Any, server: str, name: str, mode: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=mode)
    context.add_init_script(
        f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');"
    )
    page = context.new_page()
    try:
        visit(page, server + PAGES[name])
        assert page.evaluate("document.documentElement.dataset.theme") == mode
        violations = _axe(page)
        assert violations == [], f"{name} ({mode}): {violations}"
    finally:
        context.close()


TIMELINE = PAGES["timeline"]


@pytest.fixture(scope="module")
def site_kb(site: SiteBuild) -> Knowledge:
    """The records the site was built from: what a test expects is derived from them."""
    kb, problems = load(site.data)
    assert problems == []
    return kb


def visible_entries(page: Any) -> int:
    count: int = page.locator(".kb-timeline-entry:visible").count()
    return count


def events_of(kb: Knowledge, mission_id: str, kind: str = "") -> int:
    return sum(
        1
        for e in kb.all("event")
        if isinstance(e, Event) and mission_id in e.missions and kind in ("", e.type)
    )


def busiest_operation(kb: Knowledge) -> str:
    """The operation with the most events, and of those the first by id."""
    return min((m.id for m in kb.all("mission")), key=lambda m: (-events_of(kb, m), m))


def test_timeline_reads_as_a_list_without_javascript(
    browser: Any, server: str, site_kb: Knowledge
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        visit(page, server + TIMELINE)
        assert not page.locator(".kb-tl-filters").is_visible()
        assert page.locator(".kb-tl-svg").is_visible()
        total = len(site_kb.all("event"))
        assert visible_entries(page) == page.locator(".kb-timeline-entry").count() == total
    finally:
        context.close()


def test_timeline_filters_with_the_mouse(page: Any, server: str, site_kb: Knowledge) -> None:
    total = len(site_kb.all("event"))
    mission = busiest_operation(site_kb)
    visit(page, server + TIMELINE)
    form = page.locator(".kb-tl-filters")
    assert form.is_visible()
    assert visible_entries(page) == total
    form.locator('select[name="operation"]').select_option(mission)
    shown = events_of(site_kb, mission)
    assert visible_entries(page) == shown
    assert f"Showing {shown} of {total} events." in form.locator(".kb-tl-count").inner_text()
    marks = page.locator(".kb-tl-mark")
    for i in range(marks.count()):
        mark = marks.nth(i)
        ours = f"m-{mission}" in (mark.get_attribute("class") or "").split()
        assert mark.is_visible() == ours
    for row in page.locator("g.kb-tl-row.kb-filterable").all():
        css = (row.get_attribute("class") or "").split()
        assert ("kb-dim" in css) == (f"m-{mission}" not in css)
    # the year headings of the list follow
    for section in page.locator("section:has(> .kb-timeline-entry)").all():
        shown_here = section.locator(":scope > .kb-timeline-entry:visible").count()
        assert section.is_visible() == (shown_here > 0)
    kind = next(
        e.type for e in site_kb.all("event") if isinstance(e, Event) and mission in e.missions
    )
    form.locator('select[name="kind"]').select_option(kind)
    assert visible_entries(page) == events_of(site_kb, mission, kind)
    form.locator(".kb-tl-reset").click()
    assert visible_entries(page) == total


def test_timeline_filters_with_the_keyboard(page: Any, server: str, site_kb: Knowledge) -> None:
    total = len(site_kb.all("event"))
    visit(page, server + TIMELINE)
    place = page.locator('select[name="place"]')
    place.focus()
    options = place.locator("option").all_inner_texts()
    page.keyboard.press("ArrowDown")  # the first place after "All places"
    first = options[1]
    assert place.evaluate("s => s.selectedOptions[0].textContent") == first
    shown = visible_entries(page)
    assert 0 < shown < total
    page.keyboard.press("Tab")  # to the kind filter
    page.keyboard.press("Tab")  # to the period filter
    page.keyboard.press("Tab")  # to "Show all"
    assert page.evaluate("document.activeElement.className") == "kb-tl-reset"
    page.keyboard.press("Enter")
    assert visible_entries(page) == total


def test_timeline_marks_are_links_reachable_from_the_keyboard(
    page: Any, server: str, site_kb: Knowledge
) -> None:
    missions = [m for m in site_kb.all("mission") if isinstance(m, Mission)]
    first = min(missions, key=lambda m: (m.authorized.date.sort_key(), m.id))
    event = min(
        (
            e
            for e in site_kb.all("event")
            if isinstance(e, Event) and e.occurred and e.occurred.date.precision == "day"
        ),
        key=lambda e: e.id,
    )
    visit(page, server + TIMELINE)
    page.locator(".kb-tl-reset").focus()
    page.keyboard.press("Tab")  # the first operation span
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label.startswith(f"{first.acronym}: authorised {first.authorized.date.human()}")
    href = f"events/{event.id}.html"
    mark = page.locator(f'.kb-tl-mark[href="{href}"]')
    mark.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/{href}")


def test_approximate_dates_are_drawn_as_spans(page: Any, server: str, site_kb: Knowledge) -> None:
    """An exact day is a dot; a date known to the month, or only roughly, is a span."""
    visit(page, server + TIMELINE)
    checked = set()
    for entry in site_kb.timeline():
        date, event = entry.date, entry.event
        mark = page.locator(f'.kb-tl-mark[href="events/{event.id}.html"]')
        if date.precision == "day" and date.qualifier is None and event.ended is None:
            assert mark.locator("circle").count() == 1, event.id
            checked.add("day")
        elif date.qualifier == "circa":
            box = mark.locator("rect.kb-tl-approx").bounding_box()
            assert box is not None and box["width"] > 5, event.id
            checked.add("circa")
        elif date.qualifier is None and event.ended is None:
            assert mark.locator("rect").count() == 1, event.id
            checked.add(date.precision)
    assert {"day", "month"} <= checked


MAP = "map.html"


def test_map_marks_every_operation_and_links_to_it(
    page: Any, server: str, site_kb: Knowledge
) -> None:
    chart = DeploymentMap(site_kb)
    visit(page, server + MAP)
    marks = page.locator(".kb-map-mark")
    assert marks.count() == len(chart.marks) > 0
    assert page.locator(".kb-map-country").count() > 50
    assert page.locator("path.kb-map-host").count() > 0
    legend = page.locator(".kb-map-legend").inner_text()
    for text in ["no end recorded", "ended", "host country"]:
        assert text in legend
    markers = {m.marker for m in chart.marks}
    if len(markers) > 1:  # the shapes are named after the operation types they stand for
        for mark in chart.marks:
            assert mark.type_label in legend
    for status in ("open", "ended"):
        expected = sum(m.status == status for m in chart.marks)
        assert page.locator(f".kb-map-mark.kb-map-{status}").count() == expected
    for marker in markers:
        expected = sum(m.marker == marker for m in chart.marks)
        assert page.locator(f".kb-map-mark.kb-map-{marker}").count() == expected
    target = min(chart.marks, key=lambda m: m.mission.id).mission
    page.locator(f'.kb-map-mark[href="operations/{target.id}.html"]').click()
    page.wait_for_url(f"**/operations/{target.id}.html")
    assert target.acronym in page.locator("article h1").inner_text()


def test_map_marks_are_reachable_from_the_keyboard(
    page: Any, server: str, site_kb: Knowledge
) -> None:
    first = min(DeploymentMap(site_kb).marks, key=lambda m: m.mission.acronym)
    visit(page, server + MAP)
    # from the start of the map, the first Tab reaches the first mark
    page.locator(".kb-map-frame").evaluate("e => { e.tabIndex = -1; e.focus(); }")
    page.keyboard.press("Tab")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label and label.split(":")[0] == first.mission.acronym
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/operations/{first.mission.id}.html")


FIRST_SCREEN = {
    "aybar-aktureev": "people/aybar-aktureev.html",
    "minusca": "operations/minusca.html",
    "csto-force": "operations/csto-kazakhstan-2022.html",
    "round-table": "events/central-asia-peacekeeping-round-table.html",
    "participation": "participation.html",
}


@pytest.mark.parametrize(("name", "rel"), FIRST_SCREEN.items())
@pytest.mark.parametrize(("device", "size"), [("desktop", (1366, 900)), ("phone", (375, 800))])
def test_first_screen_holds_the_answer(
    browser: Any, server: str, name: str, rel: str, device: str, size: tuple[int, int]
) -> None:
    """What a reader sees before scrolling: the lead (and on an entity page the first rows of
    its summary box) stands in the first screen. The screenshot is kept for a human to look at."""
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        visit(page, server + rel)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"first-screen-{name}-{device}.png"))
        first = page.locator(".kb-lead, article p").first
        box = first.bounding_box()
        assert box is not None and box["y"] + box["height"] <= height, name
        if page.locator(".kb-infobox").count():
            row = page.locator(".kb-infobox tbody tr").first.bounding_box()
            assert row is not None and row["y"] < height, name
    finally:
        context.close()
