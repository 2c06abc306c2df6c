"""Phones and shareable views, in Debian's Chromium: at 375 px no page scrolls sideways, every
chart's text is at least 12 px and every mark is on screen, a chart that has to scroll says so,
and the timeline's filters live in the page's address. Every expectation comes from the records
the site was built from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from conftest import REPO, SCREENSHOTS, SiteBuild
from peacekb import urls
from peacekb.charts import DeploymentMap, Timeline, period_keys
from peacekb.knowledge import Knowledge, load
from peacekb.models import RECORD_KINDS, Event
from peacekb.urls import Links, index_doc, record_doc

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
MIN_TEXT = 12.0  # CSS pixels

# The records the site is built from (the `site` fixture builds a copy of the same folder):
# the pages to visit are chosen from them, one of each kind, whatever the records are.
KB, _PROBLEMS = load(REPO / "data")


def _pages() -> dict[str, str]:
    links = Links()
    pages = {"home": "index.html"}
    for kind, cls in RECORD_KINDS.items():
        pages[f"{cls.plural} index"] = links.target(index_doc(kind))
        records = sorted(KB.all(kind), key=lambda r: r.id)
        if records:
            pages[f"{kind} page"] = links.target(record_doc(kind, records[0].id))
    for name in (
        urls.TIMELINE,
        urls.MAP,
        urls.PARTICIPATION,
        urls.DATA,
        urls.GLOSSARY,
        urls.UNCERTAINTY,
        "methodology",
        "about",
    ):
        pages[name] = links.target(name)
    pages["search results"] = "search.html?q=Mali"
    return pages


PAGES = _pages()
CHARTS = {
    "timeline": "timeline.html",
    "map": "map.html",
    "participation": "participation.html",
}


@pytest.fixture(scope="module")
def site_kb(site: SiteBuild) -> Knowledge:
    kb, problems = load(site.data)
    assert problems == []
    return kb


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE)
    tab = context.new_page()
    yield tab
    context.close()


def visit(page: Any, url: str) -> None:
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.ok, url
    page.evaluate("document.fonts.ready")
    if "search.html?q=" in url:
        page.locator("#search-results li").first.wait_for()


def test_the_pages_come_from_the_records() -> None:
    assert _PROBLEMS == []
    assert sum(name.endswith(" page") for name in PAGES) == len(RECORD_KINDS)


# -- nothing wider than the screen ------------------------------------------------------------


@pytest.mark.parametrize("name", list(PAGES))
def test_no_page_scrolls_sideways_on_a_phone(phone: Any, server: str, name: str) -> None:
    visit(phone, server + PAGES[name])
    width, inner = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert inner == PHONE["width"]
    assert width <= inner, f"{name}: the page is {width}px wide on a {inner}px screen"


# -- chart text ------------------------------------------------------------------------------

# Every piece of text of every chart, as drawn: an SVG <text> at its font size times the
# SVG's scale on screen; the map's names are HTML, at their font size.
CHART_TEXT = """() => {
  const found = [];
  for (const svg of document.querySelectorAll("article svg")) {
    for (const text of svg.querySelectorAll("text")) {
      if (!text.getClientRects().length) continue;  // not drawn: another view, or hidden
      const ctm = text.getScreenCTM();
      const scale = ctm ? Math.hypot(ctm.a, ctm.b) : 1;
      const size = parseFloat(getComputedStyle(text).fontSize) * scale;
      found.push([svg.getAttribute("class"), text.textContent, size]);
    }
  }
  for (const label of document.querySelectorAll("article .kb-map-label")) {
    found.push(["map", label.textContent, parseFloat(getComputedStyle(label).fontSize)]);
  }
  return found;
}"""


def _periods() -> list[str]:
    return [p.key for p in Timeline(KB).periods()]


@pytest.mark.parametrize(
    "rel",
    [*CHARTS.values(), *(f"timeline.html?period={key}" for key in _periods())],
)
def test_chart_text_is_legible_on_a_phone(phone: Any, server: str, rel: str) -> None:
    visit(phone, server + rel)
    texts = phone.evaluate(CHART_TEXT)
    assert texts, rel
    small = [t for t in texts if t[2] < MIN_TEXT]
    assert small == [], f"{rel}: text under {MIN_TEXT}px: {small[:5]}"


# -- every mark on screen --------------------------------------------------------------------

BOXES = """(selector) => [...document.querySelectorAll(selector)].map((e) => {
  const r = e.getBoundingClientRect();
  return [e.textContent, r.left, r.top, r.right, r.bottom];
})"""


def _overlap(a: list[Any], b: list[Any]) -> bool:
    return bool(a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4])


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_map_mark_and_name_is_on_the_map(
    browser: Any, server: str, site_kb: Knowledge, viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        visit(page, server + "map.html")
        (frame,) = page.evaluate(BOXES, ".kb-map-frame")
        assert frame[1] >= 0 and frame[3] <= viewport["width"]
        dots = page.evaluate(BOXES, ".kb-map-dot")
        labels = page.evaluate(BOXES, ".kb-map-label")
        assert len(dots) == len(labels) == len(DeploymentMap(site_kb).marks)
        for box in dots + labels:
            assert frame[1] <= box[1] and box[3] <= frame[3], box
            assert frame[2] <= box[2] and box[4] <= frame[4], box
        for i, a in enumerate(labels):
            for b in labels[i + 1 :]:
                assert not _overlap(a, b), (a[0], b[0])
    finally:
        context.close()


def test_the_whole_timeline_fits_a_phone(phone: Any, server: str) -> None:
    visit(phone, server + "timeline.html")
    (plot,) = phone.evaluate(BOXES, ".kb-tl-plot")
    assert plot[3] <= PHONE["width"]
    assert phone.evaluate(
        "(() => { const p = document.querySelector('.kb-tl-plot'); "
        "return p.scrollWidth <= p.clientWidth; })()"
    )
    marks = phone.evaluate(BOXES, ".kb-tl-mark")
    assert len(marks) == len(Timeline(KB).events)
    for mark in marks:
        assert plot[1] - 1 <= mark[1] and mark[3] <= plot[3] + 1, mark


def _densest_period(kb: Knowledge) -> tuple[str, list[str]]:
    """The period holding the most events (the shortest of equals: the densest), and those
    events' ids."""
    chart = Timeline(kb)
    found = []
    for period in chart.periods():
        ids = [
            e.id for e in chart.events if e.occurred and period.key in period_keys(e.occurred.date)
        ]
        found.append((-len(ids), period.end - period.start, period.key, ids))
    if not found:
        return "", []
    _, _, key, ids = min(found)
    return key, ids


