"""Open-data exports of the knowledge base: JSON, CSV, SQLite, JSON Schema, TimelineJS, Atom.

Each function turns a :class:`~peacekb.knowledge.Knowledge` into bytes; :func:`render` makes
the files of the chosen formats, :func:`check_output` says what in a folder is in their way,
and :func:`write` writes them, never through a link. Output is deterministic: the same records
give the same bytes (rows and keys in a fixed order, no timestamps but the records' own dates).

Record text is untrusted, and each format is made safe to open in the program it is for: CSV
cells cannot start a spreadsheet formula, TimelineJS text is escaped HTML, and the Atom feed
holds no character that XML 1.0 forbids.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import html
import io
import json
import os
import re
import secrets
import sqlite3
import stat
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from . import __version__
from .knowledge import Knowledge, describe, remembered
from .models import (
    RECORD_KINDS,
    Event,
    Glossary,
    Mission,
    PartialDate,
    Record,
    Source,
    Vocabulary,
    cites_of,
    iter_citations,
    iter_models,
    ref_kinds,
)
from .provenance import Provenance as Provenance  # where it was first defined
from .urls import download_path

FORMATS = ("json", "csv", "sqlite", "schema", "timeline", "atom")

_Made = TypeVar("_Made")


def _dump(model: BaseModel) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json", exclude_defaults=False)
    return data


def records_of(kb: Knowledge, kind: str) -> list[Record]:
    return sorted(kb.records.get(kind, {}).values(), key=lambda r: r.id)


# -- JSON --------------------------------------------------------------------------------------


def to_json(kb: Knowledge, provenance: Provenance, rows: Rows | None = None) -> bytes:
    """The whole knowledge base as one JSON document: ``meta``, the records by kind (in id
    order), the glossary; indented by one space. Each record's text is made on its own (and
    taken from the memo of ``rows`` when the record is unchanged), then indented in place."""
    rows = rows or Rows(kb)

    def of_kind(kind: str) -> str:
        texts = [rows.each("json", r, partial(_record_json, r)) for r in records_of(kb, kind)]
        return f"  {_json(RECORD_KINDS[kind].plural)}: " + _items(texts, 3)

    kinds = [rows.whole(f"json {kind}", (kind,), partial(of_kind, kind)) for kind in RECORD_KINDS]
    glossary: list[str] = rows.whole(
        "json glossary",
        ("glossary",),
        lambda: [_json(_dump(t)) for t in kb.glossary.terms] if kb.glossary else [],
    )
    text = (
        "{\n"
        f' "meta": {_indent(_json(provenance.meta(kb)), 1)},\n'
        ' "records": {\n' + ",\n".join(kinds) + "\n },\n"
        f' "glossary": {_items(glossary, 2)}\n'
        "}\n"
    )
    return text.encode()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)


def _record_json(record: Record) -> str:
    return _json(_dump(record))


def _indent(text: str, depth: int) -> str:
    """JSON ``text`` made at the top level, moved ``depth`` levels in (a JSON text holds no
    line break but those between its lines)."""
    return text.replace("\n", "\n" + " " * depth)


def _items(texts: list[str], depth: int) -> str:
    """A JSON list ``depth`` levels in, of the JSON ``texts`` made at the top level."""
    if not texts:
        return "[]"
    inner = "\n" + " " * depth
    body = ("," + inner).join(_indent(text, depth) for text in texts)
    return "[" + inner + body + "\n" + " " * (depth - 1) + "]"


# -- flat rows (CSV and SQLite) ----------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    ref: str | None = None  # the kind a single-kind reference points to


def _ref_kinds(model_cls: type[BaseModel], name: str) -> list[str]:
    return ref_kinds(model_cls.model_fields[name]) or []


def _is_list(model_cls: type[BaseModel], name: str) -> bool:
    return getattr(model_cls.model_fields[name].annotation, "__origin__", None) is list


def _nested_model(model_cls: type[BaseModel], name: str) -> type[BaseModel] | None:
    """The model a single (possibly optional) nested field holds, if it holds one."""
    annotation = model_cls.model_fields[name].annotation
    for candidate in getattr(annotation, "__args__", (annotation,)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _dump(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, PartialDate):
        return str(value)
    return value


def _json_text(value: Any) -> str | None:
    return json.dumps(_plain(value), ensure_ascii=False) if value else None


# How flatten treats each field of a model: a list of ids ("links"), another list ("json"), a
# nested model (with its own fields' treatment), or a plain value ("plain").
_Plan = list[tuple[str, str, list[tuple[str, bool]]]]


@functools.cache
def _plan(cls: type[BaseModel]) -> _Plan:
    plan: _Plan = []
    for name in cls.model_fields:
        if _is_list(cls, name) and _ref_kinds(cls, name):
            plan.append((name, "links", []))
        elif _is_list(cls, name):
            plan.append((name, "json", []))
        elif (sub_cls := _nested_model(cls, name)) is not None:
            subs = [(sub, _is_list(sub_cls, sub)) for sub in sub_cls.model_fields]
            plan.append((name, "nested", subs))
        else:
            plan.append((name, "plain", []))
    return plan


def flatten(record: Record) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """A record as one flat row, plus its lists of references (for link tables).

    Scalars become columns; a nested single model becomes ``field_sub`` columns; a list of
    ids becomes a link table; other lists are kept as JSON text in a ``field_json`` column.
    :func:`columns_of` names the same columns.
    """
    row: dict[str, Any] = {}
    links: dict[str, list[str]] = {}
    for name, treatment, subs in _plan(type(record)):
        value = getattr(record, name)
        if treatment == "links":
            links[name] = list(value)
        elif treatment == "json":
            row[f"{name}_json"] = _json_text(value)
        elif treatment == "nested":
            for sub, is_list in subs:
                inner = getattr(value, sub) if value is not None else None
                if is_list:
                    row[f"{name}_{sub}_json"] = _json_text(inner)
                else:
                    row[f"{name}_{sub}"] = _plain(inner)
        else:
            row[name] = _plain(value)
    return row, links


def columns_of(kind: str) -> list[Column]:
    """The columns of a kind's table, in a fixed order, whatever the records hold."""
    cls = RECORD_KINDS[kind]
    columns: list[Column] = []
    for name in cls.model_fields:
        kinds = _ref_kinds(cls, name)
        if _is_list(cls, name):
            if not kinds:
                columns.append(Column(f"{name}_json"))
        elif (sub_cls := _nested_model(cls, name)) is not None:
            for sub in sub_cls.model_fields:
                if _is_list(sub_cls, sub):
                    columns.append(Column(f"{name}_{sub}_json"))
                else:
                    sub_kinds = _ref_kinds(sub_cls, sub)
                    ref = sub_kinds[0] if len(sub_kinds) == 1 else None
                    columns.append(Column(f"{name}_{sub}", ref))
        else:
            columns.append(Column(name, kinds[0] if len(kinds) == 1 else None))
    # Plain columns first, JSON text last: easier to read in a spreadsheet.
    return sorted(columns, key=lambda c: c.name.endswith("_json"))


