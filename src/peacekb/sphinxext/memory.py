"""Memory that does not grow with every page read, and a garbage collector that does not rescan
what lives for the whole build.

In a serial build Sphinx keeps every document's tree in memory from the moment it is read until
it is written (``BuildEnvironment._write_doc_doctree_cache``), so the peak holds the trees of
the whole site. It also writes each tree to the doctree folder as it reads it; here the
in-memory copy is not kept, and the writing phase reads each tree back from that folder. On the
synthetic base of 469 pages (``scripts/bench_build.py``) that took the peak from 251 MB to
166 MB, at the same CPU time.

A document tree is a web of cycles (each node points to its parent), which Python's reference
counting cannot free: only the cyclic garbage collector can. Each of its full passes walks every
object alive, and in a build most of those are the environment, the extensions' and themes'
templates and the records, which live until the end. That cost is kept down:

* while the environment is loaded the collector is paused: what it unpickles lives for the
  whole build; so it is while the generated pages and downloads are made: the records they
  are made from live as long, and what they leave in cycles is collected once, when they
  are written;
* once the environment is loaded, once the generated pages are written, every hundred pages
  read or written and once every page is read, what is alive is moved out of the collector's
  sight (:func:`gc.freeze`) until the build ends, so that its passes walk only what was made
  since: the trees of the last pages read or written (garbage is collected first, so that
  none is kept);
* a build that reads fewer than a hundred pages (after an edit) makes little garbage: the
  collector's own passes are paused from then on, and it collects only at those points;
* a tree no one will use again (once written to the doctree folder after reading, once its
  page is written) is taken apart, each node letting go of its parent and children, so that
  reference counting frees it at once and the collector never walks it.

When the process ends, everything still alive is frozen too (an ``atexit`` handler): the
interpreter's last full collection, on its way out, then has nothing to walk. The memory goes
back to the system whole either way; what is skipped is a pass over every object, more than a
second of CPU at the end of a build where nothing changed on 1,819 pages (a third of it).

On the synthetic base of 1,819 pages a full build went from 70.6 s to 49.7 s of CPU, 4.2 s of
it collecting (at 469 pages, collecting went from 4.7 s to 1.1 s), at the same peak memory.
The objects are handed back to the collector when the build ends, whether it succeeded or not,
so that a process running several builds (the tests, a live preview) frees them.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

CACHE = "_write_doc_doctree_cache"


def take_apart(tree: nodes.Node) -> None:
    """Break the cycles of a document tree no one will use again, so that reference counting
    frees it without the cyclic garbage collector: each node's links to its parent, its
    children and its document, and a document's transformer."""
    if isinstance(tree, nodes.document):
        tree.transformer = None
    stack: list[Any] = [tree]
    pop, push = stack.pop, stack.extend
    while stack:
        node = pop()
        children = node.children  # a text node's is an empty tuple
        if children:
            push(children)
            children.clear()
        node.parent = None
        node.document = None


class _KeepNothing(dict[str, Any]):
    """A mapping that stores nothing: a tree asked for later is read back from disk. Sphinx
    hands it each tree just after writing it to the doctree folder: the tree is taken apart."""

    def __setitem__(self, key: str, value: Any) -> None:
        if isinstance(value, nodes.document):
            take_apart(value)


def _bound_memory(app: Sphinx) -> None:
    env = app.env
    if isinstance(getattr(env, CACHE, None), dict):
        setattr(env, CACHE, _KeepNothing())


def _freeze(*args: object) -> None:
    # What became garbage just before (the records and pages of the generation, the last
    # trees read) is freed first: frozen, it would stay until the build ends.
    gc.collect()
    gc.freeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused for a while, then as it was: for a step that makes
    many objects that live until the build ends (the records loaded for the generated pages,
    and what their checks find), and garbage that reference counting frees or that one
    collection at its end can. Each of the collector's passes while they pile up would walk
    them all again (after an edit on 1,819 pages: a third of the collector's time in a
    build). Made afresh, the generated pages and downloads of 1,819 pages leave about 250,000
    objects in cycles, 27 MB at the step's peak, below the build's own."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def freeze_alive() -> None:
    """Freeze what is alive now, without a collection first: for objects just made that live
    until the build ends (the records loaded for the generated pages)."""
    gc.freeze()


