"""Every address the engine writes: one place that turns a record or a page into a link.

A generated page's *document name* is its address without the suffix: a record's page is
``{segment}/{id}`` (``people/jane-roe``; the segment is the kind's ``segment`` or its data
folder's name), a kind's index is ``{segment}/index``, and the site-wide pages are plain
names (``timeline``, ``map``, ``data``…). The Sphinx extension builds the generated pages
under these names, whatever folder they are written to.

How a document name becomes an address depends on the builder: ``html`` writes
``people/jane-roe.html``; ``dirhtml`` writes ``people/jane-roe/index.html``, linked as
``people/jane-roe/``. :class:`Links` follows the same rules as Sphinx's builders, so the links
the engine writes itself (charts, the map, JSON-LD, downloads, feeds) match the ones Sphinx
writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sphinx.util.osutil import relative_uri

from .models import RECORD_KINDS

Style = Literal["html", "dirhtml"]
STYLES: tuple[Style, ...] = ("html", "dirhtml")

# The site-wide generated pages, by what they show.
TIMELINE = "timeline"
MAP = "map"
DATA = "data"
GLOSSARY = "glossary"
UNCERTAINTY = "uncertainty"
PARTICIPATION = "participation"
# The folder of the downloads, at the site's root.
DOWNLOADS = "downloads"


def segment(kind: str) -> str:
    """The folder of ``kind``'s pages in the site's addresses."""
    cls = RECORD_KINDS[kind]
    return cls.segment or cls.plural


def kind_of_segment(folder: str) -> str | None:
    """The kind whose pages are in ``folder`` of the site's addresses; None for no kind."""
    return next((kind for kind in RECORD_KINDS if segment(kind) == folder), None)


def record_doc(kind: str, rid: str) -> str:
    """The document name of a record's page."""
    return f"{segment(kind)}/{rid}"


def index_doc(kind: str) -> str:
    """The document name of the page listing every record of ``kind``."""
    return f"{segment(kind)}/index"


def download_path(name: str) -> str:
    """A download's path from the site's root."""
    return f"{DOWNLOADS}/{name}"


@dataclass(frozen=True)
class Links:
    """Addresses in one builder's style, absolute ones under ``base_url``."""

    style: Style = "html"
    base_url: str = ""

    def target(self, docname: str) -> str:
        """The address of a page relative to the site's root, as the builder writes it."""
        if self.style == "html":
            return f"{docname}.html"
        if docname == "index":
            return ""
        if docname.endswith("/index"):
            return docname.removesuffix("index")
        return docname + "/"

    def relative(self, from_doc: str, docname: str, anchor: str = "") -> str:
        """The link from page ``from_doc`` to page ``docname`` (and ``#anchor`` on it)."""
        return self._relative(from_doc, self.target(docname), anchor)

    def file(self, from_doc: str, path: str) -> str:
        """The link from page ``from_doc`` to a file at ``path`` from the site's root."""
        return self._relative(from_doc, path)

    def record(self, from_doc: str, kind: str, rid: str, anchor: str = "") -> str:
        """The link from page ``from_doc`` to a record's page."""
        return self.relative(from_doc, record_doc(kind, rid), anchor)

    def absolute(self, docname: str, anchor: str = "") -> str:
        """The full address of a page; relative to the site's root when no base is known."""
        return self.base_url + self.target(docname) + (f"#{anchor}" if anchor else "")

    def absolute_file(self, path: str) -> str:
        return self.base_url + path

    def absolute_record(self, kind: str, rid: str, anchor: str = "") -> str:
        return self.absolute(record_doc(kind, rid), anchor)

    def _relative(self, from_doc: str, to: str, anchor: str = "") -> str:
        # The same page: its own name (an empty link would mean the folder in a browser).
        link = relative_uri(self.target(from_doc), to) or to.rpartition("/")[2] or "./"
        return link + (f"#{anchor}" if anchor else "")


def style_of(builder_name: str) -> Style:
    """The address style of a Sphinx builder: ``dirhtml`` and its kin, or plain files."""
    return "dirhtml" if builder_name == "dirhtml" else "html"
