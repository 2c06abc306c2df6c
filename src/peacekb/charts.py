"""Pictures drawn at build time: the timeline of operations and events, and the map of where
the operations are.

Everything here is a pure function of the knowledge base that returns HTML text; every piece
of record text in it passes through :func:`html.escape`. Links are relative to the page the
picture is placed on (the ``timeline`` and ``map`` pages), written by :class:`~peacekb.urls.Links`.

Both pictures keep their text at its size in CSS pixels whatever the width of the screen: the
timeline's SVG has no ``viewBox``, so its horizontal positions are percentages of its width and
everything vertical (rows, text, marks) is in pixels; the map's SVG scales with its column, and
its marks and names are HTML laid over it at fixed sizes, placed so that none overlaps another
at any width from a small phone's up.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import itertools
import math
from collections import Counter
from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import dataclass
from html import escape
from typing import Any

from . import geo
from .iso import ISO, IsoNames
from .knowledge import Knowledge
from .models import RECORD_KINDS, Event, Mission, PartialDate, Place
from .urls import DATA, MAP, TIMELINE, Links, download_path

# -- the timeline: sizes in CSS pixels ---------------------------------------------------------

TOP = 34  # room for the axis labels
LANE = 12  # vertical step between marks that would overlap
ROW_LABEL_SIZE = 13  # px, bold
AXIS_SIZE = 13  # px
MAX_LABEL = 96  # px: a row label wider than this is broken into two lines
# The plot's width on the narrowest phone the layout is made for (320 px): marks are put in
# lanes so that none overlaps another even there, and axis labels are spaced for it.
NARROW_PLOT = 180
# Plot widths from which a denser set of axis labels is shown (peacekb.css holds the same
# numbers, in its container queries).
DENSITIES = (NARROW_PLOT, 220, 360, 600)
MARK = 10  # px: the narrowest mark drawn, a day's circle or a short range
FADE = 1.5  # years over which an operation with no end fades out at the axis's end
# Estimates of a character's width, in em, in the sans-serif fonts a page may get: SVG text
# does not wrap or measure itself, so room is made with these.
CHAR_EM = 0.62
CAPS_EM = 0.75  # bold capitals: acronyms
AXIS_EM = 0.65  # digits and short month names


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


def period_keys(date: PartialDate) -> list[str]:
    """The periods of the timeline's period filter that a date falls in, as stated: its year,
    and its month where the month is known. The timeline page's list uses the same rule."""
    keys = [f"{date.year}"]
    if date.month is not None:
        keys.append(f"{date.year}-{date.month:02d}")
    return keys


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


def text_width(text: str, size: float, em: float = CHAR_EM) -> float:
    """An estimate of the width of one line of SVG or HTML text, in pixels."""
    return len(text) * size * em


@dataclass
class Mark:
    event: Event
    start: float
    end: float
    row: str
    lane: int = 0


@dataclass
class Row:
    """One row of the timeline: an operation's (``key`` its id) or the other events' ("")."""

    key: str
    mission: Mission | None
    marks: list[Mark]
    y: float  # top, in pixels
    mid: float  # the line the span and the first lane stand on
    height: float


@dataclass(frozen=True)
class Period:
    """A stretch of the timeline the reader can zoom to: a year, or a month with several
    events. ``start`` and ``end`` are fractional years."""

    key: str
    label: str
    start: float
    end: float


@dataclass(frozen=True)
class Tick:
    at: float  # fractional year
    label: str  # empty for a grid line without a label
    anchor: str = "middle"


def _month_start(year: int, month: int) -> float:
    return fractional_year((year, month, 1))


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


