"""Leads and summary boxes: the answer at the top of an entity page, made from its record.

A lead is one or two sentences of MyST; a summary box is a list of :class:`Row`, each naming
the section of the page below that holds the evidence for it. Both say no more than the
record's facts: dates at their precision, "undated" where there is none, "ongoing" where no end
is recorded, "not reported" where the records are silent, and numbers only as the sources give
them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .knowledge import Knowledge
from .models import Contingent, Event, Mission, Organization, PartialDate, Person, Place, Record
from .pages import join_words, md_escape, role
from .participation import Participation


@dataclass(frozen=True)
class Row:
    label: str  # text, shown as it is
    value: str  # MyST
    section: str = ""  # the id of the section below that holds the evidence


def _date(date: PartialDate | None) -> str:
    return md_escape(date.human()) if date is not None else "undated"


def _span(start: PartialDate | None, end: PartialDate | None, *, ongoing: bool = False) -> str:
    if start is None and end is None:
        return "undated"
    if end is None:
        return f"from {_date(start)}" + (", ongoing" if ongoing else "")
    if start is None:
        return f"until {_date(end)}"
    return f"{_date(start)} to {_date(end)}"


def _link(kb: Knowledge, rid: str) -> str:
    kind = kb.kind_of(rid)
    return role(kind, rid) if kind else md_escape(rid)


def lead(kb: Knowledge, record: Record) -> str:
    """One or two sentences that answer the page's first question."""
    if isinstance(record, Person):
        return _person_lead(kb, record)
    if isinstance(record, Mission):
        kind = md_escape(kb.operation_type(record.type).label)
        end = (
            f"The records give its end as {_date(record.ended.date)}."
            if record.ended
            else "No end is recorded: it is ongoing as far as the sources say."
        )
        return (
            f"{md_escape(record.acronym)}: {md_escape(record.name_en)}. Kind: {kind}, "
            f"authorised on {_date(record.authorized.date)}. {end}"
        )
    if isinstance(record, Contingent):
        when = _span(
            record.start.date if record.start else None, record.end.date if record.end else None
        )
        return (
            f"{md_escape(record.name)}: personnel from {role('place', record.country)} in "
            f"{role('mission', record.mission)}, {when}."
        )
    if isinstance(record, Event):
        when = _date(record.occurred.date) if record.occurred else "Undated"
        where = join_words([role("place", p) for p in record.places])
        first = record.statements[0]
        said = md_escape(first.text)
        if first.claimed_by:
            said = f"according to {_link(kb, first.claimed_by)}, {said}"
        return f"{when}" + (f", {where}" if where else "") + f": {said}"
    if isinstance(record, Organization):
        part = f", part of {role('organization', record.part_of)}" if record.part_of else ""
        country = f", in {role('place', record.country)}" if record.country else ""
        kind = kb.organization_type(record.type).label
        return f"{md_escape(record.name)}: {md_escape(kind)}{country}{part}."
    if isinstance(record, Place):
        within = f" in {role('place', record.within)}" if record.within else ""
        return f"{md_escape(record.name)}: a {record.type}{within}."
    return ""


def _named_in(title: str, name: str) -> bool:
    """Whether a post's title already names ``name`` (or its first three words)."""
    words = name.split()
    return name in title or (len(words) >= 3 and " ".join(words[:3]) in title)


def _person_lead(kb: Knowledge, person: Person) -> str:
    if not person.posts:
        return f"{md_escape(person.name)} is named in the sources."
    post = person.posts[-1]
    where = []
    if post.mission and not _named_in(post.title, kb.display_name(post.mission)):
        where.append(f"in {role('mission', post.mission)}")
    if post.organization and not _named_in(post.title, kb.display_name(post.organization)):
        where.append(f"at {role('organization', post.organization)}")
    rank = f" ({md_escape(post.rank)})" if post.rank else ""
    dates = _span(post.start, post.end)
    dated = f", {dates}" if dates != "undated" else ""
    place = (" " + " ".join(where)) if where else ""
    # Never stronger than the evidence: a post the curator inferred, wholly or in part, says so.
    if post.inferred and post.cite:
        given = "the latest post the records hold, inferred in part by the curator"
    elif post.inferred:
        given = "the latest post the records hold, inferred by the curator"
    else:
        given = "the latest post the sources give"
    return f"{md_escape(person.name)}{rank}: {md_escape(post.title)}{place}{dated}, {given}."


