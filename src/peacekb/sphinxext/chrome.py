"""What the extension puts into the theme's page context: plain-text values made safe for the
templates that print them raw, and the page's Open Graph tags.

Page titles come from records, so they are untrusted text. Sphinx gives templates the title as
HTML (escaped), but themes also take its plain text: sphinx-book-theme sets ``pagetitle`` and
``root_title`` with ``astext()`` and prints them unescaped in its print header and sidebar. Here
those values become :class:`markupsafe.Markup` escaped once, so they print as text whether a
template escapes them or not.

Open Graph tags are written here rather than by sphinxext-opengraph, which escapes only the
double quote in the values it writes: a title holding ``&quot;`` would reach readers' link
previews as a different text.
"""

from __future__ import annotations

from html import escape
from typing import Any

from markupsafe import Markup
from sphinx.application import Sphinx

# Plain-text values that themes of the pydata family add to the page context.
PLAIN_TEXT_KEYS = ("pagetitle", "root_title", "page_description")


def _escape_plain_text(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    for key in PLAIN_TEXT_KEYS:
        value = context.get(key)
        if isinstance(value, str) and not isinstance(value, Markup):
            context[key] = Markup.escape(value)


def meta_tag(prop: str, content: str) -> str:
    return f'<meta property="{escape(prop)}" content="{escape(content, quote=True)}" />'


def open_graph_tags(app: Sphinx, pagename: str, context: dict[str, Any]) -> str:
    """The page's Open Graph tags: title, type, address, site name and description."""
    env = app.env
    title = env.titles[pagename].astext() if pagename in env.titles else ""
    tags = {
        "og:title": title,
        "og:type": "website",
        "og:url": str(context.get("pageurl") or ""),
        "og:site_name": str(app.config.project or ""),
        "og:description": str(env.metadata.get(pagename, {}).get("og:description", "")),
    }
    return "\n".join(meta_tag(prop, value) for prop, value in tags.items() if value) + "\n"


def _add_open_graph(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if doctree is None or not app.config.peacekb_open_graph:
        return
    context["metatags"] = context.get("metatags", "") + open_graph_tags(app, pagename, context)


def setup_chrome(app: Sphinx) -> None:
    app.add_config_value("peacekb_open_graph", True, "html", types=(bool,))
    app.connect("html-page-context", _add_open_graph)
    # After the themes have filled in their own values (their handlers run at 500).
    app.connect("html-page-context", _escape_plain_text, priority=900)