CENTRES = """(hrefs) => hrefs.map((href) => {
  const r = document.querySelector(`.kb-tl-mark[href="${href}"]`).getBoundingClientRect();
  return (r.left + r.right) / 2;
})"""


def test_the_timeline_zooms_to_a_period(phone: Any, server: str, site_kb: Knowledge) -> None:
    key, ids = _densest_period(site_kb)
    assert key and ids
    hrefs = [Links().record(urls.TIMELINE, "event", i) for i in ids]
    visit(phone, server + "timeline.html")
    before = phone.evaluate(CENTRES, hrefs)
    phone.locator('select[name="period"]').select_option(key)
    assert parse_qs(urlsplit(phone.url).query) == {"period": [key]}
    after = phone.evaluate(CENTRES, hrefs)
    # the period fills the plot: its events spread out, and stay in view
    (plot,) = phone.evaluate(BOXES, ".kb-tl-plot")
    if max(before) - min(before) > 0:
        assert max(after) - min(after) > 2 * (max(before) - min(before))
    for x in after:
        assert plot[1] <= x <= plot[3]
    # only the period's events are shown, in the chart and in the list
    shown = phone.evaluate(
        "[...document.querySelectorAll('.kb-tl-mark:not(.kb-hidden)')]"
        ".map(a => a.getAttribute('href'))"
    )
    assert sorted(shown) == sorted(hrefs)
    assert phone.locator(".kb-timeline-entry:visible").count() == len(ids)
    # and the axis is the period's
    assert phone.locator(f'.kb-tl-view[data-view="{key}"] text:visible').count() > 0
    assert phone.locator('.kb-tl-view[data-view=""] text:visible').count() == 0


