"""Build small projects with Sphinx's own test application and check what comes out."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sphinx.util.console import strip_colors

from conftest import ROOTS, edit, sphinx_build, tree_digest
from peacekb.sphinxext.assets import (
    ICON_CACHE,
    ICON_FONTS,
    _is_table,
    class_names,
    icon_codepoints,
    icon_table,
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the ``test-basic`` root that a test may change before building."""
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-basic", src)
    return src


Build = Callable[..., tuple[Any, str, str]]


@pytest.fixture
def build(make_app: Callable[..., Any], project: Path) -> Build:
    def run(**kwargs: Any) -> tuple[Any, str, str]:
        status, warning = StringIO(), StringIO()
        app = make_app("html", srcdir=project, status=status, warning=warning, **kwargs)
        app.build()
        # Let the next application of the same test register its nodes afresh.
        app.cleanup()
        return app, strip_colors(status.getvalue()), strip_colors(warning.getvalue())

    return run


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.mark.sphinx("html", testroot="basic")
def test_testroot_builds_without_warnings(app: Any, warning: StringIO) -> None:
    app.build()
    assert warning.getvalue() == ""
    page = soup(Path(app.outdir) / "people" / "jane-roe.html")
    assert page.h1 is not None and "Jane Roe" in page.h1.get_text()
    links = {a.get_text(): a["href"] for a in page.select("a.reference.internal")}
    assert links["TM"].endswith("operations/test-mission.html")
    # the quote and its translation, one click away
    details = page.select("details.kb-evidence")
    assert details, "citations are shown in a disclosure"
    texts = " ".join(d.get_text(" ") for d in details)
    assert "Le major Jane Roe" in texts and "English: Major Jane Roe" in texts


def test_source_page_anchors_paragraphs_and_lists_facts(build: Build) -> None:
    app, _, warnings = build()
    assert warnings == ""
    page = soup(Path(app.outdir) / "sources" / "article-one.html")
    for n in range(0, 5):
        assert page.find(id=f"p{n}") is not None, f"#p{n}"
    assert page.find(id="p5") is None
    facts = page.find(id="facts-drawn-from-this-source")
    assert facts is not None
    assert "She served in Freedonia." in facts.get_text()
    # a citation links straight to its paragraph
    person = soup(Path(app.outdir) / "people" / "jane-roe.html")
    hrefs = [a["href"] for a in person.select("a.reference.internal")]
    assert any(h.endswith("sources/article-one.html#p1") for h in hrefs)


def test_timeline_groups_by_year_and_shows_precision(build: Build) -> None:
    app, _, _ = build()
    page = soup(Path(app.outdir) / "timeline.html")
    headings = [h.get_text().strip("#¶ ") for h in page.select("h2")]
    assert headings == ["2020", "Undated"]
    entry = page.select_one(".kb-timeline-entry")
    assert entry is not None
    assert "1 May 2020" in entry.get_text() and "exact day" not in entry.get_text()
    assert "The Test Mission is authorised" in entry.get_text()


def test_general_index_lists_records(build: Build) -> None:
    app, _, _ = build()
    text = soup(Path(app.outdir) / "genindex.html").get_text()
    assert "Roe, Jane (person)" in text
    assert "TM — Test Mission in Freedonia (operation)" in text


def test_dangling_reference_is_a_located_warning(build: Build, project: Path) -> None:
    edit(project / "index.md", "See {kb:person}`jane-roe`", "See {kb:person}`john-doe`")
    _, _, warnings = build()
    assert "index.md:3: WARNING: unknown person id 'john-doe'" in warnings


