"""The loaded knowledge base: lookups by id, backlinks, timeline order and cross-record checks.

:func:`build` takes what :mod:`peacekb.loader` read and checks what no single record can:
every id resolves to a record of an allowed kind, no place lies within itself and no
organisation or event is part of itself, every quote stands verbatim
(whitespace-normalised) in the paragraph it cites, end dates do not precede start dates. The
same checks run on the valid parts of files that failed to load, so that one run reports
every error of a file.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from .loader import (
    FileMemo,
    Known,
    LoadResult,
    Marks,
    Partial,
    Problem,
    load_folder,
    sorted_problems,
)
from .models import (
    RECORD_KINDS,
    Authorization,
    Citation,
    Claim,
    Count,
    DatedFact,
    Event,
    Glossary,
    Loc,
    NameVariant,
    OperationType,
    OrganizationType,
    PartialDate,
    Participant,
    Person,
    Post,
    Record,
    Saying,
    Source,
    Statement,
    Vocabulary,
    cites_of,
    iter_citations,
    iter_models,
    iter_refs,
    salvage,
)


def normalise(text: str) -> str:
    """``text`` with each run of white space one space, and none at either end. White space is
    what ``str.split`` splits on, the characters a regular expression's ``\\s`` matches; a
    split and a join take a quarter of the time of a substitution."""
    return " ".join(text.split())


@dataclass(frozen=True)
class CitedFact:
    """One citation of a source, with the record and the fact that rest on it."""

    kind: str
    id: str
    fact: str
    citation: Citation

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.id)


@dataclass(frozen=True)
class Coverage:
    """How much of a source the records cite."""

    source: str
    paragraphs: int  # the headline counts where the article has one
    uncited: list[tuple[int, str]]  # (number, role: headline, body, heading …)

    @property
    def cited(self) -> int:
        return self.paragraphs - len(self.uncited)

    @property
    def percent(self) -> float:
        return 100 * self.cited / self.paragraphs if self.paragraphs else 100.0


@dataclass(frozen=True)
class TimelineEntry:
    date: PartialDate
    event: Event


@dataclass
class Knowledge:
    records: dict[str, dict[str, Record]]
    glossary: Glossary | None
    vocabulary: Vocabulary | None = None
    marks: dict[tuple[str, str], Marks] = field(default_factory=dict)
    broken: set[tuple[str, str]] = field(default_factory=set)
    broken_kinds: set[str] = field(default_factory=set)
    backlinks: dict[tuple[str, str], set[tuple[str, str]]] = field(default_factory=dict)
    cited: dict[str, list[CitedFact]] = field(default_factory=dict)
    # Worked out by build() while it checks the citations: (kind, id) -> the ids of the
    # sources the record cites that exist; source id -> the paragraph numbers cited of it
    # (by records and glossary terms). None: worked out when asked (sources_of()).
    citing: dict[tuple[str, str], set[str]] | None = None
    paragraphs_cited: dict[str, set[int]] | None = None
    # kind -> (the records dict it was sorted from, the sorted list): see all()
    _sorted: dict[str, tuple[dict[str, Record], list[Record]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    # (kind, id), or ("glossary", "") and ("vocabulary", ""), -> (the model, the memo's key
    # for the file it was loaded from: see peacekb.loader.LoadResult.file_keys)
    loaded_from: dict[tuple[str, str], tuple[BaseModel, str]] = field(
        default_factory=dict, repr=False, compare=False
    )
    # (kind, id) -> (the record, its fingerprint, the length of its JSON): see fingerprint()
    _fingerprints: dict[tuple[str, str], tuple[Record, str, int]] = field(
        default_factory=dict, repr=False, compare=False
    )

    # -- lookups ---------------------------------------------------------------------------
    def operation_type(self, type_id: str) -> OperationType:
        """The vocabulary's operation type; one named by its id when the vocabulary lacks it."""
        found = self.vocabulary and next(
            (t for t in self.vocabulary.operation_types if t.id == type_id), None
        )
        return found or OperationType(id=type_id, label=type_id.replace("-", " "))

    def organization_type(self, type_id: str) -> OrganizationType:
        found = self.vocabulary and next(
            (t for t in self.vocabulary.organization_types if t.id == type_id), None
        )
        return found or OrganizationType(id=type_id, label=type_id.replace("-", " "))

    def get(self, kind: str, id: str) -> Record | None:
        return self.records.get(kind, {}).get(id)

    def display_name(self, id: str) -> str:
        """The name a record is shown by; the id itself when no record has it."""
        record = self.get(self.kind_of(id) or "", id)
        return record.display_name if record is not None else id

    def kind_of(self, id: str) -> str | None:
        for kind, records in self.records.items():
            if id in records:
                return kind
        return None

    def all(self, kind: str) -> list[Record]:
        """The records of ``kind`` in their sort order; sorted once, not at every call (pages
        ask for them again and again). The list is shared: do not change it."""
        by_id = self.records.get(kind, {})
        cached = self._sorted.get(kind)
        if cached is None or cached[0] is not by_id or len(cached[1]) != len(by_id):
            cached = (by_id, sorted(by_id.values(), key=Record.sort_key))
            self._sorted[kind] = cached
        return cached[1]

    def fingerprint(self, record: Record) -> str:
        """A digest of all that ``record`` holds: the same for the same content, from one
        build to the next. For a record as it was loaded with a memo, the memo's key for its
        file (a digest of the file's bytes, path and model: no record is made of them but
        this one), which costs nothing; for any other, a digest of its JSON, worked out once.

        The key spares the build a model's serializer: the models are made ready when first
        used (see peacekb.models.Strict), and a build after an edit uses few of them."""
        return self._loaded_key(record.kind, record.id, record) or self._json_digest(record)[1]

    def _loaded_key(self, kind: str, rid: str, model: BaseModel) -> str | None:
        found = self.loaded_from.get((kind, rid))
        return found[1] if found is not None and found[0] is model else None

    def digest(self, kinds: Iterable[str]) -> str:
        """A digest of the records of ``kinds``, their ids and contents (``"vocabulary"`` and
        ``"glossary"`` stand for those files): the same while they are, from one build to the
        next."""
        found = hashlib.blake2b(digest_size=16)
        for kind in kinds:
            found.update(f"\0{kind}\0".encode())
            if kind in ("vocabulary", "glossary"):
                model = getattr(self, kind)
                if model is None:
                    found.update(b"-")
                else:
                    loaded = self._loaded_key(kind, "", model)
                    found.update(loaded.encode() if loaded else model.model_dump_json().encode())
                continue
            for rid, record in sorted(self.records.get(kind, {}).items()):
                found.update(f"{rid}\0{self.fingerprint(record)}\0".encode())
        return found.hexdigest()

    def json_size(self, record: Record) -> int:
        """The length of ``record``'s JSON (``model_dump_json``), worked out with its
        :meth:`fingerprint`."""
        return self._json_digest(record)[2]

    def _json_digest(self, record: Record) -> tuple[Record, str, int]:
        key = (record.kind, record.id)
        cached = self._fingerprints.get(key)
        if cached is None or cached[0] is not record:
            text = record.model_dump_json()
            digest = hashlib.blake2b(text.encode(), digest_size=16)
            cached = (record, digest.hexdigest(), len(text))
            self._fingerprints[key] = cached
        return cached

    @cached_property
    def sources(self) -> dict[str, Source]:
        return {k: v for k, v in self.records["source"].items() if isinstance(v, Source)}

    def counts(self) -> dict[str, int]:
        return {kind: len(records) for kind, records in self.records.items()}

    def mentioned_by(self, kind: str, id: str) -> list[Record]:
        """Records whose pages link to this one, sorted by kind then name."""
        found = []
        for other_kind, other_id in self.backlinks.get((kind, id), set()):
            record = self.get(other_kind, other_id)
            if record is not None:
                found.append(record)
        return sorted(found, key=lambda r: (r.kind, r.sort_key()))

    def facts_citing(self, source_id: str) -> list[CitedFact]:
        """The facts that cite the source ``source_id``."""
        return self.cited.get(source_id, [])

    def successors(self, person: Person) -> list[tuple[Person, str]]:
        """The people whose post names ``person`` as predecessor, with that post's title."""
        return self._successors.get(person.id, [])

    @cached_property
    def _successors(self) -> dict[str, list[tuple[Person, str]]]:
        found: dict[str, list[tuple[Person, str]]] = defaultdict(list)
        for other in self.all("person"):
            if isinstance(other, Person):
                for post in other.posts:
                    if post.predecessor is not None:
                        found[post.predecessor].append((other, post.title))
        return dict(found)

    def sources_of(self, record: BaseModel) -> list[Source]:
        """The sources cited anywhere in ``record``, in id order."""
        if (
            self.citing is not None
            and isinstance(record, Record)
            and self.get(record.kind, record.id) is record
        ):
            found: Iterable[str] = self.citing.get((record.kind, record.id), ())
        else:
            found = {c.source for _, c in iter_citations(record)}
        return [self.sources[i] for i in sorted(found) if i in self.sources]

    @cached_property
    def cited_paragraphs(self) -> dict[str, set[int]]:
        """Per source, the numbers of the paragraphs some record or glossary term cites."""
        if self.paragraphs_cited is not None:
            return self.paragraphs_cited
        found: dict[str, set[int]] = defaultdict(set)
        models: list[BaseModel] = [r for by_id in self.records.values() for r in by_id.values()]
        if self.glossary is not None:
            models.append(self.glossary)
        for model in models:
            for _, citation in iter_citations(model):
                found[citation.source].add(citation.paragraph)
        return dict(found)

    def coverage(self, source: Source) -> Coverage:
        """Which paragraphs of ``source`` no record cites: the headline (0, where the article
        has one of its own), headings and captions count like any paragraph."""
        numbers = range(0 if not source.title_by_curator else 1, len(source.paragraphs) + 1)
        cited = self.cited_paragraphs.get(source.id, set())
        uncited: list[tuple[int, str]] = [
            (n, "headline" if n == 0 else source.paragraphs[n - 1].role)
            for n in numbers
            if n not in cited
        ]
        return Coverage(source.id, len(numbers), uncited)

    def timeline(self) -> list[TimelineEntry]:
        entries = [
            TimelineEntry(event.occurred.date, event)
            for event in self.records["event"].values()
            if isinstance(event, Event) and event.occurred is not None
        ]
        return sorted(entries, key=lambda e: (e.date.sort_key(), e.event.id))

    def undated_events(self) -> list[Event]:
        return [e for e in self.all("event") if isinstance(e, Event) and e.occurred is None]