# -- a wide element that scrolls sideways in its box says so -------------------------------------

# Every box in the article that scrolls sideways (code blocks aside: their lines scroll, as
# code does everywhere), with what makes it usable.
SCROLLERS = """() => [...document.querySelectorAll("article *")]
  .filter((e) => ["auto", "scroll"].includes(getComputedStyle(e).overflowX))
  .filter((e) => e.scrollWidth > e.clientWidth + 1)
  .filter((e) => !e.closest("pre, .highlight"))
  .map((e) => {
    const hint = [e.nextElementSibling, e.previousElementSibling]
      .find((h) => h && h.matches(".kb-scroll-hint"));
    return {
      tabindex: e.getAttribute("tabindex"),
      role: e.getAttribute("role"),
      label: Boolean(e.getAttribute("aria-label")),
      hint: Boolean(hint && hint.getClientRects().length
        && /scroll/i.test(hint.textContent)),
    };
  })"""
USABLE = {"tabindex": "0", "role": "region", "label": True, "hint": True}
# A hint shown where its box does not overflow.
IDLE_HINTS = """() => [...document.querySelectorAll(".kb-scroll-hint")]
  .filter((h) => h.getClientRects().length > 0)
  .filter((h) => ![h.previousElementSibling, h.nextElementSibling]
    .some((box) => box && box.scrollWidth > box.clientWidth + 1)).length"""


@pytest.mark.parametrize("name", list(PAGES))
def test_a_box_that_scrolls_sideways_says_so_on_a_phone(phone: Any, server: str, name: str) -> None:
    visit(phone, server + PAGES[name])
    for box in phone.evaluate(SCROLLERS):
        assert box == USABLE, name
    assert phone.evaluate(IDLE_HINTS) == 0


@pytest.mark.parametrize("name", list(CHARTS))
def test_no_hint_shows_where_nothing_scrolls(browser: Any, server: str, name: str) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        visit(page, server + CHARTS[name])
        for box in page.evaluate(SCROLLERS):
            assert box == USABLE, name
        assert page.evaluate(IDLE_HINTS) == 0
    finally:
        context.close()


def test_the_participation_chart_scrolls_with_a_hint_on_a_phone_only(
    browser: Any, server: str
) -> None:
    shown = {}
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        try:
            visit(page, server + CHARTS["participation"])
            shown[name] = page.locator(".kb-pt .kb-scroll-hint").is_visible()
            box = page.locator(".kb-pt-scroll")
            overflows = box.evaluate("e => e.scrollWidth > e.clientWidth + 1")
            assert shown[name] == overflows
        finally:
            context.close()
    assert shown == {"phone": True, "desktop": False}


# -- the timeline's filters in the address ------------------------------------------------------


def _entries_with(page: Any, *classes: str) -> tuple[int, int]:
    """(entries shown, entries carrying every class)."""
    selector = ".kb-timeline-entry" + "".join(f".{c}" for c in classes)
    return page.locator(".kb-timeline-entry:visible").count(), page.locator(selector).count()


