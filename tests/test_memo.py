"""What a build keeps for the next one when the data changed: each unchanged file's load, the
map's label placement. The results must be those of a build without it."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import multiprocessing
import os
import pickle
import queue
import re
import subprocess
import sys
from collections.abc import Callable
from functools import partial
from io import StringIO
from pathlib import Path
from typing import Any, get_args

import jinja2
import pytest
from pydantic import BaseModel

from conftest import edit
from peacekb import charts, export, iso, loader, pages
from peacekb.charts import DeploymentMap
from peacekb.export import Provenance
from peacekb.knowledge import Knowledge, load
from peacekb.models import RECORD_KINDS, Person
from peacekb.pages import render_site, write_pages
from peacekb.sphinxext import COMPILED_TEMPLATES, COMPILED_THEME, cache
from peacekb.sphinxext.cache import (
    CACHE_NAME,
    MEMO_NAME,
    STAMPS_NAME,
    Generated,
    Memo,
    Stamps,
    keep_compiled_templates,
    store,
)


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every YAML file the loader parses."""
    read: list[Path] = []
    real = loader.read_yaml

    def counting(path: Path, raw: bytes | None = None) -> loader.Document:
        read.append(path)
        return real(path, raw)

    monkeypatch.setattr(loader, "read_yaml", counting)
    return read


def _dump(kb: Knowledge) -> dict[tuple[str, str], Any]:
    return {(kind, r.id): r.model_dump(mode="json") for kind in kb.records for r in kb.all(kind)}


def test_an_unchanged_file_is_not_parsed_again(
    mini_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = sorted(mini_data.rglob("*.yaml"))
    read = _count_reads(monkeypatch)
    memo = Memo()
    first, problems = load(mini_data, memo)
    assert problems == []
    assert sorted(read) == files

    read.clear()
    again = Memo(dict(memo.kept))
    second, problems = load(mini_data, again)
    assert problems == [] and read == []
    assert _dump(second) == _dump(first)

    person = mini_data / "people" / "jane-roe.yaml"
    person.write_text(person.read_text("utf-8") + "notes: Edited.\n", "utf-8")
    read.clear()
    third, problems = load(mini_data, Memo(dict(again.kept)))
    assert problems == [] and read == [person]
    edited = third.get("person", "jane-roe")
    assert edited is not None and edited.notes == "Edited."
    # Without a memo, the same.
    assert _dump(third) == _dump(load(mini_data)[0])


def _count_byte_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every file whose bytes are read, by the stamps or by the loader."""
    read: list[Path] = []
    real_read_bytes, real_loader = Path.read_bytes, loader._read_bytes

    def read_bytes(self: Path) -> bytes:
        read.append(self)
        return real_read_bytes(self)

    def loader_read(path: Path) -> bytes:
        read.append(path)
        return real_loader(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(loader, "_read_bytes", loader_read)
    return read


def _same_size_edit(path: Path, old: str, new: str) -> None:
    """Change ``path``'s text, keeping its size and its modification time (as a copy that
    keeps times would): only its change time tells."""
    assert len(old.encode()) == len(new.encode())
    before = path.stat()
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_a_file_with_the_stamp_it_had_is_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = tmp_path / "stamps.pickle"
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("id: a\n", "utf-8")
    b.write_text("id: b\n", "utf-8")
    first = Stamps(racy_ns=0)
    digests = {p: first.digest(p) for p in (a, b)}
    assert digests == {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b)}
    assert first.digest(tmp_path / "missing.yaml") is None
    first.write(kept)

    read = _count_byte_reads(monkeypatch)
    second = Stamps.read(kept, racy_ns=0)
    assert {p: second.digest(p) for p in (a, b)} == digests and read == []

    _same_size_edit(b, "id: b", "id: c")
    third = Stamps.read(kept, racy_ns=0)
    assert third.digest(a) == digests[a]
    assert third.digest(b) == hashlib.sha256(b"id: c\n").hexdigest()
    assert read == [b]
    assert third.known(b) == third.digest(b) and third.known(tmp_path / "other") is None


def test_a_stamp_taken_just_after_a_change_is_not_kept(tmp_path: Path) -> None:
    """A file changed shortly before a build began may change again within the same tick of
    the file system's clock, its stamp the same: it is read again by the next build."""
    kept = tmp_path / "stamps.pickle"
    a = tmp_path / "a.yaml"
    a.write_text("id: a\n", "utf-8")
    stamps = Stamps()
    assert stamps.digest(a) is not None
    stamps.write(kept)
    assert not kept.exists()  # nothing to keep
    settled = Stamps(racy_ns=0)
    settled.digest(a)
    settled.write(kept)
    assert set(pickle.loads(kept.read_bytes())) == {str(a)}


