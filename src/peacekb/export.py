"""Open-data exports of the knowledge base: JSON, CSV, SQLite, JSON Schema, TimelineJS, Atom.

Each function turns a :class:`~peacekb.knowledge.Knowledge` into bytes; :func:`export` writes
the chosen formats to a folder. Output is deterministic: the same records give the same bytes
(rows and keys in a fixed order, no timestamps but the records' own dates).
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from . import __version__
from .knowledge import Knowledge, describe
from .models import (
    RECORD_KINDS,
    REF_KEY,
    Event,
    Glossary,
    Mission,
    PartialDate,
    Record,
    Source,
    iter_citations,
    iter_models,
)

FORMATS = ("json", "csv", "sqlite", "schema", "timeline", "atom")


@dataclass(frozen=True)
class Provenance:
    """What every download says of itself."""

    title: str = "peacekb knowledge base"
    license: str = "Records: CC BY 4.0. Quoted article text: the publishers' own words."
    base_url: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def sources(self, kb: Knowledge) -> list[dict[str, Any]]:
        return [
            {
                "id": s.id,
                "title": s.title,
                "title_en": s.title_en,
                "language": s.language,
                "published": str(s.published) if s.published else None,
                "url": s.url,
                "page": self.page_url("source", s.id),
            }
            for s in kb.sources.values()
        ]

    def page_url(self, kind: str, rid: str) -> str:
        plural = RECORD_KINDS[kind].plural
        return f"{self.base_url}_generated/{plural}/{rid}.html"

    def meta(self, kb: Knowledge) -> dict[str, Any]:
        return {
            "title": self.title,
            "license": self.license,
            "generator": f"peacekb {__version__}",
            "site": self.base_url or None,
            "counts": kb.counts(),
            "sources": self.sources(kb),
            **self.extra,
        }


def _dump(model: BaseModel) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json", exclude_defaults=False)
    return data


def records_of(kb: Knowledge, kind: str) -> list[Record]:
    return sorted(kb.records.get(kind, {}).values(), key=lambda r: r.id)


# -- JSON --------------------------------------------------------------------------------------


def to_json(kb: Knowledge, provenance: Provenance) -> bytes:
    document = {
        "meta": provenance.meta(kb),
        "records": {
            RECORD_KINDS[kind].plural: [_dump(r) for r in records_of(kb, kind)]
            for kind in RECORD_KINDS
        },
        "glossary": [_dump(t) for t in kb.glossary.terms] if kb.glossary else [],
    }
    return (json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False) + "\n").encode()


# -- flat rows (CSV and SQLite) ----------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    ref: str | None = None  # the kind a single-kind reference points to


def _ref_kinds(model_cls: type[BaseModel], name: str) -> list[str]:
    extra = model_cls.model_fields[name].json_schema_extra
    kinds = extra.get(REF_KEY) if isinstance(extra, dict) else None
    return [str(k) for k in kinds] if isinstance(kinds, list) else []


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


def flatten(record: Record) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """A record as one flat row, plus its lists of references (for link tables).

    Scalars become columns; a nested single model becomes ``field_sub`` columns; a list of
    ids becomes a link table; other lists are kept as JSON text in a ``field_json`` column.
    :func:`columns_of` names the same columns.
    """
    row: dict[str, Any] = {}
    links: dict[str, list[str]] = {}
    cls = type(record)
    for name in cls.model_fields:
        value = getattr(record, name)
        if _is_list(cls, name) and _ref_kinds(cls, name):
            links[name] = list(value)
        elif _is_list(cls, name):
            row[f"{name}_json"] = _json_text(value)
        elif (sub_cls := _nested_model(cls, name)) is not None:
            for sub in sub_cls.model_fields:
                inner = getattr(value, sub) if value is not None else None
                if _is_list(sub_cls, sub):
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


def citation_rows(kb: Knowledge) -> Iterator[dict[str, Any]]:
    for kind in RECORD_KINDS:
        for record in records_of(kb, kind):
            for loc, model in iter_models(record):
                for i, citation in enumerate(getattr(model, "cite", None) or []):
                    yield {
                        "record_kind": kind,
                        "record_id": record.id,
                        "path": ".".join(map(str, (*loc, "cite", i))),
                        "fact": describe(model),
                        "source_id": citation.source,
                        "paragraph": citation.paragraph,
                        "quote": citation.quote,
                        "translation": citation.translation,
                    }


def paragraph_rows(kb: Knowledge) -> Iterator[dict[str, Any]]:
    for source in records_of(kb, "source"):
        assert isinstance(source, Source)
        for n, paragraph in enumerate(source.paragraphs, start=1):
            yield {
                "source_id": source.id,
                "paragraph": n,
                "role": paragraph.role,
                "text": paragraph.text,
            }


def _csv(header: list[str], rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in header})
    return buffer.getvalue().encode()


def to_csv(kb: Knowledge) -> dict[str, bytes]:
    """One CSV per record kind, one for all citations, one for the sources' paragraphs."""
    files: dict[str, bytes] = {}
    for kind, cls in RECORD_KINDS.items():
        header = [c.name for c in columns_of(kind)] + [f for f, _, _ in link_tables(kind)]
        rows = []
        for record in records_of(kb, kind):
            row, links = flatten(record)
            for name, ids in links.items():
                row[name] = ";".join(ids)
            rows.append(row)
        files[f"{cls.plural}.csv"] = _csv(header, rows)
    citations = list(citation_rows(kb))
    files["citations.csv"] = _csv(
        [
            "record_kind",
            "record_id",
            "path",
            "fact",
            "source_id",
            "paragraph",
            "quote",
            "translation",
        ],
        citations,
    )
    files["paragraphs.csv"] = _csv(
        ["source_id", "paragraph", "role", "text"], list(paragraph_rows(kb))
    )
    return files


