"""Search: every name a record holds finds its page first, and each page is one result.

The site uses Sphinx's own search, which works from ``file://`` as well as over HTTP. A record
page states the names it is found by (its name, the spellings in ``names``, its acronym, its
aliases) in a ``kb-search-names`` directive, which the page templates write. When the page is
written they become index entries of the *search* index only: the general index is collected
when pages are read, so it does not list them. In ``searchtools.js`` an index entry that the
query matches scores ``100 * len(query) / len(entry)`` (100 for an exact match), far above a
page title (16 at most) or a word of the text (5), so the record's page comes first.

The search page also gets ``peacekb-search.js`` (see the theme's ``search.html``): it keeps one
result per page (Sphinx keeps one per page, title, anchor and description, so a record found by
its title, a section title and an index entry showed up three times) and takes result snippets
from the article alone, without the theme's buttons, menus or form controls.

Before it writes the index, Sphinx drops the pages no longer in the project from it
(``IndexBuilder.prune``), passing the environment's dictionary of pages: each word's set of
pages is intersected with that dictionary, which Python does by walking all of it, once per
word (0.07 s on 1,800 pages, at every build, for one page changed as for all). The method is
wrapped to be given the same pages as a set (:class:`_Pages`, iterated in the order it was
given), which the intersection looks words up in instead. What it keeps is the same.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from weakref import WeakSet

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.search import IndexBuilder
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

from .json_content import json_content
from .wrapping import wrap_once

DIRECTIVE = "kb-search-names"
SIDEBAR_FIELD = "peacekb-sidebar-search.html"

# The pages whose names SearchEntries made into index entries.
_ENTERED: WeakSet[nodes.document] = WeakSet()

# Spellings a reader types for the same name: a plain apostrophe for a typographic one, a space
# for a hyphen, a letter without its accent (the query is matched as typed, so the forms are
# stored instead).
_APOSTROPHES = str.maketrans(dict.fromkeys("\u2018\u2019\u02bc\u2032`", "'"))
_DASHES = re.compile(r"[-\u2010-\u2015]+")


def _unaccented(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def search_forms(names: Iterable[str]) -> list[str]:
    """``names`` with the other forms a reader may type them in, each once (case aside)."""
    found: dict[str, str] = {}
    for name in names:
        # One line, and no ";": Sphinx reads a semicolon in an index entry as a separator.
        plain = " ".join(name.replace(";", ",").split())
        straight = plain.translate(_APOSTROPHES)
        for form in (plain, straight, _unaccented(straight)):
            for variant in (form, " ".join(_DASHES.sub(" ", form).split())):
                if variant:
                    found.setdefault(variant.lower(), variant)
    return list(found.values())


class SearchNamesNode(nodes.Invisible, nodes.Element):  # type: ignore[misc]
    """The names a page is found by, until the page is written."""


class SearchNamesDirective(SphinxDirective):
    """``kb-search-names``: a JSON object ``{"names": [...]}``, the names the page is found by.

    JSON keeps record text out of the markup: it is never parsed as MyST.
    """

    has_content = True

    def run(self) -> list[nodes.Node]:
        data = json_content(self, "\n".join(self.content) or "{}")
        names = data.get("names") if isinstance(data, dict) else None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise self.error(f'{DIRECTIVE} content must be {{"names": [text, ...]}}')
        return [SearchNamesNode("", names=search_forms(names))]


class SearchEntries(SphinxPostTransform):
    """Turn each page's names into search-index entries, once the general index is built.

    Post-transforms run when a page is about to be written, after every page was read, so the
    entries reach the search index (fed from the written doctree) and not the general index.
    Main entries: Sphinx shows entries that are not main after every other result.
    """

    default_priority = 100
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        _ENTERED.add(self.document)
        for node in list(self.document.findall(SearchNamesNode)):
            entries = [("single", name, "", "main", None) for name in node["names"]]
            node.replace_self(addnodes.index(entries=entries))


class DropSearchNames(SphinxPostTransform):
    """Other formats have no search index: the names go. (In HTML, :class:`SearchEntries`
    has already replaced them: the page is not walked again.)"""

    default_priority = 101

    def run(self, **kwargs: Any) -> None:
        if self.document in _ENTERED:
            return
        for node in list(self.document.findall(SearchNamesNode)):
            node.parent.remove(node)


def _skip(translator: Any, node: nodes.Element) -> None:
    raise nodes.SkipNode


def _one_entry_point(app: Sphinx, config: Config) -> None:
    """A site that puts the search field in its sidebar gets no second one in the header.

    Themes of the pydata family add a search button to the header unless
    ``navbar_persistent`` is set: on a wide screen the reader saw two. Narrow screens, where
    the sidebar is folded away, keep the article header's search button.
    """
    templates: list[str] = []
    for value in (config.html_sidebars or {}).values():
        templates.extend([value] if isinstance(value, str) else value)
    options = config.html_theme_options or {}
    if SIDEBAR_FIELD in templates and "navbar_persistent" not in options:
        config.html_theme_options = {**options, "navbar_persistent": []}


class _Pages(frozenset[str]):
    """Page names as a set, iterated in the order they were given."""

    _order: tuple[str, ...]

    def __new__(cls, names: Iterable[str]) -> _Pages:
        order = tuple(names)
        pages = super().__new__(cls, order)
        pages._order = order
        return pages

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)


def _prune_with_a_set(original: Callable[[Any, Iterable[str]], None]) -> Callable[..., None]:
    def prune(self: Any, docnames: Iterable[str]) -> None:
        if not isinstance(docnames, set | frozenset):
            docnames = _Pages(docnames)
        original(self, docnames)

    prune.__wrapped__ = original  # type: ignore[attr-defined]
    return prune


def _wrap_prune() -> None:
    """Wrap ``IndexBuilder.prune`` (see the module's documentation), once, and only when it
    has the parameters it is known by."""
    wrap_once(IndexBuilder, "prune", ["self", "docnames"], _prune_with_a_set)


def setup_search(app: Sphinx) -> None:
    _wrap_prune()
    app.connect("config-inited", _one_entry_point)
    app.add_directive(DIRECTIVE, SearchNamesDirective)
    # Never written (the post-transform replaces it); skipped by any writer that meets it.
    skip = (_skip, None)
    app.add_node(SearchNamesNode, html=skip, latex=skip, text=skip, man=skip, texinfo=skip)
    app.add_post_transform(SearchEntries)
    app.add_post_transform(DropSearchNames)
