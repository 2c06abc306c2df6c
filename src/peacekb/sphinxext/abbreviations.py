"""Acronyms expanded where a page first uses them: the first occurrence of each glossary
acronym (and each operation's acronym) in a page's text becomes ``<abbr title="…">``.

Runs after references are resolved, so a link's final text counts as a use too. Headings,
code and raw HTML are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.transforms.post_transforms import SphinxPostTransform

from ..models import Mission

if TYPE_CHECKING:
    from ..knowledge import Knowledge

# A form that is written in capitals (and digits): NATO, UNESCO, G20.
_ACRONYM = re.compile(r"[A-Z][A-Z0-9]+")
# Per build environment (kept off the environment, which is pickled): each acronym with its
# expansion, and the pattern that finds them, made once per build rather than once per page.
_EXPANSIONS: WeakKeyDictionary[BuildEnvironment, tuple[dict[str, str], re.Pattern[str]]] = (
    WeakKeyDictionary()
)


def expansions(kb: Knowledge) -> dict[str, str]:
    """Every acronym the records know, with the words it stands for."""
    found: dict[str, str] = {}
    for mission in kb.all("mission"):
        if isinstance(mission, Mission) and _ACRONYM.fullmatch(mission.acronym):
            found[mission.acronym] = mission.name_en
    if kb.glossary is not None:
        for term in kb.glossary.terms:
            first = term.definition.split(". ")[0].rstrip(".")
            for form in term.forms:
                if _ACRONYM.fullmatch(form.text) and form.text not in found:
                    found[form.text] = first
    return found


def remember(env: BuildEnvironment, known: dict[str, str]) -> None:
    """Expand the acronyms ``known`` (see :func:`expansions`) in the pages this build writes."""
    if not known:
        _EXPANSIONS.pop(env, None)
        return
    words = "|".join(map(re.escape, sorted(known, key=len, reverse=True)))
    _EXPANSIONS[env] = known, re.compile(rf"\b({words})\b")


_SKIP = (nodes.title, nodes.FixedTextElement, nodes.raw, nodes.abbreviation, nodes.literal)


class ExpandAcronyms(SphinxPostTransform):
    default_priority = 900
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        if self.env not in _EXPANSIONS:
            return
        known, pattern = _EXPANSIONS[self.env]
        seen: set[str] = set()
        for text in list(_texts(self.document)):
            parent = text.parent
            value = str(text)
            if parent is None or pattern.search(value) is None:
                continue
            pieces: list[nodes.Node] = []
            at = 0
            for match in pattern.finditer(value):
                word = match.group(1)
                if word in seen:
                    continue
                seen.add(word)
                pieces.append(nodes.Text(value[at : match.start()]))
                pieces.append(nodes.abbreviation(word, word, explanation=known[word]))
                at = match.end()
            if pieces:
                pieces.append(nodes.Text(value[at:]))
                parent.replace(
                    text, [p for p in pieces if not (isinstance(p, nodes.Text) and not str(p))]
                )


def _texts(tree: nodes.Node) -> Iterator[nodes.Text]:
    """The text nodes of ``tree`` in document order, but those inside a :data:`_SKIP`
    element: each subtree is looked into once, not each text's ancestors for every text."""
    stack: list[nodes.Node] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, nodes.Text):
            yield node
        elif not isinstance(node, _SKIP):
            stack.extend(reversed(node.children))


def setup_abbreviations(app: Sphinx) -> None:
    app.add_post_transform(ExpandAcronyms)