def infobox(kb: Knowledge, record: Record) -> list[Row]:
    """The key facts of a record, each with the section that holds its evidence (an
    operation's page adds the focus country's part: :func:`focus_rows`)."""
    rows: list[Row] = []
    if isinstance(record, Person):
        if record.posts:
            post = record.posts[-1]
            if post.rank:
                rows.append(Row("Rank", md_escape(post.rank), "posts-and-ranks"))
            rows.append(Row("Post", md_escape(post.title), "posts-and-ranks"))
            if post.organization:
                rows.append(
                    Row("Organisation", role("organization", post.organization), "posts-and-ranks")
                )
        served: dict[str, tuple[PartialDate | None, PartialDate | None]] = {
            m: (None, None) for m in record.missions
        }
        for post in record.posts:
            if post.mission:
                served[post.mission] = (post.start, post.end)
        if served:
            value = "; ".join(
                f"{role('mission', m)} ({_span(*dates)})" for m, dates in served.items()
            )
            with_post = any(p.mission for p in record.posts)
            rows.append(
                Row("Operations", value, "posts-and-ranks" if with_post else "missions-served")
            )
        before = [p.predecessor for p in record.posts if p.predecessor]
        if before:
            rows.append(
                Row(
                    "Predecessor",
                    join_words([role("person", p) for p in before]),
                    "posts-and-ranks",
                )
            )
        after = list(dict.fromkeys(other.id for other, _ in kb.successors(record)))
        if after:
            rows.append(
                Row("Successor", join_words([role("person", p) for p in after]), "succeeded-by")
            )
    elif isinstance(record, Mission):
        rows.append(Row("Full name", md_escape(record.name_en)))
        if record.name_fr:
            rows.append(Row("French name", f"[{md_escape(record.name_fr)}]{{.language-fr}}"))
        rows.append(Row("Kind", md_escape(kb.operation_type(record.type).label)))
        authority = role("organization", record.authorized.by)
        if record.authorized.instrument:
            authority += f", {md_escape(record.authorized.instrument)}"
        rows.append(Row("Authorised by", authority, "dates"))
        if record.host:
            rows.append(Row("Host", join_words([role("place", h) for h in record.host])))
        start = record.started.date if record.started else record.authorized.date
        end = record.ended.date if record.ended else None
        rows.append(Row("Dates", _span(start, end, ongoing=True), "dates"))
    elif isinstance(record, Contingent):
        rows.append(Row("Country", role("place", record.country)))
        rows.append(Row("Operation", role("mission", record.mission)))
        if record.role:
            rows.append(Row("Role", md_escape(record.role)))
        rows.append(
            Row(
                "Dates",
                _span(
                    record.start.date if record.start else None,
                    record.end.date if record.end else None,
                ),
                "dates" if record.start or record.end else "",
            )
        )
        strength = "; ".join(f"{c.value} {md_escape(c.what)}" for c in record.strength)
        rows.append(Row("Personnel", strength or "not reported", "numbers" if strength else ""))
        if record.units:
            rows.append(Row("Units", join_words([role("organization", u) for u in record.units])))
        if record.members:
            rows.append(
                Row("Named members", join_words([role("person", p) for p in record.members]))
            )
    elif isinstance(record, Event):
        rows.append(
            Row("When", _date(record.occurred.date) if record.occurred else "undated", "when")
        )
        rows.append(Row("Kind", md_escape(record.type)))
        if record.places:
            rows.append(Row("Where", join_words([role("place", p) for p in record.places])))
        if record.missions:
            rows.append(
                Row("Operations", join_words([role("mission", m) for m in record.missions]))
            )
        if record.participants:
            who = join_words([_link(kb, p.who) for p in record.participants])
            rows.append(Row("Participants", who, "participants"))
    elif isinstance(record, Organization):
        rows.append(Row("Kind", md_escape(kb.organization_type(record.type).label)))
        if record.acronym:
            rows.append(Row("Acronym", md_escape(record.acronym)))
        if record.country:
            rows.append(Row("Country", role("place", record.country)))
        if record.part_of:
            rows.append(Row("Part of", role("organization", record.part_of)))
    elif isinstance(record, Place):
        rows.append(Row("Kind", record.type))
        if record.within:
            rows.append(Row("Within", role("place", record.within)))
        if record.country_code:
            rows.append(Row("ISO 3166-1 code", record.country_code))
        lat, lon = record.coordinates.lat, record.coordinates.lon
        rows.append(Row("Coordinates", f"{lat:.4f}, {lon:.4f}"))
        hosted = [
            m.id
            for m in kb.mentioned_by(record.kind, record.id)
            if isinstance(m, Mission) and record.id in m.host
        ]
        if hosted:
            rows.append(Row("Operations hosted", join_words([role("mission", m) for m in hosted])))
    return rows


def focus_rows(part: Participation, mission: Mission) -> list[Row]:
    """The focus country's part in ``mission``, as the records give it."""
    found = next((r for r in part.rows if r.mission.id == mission.id), None)
    if found is None:
        return []
    name = part.name  # in the labels, which are text (see Row)
    since = _date(found.first) if found.first else "not reported"
    counts = "; ".join(f"{c.value} {md_escape(c.what)}" for c in found.counts)
    # The mission page lists the contingents, and the people, in sections of those names.
    evidence = "contingents" if found.contingents else "people" if found.people else ""
    rows = [
        Row(f"{name} since", since, evidence if found.first else ""),
        Row(f"{name}: personnel", counts or "not reported", evidence if counts else ""),
    ]
    if found.roles:
        rows.append(Row(f"{name}: role", "; ".join(md_escape(r) for r in found.roles)))
    if found.people:
        rows.append(
            Row(
                f"{name}: people named",
                join_words([role("person", p.id) for p in found.people]),
                "people",
            )
        )
    return rows
