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
import datetime
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from types import UnionType
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import InitErrorDetails, PydanticCustomError

# pydantic runs these patterns with Rust's regex crate, where "$" matches only at the very end
# (never before a trailing newline, as Python's does) and the classes are spelt out in ASCII.
ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"
# An id names a file and the pages built from it: the build writes ".{id}.md.{12 hex}.tmp",
# which must stay under the 255 bytes most file systems allow in a name.
ID_MAX_LENGTH = 100


def shorten(value: str, limit: int = 20) -> str:
    """``value`` cut to ``limit`` characters, for quoting in a message."""
    return value if len(value) <= limit else value[:limit] + "…"


def _id_length(value: Any) -> Any:
    # Before the pattern: a 240-character id is refused for its length, whatever it holds.
    if isinstance(value, str) and len(value) > ID_MAX_LENGTH:
        raise ValueError(
            f"{shorten(value)!r} is longer than {ID_MAX_LENGTH} characters: choose a shorter id"
        )
    return value


Id = Annotated[
    str,
    StringConstraints(pattern=ID_PATTERN, max_length=ID_MAX_LENGTH),
    BeforeValidator(_id_length),
]
LanguageCode = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN)]
# What to tell a curator whose value misses one of the patterns above.
PATTERN_HELP = {
    ID_PATTERN: "is not an id: write lowercase letters a-z, digits and single hyphens, "
    "such as 'jane-roe'",
    LANGUAGE_PATTERN: "is not a language code: write the two- or three-letter ISO 639 code "
    "in lowercase, such as 'en' or 'kk'",
    COUNTRY_PATTERN: "is not a country code: write the two-letter ISO 3166 code in capitals, "
    "such as 'KZ'",
}

# ---------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------

# Characters no record text may hold, whatever the field: they are invisible or ambiguous in an
# editor, and the outputs choke on them (XML 1.0 forbids C0 controls, U+FFFE and U+FFFF; a lone
# surrogate cannot even be encoded as UTF-8; YAML reads U+0085, U+2028 and U+2029 as line
# breaks that editors do not show, so every line number after them would be wrong).
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(17)
)
_FORBIDDEN = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff" + _NONCHARACTERS
FORBIDDEN = re.compile(f"[{_FORBIDDEN}\r]")
# In a file's raw text a carriage return ends a line (files saved with CRLF line ends).
FORBIDDEN_IN_FILE = re.compile(f"[{_FORBIDDEN}]")


# Bidirectional controls set the direction of the text that follows them, up to a matching
# closer or the end of the paragraph: an override shows "abc" as "cba", an embedding or an
# isolate reorders the words around it ("Trojan Source"). They are refused in every text, not
# only in one-line fields: a paragraph, a quote or a statement is shown inline too (a
# statement before its citation links, a quote before its source, a CSV cell, a TimelineJS
# slide), where an unclosed one would reorder what follows it; and even a closed one can make a
# quote read differently from the words the quote check compares. Text in a right-to-left
# language needs none: the bidi algorithm orders it by the letters' own direction, and the
# marks that settle the direction of neutral characters (U+200E left-to-right mark, U+200F
# right-to-left mark, U+061C Arabic letter mark) stay allowed everywhere. A source's own
# controls are removed when its text is cleaned, and noted under 'cleaning'.
BIDI_CONTROLS = {
    "\u202a": "left-to-right embedding",
    "\u202b": "right-to-left embedding",
    "\u202c": "pop directional formatting",
    "\u202d": "left-to-right override",
    "\u202e": "right-to-left override",
    "\u2066": "left-to-right isolate",
    "\u2067": "right-to-left isolate",
    "\u2068": "first strong isolate",
    "\u2069": "pop directional isolate",
}
_BIDI = re.compile(f"[{''.join(BIDI_CONTROLS)}]")


def describe_character(char: str) -> str:
    """Name a character for an error message: 'control character U+007F'."""
    code = ord(char)
    if char == "\t":
        return "tab"
    if char == "\n":
        return "line break"
    if 0xD800 <= code <= 0xDFFF:
        what = "lone surrogate"
    elif code == 0x2028:
        what = "line separator"
    elif code == 0x2029:
        what = "paragraph separator"
    elif 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
        what = "noncharacter"
    elif char in BIDI_CONTROLS:
        what = BIDI_CONTROLS[char]
    else:
        what = "control character"
    return f"{what} U+{code:04X}"


