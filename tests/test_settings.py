"""Docutils' settings are worked out once per build, not for every page
(:mod:`peacekb.sphinxext.settings`): the pages are the same, each page still gets settings of
its own, and a component whose settings are its own is served as before."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from docutils.frontend import OptionParser, get_default_settings
from docutils.parsers.rst import Parser as RSTParser
from docutils.readers import standalone
from myst_parser.mdit_to_docutils import base
from sphinx.testing.util import SphinxTestApp
from sphinx.util import docutils as sphinx_docutils

import peacekb.sphinxext
from conftest import ROOTS, build_without_warnings, tree_digest
from peacekb.sphinxext import settings


def _build(src: Path) -> Path:
    return build_without_warnings(src)


def _project(tmp_path: Path, name: str) -> Path:
    src = tmp_path / name
    shutil.copytree(ROOTS / "test-basic", src)
    return src


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """The components of every option parser the kept functions build."""
    found: list[tuple[Any, ...]] = []

    class Counting(OptionParser):  # type: ignore[misc]
        def __init__(self, components: Any = (), *args: Any, **kwargs: Any) -> None:
            found.append(tuple(components))
            super().__init__(components, *args, **kwargs)

    monkeypatch.setattr(settings, "OptionParser", Counting)
    # Kept functions of their own: nothing kept by an earlier build of this process.
    for module, name, keep in (
        (sphinx_docutils, "_get_settings", settings.kept_get_settings),
        (base, "get_default_settings", settings.kept_default_settings),
    ):
        function = getattr(module, name)
        monkeypatch.setattr(module, name, keep(getattr(function, "__wrapped__", function)))
    return found


def test_a_build_makes_one_parser_for_all_its_pages(
    tmp_path: Path, made: list[tuple[Any, ...]]
) -> None:
    out = _build(_project(tmp_path, "src"))
    pages = [p for p in out.rglob("*.html") if "_static" not in p.parts]
    assert len(pages) > 3
    # One for Sphinx's reading of the pages, one for myst-parser's documents.
    assert len(made) == 2, made


def test_the_pages_are_the_same_as_with_a_parser_for_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = _build(_project(tmp_path, "kept"))
    with monkeypatch.context() as patch:
        patch.setattr(sphinx_docutils, "_get_settings", sphinx_docutils._get_settings.__wrapped__)
        patch.setattr(base, "get_default_settings", base.get_default_settings.__wrapped__)
        patch.setattr(peacekb.sphinxext, "setup_settings", lambda: None)
        plain = _build(_project(tmp_path, "plain"))
        assert not hasattr(sphinx_docutils._get_settings, "__wrapped__")
    ours, theirs = tree_digest(kept), tree_digest(plain)
    assert ours.keys() == theirs.keys()
    assert [p for p in ours if p.endswith(".html") and ours[p] != theirs[p]] == []


def test_each_caller_gets_settings_of_its_own(made: list[tuple[Any, ...]]) -> None:
    get = settings.kept_get_settings(sphinx_docutils._get_settings.__wrapped__)
    env = object()
    first = get(standalone.Reader, RSTParser(), defaults={"env": env, "tab_width": 4})
    second = get(standalone.Reader, RSTParser(), defaults={"env": env, "tab_width": 4})
    assert len(made) == 1
    assert first is not second
    first.tab_width = 2
    first._source = "first.md"
    assert second.tab_width == 4
    assert getattr(second, "_source", None) is None
    assert first.env is env


def test_other_defaults_make_another_parser(made: list[tuple[Any, ...]]) -> None:
    get = settings.kept_get_settings(sphinx_docutils._get_settings.__wrapped__)
    one = get(standalone.Reader, defaults={"env": object(), "tab_width": 4})
    other = get(standalone.Reader, defaults={"env": object(), "tab_width": 2})
    assert len(made) == 2
    assert (one.tab_width, other.tab_width) == (4, 2)
    assert other.report_level == get_default_settings(standalone.Reader).report_level


def test_a_component_with_settings_of_its_own_is_served_as_before(
    made: list[tuple[Any, ...]],
) -> None:
    calls: list[tuple[Any, ...]] = []

    def original(*components: Any) -> Any:
        calls.append(components)
        return base.get_default_settings.__wrapped__(*components)

    get = settings.kept_default_settings(original)
    parser = RSTParser()
    parser.settings_defaults = {"tab_width": 3}
    assert get(parser).tab_width == 3
    assert get(RSTParser).tab_width == 8
    assert get(RSTParser).tab_width == 8
    assert calls == [(parser,)]
    assert made == [(RSTParser,)]


def test_each_page_gets_a_list_of_its_own_dependencies(made: list[tuple[Any, ...]]) -> None:
    """The configuration files read, docutils' parser holds one list of the files a page
    depends on; each page's settings must hold a list of their own."""
    get = settings.kept_get_settings(sphinx_docutils._get_settings.__wrapped__)
    defaults = {"env": object()}
    first = get(standalone.Reader, RSTParser(), defaults=defaults, read_config_files=True)
    second = get(standalone.Reader, RSTParser(), defaults=defaults, read_config_files=True)
    assert len(made) == 1
    first.record_dependencies.add("included.md")
    assert second.record_dependencies.list == []


def test_only_the_page_that_includes_a_file_depends_on_it(tmp_path: Path) -> None:
    src = _project(tmp_path, "src")
    (src / "part.inc.md").write_text("Included text.\n", "utf-8")
    for name in ("first", "second", "third"):
        (src / f"{name}.md").write_text(f"---\norphan: true\n---\n# {name}\n", "utf-8")
    (src / "second.md").write_text(
        "---\norphan: true\n---\n# Second\n\n```{include} part.inc.md\n```\n", "utf-8"
    )
    app = SphinxTestApp("html", srcdir=src, status=StringIO(), warning=StringIO())
    try:
        app.build()
        depending = {doc for doc, files in app.env.dependencies.items() if files}
    finally:
        app.cleanup()
    assert depending == {"second"}