_Made = TypeVar("_Made")


def remembered(memo: MutableMapping[str, Any] | None, key: str, make: Callable[[], _Made]) -> _Made:
    """What ``make`` makes; with a memo (see :mod:`peacekb.sphinxext.cache`), what an earlier
    build made under ``key``, which names all it is made from (a :meth:`Knowledge.digest` of
    its records, the settings)."""
    if memo is None:
        return make()
    if key in memo:
        found: _Made = memo[key]
        return found
    made = memo[key] = make()
    return made


def describe(model: BaseModel, name: Callable[[str], str] = str) -> str:
    """A short English label of the fact a citation backs, for a source's list of facts;
    ``name`` turns a record id into the name to show."""
    if isinstance(model, Statement | Claim):
        return model.text
    if isinstance(model, Saying):
        return model.summary
    if isinstance(model, Post):
        return model.title
    if isinstance(model, Count):
        return f"{model.value} {model.what}"
    if isinstance(model, NameVariant):
        return f"name: {model.name}"
    if isinstance(model, Participant):
        return f"participant: {name(model.who)} ({model.role})"
    if isinstance(model, DatedFact):
        return f"date: {model.date.human()}"
    if isinstance(model, Authorization):
        return f"authorised: {model.date.human()}"
    return type(model).__name__.lower()


