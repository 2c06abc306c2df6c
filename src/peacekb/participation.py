"""One country's part in the operations: where, when, how many and in what role, as the records
give it, for the participation page, the operations index and a chart drawn at build time.

The country is a place record named in the configuration (the "focus"); nothing here knows
which. An operation belongs to the focus when a contingent of the focus place served in it, or
a person of the focus served in it: a member of such a contingent, or someone holding a post in
one of the focus place's organisations. Numbers are the records' :class:`~peacekb.models.Count`
values as they stand, each with its own words: never added up, never estimated.

The chart follows :mod:`peacekb.charts`: a pure function of the knowledge base returning HTML,
every piece of record text through :func:`html.escape`, links relative to the page it stands on
(``participation``), written by :class:`~peacekb.urls.Links`.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from html import escape

from .charts import countries_of, date_window, fractional_year
from .knowledge import Knowledge
from .models import Contingent, Count, Event, Mission, Organization, PartialDate, Person, Place
from .urls import PARTICIPATION, Links

# The kinds of event that say a country's people arrived, changed over or left.
PARTICIPATION_EVENTS = ("deployment", "rotation", "return")
NOT_REPORTED = "not reported"


def possessive(name: str) -> str:
    """English possessive of a name: "Freedonia's", "the Netherlands'"."""
    return name + ("'" if name.endswith("s") else "'s")


def focus_problem(kb: Knowledge, focus: str) -> str | None:
    """Why ``focus`` cannot be the focus country (a message for a warning), or None."""
    if not focus or isinstance(kb.get("place", focus), Place):
        return None
    return (
        f"peacekb_focus_country is {focus!r}, which is not the id of a place in the records: "
        "no participation page is written"
    )


def _earliest(dates: list[PartialDate]) -> PartialDate | None:
    return min(dates, key=lambda d: (d.earliest(), d.sort_key()), default=None)


def _latest(dates: list[PartialDate]) -> PartialDate | None:
    return max(dates, key=lambda d: (d.latest(), d.sort_key()), default=None)


@dataclass
class Row:
    """What the records say of the focus country in one operation."""

    mission: Mission
    contingents: list[Contingent] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    first: PartialDate | None = None
    last: PartialDate | None = None

    @property
    def counts(self) -> list[Count]:
        """Every strength the records give, one by one, in record order."""
        return [count for c in self.contingents for count in c.strength]

    @property
    def roles(self) -> list[str]:
        found: list[str] = []
        for c in self.contingents:
            if c.role and c.role not in found:
                found.append(c.role)
        return found

    @staticmethod
    def precision(date: PartialDate) -> str:
        """How precisely ``date`` is known, in the words the other pages use."""
        from .pages import precision_label  # pages imports this module

        return precision_label(date)

    @property
    def dated_events(self) -> list[Event]:
        return [e for e in self.events if e.occurred is not None]

    @property
    def undated_events(self) -> list[Event]:
        return [e for e in self.events if e.occurred is None]


def _sort_event(event: Event) -> tuple[object, ...]:
    if event.occurred is not None:
        return (0, event.occurred.date.sort_key(), event.id)
    return (1, event.id)


class Participation:
    """The operations the records connect to the focus place, one :class:`Row` each."""

    def __init__(self, kb: Knowledge, place: Place, links: Links | None = None) -> None:
        self.kb = kb
        self.place = place
        self.links = links or Links()
        self.name = place.name
        self.possessive = possessive(place.name)
        self.title = f"{self.possessive} participation"
        contingents = [
            c for c in kb.all("contingent") if isinstance(c, Contingent) and self.within(c.country)
        ]
        organizations = {
            o.id for o in kb.all("organization") if isinstance(o, Organization) and self._ours(o)
        }
        members = {m for c in contingents for m in c.members}
        people = [
            p
            for p in kb.all("person")
            if isinstance(p, Person)
            and (p.id in members or any(post.organization in organizations for post in p.posts))
        ]
        ours = {c.id for c in contingents} | {p.id for p in people} | organizations
        rows: dict[str, Row] = {}

        def row(mission_id: str) -> Row | None:
            mission = kb.get("mission", mission_id)
            if not isinstance(mission, Mission):
                return None
            return rows.setdefault(mission_id, Row(mission))

        for c in contingents:
            if (r := row(c.mission)) is not None:
                r.contingents.append(c)
        for p in people:
            for mission_id in dict.fromkeys([*p.missions, *(x.mission for x in p.posts)]):
                if mission_id is not None and (r := row(mission_id)) is not None:
                    r.people.append(p)
        for event in kb.all("event"):
            if not isinstance(event, Event) or event.type not in PARTICIPATION_EVENTS:
                continue
            concerns_us = any(x.who in ours for x in event.participants) or any(
                self.within(pl) for pl in event.places
            )
            for mission_id in event.missions:
                if concerns_us and mission_id in rows:
                    rows[mission_id].events.append(event)
        for r in rows.values():
            posts = [x for p in r.people for x in p.posts if x.mission == r.mission.id]
            starts = [c.start.date for c in r.contingents if c.start] + [
                x.start for x in posts if x.start
            ]
            ends = [c.end.date for c in r.contingents if c.end] + [x.end for x in posts if x.end]
            r.first, r.last = _earliest(starts), _latest(ends)
            r.events.sort(key=_sort_event)
        self.rows = sorted(
            rows.values(), key=lambda r: (r.mission.authorized.date.sort_key(), r.mission.id)
        )
        self.hosted = [
            m
            for m in kb.all("mission")
            if isinstance(m, Mission)
            and m.id not in rows
            and any(self.within(h) for h in countries_of(kb, m.host))
        ]

    @classmethod
    def of(cls, kb: Knowledge, focus: str, links: Links | None = None) -> Participation | None:
        """The participation of the place ``focus``; None when it is empty or not a place."""
        place = kb.get("place", focus) if focus else None
        return cls(kb, place, links) if isinstance(place, Place) else None

    def within(self, place_id: str | None) -> bool:
        """Whether the place is the focus place or lies inside it."""
        seen: set[str] = set()
        while place_id is not None and place_id not in seen:
            if place_id == self.place.id:
                return True
            seen.add(place_id)
            place = self.kb.get("place", place_id)
            place_id = place.within if isinstance(place, Place) else None
        return False

    def _ours(self, organization: Organization) -> bool:
        seen: set[str] = set()
        current: Organization | None = organization
        while current is not None and current.id not in seen:
            if self.within(current.country):
                return True
            seen.add(current.id)
            parent = self.kb.get("organization", current.part_of or "")
            current = parent if isinstance(parent, Organization) else None
        return False

    def row(self, mission_id: str) -> Row | None:
        return next((r for r in self.rows if r.mission.id == mission_id), None)

    def chart_html(self) -> str:
        return ParticipationChart(self).html()


# -- the chart ------------------------------------------------------------------------------------

# Drawn at about one SVG unit to a pixel in a desktop column; under MIN_WIDTH pixels the chart
# scrolls sideways rather than shrink its smallest text (14 units) below 12 pixels.
WIDTH = 680
MIN_WIDTH = 600
LEFT = 96  # room for the operations' names, at least
LABEL_SIZE = 15
RIGHT = 16
TOP = 30  # room for the year labels
BAR_ZONE = 28  # height of the bars' line in a row
LINE = 18  # height of one line of text under the bars
PAD = 8
MIN_MARK = 5
NOTE_SIZE = 14
TAIL = 1.5  # years over which an ongoing operation's bar fades out
# An estimate of the widest character, in em: SVG text does not wrap, so lines are broken here.
CHAR_EM = 0.58

STYLE = """
.kb-pt-svg{display:block;width:100%;min-width:MIN_WIDTHpx;height:auto;font-family:inherit}
.kb-pt-svg text{fill:var(--pst-color-text-base,#222)}
.kb-pt-axis text{font-size:14px;fill:var(--pst-color-text-muted,#555)}
.kb-pt-grid{stroke:var(--pst-color-border,#ccc);stroke-width:1}
.kb-pt-sep{stroke:var(--pst-color-border,#ccc);stroke-width:.5}
.kb-pt-label{font-size:LABEL_SIZEpx;font-weight:600}
.kb-pt-note{font-size:NOTE_SIZEpx}
.kb-pt-note.kb-pt-none{fill:var(--pst-color-text-muted,#555);font-style:italic}
.kb-pt-svg a text.kb-pt-undated{fill:var(--pst-color-link,#0a58ca);text-decoration:underline}
.kb-pt-life{fill:var(--pst-color-primary,#0a7d91);opacity:.4}
.kb-pt-tail{fill:url(#kb-pt-fade)}
.kb-pt-key-tail{fill:url(#kb-pt-fade-key)}
.kb-pt-stop{stop-color:var(--pst-color-primary,#0a7d91);stop-opacity:1}
.kb-pt-stop-end{stop-opacity:.05}
.kb-pt-ours{fill:var(--pst-color-text-base,#222)}
.kb-pt-event path{fill:var(--pst-color-secondary,#c2185b);stroke:var(--pst-color-background,#fff);
stroke-width:1.5}
.kb-pt-svg a:hover .kb-pt-life,.kb-pt-svg a:focus-visible .kb-pt-life{opacity:.6}
.kb-pt-svg a:focus-visible{outline:none}
.kb-pt-svg a:focus-visible .kb-pt-label,.kb-pt-svg a:hover .kb-pt-label{text-decoration:underline}
.kb-pt-event:hover path,.kb-pt-event:focus-visible path{stroke:var(--pst-color-text-base,#222);
stroke-width:3}
.kb-pt-scroll{overflow-x:auto;max-width:100%;border:1px solid var(--pst-color-border,#ccc);
border-radius:4px}
.kb-pt-scroll:focus-visible{outline:3px solid var(--pst-color-primary,#0a7d91)}
.kb-pt-legend{list-style:none;display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;padding:0;
margin:.5rem 0 1.5rem;font-size:.85em}
.kb-pt-legend li{display:flex;align-items:center;gap:.35rem;margin:0}
.kb-pt-hint{display:none;margin:.25rem 0 0;font-size:.85em;color:var(--pst-color-text-muted,#555)}
.kb-pt-hint.kb-shown{display:block}
"""
STYLE = (
    STYLE.replace("\n", "")
    .replace("}", "}\n")
    .replace("MIN_WIDTH", str(MIN_WIDTH))
    .replace("NOTE_SIZE", str(NOTE_SIZE))
    .replace("LABEL_SIZE", str(LABEL_SIZE))
)


def _wrap(text: str, size: float, width: float) -> list[str]:
    chars = max(12, int(width / (size * CHAR_EM)))
    return textwrap.wrap(text, chars, break_long_words=True, break_on_hyphens=False) or [""]


@dataclass
class _Line:
    text: str
    css: str
    href: str = ""
    label: str = ""


class ParticipationChart:
    page = PARTICIPATION  # the page the chart is placed on: its links are relative to it

    """One row per operation: its lifetime as a light bar, the focus country's reported
    participation as a dark bar between the first and last reported dates, deployments,
    rotations and returns as diamonds; under the bars, the numbers as the records give them."""

    def __init__(self, participation: Participation) -> None:
        self.p = participation
        self.links = participation.links
        kb = participation.kb
        years: list[int] = []
        for r in participation.rows:
            m = r.mission
            years += [m.authorized.date.year]
            years += [f.date.year for f in (m.started, m.ended) if f is not None]
            years += [d.year for d in (r.first, r.last) if d is not None]
            years += [e.occurred.date.year for e in r.dated_events if e.occurred]
        # An operation still running reaches the newest date the records know of.
        known = [
            e.occurred.date.year for e in kb.all("event") if isinstance(e, Event) and e.occurred
        ]
        known += [s.published.year for s in kb.sources.values() if s.published]
        self.first = min(years, default=2000)
        self.last = max([*years, *(y for y in known if y >= self.first)], default=self.first) + 1
        # Acronyms in bold capitals: about 0.8 em a letter.
        longest = max((len(r.mission.acronym) for r in participation.rows), default=0)
        self.left = min(WIDTH // 3, max(LEFT, round(longest * LABEL_SIZE * 0.8) + 18))
        self.plot = WIDTH - self.left - RIGHT

    def x(self, year: float) -> float:
        return self.left + (year - self.first) / (self.last - self.first) * self.plot

    # -- words ------------------------------------------------------------------------------
    def lifetime_text(self, m: Mission) -> str:
        text = f"authorised {m.authorized.date.human()}"
        if m.started is not None:
            text += f", started {m.started.date.human()}"
        return text + (f", ended {m.ended.date.human()}" if m.ended else ", ongoing")

    def reported_text(self, r: Row) -> str:
        if r.first is None and r.last is None:
            return f"dates {NOT_REPORTED}"
        first = r.first.human() if r.first else NOT_REPORTED
        last = r.last.human() if r.last else NOT_REPORTED
        return f"first reported {first}, last reported {last}"

    def counts_text(self, r: Row) -> str:
        return "; ".join(f"{c.value} {c.what}" for c in r.counts)

    def row_label(self, r: Row) -> str:
        ours = possessive(self.p.name)
        personnel = self.counts_text(r) or NOT_REPORTED
        return (
            f"{r.mission.acronym}: operation {self.lifetime_text(r.mission)}. {ours} "
            f"participation: {self.reported_text(r)}. Personnel: {personnel}."
        )

    def lines(self, r: Row) -> list[_Line]:
        found: list[_Line] = []
        for c in r.counts:
            found += [_Line(t, "kb-pt-note kb-pt-count") for t in self._wrap(f"{c.value} {c.what}")]
        undated = r.first is None and r.last is None
        if not r.counts:
            both = " and participation dates" if undated else ""
            found.append(_Line(f"personnel{both} {NOT_REPORTED}", "kb-pt-note kb-pt-none"))
        elif undated:
            found.append(_Line(f"participation dates {NOT_REPORTED}", "kb-pt-note kb-pt-none"))
        for e in r.undated_events:
            label = f"{e.type}, undated: {e.title}"
            for t in self._wrap(label):
                found.append(_Line(t, "kb-pt-note kb-pt-undated", self._href("event", e.id), label))
        return found

    def _wrap(self, text: str) -> list[str]:
        return _wrap(text, NOTE_SIZE, self.plot)

    # -- drawing ----------------------------------------------------------------------------
    def svg(self) -> str:
        rows = [(r, self.lines(r)) for r in self.p.rows]
        height = TOP + sum(BAR_ZONE + LINE * len(lines) + PAD for _, lines in rows) + 4
        name = escape(possessive(self.p.name))
        parts = [
            f'<svg class="kb-pt-svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
            f'height="{height}" role="group" aria-labelledby="kb-pt-title" '
            'aria-describedby="kb-pt-desc" xmlns="http://www.w3.org/2000/svg">',
            f'<title id="kb-pt-title">{name} participation in each operation, '
            "against the operation's lifetime</title>",
            f'<desc id="kb-pt-desc">One row per operation that the records connect to '
            f"{escape(self.p.name)}: a light bar from the operation's authorisation to its end, "
            f"fading out where it is ongoing; a dark bar for {name} participation, from the "
            "first to the last date the records report; diamonds for deployments, rotations "
            "and returns; under the bars, the numbers of personnel exactly as the sources give "
            "them. The table after the chart lists the same facts.</desc>",
            f"<style>{STYLE}</style>",
            # Every ongoing bar fades over the same last years of the axis: one gradient in the
            # chart's own coordinates, solid to its left. The legend's key has its own.
            f'<defs><linearGradient id="kb-pt-fade" gradientUnits="userSpaceOnUse" '
            f'x1="{self.x(self.last - TAIL):.1f}" x2="{self.x(self.last):.1f}" y1="0" y2="0">'
            '<stop offset="0" class="kb-pt-stop"/><stop offset="1" class="kb-pt-stop '
            'kb-pt-stop-end"/></linearGradient><linearGradient id="kb-pt-fade-key" x1="0.4">'
            '<stop offset="0" class="kb-pt-stop"/><stop offset="1" class="kb-pt-stop '
            'kb-pt-stop-end"/></linearGradient></defs>',
            self._axis(height),
        ]
        y = float(TOP)
        for i, (r, lines) in enumerate(rows):
            parts.append(self._row(r, lines, y, first=i == 0))
            y += BAR_ZONE + LINE * len(lines) + PAD
        parts.append("</svg>")
        return "".join(parts)

    def _axis(self, height: int) -> str:
        span = self.last - self.first
        step = next((s for limit, s in ((10, 1), (20, 2), (50, 5)) if span <= limit), 10)
        parts = ['<g class="kb-pt-axis" aria-hidden="true">']
        for year in range(self.first, self.last + 1):
            if year % step and year != self.first:
                continue
            x = self.x(year)
            parts.append(
                f'<line class="kb-pt-grid" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP - 6}" '
                f'y2="{height - 4}"/>'
            )
            # The first year stands alone when the next labelled one is too close to it.
            if year == self.first and year % step and (year // step + 1) * step - year < step / 2:
                continue
            parts.append(f'<text x="{x:.1f}" y="{TOP - 11}" text-anchor="middle">{year}</text>')
        parts.append("</g>")
        return "".join(parts)

    def _row(self, r: Row, lines: list[_Line], y: float, first: bool) -> str:
        m = r.mission
        mid = y + BAR_ZONE / 2
        parts = [f'<g class="kb-pt-row" data-mission="{escape(m.id)}">']
        if not first:
            parts.append(
                f'<line class="kb-pt-sep" aria-hidden="true" x1="0" x2="{WIDTH}" '
                f'y1="{y:.1f}" y2="{y:.1f}"/>'
            )
        label = escape(self.row_label(r))
        parts.append(
            f'<a href="{self._href("mission", m.id)}" aria-label="{label}"><title>{label}</title>'
            f'<text class="kb-pt-label" x="{self.left - 10}" y="{mid + 5:.1f}" '
            f'text-anchor="end">{escape(m.acronym)}</text>'
            f"{self._lifetime(m, mid)}{self._ours(r, mid)}</a>"
        )
        for event in r.dated_events:
            parts.append(self._event(event, mid))
        ty = y + BAR_ZONE + LINE - 5
        for line in lines:
            # A plain line repeats what the row's link already says to a screen reader.
            hidden = "" if line.href else ' aria-hidden="true"'
            text = (
                f'<text class="{line.css}" x="{self.left}" y="{ty:.1f}"{hidden}>'
                f"{escape(line.text)}</text>"
            )
            if line.href:
                name = escape(line.label)
                text = f'<a href="{line.href}" aria-label="{name}"><title>{name}</title>{text}</a>'
            parts.append(text)
            ty += LINE
        parts.append("</g>")
        return "".join(parts)

    def _lifetime(self, m: Mission, mid: float) -> str:
        x1 = self.x(fractional_year(m.authorized.date.earliest()))
        if m.ended is not None:
            x2 = self.x(fractional_year(m.ended.date.latest()))
            return self._bar("kb-pt-life", x1, max(x2 - x1, 2), mid)
        # Still running: up to the end of the axis, fading out over its last years.
        return self._bar("kb-pt-life kb-pt-tail", x1, max(self.x(self.last) - x1, 2), mid)

    @staticmethod
    def _bar(css: str, x: float, width: float, mid: float) -> str:
        return (
            f'<rect class="{css}" x="{x:.1f}" y="{mid - 8:.1f}" width="{width:.1f}" '
            'height="16" rx="3"/>'
        )

    def _ours(self, r: Row, mid: float) -> str:
        if r.first is None and r.last is None:
            return ""
        windows = [date_window(d) for d in (r.first, r.last) if d is not None]
        start = min(w[0] for w in windows)
        end = max(w[1] for w in windows)
        x1 = self.x(start)
        width = max(self.x(end) - x1, MIN_MARK)
        return (
            f'<rect class="kb-pt-ours" x="{x1:.1f}" y="{mid - 4:.1f}" width="{width:.1f}" '
            'height="8" rx="2"/>'
        )

    def _event(self, event: Event, mid: float) -> str:
        assert event.occurred is not None
        date = event.occurred.date
        start, end = date_window(date)
        cx = self.x((start + end) / 2)
        cy = mid - 13
        name = escape(f"{date.human()}, {event.type}: {event.title}")
        return (
            f'<a class="kb-pt-event" href="{self._href("event", event.id)}" aria-label="{name}">'
            f"<title>{name}</title>"
            f'<path d="M{cx:.1f} {cy - 6:.1f}l6 6l-6 6l-6 -6z"/></a>'
        )

    def legend(self) -> str:
        name = escape(possessive(self.p.name))
        items = [
            ('<rect class="kb-pt-life" x="1" y="2" width="26" height="12" rx="3"/>', "operation"),
            (
                '<rect class="kb-pt-life kb-pt-key-tail" x="1" y="2" width="26" height="12" '
                'rx="3"/>',
                "ongoing operation",
            ),
            (
                '<rect class="kb-pt-ours" x="1" y="4" width="26" height="8" rx="2"/>',
                f"{name} participation, first to last reported date",
            ),
            (
                '<g class="kb-pt-event"><path d="M8 2l6 6l-6 6l-6 -6z"/></g>',
                "deployment, rotation or return",
            ),
        ]
        return (
            '<ul class="kb-pt-legend">'
            + "".join(
                f'<li><svg width="28" height="16" aria-hidden="true">{shape}</svg> {text}</li>'
                for shape, text in items
            )
            + "</ul>"
        )

    def _href(self, kind: str, rid: str) -> str:
        return escape(self.links.record(self.page, kind, rid))

    def html(self) -> str:
        if not self.p.rows:
            return ""
        return (
            '<div class="kb-pt"><div class="kb-pt-scroll" tabindex="0" role="region" '
            f'aria-label="{escape(self.p.title)}: chart (scrolls sideways on small screens)">'
            + self.svg()
            + "</div>"
            + '<p class="kb-pt-hint kb-scroll-hint" aria-hidden="true">Scroll the chart '
            "sideways to see the later years.</p>" + self.legend() + "</div>"
        )
