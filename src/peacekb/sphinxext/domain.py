"""The ``kb`` Sphinx domain: one object type and one role per record kind.

``{kb:record}`` declares on a page that the page describes a record; ``{kb:person}`id```,
``{kb:mission}`id``` … link to it, and ``{kb:para}`source-id#3``` links to paragraph 3 of a
source; ``{kb:evidence}`` shows a fact's evidence (see :mod:`.evidence`). An id that no page
declares is a located warning. Declared records appear in the general index and in the search
index.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.domains import Domain, ObjType
from sphinx.environment import BuildEnvironment
from sphinx.roles import XRefRole
from sphinx.transforms import SphinxTransform
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import make_refnode

from ..models import RECORD_KINDS
from .evidence import EvidenceDirective, FactDirective
from .json_content import json_content
from .tables import InfoboxDirective, TableDirective


def kind_labels() -> dict[str, str]:
    """What the domain links to: every record kind of the registry, and glossary terms."""
    return {
        **{kind: cls.label.lower() for kind, cls in RECORD_KINDS.items()},
        "term": "glossary term",
    }


def anchor_for(kind: str, id: str) -> str:
    return f"kb-{kind}-{id}"


def claim_id(document: nodes.document, node: nodes.Element, anchor: str) -> None:
    """Give ``node`` the id ``anchor``, which the engine's links point to.

    A heading made from a record's name takes an id made from its text, so a record named
    "KB Person Jane Roe" or a source titled "P3" would hold ``kb-person-jane-roe`` or ``p3``
    first: the build would stop on a duplicate id, or a paragraph link would land on the
    heading. The earlier holder gets a fresh id of its own instead.
    """
    holder = document.ids.get(anchor)
    node["ids"] = [anchor]
    document.ids[anchor] = node
    if holder is not None and holder is not node:
        holder["ids"].remove(anchor)
        if not holder["ids"]:
            document.set_id(holder)  # made from its name, but not the id just taken


# Ids the themes of the pydata family give their own elements: a heading made from record
# text must not take one (the theme's scripts look these elements up by id).
THEME_IDS = frozenset(
    {
        "main-content",
        "print-main-content",
        "search-results",
        "searchbox",
        "ethical-ad-placement",
    }
)
THEME_ID_PREFIXES = ("pst-", "jb-", "bd-", "sbt-")


class ThemeIdGuard(SphinxTransform):
    """Rename section ids that would clash with the theme's own element ids."""

    default_priority = 900  # after every id is assigned, before the collectors read them

    def apply(self, **kwargs: Any) -> None:
        document = self.document
        for section in document.findall(nodes.section):
            for i, old in enumerate(section["ids"]):
                if old in THEME_IDS or old.startswith(THEME_ID_PREFIXES):
                    new = f"section-{old}"
                    while new in document.ids:
                        new += "-1"
                    section["ids"][i] = new
                    document.ids.pop(old, None)
                    document.ids[new] = section


class RecordDirective(SphinxDirective):
    """Declare the record a page describes.

    Arguments: the kind and the id. Content: a JSON object with ``name`` (link text),
    ``index`` (general-index entry), and optionally ``description`` (the page's description
    meta tag and Open Graph description) and ``orphan`` (true: the page is in no table of
    contents). JSON keeps record text out of the markup: it is never parsed as MyST.
    """

    required_arguments = 2
    has_content = True

    def run(self) -> list[nodes.Node]:
        kind, rid = self.arguments
        labels = kind_labels()
        if kind not in labels:
            raise self.error(f"unknown record kind {kind!r}")
        meta = json_content(self, "\n".join(self.content) or "{}")
        if not isinstance(meta, dict):
            raise self.error("kb:record content must be a JSON object")
        name = str(meta.get("name", rid))
        index_name = str(meta.get("index", name))
        found: list[nodes.Node] = []
        docname = self.env.current_document.docname
        if meta.get("orphan") is True:
            self.env.metadata[docname]["orphan"] = True
        description = meta.get("description")
        if isinstance(description, str) and description:
            # As the page's front matter would give it: the Open Graph description, and the
            # description meta tag.
            self.env.metadata[docname]["og:description"] = description
            tag = nodes.meta(description, name="description", content=description)
            self.set_source_info(tag)
            found.append(tag)
        anchor = anchor_for(kind, rid)
        target = nodes.target("", "")
        claim_id(self.state.document, target, anchor)
        index = addnodes.index(
            entries=[("single", f"{index_name} ({labels[kind]})", anchor, "", None)]
        )
        domain = self.env.get_domain("kb")
        assert isinstance(domain, KBDomain)
        domain.note_record(kind, rid, name, docname, anchor, self)
        return [*found, index, target]


