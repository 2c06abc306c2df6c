"""Where a page sits and how old it is: breadcrumbs, the section the navigation highlights,
and the date its content last changed.

A record's page is in no table of contents (there would be one entry per record in every
page's navigation), so Sphinx knows no parent for it. Here its kind's index is its parent: the
breadcrumbs read "Home, People, Jane Roe", and the navigation highlights People.

The navigation of a record's page (which no table of contents holds) is the same for every
record of its kind, so it is made once per kind and shared: the theme would make it again for
each page, a cost proportional to the size of the base.

A page's date is the latest change of the files it is made from (see :mod:`peacekb.history`):
a record's page, its record and the sources it quotes; a kind's index, that kind's records;
the pages drawn from the whole base (timeline, map, downloads…), every record; a page written
by hand, its own file.
"""

from __future__ import annotations

import datetime
import os
import posixpath
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from markupsafe import Markup
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util.i18n import format_date

from ..history import ChangeTimes
from ..models import RECORD_KINDS
from ..urls import index_doc, kind_of_segment, record_doc

if TYPE_CHECKING:
    from ..knowledge import Knowledge

# docname -> the files a generated page is made from, per application.
_FILES: WeakKeyDictionary[Sphinx, dict[str, list[str]]] = WeakKeyDictionary()
# When the files of each page last changed, per application: see _PageTimes.
_TIMES: WeakKeyDictionary[Sphinx, _PageTimes] = WeakKeyDictionary()
# Per application, made again for each build's writing: folder -> the sidebar navigation of
# its record pages.
_NAVIGATION: WeakKeyDictionary[Sphinx, dict[str, Markup]] = WeakKeyDictionary()

BREADCRUMBS = "peacekb-breadcrumbs.html"
# Themes with an article header whose items a site chooses (``article_header_start``).
PYDATA_THEMES = frozenset({"sphinx_book_theme", "pydata_sphinx_theme"})


def page_files(kb: Knowledge, data_dir: Path, pages: list[str]) -> dict[str, list[str]]:
    """The data files each generated page (by document name) is made from, as paths in text:
    kept from one build to the next, and made into paths only for the pages a build writes."""
    plurals = {kind: str(data_dir / cls.plural) for kind, cls in RECORD_KINDS.items()}

    def file_of(kind: str, rid: str) -> str:
        return f"{plurals[kind]}/{rid}.yaml"

    everything: list[str] = []
    files: dict[str, list[str]] = {}
    for kind in RECORD_KINDS:
        of_kind = [file_of(kind, r.id) for r in kb.all(kind)]
        everything += of_kind
        files[index_doc(kind)] = of_kind
        for record in kb.all(kind):
            files[record_doc(kind, record.id)] = [
                file_of(kind, record.id),
                *(file_of("source", s.id) for s in kb.sources_of(record) if s.id != record.id),
            ]
    glossary = data_dir / "glossary.yaml"
    if glossary.is_file():
        everything.append(str(glossary))
    for page in pages:
        files.setdefault(page, everything)
    return files


def remember_files(app: Sphinx, files: dict[str, list[str]]) -> None:
    _FILES[app] = files
    _TIMES.pop(app, None)


class _PageTimes:
    """When each page's files last changed, worked out for the pages a build writes: a page
    made from many files (an index) is as old as the newest of them."""

    def __init__(self, pages: dict[str, list[str]]) -> None:
        self.pages = pages
        # Many pages share one list of files (every page drawn from the whole base): each
        # list's folders are gathered once.
        lists = {id(paths): paths for paths in pages.values()}
        folders = {os.path.dirname(p) for paths in lists.values() for p in paths}
        self._times = ChangeTimes(Path(f) for f in folders)
        self._files: dict[str, int] = {}

    def get(self, docname: str) -> int | None:
        paths = self.pages.get(docname)
        if not paths:
            return None
        for path in paths:
            if path not in self._files:
                self._files[path] = self._times.of(path)
        return max(self._files[p] for p in paths)


