"""What a build that rewrites only some pages must still give of the others.

After an edit, Sphinx writes only the pages whose text changed, and two outputs that list every
page are then made from those pages alone:

* the search index: Sphinx reloads the last one, but not its index entries, which are how a
  record's page comes first for each of its names (see :mod:`.search`), it lists the pages
  that share an entry in the order it fed them (the rewritten pages last), and it keeps the
  words of a deleted page with no page;
* the sitemap: sphinx-sitemap lists the pages that went through this build's writer.

So both are kept in the doctree folder at the end of each build, and the next build gives back
what belongs to pages it did not rewrite and that still exist: a build after an edit writes
the same index and sitemap as a build from scratch.

And a build that writes no page at all (nothing changed) leaves the lists made from all the
other pages as they are: the general index and the search index. Sphinx would load the search
index, make the general index again, and write both back unchanged (on 1,819 pages, a fifth of
such a build).
"""

from __future__ import annotations

import os
import queue
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sphinx.application import ENV_PICKLE_FILENAME, Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.environment import BuildEnvironment

from .cache import read_kept, store

INDEX_ENTRIES = "peacekb-index-entries.pickle"
SITEMAP = "peacekb-sitemap.pickle"


def _index_entries(app: Sphinx) -> list[Any]:
    """Give the search index back the entries of the pages this build did not rewrite.
    Connected to ``html-collect-pages``, which runs after every page is written and before
    the index is saved; adds no page."""
    indexer = getattr(app.builder, "indexer", None)
    entries = getattr(indexer, "_index_entries", None)
    if not isinstance(entries, dict) or _KEPT.get(app):
        return []
    path = Path(app.doctreedir) / INDEX_ENTRIES
    kept = read_kept(path)
    if isinstance(kept, dict):
        for docname, listed in kept.items():
            if docname in app.env.all_docs and docname not in entries:
                entries[docname] = listed
    # In the order of the pages' names, as a build from scratch writes them: an entry that
    # several pages share lists them in that order, whichever pages this build rewrote.
    ordered = {d: entries[d] for d in sorted(entries)}
    entries.clear()
    entries.update(ordered)
    store(path, {d: listed for d, listed in ordered.items() if d in app.env.all_docs})
    # Words left without a page by a page deleted or changed: a build from scratch lists none.
    for name in ("_mapping", "_title_mapping"):
        words = getattr(indexer, name, None)
        if isinstance(words, dict):
            for word in [w for w, docs in words.items() if not docs]:
                del words[word]
    return []


def _output_file(outdir: str, link: str) -> str:
    """The file behind a sitemap link as sphinx-sitemap writes it: ``people/jane-roe.html``,
    or ``people/jane-roe/`` (and ``""`` for the home page) with the ``dirhtml`` builder."""
    if link == "" or link.endswith("/"):
        return os.path.join(outdir, link, "index.html")
    return os.path.join(outdir, link)


def _sitemap(app: Sphinx, exception: Exception | None) -> None:
    """Complete the pages sphinx-sitemap collected with those of the last build that were not
    rewritten and are still there, and put them in order (a parallel build writes pages in a
    different order each time)."""
    links = getattr(app, "sitemap_links", None)
    if links is None or not hasattr(links, "get_nowait"):
        return
    items = []
    while not links.empty():
        items.append(links.get_nowait())
    path = Path(app.doctreedir) / SITEMAP
    kept = read_kept(path)
    if isinstance(kept, list):
        have = {item[0] for item in items}
        excluded = list(getattr(app.config, "sitemap_excludes", []) or [])
        outdir = str(app.outdir)
        for item in kept:
            link = item[0]
            if link in have or _excluded(link, excluded):
                continue
            if os.path.isfile(_output_file(outdir, link)):
                items.append(item)
    items.sort(key=lambda pair: str(pair[0]))
    if exception is None:
        store(path, items)
    for item in items:
        links.put(item)


