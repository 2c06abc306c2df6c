"""Strict YAML reading with line numbers.

:func:`load_folder` turns a data folder into models plus a list of :class:`Problem`, each
located at ``file:line:column``. It never raises for bad input. PyYAML's safe loader reads the
text; this module refuses what the safe loader would quietly accept but a record must not hold:
duplicate keys, anchors and aliases, unquoted dates (which lose their precision), tags, several
documents in one file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .models import FOLDERS, Glossary, Loc, Record

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}


@dataclass(frozen=True, order=True)
class Problem:
    """One error in the data, located in its file."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class Marks:
    """Where each value (and each mapping key) of one YAML document stands in its file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.values: dict[Loc, tuple[int, int]] = {}
        self.keys: dict[Loc, tuple[int, int]] = {}

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


@dataclass
class Loaded:
    """A record with the file it came from and the positions of its values."""

    record: Record
    marks: Marks


@dataclass
class LoadResult:
    records: dict[str, dict[str, Loaded]] = field(default_factory=dict)
    glossary: Glossary | None = None
    glossary_marks: Marks | None = None
    problems: list[Problem] = field(default_factory=list)
    # (kind, file stem) of records that exist but failed to load: references to them are
    # not reported again as unknown ids.
    broken: set[tuple[str, str]] = field(default_factory=set)


class _Rejected(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.problems = problems


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_yaml(path: Path) -> tuple[Any, Marks]:
    """Read one YAML file strictly; raise :class:`_Rejected` with every problem found."""
    shown = _display_path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise _Rejected(
            [
                Problem(
                    shown, line, column, f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded"
                )
            ]
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]

    problems: list[Problem] = []
    try:
        events = list(yaml.parse(text, Loader=yaml.SafeLoader))
        for event in events:
            anchor = getattr(event, "anchor", None)
            if not anchor or event.start_mark is None:
                continue
            line, column = event.start_mark.line + 1, event.start_mark.column + 1
            if isinstance(event, yaml.AliasEvent):
                message = f"alias '*{anchor}': write the value out"
            else:
                message = f"anchor '&{anchor}': anchors are not allowed"
            problems.append(Problem(shown, line, column, message))
        if problems:
            raise _Rejected(problems)
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(filter(None, [exc.context, exc.problem]))
        raise _Rejected([Problem(shown, line, column, f"invalid YAML: {message}")]) from None
    except yaml.YAMLError as exc:
        raise _Rejected([Problem(shown, 1, 1, f"invalid YAML: {exc}")]) from None

    nodes = [n for n in nodes if n is not None]
    if not nodes:
        raise _Rejected([Problem(shown, 1, 1, "empty file: a record needs at least an 'id'")])
    if len(nodes) > 1:
        line, column = _mark(nodes[1])
        raise _Rejected([Problem(shown, line, column, "more than one YAML document in the file")])

    marks = Marks(shown)
    constructor = yaml.SafeLoader("")
    value = _to_python(nodes[0], (), marks, constructor, problems)
    if problems:
        raise _Rejected(problems)
    if not isinstance(value, dict):
        line, column = _mark(nodes[0])
        raise _Rejected([Problem(shown, line, column, "a record must be a mapping of fields")])
    return value, marks


def _to_python(
    node: Node, loc: Loc, marks: Marks, constructor: yaml.SafeLoader, problems: list[Problem]
) -> Any:
    marks.values[loc] = _mark(node)
    if isinstance(node, MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line, column = _mark(key_node)
            if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                problems.append(Problem(marks.path, line, column, "a key must be a plain name"))
                continue
            key = key_node.value
            if key in result:
                first = marks.keys[(*loc, key)][0]
                problems.append(
                    Problem(
                        marks.path, line, column, f"duplicate key '{key}' (first on line {first})"
                    )
                )
                continue
            marks.keys[(*loc, key)] = (line, column)
            result[key] = _to_python(value_node, (*loc, key), marks, constructor, problems)
        return result
    if isinstance(node, SequenceNode):
        return [
            _to_python(item, (*loc, i), marks, constructor, problems)
            for i, item in enumerate(node.value)
        ]
    assert isinstance(node, ScalarNode)
    line, column = _mark(node)
    if node.tag == "tag:yaml.org,2002:timestamp":
        problems.append(
            Problem(
                marks.path,
                line,
                column,
                f"unquoted date {node.value}: YAML reads it as a date and loses its precision; "
                f'quote it: "{node.value}"',
            )
        )
        return node.value
    if node.tag not in _PLAIN_TAGS:
        problems.append(Problem(marks.path, line, column, f"unsupported YAML tag {node.tag}"))
        return node.value
    return constructor.construct_object(node)


def _pydantic_problems(exc: ValidationError, marks: Marks) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc: Loc = tuple(error["loc"])
        dotted = ".".join(str(part) for part in loc) or "record"
        kind = error["type"]
        if kind == "extra_forbidden":
            problems.append(marks.problem(loc, f"unknown field '{loc[-1]}'", key=True))
        elif kind == "missing":
            parent = ".".join(str(part) for part in loc[:-1])
            where = f" in {parent}" if parent else ""
            problems.append(marks.problem(loc[:-1], f"missing required field '{loc[-1]}'{where}"))
        else:
            message = error["msg"].removeprefix("Value error, ")
            problems.append(marks.problem(loc, f"{dotted}: {message}"))
    return problems


def load_file(path: Path, model: type[BaseModel]) -> tuple[BaseModel, Marks]:
    """Load one file into ``model``; raise :class:`_Rejected` with located problems."""
    data, marks = read_yaml(path)
    try:
        obj = model.model_validate(data)
    except ValidationError as exc:
        raise _Rejected(_pydantic_problems(exc, marks)) from None
    return obj, marks


def load_folder(root: Path) -> LoadResult:
    """Read every record under ``root``: ``<kind folder>/<id>.yaml`` and ``glossary.yaml``."""
    result = LoadResult(records={kind.kind: {} for kind in FOLDERS.values()})
    if not root.is_dir():
        result.problems.append(Problem(str(root), 1, 1, "data folder not found"))
        return result
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            if entry.name not in FOLDERS:
                result.problems.append(
                    Problem(
                        _display_path(entry),
                        1,
                        1,
                        f"unknown record folder '{entry.name}' (expected one of: "
                        f"{', '.join(sorted(FOLDERS))})",
                    )
                )
                continue
            _load_kind(entry, FOLDERS[entry.name], result)
        elif entry.name == "glossary.yaml":
            try:
                glossary, marks = load_file(entry, Glossary)
            except _Rejected as exc:
                result.problems.extend(exc.problems)
            else:
                assert isinstance(glossary, Glossary)
                result.glossary, result.glossary_marks = glossary, marks
        elif entry.suffix in {".yaml", ".yml"} or entry.is_file():
            result.problems.append(
                Problem(_display_path(entry), 1, 1, "unexpected file: records live in kind folders")
            )
    return result


def _load_kind(folder: Path, model: type[Record], result: LoadResult) -> None:
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.suffix != ".yaml":
            result.problems.append(
                Problem(_display_path(path), 1, 1, "unexpected file: a record is an '.yaml' file")
            )
            continue
        try:
            record, marks = load_file(path, model)
        except _Rejected as exc:
            result.problems.extend(exc.problems)
            result.broken.add((model.kind, path.stem))
            continue
        assert isinstance(record, Record)
        if record.id != path.stem:
            result.problems.append(
                marks.problem(("id",), f"id '{record.id}' must equal the file name '{path.stem}'")
            )
            result.broken.add((model.kind, path.stem))
            continue
        result.records[model.kind][record.id] = Loaded(record, marks)


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(set(problems))