def _times(app: Sphinx) -> _PageTimes:
    if app not in _TIMES:
        generated = _FILES.get(app, {})
        env = app.env
        written = {doc: [str(env.doc2path(doc))] for doc in env.found_docs if doc not in generated}
        _TIMES[app] = _PageTimes({**written, **generated})
    return _TIMES[app]


def _section(pagename: str) -> str | None:
    """The index a record's page belongs to; None for other pages."""
    parts = pagename.split("/")
    if len(parts) != 2 or parts[1] == "index" or kind_of_segment(parts[0]) is None:
        return None
    return f"{parts[0]}/index"


def _mark_current(html: str, href: str) -> str:
    """The navigation with the top-level entry linking to ``href`` marked as the section."""
    entry = f'<li class="toctree-l1"><a class="reference internal" href="{escape(href)}"'
    current = (
        '<li class="toctree-l1 current active"><a class="current reference internal" '
        f'aria-current="location" href="{escape(href)}"'
    )
    return html.replace(entry, current, 1)


def _reset_navigation(app: Sphinx, env: Any) -> None:
    _NAVIGATION.pop(app, None)


def _shared_navigation(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Give the theme's templates ``peacekb_navigation``, with which the sidebar's navigation
    (``sbt-sidebar-nav.html``) is made once for all the record pages of a folder.

    Called without arguments, it returns the navigation already made for the page's folder,
    or None; called with the navigation the theme made, it keeps it for the folder and returns
    it. A record's page is in no table of contents, so nothing in its navigation is current but
    its section (marked here), and the links, relative to the page, are the same for every page
    of the folder. Other pages get None, then their own navigation back, as they are.
    """
    section = _section(pagename)
    made = _NAVIGATION.setdefault(app, {})
    folder = posixpath.dirname(pagename)
    pathto: Callable[[str], str] | None = context.get("pathto")

    def navigation(html: str | None = None) -> Markup | None:
        if section is None or pathto is None:
            return None if html is None else Markup(html)
        if html is not None:
            made.setdefault(folder, Markup(html))
        if folder not in made:
            return None
        return Markup(_mark_current(str(made[folder]), pathto(section)))

    context["peacekb_navigation"] = navigation


def _wayfinding(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    section = _section(pagename)
    if section is not None and pagename in _FILES.get(app, {}) and section in app.env.titles:
        pathto: Callable[[str], str] = context["pathto"]
        link = pathto(section)
        title = app.builder.render_partial(app.env.titles[section])["title"]  # type: ignore[attr-defined]
        context["parents"] = [{"link": link, "title": Markup(title)}]
        generate = context.get("generate_toctree_html")
        if callable(generate):

            def highlighted(*args: Any, **kwargs: Any) -> Any:
                return Markup(_mark_current(str(generate(*args, **kwargs)), link))

            context["generate_toctree_html"] = highlighted
    fmt = app.config.html_last_updated_fmt
    stamp = _times(app).get(pagename) if doctree is not None else None
    if fmt is None or not stamp:
        context["last_updated"] = None
        return
    when = datetime.datetime.fromtimestamp(stamp, tz=datetime.UTC)
    # Plain text: themes print it in elements and in attributes (a meta tag's content).
    context["last_updated"] = format_date(fmt, date=when, language=app.config.language)


def _breadcrumbs_in_header(app: Sphinx, config: Config) -> None:
    """Put the breadcrumbs in the article's header, after the sidebar's button, unless the
    site chose that header's contents itself."""
    if config.html_theme not in PYDATA_THEMES:
        return
    options = dict(config.html_theme_options or {})
    if "article_header_start" not in options:
        options["article_header_start"] = ["toggle-primary-sidebar.html", BREADCRUMBS]
        config.html_theme_options = options


def setup_wayfinding(app: Sphinx) -> None:
    app.connect("config-inited", _breadcrumbs_in_header)
    # After the theme has put its navigation function into the context (500).
    app.connect("html-page-context", _wayfinding, priority=600)
    # Before the theme renders its sidebar (500), even to find out whether it is empty.
    app.connect("html-page-context", _shared_navigation, priority=400)
    app.connect("env-updated", _reset_navigation)