# Letters and symbols that show as nothing: Hangul fillers, the blank Braille pattern, the
# Mongolian vowel separator (a format character in recent Unicode, a space in older).
_BLANK_LOOKING = frozenset("\u115f\u1160\u180e\u2800\u3164\uffa0")
# Format characters (zero-width space, soft hyphen, joiners, ...) show as nothing; combining
# marks show only on a letter before them, so a text of marks alone shows no word either. A
# spacing mark (Mc) is visible, and so are unassigned code points: Python's Unicode tables
# may be older than the text, and a new letter must not be taken for a blank.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Mn", "Me"})


def _visible(char: str) -> bool:
    return not (
        char.isspace()
        or char in _BLANK_LOOKING
        or unicodedata.category(char) in _INVISIBLE_CATEGORIES
    )


def _text(value: str) -> str:
    if match := FORBIDDEN.search(value):
        raise ValueError(f"{describe_character(match[0])} is not allowed: remove it")
    if match := _BIDI.search(value):
        raise ValueError(
            f"{describe_character(match[0])} is not allowed: it can reverse or reorder the "
            "text shown around it; remove it (the marks U+200E and U+200F may stay)"
        )
    if not any(_visible(char) for char in value):
        # A blank quote would stand in every paragraph, a blank name would show as nothing.
        raise ValueError("the text is empty or only spaces: write the text, or leave the field out")
    return value


def _line(value: str) -> str:
    _text(value)
    if match := re.search(r"[\t\n]", value):
        raise ValueError(
            f"a {describe_character(match[0])} is not allowed here: write it on one line"
        )
    return value


def _web_address(value: str) -> str:
    _line(value)
    # Only web pages: "javascript:" or "data:" would run in the reader's browser, and a
    # relative address would point into the site itself.
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # a malformed IPv6 address, a bad port
        parts, host = None, None
    plain = value.startswith(("http://", "https://")) and " " not in value
    if parts is None or not plain or not host:
        raise ValueError(
            f"{value!r} is not a web address: write the full http:// or https:// address"
        )
    return value


# Text may run over several lines (paragraphs, quotes, notes); a Line is shown where a line break
# cannot stand (names, titles, page headings, HTML <title>, CSV cells). The minimum length is
# only declared for the JSON Schema: pydantic's own length check would refuse a lone surrogate
# with a message that does not name it, before _text could.
_NONEMPTY = WithJsonSchema({"type": "string", "minLength": 1})
Text = Annotated[str, AfterValidator(_text), _NONEMPTY]
Line = Annotated[str, AfterValidator(_line), _NONEMPTY]
WebAddress = Annotated[
    str,
    AfterValidator(_web_address),
    WithJsonSchema({"type": "string", "pattern": "^https?://[^/?#\\s]"}),
]

# ---------------------------------------------------------------------------------------------
# Dates with their precision
# ---------------------------------------------------------------------------------------------