def language_code(argument: str | None) -> str:
    value = str(directives.unchanged_required(argument))
    if not value.isascii() or not value.isalpha() or not 2 <= len(value) <= 3:
        raise ValueError(f"not a language code: {value!r}")
    return value.lower()


class ParagraphDirective(SphinxDirective):
    """One numbered paragraph of a source text, anchored as ``#p<n>``."""

    required_arguments = 1
    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {
        "role": lambda arg: directives.choice(
            arg, ("body", "heading", "subtitle", "caption", "headline")
        ),
        "lang": language_code,
    }

    def run(self) -> list[nodes.Node]:
        number = self.arguments[0]
        if not number.isdigit():
            raise self.error(f"paragraph number must be a whole number, not {number!r}")
        role = self.options.get("role", "body")
        anchor = f"p{number}"
        container = nodes.container("", classes=["kb-paragraph", f"kb-paragraph-{role}"])
        claim_id(self.state.document, container, anchor)
        marker = nodes.paragraph(classes=["kb-paragraph-number"])
        marker += nodes.reference(
            "", f"¶{number}", refuri=f"#{anchor}", classes=["kb-paragraph-link"]
        )
        container += marker
        # docutils' HTML writer turns a "language-xx" class into lang="xx".
        lang = self.options.get("lang")
        body = nodes.container(
            "", classes=["kb-paragraph-text", *([f"language-{lang}"] if lang else [])]
        )
        self.state.nested_parse(self.content, self.content_offset, body)
        container += body
        # An English rendering stands beside the original, not inside it.
        for rendering in list(body.findall(RenderingNode)):
            rendering.parent.remove(rendering)
            container += rendering
            container["classes"].append("kb-has-translation")
        return [container]


class RenderingNode(nodes.container):  # type: ignore[misc]
    """The curators' English rendering of a source paragraph."""


