"""The pages' tables of contents, kept pickled in Sphinx's environment until a build uses them.

Sphinx keeps the table of contents of every page (``env.tocs``: a small tree of nodes per
page) in its environment, which it unpickles at the start of every build that has one and
pickles again at the end. A node is pickled and unpickled by Python code, one object at a time:
on the synthetic base of 1,819 pages (``scripts/bench_build.py``) the tables of contents were
2.9 of the environment's 6.7 MB, and most of the time it took to load and save it, in a build
after an edit as in one that changes everything.

Here ``env.tocs`` is a :class:`PackedTrees`: a mapping whose trees are pickled one by one, and
kept as their bytes when the environment is loaded. A tree is unpickled when a build asks for
it (when its page is written, or when a table of contents that lists the page is resolved), and
pickled again when the environment is saved only if it was asked for or set since: a build
after an edit unpickles the few it writes, and saves the others' bytes as they were. After a
record was added on those 1,819 pages, saving the environment went from 0.14 s to 0.03 s, and
loading it from 0.10 s to 0.04 s. (A tree is never bytes, so the two cannot be confused.)
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, MutableMapping
from typing import Any

from sphinx.application import Sphinx


class PackedTrees(MutableMapping[str, Any]):
    """Document trees by page name, each kept as its pickled bytes until it is asked for."""

    def __init__(self, trees: dict[str, Any] | None = None) -> None:
        # page -> its tree, or the tree's pickled bytes (a tree is never bytes).
        self._trees: dict[str, Any] = dict(trees or {})

    def __getitem__(self, name: str) -> Any:
        tree = self._trees[name]
        if type(tree) is bytes:
            # The caller may change it (Sphinx numbers sections in place): from now on it is
            # the tree that is kept, and pickled again when the environment is saved.
            tree = self._trees[name] = pickle.loads(tree)
        return tree

    def __setitem__(self, name: str, tree: Any) -> None:
        self._trees[name] = tree

    def __delitem__(self, name: str) -> None:
        del self._trees[name]

    def __contains__(self, name: object) -> bool:
        return name in self._trees

    def __iter__(self) -> Iterator[str]:
        return iter(self._trees)

    def __len__(self) -> int:
        return len(self._trees)

    def packed(self) -> dict[str, bytes]:
        """Each page's tree as pickled bytes: as they were loaded for the trees no one asked
        for, pickled now for the others."""
        return {
            name: tree if type(tree) is bytes else pickle.dumps(tree, pickle.HIGHEST_PROTOCOL)
            for name, tree in self._trees.items()
        }

    def __reduce__(self) -> tuple[Any, tuple[dict[str, bytes]]]:
        return (PackedTrees, (self.packed(),))


def _pack_tocs(app: Sphinx) -> None:
    env = app.env
    tocs = getattr(env, "tocs", None)
    if isinstance(tocs, dict):
        env.tocs = PackedTrees(tocs)  # type: ignore[assignment]


def setup_tocs(app: Sphinx) -> None:
    # The environment is loaded or made before the builder starts.
    app.connect("builder-inited", _pack_tocs, priority=10)
