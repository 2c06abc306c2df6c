"""The pages' tables of contents kept pickled in the environment (:mod:`peacekb.sphinxext.tocs`):
a tree is unpickled only when asked for, saved again as it was when it was not, and the site
is the same as when Sphinx keeps them as trees."""

from __future__ import annotations

import pickle
import shutil
from io import StringIO
from pathlib import Path

import pytest
from docutils import nodes
from sphinx.testing.util import SphinxTestApp

from conftest import ROOTS, build_without_warnings, tree_digest
from peacekb.sphinxext import tocs
from peacekb.sphinxext.tocs import PackedTrees


def _toc(title: str) -> nodes.bullet_list:
    item = nodes.list_item("", nodes.paragraph("", "", nodes.reference("", title, refuri="#")))
    return nodes.bullet_list("", item)


def test_packed_trees_are_a_mapping_of_trees() -> None:
    trees = PackedTrees({"a": _toc("A")})
    trees["b"] = _toc("B")
    assert "a" in trees and "b" in trees and "c" not in trees
    assert sorted(trees) == ["a", "b"] and len(trees) == 2
    assert trees["a"].astext() == "A" and trees.get("c") is None
    assert trees.pop("b").astext() == "B" and trees.pop("b", None) is None
    del trees["a"]
    assert len(trees) == 0
    with pytest.raises(KeyError):
        trees["a"]


def test_a_tree_is_unpickled_only_when_asked_for() -> None:
    loaded = pickle.loads(pickle.dumps(PackedTrees({"a": _toc("A"), "b": _toc("B")})))
    assert isinstance(loaded, PackedTrees)
    assert all(type(tree) is bytes for tree in loaded._trees.values())
    assert "a" in loaded and len(loaded) == 2  # still bytes: nothing was asked for
    assert all(type(tree) is bytes for tree in loaded._trees.values())
    assert loaded["a"].astext() == "A"
    assert isinstance(loaded._trees["a"], nodes.bullet_list)
    # Saved again: the tree not asked for as the very bytes it was loaded as.
    packed = loaded.packed()
    assert packed["b"] is loaded._trees["b"]
    assert pickle.loads(packed["a"]).astext() == "A"


def test_a_tree_changed_after_it_was_asked_for_is_saved_changed() -> None:
    loaded = pickle.loads(pickle.dumps(PackedTrees({"a": _toc("A")})))
    loaded["a"][0]["secnumber"] = (1, 2)
    again = pickle.loads(pickle.dumps(loaded))
    assert again["a"][0]["secnumber"] == (1, 2)


def _project(tmp_path: Path, name: str) -> Path:
    src = tmp_path / name
    shutil.copytree(ROOTS / "test-basic", src)
    return src


def _edit(src: Path) -> None:
    page = src / "index.md"
    page.write_text(page.read_text("utf-8") + "\nEdited.\n", "utf-8")


def test_a_build_after_an_edit_unpickles_only_the_trees_it_writes(tmp_path: Path) -> None:
    src = _project(tmp_path, "src")
    build_without_warnings(src)
    _edit(src)
    app = SphinxTestApp("html", srcdir=src, status=StringIO(), warning=StringIO())
    written: list[str] = []
    app.connect("html-page-context", lambda app, name, *args: written.append(name))
    try:
        app.build()
        trees = app.env.tocs
        assert isinstance(trees, PackedTrees)
        kept = {name for name, tree in trees._trees.items() if type(tree) is bytes}
        # Every page's tree is there. Those of the records' pages not written, which no
        # table of contents lists, were never unpickled (the navigation's pages are, to
        # make the navigation of the pages written).
        assert set(trees) == set(app.env.found_docs)
        assert "index" in written and "index" not in kept
        records = {n for n in trees if "/" in n and not n.endswith("/index")}
        assert records - set(written)
        assert records - set(written) <= kept
    finally:
        app.cleanup()


def test_the_site_is_the_same_without_packed_trees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def build_twice(src: Path) -> dict[str, str]:
        build_without_warnings(src)
        _edit(src)
        return tree_digest(build_without_warnings(src))

    packed = build_twice(_project(tmp_path, "packed"))
    with monkeypatch.context() as patch:
        patch.setattr(tocs, "_pack_tocs", lambda app: None)
        plain = build_twice(_project(tmp_path, "plain"))
    assert packed.keys() == plain.keys()
    assert [p for p in packed if packed[p] != plain[p]] == []