def load(
    root: Path, memo: FileMemo | None = None, known: Known | None = None
) -> tuple[Knowledge, list[Problem]]:
    """Load and check a data folder: the knowledge base and every problem found, sorted.
    ``memo``: what files loaded to in an earlier build, and ``known``: the digests of files
    known without reading them (see :func:`peacekb.loader.load_file`); the checks across
    records all run again."""
    return build(load_folder(root, memo, known))


# The record kinds whose ``type`` names a category of the vocabulary, and which list of it.
TYPED = {"mission": "operation_types", "organization": "organization_types"}


def _check_types(kb: Knowledge, result: LoadResult) -> list[Problem]:
    """Each operation's and organisation's ``type`` is one of vocabulary.yaml's."""
    problems = []
    for kind, listing in TYPED.items():
        known = (
            [c.id for c in getattr(result.vocabulary, listing)]
            if result.vocabulary is not None
            else None
        )
        for rid, record in sorted(kb.records.get(kind, {}).items()):
            type_id = getattr(record, "type", "")
            if known is not None and type_id in known:
                continue
            if known is None and result.vocabulary_present:
                continue  # vocabulary.yaml is there but invalid: its own errors say why
            where = (
                f"vocabulary.yaml lists: {', '.join(known)}"
                if known is not None
                else "the data folder has no vocabulary.yaml to list the types in"
            )
            problems.append(
                kb.marks[(kind, rid)].problem(
                    ("type",),
                    f"type: unknown {listing.replace('_', ' ')[:-1]} '{type_id}': {where}",
                )
            )
    return problems


