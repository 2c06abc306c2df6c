"""Pictures drawn at build time as inline SVG: the timeline of operations and events, and the
map of where the operations are.

Everything here is a pure function of the knowledge base that returns HTML text; every piece
of record text in it passes through :func:`html.escape`. Links are relative to the page the
picture is placed on (the ``timeline`` and ``map`` pages), written by :class:`~peacekb.urls.Links`.
"""

from __future__ import annotations

import calendar
import datetime
import math
from dataclasses import dataclass
from html import escape

import pycountry

from . import geo
from .knowledge import Knowledge
from .models import Event, Mission, PartialDate, Place
from .urls import MAP, TIMELINE, Links

WIDTH = 1000
LEFT = 120  # room for the row labels
RIGHT = 20
TOP = 34  # room for the year labels
LANE = 12  # vertical step between marks that would overlap
MIN_MARK = 6  # narrowest drawn span, in SVG units
CONTEXT_YEARS = 10


def fractional_year(day: tuple[int, int, int]) -> float:
    year, month, dom = day
    start = datetime.date(year, 1, 1)
    length = 366 if calendar.isleap(year) else 365
    return year + (datetime.date(year, month, dom) - start).days / length


def date_window(date: PartialDate) -> tuple[float, float]:
    """The stretch of time a date may denote, in fractional years."""
    start = fractional_year(date.earliest())
    end = fractional_year(date.latest()) + 1 / 365
    if date.qualifier == "circa":
        slack = {"day": 15 / 365, "month": 1 / 12, "year": 0.5}[date.precision]
        start, end = start - slack, end + slack
    elif date.qualifier == "before":
        start = end - 0.5
    elif date.qualifier == "after":
        end = start + 0.5
    return start, end


def classes(prefix: str, values: list[str]) -> list[str]:
    return [f"{prefix}-{v}" for v in values]


def countries_of(kb: Knowledge, place_ids: list[str]) -> list[str]:
    """The countries or territories of places: a city counts as the country it lies in."""
    found = []
    for pid in place_ids:
        place = kb.get("place", pid)
        seen = {pid}
        # The validator refuses a place inside itself; the visited set keeps a loop from
        # hanging the build where the models were made without it.
        while (
            isinstance(place, Place)
            and place.type == "city"
            and place.within
            and place.within not in seen
        ):
            seen.add(place.within)
            place = kb.get("place", place.within)
        if isinstance(place, Place) and place.id not in found:
            found.append(place.id)
    return found


@dataclass
class Mark:
    event: Event
    start: float
    end: float
    row: str
    lane: int = 0


