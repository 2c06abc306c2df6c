"""A synthetic knowledge base for benchmarks: the real records cloned with consistent ids.

The k-th copy of each record has ``-k<k>`` after its id and after every id it refers to, and
`` <k>`` after its display name; the words its citations quote stay as they are, so every
quote is still found and the data validates. Used by ``bench_build.py`` and
``bench_search.py``; not a test.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from peacekb.knowledge import load
from peacekb.models import Event, Mission, Person, Record, Source, iter_refs

REPO = Path(__file__).resolve().parent.parent
# The fields that name a record on its page, by kind: a copy's get " <k>" after them.
DISPLAY_FIELDS: dict[type[Record], tuple[str, ...]] = {
    Person: ("name", "sort_name"),
    Mission: ("acronym", "name_en"),
    Event: ("title",),
    Source: ("title_en",),
}


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # the loader refuses YAML anchors and aliases


def _set(data: Any, loc: tuple[str | int, ...], value: str) -> None:
    for part in loc[:-1]:
        data = data[part]
    data[loc[-1]] = value


def copy_of(record: Record, k: int) -> dict[str, Any]:
    """The k-th copy of ``record``, as YAML data: new ids, the same words."""
    data: dict[str, Any] = record.model_dump(mode="json", exclude_defaults=True)
    for loc, rid, _ in iter_refs(record):
        _set(data, loc, f"{rid}-k{k}")
    data["id"] = f"{record.id}-k{k}"
    for name in DISPLAY_FIELDS.get(type(record), ("name",)):
        if isinstance(data.get(name), str):
            data[name] = f"{data[name]} {k}"
    # Other spellings must stay unique to their record.
    if isinstance(data.get("aliases"), list):
        data["aliases"] = [f"{alias} {k}" for alias in data["aliases"]]
    return data


def write_copies(target: Path, copies: int, source: Path = REPO / "data") -> int:
    """Copy ``source`` to ``target`` with ``copies`` of every record in all (the originals
    and ``copies - 1`` clones); return how many records it holds."""
    shutil.copytree(source, target)
    kb, problems = load(target)
    if problems:
        raise SystemExit("\n".join(map(str, problems)))
    originals: list[Record] = [r for kind in kb.records for r in kb.all(kind)]
    for k in range(2, copies + 1):
        for record in originals:
            path = target / type(record).plural / f"{record.id}-k{k}.yaml"
            text = yaml.dump(
                copy_of(record, k), Dumper=_Dumper, allow_unicode=True, sort_keys=False
            )
            path.write_text(text, encoding="utf-8")
    return len(originals) * copies