Qualifier = Literal["circa", "before", "after"]
_DATE_RE = re.compile(
    r"^(?:(?P<qualifier>circa|before|after) )?"
    r"(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2}))?)?"
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
        # fullmatch and [0-9]: "$" would let "2014\n" through, "\d" Arabic-Indic digits.
        match = _DATE_RE.fullmatch(text)
        if not match:
            raise ValueError(
                f"{text!r} is not a date: write 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD', "
                "optionally after 'circa ', 'before ' or 'after '"
            )
        year = int(match["year"])
        if year < 1:
            raise ValueError(f"{text!r}: there is no year 0; the first year is 0001")
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
    "pattern": r"^(?:(?:circa|before|after) )?[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?$",
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
    # Deferred: a model's validator and serializer are made when first used, not when this
    # module is imported. A build after an edit validates the files that changed and
    # serializes few records (a record's fingerprint is its file's digest): making all of
    # them up front cost more than a tenth of a second at every build.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


# The JSON Schema keyword that marks a field holding record ids, with the kinds it may name.
REF_KEY = "x-peacekb-ref"
# In place of the kinds: a record of any kind (those of RECORD_KINDS, whatever they are).
ANY_KIND = "*"


def ref(*kinds: str) -> Any:
    """A field that holds the id of a record of one of ``kinds``."""
    return Field(json_schema_extra={REF_KEY: list(kinds)})


def refs(*kinds: str) -> Any:
    """A field that holds a list of ids of records of ``kinds``."""
    return Field(default_factory=list, json_schema_extra={REF_KEY: list(kinds)})


def opt_ref(*kinds: str) -> Any:
    return Field(default=None, json_schema_extra={REF_KEY: list(kinds)})


# Upper bounds of the numbers a record holds, far above any real one: the loader refuses any
# integer beyond 2**53 (JSON's safe range), these say what is sensible for each field.
MAX_PARAGRAPHS = 10_000
MAX_COUNT = 1_000_000_000


def _paragraph_number(value: int) -> int:
    # The number itself is never formatted: Python refuses to write out an int of more than
    # 4,300 digits, and a model may be given one without the loader.
    if value > MAX_PARAGRAPHS:
        raise ValueError(
            f"no source has more than {MAX_PARAGRAPHS:,} paragraphs: write the number of the "
            "cited paragraph, 1 for the first, 0 for the headline"
        )
    return value


def _count(value: int) -> int:
    if value > MAX_COUNT:
        raise ValueError(f"a count above {MAX_COUNT:,} is not one a source gives: check the number")
    return value


class Citation(Strict):
    """The words of one paragraph of one source that state a fact."""

    source: Id = ref("source")
    paragraph: Annotated[int, AfterValidator(_paragraph_number)] = Field(
        ge=0,
        description="1 for the first paragraph; 0 for the headline",
        json_schema_extra={"maximum": MAX_PARAGRAPHS},
    )
    quote: Text
    translation: Text | None = None


class Evidence(Strict):
    """What a fact rests on: citations of the sources' words, or a curator's stated inference.

    Both may be given: the quote backs what it says, ``inferred`` explains the rest (a date
    worked out from a weekday, a name the text leaves implicit).
    """

    cite: list[Citation] = Field(default_factory=list)
    inferred: Text | None = None
    # Who makes the claim, where the source reports it as someone's: a person, an organisation
    # (the outlet itself included) or the source. Pages say "According to …".
    claimed_by: Id | None = opt_ref("person", "organization", "source")

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

    name: Line
    lang: LanguageCode | None = None
    cite: list[Citation] = Field(min_length=1)


class DatedFact(Evidence):
    date: DateStr


class Count(Evidence):
    """A number the sources give: '70 Il-76', '4 officers since the mission began'."""

    value: Annotated[int, AfterValidator(_count)] = Field(
        ge=0, json_schema_extra={"maximum": MAX_COUNT}
    )
    what: Line
    note: Text | None = None


class Coordinates(Strict):
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)


# ---------------------------------------------------------------------------------------------
# Other spellings
# ---------------------------------------------------------------------------------------------

# The fields that hold a record's own names, in whichever kinds have them.
NAME_FIELDS = ("name", "sort_name", "acronym", "name_en", "name_fr", "title", "title_en")
ALIASES_DESCRIPTION = (
    "other spellings a reader may type that the sources do not use (a transliteration, an "
    "exonym, another script); not a fact: shown apart from the sourced facts, never cited"
)