class Timeline:
    """The operations as spans across the years, the events as marks on them."""

    page = TIMELINE  # the page the picture is placed on: its links are relative to it

    def __init__(self, kb: Knowledge, links: Links | None = None) -> None:
        self.kb = kb
        self.links = links or Links()
        self.missions = sorted(
            (m for m in kb.all("mission") if isinstance(m, Mission)),
            key=lambda m: (m.authorized.date.sort_key(), m.id),
        )
        self.events = [e for e in kb.all("event") if isinstance(e, Event) and e.occurred]
        event_years = [e.occurred.date.year for e in self.events if e.occurred]
        ends = [m.ended.date.year for m in self.missions if m.ended]
        starts = [m.authorized.date.year for m in self.missions]
        # The axis shows the events with a decade of context before them, and every operation
        # that ended in full; older operations still running enter from the left edge.
        first = min(event_years, default=min(starts, default=2000)) - CONTEXT_YEARS
        first = min([first] + [m.authorized.date.year for m in self.missions if m.ended])
        self.first = first
        self.last = max(event_years + ends + starts, default=first) + 1

    # -- geometry ---------------------------------------------------------------------------
    def x(self, year: float) -> float:
        span = self.last - self.first
        return LEFT + (year - self.first) / span * (WIDTH - LEFT - RIGHT)

    def marks(self) -> dict[str, list[Mark]]:
        rows: dict[str, list[Mark]] = {m.id: [] for m in self.missions}
        rows[""] = []
        for event in self.events:
            assert event.occurred is not None
            start, end = date_window(event.occurred.date)
            if event.ended is not None:
                end = max(end, date_window(event.ended.date)[1])
            row = next((m for m in event.missions if m in rows), "")
            rows[row].append(Mark(event, start, end, row))
        for row_marks in rows.values():
            lanes: list[float] = []  # right edge of the last mark in each lane
            for mark in sorted(row_marks, key=lambda m: (m.start, m.event.id)):
                left = self.x(mark.start)
                for lane, edge in enumerate(lanes):
                    if left > edge + 2:
                        mark.lane, lanes[lane] = lane, self._right(mark)
                        break
                else:
                    mark.lane = len(lanes)
                    lanes.append(self._right(mark))
        return rows

    def _right(self, mark: Mark) -> float:
        return max(self.x(mark.end), self.x(mark.start) + MIN_MARK)

    # -- drawing ----------------------------------------------------------------------------
    def svg(self) -> str:
        rows = self.marks()
        heights = {
            key: 20 + LANE * max([m.lane for m in marks] + [0]) + 14 for key, marks in rows.items()
        }
        height = TOP + sum(heights.values()) + 10
        parts = [
            f'<svg class="kb-tl-svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
            f'height="{height}" role="group" aria-labelledby="kb-tl-title" '
            'xmlns="http://www.w3.org/2000/svg">',
            '<title id="kb-tl-title">Operations as spans from authorisation to end, '
            "events as marks on them</title>",
            '<defs><linearGradient id="kb-tl-fade-right"><stop offset="0" class="kb-tl-stop"/>'
            '<stop offset="1" class="kb-tl-stop kb-tl-stop-end"/></linearGradient>'
            '<linearGradient id="kb-tl-fade-left"><stop offset="0" class="kb-tl-stop '
            'kb-tl-stop-end"/><stop offset="1" class="kb-tl-stop"/></linearGradient></defs>',
        ]
        parts.append(self._axis(height))
        y = TOP
        for mission in self.missions:
            parts.append(self._row(mission, rows[mission.id], y, heights[mission.id]))
            y += heights[mission.id]
        parts.append(self._row(None, rows[""], y, heights[""]))
        parts.append("</svg>")
        return "".join(parts)

    def _axis(self, height: int) -> str:
        parts = ['<g class="kb-tl-axis" aria-hidden="true">']
        for year in range(self.first, self.last + 1):
            x = self.x(year)
            major = year % 5 == 0
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP - 6}" y2="{height - 6}" '
                f'class="kb-tl-grid{" kb-tl-grid-major" if major else ""}"/>'
            )
            if major or year == self.first:
                parts.append(f'<text x="{x:.1f}" y="{TOP - 12}" text-anchor="middle">{year}</text>')
        parts.append("</g>")
        return "".join(parts)

    def _row(self, mission: Mission | None, marks: list[Mark], y: float, height: float) -> str:
        mid = y + 16
        if mission is not None:
            hosts = countries_of(self.kb, mission.host)
            css = ["kb-tl-row", "kb-filterable", *classes("m", [mission.id]), *classes("c", hosts)]
            label = escape(mission.acronym)
        else:
            css = ["kb-tl-row", "kb-tl-row-other"]
            label = "Other events"
        parts = [f'<g class="{" ".join(css)}">']
        parts.append(
            f'<text class="kb-tl-label" x="{LEFT - 8}" y="{mid + 4:.1f}" '
            f'text-anchor="end">{label}</text>'
        )
        if mission is not None:
            parts.append(self._span(mission, mid))
        for mark in marks:
            parts.append(self._mark(mark, mid))
        parts.append("</g>")
        return "".join(parts)

    def _span(self, mission: Mission, mid: float) -> str:
        start = fractional_year(mission.authorized.date.earliest())
        x1 = self.x(max(start, self.first))
        since = ""
        if start < self.first:
            since = (
                f'<text class="kb-tl-since" x="{x1 + 4:.1f}" y="{mid - 8:.1f}" aria-hidden="true">'
                f"◀ since {mission.authorized.date.year}</text>"
            )
        if mission.ended is not None:
            x2 = self.x(fractional_year(mission.ended.date.latest()))
            shape = (
                f'<rect class="kb-tl-span" x="{x1:.1f}" y="{mid - 5:.1f}" '
                f'width="{max(x2 - x1, 2):.1f}" height="10" rx="3"/>'
            )
            until = f"until {mission.ended.date.human()}"
        else:
            x2 = self.x(self.last)
            shape = (
                f'<rect class="kb-tl-span kb-tl-open" x="{x1:.1f}" y="{mid - 5:.1f}" '
                f'width="{x2 - x1:.1f}" height="10" rx="3"/>'
            )
            until = "no end recorded"
        name = f"{mission.acronym}: authorised {mission.authorized.date.human()}, {until}"
        return (
            f'<a href="{self._href("mission", mission.id)}" aria-label="{escape(name)}">'
            f"<title>{escape(name)}</title>{shape}</a>{since}"
        )

    def _mark(self, mark: Mark, mid: float) -> str:
        event = mark.event
        assert event.occurred is not None
        date = event.occurred.date
        x1, x2 = self.x(mark.start), self._right(mark)
        offset = (mark.lane + 1) // 2 * LANE * (-1 if mark.lane % 2 else 1)
        cy = mid + offset
        hosts = [h for m in event.missions for h in self._hosts(m)]
        countries = countries_of(self.kb, event.places + hosts)
        css = [
            "kb-tl-mark",
            "kb-filterable",
            *classes("m", event.missions),
            *classes("c", countries),
            *classes("k", [event.type]),
        ]
        precise = date.precision == "day" and date.qualifier is None and event.ended is None
        if precise:
            shape = f'<circle cx="{(x1 + x2) / 2:.1f}" cy="{cy:.1f}" r="5"/>'
        else:
            kind = {"circa": "kb-tl-approx", "before": "kb-tl-before", "after": "kb-tl-after"}
            extra = kind.get(date.qualifier or "", "kb-tl-range")
            shape = (
                f'<rect class="{extra}" x="{x1:.1f}" y="{cy - 5:.1f}" '
                f'width="{x2 - x1:.1f}" height="10" rx="5"/>'
            )
        name = f"{date.human()}: {event.title}"
        if event.occurred.inferred:
            name += " (date inferred)"
        return (
            f'<a href="{self._href("event", event.id)}" class="{" ".join(css)}" '
            f'aria-label="{escape(name)}"><title>{escape(name)}</title>{shape}</a>'
        )

    def _href(self, kind: str, rid: str) -> str:
        return escape(self.links.record(self.page, kind, rid))

    def _hosts(self, mission_id: str) -> list[str]:
        mission = self.kb.get("mission", mission_id)
        return list(mission.host) if isinstance(mission, Mission) else []

    # -- filters ----------------------------------------------------------------------------
    def filters(self) -> str:
        """A filter form, hidden when JavaScript is off (the layout's ``noscript`` style):
        the page then reads as the plain chronological list below."""
        missions = [(m.id, m.acronym) for m in self.missions]
        country_ids: list[str] = []
        for m in self.missions:
            country_ids += countries_of(self.kb, m.host)
        for e in self.events:
            country_ids += countries_of(self.kb, e.places)
        countries = sorted(
            {(c, p.name) for c in country_ids if isinstance(p := self.kb.get("place", c), Place)},
            key=lambda item: item[1],
        )
        kinds = sorted({e.type for e in self.kb.all("event") if isinstance(e, Event)})
        return (
            '<form class="kb-tl-filters kb-js-only" aria-label="Filter the timeline">'
            + _select("m", "Operation", "All operations", missions)
            + _select("c", "Country", "All countries", countries)
            + _select("k", "Event kind", "All kinds", [(k, k) for k in kinds])
            + '<button type="reset" class="kb-tl-reset">Show all</button>'
            + '<p class="kb-tl-count" role="status" aria-live="polite">'
            + f"Showing all {len(self.kb.records['event'])} events.</p>"
            + "</form>"
        )

    def html(self) -> str:
        legend = (
            '<ul class="kb-tl-legend">'
            '<li><svg width="28" height="12" aria-hidden="true"><rect class="kb-tl-span" '
            'x="1" y="1" width="26" height="10" rx="3"/></svg> operation, authorisation to end</li>'
            '<li><svg width="28" height="12" aria-hidden="true"><rect class="kb-tl-span '
            'kb-tl-open" x="1" y="1" width="26" height="10" rx="3"/></svg> no end recorded</li>'
            '<li><svg width="14" height="12" aria-hidden="true"><circle cx="7" cy="6" r="5"/>'
            "</svg> event, exact day</li>"
            '<li><svg width="28" height="12" aria-hidden="true"><rect class="kb-tl-range" '
            'x="1" y="1" width="26" height="10" rx="5"/></svg> known to the month or year, '
            "or lasting several days</li>"
            '<li><svg width="28" height="12" aria-hidden="true"><rect class="kb-tl-approx" '
            'x="1" y="1" width="26" height="10" rx="5"/></svg> approximate (circa)</li>'
            '<li><svg width="28" height="12" aria-hidden="true"><rect class="kb-tl-before" '
            'x="1" y="1" width="26" height="10" rx="5"/></svg> before a date</li>'
            "</ul>"
        )
        return (
            '<div class="kb-tl">'
            + self.filters()
            + '<div class="kb-tl-scroll" tabindex="0" role="region" '
            'aria-label="Timeline chart (scrolls sideways)">'
            + self.svg()
            + "</div>"
            + legend
            + "</div>"
        )