class RenderingDirective(SphinxDirective):
    """``{kb:rendering}`` inside a ``{kb:paragraph}``: its English rendering."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        node = RenderingNode("", classes=["kb-paragraph-translation", "language-en"])
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


class KBDomain(Domain):
    """Records as Sphinx objects, with roles that link to them."""

    name = "kb"
    label = "Knowledge base"
    # Filled from the registry of kinds when the extension is set up (see setup_domain).
    object_types: ClassVar[dict[str, ObjType]] = {}
    roles: ClassVar[dict[str, Any]] = {}
    directives: ClassVar[dict[str, Any]] = {
        "record": RecordDirective,
        "paragraph": ParagraphDirective,
        "rendering": RenderingDirective,
        "evidence": EvidenceDirective,
        "fact": FactDirective,
        "table": TableDirective,
        "infobox": InfoboxDirective,
    }
    dangling_warnings: ClassVar[dict[str, str]] = {}
    initial_data: ClassVar[dict[str, Any]] = {
        # (kind, id) -> (docname, anchor, display name)
        "records": {},
        # docname -> sorted list of (kind, id) the page links to
        "links": {},
        # docname -> the records it declares: clearing a page is proportional to the page
        "by_doc": {},
    }
    data_version = 2

    @property
    def records(self) -> dict[tuple[str, str], tuple[str, str, str]]:
        result: dict[tuple[str, str], tuple[str, str, str]] = self.data["records"]
        return result

    @property
    def links(self) -> dict[str, list[tuple[str, str]]]:
        result: dict[str, list[tuple[str, str]]] = self.data["links"]
        return result

    @property
    def by_doc(self) -> dict[str, set[tuple[str, str]]]:
        result: dict[str, set[tuple[str, str]]] = self.data["by_doc"]
        return result

    def note_record(
        self, kind: str, rid: str, name: str, docname: str, anchor: str, directive: Any
    ) -> None:
        existing = self.records.get((kind, rid))
        if existing and existing[0] != docname:
            directive.state.document.reporter.warning(
                f"{kind} '{rid}' is already declared on {existing[0]}", line=directive.lineno
            )
        self.records[(kind, rid)] = (docname, anchor, name)
        self.by_doc.setdefault(docname, set()).add((kind, rid))

    def clear_doc(self, docname: str) -> None:
        for key in self.by_doc.pop(docname, ()):
            if self.records.get(key, ("",))[0] == docname:
                del self.records[key]
        self.links.pop(docname, None)

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        for docname in docnames:
            for key in otherdata["by_doc"].get(docname, ()):
                self.records[key] = otherdata["records"][key]
                self.by_doc.setdefault(docname, set()).add(key)
            if docname in otherdata["links"]:
                self.links[docname] = otherdata["links"][docname]

    def process_doc(self, env: BuildEnvironment, docname: str, document: nodes.document) -> None:
        found = set()
        for node in document.findall(addnodes.pending_xref):
            if node.get("refdomain") != "kb":
                continue
            kind, target = node["reftype"], node["reftarget"]
            if kind == "para":
                kind, target = "source", target.split("#", 1)[0]
            found.add((kind, target))
        if found:
            self.links[docname] = sorted(found)

    def _refnode(
        self,
        builder: Builder,
        fromdocname: str,
        kind: str,
        target: str,
        contnode: nodes.Element,
        node: addnodes.pending_xref,
    ) -> nodes.reference | None:
        if kind == "para":
            source_id, _, number = target.partition("#")
            found = self.records.get(("source", source_id))
            if found is None or not number.isdigit():
                return None
            docname = found[0]
            text = nodes.inline("", f"¶{number}", classes=["kb-para-ref"])
            return make_refnode(builder, fromdocname, docname, f"p{number}", text, f"¶{number}")
        found = self.records.get((kind, target))
        if found is None:
            return None
        docname, anchor, name = found
        if not node.get("refexplicit"):
            contnode = nodes.inline("", name, classes=["kb-ref", f"kb-ref-{kind}"])
        # A record has a page of its own; glossary terms share one page.
        fragment = anchor if kind == "term" else ""
        return make_refnode(builder, fromdocname, docname, fragment, contnode, name)

    def resolve_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        typ: str,
        target: str,
        node: addnodes.pending_xref,
        contnode: nodes.Element,
    ) -> nodes.reference | None:
        return self._refnode(builder, fromdocname, typ, target, contnode, node)

    def resolve_any_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        target: str,
        node: addnodes.pending_xref,
        contnode: nodes.Element,
    ) -> list[tuple[str, nodes.reference]]:
        results = []
        for kind in self.object_types:
            ref = self._refnode(builder, fromdocname, kind, target, contnode, node)
            if ref is not None:
                results.append((f"kb:{kind}", ref))
        return results

    def get_objects(self) -> Iterable[tuple[str, str, str, str, str, int]]:
        # Priority -1: in the inventory, not in the search index, where a record is found by
        # its names instead (see search.py) and an object result would show its id.
        for (kind, rid), (docname, anchor, name) in sorted(self.records.items()):
            yield rid, name, kind, docname, anchor, -1

    def renamed(self, names: dict[tuple[str, str], str]) -> set[tuple[str, str]]:
        """Records whose link text differs from ``names`` (or that ``names`` no longer has)."""
        return {key for key, (_, _, name) in self.records.items() if names.get(key) != name}

    def pages_linking_to(self, keys: Set[tuple[str, str]]) -> set[str]:
        """Pages holding a link to one of the records ``keys``."""
        return {doc for doc, links in self.links.items() if not keys.isdisjoint(links)}


class RecordRole(XRefRole):
    """A link to a record, ``{kb:person}`id```, or with a text of its own,
    ``{kb:person}`Some text <id>```. Without a text of its own, the link's content is the
    record's name, which only the resolved reference holds: the pending reference holds its id
    as plain text, one node less than a literal around it (a page holds dozens of links)."""

    def create_xref_node(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        made, messages = super().create_xref_node()
        for node in made:
            if isinstance(node, addnodes.pending_xref) and not node["refexplicit"]:
                inner = node.children[0] if node.children else None
                if isinstance(inner, nodes.literal):
                    node.children[0] = nodes.Text(inner.astext())
                    node.children[0].parent = node
        return made, messages


def _visit_rendering(translator: Any, node: RenderingNode) -> None:
    translator.visit_container(node)


def _depart_rendering(translator: Any, node: RenderingNode) -> None:
    translator.depart_container(node)


def setup_domain(app: Sphinx) -> None:
    labels = kind_labels()
    KBDomain.object_types = {kind: ObjType(label, kind) for kind, label in labels.items()}
    KBDomain.roles = {
        **{kind: RecordRole(warn_dangling=True) for kind in labels},
        "para": RecordRole(warn_dangling=True),
    }
    KBDomain.dangling_warnings = {
        **{kind: f"unknown {label} id '%(target)s'" for kind, label in labels.items()},
        "para": "unknown source paragraph '%(target)s'",
    }
    app.add_domain(KBDomain)
    visitors = (_visit_rendering, _depart_rendering)
    app.add_node(
        RenderingNode, html=visitors, latex=visitors, text=visitors, man=visitors, texinfo=visitors
    )
    app.add_transform(ThemeIdGuard)
