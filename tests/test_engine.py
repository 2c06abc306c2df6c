"""One engine, any subject: the extension sets itself up, and a site replaces any packaged
template from its own ``templates_path``."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Callable
from importlib import resources
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from pydantic import Field

from conftest import ROOTS, edit
from peacekb.knowledge import load
from peacekb.models import FOLDERS, RECORD_KINDS, Citation, Id, Line, Record, opt_ref
from peacekb.urls import index_doc, record_doc


def _build(make_app: Callable[..., Any], src: Path, **overrides: Any) -> Path:
    warning = StringIO()
    app = make_app("html", srcdir=src, status=StringIO(), warning=warning, confoverrides=overrides)
    app.build()
    app.cleanup()
    assert warning.getvalue() == ""
    return Path(app.outdir)


def test_a_conf_with_only_the_extension_builds(
    make_app: Callable[..., Any], tmp_path: Path
) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-basic", src)
    with (src / "data" / "sources" / "article-one.yaml").open("a", encoding="utf-8") as f:
        f.write("""- 'The "Test" Mission -- it''s new -- was authorised'\n""")
    (src / "conf.py").write_text(
        'extensions = ["peacekb.sphinxext"]\npeacekb_data_dir = "data"\n'
        'exclude_patterns = ["data"]\nsmartquotes = True\n',
        encoding="utf-8",
    )
    out = _build(make_app, src)
    page = BeautifulSoup((out / "sources" / "article-one.html").read_bytes(), "html5lib")
    text = page.get_text()
    # MyST's fences and attributes were understood (no directive text left on the page) and
    # the quotes kept their straight characters although the site asked for smart ones.
    assert ":::" not in text and "{kb:" not in text
    assert 'The "Test" Mission -- it\'s new -- was authorised' in text


def test_a_site_template_replaces_the_packaged_one(
    make_app: Callable[..., Any], tmp_path: Path
) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-basic", src)
    packaged = resources.files("peacekb") / "templates" / "person.md.jinja"
    (src / "_templates").mkdir()
    (src / "_templates" / "person.md.jinja").write_text(
        packaged.read_text("utf-8") + "\nThis site's own person template.\n", encoding="utf-8"
    )
    out = _build(make_app, src, templates_path=["_templates"])
    person = (out / "people" / "jane-roe.html").read_text("utf-8")
    assert "This site&#39;s own person template." in person or "own person template" in person
    place = (out / "places" / "freedonia.html").read_text("utf-8")
    assert "own person template" not in place


def test_every_kind_has_its_pages_exports_and_structured_data(
    make_app: Callable[..., Any], tmp_path: Path
) -> None:
    """The kinds live in one registry: each has its templates, its page and index, a place in
    every download, and the structured data its model names."""
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-basic", src)
    out = _build(make_app, src)
    kb, problems = load(src / "data")
    assert problems == []
    downloads = out / "downloads"
    data = json.loads((downloads / "peacekb.json").read_text("utf-8"))
    db = sqlite3.connect(downloads / "peacekb.sqlite")
    try:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    finally:
        db.close()
    templates = resources.files("peacekb") / "templates"
    for kind, cls in RECORD_KINDS.items():
        assert (templates / f"{kind}.md.jinja").is_file(), kind
        assert (templates / f"{kind}-index.md.jinja").is_file(), kind
        assert (out / f"{index_doc(kind)}.html").is_file(), kind
        records = kb.all(kind)
        assert records, f"the test root has no {kind}"
        assert {r["id"] for r in data["records"][cls.plural]} == {r.id for r in records}
        assert (downloads / "csv" / f"{cls.plural}.csv").is_file()
        assert (downloads / "schema" / f"{kind}.schema.json").is_file()
        assert cls.plural in tables
        for record in records:
            page = BeautifulSoup(
                (out / f"{record_doc(kind, record.id)}.html").read_bytes(), "html5lib"
            )
            ld = json.loads(page.select_one('script[type="application/ld+json"]').string)
            assert ld["@type"] == record.schema_type_of(kb.vocabulary) != "Thing", record.id


# -- a new kind is a model and its templates -----------------------------------------------------


class Vehicle(Record):
    """A kind the engine does not ship: registered by the test, like a site's own."""

    title_plural = "Vehicles"
    kind = "vehicle"
    plural = "vehicles"
    label = "Vehicle"
    schema_type = "Vehicle"

    name: Line
    operator: Id | None = opt_ref("organization")
    cite: list[Citation] = Field(default_factory=list)

    @property
    def display_name(self) -> str:
        return self.name


