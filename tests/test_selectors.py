"""The CSS selectors the theme parses are kept from one build to the next
(:mod:`peacekb.sphinxext.selectors`): a build after the first parses none of them, writes the
same pages, and leaves Soup Sieve as it found it."""

from __future__ import annotations

import pickle
import shutil
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
import soupsieve
from soupsieve import css_parser
from sphinx.testing.util import SphinxTestApp

from conftest import ROOTS, build_without_warnings, tree_digest
from peacekb.sphinxext.selectors import SELECTORS

BOOK_THEME = {"html_theme": "sphinx_book_theme"}


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every selector Soup Sieve parses from its text (its own in-memory cache emptied first,
    so that a selector parsed by an earlier build in this process is parsed again)."""
    parsed: list[str] = []
    real = css_parser.CSSParser.process_selectors

    def counting(self: css_parser.CSSParser, *args: object, **kwargs: object) -> object:
        parsed.append(self.pattern)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(css_parser.CSSParser, "process_selectors", counting)
    soupsieve.purge()
    yield parsed
    soupsieve.purge()


def _build(src: Path) -> Path:
    soupsieve.purge()
    return build_without_warnings(src, **BOOK_THEME)


def out_of(src: Path) -> Path:
    return src / "_build"


def _edit_home(src: Path, n: int) -> None:
    """Change the home page, so that the next build writes a page."""
    home = src / "index.md"
    home.write_text(home.read_text("utf-8") + f"\nEdited {n}.\n", "utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-basic", src)
    return src


def test_a_build_after_the_first_parses_no_selector(project: Path, parses: list[str]) -> None:
    out = _build(project)
    first = list(parses)
    assert first, "the theme parsed no selector: nothing to keep"
    kept = pickle.loads((out.parent / "doctrees" / SELECTORS).read_bytes())
    assert kept["soupsieve"] == soupsieve.__version__
    assert {key[0][0] for key in kept["selectors"]} == set(first)

    _edit_home(project, 1)
    parses.clear()
    _build(project)
    assert parses == []
    assert "Edited 1." in (out / "index.html").read_text("utf-8")


def test_kept_selectors_give_the_pages_a_build_from_scratch_gives(
    project: Path, tmp_path: Path, parses: list[str]
) -> None:
    _build(project)
    _edit_home(project, 1)
    parses.clear()
    out = _build(project)
    assert parses == []
    fresh = tmp_path / "fresh"
    shutil.copytree(project, fresh, ignore=shutil.ignore_patterns("_build", "_generated"))
    fresh_out = _build(fresh)
    ours, theirs = tree_digest(out), tree_digest(fresh_out)
    assert ours.keys() == theirs.keys()
    assert {p for p in ours if p.endswith(".html") and ours[p] != theirs[p]} == set()


@pytest.mark.parametrize(
    "content",
    [
        b"not a pickle",
        pickle.dumps({"soupsieve": "0.0.0-another", "selectors": {}}),
        pickle.dumps(["a list"]),
    ],
    ids=["garbage", "another-version", "wrong-shape"],
)
def test_a_file_not_kept_by_this_version_is_ignored(
    project: Path, parses: list[str], content: bytes
) -> None:
    out = _build(project)
    path = out.parent / "doctrees" / SELECTORS
    path.write_bytes(content)
    _edit_home(project, 1)
    parses.clear()
    _build(project)
    assert parses, "nothing was parsed: the file was used"
    assert pickle.loads(path.read_bytes())["soupsieve"] == soupsieve.__version__


def test_soup_sieve_is_left_as_it_was(project: Path) -> None:
    before = css_parser._cached_css_compile
    _build(project)
    assert css_parser._cached_css_compile is before
    # A build that fails while it writes the pages leaves it as well, and keeps nothing.
    kept = out_of(project) / "doctrees" / SELECTORS
    kept.unlink()
    _edit_home(project, 1)

    def fail(app: object, pagename: str, *rest: object) -> None:
        assert css_parser._cached_css_compile is not before  # in place while pages are written
        raise RuntimeError("a page that cannot be written")

    soupsieve.purge()
    app = SphinxTestApp(
        "html", srcdir=project, confoverrides=BOOK_THEME, status=StringIO(), warning=StringIO()
    )
    try:
        app.connect("html-page-context", fail, priority=900)
        with pytest.raises(Exception, match="a page that cannot be written"):
            app.build()
    finally:
        app.cleanup()
    assert css_parser._cached_css_compile is before
    assert not kept.exists()


def test_only_selectors_with_plain_arguments_are_kept(project: Path) -> None:
    """A selector parsed with namespaces is parsed by Soup Sieve as usual and not kept."""
    seen: dict[str, object] = {}

    def during_build(app: object, pagename: str, *rest: object) -> None:
        if not seen:
            seen["namespaced"] = soupsieve.compile("svg|rect", namespaces={"svg": "x"})
            seen["plain"] = soupsieve.compile("p.kb-custom-selector")

    soupsieve.purge()
    app = SphinxTestApp(
        "html", srcdir=project, confoverrides=BOOK_THEME, status=StringIO(), warning=StringIO()
    )
    try:
        app.connect("html-page-context", during_build)
        app.build()
    finally:
        app.cleanup()
    kept = pickle.loads((Path(app.outdir).parent / "doctrees" / SELECTORS).read_bytes())
    patterns = {key[0][0] for key in kept["selectors"]}
    assert "p.kb-custom-selector" in patterns
    assert "svg|rect" not in patterns
    assert seen["namespaced"] == soupsieve.compile("svg|rect", namespaces={"svg": "x"})


class _App:
    """What the hooks use of an application: where its doctrees are."""

    def __init__(self, doctrees: Path) -> None:
        self.doctreedir = str(doctrees)


class _Builder:
    format = "html"


def test_builds_that_overlap_in_one_process_each_keep_their_own(tmp_path: Path) -> None:
    """Two builds writing their pages at once (one starts, then another; the first ends
    first): each keeps what it parsed, Soup Sieve's cache can be emptied meanwhile, and
    Soup Sieve is as it was once both have ended."""
    from peacekb.sphinxext import selectors

    before = css_parser._cached_css_compile
    first, second = _App(tmp_path / "one"), _App(tmp_path / "two")
    selectors._start(first, _Builder())  # type: ignore[arg-type]
    soupsieve.compile("p.kb-first")
    selectors._start(second, _Builder())  # type: ignore[arg-type]
    soupsieve.purge()
    selectors._finish(first, None)  # type: ignore[arg-type]
    assert css_parser._cached_css_compile is not before  # the second build is still writing
    soupsieve.compile("p.kb-second")
    selectors._finish(second, None)  # type: ignore[arg-type]
    assert css_parser._cached_css_compile is before

    def patterns(app: _App) -> set[str]:
        kept = pickle.loads((Path(app.doctreedir) / SELECTORS).read_bytes())
        return {key[0][0] for key in kept["selectors"]}

    assert patterns(first) == {"p.kb-first"}
    assert patterns(second) == {"p.kb-second"}