# -- SQLite ------------------------------------------------------------------------------------


def to_sqlite(kb: Knowledge, provenance: Provenance) -> bytes:
    """A SQLite database: a table per kind, link tables, citations, paragraphs, and ``meta``.

    Every reference is a foreign key; ``PRAGMA foreign_key_check`` finds nothing.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "peacekb.sqlite"
        db = sqlite3.connect(path)
        try:
            _fill(db, kb, provenance)
            db.commit()
            db.execute("VACUUM")
        finally:
            db.close()
        return path.read_bytes()


def _fill(db: sqlite3.Connection, kb: Knowledge, provenance: Provenance) -> None:
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    for key, value in provenance.meta(kb).items():
        db.execute("INSERT INTO meta VALUES (?, ?)", (key, json.dumps(value, ensure_ascii=False)))
    order = ["place", "organization", "source", "mission", "person", "contingent", "event"]
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
        db.execute("PRAGMA defer_foreign_keys = ON")
        for record in records_of(kb, kind):
            row, _ = flatten(record)
            db.execute(
                f'INSERT INTO "{cls.plural}" ({quoted}) VALUES ({marks})',
                [_sql_value(row.get(n)) for n in names],
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
            for record in records_of(kb, kind):
                for position, target_id in enumerate(getattr(record, name)):
                    db.execute(
                        f'INSERT INTO "{table}" VALUES (?, ?, ?)', (record.id, position, target_id)
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
        list(citation_rows(kb)),
    )
    db.execute(
        "CREATE TABLE paragraphs (source_id TEXT NOT NULL REFERENCES sources(id), "
        "paragraph INTEGER NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL, "
        "PRIMARY KEY (source_id, paragraph))"
    )
    db.executemany(
        "INSERT INTO paragraphs VALUES (:source_id, :paragraph, :role, :text)",
        list(paragraph_rows(kb)),
    )


def _sql_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    return value


# -- JSON Schema -------------------------------------------------------------------------------


def to_schemas() -> dict[str, bytes]:
    files = {}
    models: list[type[BaseModel]] = [*RECORD_KINDS.values(), Glossary]
    for cls in models:
        schema = cls.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        name = getattr(cls, "kind", "glossary")
        schema["$id"] = f"{name}.schema.json"
        text = json.dumps(schema, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        files[f"{name}.schema.json"] = text.encode()
    return files


# -- TimelineJS --------------------------------------------------------------------------------


def _tl_date(date: PartialDate, *, end: bool = False) -> dict[str, Any]:
    year, month, day = date.latest() if end else date.earliest()
    out: dict[str, Any] = {"year": year}
    if date.month is not None or end:
        out["month"] = month
    if date.day is not None or end:
        out["day"] = day
    if date.qualifier:
        out["display_date"] = date.human()
    return out


def to_timeline(kb: Knowledge, provenance: Provenance) -> bytes:
    """Events in the JSON format of Knight Lab's TimelineJS, with the operations as eras."""
    events = []
    for entry in kb.timeline():
        event = entry.event
        assert event.occurred is not None
        item: dict[str, Any] = {
            "unique_id": event.id,
            "start_date": _tl_date(event.occurred.date),
            "text": {
                "headline": event.title,
                "text": " ".join(s.text for s in event.statements),
            },
            "group": ", ".join(event.missions) or None,
        }
        if event.ended is not None:
            item["end_date"] = _tl_date(event.ended.date, end=True)
        if provenance.base_url:
            item["text"]["text"] += f" ({provenance.page_url('event', event.id)})"
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
                "text": {"headline": mission.acronym, "text": mission.name_en},
            }
        )
    document = {
        "title": {
            "text": {
                "headline": provenance.title,
                "text": f"{len(events)} dated events. {provenance.license}",
            }
        },
        "events": events,
        "eras": eras,
    }
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()