def build(result: LoadResult) -> tuple[Knowledge, list[Problem]]:
    records: dict[str, dict[str, Record]] = {
        kind: {rid: loaded.record for rid, loaded in by_id.items()}
        for kind, by_id in result.records.items()
    }
    kb = Knowledge(
        records=records,
        glossary=result.glossary,
        vocabulary=result.vocabulary,
        broken=set(result.broken),
        broken_kinds=set(result.broken_kinds),
    )
    kb.marks = {
        (kind, rid): loaded.marks
        for kind, by_id in result.records.items()
        for rid, loaded in by_id.items()
    }
    kb.loaded_from = dict(result.file_keys)
    problems = list(result.problems)
    paragraphs = _Paragraphs(kb)

    first_seen: dict[str, str] = {}
    for kind in RECORD_KINDS:
        for rid in sorted(records.get(kind, {})):
            if rid in first_seen:
                other = kb.marks[(first_seen[rid], rid)].path
                problems.append(
                    kb.marks[(kind, rid)].problem(
                        ("id",),
                        f"id '{rid}' is already used by {other}: ids are unique across kinds",
                    )
                )
            else:
                first_seen[rid] = kind

    backlinks: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    cited: dict[str, list[CitedFact]] = defaultdict(list)
    index = _CitationIndex()
    for kind, by_id in records.items():
        for rid, record in by_id.items():
            marks = kb.marks[(kind, rid)]
            problems.extend(_check_refs(kb, iter_refs(record), marks, (kind, rid), backlinks))
            problems.extend(
                _check_citations(
                    paragraphs,
                    record,
                    marks,
                    (kind, rid),
                    cited,
                    backlinks,
                    name=kb.display_name,
                    index=index,
                )
            )
            problems.extend(_check_dates(record, marks))
            problems.extend(_check_translations(record, marks))
    if result.glossary is not None and result.glossary_marks is not None:
        marks = result.glossary_marks
        seen: set[str] = set()
        for i, term in enumerate(result.glossary.terms):
            if term.id in seen:
                problems.append(marks.problem(("terms", i, "id"), f"duplicate term id '{term.id}'"))
            seen.add(term.id)
            # Case variants are one form: "casques bleus" at the start of a sentence is still
            # "casques bleus".
            forms: dict[tuple[str, str], str] = {}
            for j, form in enumerate(term.forms):
                key = (form.text.casefold(), form.lang)
                if key in forms:
                    problems.append(
                        marks.problem(
                            ("terms", i, "forms", j, "text"),
                            f"form '{form.text}' repeats '{forms[key]}' but for case: list it once",
                        )
                    )
                else:
                    forms[key] = form.text
        problems.extend(_check_refs(kb, iter_refs(result.glossary), marks, None, backlinks))
        problems.extend(
            _check_citations(
                paragraphs, result.glossary, marks, None, cited, backlinks, index=index
            )
        )
    problems.extend(_check_types(kb, result))
    problems.extend(_check_loops(kb))
    for partial in result.partial:
        problems.extend(_check_partial(kb, paragraphs, partial))
    kb.backlinks = dict(backlinks)
    kb.cited = dict(cited)
    kb.citing = dict(index.citing)
    kb.paragraphs_cited = dict(index.paragraphs)
    return kb, sorted_problems(problems)