def test_timeline_filters_live_in_the_address(phone: Any, server: str, site_kb: Knowledge) -> None:
    events = [e for e in site_kb.all("event") if isinstance(e, Event)]
    mission = min(
        {m for e in events for m in e.missions},
        key=lambda m: (-sum(m in e.missions for e in events), m),
    )
    kind = min(e.type for e in events if mission in e.missions)
    expected = sum(mission in e.missions for e in events)
    both = sum(mission in e.missions and e.type == kind for e in events)

    visit(phone, f"{server}timeline.html?operation={mission}")
    operation = phone.locator('select[name="operation"]')
    assert operation.input_value() == mission
    shown, matching = _entries_with(phone, f"m-{mission}")
    assert shown == matching == expected
    assert phone.locator(f".kb-timeline-entry:visible:not(.m-{mission})").count() == 0
    assert phone.locator(f".kb-tl-mark:visible:not(.m-{mission})").count() == 0

    phone.locator('select[name="kind"]').select_option(kind)
    assert parse_qs(urlsplit(phone.url).query) == {"operation": [mission], "kind": [kind]}
    assert _entries_with(phone)[0] == both

    phone.reload(wait_until="networkidle")
    assert operation.input_value() == mission
    assert phone.locator('select[name="kind"]').input_value() == kind
    assert _entries_with(phone)[0] == both

    phone.go_back()
    phone.wait_for_url(f"**/timeline.html?operation={mission}")
    assert phone.locator('select[name="kind"]').input_value() == ""
    assert operation.input_value() == mission
    assert _entries_with(phone)[0] == expected

    phone.go_forward()
    phone.wait_for_url("**/timeline.html?operation=*&kind=*")
    assert phone.locator('select[name="kind"]').input_value() == kind
    assert _entries_with(phone)[0] == both

    phone.locator(".kb-tl-reset").click()
    assert urlsplit(phone.url).query == ""
    assert _entries_with(phone)[0] == len(events)


def test_the_contents_list_follows_the_filter(phone: Any, server: str, site_kb: Knowledge) -> None:
    """The page's own list of years hides the years with nothing shown."""
    dated = [e for e in site_kb.all("event") if isinstance(e, Event) and e.occurred]
    mission = min({m for e in dated for m in e.missions})
    years = {e.occurred.date.year for e in dated if e.occurred}
    ours = {e.occurred.date.year for e in dated if e.occurred and mission in e.missions}
    visit(phone, f"{server}timeline.html?operation={mission}")
    items = phone.evaluate(
        """() => [...document.querySelectorAll('.page-toc a[href^="#"], .bd-toc a[href^="#"]')]
            .map((a) => {
              const section = document.getElementById(a.getAttribute('href').slice(1));
              const hidden = section ? section.hidden : null;
              return [a.textContent.trim(), a.closest('li').hidden, hidden];
            })"""
    )
    listed = {text: hidden for text, hidden, _ in items if text.isdigit()}
    assert set(listed) == {str(y) for y in years}
    assert listed == {str(y): y not in ours for y in years}
    for _, item_hidden, section_hidden in items:
        assert item_hidden == section_hidden


# -- the charts' data, linked under them ---------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "files"),
    [("timeline.html", Timeline.data_files), ("map.html", DeploymentMap.data_files)],
)
def test_a_chart_links_its_data(
    phone: Any, server: str, site: SiteBuild, rel: str, files: tuple[str, ...]
) -> None:
    visit(phone, server + rel)
    block = phone.locator(".kb-chart-data")
    assert block.is_visible()
    hrefs = block.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    targets = [urlsplit(urljoin(server + rel, h)).path.lstrip("/") for h in hrefs]
    for name in files:
        assert urls.download_path(name) in targets
    for target in targets:
        assert (site.html / (target or "index.html")).is_file(), target
    # right under the chart
    chart = phone.locator(".kb-tl, .kb-map").first
    assert chart.evaluate(
        "(e) => { let n = e.nextElementSibling; "
        "while (n && !n.matches('.kb-chart-data')) { "
        "if (n.textContent.trim()) return false; n = n.nextElementSibling; } return !!n; }"
    )


# -- screenshots, kept for a human to look at ------------------------------------------------------


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize(
    "rel",
    [
        "timeline.html",
        f"timeline.html?period={_densest_period(KB)[0]}",
        "map.html",
        "participation.html",
        "data.html",
    ],
)
def test_chart_screenshots(browser: Any, server: str, rel: str, viewport: dict[str, int]) -> None:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        visit(page, server + rel)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = rel.replace(".html", "").replace("?", "-").replace("=", "-")
        device = "phone" if viewport is PHONE else "desktop"
        target = Path(SCREENSHOTS / f"phones-{name}-{device}.png")
        page.screenshot(path=str(target), full_page=True)
        assert target.read_bytes().startswith(b"\x89PNG")
    finally:
        context.close()
