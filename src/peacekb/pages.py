"""Render the knowledge base to MyST pages from Jinja templates, and write them to disk.

Every page is plain MyST that anyone can open and read. Text that comes from a record passes
through :func:`md_escape`, or goes as JSON to a directive that makes it text nodes, so a
record can never inject markup or HTML. Pages are written only
when their text changed, and pages of records that are gone are deleted, so that Sphinx
re-reads exactly the pages whose content changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import string
from collections import defaultdict
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import wraps
from html import escape
from pathlib import Path
from typing import Any, Generic, TypeVar, cast, overload

import jinja2
import yaml

from . import urls
from .charts import DeploymentMap, MapMark, Timeline, countries_of, downloads_html, timeline_html
from .export import jsonld, jsonld_script, write
from .iso import ISO, IsoNames
from .knowledge import CitedFact, Knowledge, describe, remembered
from .models import (
    RECORD_KINDS,
    Authorization,
    Contingent,
    DatedFact,
    Disagreement,
    Event,
    Evidence,
    Mission,
    PartialDate,
    Person,
    Record,
    Source,
    iter_models,
)
from .participation import Participation
from .provenance import Provenance
from .reads import Read, Reads, TrackedKnowledge, answer

# Characters that open inline markup anywhere in a line (CommonMark, MyST roles and attributes,
# tables, entities, math), and "#", which closes a heading when it ends the line ("Team #" would
# lose its "#"). Block markup can only start a line: see md_escape.
_INLINE = frozenset("\\`*_[]<>{}|$&~#")
_ESCAPE_INLINE = str.maketrans({ch: "\\" + ch for ch in _INLINE})
_PUNCTUATION = frozenset(string.punctuation)
_LIST_NUMBER = re.compile(r"^(\d+)([.)])")


class LanguageNames:
    """A language's English name from its ISO 639 code (ISO's own list: see
    :mod:`peacekb.iso`)."""

    def __init__(self, iso: IsoNames = ISO) -> None:
        self.iso = iso

    def get(self, code: str, default: str | None = None) -> str:
        name = self.iso.language_name(code)
        return name if name else (default if default is not None else code)


LANGUAGES = LanguageNames()
PRECISION = {"day": "exact day", "month": "month known", "year": "year known"}
DOWNLOAD_TEXT = {
    "peacekb.json": "the whole knowledge base as one JSON file, with its metadata and sources",
    "peacekb.sqlite": "SQLite database: a table per record kind, link tables, citations, "
    "paragraphs, metadata; every reference a foreign key",
    "timeline.json": "the dated events in TimelineJS format, with the operations as eras",
    "events.atom": "Atom feed of the dated events",
    "README.txt": "licence, sources, the list of files, and why some CSV cells begin with an "
    "apostrophe",
    "csv/citations.csv": "every citation: record, fact, source, paragraph, quote, translation",
    "csv/paragraphs.csv": "the sources' cleaned texts, one row per paragraph",
}


def download_text(name: str) -> str:
    """What a download holds, for the Data page."""
    if name in DOWNLOAD_TEXT:
        return DOWNLOAD_TEXT[name]
    folder, _, file = name.partition("/")
    stem = file.split(".")[0]
    if folder == "csv":
        return f"CSV of the {stem}, one row per record; nested facts as JSON text"
    if folder == "schema":
        return f"JSON Schema of the {stem} records, generated from the model"
    return ""


def fold_spaces(value: object) -> str:
    """``value`` as one line of text, as a page shows it: runs of spaces, tabs and line breaks
    become one space, and the ends are stripped."""
    # Only spaces, tabs and line breaks fold: the no-break spaces of French typography
    # (U+00A0, U+202F before ; : ! ?) are the source's own characters. Every kind of space is
    # stripped from the ends, though: markdown-it-py strips them with str.strip, so a leading
    # one would hide the first character from the block-markup escaping of md_escape.
    return re.sub(r"[ \t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]+", " ", str(value)).strip()


def md_escape(value: object) -> str:
    """Make ``value`` inert inline MyST: one line, with every character that could open markup
    escaped.

    CommonMark lets a backslash escape any ASCII punctuation, and an escaped character is
    always literal text. Inline markup characters are escaped wherever they stand; a leading
    punctuation mark (``#``, ``-``, ``>``, ``:::``, ``%``, ``(label)=`` …) and the dot of a
    leading ``1.`` are escaped too, so the text cannot begin a block either. Runs of spaces,
    tabs and line breaks become one space; other spaces (no-break, narrow no-break) are kept
    between words.
    """
    text = fold_spaces(value)
    escaped = text.translate(_ESCAPE_INLINE)
    escaped = _LIST_NUMBER.sub(r"\1\\\2", escaped, count=1)
    if escaped and escaped[0] in _PUNCTUATION and escaped[0] != "\\":
        escaped = "\\" + escaped
    return escaped


def yaml_string(text: str) -> str:
    """``text`` as one double-quoted YAML scalar on one line."""
    dumped = yaml.safe_dump(text, default_style='"', allow_unicode=True, width=float("inf"))
    return dumped.removesuffix("\n...\n").strip()


def json_block(value: Any) -> str:
    """JSON for a directive body: ASCII only and free of backticks, so a fence cannot close."""
    return json.dumps(value, ensure_ascii=True, sort_keys=True).replace("`", "\\u0060")


def fenced(info: str, body: str) -> str:
    """A code fence around ``body``, longer than any run of backticks in it, so that nothing
    inside can close it."""
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    newline = "" if body.endswith("\n") else "\n"
    return f"{fence}{info}\n{body}{newline}{fence}"


def role(kind: str, rid: str) -> str:
    return f"{{kb:{kind}}}`{rid}`"


def link(kind: str, rid: str) -> dict[str, str]:
    """A link to a record in a cell of a ``{kb:table}`` (see :mod:`.sphinxext.tables`)."""
    return {"kind": kind, "id": rid}


def precision_label(date: PartialDate) -> str:
    """How precisely a date is known, in words that agree with its qualifier: "exact day",
    "approximate month", "upper bound, to the year" …"""
    unit = date.precision
    if date.qualifier == "circa":
        return f"approximate {unit}"
    if date.qualifier == "before":
        return f"upper bound, to the {unit}"
    if date.qualifier == "after":
        return f"lower bound, to the {unit}"
    return PRECISION[unit]


def date_badge(date: PartialDate) -> str:
    """A badge for a date known less than to the day; an exact day needs none."""
    if date.precision == "day" and date.qualifier is None:
        return ""
    return f"{{bdg-secondary-line}}`{precision_label(date)}`"


def _environment(template_dirs: Sequence[Path] = ()) -> jinja2.Environment:
    """The templates' environment: a site's own template folders first, so that a file there
    named like a packaged template (``person.md.jinja``) replaces it; then the packaged ones."""
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                *(jinja2.FileSystemLoader(str(d)) for d in template_dirs),
                jinja2.PackageLoader("peacekb", "templates"),
            ]
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["md"] = md_escape
    env.filters["json_block"] = json_block
    # Text for a {kb:table} cell (JSON, never parsed): on one line, as |md would show it.
    env.filters["fold"] = fold_spaces
    env.globals.update(
        role=role,
        link=link,
        date_badge=date_badge,
        LANGUAGES=LANGUAGES,
        RECORD_KINDS=RECORD_KINDS,
        index_doc=urls.index_doc,
        record_doc=urls.record_doc,
        TIMELINE=urls.TIMELINE,
        MAP=urls.MAP,
    )
    return env


def join_words(items: list[str], last: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c`` (or with ``last`` = "or")."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


@dataclass
class Uncertainty:
    """What is uncertain about one record: the disagreements that concern it, the facts the
    curator inferred (with why), and the dates known only approximately or as a bound."""

    record: Record
    disagreements: list[tuple[Record, Disagreement]] = field(default_factory=list)
    # (fact, why, the fact's own qualified dates): an inferred fact shows its dates with it
    inferred: list[tuple[str, str, list[PartialDate]]] = field(default_factory=list)
    # (what, date, whether the fact is inferred, so already listed with its reason)
    approximate: list[tuple[str, PartialDate, bool]] = field(default_factory=list)

    @property
    def approximate_alone(self) -> list[tuple[str, PartialDate]]:
        """The qualified dates of facts that are not inferred: the others show with them."""
        return [(what, date) for what, date, inferred in self.approximate if not inferred]

    @property
    def any(self) -> bool:
        return bool(self.disagreements or self.inferred or self.approximate)

    @property
    def label(self) -> str:
        return f"uncertain-{self.record.kind}-{self.record.id}"

    @property
    def summary(self) -> str:
        parts = []
        if self.disagreements:
            n = len(self.disagreements)
            parts.append(_plural(n, "disagreement", "disagreements") + " between sources")
        if self.inferred:
            parts.append(_plural(len(self.inferred), "fact", "facts") + " inferred by the curator")
        if self.approximate:
            n = len(self.approximate)
            parts.append(_plural(n, "date", "dates") + " known only approximately or as a bound")
        return f"This page holds {join_words(parts)}"


def uncertainty_of(record: Record, name_of: Callable[[str], str] = str) -> Uncertainty:
    """The inferred facts and the qualified dates held anywhere in ``record``."""
    found = Uncertainty(record)
    for loc, model in iter_models(record):
        if loc[:1] == ("disagreements",):
            continue  # the claims of a disagreement are shown with it
        reason = getattr(model, "inferred", None)
        qualified = [
            (name, value)
            for name, value in model.__dict__.items()
            if isinstance(value, PartialDate) and value.qualifier
        ]
        source_date = model is record and isinstance(record, Source)
        if not qualified and not isinstance(reason, str) and not source_date:
            continue  # nothing uncertain here: the common case, made quick
        what = describe(model, name_of)
        if source_date:
            assert isinstance(record, Source)
            # A source's date carries its reason in a field of its own.
            what, reason = "publication date", record.published_inferred
        dates = []
        for name, value in qualified:
            if model is record:
                label = name
            elif isinstance(model, DatedFact | Authorization) and isinstance(loc[-1], str):
                label = loc[-1]  # the field that holds the dated fact: occurred, ended …
            else:
                label = f"{what} ({name})"
            found.approximate.append((label, value, isinstance(reason, str)))
            dates.append(value)
        if isinstance(reason, str):
            found.inferred.append((what, reason, dates))
    return found


# The lists an operation's page shows, by kind.
MISSION_LISTS = ("person", "event", "contingent")


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _read(method: _Method) -> _Method:
    """A :class:`Site` method whose answer is made from the whole knowledge base: noted as one
    read of the record page being made (see :mod:`peacekb.reads`)."""

    @wraps(method)
    def noted(self: Site, *args: Any, **keywords: Any) -> Any:
        reads = self.reads
        if reads is None:
            return method(self, *args, **keywords)

        def work() -> Any:
            # Made from the knowledge base itself: what the answer holds is noted as a whole.
            tracked, self.kb = self.kb, reads.kb
            try:
                return method(self, *args, **keywords)
            finally:
                self.kb = tracked

        return reads.noted("site", method.__name__, args, work, keywords)

    return cast(_Method, noted)


_Value = TypeVar("_Value")


class _whole(Generic[_Value]):
    """A :class:`Site` value made once, from the whole knowledge base. Read by a record page
    other than through a noted read (a site's own template may), it marks the page untracked:
    it is made again at every build."""

    def __init__(self, make: Callable[[Any], _Value]) -> None:
        self.make = make
        self.__doc__ = make.__doc__
        self.key = f"_whole_{make.__name__}"

    @overload
    def __get__(self, instance: None, owner: type[Any] | None = None) -> _whole[_Value]: ...
    @overload
    def __get__(self, instance: object, owner: type[Any] | None = None) -> _Value: ...
    def __get__(self, instance: Any, owner: type[Any] | None = None) -> Any:
        if instance is None:
            return self
        if instance.reads is not None:
            instance.reads.unnoted()
        made = instance.__dict__
        if self.key not in made:
            made[self.key] = self.make(instance)
        return made[self.key]


class GetsNoted:
    """A knowledge base that answers as ``kb`` does and notes what its user saw beyond the
    records of ``kinds``: each record of another kind got by id (``got``: its digest, or None
    when there was none), and whether it looked at other kinds in any other way (``whole``)."""

    # Answers from the vocabulary alone.
    _VOCABULARY = frozenset({"vocabulary", "operation_type", "organization_type"})

    def __init__(self, kb: Knowledge, kinds: Sequence[str]) -> None:
        self._kb = kb
        self._kinds = frozenset(kinds)
        self.got: dict[tuple[str, str], str | None] = {}
        self.whole = False

    def get(self, kind: str, id: str) -> Record | None:
        found = self._kb.get(kind, id)
        if kind not in self._kinds:
            self.got[(kind, id)] = None if found is None else self._kb.fingerprint(found)
        return found

    def all(self, kind: str) -> list[Record]:
        if kind not in self._kinds:
            self.whole = True
        return self._kb.all(kind)

    def __getattr__(self, name: str) -> Any:
        if name not in self._VOCABULARY or "vocabulary" not in self._kinds:
            self.whole = True
        return getattr(self._kb, name)


class Site:
    """What the templates need beyond a record: derived lists, in a stable order."""

    # The place whose participation has a page of its own (``peacekb_focus_country``).
    focus_country = ""

    def __init__(
        self,
        kb: Knowledge,
        provenance: Provenance | None = None,
        template_dirs: Sequence[Path] = (),
    ) -> None:
        self.kb = kb
        self.provenance = provenance or Provenance()
        self.env = _environment(template_dirs)
        self._downloads: dict[str, bytes] = {}
        self.links = self.provenance.links
        # Results of costly steps from earlier builds (see peacekb.sphinxext.cache).
        self.memo: MutableMapping[str, Any] | None = None
        # A digest of all but the records that record pages are made from (the templates, the
        # settings): with a memo, a record page whose reads are unchanged is not made again.
        self.pages_key: str | None = None
        # While a record page is made with a memo: what it reads (and self.kb notes them).
        self.reads: Reads | None = None
        self._answers: dict[Read, str] = {}
        self.use_iso(ISO)

    def use_iso(self, iso: IsoNames) -> None:
        """Take names and codes from ISO's lists from ``iso`` (see :mod:`peacekb.iso`)."""
        self.iso = iso
        self.languages = LanguageNames(iso)
        self.env.globals["LANGUAGES"] = self.languages

    @property
    def downloads(self) -> dict[str, bytes]:
        """The downloads this build made (name -> bytes)."""
        if self.reads is not None:
            self.reads.unnoted()
        return self._downloads

    @downloads.setter
    def downloads(self, files: dict[str, bytes]) -> None:
        self._downloads = files

    @_whole
    def uncertainties(self) -> dict[tuple[str, str], Uncertainty]:
        """Every record's :class:`Uncertainty`, with the disagreements of other records that
        concern it (``also_about``)."""
        found = {
            (r.kind, r.id): self._uncertainty_of(r)
            for kind in RECORD_KINDS
            for r in self.kb.all(kind)
        }
        for (kind, rid), u in found.items():
            for d in u.record.disagreements:
                u.disagreements.append((u.record, d))
                for other in d.also_about:
                    other_kind = self.kb.kind_of(other)
                    if other_kind is not None and (other_kind, other) != (kind, rid):
                        found[(other_kind, other)].disagreements.append((u.record, d))
        return found

    def _uncertainty_of(self, record: Record) -> Uncertainty:
        """:func:`uncertainty_of` the record; with a memo, what the last build found when the
        record is the same and so are the names it showed of other records."""
        if self.memo is None:
            return uncertainty_of(record, self.kb.display_name)
        key = f"uncertain:{record.kind}:{record.id}:{self.kb.fingerprint(record)}"
        if key in self.memo:
            names, inferred, approximate = self.memo[key]
            if all(self.kb.display_name(rid) == name for rid, name in names.items()):
                return Uncertainty(record, [], list(inferred), list(approximate))
        shown: dict[str, str] = {}

        def name_of(rid: str) -> str:
            shown[rid] = self.kb.display_name(rid)
            return shown[rid]

        found = uncertainty_of(record, name_of)
        self.memo[key] = (shown, list(found.inferred), list(found.approximate))
        return found

    @_read
    def uncertainty(self, record: Record) -> Uncertainty:
        return self.uncertainties[(record.kind, record.id)]

    @_read
    def uncertain_records(self) -> list[Uncertainty]:
        return [u for u in self.uncertainties.values() if u.any]

    @_read
    def all_disagreements(self) -> list[tuple[Record, Disagreement]]:
        return [
            (r, d) for u in self.uncertainties.values() for r, d in u.disagreements if r is u.record
        ]

    def lead(self, record: Record) -> str:
        from .summaries import lead  # summaries builds on this module's escaping

        return lead(self.kb, record)

    def evidence(self, ev: Evidence) -> dict[str, Any]:
        """What the ``{kb:fact}`` and ``{kb:evidence}`` directives show of a fact's evidence
        (see :mod:`peacekb.sphinxext.evidence`): a title counting sources and quotes, each
        quote with its translation and its source's language, the curator's inference, and
        who makes the claim."""
        quotes = []
        for c in ev.cite:
            source = self.kb.get("source", c.source)
            language = source.language if isinstance(source, Source) else None
            quotes.append(
                {
                    "source": c.source,
                    "paragraph": c.paragraph,
                    "quote": fold_spaces(c.quote),
                    "translation": fold_spaces(c.translation) if c.translation else None,
                    "language": language,
                    # The language is named after the link when it is not the site's.
                    "language_name": self.languages.get(language, language)
                    if language and language != "en"
                    else None,
                }
            )
        title = ""
        if ev.cite:
            sources = len({c.source for c in ev.cite})
            title = (
                f"{_plural(sources, 'source', 'sources')}, "
                f"{_plural(len(ev.cite), 'quote', 'quotes')}"
                f"{' · inferred in part' if ev.inferred else ''}"
            )
        inferred = fold_spaces(ev.inferred) if ev.inferred else None
        found: dict[str, Any] = {"title": title, "quotes": quotes, "inferred": inferred}
        if ev.claimed_by:
            found["claimed_by"] = {"kind": self.kb.kind_of(ev.claimed_by), "id": ev.claimed_by}
        return found

    def infobox(self, record: Record) -> list[Any]:
        from .summaries import infobox

        rows = infobox(self.kb, record)
        if isinstance(record, Mission):
            rows.extend(self.focus_rows(record))
        return rows

    @_read
    def focus_rows(self, mission: Mission) -> list[Any]:
        """The focus country's part in ``mission`` (rows of the infobox), if it has one."""
        from .summaries import focus_rows

        part = self.participation
        return [] if part is None else focus_rows(part, mission)

    def referrers(self, record: Record, kind: str) -> list[Record]:
        return [r for r in self.kb.mentioned_by(record.kind, record.id) if r.kind == kind]

    def facts_by_paragraph(self, source: Source) -> list[tuple[int, list[CitedFact]]]:
        grouped: dict[int, list[CitedFact]] = defaultdict(list)
        for cited in self.kb.facts_citing(source.id):
            grouped[cited.citation.paragraph].append(cited)
        return [
            (n, sorted(facts, key=lambda f: (f.kind, f.id, f.fact)))
            for n, facts in sorted(grouped.items())
        ]

    @_read
    def people_in(self, mission: Mission) -> list[Person]:
        return self._by_mission["person"].get(mission.id, [])

    @_read
    def events_of(self, mission: Mission) -> list[Event]:
        return self._by_mission["event"].get(mission.id, [])

    @_read
    def contingents_of(self, mission: Mission) -> list[Contingent]:
        return self._by_mission["contingent"].get(mission.id, [])

    @_whole
    def _by_mission(self) -> dict[str, dict[str, list[Any]]]:
        """Per kind, per operation: its people, events and contingents, worked out once for
        every operation's page rather than by a walk over all records on each."""
        found: dict[str, dict[str, list[Any]]] = {k: defaultdict(list) for k in MISSION_LISTS}
        for p in self.kb.all("person"):
            if isinstance(p, Person):
                missions = dict.fromkeys([*p.missions, *(post.mission for post in p.posts)])
                for mid in missions:
                    if mid is not None:
                        found["person"][mid].append(p)
        events = sorted(self.kb.all("event"), key=lambda e: e.index_key())
        for e in events:
            if isinstance(e, Event):
                for mid in dict.fromkeys(e.missions):
                    found["event"][mid].append(e)
        for c in self.kb.all("contingent"):
            if isinstance(c, Contingent):
                found["contingent"][c.mission].append(c)
        return found

    def description(self, record: Record) -> str:
        """One sentence for the page's meta description (search engines show it)."""
        if isinstance(record, Person):
            post = f", {record.posts[-1].title}" if record.posts else ""
            return f"{record.name}{post}: posts, ranks and statements, with the sources' words."
        if isinstance(record, Mission):
            kind = self.kb.operation_type(record.type).label
            return (
                f"{record.acronym}, {record.name_en}: {kind} authorised "
                f"{record.authorized.date.human()}; contingents, people and events, with the "
                "sources' words."
            )
        if isinstance(record, Event):
            when = record.occurred.date.human() if record.occurred else "undated"
            return f"{record.title} ({when}): what happened and who took part, with the sources."
        if isinstance(record, Source):
            return (
                f"{record.title_en}: the article's text paragraph by paragraph, and every fact "
                "drawn from it."
            )
        return (
            f"{record.display_name} ({record.label.lower()}): what the sources say, in their words."
        )

    def front_matter(self, description: str, orphan: bool = False) -> str:
        """MyST front matter. The description is a double-quoted YAML string written by the
        YAML library, which escapes what YAML would read as a line break (U+0085, U+2028) or
        refuse; French text keeps its accents and no-break spaces."""
        quoted = yaml_string(description)
        lines = ["---"]
        if orphan:
            lines.append("orphan: true")
        lines += [
            f"og:description: {quoted}",
            "myst:",
            "  html_meta:",
            f"    description: {quoted}",
            "---",
        ]
        return "\n".join(lines)

    def structured_data(self, record: Record) -> str:
        """The record's schema.org JSON-LD, as a raw HTML block."""
        return self.raw_html(jsonld_script(jsonld(self.kb, record, self.provenance)))

    def example_yaml(self, kind: str) -> str:
        """One record of ``kind`` as YAML in a code block: the smallest, to keep it short.
        Made from the records of ``kind`` alone (a page that shows it reads them all), and
        kept while they are the same: finding the smallest serializes every one of them."""
        if not self.kb.all(kind):
            return ""
        # The base itself, not the page's view of it: the read that matters is noted above.
        kb = self.reads.kb if self.reads is not None else self.kb
        if self.pages_key is None or self.memo is None:
            return self._example_yaml(kb, kind)
        key = self._memo_key(f"example {kind}", (kind,), kb)
        return remembered(self.memo, key, lambda: self._example_yaml(kb, kind))

    @staticmethod
    def _example_yaml(kb: Knowledge, kind: str) -> str:
        record = min(kb.all(kind), key=lambda r: (kb.json_size(r), r.id))
        text = yaml.safe_dump(
            record.model_dump(mode="json", exclude_defaults=True),
            allow_unicode=True,
            sort_keys=False,
            width=100,
        )
        # Forced: Pygments' YAML lexer stumbles on some characters a record may hold (a narrow
        # no-break space, a line separator), which -W would turn into a failed build.
        return fenced("{code-block} yaml", ":force:\n" + text)

    def download_table(self) -> str:
        """The downloads as an HTML table: name, what it holds, size."""
        rows = []
        for name, data in sorted(self.downloads.items()):
            what = download_text(name)
            rows.append(
                f'<tr><td><a href="{escape(self.links.file(urls.DATA, urls.download_path(name)))}">'
                f"{escape(name)}</a></td>"
                f"<td>{escape(what)}</td><td>{len(data):,} bytes</td></tr>"
            )
        return self.raw_html(
            '<table class="table kb-downloads"><thead><tr><th>File</th><th>Contents</th>'
            "<th>Size</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        )

    def unknown_metadata(self, source: Source) -> str:
        """One plain sentence for what is not known of the article, instead of empty rows."""
        missing = [
            what
            for what, value in (
                ("outlet", source.outlet),
                ("date of publication", source.published),
                ("web address", source.url),
            )
            if value is None
        ]
        if not missing:
            return ""
        return f"The records hold no {join_words(missing, 'or')} for this article."

    def paragraph(
        self, source: Source, n: int, role: str, text: str, translation: str | None
    ) -> str:
        """One numbered paragraph of a source, in its language, with its English rendering."""
        body = f":role: {role}\n:lang: {source.language}\n\n{md_escape(text)}\n"
        if translation is not None:
            body += "\n" + fenced("{kb:rendering}", md_escape(translation)) + "\n"
        return fenced(f"{{kb:paragraph}} {n}", body)

    def raw_html(self, html: str) -> str:
        """A MyST ``raw`` block holding ``html``."""
        return fenced("{raw} html", html)

    def _memo_key(self, name: str, kinds: tuple[str, ...], kb: Knowledge | None = None) -> str:
        """The memo's key of ``name`` made from the records of ``kinds`` (in ``kb``, the site's
        by default) and the settings."""
        digest = (kb or self.kb).digest(kinds)
        return f"{name}:{digest}:{self.pages_key}:{self.iso.memo_key()}"

    def _kept(self, name: str, kinds: tuple[str, ...], make: Callable[[], str]) -> str:
        """What ``make`` makes from the records of ``kinds`` alone and the settings (see
        :attr:`pages_key`); with a memo, what the last build made while they are the same."""
        if self.pages_key is None:
            return make()
        return remembered(self.memo, self._memo_key(name, kinds), make)

    def _kept_drawing(
        self, name: str, kinds: tuple[str, ...], make: Callable[[Knowledge], str]
    ) -> str:
        """What ``make`` draws from the knowledge base it is given: the records of ``kinds``,
        and records of other kinds it gets one by one by id (the places a chart marks, say).
        With a memo, what the last build drew while those are the same: a record added,
        changed or removed that the drawing did not get leaves it as it was. A drawing that
        looks at other kinds in any other way is kept by the digest of every kind."""
        if self.pages_key is None or self.memo is None:
            return make(self.kb)
        key = self._memo_key(name, kinds)
        everything = (*RECORD_KINDS, "vocabulary", "glossary")
        if key in self.memo:
            got, drawn = self.memo[key]
            if got is None:  # it looked at every kind
                return self._kept(name, everything, lambda: make(self.kb))
            if all(self._record_digest(kind, rid) == digest for (kind, rid), digest in got):
                return str(drawn)
        view = GetsNoted(self.kb, kinds)
        drawn = make(cast(Knowledge, view))
        if view.whole:
            self.memo[key] = (None, None)
            return self._kept(name, everything, lambda: drawn)
        self.memo[key] = (sorted(view.got.items()), drawn)
        return drawn

    def _record_digest(self, kind: str, rid: str) -> str | None:
        found = self.kb.get(kind, rid)
        return None if found is None else self.kb.fingerprint(found)

    @_read
    def timeline_chart(self) -> str:
        kinds = ("event", "mission", "vocabulary")
        return self.raw_html(
            self._kept_drawing("timeline chart", kinds, lambda kb: timeline_html(kb, self.links))
        )

    @_whole
    def deployment_map(self) -> DeploymentMap:
        return DeploymentMap(self.kb, self.links, self.memo, self.iso)

    @_read
    def map_chart(self) -> str:
        def draw(kb: Knowledge) -> str:
            if kb is self.kb:
                return self.deployment_map.html()
            return DeploymentMap(kb, self.links, self.memo, self.iso).html()

        return self.raw_html(self._kept_drawing("map chart", ("mission", "vocabulary"), draw))

    @_read
    def chart_downloads(self, page: str) -> str:
        """Links from a chart's page (``timeline`` or ``map``) to the downloads that hold the
        chart's data, those this build wrote."""
        files = {Timeline.page: Timeline.data_files, DeploymentMap.page: DeploymentMap.data_files}
        names = [n for n in files.get(page, ()) if n in self.downloads]
        return self.raw_html(downloads_html(self.links, page, names)) if names else ""

    @_read
    def map_marks(self) -> list[MapMark]:
        return sorted(self.deployment_map.marks, key=lambda m: m.mission.acronym)

    def filter_classes(self, event: Event) -> str:
        """Classes the timeline filters match: operation, country and kind of an event."""
        hosts = [
            h
            for mid in event.missions
            if isinstance(m := self.kb.get("mission", mid), Mission)
            for h in m.host
        ]
        names = [f"m-{m}" for m in event.missions]
        names += [f"c-{c}" for c in countries_of(self.kb, event.places + hosts)]
        names.append(f"k-{event.type}")
        return " ".join(names)

    def timeline_years(self) -> list[tuple[int, list[Any]]]:
        years: dict[int, list[Any]] = defaultdict(list)
        for entry in self.kb.timeline():
            years[entry.date.year].append(entry)
        return sorted(years.items())

    @_whole
    def participation(self) -> Participation | None:
        """The focus country's part in the operations; None when no focus is set."""
        return Participation.of(self.kb, self.focus_country, self.links)

    def participation_pages(self) -> dict[str, str]:
        p = self.participation
        return (
            {}
            if p is None
            else {f"{urls.PARTICIPATION}.md": self.render("participation.md.jinja", p=p)}
        )

    def render(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(site=self, kb=self.kb, **context)

    def record_page(self, record: Record, cls: type[Record]) -> str:
        """The page of ``record`` (see :meth:`_page`)."""
        template = f"{record.kind}.md.jinja"
        if self.memo is None or self.pages_key is None:
            return self.render(template, record=record, cls=cls)
        return self._page(
            f"page {record.kind}:{record.id}",
            self.kb.fingerprint(record),
            lambda: self.render(template, record=record, cls=cls),
        )

    def _page(self, key: str, made_from: str, make: Callable[[], str]) -> str:
        """What ``make`` makes of the knowledge base. With a memo and :attr:`pages_key`, the
        text of the last build when the page would come out the same: same templates and
        settings, same ``made_from`` (a record's fingerprint), same answers from ISO's lists
        (language names: the version of pycountry), same answer to each of its reads (see
        :mod:`peacekb.reads`); otherwise it is made, and kept with its reads."""
        if self.memo is None or self.pages_key is None:
            return make()
        made = (self.pages_key, self.iso.memo_key(), made_from)
        if key in self.memo:
            last, reads, text = self.memo[key]
            if last == made and all(
                answer(self.kb, self, read, self._answers) == found for read, found in reads
            ):
                return str(text)
        kb = self.kb
        self.reads = Reads(kb, self._answers)
        self.kb = cast(Knowledge, TrackedKnowledge(kb, self.reads))
        try:
            text = make()
            if not self.reads.untracked:
                self.memo[key] = (made, tuple(self.reads.log.items()), text)
        finally:
            self.kb, self.reads = kb, None
        return text

    def page(self, template: str) -> str:
        """A page drawn from the whole base, made again only when what it read changed (see
        :meth:`_page`): one that reads a value made of the whole base at once is made at every
        build."""
        return self._page(f"page {template}", "", lambda: self.render(template))

    def index_page(self, kind: str, cls: type[Record]) -> str:
        """The index of a kind of record: its records in their index order."""

        def make() -> str:
            records = sorted(self.kb.all(kind), key=lambda r: r.index_key())
            return self.render(f"{kind}-index.md.jinja", records=records, cls=cls)

        return self._page(f"page {kind}-index", "", make)

    def pages(self) -> dict[str, str]:
        """Every generated page: path relative to the output folder -> MyST text."""
        pages: dict[str, str] = {}
        for kind, cls in RECORD_KINDS.items():
            pages[f"{urls.index_doc(kind)}.md"] = self.index_page(kind, cls)
            for record in self.kb.all(kind):
                pages[f"{urls.record_doc(kind, record.id)}.md"] = self.record_page(record, cls)
        pages[f"{urls.TIMELINE}.md"] = self.page("timeline.md.jinja")
        pages[f"{urls.MAP}.md"] = self.page("map.md.jinja")
        pages[f"{urls.DATA}.md"] = self.page("data.md.jinja")
        pages[f"{urls.GLOSSARY}.md"] = self.page("glossary.md.jinja")
        pages[f"{urls.UNCERTAINTY}.md"] = self.page("uncertainty.md.jinja")
        pages["overview.inc.md"] = self.page("overview.inc.md.jinja")
        pages.update(self.participation_pages())
        return pages


@dataclass
class WriteReport:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)


# rel -> (a digest of the text written, the file's size, its modification time in ns)
Written = dict[str, tuple[str, int, int]]


def write_pages(pages: dict[str, str], outdir: Path, written: Written | None = None) -> WriteReport:
    """Write ``pages`` under ``outdir``: only the ones whose text changed; delete the others.

    ``written``: what the last call wrote, updated with what this one finds. A page whose text
    is what was written then, in a file of the same size and time, is not read again to tell
    whether it changed (most pages of a build after an edit)."""
    last = dict(written or {})
    digests = {rel: _digest(text) for rel, text in pages.items()}
    known = {
        rel
        for rel in pages
        if rel in last and last[rel][0] == digests[rel] and _stamp(outdir / rel) == last[rel][1:]
    }
    changed = {rel: text.encode("utf-8") for rel, text in pages.items() if rel not in known}
    report = WriteReport(written=write(changed, outdir))
    report.unchanged = sorted({outdir / rel for rel in pages} - set(report.written))
    if written is not None:
        written.clear()
        for rel in pages:
            stamp = last[rel][1:] if rel in known else _stamp(outdir / rel)
            if stamp is not None:
                written[rel] = (digests[rel], *stamp)
    wanted = {os.path.join(outdir, rel) for rel in pages}
    for root, _, files in os.walk(outdir, topdown=False):
        for name in files:
            path = os.path.join(root, name)
            if name.endswith(".md") and path not in wanted:
                os.unlink(path)
                report.removed.append(Path(path))
        if root != str(outdir) and not os.listdir(root):
            os.rmdir(root)
    report.removed.sort()
    return report


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _stamp(path: Path) -> tuple[int, int] | None:
    """The size and modification time (ns) of a regular file; None for anything else."""
    try:
        found = os.lstat(path)
    except OSError:
        return None
    return (found.st_size, found.st_mtime_ns) if stat.S_ISREG(found.st_mode) else None


def render_site(
    kb: Knowledge,
    provenance: Provenance | None = None,
    downloads: dict[str, bytes] | None = None,
    focus_country: str = "",
    template_dirs: Sequence[Path] = (),
    memo: MutableMapping[str, Any] | None = None,
    compiled: Callable[[jinja2.Environment], None] | None = None,
    pages_key: str | None = None,
) -> dict[str, str]:
    """Every generated page (see :meth:`Site.pages`). ``compiled``, when given, is called with
    the templates' environment before any is loaded (to keep their compiled code);
    ``pages_key``: see :attr:`Site.pages_key`."""
    site = Site(kb, provenance, template_dirs)
    site.pages_key = pages_key
    if compiled is not None:
        compiled(site.env)
    site.focus_country = focus_country
    site.downloads = downloads or {}
    site.memo = memo
    if memo is not None:
        site.use_iso(IsoNames.from_memo(memo))
    made = site.pages()
    site.iso.keep(memo)
    return made
