"""What a record's page read of the knowledge base: enough to tell, in the next build, whether
the page would come out the same.

A record's page shows its record, and what it asks of the rest of the base: the names of the
records it links to, the records that mention it, the facts that cite a source... While a page
is made, the knowledge base it sees is a :class:`TrackedKnowledge`, which notes each read it
knows with a fingerprint of its answer: the ids and content of the records in it, and every
other value in it. The lists made from the whole base for record pages (see
:class:`peacekb.pages.Site`) are noted the same way, as one read each. A read it does not know
(a site's own template may make any) marks the page as made from anything: it is made again
at every build.

In the next build, a page whose record, and every read's answer, have the same fingerprint
would be made to the same text: the text of the last build is used (see
:meth:`peacekb.pages.Site.pages`). An edit then makes again the page of the edited record and
the pages whose reads it changes, not every page. The pages drawn from the whole base (a
kind's index, the timeline, the map, the list of uncertainties) are kept the same way; those
that read a value made of the whole base at once (the downloads' sizes, the focus country's
whole participation) are made at every build.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import pickle
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from .models import Record

# A read: where ("kb" or "site"), the name read, and its arguments as encode() writes them
# (None for an attribute).
Read = tuple[str, str, tuple[Any, ...] | None]

# What a record's page may ask of the knowledge base.
KNOWLEDGE_READS = frozenset(
    {
        "get", "display_name", "kind_of", "all", "counts", "mentioned_by", "successors",
        "sources_of", "coverage", "timeline", "undated_events", "operation_type",
        "organization_type", "facts_citing", "vocabulary", "glossary",
    }
)  # fmt: skip


def encode(value: Any) -> Any:
    """A read's argument as it is kept: a record by its kind and id."""
    if isinstance(value, Record):
        return ("record", value.kind, value.id)
    if value is None or isinstance(value, str | int | bool):
        return value
    raise TypeError(f"a read's argument must be a record, a text or a number, not {value!r}")


class Gone(LookupError):
    """A read's record argument is no longer in the knowledge base."""


def decode(kb: Any, value: Any) -> Any:
    if isinstance(value, tuple):
        _, kind, rid = value
        record = kb.get(kind, rid)
        if record is None:
            raise Gone(rid)
        return record
    return value


# Types whose values are their own shape.
_PLAIN = frozenset({str, int, float, bool, type(None)})
# A data class's field names, by class.
_FIELDS: dict[type, tuple[str, ...]] = {}


def _shape(kb: Any, value: Any) -> Any:
    """What a fingerprint is taken of: records by kind, id and content fingerprint; other
    models by their fields; data classes, lists, dicts and plain values by what they hold."""
    cls = type(value)
    if cls in _PLAIN:
        return value
    if cls is list or cls is tuple:
        # A plain value is its own shape: taken as it is, without a call (most are).
        return tuple([v if type(v) in _PLAIN else _shape(kb, v) for v in value])
    # A data class met before: none of the checks below matched it then.
    names = _FIELDS.get(cls)
    if names is not None:
        fields = [getattr(value, name) for name in names]
        return (cls.__qualname__, *[v if type(v) in _PLAIN else _shape(kb, v) for v in fields])
    if isinstance(value, Record):
        return ("record", value.kind, value.id, kb.fingerprint(value))
    if isinstance(value, BaseModel):
        # Its fields, as they hold them (pydantic keeps them in the instance's dict), and any
        # extra ones: what its JSON holds, without the serializer's cost.
        extra = value.__pydantic_extra__
        return (
            "model",
            cls.__qualname__,
            tuple([v if type(v) in _PLAIN else _shape(kb, v) for v in value.__dict__.values()]),
            _shape(kb, extra) if extra else None,
        )
    if isinstance(value, str | int | float | bool):  # a subclass of a plain type
        return value
    if isinstance(value, list | tuple):
        return tuple(_shape(kb, v) for v in value)
    if isinstance(value, set | frozenset):
        return ("set", *sorted((_shape(kb, v) for v in value), key=repr))
    if isinstance(value, dict):
        return ("dict", *((_shape(kb, k), _shape(kb, v)) for k, v in value.items()))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(value))
        return _shape(kb, value)
    raise TypeError(f"cannot fingerprint a {cls.__qualname__}")


def fingerprint(kb: Any, value: Any) -> str:
    """A digest of ``value``'s shape. The shape is pickled without the pickler's memo (its
    "fast" mode): the bytes then follow from what the shape holds, not from which of its
    texts happen to be one object, and are made in a tenth of the time its ``repr`` takes."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    pickler.dump(_shape(kb, value))
    return hashlib.blake2b(buffer.getbuffer(), digest_size=16).hexdigest()


class Reads:
    """The reads of the page being made, each with its answer's fingerprint. ``answers`` is
    shared by the pages of one build: the knowledge base does not change while they are made,
    so each read's answer is fingerprinted once."""

    def __init__(self, kb: Any, answers: dict[Read, str]) -> None:
        self.kb = kb
        self.answers = answers
        self.log: dict[Read, str] = {}
        # Set by a read that cannot be noted: the page may depend on anything.
        self.untracked = False
        # Above zero while a noted read works out its answer: what it reads in doing so is
        # part of that answer.
        self.paused = 0

    def unnoted(self) -> None:
        """A read that cannot be noted: the page may depend on anything (unless the read is
        part of a noted one's answer)."""
        if not self.paused:
            self.untracked = True

    def note(self, read: Read, answer: Any) -> None:
        if self.paused:
            return
        found = self.answers.get(read)
        if found is None:
            try:
                found = self.answers[read] = fingerprint(self.kb, answer)
            except TypeError:  # an answer of a kind a fingerprint cannot be taken of
                self.untracked = True
                return
        self.log[read] = found

    def noted(
        self,
        where: str,
        name: str,
        args: tuple[Any, ...],
        work: Callable[[], Any],
        keywords: dict[str, Any] | None = None,
    ) -> Any:
        """The answer of ``work``, noted as the read ``(where, name, args)``. A read that
        cannot be kept (named arguments, or an argument neither a record, a text nor a
        number) marks the page untracked."""
        if self.paused:
            return work()
        try:
            if keywords:
                raise TypeError("named arguments")
            read = (where, name, tuple(encode(a) for a in args))
        except TypeError:
            self.untracked = True
            return work()
        self.paused += 1
        try:
            answer = work()
        finally:
            self.paused -= 1
        self.note(read, answer)
        return answer


class TrackedKnowledge:
    """A knowledge base that notes each read in ``reads`` (see :data:`KNOWLEDGE_READS`); any
    other read marks them untracked."""

    def __init__(self, kb: Any, reads: Reads) -> None:
        self._kb = kb
        self._reads = reads

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._kb, name)
        reads = self._reads
        if name not in KNOWLEDGE_READS:
            reads.unnoted()
            return value
        if not callable(value):
            if not reads.paused:
                reads.note(("kb", name, None), value)
            return value

        def read(*args: Any, **keywords: Any) -> Any:
            return reads.noted("kb", name, args, lambda: value(*args, **keywords), keywords)

        return read


def answer(kb: Any, site: Any, read: Read, answers: dict[Read, str]) -> str | None:
    """The fingerprint of what ``read`` answers now, from ``kb`` or ``site`` (neither
    tracking); None when a record it names is gone."""
    found = answers.get(read)
    if found is not None:
        return found
    where, name, args = read
    target = getattr(kb if where == "kb" else site, name)
    try:
        value = target if args is None else target(*(decode(kb, a) for a in args))
    except Gone:
        return None
    found = answers[read] = fingerprint(kb, value)
    return found
