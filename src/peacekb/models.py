"""Pydantic models for every record kind, and the shared value types they are built from.

The models know nothing of files or Sphinx: :mod:`peacekb.loader` feeds them plain Python
values read from YAML, :mod:`peacekb.knowledge` checks what no single record can check
(references, quotes, date order).

A field that names another record carries ``ref`` metadata (``Field(json_schema_extra=...)``)
listing the kinds it may point to; :func:`iter_refs` walks a record and yields every such
reference with its location, which is how references are checked and backlinks are built.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=False)]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]

# ---------------------------------------------------------------------------------------------
# Dates with their precision
# ---------------------------------------------------------------------------------------------

Qualifier = Literal["circa", "before", "after"]
_DATE_RE = re.compile(
    r"^(?:(?P<qualifier>circa|before|after) )?"
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?$"
)
_MONTHS = [
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@dataclass(frozen=True, order=False)
class PartialDate:
    """A date known to the year, the month or the day, optionally qualified."""

    year: int
    month: int | None = None
    day: int | None = None
    qualifier: Qualifier | None = None

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        match = _DATE_RE.match(text)
        if not match:
            raise ValueError(
                f"{text!r} is not a date: write 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD', "
                "optionally after 'circa ', 'before ' or 'after '"
            )
        year = int(match["year"])
        month = int(match["month"]) if match["month"] else None
        day = int(match["day"]) if match["day"] else None
        if month is not None and not 1 <= month <= 12:
            raise ValueError(f"{text!r}: month {month} does not exist")
        if month is not None and day is not None:
            last = calendar.monthrange(year, month)[1]
            if not 1 <= day <= last:
                raise ValueError(f"{text!r}: day {day} does not exist in that month")
        qualifier: Any = match["qualifier"]
        return cls(year, month, day, qualifier)

    @property
    def precision(self) -> Literal["year", "month", "day"]:
        if self.day is not None:
            return "day"
        if self.month is not None:
            return "month"
        return "year"

    def earliest(self) -> tuple[int, int, int]:
        """The first day the date can denote (qualifiers aside)."""
        return (self.year, self.month or 1, self.day or 1)

    def latest(self) -> tuple[int, int, int]:
        """The last day the date can denote (qualifiers aside)."""
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return (self.year, month, day)

    def sort_key(self) -> tuple[int, int, int, int]:
        # Less precise dates sort after the precise ones they contain: "2014" after "2014-04-10",
        # so a year's known days come first and the events known only to the year close it.
        # A "before" date sorts just ahead of its bound, an "after" date just behind.
        shift = {"before": -1, "after": 1}.get(self.qualifier or "", 0)
        return (self.year, self.month or 13, self.day or 32, shift)

    def iso(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month is not None:
            parts.append(f"{self.month:02d}")
        if self.day is not None:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)

    def human(self) -> str:
        """English rendering at the date's own precision: '10 April 2014', 'April 2014', '2014'."""
        if self.day is not None and self.month is not None:
            text = f"{self.day} {_MONTHS[self.month]} {self.year}"
        elif self.month is not None:
            text = f"{_MONTHS[self.month]} {self.year}"
        else:
            text = str(self.year)
        return f"{self.qualifier} {text}" if self.qualifier else text

    def __str__(self) -> str:
        return f"{self.qualifier} {self.iso()}" if self.qualifier else self.iso()


def _parse_date(value: Any) -> PartialDate:
    if isinstance(value, PartialDate):
        return value
    if not isinstance(value, str):
        raise ValueError(
            f'a date must be a quoted string such as "2014" or "2014-04-10", not {value!r}'
        )
    return PartialDate.parse(value)


DATE_JSON_SCHEMA = {
    "type": "string",
    "pattern": r"^(?:(?:circa|before|after) )?\d{4}(?:-\d{2}(?:-\d{2})?)?$",
    "description": "A date at its precision: YYYY, YYYY-MM or YYYY-MM-DD, optionally after "
    "'circa ', 'before ' or 'after '.",
}
DateStr = Annotated[
    PartialDate,
    PlainValidator(_parse_date),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(DATE_JSON_SCHEMA),
]


# ---------------------------------------------------------------------------------------------
# Shared building blocks
# ---------------------------------------------------------------------------------------------


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# The JSON Schema keyword that marks a field holding record ids, with the kinds it may name.
REF_KEY = "x-peacekb-ref"


def ref(*kinds: str) -> Any:
    """A field that holds the id of a record of one of ``kinds``."""
    return Field(json_schema_extra={REF_KEY: list(kinds)})


def refs(*kinds: str) -> Any:
    """A field that holds a list of ids of records of ``kinds``."""
    return Field(default_factory=list, json_schema_extra={REF_KEY: list(kinds)})


def opt_ref(*kinds: str) -> Any:
    return Field(default=None, json_schema_extra={REF_KEY: list(kinds)})