@dataclass
class _CitationIndex:
    """What :func:`_check_citations` notes of every citation on its way (see
    :attr:`Knowledge.citing`)."""

    citing: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    paragraphs: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))


# Fields that put a record inside another of its kind, with what the message says of a loop.
# The pages and charts walk these upwards (a city to its country): a loop would never end.
_CONTAINMENT = [
    (
        "place",
        "within",
        "inside itself",
        "a place cannot contain itself; point 'within' at a larger place, or leave it out",
    ),
    (
        "organization",
        "part_of",
        "part of itself",
        "an organisation cannot be part of itself; "
        "point 'part_of' at a larger body, or leave it out",
    ),
    (
        "event",
        "part_of",
        "part of itself",
        "an event cannot be part of itself; point 'part_of' at a larger event, or leave it out",
    ),
]


def _check_loops(kb: Knowledge) -> list[Problem]:
    """Report each record in a loop of ``within`` or ``part_of``, on that field: the loop is
    broken by changing any one of them."""
    problems = []
    for kind, name, what, advice in _CONTAINMENT:
        records = kb.records.get(kind, {})
        parent: dict[str, str] = {}
        for rid, record in records.items():
            target = getattr(record, name, None)
            if isinstance(target, str) and target in records:
                parent[rid] = target
        done: set[str] = set()
        for start in sorted(parent):
            # Walk up from ``start`` until the top, a record already walked, or a loop.
            path: list[str] = []
            index: dict[str, int] = {}
            step: str | None = start
            while step is not None and step not in done and step not in index:
                index[step] = len(path)
                path.append(step)
                step = parent.get(step)
            if step is not None and step in index:
                loop = path[index[step] :]
                for i, member in enumerate(loop):
                    steps = _steps([*loop[i:], *loop[:i], member])
                    problems.append(
                        kb.marks[(kind, member)].problem(
                            (name,), f"{name}: '{member}' is {what} through {steps}: {advice}"
                        )
                    )
            done.update(path)
    return problems


def _steps(chain: list[str]) -> str:
    """``'a' → 'b' → 'a'``; a long loop is cut, so that its N messages are not N² long."""
    shown = [f"'{rid}'" for rid in chain]
    if len(shown) > 7:
        shown = [*shown[:5], f"… ({len(chain) - 1} in the loop)", shown[-1]]
    return " → ".join(shown)


def _check_partial(kb: Knowledge, paragraphs: _Paragraphs, partial: Partial) -> list[Problem]:
    """Check what can be checked in a file that has problems of its own: the references and
    quotes of its valid parts, so that fixing its first error does not reveal the next one.
    Nothing is recorded as a backlink or a citation: the file is not part of the site."""
    found = salvage(partial.model, partial.data)
    refs = [*found.refs, *(ref for loc, model in found.models for ref in iter_refs(model, loc))]
    problems = _check_refs(kb, refs, partial.marks, None, {})
    for loc, model in found.models:
        problems += _check_citations(paragraphs, model, partial.marks, None, {}, {}, loc)
        if isinstance(model, Record):
            problems += _check_dates(model, partial.marks)
    return problems


class _Paragraphs:
    """The normalised text of each cited paragraph, worked out once: a file may cite one long
    paragraph thousands of times."""

    def __init__(self, kb: Knowledge) -> None:
        self.sources = kb.sources
        self._cache: dict[tuple[str, int], str] = {}

    def text(self, source: Source, n: int) -> str:
        key = (source.id, n)
        if key not in self._cache:
            self._cache[key] = normalise(source.title if n == 0 else source.paragraphs[n - 1].text)
        return self._cache[key]


