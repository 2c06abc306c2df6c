"""The theme's sections without a second rendering of the templates that cannot be empty
(:mod:`peacekb.sphinxext.sections`): which templates those are, that the theme's check is
skipped for them alone, and that the pages are the same as when every template is checked."""

from __future__ import annotations

import shutil
from collections import Counter
from io import StringIO
from pathlib import Path
from typing import Any

import jinja2
import pytest
from sphinx.jinja2glue import BuiltinTemplateLoader
from sphinx.testing.util import SphinxTestApp

from conftest import ROOTS, build_without_warnings, tree_digest
from peacekb.sphinxext import sections

TEMPLATES = {
    "text.html": '<div class="box">{{ x }}</div>',
    "after-import.html": '{% from "macros.html" import m with context %}\n<nav>{{ m() }}</nav>',
    "macros.html": "{% macro m() %}<p>inside a macro</p>{% endmacro %}",
    "conditional.html": "{% if x %}<div>{{ x }}</div>{% endif %}",
    "expression-only.html": "  {{ x }}\n",
    "loop.html": "{% for i in x %}<li>{{ i }}</li>{% endfor %}",
    "block.html": "{% block b %}<p>text in a block</p>{% endblock %}",
    "extends.html": '{% extends "text.html" %}<p>text the parent drops</p>',
    "white.html": "  \n\t{# a comment #}\n",
}


@pytest.mark.parametrize(
    ("name", "never_empty"),
    [
        ("text.html", True),
        ("after-import.html", True),
        ("macros.html", False),
        ("conditional.html", False),
        ("expression-only.html", False),
        ("loop.html", False),
        ("block.html", False),
        ("extends.html", False),
        ("white.html", False),
        ("missing.html", False),
    ],
)
def test_a_template_is_never_empty_only_with_text_outside_any_statement(
    name: str, never_empty: bool
) -> None:
    environment = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES))
    assert sections.never_empty(environment, name) is never_empty
    if never_empty:
        # Whatever the page gives it, it renders some text.
        for value in ("", None, [], "<b>"):
            rendered = environment.get_template(name).render(x=value)
            assert rendered.strip()


# The site's theme (the test project's own is Sphinx's basic theme).
BOOK = {"html_theme": "sphinx_book_theme"}


def _project(tmp_path: Path, name: str) -> Path:
    src = tmp_path / name
    shutil.copytree(ROOTS / "test-basic", src)
    return src


def _renders(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count the templates rendered on their own (as the theme's check does)."""
    counted: Counter[str] = Counter()
    real = BuiltinTemplateLoader.render

    def render(self: BuiltinTemplateLoader, template: str, context: dict[str, Any]) -> str:
        counted[template] += 1
        return real(self, template, context)

    monkeypatch.setattr(BuiltinTemplateLoader, "render", render)
    return counted


def _without_wrapper(patch: pytest.MonkeyPatch) -> None:
    found = sections.wrapped_function()
    if found is not None:
        module, function = found
        patch.setattr(module, sections.FUNCTION, getattr(function, "__wrapped__", function))
    patch.setattr(sections, "wrapped_function", lambda: None)


def test_the_theme_function_is_found_and_wrapped(tmp_path: Path) -> None:
    """A renamed or changed function would quietly be rendered twice again."""
    app = SphinxTestApp(
        "html",
        srcdir=_project(tmp_path, "src"),
        confoverrides=BOOK,
        status=StringIO(),
        warning=StringIO(),
    )
    try:
        found = sections.wrapped_function()
        assert found is not None
        environment = app.builder.templates.environment  # type: ignore[attr-defined]
        # sphinx-book-theme's header buttons and sidebar navigation are never empty; the
        # page's table of contents is empty on a page without sections, and the site's own
        # navigation (shared by the pages of a folder) is made under a condition.
        assert sections.never_empty(environment, "article-header-buttons.html")
        assert sections.never_empty(environment, "components/sbt-sidebar-nav.html")
        assert not sections.never_empty(environment, "page-toc.html")
        assert not sections.never_empty(environment, "sbt-sidebar-nav.html")
    finally:
        app.cleanup()
    assert hasattr(found[1], "__wrapped__")


def test_the_pages_are_the_same_without_the_wrapper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        counted = _renders(patch)
        wrapped = build_without_warnings(_project(tmp_path, "wrapped"), **BOOK)
        with_wrapper = Counter(counted)
    with monkeypatch.context() as patch:
        _without_wrapper(patch)
        counted = _renders(patch)
        plain = build_without_warnings(_project(tmp_path, "plain"), **BOOK)
        without = Counter(counted)
    ours, theirs = tree_digest(wrapped), tree_digest(plain)
    assert ours.keys() == theirs.keys()
    assert [p for p in ours if p.endswith(".html") and ours[p] != theirs[p]] == []
    pages = len([p for p in ours if p.endswith(".html") and not p.startswith("_static")])
    # Checked on every page without the wrapper; not once with it.
    assert without["article-header-buttons.html"] >= pages
    assert with_wrapper["article-header-buttons.html"] == 0
    # Templates that may be empty are still checked.
    for name in ("page-toc.html", "sbt-sidebar-nav.html"):
        assert with_wrapper[name] == without[name] >= pages