def test_a_file_whose_digest_is_known_is_loaded_from_the_memo_unread(
    mini_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memo = Memo()
    first, problems = load(mini_data, memo)
    assert problems == []
    stamps = Stamps(racy_ns=0)
    files = sorted(mini_data.rglob("*.yaml"))
    for path in files:
        stamps.digest(path)

    read = _count_byte_reads(monkeypatch)
    second, problems = load(mini_data, Memo(dict(memo.kept)), stamps.known)
    assert problems == [] and read == []
    assert _dump(second) == _dump(first)
    # A file whose digest is not known, or known but not in the memo, is read.
    person = mini_data / "people" / "jane-roe.yaml"
    person.write_text(person.read_text("utf-8") + "notes: Edited.\n", "utf-8")
    third, problems = load(mini_data, Memo(dict(memo.kept)), lambda p: None)
    assert problems == [] and sorted(read) == files
    edited = third.get("person", "jane-roe")
    assert edited is not None and edited.notes == "Edited."


def test_a_memo_never_hides_a_problem(mini_data: Path) -> None:
    memo = Memo()
    assert load(mini_data, memo)[1] == []
    person = mini_data / "people" / "jane-roe.yaml"
    text = person.read_text("utf-8")
    person.write_text(text.replace("name: Jane Roe\n", "name: Jane Roe\nheight: 3\n", 1), "utf-8")
    _, problems = load(mini_data, Memo(dict(memo.kept)))
    assert [(Path(p.path).name, p.line) for p in problems] == [("jane-roe.yaml", 3)]
    assert "height" in problems[0].message
    # Back as it was: the memo of the first load is still good.
    person.write_text(text, "utf-8")
    assert load(mini_data, Memo(dict(memo.kept)))[1] == []


def test_a_memo_keeps_only_what_a_build_used(mini_data: Path) -> None:
    memo = Memo()
    load(mini_data, memo)
    (mini_data / "people" / "jane-roe.yaml").write_text(
        (mini_data / "people" / "jane-roe.yaml").read_text("utf-8") + "notes: Edited.\n", "utf-8"
    )
    later = Memo(dict(memo.kept))
    load(mini_data, later)
    # One entry per file, the edited one's new bytes replacing its old ones.
    assert len(later.kept) == len(memo.kept) == len(list(mini_data.rglob("*.yaml")))
    assert set(later.kept) != set(memo.kept)


def test_the_map_takes_the_placement_it_made(
    mini_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb, _ = load(mini_data)
    plain = DeploymentMap(kb)
    memo = Memo()
    made = DeploymentMap(kb, memo=memo)
    placed = [(m.mission.id, m.label_dy, m.label_side) for m in made.marks]
    assert placed == [(m.mission.id, m.label_dy, m.label_side) for m in plain.marks]
    assert len(memo.kept) == 1

    def refuse(self: DeploymentMap) -> None:
        raise AssertionError("placed again")

    monkeypatch.setattr(charts.DeploymentMap, "_place_labels", refuse)
    again = DeploymentMap(kb, memo=Memo(dict(memo.kept)))
    assert [(m.mission.id, m.label_dy, m.label_side) for m in again.marks] == placed
    assert again.html() == plain.html()


def _build_quietly(make_app: Callable[..., Any], project: Path, name: str) -> tuple[Path, Path]:
    """Build ``project`` into ``out-<name>`` beside it, with no warning; return the output and
    doctree folders."""
    warning = StringIO()
    app = make_app(
        "html",
        srcdir=project,
        builddir=project.parent / f"out-{name}",
        status=StringIO(),
        warning=warning,
    )
    app.build()
    app.cleanup()
    assert warning.getvalue() == ""
    return Path(app.outdir), Path(app.doctreedir)


def test_a_build_after_an_edit_uses_the_memo_and_writes_what_a_fresh_build_writes(
    make_app: Callable[..., Any], basic_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = partial(_build_quietly, make_app, basic_project)
    html, doctrees = build("kept")
    with (doctrees / CACHE_NAME).open("rb") as handle:
        kept = pickle.load(handle)
    assert isinstance(kept, Generated) and ("person", "jane-roe") in kept.names
    with (doctrees / MEMO_NAME).open("rb") as handle:
        memo = pickle.load(handle)
    # One entry per data file, the map's placement, and per record what the downloads hold of
    # it and its page.
    files = [k for k in memo if k.startswith("file:")]
    assert len(files) == len(list((basic_project / "data").rglob("*.yaml")))
    records = len(files) - 2  # the glossary and vocabulary are no records
    assert len([k for k in memo if k.startswith("page ") and ":" in k]) == records
    # The data page's example of each kind that has records.
    kinds = {p.parent.name for p in (basic_project / "data").glob("*/*.yaml")}
    examples = sorted(k.split(":")[0] for k in memo if k.startswith("example "))
    assert examples == sorted(f"example {k}" for k, c in RECORD_KINDS.items() if c.plural in kinds)
    others = sorted(
        k.split(":")[0]
        for k in memo
        if not k.startswith(("file:", "export", "page ", "uncertain:", "example "))
    )
    assert others == ["iso answers", "map chart", "map-labels", "pages written", "timeline chart"]
    # The compiled templates of the pages and of the theme.
    assert all(any((doctrees / f).iterdir()) for f in (COMPILED_TEMPLATES, COMPILED_THEME))

    person = basic_project / "data" / "people" / "jane-roe.yaml"
    person.write_text(person.read_text("utf-8") + "notes: Edited by the test.\n", "utf-8")
    read = _count_reads(monkeypatch)
    html, doctrees = build("kept")
    assert read == [person]
    page = (html / "people" / "jane-roe.html").read_text("utf-8")
    assert "Edited by the test." in page

    monkeypatch.undo()
    fresh, _ = build("fresh")
    _same_site(html, fresh)


def test_a_build_reads_only_the_data_files_whose_stamps_changed(
    make_app: Callable[..., Any], basic_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every stamp kept, however recent the file's last change (the test's files are new).
    monkeypatch.setattr(cache, "RACY_NS", 0)

    build = partial(_build_quietly, make_app, basic_project)
    build("kept")
    data = basic_project / "data"
    person = data / "people" / "jane-roe.yaml"
    _same_size_edit(person, "Staff officer", "Staff advisor")
    read = _count_byte_reads(monkeypatch)
    html, doctrees = build("kept")
    assert [p for p in read if data in p.parents] == [person, person]  # stamps, then loader
    assert "Staff advisor" in (html / "people" / "jane-roe.html").read_text("utf-8")
    stamps = pickle.loads((doctrees / STAMPS_NAME).read_bytes())
    assert str(person) in stamps and len(stamps) == len(list(data.rglob("*.yaml")))

    monkeypatch.undo()
    _same_site(html, build("fresh")[0])


def _same_site(built: Path, fresh: Path) -> None:
    """Every file of ``built`` (pages, search index and language data, sitemap, downloads...)
    is that of ``fresh``; the build's own record of its settings (``.buildinfo``) aside."""

    def files(root: Path) -> set[Path]:
        return {p.relative_to(root) for p in root.rglob("*") if p.is_file()} - {Path(".buildinfo")}

    assert files(built) == files(fresh)
    for path in sorted(files(fresh)):
        assert (built / path).read_bytes() == (fresh / path).read_bytes(), path


def _with_sitemap(project: Path) -> None:
    """Add sphinx-sitemap to ``project``, as the site has it."""
    conf = project / "conf.py"
    conf.write_text(
        conf.read_text("utf-8")
        + '\nextensions = [*extensions, "sphinx_sitemap"]\nhtml_baseurl = "https://example.org/"\n'
        + 'sitemap_url_scheme = "{link}"\n',
        "utf-8",
    )


@pytest.mark.parametrize("builder", ["html", "dirhtml"])
def test_after_each_edit_the_index_and_sitemap_are_a_fresh_builds(
    make_app: Callable[..., Any], basic_project: Path, builder: str
) -> None:
    """Sphinx rewrites only the changed pages: the search index (with the entries that put a
    record's page first for its names) and the sitemap must still hold every other page, and
    no longer the page of a record deleted."""
    _with_sitemap(basic_project)

    def build(name: str) -> Path:
        warning = StringIO()
        app = make_app(
            builder,
            srcdir=basic_project,
            builddir=basic_project.parent / name,
            status=StringIO(),
            warning=warning,
        )
        app.build()
        app.cleanup()
        assert warning.getvalue() == ""
        return Path(app.outdir)

    edits: list[Callable[[Path], None]] = [
        lambda data: None,
        lambda data: (data / "people" / "jane-roe.yaml").write_text(
            (data / "people" / "jane-roe.yaml").read_text("utf-8") + "notes: Edited.\n", "utf-8"
        ),
        lambda data: (data / "people" / "john-roe.yaml").write_text(
            (data / "people" / "john-roe.yaml").read_text("utf-8") + "notes: Edited.\n", "utf-8"
        ),
        lambda data: (data / "organizations" / "unused-org.yaml").unlink(),
    ]
    data = basic_project / "data"
    # Two pages that one index entry (the family name) lists: the rewritten one first.
    another = "id: john-roe\nname: John Roe\nsort_name: Roe, John\n"
    (data / "people" / "john-roe.yaml").write_text(another, "utf-8")
    build("kept")
    for i, change in enumerate(edits):
        change(data)
        kept = build("kept")
        fresh = build(f"fresh-{i}")
        _same_site(kept, fresh)
    index = (kept / "searchindex.js").read_text("utf-8")
    assert '"jane roe"' in index and "unused-org" not in (kept / "sitemap.xml").read_text("utf-8")
    shared = json.loads(index[index.index("(") + 1 : index.rindex(")")])["indexentries"]["roe"]
    assert len(shared) == 2


def test_a_serial_build_keeps_the_sitemap_links_in_its_process(
    make_app: Callable[..., Any], basic_project: Path
) -> None:
    """sphinx-sitemap's queue of links is served by another process, for parallel builds; a
    serial build collects them in its own (no process serves them while pages are written),
    and the sitemap lists every page."""
    _with_sitemap(basic_project)
    serving: list[list[Any]] = []

    def writing(app: Any, pagename: str, *args: Any) -> None:
        serving.append(multiprocessing.active_children())

    app = make_app("html", srcdir=basic_project, status=StringIO(), warning=StringIO())
    app.connect("html-page-context", writing)
    try:
        app.build()
        assert isinstance(app.sitemap_links, queue.Queue)
    finally:
        app.cleanup()
    assert serving and all(children == [] for children in serving)
    sitemap = (Path(app.outdir) / "sitemap.xml").read_text("utf-8")
    pages = sorted(
        p.relative_to(app.outdir).as_posix()
        for p in Path(app.outdir).rglob("*.html")
        if "_static" not in p.parts
    )
    listed = set(re.findall(r"<loc>https://example.org/([^<]*)</loc>", sitemap))
    records = {p for p in pages if "/" in p}  # the pages of the record folders
    assert records and records <= listed <= set(pages)


def test_what_an_older_version_kept_is_built_afresh(
    make_app: Callable[..., Any], basic_project: Path
) -> None:
    """A doctree folder from an earlier version holds a Generated of another shape (and a memo
    of other entries): the build starts afresh, with no crash and no warning."""
    doctrees = basic_project.parent / "build" / "doctrees"
    doctrees.mkdir(parents=True)
    older = Generated.__new__(Generated)
    older.__dict__.update({"key": "k", "kb": None, "pages": []})  # the first version's fields
    (doctrees / CACHE_NAME).write_bytes(pickle.dumps(older))
    (doctrees / MEMO_NAME).write_bytes(pickle.dumps(["not", "a", "memo"]))
    warning = StringIO()
    app = make_app(
        "html",
        srcdir=basic_project,
        builddir=basic_project.parent / "build",
        status=StringIO(),
        warning=warning,
    )
    app.build()
    app.cleanup()
    assert warning.getvalue() == ""
    assert (Path(app.outdir) / "people" / "jane-roe.html").is_file()
    with (doctrees / CACHE_NAME).open("rb") as handle:
        assert ("person", "jane-roe") in pickle.load(handle).names


def test_a_build_that_writes_no_page_leaves_the_lists_of_pages_as_they_are(
    make_app: Callable[..., Any], basic_project: Path
) -> None:
    """Nothing changed: the general index and the search index are not made again (and what
    the build writes is what a build from scratch writes). They are when a page is removed, or
    when they are older than the environment (a build that saved it stopped before writing
    them)."""
    lists = ["genindex.html", "searchindex.js"]
    out = basic_project / "_build" / "html"

    def build() -> dict[str, int]:
        app = make_app(
            "html",
            srcdir=basic_project,
            builddir=basic_project / "_build",
            status=StringIO(),
            warning=StringIO(),
        )
        app.build()
        app.cleanup()
        # The builder is itself again.
        assert not {"load_indexer", "dump_search_index", "write_genindex"} & set(vars(app.builder))
        assert Path(app.outdir) == out
        return {name: (out / name).stat().st_mtime_ns for name in lists}

    first = build()
    assert build() == first
    env = basic_project / "_build" / "doctrees" / "environment.pickle"
    older = env.stat().st_mtime_ns - 1_000_000_000
    for name in lists:
        os.utime(out / name, ns=(older, older))
    again = build()
    assert all(again[name] > older for name in lists)
    (out / "genindex.html").unlink()
    build()
    assert (out / "genindex.html").is_file()
    (basic_project / "data" / "organizations" / "unused-org.yaml").unlink()
    removed = build()
    assert all(removed[name] > again[name] for name in lists)
    assert "unused-org" not in (out / "searchindex.js").read_text("utf-8")


def _count_compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    compiled: list[str] = []
    original = jinja2.Environment.compile

    def compile(self: jinja2.Environment, source: Any, name: Any = None, *args: Any) -> Any:
        compiled.append(name)
        return original(self, source, name, *args)

    monkeypatch.setattr(jinja2.Environment, "compile", compile)
    return compiled


def test_the_pages_templates_are_compiled_once_and_again_when_their_text_changes(
    mini_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb, problems = load(mini_data)
    assert problems == []
    keep = partial(keep_compiled_templates, folder=tmp_path / "compiled")
    compiled = _count_compiles(monkeypatch)
    first = render_site(kb, compiled=keep)
    assert "person.md.jinja" in compiled
    compiled.clear()
    assert render_site(kb, compiled=keep) == first
    assert compiled == []
    # A site's own template named like a packaged one: its text is compiled, and shown.
    own = tmp_path / "templates"
    own.mkdir()
    text = (Path(pages.__file__).parent / "templates" / "person.md.jinja").read_text("utf-8")
    (own / "person.md.jinja").write_text(text + "\nA line of the site's own.\n", "utf-8")
    mine = render_site(kb, template_dirs=[own], compiled=keep)
    assert compiled == ["person.md.jinja"]
    assert mine["people/jane-roe.md"].endswith("A line of the site's own.\n")
    (own / "person.md.jinja").write_text(text + "\nAnother line.\n", "utf-8")
    assert render_site(kb, template_dirs=[own], compiled=keep)["people/jane-roe.md"].endswith(
        "Another line.\n"
    )


def test_compiled_templates_are_kept_apart_by_the_settings_that_shape_them(
    tmp_path: Path,
) -> None:
    """The same template compiles to different code with other whitespace settings, or with
    a filter of the same name that takes the context: each environment gets its own."""
    (tmp_path / "page.jinja").write_text("  {% if x %}\n{{ x | shout }}\n{% endif %}\n", "utf-8")

    def render(trim: bool, shout: Any) -> str:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(tmp_path)), trim_blocks=trim, lstrip_blocks=trim
        )
        env.filters["shout"] = shout
        keep_compiled_templates(env, tmp_path / "compiled")
        return env.get_template("page.jinja").render(x="a")

    plain = render(True, str.upper)
    assert plain == "A\n" and render(True, str.upper) == plain
    assert render(False, str.upper) == "  \nA\n"

    @jinja2.pass_context
    def with_context(context: Any, value: str) -> str:
        return f"{value}:{context['x']}"

    assert render(True, with_context) == "a:a\n"
    assert render(True, str.upper) == plain


def test_the_json_download_is_the_document_as_json_writes_it(mini_data: Path) -> None:
    """Made record by record, the JSON file is what ``json.dumps`` writes of the whole, with an
    empty kind and a glossary, and without one."""
    kb, problems = load(mini_data)
    assert problems == [] and kb.glossary is not None and kb.records["contingent"]
    kb.records["contingent"] = {}
    provenance = Provenance(title="T", base_url="https://example.org/")
    for glossary in (kb.glossary, None):
        kb.glossary = glossary
        document = {
            "meta": provenance.meta(kb),
            "records": {
                cls.plural: [r.model_dump(mode="json") for r in export.records_of(kb, kind)]
                for kind, cls in RECORD_KINDS.items()
            },
            "glossary": [t.model_dump(mode="json") for t in glossary.terms] if glossary else [],
        }
        expected = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
        assert export.to_json(kb, provenance).decode() == expected


def test_the_downloads_make_again_only_what_belongs_to_an_edited_record(
    mini_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    provenance = Provenance(title="T")
    made: list[tuple[str, str]] = []
    for name in ("flatten", "_record_json", "_citations_of"):
        original = getattr(export, name)

        def counted(record: Any, original: Any = original) -> Any:
            made.append((record.kind, record.id))
            return original(record)

        monkeypatch.setattr(export, name, counted)
    kb, _ = load(mini_data)
    memo = Memo()
    first = export.render(kb, list(export.FORMATS), provenance, memo)
    assert ("person", "jane-roe") in made
    made.clear()
    assert export.render(kb, list(export.FORMATS), provenance, Memo(dict(memo.kept))) == first
    assert made == []

    person = mini_data / "people" / "jane-roe.yaml"
    person.write_text(person.read_text("utf-8") + "notes: Edited.\n", "utf-8")
    edited, _ = load(mini_data)
    again = export.render(edited, list(export.FORMATS), provenance, Memo(dict(memo.kept)))
    assert set(made) == {("person", "jane-roe")} and len(made) == 3
    assert again == export.render(edited, list(export.FORMATS), provenance)
    assert again["peacekb.json"] != first["peacekb.json"]
    assert b"Edited." in again["csv/people.csv"]


def test_what_the_downloads_make_of_a_whole_kind_is_kept_while_its_records_are_the_same(
    mini_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The timeline and the feed (events and operations), and each kind's part of the JSON and
    CSV files, are made again only when a record of the kinds they are made from changed,
    was added or removed, or the settings changed; then as a build without a memo makes
    them."""
    made: list[str] = []
    for name in ("to_timeline", "to_atom", "_record_json"):
        original = getattr(export, name)

        def counted(*args: Any, name: str = name, original: Any = original) -> Any:
            made.append(name if name != "_record_json" else f"json {args[0].kind}")
            return original(*args)

        monkeypatch.setattr(export, name, counted)
    provenance = Provenance(title="T")
    formats = list(export.FORMATS)
    memo = Memo()
    export.render(load(mini_data)[0], formats, provenance, memo)

    def again(settings: Provenance = provenance) -> tuple[dict[str, bytes], list[str]]:
        """Render with the last memo: the files, and what was made."""
        nonlocal memo
        kb, problems = load(mini_data)
        assert problems == []
        made.clear()
        memo = Memo(dict(memo.kept))
        found, remade = export.render(kb, formats, settings, memo), list(made)
        assert found == export.render(kb, formats, settings)  # as a build without a memo
        return found, remade

    person = mini_data / "people" / "jane-roe.yaml"
    person.write_text(person.read_text("utf-8") + "notes: Edited.\n", "utf-8")
    assert again()[1] == ["json person"]

    event = mini_data / "events" / "roe-arrives.yaml"
    event.write_text(event.read_text("utf-8").replace("Jane Roe arrived.", "She came."), "utf-8")
    found, remade = again()
    assert sorted(remade) == ["json event", "to_atom", "to_timeline"]
    assert b"She came." in found["csv/events.csv"]

    (mini_data / "places" / "elsewhere.yaml").write_text(
        "id: elsewhere\nname: Elsewhere\ntype: city\ncoordinates: {lat: 1, lon: 2}\n", "utf-8"
    )
    found, remade = again()
    assert remade == ["json place"]
    assert b"elsewhere" in found["csv/places.csv"]

    assert sorted(again(Provenance(title="Another title"))[1]) == ["to_atom", "to_timeline"]


def test_answers_from_isos_lists_are_kept_for_the_next_build(
    mini_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Language names and country codes a build looked up in pycountry are kept in the memo
    under pycountry's version: the next build makes the same pages without asking pycountry,
    and a build with another pycountry asks again."""
    import pycountry

    kb, _ = load(mini_data)
    memo = Memo()
    first = render_site(kb, memo=memo, pages_key="k")
    key = iso.IsoNames.memo_key()
    assert key.endswith(importlib.metadata.version("pycountry"))
    kept = memo[key]
    assert ("language", "fr") in kept and kept[("language", "fr")] == "French"
    assert any(question[0] == "country" for question in kept)

    def refuse(**_: Any) -> None:
        raise AssertionError("pycountry was asked")

    with monkeypatch.context() as patch:
        patch.setattr(pycountry.languages, "get", refuse)
        patch.setattr(pycountry.countries, "get", refuse)
        fresh_memo = Memo(dict(memo.kept))
        for name in list(fresh_memo):
            if name.startswith("page "):
                del fresh_memo[name]  # every record page is made again
        assert render_site(kb, memo=fresh_memo, pages_key="k") == first
        # Another pycountry: asked again.
        patch.setattr(iso, "_version", lambda: "0-another")
        with pytest.raises(AssertionError, match="pycountry was asked"):
            render_site(kb, memo=Memo(dict(memo.kept)), pages_key="other")
    assert render_site(kb) == first  # without a memo: the same


def test_the_charts_are_kept_while_the_records_they_are_drawn_from_are_the_same(
    mini_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The timeline (events, operations, vocabulary, the places it names) and the map
    (operations, vocabulary, the places it marks) are drawn again only when one of those
    changed; the pages are then those of a build without a memo."""
    drawn: list[str] = []
    timeline, map_html = pages.timeline_html, DeploymentMap.html

    def timeline_drawn(*args: Any) -> str:
        drawn.append("timeline")
        return timeline(*args)

    def map_drawn(self: DeploymentMap) -> str:
        drawn.append("map")
        return map_html(self)

    monkeypatch.setattr(pages, "timeline_html", timeline_drawn)
    monkeypatch.setattr(DeploymentMap, "html", map_drawn)
    memo = Memo()
    render_site(load(mini_data)[0], memo=memo, pages_key="k")
    assert sorted(drawn) == ["map", "timeline"]

    def again() -> list[str]:
        nonlocal memo
        kb, problems = load(mini_data)
        assert problems == []
        drawn.clear()
        memo = Memo(dict(memo.kept))
        made, seen = render_site(kb, memo=memo, pages_key="k"), sorted(drawn)
        assert made == render_site(kb)
        return seen

    person = mini_data / "people" / "jane-roe.yaml"
    person.write_text(person.read_text("utf-8") + "notes: Edited.\n", "utf-8")
    assert again() == []
    # A place neither chart names.
    place = "id: elsewhere\nname: Elsewhere\ntype: city\ncoordinates: {lat: 1, lon: 2}\n"
    (mini_data / "places" / "elsewhere.yaml").write_text(place, "utf-8")
    assert again() == []
    edit(mini_data / "events" / "roe-arrives.yaml", "title: Jane Roe arrives", "title: Arrival")
    assert again() == ["timeline"]
    edit(mini_data / "places" / "freedonia.yaml", "lat: 10.5", "lat: 11.5")
    assert again() == ["map", "timeline"]
    edit(mini_data / "vocabulary.yaml", "label: observer force", "label: observers")
    assert again() == ["map", "timeline"]
    assert again() == []


def test_a_memo_file_unpickles_what_is_used_and_writes_back_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "memo.pickle"
    first = Memo()
    first.update({"used": [1, 2], "changed": "old", "unused": {"a": 1}})
    first.write(path)
    with path.open("rb") as handle:
        packed = pickle.load(handle)
    assert set(packed) == {"used", "changed", "unused"}

    second = Memo.read(path)
    assert "used" in second and second["used"] == [1, 2]
    second["changed"] = "new"
    second["made"] = ("x",)
    pickled: list[Any] = []
    dumps = pickle.dumps

    def counted(value: Any, *args: Any, **kwargs: Any) -> bytes:
        pickled.append(value)
        return dumps(value, *args, **kwargs)

    monkeypatch.setattr(pickle, "dumps", counted)
    second.write(path)
    monkeypatch.undo()
    assert pickled == ["new", ("x",)]  # not what was used as it was
    with path.open("rb") as handle:
        again = pickle.load(handle)
    assert set(again) == {"used", "changed", "made"}
    assert again["used"] == packed["used"]
    third = Memo.read(path)
    assert (third["changed"], third["made"]) == ("new", ("x",))
    assert "unused" not in third

    store(path, {"broken": b"not a pickle", "fine": pickle.dumps(1)})
    fourth = Memo.read(path)
    assert "broken" not in fourth and fourth["fine"] == 1
    store(path, ["not", "a", "memo"])
    assert len(Memo.read(path)) == 0 and "fine" not in Memo.read(path)


def test_a_files_positions_are_unpickled_only_when_asked_for(mini_data: Path) -> None:
    memo = Memo()
    load(mini_data, memo)
    marks = next(marks for _, marks in memo.kept.values())
    again = pickle.loads(pickle.dumps(marks))
    assert again._places is None  # not unpickled yet
    assert again.path == marks.path and again.at(("id",)) == marks.at(("id",)) != (1, 1)
    assert again.values == marks.values and again.keys == marks.keys
    # Asked for, they are pickled again (a reader may have added to them).
    again.reported.add(("id",))
    assert ("id",) in pickle.loads(pickle.dumps(again)).reported


def test_pages_written_as_they_were_are_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    pages_ = {"a.md": "A", "people/b.md": "B", "people/c.md": "C"}
    written: dict[str, Any] = {}
    report = write_pages(pages_, out, written)
    assert len(report.written) == 3 and set(written) == set(pages_)
    read: list[Path] = []
    read_bytes = Path.read_bytes

    def counted(path: Path) -> bytes:
        read.append(path)
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", counted)
    again = write_pages(pages_, out, written)
    assert again.written == [] and read == [] and len(again.unchanged) == 3
    # Changed on disk (a file's time changes with it): read, and written back.
    (out / "people" / "b.md").write_text("X", "utf-8")
    (out / "stray.md").write_text("?", "utf-8")
    (out / "empty").mkdir()
    third = write_pages({**pages_, "a.md": "A2"}, out, written)
    assert sorted(third.written) == [out / "a.md", out / "people" / "b.md"]
    assert (out / "people" / "b.md").read_text("utf-8") == "B"
    assert third.removed == [out / "stray.md"] and not (out / "empty").exists()
    read.clear()
    fourth = write_pages({"a.md": "A2"}, out, written)
    assert fourth.written == [] and read == []
    assert fourth.removed == [out / "people" / "b.md", out / "people" / "c.md"]
    assert not (out / "people").exists() and set(written) == {"a.md"}


def test_a_build_with_nothing_to_make_loads_neither_the_records_nor_the_exporters(
    basic_project: Path,
) -> None:
    """Nothing changed: the build takes what it needs from what the last one kept, without
    importing the modules that load records, make pages or write downloads."""
    out, doctrees = basic_project / "_build" / "html", basic_project / "_build" / "doctrees"
    script = (
        "import sys\n"
        "from sphinx.cmd.build import main\n"
        f"status = main(['-q', '-b', 'html', '-d', {str(doctrees)!r}, {str(basic_project)!r}, "
        f"{str(out)!r}])\n"
        "heavy = ['peacekb.export', 'peacekb.knowledge', 'peacekb.loader', 'peacekb.pages']\n"
        "print(status, *[name for name in heavy if name in sys.modules])\n"
    )

    def build() -> str:
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    assert build() == "0 peacekb.export peacekb.knowledge peacekb.loader peacekb.pages"
    assert build() == "0"


def test_a_build_after_an_edit_makes_ready_only_the_models_it_uses(basic_project: Path) -> None:
    """The models' validators and serializers are made when first used: after an edit of a
    person, the build validates one person's file, and serializes persons alone (the data
    page's example of the kind). A record's fingerprint, its file's digest, needs neither."""
    out, doctrees = basic_project / "_build" / "html", basic_project / "_build" / "doctrees"
    script = (
        "import sys\n"
        "from pydantic import BaseModel\n"
        "from sphinx.cmd.build import main\n"
        "from peacekb import models\n"
        "ready = [n for n, c in vars(models).items() if isinstance(c, type)\n"
        "         and issubclass(c, BaseModel) and c.__pydantic_complete__]\n"
        "print('on import:', *ready)\n"
        f"status = main(['-q', '-b', 'html', '-d', {str(doctrees)!r}, {str(basic_project)!r}, "
        f"{str(out)!r}])\n"
        "ready = [n for n, c in vars(models).items() if isinstance(c, type)\n"
        "         and issubclass(c, BaseModel) and c.__pydantic_complete__]\n"
        "print(status, *ready)\n"
    )

    def build() -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        return done.stdout.strip().splitlines()

    first = build()
    assert first[0] == "on import:"
    assert {"Person", "Place", "Source", "Glossary", "Vocabulary"} <= set(first[1].split()[1:])
    person = basic_project / "data" / "people" / "jane-roe.yaml"
    person.write_text(person.read_text("utf-8") + "notes: Edited by the test.\n", "utf-8")
    on_import, after_edit = build()
    assert on_import == "on import:"
    status, *ready = after_edit.split()
    assert status == "0" and "Person" in ready
    # The person's model and those it holds (a post, a name, a statement...), no other.
    assert set(ready) <= {m.__name__ for m in _models_in(Person)}


def _models_in(model: type[BaseModel]) -> set[type[BaseModel]]:
    found = {model}
    todo = [f.annotation for f in model.model_fields.values()]
    while todo:
        annotation = todo.pop()
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation not in found:
                found |= _models_in(annotation)
        else:
            todo.extend(get_args(annotation))
    return found


def test_a_records_fingerprint_is_its_files_digest_while_it_is_as_loaded(mini_data: Path) -> None:
    kb, _ = load(mini_data, Memo())
    again, _ = load(mini_data, Memo())
    person = kb.get("person", "jane-roe")
    assert person is not None
    key = kb.fingerprint(person)
    assert key.startswith("file:") and again.fingerprint(again.get("person", "jane-roe")) == key
    # The same content at another time: the same fingerprint; another content: another.
    copy = person.model_copy()
    kb.records["person"]["jane-roe"] = copy
    same_json = kb.fingerprint(copy)
    assert not same_json.startswith("file:")
    assert load(mini_data)[0].fingerprint(person) == same_json
    changed = person.model_copy(update={"notes": "Changed."})
    kb.records["person"]["jane-roe"] = changed
    assert kb.fingerprint(changed) not in (key, same_json)
    edit(mini_data / "people" / "jane-roe.yaml", "sort_name: Roe, Jane", "sort_name: Roe, J.")
    third, _ = load(mini_data, Memo())
    assert third.fingerprint(third.get("person", "jane-roe")) not in (key, same_json)


def test_a_view_of_the_knowledge_base_notes_what_it_was_asked_beyond_its_kinds(
    mini_data: Path,
) -> None:
    kb, _ = load(mini_data)
    view = pages.GetsNoted(kb, ("mission", "vocabulary"))
    assert view.all("mission") == kb.all("mission")
    mission = kb.all("mission")[0]
    assert view.get("mission", mission.id) is mission
    assert view.operation_type("observer") == kb.operation_type("observer")
    place = view.get("place", "freedonia")
    assert place is not None and view.get("place", "nowhere") is None
    assert view.got == {("place", "freedonia"): kb.fingerprint(place), ("place", "nowhere"): None}
    assert not view.whole
    view.all("place")
    assert view.whole
    for name in ("display_name", "records", "mentioned_by"):
        other = pages.GetsNoted(kb, ("mission", "vocabulary"))
        getattr(other, name)
        assert other.whole, name
    # The vocabulary's answers are the vocabulary's kind.
    without = pages.GetsNoted(kb, ("mission",))
    without.operation_type("observer")
    assert without.whole


def test_a_drawing_that_looks_at_a_whole_kind_is_kept_by_every_kind(mini_data: Path) -> None:
    """A drawing that lists every place depends on each: a place added draws it again."""
    drawn: list[int] = []

    def draw(kb: Any) -> str:
        drawn.append(1)
        return f"{len(kb.all('place'))} places"

    def build() -> str:
        nonlocal memo
        kb, problems = load(mini_data)
        assert problems == []
        site = pages.Site(kb)
        site.memo, site.pages_key = memo, "k"
        made = site._kept_drawing("places drawing", ("mission",), draw)
        memo = Memo(dict(memo.kept))
        return made

    memo = Memo()
    first = build()
    assert build() == first and len(drawn) == 1
    place = "id: elsewhere\nname: Elsewhere\ntype: city\ncoordinates: {lat: 1, lon: 2}\n"
    (mini_data / "places" / "elsewhere.yaml").write_text(place, "utf-8")
    assert build() != first and len(drawn) == 2
    assert build() != first and len(drawn) == 2