def _check_refs(
    kb: Knowledge,
    refs: Iterable[tuple[Loc, str, list[str]]],
    marks: Marks,
    owner: tuple[str, str] | None,
    backlinks: dict[tuple[str, str], set[tuple[str, str]]],
) -> list[Problem]:
    problems = []
    for loc, target, kinds in refs:
        found = [k for k in kinds if target in kb.records.get(k, {})]
        if not found and any((k, target) in kb.broken or k in kb.broken_kinds for k in kinds):
            continue  # the record (or its folder) exists but has errors, reported there
        if not found:
            actual = kb.kind_of(target)
            if actual:
                message = f"'{target}' is a {actual}, but this field takes a {' or '.join(kinds)}"
            else:
                message = f"unknown {' or '.join(kinds)} id '{target}'"
            problems.append(marks.problem(loc, message))
            continue
        if owner is not None and (found[0], target) != owner:
            backlinks[(found[0], target)].add(owner)
    return problems


def _check_citations(
    paragraphs: _Paragraphs,
    model: BaseModel,
    marks: Marks,
    owner: tuple[str, str] | None,
    cited: dict[str, list[CitedFact]],
    backlinks: dict[tuple[str, str], set[tuple[str, str]]],
    at: Loc = (),
    name: Callable[[str], str] = str,
    index: _CitationIndex | None = None,
) -> list[Problem]:
    problems = []
    sources = paragraphs.sources
    for fact_loc, fact in iter_models(model, at):
        for i, citation in enumerate(cites_of(fact)):
            loc: Loc = (*fact_loc, "cite", i)
            if index is not None:
                index.paragraphs[citation.source].add(citation.paragraph)
            source = sources.get(citation.source)
            if source is None:
                continue  # reported by _check_refs
            if index is not None and owner is not None:
                index.citing[owner].add(source.id)
            n = citation.paragraph
            if n > len(source.paragraphs):
                problems.append(
                    marks.problem(
                        (*loc, "paragraph"),
                        f"source '{source.id}' has {len(source.paragraphs)} paragraphs, not {n}",
                    )
                )
                continue
            if n == 0 and source.title_by_curator:
                problems.append(
                    marks.problem(
                        (*loc, "paragraph"),
                        f"paragraph 0 is the headline; source '{source.id}' has none of its own",
                    )
                )
                continue
            paragraph = paragraphs.text(source, n)
            quote = normalise(citation.quote)
            if quote not in paragraph:
                problems.append(
                    marks.problem(
                        (*loc, "quote"),
                        f"quote not found in paragraph {n} of source '{source.id}': {quote!r}",
                    )
                )
            if source.language != "en" and citation.translation is None:
                problems.append(
                    marks.problem(
                        loc,
                        f"source '{source.id}' is in '{source.language}': "
                        "the citation needs a 'translation'",
                    )
                )
            if isinstance(fact, NameVariant) and normalise(fact.name) not in quote:
                problems.append(
                    marks.problem(
                        (*loc, "quote"), f"the quote does not contain the name '{fact.name}'"
                    )
                )
            if owner is not None:
                cited[source.id].append(
                    CitedFact(owner[0], owner[1], describe(fact, name), citation)
                )
                if owner != ("source", source.id):
                    backlinks[("source", source.id)].add(owner)
    return problems


def _order(
    marks: Marks, start: PartialDate | None, end: PartialDate | None, end_loc: Loc, what: str
) -> list[Problem]:
    if start is not None and end is not None and end.latest() < start.earliest():
        return [marks.problem(end_loc, f"{what} {end} precedes its start {start}")]
    return []


def _check_translations(record: Record, marks: Marks) -> list[Problem]:
    """Every paragraph of a source not in English carries the curators' English rendering, so
    that every article can be read in English."""
    if not isinstance(record, Source) or record.language == "en":
        return []
    return [
        marks.problem(
            ("paragraphs", i),
            f"paragraph {i + 1}: the source is in '{record.language}': add 'translation', "
            "the curators' English rendering of the paragraph",
        )
        for i, paragraph in enumerate(record.paragraphs)
        if paragraph.translation is None
    ]


def _check_dates(record: Record, marks: Marks) -> list[Problem]:
    problems: list[Problem] = []
    for start, end, loc in record.date_spans():
        problems += _order(marks, start, end, loc, "start" if loc[0] == "started" else "end")
    return problems


__all__ = [
    "CitedFact",
    "Coverage",
    "Knowledge",
    "TimelineEntry",
    "build",
    "load",
    "normalise",
]