def _held(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(field, name)`` for each name held in a record's ``values``: its name fields, then the
    spellings its ``names`` list cites."""
    found = [(f, v) for f in NAME_FIELDS if isinstance(v := values.get(f), str)]
    for variant in values.get("names") or []:
        if isinstance(variant, NameVariant):
            found.append(("names", variant.name))
    return found


def held_names(values: Mapping[str, Any]) -> list[str]:
    """The names a record holds besides its aliases, given its field values."""
    return [name for _, name in _held(values)]


def spelling_key(text: str) -> str:
    """What tells two spellings apart for a reader's search: not case, not Unicode's
    normal form, not a run of spaces."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _aliases(value: list[str], info: ValidationInfo) -> list[str]:
    # The name fields are declared before 'aliases', so info.data holds those that validated.
    held: dict[str, str] = {}
    for where, name in _held(info.data):
        held.setdefault(spelling_key(name), where)
    errors: list[InitErrorDetails] = []
    seen: dict[str, str] = {}
    for i, alias in enumerate(value):
        key = spelling_key(alias)
        if key in held:
            message = (
                "the alias {alias} is already one of the record's names (in '{field}'): "
                "aliases are only spellings the record does not hold; remove it"
            )
            context = {"alias": repr(shorten(alias, 40)), "field": held[key]}
        elif key in seen:
            message = "the alias {alias} repeats {first} (letter case and spaces aside): keep one"
            context = {"alias": repr(shorten(alias, 40)), "first": repr(shorten(seen[key], 40))}
        else:
            seen[key] = alias
            continue
        # Located at the alias itself, not at the list: one error per alias at fault.
        error = PydanticCustomError("value_error", message, context)
        errors.append(InitErrorDetails(type=error, loc=(i,), input=alias))
    if errors:
        raise ValidationError.from_exception_data("aliases", errors)
    return value


Aliases = Annotated[list[Line], AfterValidator(_aliases)]


def aliases() -> Any:
    """The ``aliases`` field: declare it after the record's name fields."""
    return Field(default_factory=list, description=ALIASES_DESCRIPTION)


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------


# Names a kind folder's generated pages use besides the records' own (see pages.Site.pages): a
# record with such an id would silently replace that page.
RESERVED_IDS = frozenset({"index"})


class Claim(Evidence):
    """One side of a disagreement: what one source (or the public record) says."""

    text: Text


class Disagreement(Strict):
    """Claims that cannot all be true, each with its evidence, and how the curator reads them."""

    about: Line = Field(description="what the claims disagree on, in a few words")
    claims: list[Claim] = Field(min_length=2)
    reading: Text = Field(description="the curator's note: how the site reads the conflict")
    also_about: list[Id] = refs(ANY_KIND)


class Record(Strict):
    """Fields every record kind has."""

    kind: ClassVar[str]
    plural: ClassVar[str]  # the folder name under data/
    # The folder of the kind's pages in the site's addresses, when not ``plural`` (see urls.py).
    segment: ClassVar[str] = ""
    label: ClassVar[str]
    title_plural: ClassVar[str]

    id: Id
    statements: list[Statement] = Field(default_factory=list)
    disagreements: list[Disagreement] = Field(default_factory=list)
    notes: Text | None = None

    @field_validator("id")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_IDS:
            raise ValueError(
                f"'{value}' is reserved: the page {cls.plural}/{value} lists every "
                f"{cls.label.lower()}; choose another id and rename the file to match"
            )
        return value

    # The schema.org type of the record's structured data (JSON-LD).
    schema_type: ClassVar[str] = "Thing"

    @property
    def display_name(self) -> str:
        raise NotImplementedError

    def sort_key(self) -> tuple[Any, ...]:
        """The order of lists of records: by name, then by id, so that two records of one name
        keep one order from build to build."""
        return (self.display_name.casefold(), self.id)

    def index_key(self) -> tuple[Any, ...]:
        """The order of the kind's index page."""
        return self.sort_key()

    def date_spans(self) -> list[tuple[PartialDate | None, PartialDate | None, Loc]]:
        """Each (start, end, where the end is written) that must not end before it starts."""
        return []

    def schema_type_of(self, vocabulary: Vocabulary | None) -> str:
        """The schema.org type of this record, which the vocabulary may refine."""
        return self.schema_type

    @property
    def all_names(self) -> list[str]:
        """Every name the record holds, its aliases last, each once: what search leads to its
        page with."""
        return list(dict.fromkeys([*held_names(dict(self)), *getattr(self, "aliases", [])]))


def _paragraph_from_str(value: Any) -> Any:
    return {"text": value} if isinstance(value, str) else value


class Paragraph(Strict):
    text: Text
    role: Literal["body", "heading", "subtitle", "caption"] = "body"
    # The curators' English rendering, required for every paragraph of a source not in English.
    translation: Text | None = None


class MachineTranslation(Strict):
    """The publisher's own notice that the text is a machine translation."""

    from_language: LanguageCode
    notice: Text
    system: Line | None = None


class Credit(Strict):
    organization: Id = ref("organization")
    role: Line


class Source(Record):
    title_plural = "Sources"
    kind = "source"
    plural = "sources"
    label = "Source"
    schema_type = "NewsArticle"

    title: Line
    title_en: Line
    title_by_curator: bool = False
    language: LanguageCode
    outlet: Id | None = opt_ref("organization")
    credits: list[Credit] = Field(default_factory=list)
    byline: Line | None = None
    dateline: Line | None = None
    published: DateStr | None = None
    published_inferred: Text | None = None
    url: WebAddress | None = None
    machine_translation: MachineTranslation | None = None
    summary: Text | None = Field(
        default=None, description="what the article says, in two to four sentences of English"
    )
    cleaning: list[Text] = Field(default_factory=list)
    paragraphs: list[
        Annotated[
            Paragraph,
            BeforeValidator(_paragraph_from_str, json_schema_input_type=str | Paragraph),
        ]
    ] = Field(min_length=1, json_schema_extra={"maxItems": MAX_PARAGRAPHS})

    @field_validator("paragraphs")
    @classmethod
    def _not_too_many(cls, value: list[Paragraph]) -> list[Paragraph]:
        if len(value) > MAX_PARAGRAPHS:
            raise ValueError(
                f"more than {MAX_PARAGRAPHS:,} paragraphs: no article needs that; split the "
                "source into several records"
            )
        return value

    @property
    def display_name(self) -> str:
        return self.title_en


class Authorization(Evidence):
    date: DateStr
    by: Id = ref("organization")
    instrument: Line | None = None


class Mission(Record):
    title_plural = "Operations"
    kind = "mission"
    plural = "missions"
    segment = "operations"
    label = "Operation"
    schema_type = "Event"

    acronym: Line
    name_en: Line
    name_fr: Line | None = None
    names: list[NameVariant] = Field(default_factory=list)
    aliases: Aliases = aliases()
    # One of the operation types of vocabulary.yaml.
    type: Id
    authorized: Authorization
    host: list[Id] = refs("place")
    started: DatedFact | None = None
    ended: DatedFact | None = None

    @property
    def display_name(self) -> str:
        return self.acronym

    def date_spans(self) -> list[tuple[PartialDate | None, PartialDate | None, Loc]]:
        start = self.started.date if self.started else self.authorized.date
        spans: list[tuple[PartialDate | None, PartialDate | None, Loc]] = []
        if self.started:
            spans.append((self.authorized.date, self.started.date, ("started", "date")))
        if self.ended:
            spans.append((start, self.ended.date, ("ended", "date")))
        return spans


class Post(Evidence):
    """A post, a rank or a function someone held, with its dates where known."""

    title: Line
    rank: Line | None = None
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
    schema_type = "Person"

    name: Line
    sort_name: Line
    names: list[NameVariant] = Field(default_factory=list)
    aliases: Aliases = aliases()
    posts: list[Post] = Field(default_factory=list)
    missions: list[Id] = refs("mission")
    said: list[Saying] = Field(default_factory=list)

    @property
    def display_name(self) -> str:
        return self.name

    def sort_key(self) -> tuple[Any, ...]:
        return (self.sort_name.casefold(), self.id)

    def date_spans(self) -> list[tuple[PartialDate | None, PartialDate | None, Loc]]:
        return [(p.start, p.end, ("posts", i, "end")) for i, p in enumerate(self.posts)]


class Organization(Record):
    title_plural = "Organisations"
    kind = "organization"
    plural = "organizations"
    label = "Organisation"
    schema_type = "Organization"

    name: Line
    acronym: Line | None = None
    names: list[NameVariant] = Field(default_factory=list)
    aliases: Aliases = aliases()
    # One of the organisation types of vocabulary.yaml.
    type: Id
    country: Id | None = opt_ref("place")
    part_of: Id | None = opt_ref("organization")

    @property
    def display_name(self) -> str:
        return self.name

    def schema_type_of(self, vocabulary: Vocabulary | None) -> str:
        types = vocabulary.organization_types if vocabulary is not None else []
        return next((t.schema_type for t in types if t.id == self.type), self.schema_type)


class Contingent(Record):
    title_plural = "Contingents"
    kind = "contingent"
    plural = "contingents"
    label = "Contingent"
    schema_type = "Organization"

    name: Line
    aliases: Aliases = aliases()
    country: Id = ref("place")
    mission: Id = ref("mission")
    units: list[Id] = refs("organization")
    members: list[Id] = refs("person")
    role: Line | None = None
    start: DatedFact | None = None
    end: DatedFact | None = None
    strength: list[Count] = Field(default_factory=list)
    equipment: list[Count] = Field(default_factory=list)

    @property
    def display_name(self) -> str:
        return self.name

    def date_spans(self) -> list[tuple[PartialDate | None, PartialDate | None, Loc]]:
        start, end = (f.date if f else None for f in (self.start, self.end))
        return [(start, end, ("end", "date"))]


class Participant(Evidence):
    who: Id = ref("person", "organization", "contingent")
    role: Line


class Event(Record):
    title_plural = "Events"
    kind = "event"
    plural = "events"
    label = "Event"
    schema_type = "Event"

    title: Line
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

    def index_key(self) -> tuple[Any, ...]:
        """Dated events first, in date order; then the undated ones by title."""
        if self.occurred is not None:
            return (0, self.occurred.date.sort_key(), self.id)
        return (1, (), self.sort_key())

    def date_spans(self) -> list[tuple[PartialDate | None, PartialDate | None, Loc]]:
        start, end = (f.date if f else None for f in (self.occurred, self.ended))
        return [(start, end, ("ended", "date"))]


class Place(Record):
    title_plural = "Places"
    kind = "place"
    plural = "places"
    label = "Place"
    schema_type = "Place"

    name: Line
    names: list[NameVariant] = Field(default_factory=list)
    aliases: Aliases = aliases()
    type: Literal["country", "city", "region", "territory"]
    country_code: Annotated[str, StringConstraints(pattern=COUNTRY_PATTERN)] | None = None
    within: Id | None = opt_ref("place")
    coordinates: Coordinates

    @property
    def display_name(self) -> str:
        return self.name

    def schema_type_of(self, vocabulary: Vocabulary | None) -> str:
        return {"country": "Country", "city": "City"}.get(self.type, self.schema_type)


class TermForm(Strict):
    text: Line
    lang: LanguageCode


class Term(Strict):
    id: Id
    term: Line
    forms: list[TermForm] = Field(min_length=1)
    definition: Text
    refers_to: Id | None = opt_ref("mission", "organization", "place")
    cite: list[Citation] = Field(default_factory=list)


class Glossary(Strict):
    terms: list[Term] = Field(min_length=1)


class Category(Strict):
    """A kind of operation or of organisation, as the knowledge base's subject names it."""

    id: Id
    label: Line = Field(description="how pages name it, in the singular")
    description: Text | None = None


class OperationType(Category):
    # How the map draws the operations of this type: its legend names them by the label.
    marker: Literal["circle", "diamond"] = "circle"


class OrganizationType(Category):
    # The schema.org type of its records in the pages' structured data.
    schema_type: Literal[
        "Organization",
        "GovernmentOrganization",
        "NGO",
        "NewsMediaOrganization",
        "EducationalOrganization",
        "Corporation",
        "PoliticalParty",
    ] = "Organization"


class Vocabulary(Strict):
    """The subject's own words (``vocabulary.yaml``): the kinds of operations and of
    organisations that records may name in their ``type``. The engine knows none of them."""

    operation_types: list[OperationType] = Field(min_length=1)
    organization_types: list[OrganizationType] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_once(self) -> Vocabulary:
        for name in ("operation_types", "organization_types"):
            ids = [c.id for c in getattr(self, name)]
            if twice := sorted({i for i in ids if ids.count(i) > 1}):
                raise ValueError(f"{name}: {', '.join(twice)} listed more than once")
        return self


RECORD_KINDS: dict[str, type[Record]] = {
    cls.kind: cls for cls in (Source, Mission, Person, Organization, Contingent, Event, Place)
}
FOLDERS: dict[str, type[Record]] = {cls.plural: cls for cls in RECORD_KINDS.values()}

Loc = tuple[str | int, ...]


def _may_hold_model(annotation: Any) -> bool:
    """Whether a field of this type can hold a model; a type not known to hold none may."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _may_hold_model(get_args(annotation)[0])
    if origin is Literal:
        return False
    if origin is not None:
        return any(_may_hold_model(arg) for arg in get_args(annotation))
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel | list | tuple | dict | set | frozenset):
            return True
        return not issubclass(annotation, str | int | float | bool | datetime.date | type(None))
    return annotation is not None


@cache
def _walk(cls: type[BaseModel]) -> tuple[tuple[str, list[str] | None, bool], ...]:
    """The fields of ``cls`` a walk over its models looks into, in order: (name, the kinds of
    record its ids may name or None, whether it may hold a model). The others hold plain
    values: skipping them makes every walk quicker."""
    plan = []
    for name, info in cls.model_fields.items():
        kinds = ref_kinds(info)
        nested = _may_hold_model(info.annotation)
        if kinds is not None or nested:
            plan.append((name, kinds, nested))
    return tuple(plan)


def iter_refs(model: BaseModel, loc: Loc = ()) -> Iterator[tuple[Loc, str, list[str]]]:
    """Yield ``(location, id, allowed kinds)`` for every reference held in ``model``."""
    for name, kinds, _ in _walk(type(model)):
        value = getattr(model, name)
        if kinds is not None:
            if isinstance(value, str):
                yield (*loc, name), value, kinds
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    yield (*loc, name, i), item, kinds
            continue
        yield from _iter_nested(value, (*loc, name), iter_refs)


def iter_citations(model: BaseModel, loc: Loc = ()) -> Iterator[tuple[Loc, Citation]]:
    """Yield ``(location, citation)`` for every citation held in ``model``."""
    if isinstance(model, Citation):
        yield loc, model
        return
    for name, _, nested in _walk(type(model)):
        if nested:
            yield from _iter_nested(getattr(model, name), (*loc, name), iter_citations)


def cites_of(model: BaseModel) -> list[Citation]:
    """The citations ``model`` holds itself (its ``cite``), not those of the models in it."""
    if not _cites(type(model)):
        return []
    found = model.cite  # type: ignore[attr-defined]
    return found if isinstance(found, list) else []


@cache
def _cites(cls: type[BaseModel]) -> bool:
    # A field looked up on the class: a missing attribute costs a model a slow lookup.
    return "cite" in cls.model_fields


def iter_models(model: BaseModel, loc: Loc = ()) -> Iterator[tuple[Loc, BaseModel]]:
    """Yield ``model`` and every model nested in it, with locations."""
    yield loc, model
    for name, _, nested in _walk(type(model)):
        if nested:
            yield from _iter_nested(getattr(model, name), (*loc, name), iter_models)


def _iter_nested(value: Any, loc: Loc, fn: Any) -> Iterator[Any]:
    if isinstance(value, BaseModel):
        yield from fn(value, loc)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, BaseModel):
                yield from fn(item, (*loc, i))


@dataclass
class Salvage:
    """What can still be checked in data that fails its model as a whole: the parts that
    validate on their own, and the well-formed ids in the parts that do not."""

    models: list[tuple[Loc, BaseModel]] = field(default_factory=list)
    refs: list[tuple[Loc, str, list[str]]] = field(default_factory=list)


def salvage(model: type[BaseModel], data: Any, loc: Loc = ()) -> Salvage:
    """Validate ``data`` against ``model``, or failing that each nested part that holds a
    reference or a citation, so that one bad field does not hide the errors of the others."""
    found = Salvage()
    _salvage(model, data, loc, found)
    return found


_ID = re.compile(ID_PATTERN.removeprefix("^").removesuffix("$"))


def _salvage(model: type[BaseModel], data: Any, loc: Loc, found: Salvage) -> None:
    if not _has_links(model) or not isinstance(data, dict):
        return
    try:
        found.models.append((loc, model.model_validate(data)))
        return
    except ValidationError:
        pass
    for name, info in model.model_fields.items():
        if name not in data:
            continue
        value = data[name]
        kinds = ref_kinds(info)
        if kinds is not None:
            items = enumerate(value) if isinstance(value, list) else [(None, value)]
            for i, item in items:
                if isinstance(item, str) and len(item) <= ID_MAX_LENGTH and _ID.fullmatch(item):
                    found.refs.append(((*loc, name) if i is None else (*loc, name, i), item, kinds))
            continue
        nested, many = _nested_model(info.annotation)
        if nested is None:
            continue
        if not many:
            _salvage(nested, value, (*loc, name), found)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                _salvage(nested, item, (*loc, name, i), found)


def ref_kinds(info: FieldInfo) -> list[str] | None:
    """The kinds of record a field's ids may name; None for a field that holds no ids."""
    extra = info.json_schema_extra
    kinds = extra.get(REF_KEY) if isinstance(extra, dict) else None
    if not isinstance(kinds, list):
        return None
    return list(RECORD_KINDS) if ANY_KIND in kinds else [str(k) for k in kinds]


def _nested_model(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model a field holds, and whether it holds a list of them."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _nested_model(get_args(annotation)[0])
    if origin is list:
        return _nested_model(get_args(annotation)[0])[0], True
    if origin in (Union, UnionType):
        for arg in get_args(annotation):
            nested, many = _nested_model(arg)
            if nested is not None:
                return nested, many
        return None, False
    if origin is None and isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None, False


@cache
def _has_links(model: type[BaseModel]) -> bool:
    """Whether ``model`` holds, at any depth, a reference (citations hold one: their source)."""
    for info in model.model_fields.values():
        if ref_kinds(info) is not None:
            return True
        nested, _ = _nested_model(info.annotation)
        if nested is not None and nested is not model and _has_links(nested):
            return True
    return False