def _excluded(link: str, patterns: list[str]) -> bool:
    try:
        from sphinx_sitemap import is_excluded  # type: ignore[import-untyped]
    except ImportError:
        return False
    return bool(is_excluded(link, patterns))


def _sitemap_links_here(app: Sphinx) -> None:
    """In a serial build, sphinx-sitemap's list of links stays in this process.

    It collects the links in a queue served by a process of its own, made for parallel builds
    (whose pages are written in other processes). Every link then costs a round trip between
    processes when a page is written and again when the sitemap is made, and :func:`_sitemap`
    passes them all through once more: on 1,819 pages, about 0.65 s of CPU per build, half of
    it in the serving process. A serial build has no other process to hear from; the queue is
    swapped for one of this process (same methods), and the serving process, unused, stops."""
    if app.parallel > 1 or not hasattr(getattr(app, "sitemap_links", None), "get_nowait"):
        return
    app.sitemap_links = queue.Queue()  # type: ignore[attr-defined]


# Per application: the documents this build removed (their pages leave the lists, and their
# output is deleted), until the build ends.
_REMOVED: WeakKeyDictionary[Sphinx, set[str]] = WeakKeyDictionary()


def _note_removed(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    _REMOVED[app] = set(removed)
    return []


def removed_docs(app: Sphinx) -> set[str]:
    """The documents this build removed."""
    return _REMOVED.get(app, set())


def _lists_current(app: Sphinx, builder: StandaloneHTMLBuilder) -> bool:
    """Whether the pages listing every page are those the environment would give: no document
    was removed in this build, and each was written after the environment was last saved (a
    build that saved it and then stopped early leaves them older)."""
    removed = _REMOVED.get(app)
    if removed is None or removed:  # not known, or some were
        return False
    try:
        saved = (Path(app.doctreedir) / ENV_PICKLE_FILENAME).stat().st_mtime_ns
        outdir = Path(app.outdir)
        names = [builder.searchindex_filename]
        if builder.use_index:
            names.append(f"genindex{builder.out_suffix}")
        return all((outdir / name).stat().st_mtime_ns >= saved for name in names)
    except OSError:
        return False


# What the HTML builder does to remake the lists of every page, left undone when they are current.
_LIST_MAKERS = ("load_indexer", "dump_search_index", "write_genindex")
# Per application: whether this build leaves the lists as they are.
_KEPT: WeakKeyDictionary[Sphinx, bool] = WeakKeyDictionary()


def _nothing(*args: Any) -> None:
    return None


def _keep_lists_when_nothing_is_written(app: Sphinx) -> None:
    """Wrap the HTML builder's preparation for writing: when it is given no page to write and
    the lists are current, this build neither loads nor writes the search index and does not
    make the general index again. Everything else is as in any build (the search page, and
    the search's language data, stemmer and stop words among the static files, are made as
    always). The builder is restored at the end of the build."""
    builder = app.builder
    if not isinstance(builder, StandaloneHTMLBuilder):
        return
    prepare = builder.prepare_writing

    def prepare_writing(docnames: set[str]) -> None:
        if not docnames and builder.search and _lists_current(app, builder):
            _KEPT[app] = True
            for name in _LIST_MAKERS:
                setattr(builder, name, _nothing)
        prepare(docnames)

    def restore(app: Sphinx, exception: Exception | None) -> None:
        for name in _LIST_MAKERS:
            builder.__dict__.pop(name, None)
        _KEPT.pop(app, None)
        _REMOVED.pop(app, None)

    builder.prepare_writing = prepare_writing  # type: ignore[method-assign,assignment]
    app.connect("build-finished", restore)


def setup_incremental(app: Sphinx) -> None:
    app.connect("env-get-outdated", _note_removed)
    app.connect("builder-inited", _keep_lists_when_nothing_is_written)
    # After sphinx-sitemap makes its queue (500).
    app.connect("builder-inited", _sitemap_links_here, priority=600)
    app.connect("html-collect-pages", _index_entries)
    # Before sphinx-sitemap writes the sitemap (500).
    app.connect("build-finished", _sitemap, priority=400)