def link_tables(kind: str) -> list[tuple[str, str, str | None]]:
    """(field, table name, target kind) for each list-of-ids field of a kind."""
    cls = RECORD_KINDS[kind]
    tables = []
    for name, info in cls.model_fields.items():
        kinds = _ref_kinds(cls, name)
        if getattr(info.annotation, "__origin__", None) is list and kinds:
            tables.append((name, f"{cls.plural}_{name}", kinds[0] if len(kinds) == 1 else None))
    return tables


def _citations_of(record: Record) -> list[dict[str, Any]]:
    rows = []
    for loc, model in iter_models(record):
        for i, citation in enumerate(cites_of(model)):
            rows.append(
                {
                    "record_kind": record.kind,
                    "record_id": record.id,
                    "path": ".".join(map(str, (*loc, "cite", i))),
                    "fact": describe(model),
                    "source_id": citation.source,
                    "paragraph": citation.paragraph,
                    "quote": citation.quote,
                    "translation": citation.translation,
                }
            )
    return rows


def _paragraphs_of(source: Source) -> list[dict[str, Any]]:
    return [
        {"source_id": source.id, "paragraph": n, "role": paragraph.role, "text": paragraph.text}
        for n, paragraph in enumerate(source.paragraphs, start=1)
    ]


class Rows:
    """The flat rows the CSV files and the SQLite database both hold, made once for both: each
    record as a row with its lists of references (:func:`flatten`), the citations, the
    sources' paragraphs.

    With a ``memo`` (see :mod:`peacekb.sphinxext.cache`), what is made of one record alone
    (its row, its citations, its text in the JSON and CSV files) is kept by the record's
    content: a build after an edit makes it again for the records that changed."""

    def __init__(self, kb: Knowledge, memo: MutableMapping[str, Any] | None = None) -> None:
        self.kb = kb
        self.memo = memo
        self._made: dict[str, dict[str, Any]] = {}
        self._records: dict[str, list[tuple[Record, dict[str, Any], dict[str, list[str]]]]] = {}
        self._digests: dict[str, str] = {}

    def _digest(self, kind: str) -> str:
        if kind not in self._digests:
            self._digests[kind] = self.kb.digest((kind,))
        return self._digests[kind]

    def whole(
        self, name: str, kinds: tuple[str, ...], make: Callable[[], _Made], settings: object = ""
    ) -> _Made:
        """What ``make`` makes from the records of ``kinds`` alone (and ``settings``); from the
        memo when they are the same (a part of a download that an edit of a record of another
        kind leaves as it was)."""
        if self.memo is None:
            return make()
        made_from = hashlib.blake2b(repr(settings).encode(), digest_size=16).hexdigest()
        key = f"export {name}:{':'.join(self._digest(k) for k in kinds)}:{made_from}"
        return remembered(self.memo, key, make)

    def each(self, what: str, record: Record, make: Callable[[], Any]) -> Any:
        """What ``make`` makes of ``record`` alone; from the memo when the record is the same.
        All that is made of one record is kept together, in one entry of the memo."""
        if self.memo is None:
            return make()
        key = f"export:{record.kind}:{record.id}:{self.kb.fingerprint(record)}"
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = dict(self.memo[key]) if key in self.memo else {}
        if what not in made:
            made[what] = make()
            self.memo[key] = made  # changed: kept as it is now
        return made[what]

    def records(self, kind: str) -> list[tuple[Record, dict[str, Any], dict[str, list[str]]]]:
        """(record, row, its lists of ids) for each record of ``kind``, by id. The row is
        shared: a caller copies it before adding to it."""
        if kind not in self._records:
            self._records[kind] = [
                (r, *self.each("row", r, partial(flatten, r))) for r in records_of(self.kb, kind)
            ]
        return self._records[kind]

    def citations_of(self, record: Record) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.each("citations", record, partial(_citations_of, record))
        return found

    def paragraphs_of(self, source: Source) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.each(
            "paragraphs", source, partial(_paragraphs_of, source)
        )
        return found

    @functools.cached_property
    def citations(self) -> list[dict[str, Any]]:
        return [
            row
            for kind in RECORD_KINDS
            for record in records_of(self.kb, kind)
            for row in self.citations_of(record)
        ]

    @functools.cached_property
    def paragraphs(self) -> list[dict[str, Any]]:
        return [
            row
            for source in records_of(self.kb, "source")
            if isinstance(source, Source)
            for row in self.paragraphs_of(source)
        ]