VEHICLE_PAGE = """\
{% import "_macros.md.jinja" as m with context %}
{{ m.record_header("vehicle", record, record.name, record.name) }}
Operated by {{ role("organization", record.operator) if record.operator else "no one known" }}.
{{ m.statements(record) }}
{{ m.footer(record) }}

{{ site.structured_data(record) }}
"""
VEHICLE_INDEX = """\
{{ site.front_matter('Vehicles named in the sources.') }}

# Vehicles

{% for r in records %}
- {{ role("vehicle", r.id) }}
{% endfor %}
"""
VEHICLE = """\
id: test-truck
name: Test Truck
operator: test-council
statements:
- text: The Test Truck carried the mission's mail.
  inferred: Stated for the test.
"""


def test_a_new_kind_needs_a_model_and_its_templates(
    make_app: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(RECORD_KINDS, "vehicle", Vehicle)
    monkeypatch.setitem(FOLDERS, "vehicles", Vehicle)
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-basic", src)
    (src / "data" / "vehicles").mkdir()
    (src / "data" / "vehicles" / "test-truck.yaml").write_text(VEHICLE, encoding="utf-8")
    (src / "_templates").mkdir()
    (src / "_templates" / "vehicle.md.jinja").write_text(VEHICLE_PAGE, encoding="utf-8")
    (src / "_templates" / "vehicle-index.md.jinja").write_text(VEHICLE_INDEX, encoding="utf-8")
    # the site's own table of contents lists the new kind's index
    edit(src / "index.md", "people/index\n", "people/index\nvehicles/index\n")
    out = _build(make_app, src, templates_path=["_templates"])
    page = BeautifulSoup((out / "vehicles" / "test-truck.html").read_bytes(), "html5lib")
    assert "The Test Truck carried the mission's mail." in page.get_text()
    assert page.select_one('a[href="../organizations/test-council.html"]') is not None
    ld = json.loads(page.select_one('script[type="application/ld+json"]').string)
    assert ld["@type"] == "Vehicle" and ld["name"] == "Test Truck"
    index = BeautifulSoup((out / "vehicles" / "index.html").read_bytes(), "html5lib")
    assert index.select_one('a[href="test-truck.html"]') is not None
    # the organisation it names links back to it, and every download holds it
    council = (out / "organizations" / "test-council.html").read_text("utf-8")
    assert "../vehicles/test-truck.html" in council
    data = json.loads((out / "downloads" / "peacekb.json").read_text("utf-8"))
    assert [r["id"] for r in data["records"]["vehicles"]] == ["test-truck"]
    assert (out / "downloads" / "csv" / "vehicles.csv").is_file()
    assert (out / "downloads" / "schema" / "vehicle.schema.json").is_file()
    db = sqlite3.connect(out / "downloads" / "peacekb.sqlite")
    try:
        assert db.execute('SELECT operator FROM "vehicles"').fetchall() == [("test-council",)]
    finally:
        db.close()


# -- the engine knows nothing of the subject -------------------------------------------------

ENGINE = Path(__file__).resolve().parent.parent / "src" / "peacekb"
ENGINE_FILES = (".py", ".jinja", ".html", ".js", ".css")


def _subject_words() -> set[str]:
    """The subject's proper names: every name, acronym and vocabulary label the real records
    hold, and each capitalised word of them that is not an English word every engine uses."""
    kb, problems = load(Path(__file__).resolve().parent.parent / "data")
    assert problems == []
    names: set[str] = set()
    for kind in RECORD_KINDS:
        for record in kb.all(kind):
            names.update(record.all_names if hasattr(record, "all_names") else ())
            names.add(record.display_name)
    assert kb.vocabulary is not None
    names.update(t.label for t in kb.vocabulary.operation_types)
    words = {w for name in names for w in re.findall(r"[A-Z][\w'-]+", name)}
    common = {
        *("The", "New", "First", "Operation", "Operations", "Force", "Forces", "Mission"),
        *("Council", "Group", "Organization", "Organisation", "Organisations"),
    }
    return {n for n in names if len(n) > 3} | {w for w in words - common if len(w) > 1}


def test_the_engine_names_nothing_of_the_subject() -> None:
    words = _subject_words()
    assert {"CSTO", "MINUSCA", "Kazakhstan"} <= words  # the real records name them
    pattern = re.compile(
        r"(?<![\w-])("
        + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        + r")(?![\w])"
    )
    found = []
    for path in sorted(ENGINE.rglob("*")):
        if path.suffix not in ENGINE_FILES or "geodata" in path.parts:
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            for match in pattern.finditer(line):
                found.append(f"{path.relative_to(ENGINE)}:{number}: {match.group(0)}")
    assert found == []
