"""``{kb:evidence}``: a fact's evidence, made as document nodes from JSON.

The content is the JSON object :meth:`peacekb.pages.Site.evidence` returns::

    {"title": "1 source, 2 quotes", "inferred": null,
     "quotes": [{"source": "some-article", "paragraph": 3, "quote": "…", "translation": "…",
                 "language": "fr", "language_name": "French"}]}

It becomes what the templates used to write as nested MyST (a sphinx-design dropdown holding a
block of each quote with its translation and its links, then the curator's inference), with
the same nodes and so the same HTML, but without parsing: a page holds several of these per
record, and parsing them as nested directives was most of the cost of reading a record's
page. Record text becomes text nodes, never markup.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective
from sphinx_design.shared import create_component

from .json_content import json_content, xref


class _Invalid(ValueError):
    pass


def _text(data: dict[str, Any], key: str, optional: bool = False) -> str | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _Invalid(f"{key!r} must be a string")
    return value


class EvidenceDirective(SphinxDirective):
    """The evidence of one fact (see the module's documentation)."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        with self._located():
            return self._nodes(self._json("\n".join(self.content)))

    @contextmanager
    def _located(self) -> Iterator[None]:
        """Content of the wrong shape as a located error of the page, never a crash."""
        try:
            yield
        except _Invalid as exc:
            raise self.error(f"{self.name}: {exc}") from None

    def _json(self, text: str) -> dict[str, Any]:
        data = json_content(self, text)
        if not isinstance(data, dict):
            raise _Invalid("the content must be a JSON object")
        return data

    def _nodes(self, data: dict[str, Any]) -> list[nodes.Node]:
        found: list[nodes.Node] = []
        quotes = data.get("quotes", [])
        if not isinstance(quotes, list):
            raise _Invalid("'quotes' must be a list")
        if quotes:
            title = _text(data, "title") or ""
            dropdown = create_component(
                "dropdown",
                opened=False,
                type="dropdown",
                has_title=True,
                icon=None,
                chevron=None,
                container_classes=["sd-mb-3", "kb-evidence"],
                title_classes=[],
                body_classes=[],
            )
            self.set_source_info(dropdown)
            dropdown += nodes.rubric(title, "", nodes.Text(title))
            for quote in quotes:
                if not isinstance(quote, dict):
                    raise _Invalid("each quote must be a JSON object")
                dropdown += self._quote(quote)
            found.append(dropdown)
        inferred = _text(data, "inferred", optional=True)
        if inferred is not None:
            box = create_component("div", classes=["kb-inferred"])
            self.set_source_info(box)
            box += nodes.paragraph(
                "",
                "",
                nodes.strong("", "Curator's inference:"),
                nodes.Text(" " + inferred),
            )
            found.append(box)
        return found

    def _quote(self, quote: dict[str, Any]) -> nodes.Element:
        source = _text(quote, "source") or ""
        paragraph = quote.get("paragraph")
        if not isinstance(paragraph, int) or isinstance(paragraph, bool):
            raise _Invalid("'paragraph' must be a whole number")
        language = _text(quote, "language", optional=True)
        if language is not None and not (
            language.isascii() and language.isalpha() and 2 <= len(language) <= 3
        ):
            raise _Invalid(f"not a language code: {language!r}")
        box = create_component("div", classes=["kb-quote"])
        self.set_source_info(box)
        # docutils' HTML writer turns a "language-xx" class into lang="xx".
        words = nodes.block_quote(classes=[f"language-{language}"] if language else [])
        words += nodes.paragraph("", "", nodes.Text(_text(quote, "quote") or ""))
        box += words
        translation = _text(quote, "translation", optional=True)
        if translation is not None:
            box += nodes.paragraph(
                "", "", nodes.Text("English: " + translation), classes=["kb-translation"]
            )
        cited = nodes.paragraph(classes=["kb-quote-source"])
        cited += xref(self, "source", source)
        cited += nodes.Text(", ")
        cited += xref(self, "para", f"{source}#{paragraph}")
        language_name = _text(quote, "language_name", optional=True)
        if language_name:
            cited += nodes.Text(f" ({language_name})")
        box += cited
        return box


class FactDirective(EvidenceDirective):
    """``{kb:fact}``: one fact with its evidence. The first line of the content is the JSON of
    :meth:`peacekb.pages.Site.evidence` (with ``claimed_by``: who the source says makes the
    claim, as ``{"kind": ..., "id": ...}``); after a blank line comes the fact's statement, in
    MyST. The same nodes as the ``kb-fact`` div the templates used to write around an
    "According to" paragraph, the statement and the evidence: only the statement is parsed."""

    def run(self) -> list[nodes.Node]:
        with self._located():
            if not self.content:
                raise _Invalid("the content must begin with a JSON object")
            data = self._json(self.content[0])
            box = create_component("div", classes=["kb-fact"], rawtext="\n".join(self.content))
            self.set_source_info(box)
            claimed = data.get("claimed_by")
            if claimed is not None:
                if not isinstance(claimed, dict):
                    raise _Invalid("'claimed_by' must be a JSON object")
                kind, rid = _text(claimed, "kind") or "", _text(claimed, "id") or ""
                according = nodes.paragraph(classes=["kb-claimed-by"])
                according += nodes.Text("According to ")
                according += xref(self, kind, rid)
                according += nodes.Text(":")
                box += according
            evidence = self._nodes(data)
        statement = self.content[1:]
        lines = [i for i, line in enumerate(statement) if line.strip()]
        if len(lines) == 1:
            # The statement the templates write: one line of inline MyST, a paragraph. Parsed
            # with the inline rules only, it gives the same nodes as a nested block parse at a
            # fraction of the cost (a page holds dozens of facts).
            text = statement[lines[0]].strip()
            # In MyST, the line of content[k] is the directive's, plus one, plus the offset of the
            # content after the directive's options, plus k.
            lineno = self.lineno + 1 + self.content_offset + 1 + lines[0]
            words, messages = self.state.inline_text(text, lineno)
            paragraph = nodes.paragraph(text, "", *words)
            source = self.get_source_info()[0]
            # Everything in it stands on that line: a link's warning names it.
            for node in paragraph.findall(nodes.Element):
                node.source, node.line = source, lineno
            box += paragraph
            box += messages
        else:
            self.state.nested_parse(statement, self.content_offset + 1, box)
        box.extend(evidence)
        return [box]