def _pause_collector(app: Sphinx, config: Any) -> None:
    # Just before the environment is loaded: see _freeze_loaded.
    gc.disable()


def _freeze_loaded(app: Sphinx) -> None:
    # The environment just loaded, the extensions and their templates: little garbage yet.
    # Unpickling the environment makes hundreds of thousands of objects that live for the
    # whole build, and the collector, paused while it was loaded, would have walked them all
    # again at each of the full passes their number set off (on 1,819 pages, five passes and
    # a third of a second in a build after an edit).
    gc.freeze()
    gc.enable()


def _pause_for_few_pages(app: Sphinx, env: Any, docnames: list[str]) -> None:
    # A build that reads fewer pages than FREEZE_EVERY (after an edit, a handful) makes little
    # garbage: the collector's own passes are paused until the build ends, and it collects at
    # the points where what is alive is frozen (at least every FREEZE_EVERY pages written).
    # Its passes walked the trees of the pages read and written, and the search index (on
    # 1,819 pages, a tenth of a second of a build after an edit).
    if len(docnames) < FREEZE_EVERY:
        gc.disable()


def _thaw(app: Sphinx, exception: BaseException | None) -> None:
    _written()
    # Everything goes back to the collector's oldest generation, what was made since the last
    # freeze as well: that is garbage the collector's passes did not walk in a build that read
    # few pages (in one after an edit on 1,819 pages, 65,000 objects, mostly the copies of
    # section titles Sphinx makes to write the search index). Left in its youngest generation,
    # it was collected on the build's last line, 35 ms; a process that goes on collects it
    # with its next full pass, and sphinx-build, which ends there, never does.
    gc.freeze()
    gc.unfreeze()
    gc.enable()


# The tree of the page being written. A serial build writes one page after another, and uses a
# page's tree no more once it has been written: it is taken apart when the next one is
# resolved, or when the build ends. (A parallel build resolves a batch of pages, then writes
# them in other processes: there each tree is kept.)
_WRITING: list[nodes.document] = []


def _written(*args: object) -> None:
    while _WRITING:
        take_apart(_WRITING.pop())


def _resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    _written()
    _next_page()
    if app.parallel > 1:
        return
    _WRITING.append(doctree)


# Every this many pages read or written, what is alive is frozen too: the environment grows
# with every page read, the search index with every page written, and the collector's full
# passes would walk them again and again.
FREEZE_EVERY = 100
_pages = [0]


def _next_page(*args: object) -> None:
    _pages[0] += 1
    if _pages[0] % FREEZE_EVERY == 0:
        _freeze()


_EXIT: list[bool] = []


def _freeze_at_exit() -> None:
    """Once per process: freeze what is alive when it ends (see the module's documentation)."""
    if not _EXIT:
        _EXIT.append(True)
        atexit.register(gc.freeze)


def setup_memory(app: Sphinx) -> None:
    _freeze_at_exit()
    app.connect("doctree-resolved", _resolved, priority=1000)
    app.connect("source-read", _next_page, priority=1000)
    # After the other extensions have seen the configuration; the environment comes next.
    app.connect("config-inited", _pause_collector, priority=1000)
    app.connect("builder-inited", _freeze_loaded, priority=100)
    app.connect("builder-inited", _bound_memory)
    # After the generated pages are written (the handler at the default priority, 500).
    app.connect("builder-inited", _freeze, priority=900)
    app.connect("env-updated", _freeze, priority=900)
    app.connect("env-before-read-docs", _pause_for_few_pages, priority=1000)
    app.connect("build-finished", _thaw, priority=1000)