def sphinx_cli(project: Path) -> subprocess.CompletedProcess[str]:
    """sphinx-build itself, quiet, run in the project's folder so that paths are relative."""
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "--no-color", "-b", "html", ".", "_build/html"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def test_invalid_data_stops_sphinx_build_without_a_crash_report(project: Path) -> None:
    """The located messages and one summary line, exit status 1. Run as sphinx-build itself:
    the build ends with SystemExit, which an in-process test application cannot clean up."""
    edit(project / "data" / "people" / "jane-roe.yaml", "rank: Major", "rank: Major\n  pay: 1")
    edit(project / "data" / "places" / "freedonia.yaml", "type: country", "type: planet")
    proc = sphinx_cli(project)
    assert proc.returncode == 1
    lines = strip_colors(proc.stderr).strip().splitlines()
    assert lines[:-1] == [
        "data/people/jane-roe.yaml:15:3: ERROR: unknown field 'pay' [peacekb.data]",
        "data/places/freedonia.yaml:3:7: ERROR: type: Input should be 'country', 'city', "
        "'region' or 'territory' [peacekb.data]",
    ]
    assert lines[-1] == "peacekb: 2 errors in data: nothing was built"
    assert not (project / "_build" / "html" / "index.html").exists()


def test_a_data_error_cannot_write_control_sequences_into_the_log(project: Path) -> None:
    key = "zz\\x1b[2J\\x07\\n::error file=data/x.yaml,line=1::Injected"
    edit(project / "data" / "people" / "jane-roe.yaml", "rank: Major", f'rank: Major\n  "{key}": 1')
    proc = sphinx_cli(project)
    assert proc.returncode == 1
    assert "\x1b" not in proc.stderr and "\x07" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and not any(line.startswith("::") for line in lines)
    assert lines[0].startswith("data/people/jane-roe.yaml:15:3: ERROR: unknown field 'zz\\x1b[2J")


def test_unusual_characters_that_validate_accepts_build(build: Build, project: Path) -> None:
    """No-break and narrow no-break spaces, a zero-width joiner and a character outside the
    basic plane: valid in a record, so the build must take them, the Data page's YAML example
    (the smallest record of each kind) included."""
    name = "Unused\u202forg\u00a0\u200d\U0001f30d: «\u202fquoted\u202f»"
    edit(project / "data" / "organizations" / "unused-org.yaml", "Unused organisation", f'"{name}"')
    app, _, warnings = build()
    assert warnings == ""
    page = soup(Path(app.outdir) / "organizations" / "unused-org.html")
    assert page.h1 is not None and page.h1.get_text().startswith(name)
    data = soup(Path(app.outdir) / "data.html").get_text()
    assert name in data


def test_a_link_in_the_generated_folder_stops_the_build(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / "_generated").mkdir()
    (project / "_generated" / "people").symlink_to(elsewhere)
    proc = sphinx_cli(project)
    assert proc.returncode == 1
    lines = strip_colors(proc.stderr).strip().splitlines()
    assert lines[0].startswith(f"ERROR: {project / '_generated' / 'people'}")
    assert "link" in lines[0]
    assert lines[-1] == "peacekb: cannot write the generated pages in _generated: nothing was built"
    assert list(elsewhere.iterdir()) == []


HOSTILE = "<script>alert(1)</script> *bold* [link](http://x.test) {kb:person}`jane-roe` $x$ |a|"


def test_record_text_cannot_inject_markup(build: Build, project: Path) -> None:
    edit(
        project / "data" / "people" / "jane-roe.yaml",
        "- text: She served in Freedonia.",
        f"- text: '{HOSTILE}'",
    )
    edit(project / "data" / "people" / "jane-roe.yaml", "  rank: Major", "  rank: ':::{raw} html'")
    edit(
        project / "data" / "places" / "freedonia.yaml",
        "name: Freedonia",
        "name: '# <b>Free</b>donia'",
    )
    app, _, warnings = build()
    assert warnings == ""
    html = (Path(app.outdir) / "people" / "jane-roe.html").read_text()
    page = BeautifulSoup(html, "html.parser")
    assert "alert(1)" not in " ".join(s.get_text() for s in page.find_all("script"))
    assert HOSTILE in page.get_text()
    assert page.find("a", href="http://x.test") is None
    assert ":::{raw} html" in page.get_text()
    place = soup(Path(app.outdir) / "places" / "freedonia.html")
    assert place.h1 is not None and "# <b>Free</b>donia" in place.h1.get_text()
    assert place.find("b", string="Free") is None


