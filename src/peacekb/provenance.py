"""What every download and page says of where it comes from: the site's title, licence and
address. Kept apart from :mod:`peacekb.export` so that a build with nothing to make can name
its settings without loading the exporters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import __version__
from .urls import Links, Style

if TYPE_CHECKING:
    from .knowledge import Knowledge


@dataclass(frozen=True)
class Provenance:
    """What every download says of itself."""

    title: str = "peacekb knowledge base"
    license: str = "Records: CC BY 4.0. Quoted article text: the publishers' own words."
    base_url: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    # The address style of the pages the downloads link to (see urls.Links).
    style: Style = "html"

    @property
    def links(self) -> Links:
        return Links(self.style, self.base_url)

    def sources(self, kb: Knowledge) -> list[dict[str, Any]]:
        return [
            {
                "id": s.id,
                "title": s.title,
                "title_en": s.title_en,
                "language": s.language,
                "published": str(s.published) if s.published else None,
                "url": s.url,
                "page": self.page_url("source", s.id),
            }
            for s in kb.sources.values()
        ]

    def page_url(self, kind: str, rid: str) -> str:
        return self.links.absolute_record(kind, rid)

    def meta(self, kb: Knowledge) -> dict[str, Any]:
        return {
            "title": self.title,
            "license": self.license,
            "generator": f"peacekb {__version__}",
            "site": self.base_url or None,
            "counts": kb.counts(),
            "sources": self.sources(kb),
            **self.extra,
        }
