"""Post-transforms with nothing to do on a page are not run on it
(:mod:`peacekb.sphinxext.idle`): the pages are the same as when every transform runs on every
page, the guards find the transforms they name, and a guarded transform runs only on the pages
that hold what it acts on."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from docutils import nodes
from sphinx import addnodes
from sphinx.testing.util import SphinxTestApp
from sphinx.transforms.post_transforms.code import HighlightLanguageTransform
from sphinx_design.tabs import TabSetHtmlTransform

from conftest import ROOTS, build_without_warnings, tree_digest
from peacekb.sphinxext import idle

# A page holding each thing a guard names, so that every guarded transform has work on it.
THINGS = """\
# Things

(things-target)=
## Code

```{highlight} python
```

```
print("highlighted as the directive above says")
```

```{eval-rst}
A doctest block:

>>> print(1)  # doctest: +SKIP
1
```

![A picture](picture.svg)

```{c:function} int peacekb_count(void)
```

```{c:alias} peacekb_count
```

```{cpp:function} int peacekb_total()
```

```{cpp:alias} peacekb_total
```

::::{tab-set}
:::{tab-item} One
The first tab.
:::
:::{tab-item} Two
The second tab.
:::
::::

:::{aside} An aside
Beside the text.
:::

:::{dropdown} A dropdown
Folded text.
:::

```{button-ref} things-target
:ref-type: ref

The button's **own** text
```

A badge with a tooltip: {bdg-ref-primary}`Code <things-target> ; the tooltip`.

::::{card} A card
:link: https://example.org/
:link-new-tab:

The card's text, with [a link](https://example.org/inner).
::::
"""

PICTURE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    '<rect width="10" height="10"/></svg>'
)


def _project(tmp_path: Path, name: str) -> Path:
    src = tmp_path / name
    shutil.copytree(ROOTS / "test-basic", src)
    (src / "things.md").write_text("---\norphan: true\n---\n\n" + THINGS, "utf-8")
    (src / "picture.svg").write_text(PICTURE, "utf-8")
    return src


def _app(src: Path, warning: StringIO) -> SphinxTestApp:
    return SphinxTestApp("html", srcdir=src, status=StringIO(), warning=warning)


def _build(src: Path) -> Path:
    return build_without_warnings(src)


def test_every_guard_finds_its_transform(tmp_path: Path) -> None:
    """A renamed transform would quietly run unguarded: each one named is found and guarded."""
    app = _app(_project(tmp_path, "src"), StringIO())
    try:
        guarded = {
            (t.__module__, t.__name__)
            for t in app.registry.get_post_transforms()
            if getattr(t, "_peacekb_guarded", False)
        }
        listeners = {
            (listener.handler.__module__, listener.handler.__name__)
            for listener in app.events.listeners["doctree-resolved"]
        }
    finally:
        app.cleanup()
    assert guarded == set(idle.GUARDS)
    # A guarded listener is a closure of this module, in the place of the one it guards.
    assert not set(idle.LISTENERS) & listeners
    assert ("peacekb.sphinxext.idle", "guarded") in listeners


def test_the_pages_are_the_same_without_the_guards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    guarded = _build(_project(tmp_path, "guarded"))
    with monkeypatch.context() as patch:
        patch.setattr(idle, "GUARDS", {})
        patch.setattr(idle, "LISTENERS", {})
        plain = _build(_project(tmp_path, "plain"))
    things = (guarded / "things.html").read_text("utf-8")
    # The page shows what each transform made of it.
    assert 'class="highlight-python' in things
    assert "doctest: +SKIP" not in things
    assert "sd-tab-set" in things
    assert "<aside" in things
    assert "<details" in things
    assert 'title="the tooltip"' in things
    assert "<strong>own</strong>" in things
    assert 'target="_blank"' in things
    ours, theirs = tree_digest(guarded), tree_digest(plain)
    assert ours.keys() == theirs.keys()
    assert [p for p in ours if p.endswith(".html") and ours[p] != theirs[p]] == []


def test_a_guarded_transform_runs_only_where_it_has_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: dict[str, list[str]] = {"highlight": [], "tabs": []}

    def counting(name: str, real: Any) -> Any:
        def apply(self: Any, **kwargs: Any) -> None:
            ran[name].append(self.env.current_document.docname)
            real(self, **kwargs)

        return apply

    monkeypatch.setattr(
        HighlightLanguageTransform,
        "apply",
        counting("highlight", HighlightLanguageTransform.apply),
    )
    monkeypatch.setattr(TabSetHtmlTransform, "apply", counting("tabs", TabSetHtmlTransform.apply))
    out = _build(_project(tmp_path, "src"))
    pages = {
        p.relative_to(out).with_suffix("").as_posix(): p.read_text("utf-8")
        for p in out.rglob("*.html")
        if "_static" not in p.parts
    }
    code = {name for name, html in pages.items() if 'class="highlight' in html}
    tabs = {name for name, html in pages.items() if "sd-tab-set" in html}
    assert "things" in code & tabs
    assert len(pages) > len(code) > 0
    assert sorted(ran["highlight"]) == sorted(code)
    assert ran["tabs"] == ["things"] == sorted(tabs)


def test_the_census_notes_classes_components_attributes_and_classes() -> None:
    tree = nodes.section(
        "",
        nodes.paragraph("", "text", classes=["sd-btn", "other"]),
        nodes.container(design_component="dropdown"),
        nodes.container(sd_new_tab=True),
        nodes.container(sd_tooltip=""),
        addnodes.pending_xref(),
    )
    held = idle.census(tree)
    assert {nodes.section, nodes.paragraph, nodes.Text, nodes.container} <= held
    assert addnodes.pending_xref in held
    assert ("component", "dropdown") in held
    assert ("attribute", "sd_new_tab") in held
    # An empty attribute or a class not named is not noted.
    assert ("attribute", "sd_tooltip") not in held
    assert ("class", "sd-btn") in held
    assert ("class", "other") not in held
    assert nodes.literal_block not in held


def test_a_page_with_no_census_runs_every_transform() -> None:
    assert not idle.idle(nodes.document(None, None), frozenset({nodes.literal_block}))