class Citation(Strict):
    """The words of one paragraph of one source that state a fact."""

    source: Id = ref("source")
    paragraph: int = Field(ge=0, description="1 for the first paragraph; 0 for the headline")
    quote: Text
    translation: Text | None = None


class Evidence(Strict):
    """What a fact rests on: citations of the sources' words, or a curator's stated inference.

    Both may be given: the quote backs what it says, ``inferred`` explains the rest (a date
    worked out from a weekday, a name the text leaves implicit).
    """

    cite: list[Citation] = Field(default_factory=list)
    inferred: Text | None = None

    @model_validator(mode="after")
    def _needs_evidence(self) -> Evidence:
        if not self.cite and self.inferred is None:
            raise ValueError("a fact needs 'cite' (the source's words) or 'inferred' (why)")
        return self


class Statement(Evidence):
    """An English sentence of the curator's, backed by the sources."""

    text: Text


class NameVariant(Evidence):
    """One spelling of a name, with the passages that use it."""

    name: Text
    lang: LanguageCode | None = None
    cite: list[Citation] = Field(min_length=1)


class DatedFact(Evidence):
    date: DateStr


class Count(Evidence):
    """A number the sources give: '70 Il-76', '4 Kazakh officers since the mission began'."""

    value: int = Field(ge=0)
    what: Text
    note: Text | None = None


