"""The theme's page sections, without rendering twice the templates that cannot be empty.

For each section of a page (the header, the sidebars, the article's header and footer...),
pydata-sphinx-theme, which sphinx-book-theme builds on, renders every template of the section
once to drop those that render only white space, then the page renders the ones kept again.
sphinx-book-theme's article header buttons were rendered twice on every page that way: on the
synthetic base of 469 pages (``scripts/bench_build.py``), 0.9 s of the 11 s a profile showed
spent writing the pages. (The site's own sidebar navigation, shared by the pages of a folder,
is made under a condition: it is still checked.)

A template whose body holds text outside any block, condition, loop or macro, and that extends
no other template, renders that text whatever the page: it is never empty, and its check is
skipped (the theme's own list of templates never checked is kept and extended). Whether a
template is one of them is read from its parsed source, once per template and build.

Only the theme's function of that name and signature is wrapped: another version of the theme
that renames it or changes its parameters renders every template twice, as before.
``tests/test_sections.py`` builds pages with and without the wrapper and compares them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

import jinja2
from jinja2 import nodes as jinja_nodes
from sphinx.application import Sphinx

from .wrapping import known_function, wrap_once

THEME_UTILS = "pydata_sphinx_theme.utils"
FUNCTION = "_update_and_remove_templates"
PARAMETERS = ["app", "context", "templates", "section", "templates_skip_empty_check"]

# Per template environment: template name -> whether it can never render empty.
_NEVER_EMPTY: WeakKeyDictionary[jinja2.Environment, dict[str, bool]] = WeakKeyDictionary()


def never_empty(environment: jinja2.Environment, name: str) -> bool:
    """Whether template ``name`` renders text that is not white space on every page: text at
    the top level of its body, in a template that extends none. False when it cannot be read
    or parsed (the theme then renders it to see)."""
    known = _NEVER_EMPTY.setdefault(environment, {})
    if name not in known:
        known[name] = _has_text_always(environment, name)
    return known[name]


def _has_text_always(environment: jinja2.Environment, name: str) -> bool:
    try:
        assert environment.loader is not None
        source, _, _ = environment.loader.get_source(environment, name)
        tree = environment.parse(source)
    except Exception:  # a template the check cannot read: the theme renders it to see
        return False
    if any(True for _ in tree.find_all(jinja_nodes.Extends)):
        return False
    return any(
        isinstance(part, jinja_nodes.TemplateData) and part.data.strip()
        for node in tree.body
        if isinstance(node, jinja_nodes.Output)
        for part in node.nodes
    )


def _suffixed(templates: list[str] | str) -> list[str]:
    """The template names as the theme's function makes them: split at commas, ``.html``
    added to a name without a suffix."""
    if isinstance(templates, str):
        templates = [t.strip() for t in templates.split(",")]
    return [t if os.path.splitext(t)[1] else f"{t}.html" for t in templates]


def _wrap(original: Callable[..., list[str]]) -> Callable[..., list[str]]:
    def update_and_remove_templates(
        app: Sphinx,
        context: dict[str, Any],
        templates: list[str] | str,
        section: str,
        templates_skip_empty_check: list[str] | None = None,
    ) -> list[str]:
        skip = list(templates_skip_empty_check or [])
        environment = getattr(getattr(app.builder, "templates", None), "environment", None)
        if isinstance(environment, jinja2.Environment):
            skip += [t for t in _suffixed(templates) if never_empty(environment, t)]
        return original(app, context, templates, section, templates_skip_empty_check=skip)

    update_and_remove_templates.__wrapped__ = original  # type: ignore[attr-defined]
    return update_and_remove_templates


def wrapped_function() -> tuple[Any, Callable[..., list[str]]] | None:
    """The theme's module and function, when the theme is loaded (a build with another theme
    does not import it) and the function has the expected name and parameters."""
    module = sys.modules.get(THEME_UTILS)
    if module is None:
        return None
    function = known_function(module, FUNCTION, PARAMETERS)
    return None if function is None else (module, function)


def _wrap_theme(app: Sphinx) -> None:
    found = wrapped_function()
    if found is not None:
        wrap_once(found[0], FUNCTION, PARAMETERS, _wrap)


def setup_sections(app: Sphinx) -> None:
    # Once the builder has loaded the theme.
    app.connect("builder-inited", _wrap_theme)
