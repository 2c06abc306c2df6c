"""Post-transforms with nothing to do on a page are not run on it.

Before a page is written, Sphinx runs every registered post-transform on its tree, and each
one walks the whole tree looking for the nodes it acts on: code blocks (to highlight them),
images (to convert them), sphinx-design's tab sets, asides and button links, C and C++
aliases. Most of the site's pages hold none of these, and the walks were about a tenth of a
full build's CPU time.

So the first post-transform (:class:`Census`) walks the tree once and notes what it holds: the
classes of its nodes, the sphinx-design components, and the few attributes the guarded
transforms look for. Each transform in :data:`GUARDS` is then run only on a tree that holds
what it acts on. Every guarded transform acts only on nodes made while the page was read, not
on nodes an earlier post-transform makes, so the census taken first answers for all of them.

A transform is guarded only if its module and class are found with the names below: another
version of Sphinx or sphinx-design that renames one leaves it running on every page, as
before. ``tests/test_idle.py`` builds pages holding each thing a guard names, with and without
the guards, and compares the output.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

from docutils import nodes
from docutils.transforms import Transform
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

# What one tree holds: node classes, ("component", name) for sphinx-design's components, and
# ("attribute", name) / ("class", name) for the attributes and classes of ATTRIBUTES / CLASSES.
Feature = type | tuple[str, str]

# Attributes and classes some guarded transform looks for on a node.
ATTRIBUTES = ("sd_tooltip", "sd_new_tab")
CLASSES = ("sd-btn",)

# (module, class) -> what a tree must hold, one at least, for the transform to have work.
GUARDS: dict[tuple[str, str], tuple[str, ...]] = {
    # Sets a language on code blocks, and removes the `highlight` directive's nodes.
    ("sphinx.transforms.post_transforms.code", "HighlightLanguageTransform"): (
        "docutils.nodes:literal_block",
        "sphinx.addnodes:highlightlang",
    ),
    ("sphinx.transforms.post_transforms.code", "TrimDoctestFlagsTransform"): (
        "docutils.nodes:literal_block",
        "docutils.nodes:doctest_block",
    ),
    ("sphinx.transforms.post_transforms.images", "ImageDownloader"): ("docutils.nodes:image",),
    ("sphinx.transforms.post_transforms.images", "DataURIExtractor"): ("docutils.nodes:image",),
    ("sphinx.domains.c", "AliasTransform"): ("sphinx.domains.c:AliasNode",),
    ("sphinx.domains.cpp", "AliasTransform"): ("sphinx.domains.cpp:AliasNode",),
    ("sphinx_design.tabs", "TabSetHtmlTransform"): ("component:tab-set",),
    ("sphinx_design.aside", "AsideHtmlTransform"): ("component:aside",),
    ("sphinx_design.dropdown", "DropdownHtmlTransform"): ("component:dropdown",),
    # Button links whose text is kept through the resolution of their reference.
    ("sphinx_design.badges_buttons", "ButtonRefContentStash"): ("class:sd-btn",),
    ("sphinx_design.badges_buttons", "BadgeRefTooltipStash"): ("attribute:sd_tooltip",),
}

# Handlers of "doctree-resolved" guarded the same way: (module, function) -> features.
LISTENERS: dict[tuple[str, str], tuple[str, ...]] = {
    # Links inside a component that opens them in a new tab.
    ("sphinx_design.extension", "_resolve_new_tab_refs"): ("attribute:sd_new_tab",),
}

# The census of each tree, for the post-transforms and listeners of the page being written.
_CENSUS: WeakKeyDictionary[nodes.document, frozenset[Feature]] = WeakKeyDictionary()


def census(tree: nodes.Node) -> frozenset[Feature]:
    """What ``tree`` holds (see :data:`Feature`), in one walk."""
    found: set[Feature] = set()
    add = found.add
    element = nodes.Element
    for node in tree.findall():
        add(type(node))
        if isinstance(node, element):
            attributes = node.attributes
            component = attributes.get("design_component")
            if component:
                add(("component", component))
            for name in ATTRIBUTES:
                if attributes.get(name):
                    add(("attribute", name))
            classes = attributes.get("classes")
            if classes:
                for name in CLASSES:
                    if name in classes:
                        add(("class", name))
    return frozenset(found)


class Census(SphinxPostTransform):
    """Takes the census of the page's tree before any other post-transform runs."""

    default_priority = 1

    def run(self, **kwargs: Any) -> None:
        _CENSUS[self.document] = census(self.document)


def _feature(spec: str) -> Feature | None:
    """A feature named in :data:`GUARDS`: ``module:Class``, ``component:name``,
    ``attribute:name`` or ``class:name``; None for a class that cannot be found."""
    prefix, _, name = spec.partition(":")
    if prefix in ("component", "attribute", "class"):
        return (prefix, name)
    try:
        found = getattr(importlib.import_module(prefix), name)
    except (ImportError, AttributeError):
        return None
    return found if isinstance(found, type) and issubclass(found, nodes.Node) else None


def _features(specs: tuple[str, ...]) -> frozenset[Feature] | None:
    """The features of ``specs``; None if one cannot be found (the guard is then not set)."""
    found = [_feature(spec) for spec in specs]
    if any(feature is None for feature in found):
        return None
    return frozenset(f for f in found if f is not None)


def idle(document: nodes.document, needs: frozenset[Feature]) -> bool:
    """Whether a transform that acts on ``needs`` has nothing to do on ``document``: false when
    no census was taken of it."""
    held = _CENSUS.get(document)
    return held is not None and held.isdisjoint(needs)


def _guarded(transform: type[Transform], needs: frozenset[Feature]) -> type[Transform]:
    def apply(self: Transform, **kwargs: Any) -> None:
        if idle(self.document, needs):
            return
        transform.apply(self, **kwargs)

    return type(
        transform.__name__,
        (transform,),
        {"apply": apply, "__module__": transform.__module__, "_peacekb_guarded": True},
    )


def _listener(
    handler: Callable[[Sphinx, nodes.document, str], None], needs: frozenset[Feature]
) -> Callable[[Sphinx, nodes.document, str], None]:
    def guarded(app: Sphinx, doctree: nodes.document, docname: str) -> None:
        if not idle(doctree, needs):
            handler(app, doctree, docname)

    guarded._peacekb_guarded = True  # type: ignore[attr-defined]
    return guarded


def _guard(app: Sphinx) -> None:
    """Puts a guarded subclass in place of each transform of :data:`GUARDS` that the build
    registered, and a guarded handler in place of each listener of :data:`LISTENERS`."""
    transforms = app.registry.post_transforms
    for index, transform in enumerate(transforms):
        if getattr(transform, "_peacekb_guarded", False):
            continue
        specs = GUARDS.get((transform.__module__, transform.__name__))
        needs = _features(specs) if specs else None
        if needs:
            transforms[index] = _guarded(transform, needs)
    listeners = app.events.listeners.get("doctree-resolved", [])
    for index, listener in enumerate(listeners):
        handler = listener.handler
        if getattr(handler, "_peacekb_guarded", False):
            continue
        specs = LISTENERS.get(
            (getattr(handler, "__module__", ""), getattr(handler, "__name__", ""))
        )
        needs = _features(specs) if specs else None
        if needs:
            listeners[index] = listener._replace(handler=_listener(handler, needs))


def setup_idle(app: Sphinx) -> None:
    app.add_post_transform(Census)
    # After every extension is set up, so that their transforms are registered.
    app.connect("builder-inited", _guard, priority=900)