class Coordinates(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------


class Record(Strict):
    """Fields every record kind has."""

    kind: ClassVar[str]
    plural: ClassVar[str]  # the folder name under data/ and under the generated pages
    label: ClassVar[str]
    title_plural: ClassVar[str]

    id: Id
    statements: list[Statement] = Field(default_factory=list)
    notes: Text | None = None

    @property
    def display_name(self) -> str:
        raise NotImplementedError


def _paragraph_from_str(value: Any) -> Any:
    return {"text": value} if isinstance(value, str) else value


class Paragraph(Strict):
    text: Text
    role: Literal["body", "heading", "subtitle", "caption"] = "body"


class MachineTranslation(Strict):
    """The publisher's own notice that the text is a machine translation."""

    from_language: LanguageCode
    notice: Text
    system: Text | None = None


class Credit(Strict):
    organization: Id = ref("organization")
    role: Text


class Source(Record):
    title_plural = "Sources"
    kind = "source"
    plural = "sources"
    label = "Source"

    title: Text
    title_en: Text
    title_by_curator: bool = False
    language: LanguageCode
    outlet: Id | None = opt_ref("organization")
    credits: list[Credit] = Field(default_factory=list)
    byline: Text | None = None
    dateline: Text | None = None
    published: DateStr | None = None
    published_inferred: Text | None = None
    url: Text | None = None
    machine_translation: MachineTranslation | None = None
    cleaning: list[Text] = Field(default_factory=list)
    paragraphs: list[
        Annotated[
            Paragraph,
            BeforeValidator(_paragraph_from_str, json_schema_input_type=str | Paragraph),
        ]
    ] = Field(min_length=1)

    @property
    def display_name(self) -> str:
        return self.title_en


class Authorization(Evidence):
    date: DateStr
    by: Id = ref("organization")
    instrument: Text | None = None


class Mission(Record):
    title_plural = "Operations"
    kind = "mission"
    plural = "missions"
    label = "Operation"

    acronym: Text
    name_en: Text
    name_fr: Text | None = None
    names: list[NameVariant] = Field(default_factory=list)
    type: Literal[
        "un-peacekeeping-operation",
        "un-political-mission",
        "csto-collective-peacekeeping-force",
    ]
    authorized: Authorization
    host: list[Id] = refs("place")
    started: DatedFact | None = None
    ended: DatedFact | None = None

    @property
    def display_name(self) -> str:
        return self.acronym


class Post(Evidence):
    """A post, a rank or a function someone held, with its dates where known."""

    title: Text
    rank: Text | None = None
    organization: Id | None = opt_ref("organization")
    mission: Id | None = opt_ref("mission")
    start: DateStr | None = None
    end: DateStr | None = None
    predecessor: Id | None = opt_ref("person")


class Saying(Evidence):
    """Something a person said, in the source's words (the citation) and summarised in English."""

    summary: Text
    event: Id | None = opt_ref("event")


class Person(Record):
    title_plural = "People"
    kind = "person"
    plural = "people"
    label = "Person"

    name: Text
    sort_name: Text
    names: list[NameVariant] = Field(default_factory=list)
    posts: list[Post] = Field(default_factory=list)
    missions: list[Id] = refs("mission")
    said: list[Saying] = Field(default_factory=list)

    @property
    def display_name(self) -> str:
        return self.name


class Organization(Record):
    title_plural = "Organisations"
    kind = "organization"
    plural = "organizations"
    label = "Organisation"

    name: Text
    acronym: Text | None = None
    names: list[NameVariant] = Field(default_factory=list)
    type: Literal[
        "intergovernmental-organization",
        "un-body",
        "government",
        "ministry",
        "armed-forces",
        "security-forces",
        "military-unit",
        "training-centre",
        "humanitarian-organization",
        "news-outlet",
        "academic",
    ]
    country: Id | None = opt_ref("place")
    part_of: Id | None = opt_ref("organization")

    @property
    def display_name(self) -> str:
        return self.name


class Contingent(Record):
    title_plural = "Contingents"
    kind = "contingent"
    plural = "contingents"
    label = "Contingent"

    name: Text
    country: Id = ref("place")
    mission: Id = ref("mission")
    units: list[Id] = refs("organization")
    members: list[Id] = refs("person")
    role: Text | None = None
    start: DatedFact | None = None
    end: DatedFact | None = None
    strength: list[Count] = Field(default_factory=list)
    equipment: list[Count] = Field(default_factory=list)

    @property
    def display_name(self) -> str:
        return self.name


class Participant(Evidence):
    who: Id = ref("person", "organization", "contingent")
    role: Text


class Event(Record):
    title_plural = "Events"
    kind = "event"
    plural = "events"
    label = "Event"

    title: Text
    type: Literal[
        "authorisation",
        "establishment",
        "resolution",
        "deployment",
        "rotation",
        "return",
        "meeting",
        "request",
        "unrest",
        "dismissal",
        "announcement",
        "withdrawal",
        "handover",
        "proposal",
    ]
    occurred: DatedFact | None = None
    ended: DatedFact | None = None
    undated: Text | None = None
    places: list[Id] = refs("place")
    missions: list[Id] = refs("mission")
    part_of: Id | None = opt_ref("event")
    participants: list[Participant] = Field(default_factory=list)

    @model_validator(mode="after")
    def _date_or_reason(self) -> Event:
        if self.occurred is None and self.undated is None:
            raise ValueError("an event needs 'occurred', or 'undated' saying why no date is known")
        if not self.statements:
            raise ValueError("an event needs at least one statement saying what happened")
        return self

    @property
    def display_name(self) -> str:
        return self.title


class Place(Record):
    title_plural = "Places"
    kind = "place"
    plural = "places"
    label = "Place"

    name: Text
    names: list[NameVariant] = Field(default_factory=list)
    type: Literal["country", "city", "region", "territory"]
    country_code: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
    within: Id | None = opt_ref("place")
    coordinates: Coordinates

    @property
    def display_name(self) -> str:
        return self.name


class TermForm(Strict):
    text: Text
    lang: LanguageCode


class Term(Strict):
    id: Id
    term: Text
    forms: list[TermForm] = Field(min_length=1)
    definition: Text
    refers_to: Id | None = opt_ref("mission", "organization", "place")
    cite: list[Citation] = Field(default_factory=list)


class Glossary(Strict):
    terms: list[Term] = Field(min_length=1)


RECORD_KINDS: dict[str, type[Record]] = {
    cls.kind: cls for cls in (Source, Mission, Person, Organization, Contingent, Event, Place)
}
FOLDERS: dict[str, type[Record]] = {cls.plural: cls for cls in RECORD_KINDS.values()}

Loc = tuple[str | int, ...]


def iter_refs(model: BaseModel, loc: Loc = ()) -> Iterator[tuple[Loc, str, list[str]]]:
    """Yield ``(location, id, allowed kinds)`` for every reference held in ``model``."""
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        extra = field.json_schema_extra
        kinds = extra.get(REF_KEY) if isinstance(extra, dict) else None
        if isinstance(kinds, list):
            if isinstance(value, str):
                yield (*loc, name), value, [str(k) for k in kinds]
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    yield (*loc, name, i), item, [str(k) for k in kinds]
            continue
        yield from _iter_nested(value, (*loc, name), iter_refs)


def iter_citations(model: BaseModel, loc: Loc = ()) -> Iterator[tuple[Loc, Citation]]:
    """Yield ``(location, citation)`` for every citation held in ``model``."""
    if isinstance(model, Citation):
        yield loc, model
        return
    for name in type(model).model_fields:
        yield from _iter_nested(getattr(model, name), (*loc, name), iter_citations)


def iter_models(model: BaseModel, loc: Loc = ()) -> Iterator[tuple[Loc, BaseModel]]:
    """Yield ``model`` and every model nested in it, with locations."""
    yield loc, model
    for name in type(model).model_fields:
        yield from _iter_nested(getattr(model, name), (*loc, name), iter_models)


def _iter_nested(value: Any, loc: Loc, fn: Any) -> Iterator[Any]:
    if isinstance(value, BaseModel):
        yield from fn(value, loc)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, BaseModel):
                yield from fn(item, (*loc, i))