def test_only_changed_pages_are_rewritten_and_removed_records_lose_their_page(
    build: Build, project: Path
) -> None:
    app, _, _ = build()
    built = Path(app.outdir) / "organizations" / "unused-org.html"
    assert built.is_file()
    generated = project / "_generated"
    mtimes = {p: p.stat().st_mtime_ns for p in generated.rglob("*.md")}
    edit(
        project / "data" / "people" / "jane-roe.yaml",
        "She served in Freedonia.",
        "She served in Freedonia for a year.",
    )
    (project / "data" / "organizations" / "unused-org.yaml").unlink()
    _, status, warnings = build()
    assert warnings == ""
    assert "[peacekb] 5 pages written" in status and "1 removed" in status, status
    changed = {
        p.relative_to(generated).as_posix()
        for p in mtimes
        if p.exists() and p.stat().st_mtime_ns != mtimes[p]
    }
    # the person, the source that lists the person's facts, the index of organisations, the
    # home page's counts and the data page (the downloads' sizes)
    assert changed == {
        "people/jane-roe.md",
        "sources/article-one.md",
        "organizations/index.md",
        "overview.inc.md",
        "data.md",
    }
    assert not (generated / "organizations" / "unused-org.md").exists()
    # and its built page is gone from the site, in both HTML builders
    assert not built.exists()
    sources = Path(app.outdir) / "_sources" / "organizations"
    assert (sources / "index.md.txt").is_file() and not (sources / "unused-org.md.txt").exists()


def test_dirhtml_removes_the_folder_of_a_deleted_record(
    make_app: Callable[..., Any], project: Path
) -> None:
    def run() -> Path:
        app = make_app("dirhtml", srcdir=project, status=StringIO(), warning=StringIO())
        app.build()
        app.cleanup()
        return Path(app.outdir) / "organizations" / "unused-org"

    folder = run()
    assert (folder / "index.html").is_file()
    (project / "data" / "organizations" / "unused-org.yaml").unlink()
    assert run() == folder
    assert not folder.exists()


def test_renamed_record_updates_the_pages_that_link_to_it(build: Build, project: Path) -> None:
    app, _, _ = build()
    edit(
        project / "data" / "organizations" / "test-council.yaml",
        "name: Test Council",
        "name: Renamed Council",
    )
    app, _, warnings = build()
    assert warnings == ""
    mission = soup(Path(app.outdir) / "operations" / "test-mission.html")
    assert "Renamed Council" in mission.get_text()
    assert "Test Council" not in mission.select_one(".kb-infobox").get_text()


@pytest.mark.build
def test_a_parallel_build_gives_the_same_site(tmp_path: Path) -> None:
    """``-j 2`` reads and writes pages in other processes, in another order: every built file
    is the same as a serial build's."""
    trees = []
    for options in ((), ("-j", "2")):
        work = tmp_path / f"build{len(trees)}"
        shutil.copytree(ROOTS / "test-hostile", work / "docs")
        html = work / "docs" / "_build" / "html"
        proc = sphinx_build(work / "docs", html, *options, env={"SOURCE_DATE_EPOCH": "1700000000"})
        assert proc.returncode == 0, proc.stderr
        trees.append(tree_digest(html))
    serial, parallel = trees
    assert sorted(serial) == sorted(parallel)
    assert [name for name in serial if serial[name] != parallel[name]] == []


