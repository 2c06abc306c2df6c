"""``{kb:table}``: a table of records, made as document nodes from JSON lines.

The first line of the content is the JSON list of the column headings; each line after it is
one row, a JSON list of cells. A cell is a text, a link to a record (``{"kind": "place", "id":
"almaty"}``), a list of texts and links that follow one another, or ``null`` for an empty
cell::

    ```{kb:table}
    ["Place", "Kind"]
    [{"id": "almaty", "kind": "place"}, "city"]
    ```

It becomes the nodes MyST makes of a pipe table whose cells hold the same text and the
domain's roles (``| {kb:place}`almaty` | city |``), and so the same HTML, without parsing: an
index page holds one row per record of its kind, and parsing them as MyST was most of the cost
of reading it again after a record was added or removed. Texts become text nodes, never markup.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective
from sphinx_design.shared import create_component

from .json_content import json_content, xref


class _Invalid(ValueError):
    pass


class TableDirective(SphinxDirective):
    """A table of records (see the module's documentation)."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        try:
            return [self._table()]
        except _Invalid as exc:
            raise self.error(f"{self.name}: {exc}") from None

    def _line(self, index: int) -> int:
        """The line of the page that content line ``index`` stands on: in MyST, the line after
        the directive's, plus the offset of the content after the directive's options."""
        return int(self.lineno) + 1 + int(self.content_offset) + index

    def _row_data(self, index: int) -> list[Any]:
        data = json_content(self, self.content[index])
        if not isinstance(data, list):
            raise _Invalid(f"line {index + 1} of the content must be a JSON list")
        return data

    def _table(self) -> nodes.table:
        if not self.content:
            raise _Invalid("the content must begin with the JSON list of the column headings")
        headings = self._row_data(0)
        if not headings:
            raise _Invalid("a table needs at least one column")
        table = nodes.table(classes=["colwidths-auto"])
        self.set_source_info(table)
        tgroup = nodes.tgroup(cols=len(headings))
        table += tgroup
        for _ in headings:
            tgroup += nodes.colspec(colwidth=100 // len(headings))
        thead = nodes.thead()
        tgroup += thead
        thead += self._row(headings, 0)
        if len(self.content) > 1:
            tbody = nodes.tbody()
            tgroup += tbody
            for index in range(1, len(self.content)):
                if not self.content[index].strip():
                    continue
                cells = self._row_data(index)
                if len(cells) != len(headings):
                    raise _Invalid(
                        f"line {index + 1} of the content has {len(cells)} cells, "
                        f"not {len(headings)}"
                    )
                tbody += self._row(cells, index)
        return table

    def _row(self, cells: list[Any], index: int) -> nodes.row:
        row = nodes.row()
        for cell in cells:
            paragraph = nodes.paragraph()
            for part in cell if isinstance(cell, list) else [cell]:
                if part is not None and part != "":
                    paragraph += self._part(part, index)
            row += nodes.entry("", paragraph)
        return row

    def _part(self, part: Any, index: int) -> nodes.Node:
        if isinstance(part, str):
            return nodes.Text(part)
        if isinstance(part, dict):
            kind, rid = part.get("kind"), part.get("id")
            if isinstance(kind, str) and isinstance(rid, str) and set(part) == {"kind", "id"}:
                return xref(self, kind, rid, self._line(index))
        raise _Invalid(
            f"line {index + 1} of the content: a cell holds texts and links "
            '({"kind": ..., "id": ...}), not ' + repr(part)[:80]
        )


class InfoboxDirective(TableDirective):
    """``{kb:infobox}``: a record's key facts, one JSON object per line::

        ```{kb:infobox}
        {"label": "Rank", "section": "posts-and-ranks", "value": "Colonel General"}
        {"label": "Country", "section": "", "value": "{kb:place}`mali`"}
        ```

    The label is text, a link to the section of the page that holds its evidence when
    ``section`` is not empty; the value is one line of inline MyST (record text in it escaped
    by the template, links as the domain's roles), parsed with the inline rules only. It becomes
    the nodes the templates' ``kb-infobox`` div around a two-column pipe table with an empty
    header made, and so the same HTML, without parsing the table as nested MyST blocks (every
    record's page has one)."""

    def run(self) -> list[nodes.Node]:
        try:
            box = create_component("div", classes=["kb-infobox"], rawtext="\n".join(self.content))
            self.set_source_info(box)
            table = nodes.table(classes=["colwidths-auto"])
            self.set_source_info(table)
            box += table
            tgroup = nodes.tgroup(cols=2)
            table += tgroup
            tgroup += [nodes.colspec(colwidth=50), nodes.colspec(colwidth=50)]
            tgroup += nodes.thead("", self._row([None, None], 0))
            tbody = nodes.tbody()
            for index, line in enumerate(self.content):
                if line.strip():
                    tbody += self._fact(index)
            if tbody.children:
                tgroup += tbody
            return [box]
        except _Invalid as exc:
            raise self.error(f"{self.name}: {exc}") from None

    def _fact(self, index: int) -> nodes.row:
        data = json_content(self, self.content[index])
        if not isinstance(data, dict):
            raise _Invalid(f"line {index + 1} of the content must be a JSON object")
        label, section, value = data.get("label"), data.get("section", ""), data.get("value")
        if not all(isinstance(v, str) for v in (label, section, value)):
            raise _Invalid(f"line {index + 1}: 'label', 'section' and 'value' must be texts")
        assert isinstance(label, str) and isinstance(section, str) and isinstance(value, str)
        lineno = self._line(index)
        heading = nodes.paragraph()
        if section:
            link = nodes.reference("", "", nodes.Text(label), id_link=True, refuri=f"#{section}")
            link.source, link.line = self.get_source_info()[0], lineno
            heading += link
        else:
            heading += nodes.Text(label)
        words, messages = self.state.inline_text(value.strip(), lineno)
        cell = nodes.paragraph(value, "", *words)
        source = self.get_source_info()[0]
        for node in cell.findall(nodes.Element):
            node.source, node.line = source, lineno
        return nodes.row("", nodes.entry("", heading), nodes.entry("", cell, *messages))
