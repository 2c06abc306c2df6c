"""Strict YAML reading with line numbers.

:func:`load_folder` turns a data folder into models plus a list of :class:`Problem`, each
located at ``file:line:column`` and printed on one line. It never raises for bad input and
opens nothing but regular files.

A record must not hold what PyYAML's safe loader would quietly accept: duplicate keys, anchors
and aliases, unquoted dates (which lose their precision), tags, several documents in one file,
nesting deeper than :data:`MAX_DEPTH`, more than :data:`MAX_VALUES` values or :data:`MAX_BYTES`
bytes, integers beyond :data:`MAX_INT` in any base, control characters. The file is read from
PyYAML's event stream, so that such a problem is found where it stands, before anything is
built from it.

Every problem of a file is reported in one run, as far as the file can be read: a YAML-level
problem does not stop the schema check of the rest, and a record that fails its schema is kept
as a :class:`Partial`, whose valid parts still have their references and quotes checked. Only
text that cannot be parsed stops the reading of its file.

The data folder holds kind folders of ``.yaml`` files, ``glossary.yaml`` and
``vocabulary.yaml`` (the subject's kinds of operations and organisations), nothing else:
hidden entries, symbolic links (even to a file inside the folder: a record is one file in one
place, and a link could make one file two records or read a file from outside the
repository), named pipes, sockets and devices are each reported.
"""

from __future__ import annotations

import errno
import hashlib
import os
import pickle
import re
import stat
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import ScalarNode

from .models import (
    FOLDERS,
    FORBIDDEN_IN_FILE,
    PATTERN_HELP,
    Glossary,
    Loc,
    Record,
    Vocabulary,
    describe_character,
    shorten,
)

# The deepest real record nests 5 levels (record, list of facts, fact, citations, citation);
# refusing more stops a file of 100,000 open brackets after a few dozen events, where building
# it would overflow Python's stack (a few thousand levels) or take minutes.
MAX_DEPTH = 20
# The largest real file holds under 600 values and 8 KB. Without these bounds a 5 MB file of
# 1.7 million list items takes 40 s and 2.4 GB to report its 1.7 million errors.
MAX_VALUES = 50_000
MAX_BYTES = 10_000_000
# The largest integer a record may hold, in any base: JSON's safe range (JavaScript reads any
# larger one inexactly), far beyond any real count. Python refuses to write out an int of more
# than 4,300 digits, which a few kilobytes of hexadecimal make: such a number would end
# `peacekb validate` or the build with a traceback wherever a message or a page showed it.
MAX_INT = 2**53 - 1

_STR = "tag:yaml.org,2002:str"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_INT = "tag:yaml.org,2002:int"
_YAML_TAG = "tag:yaml.org,2002:"
# libyaml's parser when PyYAML was built with it: the same events and marks, much faster.
_PARSER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_BREAK = re.compile(r"\r\n?|\n")


def one_line(text: str) -> str:
    """``text`` with every unprintable character escaped, so that it stays on one line."""
    if text.isprintable():
        return text
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