def _select(key: str, label: str, everything: str, options: list[tuple[str, str]]) -> str:
    items = "".join(
        f'<option value="{escape(value)}">{escape(text)}</option>' for value, text in options
    )
    return (
        f'<label>{label} <select name="{key}" data-filter="{key}">'
        f'<option value="">{everything}</option>{items}</select></label>'
    )


def timeline_html(kb: Knowledge, links: Links | None = None) -> str:
    return Timeline(kb, links).html()


# -- the deployment map -------------------------------------------------------------------------

MAP_WIDTH = 1000


@dataclass(frozen=True)
class MapView:
    """An equirectangular view of a box of the world, scaled at ``parallel`` degrees."""

    west: float
    south: float
    east: float
    north: float
    parallel: float = 35.0

    @property
    def kx(self) -> float:
        return math.cos(math.radians(self.parallel))

    @property
    def scale(self) -> float:
        return MAP_WIDTH / ((self.east - self.west) * self.kx)

    @property
    def height(self) -> float:
        return (self.north - self.south) * self.scale

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.west) * self.kx * self.scale, (self.north - lat) * self.scale


def _view_for(points: list[tuple[float, float]]) -> MapView:
    lons = [p[0] for p in points] or [0.0]
    lats = [p[1] for p in points] or [0.0]
    pad_x, pad_y = 12.0, 8.0
    return MapView(
        max(-180.0, min(lons) - pad_x),
        max(-85.0, min(lats) - pad_y),
        min(180.0, max(lons) + pad_x),
        min(85.0, max(lats) + pad_y),
    )