# A spreadsheet reads a cell that starts with one of these as a formula (OWASP, "CSV
# Injection"), so record text could run commands on the machine of whoever opens the file.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """``value`` as a CSV cell a spreadsheet shows as text: OWASP's leading ``'`` before a text
    that could start a formula. Text that already starts with ``'`` gets one too, so that
    removing one leading ``'`` always gives the exact text back. Numbers the exporter writes
    itself stay numbers."""
    # After leading spaces or line breaks too: a reader may trim them when it imports the file.
    if isinstance(value, str) and (
        value.startswith((*_FORMULA_START, "'")) or value.lstrip().startswith(_FORMULA_START)
    ):
        return "'" + value
    return value


class _CsvLines:
    """CSV text, one row at a time. Every text cell is quoted, as OWASP advises, so that no
    reader splits a neutralised cell and leaves a bare formula in the next one."""

    def __init__(self, header: list[str]) -> None:
        self.header = header
        self._buffer = io.StringIO()
        self._writer = csv.DictWriter(
            self._buffer, fieldnames=header, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC
        )

    def _taken(self) -> str:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text

    def head(self) -> str:
        self._writer.writeheader()
        return self._taken()

    def lines(self, rows: list[dict[str, Any]]) -> str:
        for row in rows:
            self._writer.writerow(
                {k: ("" if row.get(k) is None else csv_cell(row.get(k))) for k in self.header}
            )
        return self._taken()


def _csv(header: list[str], rows: list[dict[str, Any]]) -> bytes:
    lines = _CsvLines(header)
    return (lines.head() + lines.lines(rows)).encode()


CITATION_COLUMNS = [
    "record_kind", "record_id", "path", "fact", "source_id", "paragraph", "quote", "translation",
]  # fmt: skip
PARAGRAPH_COLUMNS = ["source_id", "paragraph", "role", "text"]


def to_csv(kb: Knowledge, rows: Rows | None = None) -> dict[str, bytes]:
    """One CSV per record kind, one for all citations, one for the sources' paragraphs. The
    lines of each record are made on their own (and taken from the memo of ``rows`` when the
    record is unchanged)."""
    rows = rows or Rows(kb)
    files: dict[str, bytes] = {}
    cited, quoted = _CsvLines(CITATION_COLUMNS), _CsvLines(PARAGRAPH_COLUMNS)
    citations, paragraphs = [cited.head()], [quoted.head()]

    def of_kind(kind: str) -> bytes:
        header = [c.name for c in columns_of(kind)] + [f for f, _, _ in link_tables(kind)]
        lines = _CsvLines(header)
        text = [lines.head()]
        for record, flat, links in rows.records(kind):
            row = {**flat, **{name: ";".join(ids) for name, ids in links.items()}}
            text.append(rows.each("csv", record, partial(lines.lines, [row])))
        return "".join(text).encode()

    def citations_of(kind: str) -> str:
        return "".join(
            rows.each("csv citations", r, partial(cited.lines, rows.citations_of(r)))
            for r in records_of(kb, kind)
        )

    def paragraphs_of() -> str:
        return "".join(
            rows.each("csv paragraphs", s, partial(quoted.lines, rows.paragraphs_of(s)))
            for s in records_of(kb, "source")
            if isinstance(s, Source)
        )

    for kind, cls in RECORD_KINDS.items():
        files[f"{cls.plural}.csv"] = rows.whole(f"csv {kind}", (kind,), partial(of_kind, kind))
        citations.append(rows.whole(f"csv citations {kind}", (kind,), partial(citations_of, kind)))
    paragraphs.append(rows.whole("csv paragraphs", ("source",), paragraphs_of))
    files["citations.csv"] = "".join(citations).encode()
    files["paragraphs.csv"] = "".join(paragraphs).encode()
    return files


# -- SQLite ------------------------------------------------------------------------------------


def to_sqlite(kb: Knowledge, provenance: Provenance, rows: Rows | None = None) -> bytes:
    """A SQLite database: a table per kind, link tables, citations, paragraphs, and ``meta``.

    Every reference is a foreign key; ``PRAGMA foreign_key_check`` finds nothing. Made in
    memory and compacted (``VACUUM``); the file is its image.

    The keys are checked once, when every row is in: a check at each insert (``PRAGMA
    foreign_keys``, which is the connection's, not the file's) costs more than filling the
    tables did without it, and leaves the same file.
    """
    db = sqlite3.connect(":memory:")
    try:
        _fill(db, kb, provenance, rows or Rows(kb))
        db.commit()
        broken = db.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            table, rowid, parent, _ = broken[0]
            raise RuntimeError(
                f"SQLite download: {len(broken)} rows refer to no row, the first in "
                f"{table!r} (row {rowid}) to {parent!r}"
            )
        db.execute("VACUUM")
        return db.serialize()
    finally:
        db.close()


def _fill(db: sqlite3.Connection, kb: Knowledge, provenance: Provenance, rows: Rows) -> None:
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    for key, value in provenance.meta(kb).items():
        db.execute("INSERT INTO meta VALUES (?, ?)", (key, json.dumps(value, ensure_ascii=False)))
    # Foreign keys are checked when the whole is in (see to_sqlite): any order will do.
    order = list(RECORD_KINDS)
    for kind in order:
        cls = RECORD_KINDS[kind]
        columns = columns_of(kind)
        defs = []
        for column in columns:
            sql = f'"{column.name}" TEXT'
            if column.name == "id":
                sql = '"id" TEXT PRIMARY KEY'
            elif column.ref:
                sql += f' REFERENCES "{RECORD_KINDS[column.ref].plural}"(id)'
            defs.append(sql)
        db.execute(f'CREATE TABLE "{cls.plural}" ({", ".join(defs)})')
    # Self-references (an event part of an event) need every row in place: insert, then link.
    for kind in order:
        cls = RECORD_KINDS[kind]
        names = [c.name for c in columns_of(kind)]
        marks = ", ".join("?" for _ in names)
        quoted = ", ".join(f'"{n}"' for n in names)
        db.executemany(
            f'INSERT INTO "{cls.plural}" ({quoted}) VALUES ({marks})',
            ([_sql_value(row.get(n)) for n in names] for _, row, _ in rows.records(kind)),
        )
    for kind in order:
        cls = RECORD_KINDS[kind]
        for name, table, target in link_tables(kind):
            ref = f' REFERENCES "{RECORD_KINDS[target].plural}"(id)' if target else ""
            db.execute(
                f'CREATE TABLE "{table}" ("{kind}_id" TEXT NOT NULL REFERENCES "{cls.plural}"(id), '
                f'"position" INTEGER NOT NULL, "target_id" TEXT NOT NULL{ref}, '
                f'PRIMARY KEY ("{kind}_id", "position"))'
            )
            db.executemany(
                f'INSERT INTO "{table}" VALUES (?, ?, ?)',
                (
                    (record.id, position, target_id)
                    for record in records_of(kb, kind)
                    for position, target_id in enumerate(getattr(record, name))
                ),
            )
    db.execute(
        "CREATE TABLE citations (record_kind TEXT NOT NULL, record_id TEXT NOT NULL, "
        "path TEXT NOT NULL, fact TEXT, source_id TEXT NOT NULL REFERENCES sources(id), "
        "paragraph INTEGER NOT NULL, quote TEXT NOT NULL, translation TEXT, "
        "PRIMARY KEY (record_kind, record_id, path))"
    )
    db.executemany(
        "INSERT INTO citations VALUES (:record_kind, :record_id, :path, :fact, :source_id, "
        ":paragraph, :quote, :translation)",
        rows.citations,
    )
    db.execute(
        "CREATE TABLE paragraphs (source_id TEXT NOT NULL REFERENCES sources(id), "
        "paragraph INTEGER NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL, "
        "PRIMARY KEY (source_id, paragraph))"
    )
    db.executemany(
        "INSERT INTO paragraphs VALUES (:source_id, :paragraph, :role, :text)",
        rows.paragraphs,
    )


def _sql_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    return value


# -- JSON Schema -------------------------------------------------------------------------------


def to_schemas() -> dict[str, bytes]:
    files = {}
    models: list[type[BaseModel]] = [*RECORD_KINDS.values(), Glossary, Vocabulary]
    for cls in models:
        schema = cls.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        name = getattr(cls, "kind", cls.__name__.lower())
        schema["$id"] = f"{name}.schema.json"
        text = json.dumps(schema, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        files[f"{name}.schema.json"] = text.encode()
    return files


# -- TimelineJS --------------------------------------------------------------------------------


def _html(text: str) -> str:
    """Record text as HTML text: TimelineJS puts headlines, texts, group labels and display
    dates into the page as HTML, so unescaped text could add elements and scripts."""
    return html.escape(text, quote=True)


def _tl_date(date: PartialDate, *, end: bool = False) -> dict[str, Any]:
    year, month, day = date.latest() if end else date.earliest()
    out: dict[str, Any] = {"year": year}
    if date.month is not None or end:
        out["month"] = month
    if date.day is not None or end:
        out["day"] = day
    if date.qualifier:
        out["display_date"] = _html(date.human())
    return out


def to_timeline(kb: Knowledge, provenance: Provenance) -> bytes:
    """Events in the JSON format of Knight Lab's TimelineJS, with the operations as eras.

    Every text is HTML-escaped; the only markup is the link to each event's page."""
    events = []
    for entry in kb.timeline():
        event = entry.event
        assert event.occurred is not None
        text = _html(" ".join(s.text for s in event.statements))
        if provenance.base_url:
            url = _html(provenance.page_url("event", event.id))
            text += f' (<a href="{url}">{url}</a>)'
        item: dict[str, Any] = {
            "unique_id": event.id,
            "start_date": _tl_date(event.occurred.date),
            "text": {"headline": _html(event.title), "text": text},
            "group": _html(", ".join(event.missions)) or None,
        }
        if event.ended is not None:
            item["end_date"] = _tl_date(event.ended.date, end=True)
        events.append({k: v for k, v in item.items() if v is not None})
    last = max((e.date for e in kb.timeline()), key=PartialDate.sort_key, default=None)
    eras = []
    for mission in records_of(kb, "mission"):
        assert isinstance(mission, Mission)
        end = mission.ended.date if mission.ended else last
        if end is None:
            continue
        eras.append(
            {
                "start_date": _tl_date(mission.authorized.date),
                "end_date": _tl_date(end, end=True),
                "text": {"headline": _html(mission.acronym), "text": _html(mission.name_en)},
            }
        )
    document = {
        "title": {
            "text": {
                "headline": _html(provenance.title),
                "text": _html(f"{len(events)} dated events. {provenance.license}"),
            }
        },
        "events": events,
        "eras": eras,
    }
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()