# -- Atom --------------------------------------------------------------------------------------

ATOM = "http://www.w3.org/2005/Atom"


def _stamp(date: PartialDate) -> str:
    year, month, day = date.latest()
    return f"{year:04d}-{month:02d}-{day:02d}T00:00:00Z"


def to_atom(kb: Knowledge, provenance: Provenance) -> bytes:
    """An Atom feed of the dated events, newest first; each entry's time is its date's last
    day, since most events are known only to the day or less."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    entries = sorted(kb.timeline(), key=lambda e: (e.date.sort_key(), e.event.id), reverse=True)
    ET.SubElement(feed, f"{{{ATOM}}}title").text = f"{provenance.title}: events"
    ET.SubElement(feed, f"{{{ATOM}}}id").text = (
        f"{provenance.base_url}_downloads/events.atom"
        if provenance.base_url
        else "urn:peacekb:events"
    )
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = (
        _stamp(entries[0].date) if entries else "1970-01-01T00:00:00Z"
    )
    ET.SubElement(feed, f"{{{ATOM}}}rights").text = provenance.license
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = provenance.extra.get("author", "peacekb")
    ET.SubElement(feed, f"{{{ATOM}}}generator", version=__version__).text = "peacekb"
    for entry in entries:
        event: Event = entry.event
        item = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(item, f"{{{ATOM}}}title").text = f"{entry.date.human()}: {event.title}"
        url = provenance.page_url("event", event.id)
        ET.SubElement(item, f"{{{ATOM}}}id").text = (
            url if provenance.base_url else f"urn:peacekb:event:{event.id}"
        )
        ET.SubElement(item, f"{{{ATOM}}}link", href=url)
        ET.SubElement(item, f"{{{ATOM}}}updated").text = _stamp(entry.date)
        summary = " ".join(s.text for s in event.statements)
        sources = sorted({c.source for _, c in iter_citations(event)})
        ET.SubElement(item, f"{{{ATOM}}}summary").text = (
            f"{summary} Sources: {', '.join(sources)}." if sources else summary
        )
        for mission in event.missions:
            ET.SubElement(item, f"{{{ATOM}}}category", term=mission)
    ET.indent(feed)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body + b"\n"


# -- writing -----------------------------------------------------------------------------------


def render(kb: Knowledge, formats: list[str], provenance: Provenance) -> dict[str, bytes]:
    """Every file of the chosen formats: relative path -> bytes."""
    files: dict[str, bytes] = {}
    if "json" in formats:
        files["peacekb.json"] = to_json(kb, provenance)
    if "csv" in formats:
        files.update({f"csv/{name}": data for name, data in to_csv(kb).items()})
    if "sqlite" in formats:
        files["peacekb.sqlite"] = to_sqlite(kb, provenance)
    if "schema" in formats:
        files.update({f"schema/{name}": data for name, data in to_schemas().items()})
    if "timeline" in formats:
        files["timeline.json"] = to_timeline(kb, provenance)
    if "atom" in formats:
        files["events.atom"] = to_atom(kb, provenance)
    if files:
        files["README.txt"] = readme(kb, provenance, sorted(files))
    return files


def readme(kb: Knowledge, provenance: Provenance, names: list[str]) -> bytes:
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
    lines += ["", "Files:"] + [f"- {name}" for name in names]
    return ("\n".join(lines) + "\n").encode()


def write(files: dict[str, bytes], outdir: Path, *, prune: bool = False) -> list[Path]:
    """Write ``files`` under ``outdir``, each only if its bytes changed; return those written.
    With ``prune``, delete every other file under ``outdir``."""
    written = []
    outdir.mkdir(parents=True, exist_ok=True)
    for rel, data in sorted(files.items()):
        path = outdir / rel
        if path.is_file() and path.read_bytes() == data:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    if prune:
        wanted = {outdir / rel for rel in files}
        for path in sorted(outdir.rglob("*")):
            if path.is_file() and path not in wanted:
                path.unlink()
    return written


# -- schema.org JSON-LD ------------------------------------------------------------------------

ORG_TYPES = {
    "intergovernmental-organization": "Organization",
    "un-body": "Organization",
    "government": "GovernmentOrganization",
    "ministry": "GovernmentOrganization",
    "armed-forces": "GovernmentOrganization",
    "security-forces": "GovernmentOrganization",
    "military-unit": "GovernmentOrganization",
    "training-centre": "GovernmentOrganization",
    "humanitarian-organization": "NGO",
    "news-outlet": "NewsMediaOrganization",
    "academic": "EducationalOrganization",
}


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

    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@id": node_id(record.kind, record.id),
        "url": provenance.page_url(record.kind, record.id),
    }
    names = sorted({v.name for v in getattr(record, "names", [])} - {record.display_name})
    if names:
        data["alternateName"] = names
    sources = [node_id("source", s.id) for s in kb.sources_of(record) if s.id != record.id]
    if sources:
        data["subjectOf"] = [{"@id": s} for s in sources]
    if isinstance(record, Person):
        data.update({"@type": "Person", "name": record.name})
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
        data.update({"@type": ORG_TYPES[record.type], "name": record.name})
        if record.acronym:
            data["alternateName"] = sorted({*data.get("alternateName", []), record.acronym})
        if record.part_of:
            data["parentOrganization"] = ref(record.part_of)
        if record.country:
            data["location"] = ref(record.country)
    elif isinstance(record, Contingent):
        data.update({"@type": "Organization", "name": record.name})
        data["location"] = ref(record.country)
        data["memberOf"] = ref(record.mission)
        members = [ref(m) for m in record.members]
        if members:
            data["member"] = members
    elif isinstance(record, Mission):
        data.update(
            {
                "@type": "Event",
                "name": f"{record.acronym}: {record.name_en}",
                "startDate": _ld_date(record.authorized.date),
                "organizer": ref(record.authorized.by),
                "location": [ref(h) for h in record.host],
            }
        )
        if record.ended and (end := _ld_date(record.ended.date)):
            data["endDate"] = end
    elif isinstance(record, Event):
        data.update({"@type": "Event", "name": record.title})
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
        kind = {"country": "Country", "city": "City"}.get(record.type, "Place")
        data.update(
            {
                "@type": kind,
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
                "@type": "NewsArticle",
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
        about = sorted({(f.kind, f.id) for f in kb.cited.get(record.id, []) if f.kind != "source"})
        if about:
            data["mentions"] = [{"@id": node_id(k, i)} for k, i in about]
    return {k: v for k, v in data.items() if v not in (None, [], {})}


def jsonld_script(data: dict[str, Any]) -> str:
    """A ``<script type="application/ld+json">`` element; ``<`` is escaped so that no text in
    the data can close the element."""
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("<", "\\u003c")
    return f'<script type="application/ld+json">\n{text}\n</script>'