# Records that share their display names with others: every list, filter and index must still
# have one order, whatever the hash seed.
NAMESAKES = {
    "people/jane-roe-2.yaml": """\
id: jane-roe-2
name: Jane Roe
sort_name: Roe, Jane
missions: [test-mission]
statements:
- text: Another Jane Roe served in Freedonia.
  inferred: Stated for the test.
""",
    "places/freedonia-2.yaml": """\
id: freedonia-2
name: Freedonia
type: city
within: freedonia
coordinates: {lat: 10.0, lon: -20.0}
""",
    "organizations/unused-org-2.yaml": """\
id: unused-org-2
name: Unused organisation
type: academic
country: freedonia-2
""",
    "missions/test-mission-2.yaml": """\
id: test-mission-2
acronym: TM
name_en: Test Mission in Freedonia
type: un-peacekeeping-operation
authorized:
  date: "2020-05-01"
  by: test-council
  inferred: Stated for the test.
host: [freedonia-2]
""",
    "events/roe-arrives-2.yaml": """\
id: roe-arrives-2
title: Jane Roe arrives
type: rotation
occurred:
  date: "2020-05"
  inferred: Stated for the test.
places: [freedonia-2]
missions: [test-mission-2]
participants:
- who: jane-roe-2
  role: incoming officer
  inferred: Stated for the test.
statements:
- text: Jane Roe arrived.
  inferred: Stated for the test.
""",
}


@pytest.mark.build
def test_output_is_the_same_whatever_the_hash_seed(tmp_path: Path) -> None:
    """Builds of a site whose records share names, each with its own hash seed, write the same
    bytes."""
    trees = []
    for seed in ("1", "2", "3", "4", "5", "6"):
        work = tmp_path / f"seed{seed}"
        shutil.copytree(ROOTS / "test-basic", work / "docs")
        for rel, text in NAMESAKES.items():
            (work / "docs" / "data" / rel).write_text(text, encoding="utf-8")
        html = work / "docs" / "_build" / "html"
        env = {"PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": "1700000000"}
        proc = sphinx_build(work / "docs", html, env=env)
        assert proc.returncode == 0, proc.stderr
        trees.append(tree_digest(html))
    first = trees[0]
    for other in trees[1:]:
        assert sorted(first) == sorted(other)
        assert [name for name in first if first[name] != other[name]] == []


def test_a_build_with_nothing_changed_reuses_what_the_last_one_made(
    build: Build, project: Path
) -> None:
    app, status, _ = build()
    assert "pages written" in status
    out = Path(app.outdir)
    before = tree_digest(out / "people")
    generated = project / "_generated"
    mtimes = {p: p.stat().st_mtime_ns for p in generated.rglob("*")}
    _, status, warnings = build()
    assert warnings == ""
    assert "unchanged:" in status and "pages written" not in status, status
    assert {p: p.stat().st_mtime_ns for p in generated.rglob("*")} == mtimes
    assert tree_digest(out / "people") == before
    # a change in any record, a site template or a setting makes the next build start over
    edit(project / "data" / "places" / "freedonia.yaml", "lat: 10.5", "lat: 10.6")
    _, status, _ = build()
    assert "pages written" in status
    _, status, _ = build(confoverrides={"peacekb_focus_country": "freedonia"})
    assert "pages written" in status
    # and a generated page deleted by hand is written again
    (generated / "people" / "jane-roe.md").unlink()
    _, status, _ = build(confoverrides={"peacekb_focus_country": "freedonia"})
    assert "pages written" in status and (generated / "people" / "jane-roe.md").is_file()


def test_an_icon_class_begins_a_word() -> None:
    html = '<i class="fa-solid fa-bars"></i> sofa-bed _fa-x éfa-y -fa-z\nfa-line'
    assert class_names(html) == {"fa-solid", "fa-bars", "fa-z", "fa-line"}
    assert class_names("fa-start") == {"fa-start"} and class_names("no icons") == set()