# -- Atom --------------------------------------------------------------------------------------

ATOM = "http://www.w3.org/2005/Atom"

# What XML 1.0 forbids in a document: C0 controls other than tab, newline and carriage return,
# lone surrogates, U+FFFE and U+FFFF. One of them makes the whole feed unreadable.
_NOT_XML = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 cannot hold replaced by U+FFFD, which shows the
    reader that something was there."""
    return _NOT_XML.sub("\ufffd", text)


def _stamp(date: PartialDate) -> str:
    year, month, day = date.latest()
    return f"{year:04d}-{month:02d}-{day:02d}T00:00:00Z"


def to_atom(kb: Knowledge, provenance: Provenance) -> bytes:
    """An Atom feed of the dated events, newest first; each entry's time is its date's last
    day, since most events are known only to the day or less."""
    ET.register_namespace("", ATOM)

    def add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        # Every text and attribute goes through xml_text: the models may be built in code,
        # without the validator that refuses such characters in records.
        element = ET.SubElement(
            parent, f"{{{ATOM}}}{tag}", {k: xml_text(v) for k, v in attrs.items()}
        )
        if text is not None:
            element.text = xml_text(text)
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    entries = sorted(kb.timeline(), key=lambda e: (e.date.sort_key(), e.event.id), reverse=True)
    add(feed, "title", f"{provenance.title}: events")
    add(
        feed,
        "id",
        provenance.links.absolute_file(download_path("events.atom"))
        if provenance.base_url
        else "urn:peacekb:events",
    )
    add(feed, "updated", _stamp(entries[0].date) if entries else "1970-01-01T00:00:00Z")
    add(feed, "rights", provenance.license)
    author = add(feed, "author")
    add(author, "name", provenance.extra.get("author", "peacekb"))
    add(feed, "generator", "peacekb", version=__version__)
    for entry in entries:
        event: Event = entry.event
        item = add(feed, "entry")
        add(item, "title", f"{entry.date.human()}: {event.title}")
        url = provenance.page_url("event", event.id)
        add(item, "id", url if provenance.base_url else f"urn:peacekb:event:{event.id}")
        add(item, "link", href=url)
        add(item, "updated", _stamp(entry.date))
        summary = " ".join(s.text for s in event.statements)
        sources = sorted({c.source for _, c in iter_citations(event)})
        add(item, "summary", f"{summary} Sources: {', '.join(sources)}." if sources else summary)
        for mission in event.missions:
            add(item, "category", term=mission)
    ET.indent(feed)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body + b"\n"


# -- writing -----------------------------------------------------------------------------------


def render(
    kb: Knowledge,
    formats: list[str],
    provenance: Provenance,
    memo: MutableMapping[str, Any] | None = None,
) -> dict[str, bytes]:
    """Every file of the chosen formats, and README.txt: relative path -> bytes. With a
    ``memo``, what is made of each record alone is kept by its content (see :class:`Rows`)."""
    files: dict[str, bytes] = {}
    rows = Rows(kb, memo)
    if "json" in formats:
        files["peacekb.json"] = to_json(kb, provenance, rows)
    if "csv" in formats:
        files.update({f"csv/{name}": data for name, data in to_csv(kb, rows).items()})
    if "sqlite" in formats:
        files["peacekb.sqlite"] = to_sqlite(kb, provenance, rows)
    if "schema" in formats:
        # The same for the same engine (a memo is kept only by the engine that made it).
        schemas = remembered(memo, "export schemas", to_schemas)
        files.update({f"schema/{name}": data for name, data in schemas.items()})
    if "timeline" in formats:
        timeline = partial(to_timeline, kb, provenance)
        files["timeline.json"] = rows.whole("timeline", ("event", "mission"), timeline, provenance)
    if "atom" in formats:
        atom = partial(to_atom, kb, provenance)
        files["events.atom"] = rows.whole("atom", ("event",), atom, provenance)
    if files:
        files["README.txt"] = readme(kb, provenance)
    return files


def file_names(formats: list[str] | tuple[str, ...] = FORMATS) -> list[str]:
    """The files :func:`render` writes for ``formats`` (README.txt aside), without making them."""
    names = {
        "json": ["peacekb.json"],
        "csv": [
            *(f"csv/{cls.plural}.csv" for cls in RECORD_KINDS.values()),
            "csv/citations.csv",
            "csv/paragraphs.csv",
        ],
        "sqlite": ["peacekb.sqlite"],
        "schema": [
            *(f"schema/{kind}.schema.json" for kind in RECORD_KINDS),
            "schema/glossary.schema.json",
            "schema/vocabulary.schema.json",
        ],
        "timeline": ["timeline.json"],
        "atom": ["events.atom"],
    }
    return sorted(name for f in formats for name in names[f])


def readme(kb: Knowledge, provenance: Provenance) -> bytes:
    """What a download folder holds. The same whatever formats were chosen, so that exporting
    one format into a folder that holds them all leaves this file as it was."""
    lines = [
        provenance.title,
        "",
        f"Licence: {provenance.license}",
        f"Made by peacekb {__version__} from {sum(kb.counts().values())} records.",
        "",
        "Sources (every fact cites one of these articles, paragraph by paragraph):",
    ]
    for source in provenance.sources(kb):
        date = source["published"] or "date not given"
        lines.append(f"- {source['id']}: {source['title_en']} ({source['language']}, {date})")
    lines += [
        "",
        "Files of a full export (an export of some formats holds only theirs, and this file):",
        *(f"- {name}" for name in file_names()),
        "",
        "CSV files: a spreadsheet runs a cell that starts with =, +, -, @, a tab or a carriage",
        "return as a formula. So that no record text can do that, every text cell that starts",
        "with one of these (after any spaces), or with ', has a ' added in front (OWASP's",
        "advice on CSV injection),",
        "and every text cell is quoted. Remove that one leading ' to get the exact text;",
        "peacekb.json and peacekb.sqlite hold the text as it is.",
    ]
    return ("\n".join(lines) + "\n").encode()


class UnsafeOutput(Exception):
    """Writing would go through a link or clash with what is in the folder; nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def check_output(files: Mapping[str, bytes], outdir: Path, *, force: bool) -> list[str]:
    """Why ``files`` cannot be written under ``outdir``, one line per path; empty if they can.

    Refused: ``outdir`` not a folder; a folder where a file goes, or a file where a folder
    goes; any symbolic link below ``outdir`` on the way to a file (a download must not land
    outside its folder); and, without ``force``, a file whose bytes differ. Checked before
    anything is written, so a refused export leaves the folder as it was.
    """
    if outdir.is_symlink() and not outdir.exists():
        target = os.readlink(outdir)
        return [f"{outdir}: is a link to {target}, which does not exist; fix or remove the link"]
    if outdir.exists() and not outdir.is_dir():
        return [f"{outdir}: is a file, not a folder; give a folder to export into"]
    if not outdir.exists():
        # Only the nearest existing ancestor can be in the way of creating the folder.
        ancestor = next((p for p in outdir.parents if p.exists()), None)
        if ancestor is not None and not ancestor.is_dir():
            return [f"{ancestor}: is a file, so {outdir} cannot be made; give another folder"]
        return []
    problems: dict[Path, str] = {}
    # Each folder on the way is looked at once (most files share theirs): its problem, or
    # None when it is a folder, or "" when it is not there.
    folders: dict[Path, str | None] = {}
    for rel, data in sorted(files.items()):
        *steps, name = Path(rel).parts
        folder = outdir
        for step in steps:
            folder = folder / step
            if folder not in folders:
                folders[folder] = _folder_problem(folder)
            if folders[folder] is not None:
                break
        else:
            path = folder / name
            problem = _file_problem(path, None if force else data)
            if problem:
                problems[path] = problem
            continue
        if folders[folder]:
            problems[folder] = str(folders[folder])
    return list(problems.values())