class Timeline:
    """The operations as spans across the years, the events as marks on them."""

    page = TIMELINE  # the page the picture is placed on: its links are relative to it
    # The downloads that hold the picture's data, linked under it.
    data_files = ("timeline.json", f"csv/{RECORD_KINDS['event'].plural}.csv")

    def __init__(self, kb: Knowledge, links: Links | None = None) -> None:
        self.kb = kb
        self.links = links or Links()
        self.missions = sorted(
            (m for m in kb.all("mission") if isinstance(m, Mission)),
            key=lambda m: (m.authorized.date.sort_key(), m.id),
        )
        self.events = [e for e in kb.all("event") if isinstance(e, Event) and e.occurred]
        windows = [self._window(e) for e in self.events]
        ended = [
            (
                fractional_year(m.authorized.date.earliest()),
                fractional_year(m.ended.date.latest()) + 1 / 365,
            )
            for m in self.missions
            if m.ended
        ]
        opened = [fractional_year(m.authorized.date.earliest()) for m in self.missions]
        # The axis starts where the data drawn in full starts: the first event, or the
        # authorisation of an operation that has ended. Operations still running from earlier
        # enter from the left edge, saying since when.
        starts = [w[0] for w in windows + ended] or opened or [2000.0]
        ends = [w[1] for w in windows + ended] + opened
        self.first = math.floor(min(starts))
        self.last = max(math.ceil(max(ends, default=self.first)), self.first + 1)

    @staticmethod
    def _window(event: Event) -> tuple[float, float]:
        assert event.occurred is not None
        start, end = date_window(event.occurred.date)
        if event.ended is not None:
            end = max(end, date_window(event.ended.date)[1])
        return start, end

    # -- geometry ---------------------------------------------------------------------------
    def pct(self, year: float) -> float:
        """Where a moment lies along the whole axis, in per cent of its width."""
        return (year - self.first) / (self.last - self.first) * 100

    def narrow_px(self, year: float) -> float:
        """Where a moment lies on the narrowest plot, in pixels."""
        return self.pct(year) / 100 * NARROW_PLOT

    def footprint(self, mark: Mark) -> tuple[float, float]:
        """The stretch a mark covers on the narrowest plot, in pixels: a circle reaches half
        its size to the left of its day, a range is never narrower than a circle."""
        left = self.narrow_px(mark.start)
        return left - MARK / 2, max(self.narrow_px(mark.end), left + MARK)

    def marks(self) -> dict[str, list[Mark]]:
        """The events by row (an operation's id, or "" for the others), each in a lane where it
        overlaps no other mark of its row on the narrowest plot, and so at any wider one."""
        rows: dict[str, list[Mark]] = {m.id: [] for m in self.missions}
        rows[""] = []
        for event in self.events:
            start, end = self._window(event)
            row = next((m for m in event.missions if m in rows), "")
            rows[row].append(Mark(event, start, end, row))
        for row_marks in rows.values():
            lanes: list[float] = []  # right edge of the last mark in each lane
            for mark in sorted(row_marks, key=lambda m: (m.start, m.event.id)):
                left, right = self.footprint(mark)
                for lane, edge in enumerate(lanes):
                    if left > edge + 2:
                        mark.lane, lanes[lane] = lane, right
                        break
                else:
                    mark.lane = len(lanes)
                    lanes.append(right)
        return rows

    def periods(self) -> list[Period]:
        """Each year with a dated event, and after it each of its months with two events or
        more: the stretches the period filter zooms to."""
        years = sorted({e.occurred.date.year for e in self.events if e.occurred})
        months = Counter(
            (e.occurred.date.year, e.occurred.date.month)
            for e in self.events
            if e.occurred and e.occurred.date.month is not None
        )
        found = []
        for year in years:
            found.append(Period(str(year), str(year), float(year), float(year + 1)))
            for (y, month), count in sorted(months.items()):
                if y == year and month is not None and count >= 2:
                    found.append(
                        Period(
                            f"{year}-{month:02d}",
                            f"{calendar.month_name[month]} {year}",
                            _month_start(year, month),
                            _month_start(*_next_month(year, month)),
                        )
                    )
        return found

    def grid(self, start: float, end: float) -> list[tuple[float, str, int]]:
        """The grid lines of the stretch from ``start`` to ``end``, each with the label it may
        carry and its number in its unit: years, or months for a stretch of a year or so, or
        days for a month."""
        span = end - start
        if span > 1.5:
            return [(float(y), str(y), y) for y in range(math.ceil(start), math.floor(end) + 1)]
        found = []
        year, month = math.floor(start), 1
        while (at := _month_start(year, month)) <= end + 1e-9:
            if span > 3 / 12 and at >= start - 1e-9:
                label = str(year) if month == 1 else calendar.month_abbr[month]
                found.append((at, label, month - 1))
            elif span <= 3 / 12:
                for day in range(1, calendar.monthrange(year, month)[1] + 1):
                    at = fractional_year((year, month, day))
                    if start - 1e-9 <= at <= end + 1e-9:
                        label = f"{day} {calendar.month_abbr[month]}" if day == 1 else str(day)
                        found.append((at, label, day - 1))
            year, month = _next_month(year, month)
        return found

    def ticks(self, start: float, end: float, width: float = NARROW_PLOT) -> list[Tick]:
        """The labels of the axis of the stretch from ``start`` to ``end`` on a plot ``width``
        pixels wide: at the most regular step at which none touches another or leaves the
        plot, and at the start of the stretch."""
        grid = self.grid(start, end)
        span = end - start
        steps = (
            (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
            if span > 1.5
            else ((1, 2, 3, 6, 12) if span > 3 / 12 else (1, 2, 7, 14))
        )
        first = [Tick(at, label, "start") for at, label, _ in grid if abs(at - start) < 1e-6]
        for step in steps:
            others = [
                Tick(at, label)
                for at, label, n in grid
                if n % step == 0
                and abs(at - start) >= 1e-6
                and not _leaves(Tick(at, label), start, end, width)
            ]
            if first and others and ticks_overlap([first[0], others[0]], start, end, width):
                others = others[1:]
            if not ticks_overlap(first + others, start, end, width):
                return first + others
        return first

    def row_label(self, mission: Mission | None) -> list[str]:
        """A row's name, in one line or two."""
        text = mission.acronym if mission is not None else "Other events"
        if text_width(text, ROW_LABEL_SIZE, CAPS_EM) <= MAX_LABEL or " " not in text.strip():
            return [text]
        words = text.split()
        best = len(words) // 2 or 1
        for cut in range(1, len(words)):
            if text_width(" ".join(words[:cut]), ROW_LABEL_SIZE, CAPS_EM) <= MAX_LABEL:
                best = cut
        return [" ".join(words[:best]), " ".join(words[best:])]

    @property
    def left(self) -> int:
        """The width of the column of row names, in pixels."""
        lines = [line for m in [*self.missions, None] for line in self.row_label(m)]
        widest = max(text_width(line, ROW_LABEL_SIZE, CAPS_EM) for line in lines)
        return round(min(max(widest + 12, 60), 150))

    # -- drawing ----------------------------------------------------------------------------
    def rows(self) -> list[Row]:
        """The rows from top to bottom, each operation's in order of authorisation, then the
        events of no operation; each as tall as its lanes need, its middle line below the
        lanes that go up."""
        marks = self.marks()
        found = []
        y = float(TOP)
        for mission in [*self.missions, None]:
            key = mission.id if mission is not None else ""
            lanes = max([m.lane for m in marks[key]] + [0])
            up = (lanes + 1) // 2
            height = max(34 + LANE * lanes, 38 if len(self.row_label(mission)) > 1 else 0)
            found.append(Row(key, mission, marks[key], y, y + 16 + up * LANE, height))
            y += height
        return found

    def height(self, rows: list[Row]) -> int:
        return round(TOP + sum(r.height for r in rows) + 10)

    def svg(self) -> str:
        """The plot: operations' spans and events' marks, across the whole axis."""
        rows = self.rows()
        height = self.height(rows)
        fade = self.pct(self.last - FADE)
        parts = [
            f'<svg class="kb-tl-svg" width="100%" height="{height}" role="group" '
            'aria-labelledby="kb-tl-title" xmlns="http://www.w3.org/2000/svg">',
            '<title id="kb-tl-title">Operations as spans from authorisation to end, '
            "events as marks on them</title>",
            # An operation with no end fades out over the axis's last years, whatever the zoom.
            f'<defs><linearGradient id="kb-tl-fade-right" gradientUnits="userSpaceOnUse" '
            f'x1="{max(fade, 0):.4f}%" x2="100%" y1="0" y2="0"><stop offset="0" '
            'class="kb-tl-stop"/><stop offset="1" class="kb-tl-stop kb-tl-stop-end"/>'
            '</linearGradient><linearGradient id="kb-tl-fade-left"><stop offset="0" '
            'class="kb-tl-stop kb-tl-stop-end"/><stop offset="1" class="kb-tl-stop"/>'
            '</linearGradient><linearGradient id="kb-tl-fade-key"><stop offset="0" '
            'class="kb-tl-stop"/><stop offset="1" class="kb-tl-stop kb-tl-stop-end"/>'
            "</linearGradient></defs>",
            self._axis(height),
        ]
        for row in rows:
            parts.append(self._row(row))
        parts.append("</svg>")
        return "".join(parts)

    def labels_svg(self) -> str:
        """The column of row names beside the plot, in the plot's rows."""
        rows = self.rows()
        left = self.left
        parts = [
            f'<svg class="kb-tl-labels" width="{left}" height="{self.height(rows)}" '
            'aria-hidden="true" xmlns="http://www.w3.org/2000/svg">'
        ]
        for row in rows:
            lines = self.row_label(row.mission)
            if row.mission is not None:
                hosts = countries_of(self.kb, row.mission.host)
                css = ["kb-tl-label", "kb-tl-row", "kb-filterable", *classes("m", [row.key])]
                css += classes("c", hosts)
            else:
                css = ["kb-tl-label"]
            first = row.mid + 4 - (8 if len(lines) > 1 else 0)
            tspans = "".join(
                f'<tspan x="{left - 8}" y="{first + 16 * i:.1f}">{escape(line)}</tspan>'
                for i, line in enumerate(lines)
            )
            parts.append(f'<text class="{" ".join(css)}" text-anchor="end">{tspans}</text>')
        parts.append("</svg>")
        return "".join(parts)

    def _axis(self, height: int) -> str:
        """The axis of the whole stretch and of each period, only one shown at a time: grid
        lines, and for each plot width in DENSITIES a set of labels (the page's style shows
        the set that fits the plot's width)."""
        views = [("", float(self.first), float(self.last))]
        views += [(p.key, p.start, p.end) for p in self.periods()]
        parts = ['<g class="kb-tl-axis" aria-hidden="true">']

        def line(at: float, css: str) -> str:
            x = f"{self.pct(at):.4f}%"
            return f'<line x1="{x}" x2="{x}" y1="{TOP - 6}" y2="{height - 6}" class="{css}"/>'

        for key, start, end in views:
            off = " kb-off" if key else ""
            parts.append(f'<g class="kb-tl-view{off}" data-view="{escape(key)}">')
            parts += [line(at, "kb-tl-grid") for at, _, _ in self.grid(start, end)]
            for i, width in enumerate(DENSITIES):
                parts.append(f'<g class="kb-tl-d{i}">')
                for tick in self.ticks(start, end, width):
                    parts.append(line(tick.at, "kb-tl-grid kb-tl-grid-major"))
                    parts.append(
                        f'<text x="{self.pct(tick.at):.4f}%" y="{TOP - 12}" '
                        f'text-anchor="{tick.anchor}">{escape(tick.label)}</text>'
                    )
                parts.append("</g>")
            parts.append("</g>")
        parts.append("</g>")
        return "".join(parts)

    def _row(self, row: Row) -> str:
        if row.mission is not None:
            hosts = countries_of(self.kb, row.mission.host)
            css = ["kb-tl-row", "kb-filterable", *classes("m", [row.key]), *classes("c", hosts)]
        else:
            css = ["kb-tl-row", "kb-tl-row-other"]
        parts = [f'<g class="{" ".join(css)}">']
        if row.mission is not None:
            parts.append(self._span(row.mission, row.mid))
        for mark in row.marks:
            parts.append(self._mark(mark, row.mid))
        parts.append("</g>")
        return "".join(parts)

    def _span(self, mission: Mission, mid: float) -> str:
        start = fractional_year(mission.authorized.date.earliest())
        x1 = self.pct(max(start, self.first))
        since = ""
        if start < self.first:
            since = (
                f'<text class="kb-tl-since" x="{x1:.4f}%" dx="4" y="{mid - 8:.1f}" '
                f'aria-hidden="true">◀ since {mission.authorized.date.year}</text>'
            )
        if mission.ended is not None:
            x2 = self.pct(fractional_year(mission.ended.date.latest()) + 1 / 365)
            css = "kb-tl-span"
            until = f"until {mission.ended.date.human()}"
        else:
            x2 = 100.0
            css = "kb-tl-span kb-tl-open"
            until = "no end recorded"
        width = f"{max(x2 - x1, 0.0):.4f}%"
        shape = (
            f'<rect class="{css}" x="{x1:.4f}%" y="{mid - 5:.1f}" width="{width}" height="10" '
            f'rx="3" style="width:max({width},4px)"/>'
        )
        name = f"{mission.acronym}: authorised {mission.authorized.date.human()}, {until}"
        return (
            f'<a href="{self._href("mission", mission.id)}" aria-label="{escape(name)}">'
            f"<title>{escape(name)}</title>{shape}</a>{since}"
        )

    def _mark(self, mark: Mark, mid: float) -> str:
        event = mark.event
        assert event.occurred is not None
        date = event.occurred.date
        x1, x2 = self.pct(mark.start), self.pct(mark.end)
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
            *classes("p", period_keys(date)),
        ]
        precise = date.precision == "day" and date.qualifier is None and event.ended is None
        if precise:
            shape = f'<circle cx="{(x1 + x2) / 2:.4f}%" cy="{cy:.1f}" r="{MARK // 2}"/>'
        else:
            kind = {"circa": "kb-tl-approx", "before": "kb-tl-before", "after": "kb-tl-after"}
            extra = kind.get(date.qualifier or "", "kb-tl-range")
            # Never narrower than a circle, at any width or zoom (SVG 2 geometry in CSS; a
            # browser without it draws the range at its true width).
            width = f"{x2 - x1:.4f}%"
            shape = (
                f'<rect class="{extra}" x="{x1:.4f}%" y="{cy - 5:.1f}" width="{width}" '
                f'height="10" rx="5" style="width:max({width},{MARK}px)"/>'
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
        the page then reads as the plain chronological list below. Each select's name is the
        parameter that keeps its choice in the page's address (``?operation=…``)."""
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
        periods = "".join(
            f'<option value="{escape(p.key)}" data-start="{p.start:.6f}" '
            f'data-end="{p.end:.6f}">{escape(p.label)}</option>'
            for p in self.periods()
        )
        return (
            '<form class="kb-tl-filters kb-js-only" aria-label="Filter the timeline" '
            'autocomplete="off">'
            + _select("operation", "m", "Operation", "All operations", missions)
            + _select("place", "c", "Event place", "All places", countries)
            + _select("kind", "k", "Kind of event", "All kinds", [(k, k) for k in kinds])
            + '<label>Period <select name="period" data-filter="p">'
            f'<option value="">All years ({self.first}&#8211;{self.last})</option>{periods}'
            "</select></label>"
            + '<button type="reset" class="kb-tl-reset">Show all</button>'
            + '<p class="kb-tl-count" role="status" aria-live="polite">'
            + f"Showing all {len(self.kb.all('event'))} events.</p>"
            + "</form>"
        )

    def legend(self) -> str:
        return (
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

    def html(self) -> str:
        return (
            '<div class="kb-tl">'
            + self.filters()
            + '<div class="kb-tl-chart">'
            + self.labels_svg()
            + f'<div class="kb-tl-plot" data-first="{self.first}" data-last="{self.last}">'
            + self.svg()
            + "</div></div>"
            + self.legend()
            + "</div>"
        )


def _label_box(tick: Tick, start: float, end: float, width: float) -> tuple[float, float]:
    x = (tick.at - start) / (end - start) * width
    w = text_width(tick.label, AXIS_SIZE, AXIS_EM)
    left = {"start": x, "end": x - w}.get(tick.anchor, x - w / 2)
    return left, left + w


def _leaves(tick: Tick, start: float, end: float, width: float) -> bool:
    left, right = _label_box(tick, start, end, width)
    return left < 0 or right > width


def ticks_overlap(ticks: list[Tick], start: float, end: float, width: float = NARROW_PLOT) -> bool:
    """Whether two of the labels would touch, or one leave the plot, on a plot ``width``
    pixels wide showing the stretch from ``start`` to ``end``."""
    boxes = sorted(_label_box(t, start, end, width) for t in ticks if t.label)
    if any(_leaves(t, start, end, width) for t in ticks if t.label):
        return True
    return any(b[0] < a[1] + 6 for a, b in itertools.pairwise(boxes))


def _select(
    name: str, key: str, label: str, everything: str, options: list[tuple[str, str]]
) -> str:
    items = "".join(
        f'<option value="{escape(value)}">{escape(text)}</option>' for value, text in options
    )
    return (
        f'<label>{label} <select name="{name}" data-filter="{key}">'
        f'<option value="">{everything}</option>{items}</select></label>'
    )


def timeline_html(kb: Knowledge, links: Links | None = None) -> str:
    return Timeline(kb, links).html()


# -- the downloads under a chart ------------------------------------------------------------------


def downloads_html(links: Links, page: str, names: Iterable[str]) -> str:
    """A line of links from ``page`` to the downloads ``names`` (paths under the downloads
    folder), and to the Data page that lists them all."""
    items = [
        f'<a href="{escape(links.file(page, download_path(name)))}">'
        f"{escape(name.rpartition('/')[2])}</a>"
        for name in names
    ]
    if not items:
        return ""
    return (
        '<p class="kb-chart-data">The data behind this chart: '
        + ", ".join(items)
        + f' (or <a href="{escape(links.relative(page, DATA))}">every download</a>).</p>'
    )


# -- the deployment map -------------------------------------------------------------------------

MAP_WIDTH = 1000
DOT = 16  # px: a mark's box
DOT_SIZE = 14  # px: the mark drawn in it, with its outline
LABEL_SIZE = 13  # px, bold
LABEL_HEIGHT = 18  # px: a label's line, with its background
LABEL_GAP = 11  # px from a mark's centre to its label
LABEL_SIDES = ("right", "left", "below", "above")
LABEL_STEP = 10  # px: how far a label moves up or down at a time, off another
# Map widths, in pixels, at which no label may overlap another label or a mark, nor leave the
# map: from a 320 px phone's column to a wide desktop column.
CHECK_WIDTHS = (288, 343, 420, 560, 720, 1000)


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

    def contains(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north


def _view_for(points: list[tuple[float, float]]) -> MapView:
    """The marks' extent, with room around it for the marks and their names."""
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


Box = tuple[float, float, float, float]  # left, top, right, bottom, in pixels


class _Grid:
    """Boxes filed by the square cells they cover: what may touch a box is in its cells."""

    CELL = 96.0  # px: about a label's width

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[tuple[Box, int]]] = {}

    def _cells(self, box: Box) -> Iterator[tuple[int, int]]:
        c = self.CELL
        for x in range(math.floor(box[0] / c), math.floor(box[2] / c) + 1):
            for y in range(math.floor(box[1] / c), math.floor(box[3] / c) + 1):
                yield (x, y)

    def add(self, box: Box, key: int) -> None:
        for cell in self._cells(box):
            self.cells.setdefault(cell, []).append((box, key))

    def overlaps(self, box: Box, but: int | None = None) -> int:
        """How many filed boxes (other than those filed under ``but``) touch ``box``."""
        seen: set[tuple[Box, int]] = set()
        for cell in self._cells(box):
            for entry in self.cells.get(cell, ()):
                if entry[1] != but and entry not in seen and boxes_overlap(box, entry[0]):
                    seen.add(entry)
        return len(seen)


def boxes_overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@dataclass
class MapMark:
    mission: Mission
    place: Place
    x: float  # in the map's SVG units (MAP_WIDTH wide)
    y: float
    label_dy: float = 0.0  # px: how far the label stands below where its side puts it
    label_side: str = "right"  # of the mark: right, left, below or above
    # The operation's type, from the vocabulary: its marker's shape and its name.
    marker: str = "circle"
    type_label: str = ""

    @property
    def status(self) -> str:
        """Whether the records give the operation an end: the mark's colour."""
        return "ended" if self.mission.ended else "open"

    @property
    def status_text(self) -> str:
        kind = f"{self.type_label}, " if self.type_label else ""
        return kind + STATUS_TEXT[self.status]

    @property
    def label_width(self) -> float:
        return text_width(self.mission.acronym, LABEL_SIZE, CAPS_EM) + 6

    def dot(self, width: float) -> Box:
        """The mark on a map ``width`` pixels wide."""
        k, r = width / MAP_WIDTH, DOT_SIZE / 2
        return (self.x * k - r, self.y * k - r, self.x * k + r, self.y * k + r)

    def label(self, width: float, dy: float | None = None, side: str | None = None) -> Box:
        """The label on a map ``width`` pixels wide (where it is, or where it would be)."""
        k = width / MAP_WIDTH
        x, y = self.x * k, self.y * k
        left, top = self.label_offset(dy, side)
        return (x + left, y + top, x + left + self.label_width, y + top + LABEL_HEIGHT)

    def label_offset(self, dy: float | None = None, side: str | None = None) -> tuple[float, float]:
        """Where the label's top left corner stands from the mark's centre, in pixels."""
        dy = self.label_dy if dy is None else dy
        side = self.label_side if side is None else side
        w = self.label_width
        left = {"right": LABEL_GAP, "left": -LABEL_GAP - w}.get(side, -w / 2)
        top = {"below": DOT_SIZE / 2 + 1, "above": -DOT_SIZE / 2 - 1 - LABEL_HEIGHT}.get(
            side, -LABEL_HEIGHT / 2
        )
        return left, top + dy


STATUS_TEXT = {"open": "no end recorded", "ended": "ended"}
# A marker's shape in a 16 px box.
MARKER_SHAPES = {
    "circle": '<circle cx="8" cy="8" r="6"/>',
    "diamond": '<rect x="3" y="3" width="10" height="10" transform="rotate(45 8 8)"/>',
}


class DeploymentMap:
    """The operations' host countries on a map, each mark a link to its operation."""

    page = MAP
    data_files = (
        f"csv/{RECORD_KINDS['mission'].plural}.csv",
        f"csv/{RECORD_KINDS['place'].plural}.csv",
        "peacekb.json",
    )

    def __init__(
        self,
        kb: Knowledge,
        links: Links | None = None,
        memo: MutableMapping[str, Any] | None = None,
        iso: IsoNames = ISO,
    ) -> None:
        """``memo``: label placements of earlier builds, by a digest of what they depend on
        (kept by the Sphinx extension while the engine's code is the same); ``iso``: where the
        countries' codes come from (see :mod:`peacekb.iso`)."""
        self.kb = kb
        self.links = links or Links()
        self.iso = iso
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
            MapMark(
                m,
                p,
                *self.view.project(p.coordinates.lon, p.coordinates.lat),
                marker=kb.operation_type(m.type).marker,
                type_label=kb.operation_type(m.type).label,
            )
            for m, p in found
        ]
        self._placed(memo)

    @property
    def height(self) -> int:
        return round(self.view.height)

    def _fits(self, box: Box, width: float) -> bool:
        height = width * self.height / MAP_WIDTH
        return box[0] >= 2 and box[1] >= 2 and box[2] <= width - 2 and box[3] <= height - 2

    def _placed(self, memo: MutableMapping[str, Any] | None) -> None:
        """Place the labels, or take the placement an earlier build made of the same marks."""
        if memo is None:
            self._place_labels()
            return
        inputs = (
            self.height,
            CHECK_WIDTHS,
            [(m.mission.id, m.x, m.y, m.label_width) for m in self.marks],
        )
        key = "map-labels:" + hashlib.sha256(repr(inputs).encode()).hexdigest()
        placed = memo.get(key)
        if isinstance(placed, list) and len(placed) == len(self.marks):
            for mark, (dy, side) in zip(self.marks, placed, strict=True):
                mark.label_dy, mark.label_side = dy, side
            return
        self._place_labels()
        memo[key] = [(m.label_dy, m.label_side) for m in self.marks]

    def _place_labels(self) -> None:
        """Each label beside its mark, or moved up or down, or to the left: the nearest place
        where it touches no other label or mark and stays on the map at every width in
        CHECK_WIDTHS (or, where there is none, the one with the fewest such faults).

        Near-linear: at each width the marks and the placed labels sit in a grid of cells, and
        a label is checked against what shares its cells only; a candidate is dropped as soon
        as it has as many faults as the best so far, and the first without faults is taken."""
        shifts = [0.0] + [float(s * LABEL_STEP * d) for s in range(1, 9) for d in (1, -1)]
        candidates = [(dy, side) for dy in shifts for side in LABEL_SIDES]
        dots = {w: _Grid() for w in CHECK_WIDTHS}
        labels = {w: _Grid() for w in CHECK_WIDTHS}
        for w in CHECK_WIDTHS:
            for mark in self.marks:
                dots[w].add(mark.dot(w), id(mark))
        for mark in sorted(self.marks, key=lambda m: (m.y, m.x, m.mission.id)):
            best, fewest = candidates[0], math.inf
            for dy, side in candidates:
                faults = 0
                for w in CHECK_WIDTHS:
                    box = mark.label(w, dy, side)
                    faults += not self._fits(box, w)
                    faults += labels[w].overlaps(box) + dots[w].overlaps(box, but=id(mark))
                    if faults >= fewest:
                        break
                if faults < fewest:
                    best, fewest = (dy, side), faults
                    if faults == 0:
                        break
            mark.label_dy, mark.label_side = best
            for w in CHECK_WIDTHS:
                labels[w].add(mark.label(w), id(mark))

    def svg(self) -> str:
        """The land: every country in view, the operations' hosts shaded."""
        view = self.view
        height = self.height
        hosts = {
            self.iso.country_numeric(m.place.country_code)
            for m in self.marks
            if m.place.country_code is not None
        } - {None}
        parts = [
            f'<svg class="kb-map-svg" viewBox="0 0 {MAP_WIDTH} {height}" width="{MAP_WIDTH}" '
            f'height="{height}" role="img" aria-labelledby="kb-map-title" '
            'xmlns="http://www.w3.org/2000/svg">',
            '<title id="kb-map-title">Map of the operations\' host countries; the marks on '
            "it are links to the operations</title>",
            '<g class="kb-map-land">',
        ]
        for country in geo.countries():
            west, south, east, north = country.bbox()
            if east < view.west or west > view.east or north < view.south or south > view.north:
                continue
            host = country.id in hosts
            css = "kb-map-country kb-map-host" if host else "kb-map-country"
            parts.append(f'<path class="{css}" d="{_path(view, country.polygons)}"/>')
        parts.append("</g></svg>")
        return "".join(parts)

    def _href(self, kind: str, rid: str) -> str:
        return escape(self.links.record(self.page, kind, rid))

    def _mark(self, mark: MapMark) -> str:
        name = escape(f"{mark.mission.acronym}: {mark.place.name}, {mark.status_text}")
        shape = MARKER_SHAPES[mark.marker]
        # Where the label stands from the mark: its side's class places it across (the page's
        # style), its top here.
        _, label_top = mark.label_offset()
        side = f" kb-map-label-{mark.label_side}"
        left = mark.x / MAP_WIDTH * 100
        top = mark.y / self.height * 100 if self.height else 0.0
        return (
            f'<li style="left:{left:.3f}%;top:{top:.3f}%">'
            f'<a href="{self._href("mission", mark.mission.id)}" '
            f'class="kb-map-mark kb-map-{mark.status} kb-map-{mark.marker}" aria-label="{name}">'
            f'<svg class="kb-map-dot" width="{DOT}" height="{DOT}" viewBox="0 0 {DOT} {DOT}" '
            f'aria-hidden="true"><title>{name}</title>{shape}</svg>'
            f'<span class="kb-map-label{side}" style="top:{label_top:.0f}px">'
            f"{escape(mark.mission.acronym)}</span></a></li>"
        )

    def legend(self) -> str:
        """The shapes (one per operation type on the map, in the vocabulary's order and named
        by its labels), the colours (an end recorded or not), and the host countries."""
        items = []
        types = self.kb.vocabulary.operation_types if self.kb.vocabulary else []
        order = {t.id: i for i, t in enumerate(types)}
        labels: dict[str, list[str]] = {}
        for mark in sorted(
            self.marks, key=lambda m: (order.get(m.mission.type, len(order)), m.mission.type)
        ):
            named = labels.setdefault(mark.marker, [])
            if mark.type_label not in named:
                named.append(mark.type_label)
        for marker, named in labels.items() if len(labels) > 1 else ():
            items.append(
                f'<li><svg class="kb-map-key" width="16" height="16" aria-hidden="true">'
                f"{MARKER_SHAPES[marker]}</svg> {escape(', '.join(named))}</li>"
            )
        for status, text in STATUS_TEXT.items():
            items.append(
                f'<li><svg class="kb-map-{status}" width="16" height="16" aria-hidden="true">'
                f"{MARKER_SHAPES['circle']}</svg> operation, {text}</li>"
            )
        items.append(
            '<li><svg width="16" height="16" aria-hidden="true"><rect class="kb-map-country '
            'kb-map-host" x="1" y="3" width="14" height="10"/></svg> host country</li>'
        )
        return '<ul class="kb-map-legend">' + "".join(items) + "</ul>"

    def html(self) -> str:
        marks = sorted(self.marks, key=lambda m: m.mission.acronym)
        return (
            '<div class="kb-map"><div class="kb-map-frame">'
            + self.svg()
            + '<ul class="kb-map-marks" aria-label="Operations on the map">'
            + "".join(self._mark(m) for m in marks)
            + "</ul></div>"
            + self.legend()
            + "</div>"
        )


def map_html(kb: Knowledge, links: Links | None = None) -> str:
    return DeploymentMap(kb, links).html()