@dataclass(frozen=True, order=True)
class Problem:
    """One error in the data, located in its file."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        # A path or a message may quote the data, and the data may hold any character: escape
        # the unprintable ones so that one problem is always one line.
        return one_line(f"{self.path}:{self.line}:{self.column}: {self.message}")


_Places = tuple[dict[Loc, tuple[int, int]], dict[Loc, tuple[int, int]], set[Loc]]


class Marks:
    """Where each value (and each mapping key) of one YAML document stands in its file.

    Pickled (in a build's memo), the positions are one block of bytes, unpickled only when
    something asks for a position: a build that finds no problem in a file never does."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._places: _Places | None = ({}, {}, set())
        self._packed: bytes | None = None

    def _unpacked(self) -> _Places:
        if self._places is None:
            assert self._packed is not None
            self._places = pickle.loads(self._packed)
        return self._places

    @property
    def values(self) -> dict[Loc, tuple[int, int]]:
        return self._unpacked()[0]

    @property
    def keys(self) -> dict[Loc, tuple[int, int]]:
        return self._unpacked()[1]

    @property
    def reported(self) -> set[Loc]:
        """Values already reported while reading (an alias, a tag): the schema's complaints
        about them would only repeat the problem."""
        return self._unpacked()[2]

    def __reduce__(self) -> tuple[Any, ...]:
        packed = self._packed
        if packed is None or self._places is not None:
            packed = pickle.dumps(self._unpacked(), protocol=pickle.HIGHEST_PROTOCOL)
        return (_packed_marks, (self.path, packed))

    def at(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Line and column of ``loc``; falls back to the nearest enclosing value."""
        if key and loc in self.keys:
            return self.keys[loc]
        while loc not in self.values and loc:
            loc = loc[:-1]
        return self.values.get(loc, (1, 1))

    def problem(self, loc: Loc, message: str, *, key: bool = False) -> Problem:
        line, column = self.at(loc, key=key)
        return Problem(self.path, line, column, message)

    def already_reported(self, loc: Loc) -> bool:
        return any(loc[:n] in self.reported for n in range(len(loc) + 1))


def _packed_marks(path: str, packed: bytes) -> Marks:
    marks = Marks(path)
    marks._places, marks._packed = None, packed
    return marks


@dataclass
class Loaded:
    """A record with the file it came from and the positions of its values."""

    record: Record
    marks: Marks


@dataclass
class Partial:
    """The data of a file that has problems, kept so that its valid parts can still be
    checked against the rest of the knowledge base."""

    model: type[BaseModel]
    data: dict[str, Any]
    marks: Marks


@dataclass
class LoadResult:
    records: dict[str, dict[str, Loaded]] = field(default_factory=dict)
    glossary: Glossary | None = None
    glossary_marks: Marks | None = None
    vocabulary: Vocabulary | None = None
    vocabulary_marks: Marks | None = None
    # vocabulary.yaml is there, whether or not it loaded
    vocabulary_present: bool = False
    problems: list[Problem] = field(default_factory=list)
    # (kind, file stem) of records that exist but failed to load: references to them are
    # not reported again as unknown ids.
    broken: set[tuple[str, str]] = field(default_factory=set)
    # Kinds whose folder could not be read: references to any record of them are not checked.
    broken_kinds: set[str] = field(default_factory=set)
    partial: list[Partial] = field(default_factory=list)
    # (kind, id) of a record, or ("glossary", "") and ("vocabulary", ""), -> (the model, the
    # memo's key for its file), for the files loaded with a memo (see load_file; a record's
    # fingerprint: peacekb.knowledge.Knowledge.fingerprint)
    file_keys: dict[tuple[str, str], tuple[BaseModel, str]] = field(default_factory=dict)


def _display_path(path: Path) -> str:
    """``path`` relative to the working folder when it lies inside it, as given otherwise.

    Only the parent folder is resolved: the entry itself may be a link loop."""
    try:
        cwd = Path.cwd().resolve()
        candidates = [Path(os.path.abspath(path)), path.parent.resolve() / path.name]
    except (OSError, RuntimeError):
        return str(path)
    for candidate in candidates:
        try:
            return str(candidate.relative_to(cwd))
        except ValueError:
            continue
    return str(path)


def _line_column(text: str, index: int) -> tuple[int, int]:
    """Line and column of ``text[index]``, counting line breaks as YAML does."""
    lines = _BREAK.split(text[:index])
    return len(lines), len(lines[-1]) + 1


# ---------------------------------------------------------------------------------------------
# Files and folders
# ---------------------------------------------------------------------------------------------

_FILE_TYPES = [
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
]


class _Unreadable(Exception):
    pass


def _entry_type(path: Path, root: Path) -> tuple[str | None, str | None]:
    """``("folder" | "file", None)`` for an entry the data folder may hold, else
    ``(None, why not)``. Never follows a link, never opens the entry."""
    try:
        info = path.lstat()
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"
    mode = info.st_mode
    if path.name.startswith("."):
        noun = "folder" if stat.S_ISDIR(mode) else "file"
        return None, (
            f"hidden {noun} '{path.name}': the data folder holds no hidden entries; "
            "rename it or remove it"
        )
    if stat.S_ISLNK(mode):
        return None, _link_problem(path, root)
    if stat.S_ISDIR(mode):
        return "folder", None
    if stat.S_ISREG(mode):
        return "file", None
    what = next((name for test, name in _FILE_TYPES if test(mode)), "a special file")
    return None, f"not a regular file but {what}: records are plain files; remove it"


def _link_problem(path: Path, root: Path) -> str:
    try:
        written = os.readlink(path)
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        code = getattr(exc, "errno", None)
        if code == errno.ENOENT:
            return (
                "dangling symbolic link (its target does not exist): records are plain files; "
                "remove the link or put the file itself here"
            )
        if code == errno.ELOOP or isinstance(exc, RuntimeError):
            return "symbolic link loop: records are plain files; remove the link"
        return f"symbolic link that cannot be followed ({exc}): remove it"
    try:
        inside = target.is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        inside = False
    noun = "folder" if target.is_dir() else "file"
    where = "inside" if inside else "outside"
    return (
        f"symbolic link to a {noun} {where} the data folder ('{written}'): the data folder "
        f"holds no links; put the {noun} itself here"
    )


def _read_bytes(path: Path) -> bytes:
    """The content of ``path`` if it is a regular file; never blocks on a pipe or a device."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise _Unreadable(f"cannot read the file: {exc.strerror or exc}") from None
    try:
        # The entry was checked before opening, but it may have been swapped since.
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _Unreadable("not a regular file: records are plain files; remove it")
        with open(fd, "rb", closefd=False) as file:
            data = file.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise _Unreadable(
                f"larger than {MAX_BYTES:,} bytes: no record needs that; split the file"
            )
        return data
    except OSError as exc:
        raise _Unreadable(f"cannot read the file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------------------------
# YAML
# ---------------------------------------------------------------------------------------------


@dataclass
class Document:
    """What one YAML file holds: its value (``None`` when the file could not be read through)
    and the problems found reading it."""

    marks: Marks
    problems: list[Problem] = field(default_factory=list)
    value: dict[str, Any] | None = None


def read_yaml(path: Path, raw: bytes | None = None) -> Document:
    """Read one YAML file strictly: every problem found, and the value when there is one.
    ``raw``: the file's bytes, when the caller has read them already."""
    shown = _display_path(path)
    doc = Document(Marks(shown))
    if raw is None:
        try:
            raw = _read_bytes(path)
        except _Unreadable as exc:
            doc.problems.append(Problem(shown, 1, 1, str(exc)))
            return doc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8")
        line, column = _line_column(before, len(before))
        doc.problems.append(
            Problem(
                shown,
                line,
                column,
                f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded; save the file as UTF-8",
            )
        )
        return doc
    text = text.removeprefix("\ufeff")
    text = _replace_forbidden(text, doc)
    _compose(text, doc)
    return doc


def _replace_forbidden(text: str, doc: Document) -> str:
    """Report the characters no record may hold, and stand U+FFFD in for them so that the
    rest of the file can still be read (PyYAML would stop at the first)."""
    found = FORBIDDEN_IN_FILE.findall(text)
    if not found:
        return text
    for char in dict.fromkeys(found):
        line, column = _line_column(text, text.index(char))
        count = found.count(char)
        more = f" ({count} times in this file)" if count > 1 else ""
        doc.problems.append(
            Problem(
                doc.marks.path,
                line,
                column,
                f"{describe_character(char)} is not allowed in a record{more}: remove it",
            )
        )
    return FORBIDDEN_IN_FILE.sub("\ufffd", text)


class _Drop:
    """The key of a mapping entry that is reported and left out."""


_DROP = _Drop()


@dataclass
class _Frame:
    """A mapping or a list being read."""

    value: dict[str, Any] | list[Any]
    loc: Loc | None  # None: the value is thrown away (under a refused key)
    is_key: bool = False  # a list or mapping standing as a key: reported, thrown away
    key: str | _Drop | None = None  # in a mapping: the key whose value comes next
    key_lines: dict[str, int] = field(default_factory=dict)


def _compose(text: str, doc: Document, parser: Any = None) -> None:
    """Build ``doc.value`` from the event stream, reporting what a record may not hold.

    Working on events rather than PyYAML's node tree finds deep nesting before it is built
    (composing is recursive), and lets every other problem be reported while reading goes on.
    """
    parser = parser or _PARSER
    marks = doc.marks
    problems = doc.problems
    reported_before = len(problems)
    stack: list[_Frame] = []
    root: Any = None
    have_root = False
    documents = 0
    values = 0

    def report(event: yaml.Event, message: str) -> None:
        problems.append(Problem(marks.path, *_position(event), message))

    def awaiting_key() -> bool:
        return bool(stack) and isinstance(stack[-1].value, dict) and stack[-1].key is None

    def take_key(event: Any) -> None:
        top = stack[-1]
        line, column = _position(event)
        if isinstance(event, yaml.ScalarEvent) and event.tag is not None:
            report(event, f"YAML tag '{_short(event.tag)}' is not allowed: write the plain name")
            top.key = _DROP
        elif not isinstance(event, yaml.ScalarEvent) or _resolve(event) != _STR:
            report(event, "a key must be a plain name")
            top.key = _DROP
        elif event.value in top.key_lines:
            first = top.key_lines[event.value]
            report(event, f"duplicate key '{event.value}' (first on line {first})")
            top.key = _DROP
        else:
            top.key = event.value
            top.key_lines[event.value] = line
            if top.loc is not None:
                marks.keys[(*top.loc, event.value)] = (line, column)

    def next_loc() -> Loc | None:
        if not stack:
            return ()
        top = stack[-1]
        if top.loc is None:
            return None
        if isinstance(top.value, list):
            return (*top.loc, len(top.value))
        return (*top.loc, top.key) if isinstance(top.key, str) else None

    def add(value: Any) -> None:
        nonlocal root, have_root
        if not stack:
            root, have_root = value, True
            return
        top = stack[-1]
        if isinstance(top.value, list):
            top.value.append(value)
            return
        if isinstance(top.key, str):
            top.value[top.key] = value
        top.key = None

    try:
        for event in yaml.parse(text, Loader=parser):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    report(event, "more than one YAML document in the file: a file is one record")
                    break
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                frame = stack.pop()
                if not frame.is_key:
                    add(frame.value)
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue
            values += 1
            if values > MAX_VALUES:
                report(
                    event,
                    f"more than {MAX_VALUES:,} values in one file: no record needs that; "
                    "split the file",
                )
                return
            if event.anchor is not None and not isinstance(event, yaml.AliasEvent):
                report(event, f"anchor '&{event.anchor}': anchors are not allowed")
            as_key = awaiting_key()
            loc: Loc | None = None
            if as_key:
                take_key(event)
            else:
                loc = next_loc()
                if loc is not None:
                    marks.values[loc] = _position(event)
            if isinstance(event, yaml.AliasEvent):
                # Never resolved: a few aliases of aliases make a billion values ("billion
                # laughs"), and the schema check would walk every one of them.
                report(event, f"alias '*{event.anchor}': write the value out")
                if not as_key:
                    _reported(marks, loc)
                    add(None)
            elif isinstance(event, yaml.ScalarEvent):
                if not as_key:
                    add(_scalar(event, loc, report, marks))
            else:
                assert isinstance(event, yaml.CollectionStartEvent)
                if len(stack) >= MAX_DEPTH:
                    report(
                        event,
                        f"nested more than {MAX_DEPTH} levels deep: no record needs that; "
                        "flatten the structure",
                    )
                    return
                is_list = isinstance(event, yaml.SequenceStartEvent)
                if event.tag is not None:
                    noun = "list" if is_list else "mapping"
                    report(
                        event,
                        f"YAML tag '{_short(event.tag)}' is not allowed: write a plain {noun}",
                    )
                    _reported(marks, loc)
                empty: dict[str, Any] | list[Any] = [] if is_list else {}
                stack.append(_Frame(empty, loc, is_key=as_key))
    except yaml.MarkedYAMLError as exc:
        if parser is not yaml.SafeLoader and "nesting depth" in str(exc.problem):
            # Newer libyaml refuses a flow collection nested a thousand levels deep while it
            # looks ahead, before the events reach the depth check here. PyYAML's own parser
            # hands them over one at a time: read the file again with it, so that the message
            # is the same whichever parser this host has.
            del problems[reported_before:]
            _compose(text, doc, yaml.SafeLoader)
            return
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(filter(None, [exc.context, exc.problem]))
        problems.append(Problem(marks.path, line, column, f"invalid YAML: {message}"))
        return
    except yaml.YAMLError as exc:
        # Only the reader raises without a mark, and the characters it refuses were replaced.
        line, column = _line_column(text, getattr(exc, "position", 0))
        problems.append(Problem(marks.path, line, column, f"invalid YAML: {exc}"))
        return

    if not have_root:
        problems.append(Problem(marks.path, 1, 1, "empty file: a record needs at least an 'id'"))
    elif not isinstance(root, dict):
        line, column = marks.values.get((), (1, 1))
        problems.append(Problem(marks.path, line, column, "a record must be a mapping of fields"))
    else:
        doc.value = root


def _position(event: yaml.Event) -> tuple[int, int]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _reported(marks: Marks, loc: Loc | None) -> None:
    if loc is not None:
        marks.reported.add(loc)


def _short(tag: str) -> str:
    """A tag as it is written: '!!set' for 'tag:yaml.org,2002:set'."""
    return "!!" + tag.removeprefix(_YAML_TAG) if tag.startswith(_YAML_TAG) else tag


def _resolve(event: yaml.ScalarEvent) -> str:
    tag: str = _RESOLVER.resolve(  # type: ignore[no-untyped-call]
        ScalarNode, event.value, event.implicit
    )
    return tag


def _scalar(event: yaml.ScalarEvent, loc: Loc | None, report: Any, marks: Marks) -> Any:
    value = event.value
    if event.tag is not None:
        report(event, f"YAML tag '{_short(event.tag)}' is not allowed: write the plain value")
        _reported(marks, loc)
        return value
    tag = _resolve(event)
    if tag == _STR:
        return value
    if tag == _TIMESTAMP:
        report(
            event,
            f"unquoted date {value}: YAML reads it as a date and loses its precision; "
            f'quote it: "{value}"',
        )
        return value
    try:
        if tag == _INT:
            return _read_int(value)
        node = ScalarNode(tag, value, style=event.style)
        return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, node)
    except _TooLarge as exc:
        report(
            event,
            f"number too {exc.size}: {shorten(value)}: write a number {exc.bound}, "
            "or quote it if it is text",
        )
    except (ValueError, KeyError, TypeError, OverflowError):
        report(event, f"cannot read {shorten(value)} as a number: quote it if it is text")
    _reported(marks, loc)
    return value


class _TooLarge(Exception):
    def __init__(self, negative: bool) -> None:
        super().__init__()
        self.size = "small" if negative else "large"
        self.bound = f"above {-(MAX_INT + 1):,}" if negative else f"below {MAX_INT + 1:,}"


def _read_int(text: str) -> int:
    """A YAML 1.1 integer as PyYAML reads it (decimal, 0b binary, 0 octal, 0x hexadecimal,
    base 60 with colons; underscores ignored), refused beyond :data:`MAX_INT` before it is
    built: PyYAML would build any size, and its base-60 reading takes quadratic time."""
    digits = text.replace("_", "")
    negative = digits.startswith("-")
    if digits[:1] in ("+", "-"):
        digits = digits[1:]
    if digits.startswith("0b"):
        number = _bounded(digits[2:], 2, negative)
    elif digits.startswith("0x"):
        number = _bounded(digits[2:], 16, negative)
    elif ":" in digits:
        number = 0
        for part in digits.split(":"):
            number = number * 60 + _bounded(part, 10, negative)
            if number > MAX_INT:
                raise _TooLarge(negative)
    elif digits.startswith("0"):
        number = _bounded(digits, 8, negative)
    else:
        number = _bounded(digits, 10, negative)
    return -number if negative else number


def _bounded(digits: str, base: int, negative: bool) -> int:
    if not digits:
        raise ValueError("no digits")
    significant = digits.lstrip("0")
    # 64 digits exceed MAX_INT in every base, so int() never reads a long string.
    if len(significant) > 64:
        raise _TooLarge(negative)
    number = int(significant or "0", base)
    if number > MAX_INT:
        raise _TooLarge(negative)
    return number


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------


def _pydantic_problems(exc: ValidationError, marks: Marks) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc: Loc = tuple(error["loc"])
        kind = error["type"]
        # An unknown field is a fault of its key, not of the value already reported.
        if kind != "extra_forbidden" and marks.already_reported(loc):
            continue
        dotted = ".".join(str(part) for part in loc) or "record"
        if kind == "extra_forbidden":
            problems.append(marks.problem(loc, f"unknown field '{loc[-1]}'", key=True))
        elif kind == "missing":
            parent = ".".join(str(part) for part in loc[:-1])
            where = f" in {parent}" if parent else ""
            problems.append(marks.problem(loc[:-1], f"missing required field '{loc[-1]}'{where}"))
        elif kind == "string_pattern_mismatch" and error["ctx"]["pattern"] in PATTERN_HELP:
            advice = PATTERN_HELP[error["ctx"]["pattern"]]
            shown = shorten(error["input"], 60)
            problems.append(marks.problem(loc, f"{dotted}: {shown!r} {advice}"))
        else:
            message = error["msg"].removeprefix("Value error, ")
            problems.append(marks.problem(loc, f"{dotted}: {message}"))
    return problems


# What a file without problems loaded to, by a digest of its kind, path and bytes: kept from
# one build to the next (see peacekb.sphinxext.cache), so that an edit re-reads one file.
FileMemo = MutableMapping[str, tuple[BaseModel, "Marks"]]
# The SHA-256 (hex) of a file's bytes when known without reading them; None otherwise.
Known = Callable[[Path], str | None]


def _memo_key(path: Path, model: type[BaseModel], content: str) -> str:
    """The memo's key for ``path`` loaded into ``model``, ``content`` being the SHA-256 (hex)
    of the file's bytes."""
    digest = hashlib.sha256(f"{model.__module__}.{model.__qualname__}\0{path}\0".encode())
    digest.update(content.encode())
    return "file:" + digest.hexdigest()


def load_file(
    path: Path,
    model: type[BaseModel],
    result: LoadResult,
    memo: FileMemo | None = None,
    known: Known | None = None,
) -> tuple[BaseModel, Marks, str | None] | None:
    """Load one file into ``model``, when the file has no problem at all: the model, the
    positions of its values, and the memo's key for the file (None without a memo: a digest of
    the model, the path and the bytes they were made from). Problems go to ``result``, and so
    does the data of a file that could be read but has problems.

    With ``memo``, a file whose bytes are those of an earlier load without problems is not
    parsed again: it loads to what it loaded to then (every check of the file alone passed).
    ``known`` gives the digest of a file's bytes when it is known already: such a file, found
    in the memo, is not even read."""
    raw, key = None, None
    if memo is not None:
        content = known(path) if known is not None else None
        if content is not None:
            key = _memo_key(path, model, content)
            if key in memo:
                return (*memo[key], key)
        try:
            raw = _read_bytes(path)
        except _Unreadable:
            raw = None  # read_yaml reports it
        if raw is not None:
            key = _memo_key(path, model, hashlib.sha256(raw).hexdigest())
            if key in memo:
                return (*memo[key], key)
    doc = read_yaml(path, raw)
    problems = list(doc.problems)
    if doc.value is None:
        result.problems.extend(problems)
        return None
    obj: BaseModel | None = None
    id_refused = False
    try:
        obj = model.model_validate(doc.value)
    except ValidationError as exc:
        problems += _pydantic_problems(exc, doc.marks)
        id_refused = any(error["loc"] == ("id",) for error in exc.errors())
    record_id = doc.value.get("id")
    if (
        issubclass(model, Record)
        and isinstance(record_id, str)
        and record_id != path.stem
        and not id_refused
        and not doc.marks.already_reported(("id",))
    ):
        problems.append(
            doc.marks.problem(("id",), f"id '{record_id}' must equal the file name '{path.stem}'")
        )
    result.problems.extend(problems)
    if obj is None or problems:
        result.partial.append(Partial(model, doc.value, doc.marks))
        return None
    if memo is not None and key is not None:
        memo[key] = (obj, doc.marks)
    return obj, doc.marks, key


# The files of the data folder that are not records, and what each holds.
SINGLE_FILES = {"glossary.yaml": "glossary", "vocabulary.yaml": "vocabulary"}


def load_folder(root: Path, memo: FileMemo | None = None, known: Known | None = None) -> LoadResult:
    """Read every record under ``root``: ``<kind folder>/<id>.yaml``, ``glossary.yaml`` and
    ``vocabulary.yaml`` (see :func:`load_file` for ``memo`` and ``known``)."""
    result = LoadResult(records={kind.kind: {} for kind in FOLDERS.values()})
    if not root.is_dir():
        message = "not a folder" if root.exists() else "data folder not found"
        result.problems.append(Problem(str(root), 1, 1, message))
        return result
    for entry in _entries(root, result):
        entry_type, why_not = _entry_type(entry, root)
        if why_not is not None:
            result.problems.append(Problem(_display_path(entry), 1, 1, why_not))
            if entry.name in FOLDERS:
                result.broken_kinds.add(FOLDERS[entry.name].kind)
        elif entry_type == "folder" and entry.name in FOLDERS:
            _load_kind(entry, root, FOLDERS[entry.name], result, memo, known)
        elif entry_type == "folder" and entry.name in SINGLE_FILES:
            result.problems.append(
                Problem(
                    _display_path(entry),
                    1,
                    1,
                    f"a folder: the {SINGLE_FILES[entry.name]} is one file",
                )
            )
        elif entry_type == "folder":
            result.problems.append(
                Problem(
                    _display_path(entry),
                    1,
                    1,
                    f"unknown record folder '{entry.name}' (expected one of: "
                    f"{', '.join(sorted(FOLDERS))})",
                )
            )
        elif entry.name == "glossary.yaml":
            loaded = load_file(entry, Glossary, result, memo, known)
            if loaded is not None:
                glossary, result.glossary_marks, key = loaded
                assert isinstance(glossary, Glossary)
                result.glossary = glossary
                if key is not None:
                    result.file_keys[("glossary", "")] = (glossary, key)
        elif entry.name == "vocabulary.yaml":
            result.vocabulary_present = True
            loaded = load_file(entry, Vocabulary, result, memo, known)
            if loaded is not None:
                vocabulary, result.vocabulary_marks, key = loaded
                assert isinstance(vocabulary, Vocabulary)
                result.vocabulary = vocabulary
                if key is not None:
                    result.file_keys[("vocabulary", "")] = (vocabulary, key)
        else:
            result.problems.append(
                Problem(_display_path(entry), 1, 1, "unexpected file: records live in kind folders")
            )
    return result


def _entries(folder: Path, result: LoadResult) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError as exc:
        result.problems.append(
            Problem(_display_path(folder), 1, 1, f"cannot list the folder: {exc.strerror or exc}")
        )
        return []


def _load_kind(
    folder: Path,
    root: Path,
    model: type[Record],
    result: LoadResult,
    memo: FileMemo | None,
    known: Known | None = None,
) -> None:
    for path in _entries(folder, result):
        entry_type, why_not = _entry_type(path, root)
        if entry_type == "folder":
            why_not = "a folder inside a kind folder: records are '.yaml' files; remove it"
        elif why_not is None and path.suffix != ".yaml":
            why_not = "unexpected file: a record is an '.yaml' file"
        if why_not is not None:
            result.problems.append(Problem(_display_path(path), 1, 1, why_not))
            if path.suffix == ".yaml":
                result.broken.add((model.kind, path.stem))
            continue
        loaded = load_file(path, model, result, memo, known)
        if loaded is None:
            result.broken.add((model.kind, path.stem))
            continue
        record, marks, key = loaded
        assert isinstance(record, Record)
        result.records[model.kind][record.id] = Loaded(record, marks)
        if key is not None:
            result.file_keys[(model.kind, record.id)] = (record, key)


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(set(problems))