def _link_problem(path: Path) -> str:
    return (
        f"{path}: is a symbolic link (to {os.readlink(path)}); the export never "
        "writes through a link: remove it, or export to another folder"
    )


def _folder_problem(path: Path) -> str | None:
    """Why a file cannot be written inside ``path``; None when it is a folder, and "" when it
    is not there (it will be made)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return ""
    if stat.S_ISLNK(mode):
        return _link_problem(path)
    if not stat.S_ISDIR(mode):
        return f"{path}: is a file where the export needs a folder; remove or rename it"
    return None


def _file_problem(path: Path, data: bytes | None) -> str | None:
    """Why ``path`` cannot be written; with ``data``, also when it holds other bytes."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        return _link_problem(path)
    if stat.S_ISDIR(mode):
        return f"{path}: is a folder where the export writes a file; remove or rename it"
    if not stat.S_ISREG(mode):
        return f"{path}: is not a regular file, and the export writes one there; remove it"
    if data is not None and path.read_bytes() != data:
        return f"{path}: exists and differs; pass --force to overwrite"
    return None


def _holds(path: Path, data: bytes) -> bool:
    """Whether ``path`` is a regular file (not a link) holding ``data``."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(found.st_mode) or found.st_size != len(data):
        return False
    return path.read_bytes() == data


def _replace(path: Path, data: bytes) -> None:
    """Put ``data`` at ``path`` by renaming a fresh file over it: a link at ``path`` is
    replaced, never written through, and no reader ever sees half a file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    # 0o666 lets the umask decide, as for any new file: the site must stay readable.
    fd = os.open(tmp, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write(files: Mapping[str, bytes], outdir: Path, *, prune: bool = False) -> list[Path]:
    """Write ``files`` under ``outdir``, each only if its bytes changed; return those written.
    With ``prune``, delete every other file under ``outdir``.

    Raises :class:`UnsafeOutput`, having written nothing, where :func:`check_output` (with
    ``force``) finds a problem."""
    problems = check_output(files, outdir, force=True)
    if problems:
        raise UnsafeOutput(problems)
    written = []
    outdir.mkdir(parents=True, exist_ok=True)
    for rel, data in sorted(files.items()):
        path = outdir / rel
        if _holds(path, data):
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        _replace(path, data)
        written.append(path)
    if prune:
        wanted = {outdir / rel for rel in files}
        for path in sorted(outdir.rglob("*")):
            if path.is_file() and path not in wanted:
                path.unlink()
    return written


# -- schema.org JSON-LD ------------------------------------------------------------------------


def _ld_date(date: PartialDate | None) -> str | None:
    """An ISO 8601 date at the precision known; a bound (before/after) is not a date."""
    if date is None or date.qualifier in {"before", "after"}:
        return None
    if date.qualifier == "circa":
        # Approximate: state only what is certain, one step coarser.
        coarser = PartialDate(date.year, date.month if date.day is not None else None)
        return coarser.iso()
    return date.iso()


def jsonld(kb: Knowledge, record: Record, provenance: Provenance) -> dict[str, Any]:
    """The schema.org description of one record, linked to others by ``@id``."""
    from .models import Contingent, Organization, Person, Place

    def node_id(kind: str, rid: str) -> str:
        return f"{provenance.page_url(kind, rid)}#{kind}"

    def ref(rid: str | None) -> dict[str, str] | None:
        kind = kb.kind_of(rid) if rid else None
        return {"@id": node_id(kind, rid)} if kind and rid else None

    # What every kind has: its type and name, refined below for the kinds that say more.
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": record.schema_type_of(kb.vocabulary),
        "@id": node_id(record.kind, record.id),
        "url": provenance.page_url(record.kind, record.id),
        "name": record.display_name,
    }
    # The names the sources use, then the other spellings readers know it by.
    spelled = [v.name for v in getattr(record, "names", [])] + list(getattr(record, "aliases", []))
    names = sorted(set(spelled) - {record.display_name})
    if names:
        data["alternateName"] = names
    sources = [node_id("source", s.id) for s in kb.sources_of(record) if s.id != record.id]
    if sources:
        data["subjectOf"] = [{"@id": s} for s in sources]
    if isinstance(record, Person):
        roles = []
        for post in record.posts:
            role: dict[str, Any] = {
                "@type": "OrganizationRole",
                "roleName": f"{post.rank}, {post.title}" if post.rank else post.title,
            }
            target = ref(post.organization or post.mission)
            if target:
                role["memberOf"] = target
            for key, value in (("startDate", post.start), ("endDate", post.end)):
                if (iso := _ld_date(value)) is not None:
                    role[key] = iso
            roles.append(role)
        if roles:
            data["memberOf"] = roles
    elif isinstance(record, Organization):
        if record.acronym:
            data["alternateName"] = sorted({*data.get("alternateName", []), record.acronym})
        if record.part_of:
            data["parentOrganization"] = ref(record.part_of)
        if record.country:
            data["location"] = ref(record.country)
    elif isinstance(record, Contingent):
        data["location"] = ref(record.country)
        data["memberOf"] = ref(record.mission)
        members = [ref(m) for m in record.members]
        if members:
            data["member"] = members
    elif isinstance(record, Mission):
        data.update(
            {
                "name": f"{record.acronym}: {record.name_en}",
                "startDate": _ld_date(record.authorized.date),
                "organizer": ref(record.authorized.by),
                "location": [ref(h) for h in record.host],
            }
        )
        if record.ended and (end := _ld_date(record.ended.date)):
            data["endDate"] = end
    elif isinstance(record, Event):
        if record.occurred and (start := _ld_date(record.occurred.date)):
            data["startDate"] = start
        if record.ended and (end := _ld_date(record.ended.date)):
            data["endDate"] = end
        if record.places:
            data["location"] = [ref(p) for p in record.places]
        parents = [ref(m) for m in [*record.missions, record.part_of] if m]
        if parents:
            data["superEvent"] = parents
        hosts = [ref(p.who) for p in record.participants if "host" in p.role.lower()]
        others = [ref(p.who) for p in record.participants if "host" not in p.role.lower()]
        if hosts:
            data["organizer"] = hosts
        if others:
            data["attendee"] = others
    elif isinstance(record, Place):
        data.update(
            {
                "name": record.name,
                "geo": {
                    "@type": "GeoCoordinates",
                    "latitude": record.coordinates.lat,
                    "longitude": record.coordinates.lon,
                },
            }
        )
        if record.country_code:
            data["identifier"] = record.country_code
        if record.within:
            data["containedInPlace"] = ref(record.within)
    elif isinstance(record, Source):
        data.update(
            {
                "headline": record.title_en if record.title_by_curator else record.title,
                "inLanguage": record.language,
            }
        )
        if not record.title_by_curator and record.title_en != record.title:
            data["alternativeHeadline"] = record.title_en
        if record.published and not record.published_inferred:
            data["datePublished"] = _ld_date(record.published)
        if record.outlet:
            data["publisher"] = ref(record.outlet)
        if record.credits:
            data["sourceOrganization"] = [ref(c.organization) for c in record.credits]
        if record.url:
            data["sameAs"] = record.url
        about = sorted({(f.kind, f.id) for f in kb.facts_citing(record.id) if f.kind != "source"})
        if about:
            data["mentions"] = [{"@id": node_id(k, i)} for k, i in about]
    return {k: v for k, v in data.items() if v not in (None, [], {})}


def jsonld_script(data: dict[str, Any]) -> str:
    """A ``<script type="application/ld+json">`` element; ``<`` is escaped so that no text in
    the data can close the element."""
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("<", "\\u003c")
    return f'<script type="application/ld+json">\n{text}\n</script>'