@pytest.mark.build
def test_the_icon_fonts_hold_the_icons_the_pages_use_after_an_edit(tmp_path: Path) -> None:
    """The icons each page uses are kept between builds and only written pages are read
    again: after an edit, the fonts still hold exactly what a scan of every page finds."""
    docs = tmp_path / "docs"
    shutil.copytree(ROOTS / "test-hostile", docs)
    html = docs / "_build" / "html"
    for _ in range(2):
        proc = sphinx_build(docs, html)
        assert proc.returncode == 0, proc.stderr
        person = docs / "data" / "people" / "clobber.yaml"
        person.write_text(person.read_text("utf-8") + "notes: Edited.\n", "utf-8")
    cache = json.loads((html.parent / "doctrees" / ICON_CACHE).read_text("utf-8"))
    css = (html / "_static" / "styles" / "pydata-sphinx-theme.css").read_text("utf-8")
    pages = [p.read_text("utf-8") for p in sorted(html.rglob("*.html"))]
    assert cache["codepoints"] == sorted(icon_codepoints(css, pages))
    by_class, theme = icon_table(css)
    assert cache["table"] == [by_class, sorted(theme)]
    for name in ICON_FONTS.values():
        assert (html / "_static" / name).is_file()


@pytest.mark.build
def test_the_stylesheet_is_read_again_only_when_it_changed(tmp_path: Path) -> None:
    """The table of icon classes is kept with the stylesheet's digest: the next build takes it
    as it was kept, and one that finds another stylesheet reads the table from it again."""
    docs = tmp_path / "docs"
    shutil.copytree(ROOTS / "test-hostile", docs)
    html = docs / "_build" / "html"
    cache_path = html.parent / "doctrees" / ICON_CACHE
    person = docs / "data" / "people" / "clobber.yaml"

    def build_after_edit(n: int) -> dict[str, Any]:
        person.write_text(person.read_text("utf-8") + f"# edit {n}\n", "utf-8")
        proc = sphinx_build(docs, html)
        assert proc.returncode == 0, proc.stderr
        kept: dict[str, Any] = json.loads(cache_path.read_text("utf-8"))
        return kept

    cache = build_after_edit(1)
    used = {c for p in html.rglob("*.html") for c in class_names(p.read_text("utf-8"))}
    icon = min(used & set(cache["table"][0]))
    # A kept table that says another thing of an icon every page uses (its menu button).
    cache["table"][0][icon] = 0x41
    cache["pages"] = {}
    cache_path.write_text(json.dumps(cache), "utf-8")
    assert 0x41 in build_after_edit(2)["codepoints"]
    # The same table kept for another stylesheet: read again from the one found.
    cache = json.loads(cache_path.read_text("utf-8"))
    cache["css"], cache["pages"] = "another stylesheet", {}
    cache_path.write_text(json.dumps(cache), "utf-8")
    again = build_after_edit(3)
    css = (html / "_static" / "styles" / "pydata-sphinx-theme.css").read_text("utf-8")
    assert 0x41 not in again["codepoints"]
    assert again["table"] == [icon_table(css)[0], sorted(icon_table(css)[1])]


@pytest.mark.parametrize(
    ("table", "kept"),
    [
        ([{"fa-bars": 0xF0C9}, [0xF00D]], True),
        ([{}, []], True),
        ([{"fa-bars": "f0c9"}, []], False),
        ([{"fa-bars": 1.5}, []], False),
        ([{"fa-bars": True}, []], False),
        ([{"fa-bars": 1}, ["x"]], False),
        ([{"fa-bars": 1}], False),
        ({"fa-bars": 1}, False),
        (None, False),
    ],
)
def test_only_a_table_of_the_right_shape_is_taken_from_the_cache(table: Any, kept: bool) -> None:
    assert _is_table(table) is kept


def test_trees_read_are_not_all_held_in_memory_until_written(
    make_app: Callable[..., Any], project: Path
) -> None:
    """Between reading and writing, Sphinx would hold every page's tree; the extension has it
    read each back from the doctree folder instead, so memory does not grow with the site."""
    held: list[int] = []
    app = make_app("html", srcdir=project, status=StringIO(), warning=StringIO())
    app.connect("env-updated", lambda app, env: held.append(len(env._write_doc_doctree_cache)))
    app.build()
    app.cleanup()
    assert held == [0]
    assert len(list(Path(app.doctreedir).rglob("*.doctree"))) > 10
    assert (Path(app.outdir) / "people" / "jane-roe.html").is_file()