def _path(view: MapView, polygons: list[list[list[tuple[float, float]]]]) -> str:
    parts = []
    for polygon in polygons:
        for ring in polygon:
            points = [view.project(lon, lat) for lon, lat in ring]
            if len(points) < 3:
                continue
            first, *rest = points
            parts.append(
                f"M{first[0]:.1f} {first[1]:.1f}"
                + "".join(f"L{x:.1f} {y:.1f}" for x, y in rest)
                + "Z"
            )
    return "".join(parts)


@dataclass
class MapMark:
    mission: Mission
    place: Place
    x: float
    y: float
    label_y: float = 0.0

    @property
    def status(self) -> str:
        if self.mission.type == "csto-collective-peacekeeping-force":
            return "csto"
        return "ended" if self.mission.ended else "open"

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]


STATUS_TEXT = {
    "open": "UN operation, no end recorded",
    "ended": "UN operation, ended",
    "csto": "CSTO deployment",
}


class DeploymentMap:
    """The operations' host countries on a map, each mark a link to its operation."""

    page = MAP

    def __init__(self, kb: Knowledge, links: Links | None = None) -> None:
        self.kb = kb
        self.links = links or Links()
        found = []
        for mission in kb.all("mission"):
            if not isinstance(mission, Mission) or not mission.host:
                continue
            place = kb.get("place", mission.host[0])
            if isinstance(place, Place):
                found.append((mission, place))
        points = [(p.coordinates.lon, p.coordinates.lat) for _, p in found]
        self.view = _view_for(points)
        self.marks = [
            MapMark(m, p, *self.view.project(p.coordinates.lon, p.coordinates.lat))
            for m, p in found
        ]
        self._place_labels()

    def _place_labels(self) -> None:
        placed: list[tuple[float, float]] = []
        for mark in sorted(self.marks, key=lambda m: (m.y, m.x)):
            label_y = mark.y + 4
            while any(abs(x - mark.x) < 90 and abs(y - label_y) < 15 for x, y in placed):
                label_y += 15
            mark.label_y = label_y
            placed.append((mark.x, label_y))

    def svg(self) -> str:
        view = self.view
        height = round(view.height)
        hosts = {_numeric(m.place.country_code) for m in self.marks} - {None}
        parts = [
            f'<svg class="kb-map-svg" viewBox="0 0 {MAP_WIDTH} {height}" width="{MAP_WIDTH}" '
            f'height="{height}" role="group" aria-labelledby="kb-map-title" '
            'xmlns="http://www.w3.org/2000/svg">',
            '<title id="kb-map-title">Map of the operations, each mark a link to its page</title>',
            '<g class="kb-map-land" aria-hidden="true">',
        ]
        for country in geo.countries():
            west, south, east, north = country.bbox()
            if east < view.west or west > view.east or north < view.south or south > view.north:
                continue
            host = country.id in hosts
            css = "kb-map-country kb-map-host" if host else "kb-map-country"
            parts.append(f'<path class="{css}" d="{_path(view, country.polygons)}"/>')
        parts.append("</g>")
        for mark in sorted(self.marks, key=lambda m: m.mission.acronym):
            parts.append(self._mark(mark))
        parts.append("</svg>")
        return "".join(parts)

    def _href(self, kind: str, rid: str) -> str:
        return escape(self.links.record(self.page, kind, rid))

    def _mark(self, mark: MapMark) -> str:
        name = f"{mark.mission.acronym}: {mark.place.name}, {STATUS_TEXT[mark.status]}"
        if mark.status == "csto":
            shape = (
                f'<rect x="{mark.x - 7:.1f}" y="{mark.y - 7:.1f}" width="14" height="14" '
                f'transform="rotate(45 {mark.x:.1f} {mark.y:.1f})"/>'
            )
        else:
            shape = f'<circle cx="{mark.x:.1f}" cy="{mark.y:.1f}" r="7"/>'
        leader = ""
        if abs(mark.label_y - (mark.y + 4)) > 1:
            leader = (
                f'<line class="kb-map-leader" x1="{mark.x + 6:.1f}" y1="{mark.y:.1f}" '
                f'x2="{mark.x + 11:.1f}" y2="{mark.label_y - 4:.1f}"/>'
            )
        href = self._href("mission", mark.mission.id)
        return (
            f'<a href="{href}" class="kb-map-mark kb-map-{mark.status}" '
            f'aria-label="{escape(name)}"><title>{escape(name)}</title>{shape}{leader}'
            f'<text x="{mark.x + 12:.1f}" y="{mark.label_y:.1f}">'
            f"{escape(mark.mission.acronym)}</text></a>"
        )

    def legend(self) -> str:
        items = []
        for status, text in STATUS_TEXT.items():
            shape = (
                '<rect x="3" y="3" width="10" height="10" transform="rotate(45 8 8)"/>'
                if status == "csto"
                else '<circle cx="8" cy="8" r="6"/>'
            )
            items.append(
                f'<li><svg class="kb-map-{status}" width="16" height="16" aria-hidden="true">'
                f"{shape}</svg> {text}</li>"
            )
        items.append(
            '<li><svg width="16" height="16" aria-hidden="true"><rect class="kb-map-country '
            'kb-map-host" x="1" y="3" width="14" height="10"/></svg> host country</li>'
        )
        return '<ul class="kb-map-legend">' + "".join(items) + "</ul>"

    def html(self) -> str:
        return (
            '<div class="kb-map">'
            '<div class="kb-map-scroll" tabindex="0" role="region" '
            'aria-label="Deployment map (scrolls sideways)">'
            + self.svg()
            + "</div>"
            + self.legend()
            + "</div>"
        )


def _numeric(alpha2: str | None) -> str | None:
    """ISO 3166-1 numeric code (as world-atlas ids its countries) of an alpha-2 code."""
    if alpha2 is None:
        return None
    country = pycountry.countries.get(alpha_2=alpha2)
    return None if country is None else str(country.numeric)


def map_html(kb: Knowledge, links: Links | None = None) -> str:
    return DeploymentMap(kb, links).html()
