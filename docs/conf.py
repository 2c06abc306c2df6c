"""Sphinx configuration of the peacekb site."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

# -- where the site is published: the one place to set it -------------------------------------
# The published address and the repository of the records. The GitHub Pages workflow sets
# both from the repository it runs in; a local build points at the live preview (make serve).
SITE_URL = os.environ.get("PEACEKB_SITE_URL", "http://127.0.0.1:8000/").rstrip("/") + "/"
REPOSITORY_URL = os.environ.get("PEACEKB_REPOSITORY_URL", "")
BRANCH = os.environ.get("PEACEKB_BRANCH", "main")

project = "Kazakhstan in Peace Operations"
author = "peacekb curators"
copyright = "peacekb curators"
language = "en"

# peacekb sets up what its pages need itself (MyST with its syntax extensions, sphinx-design,
# exact quotes): the others here are this site's own choices.
extensions = [
    "sphinx_sitemap",
    "notfound.extension",
    "peacekb.sphinxext",
]

peacekb_data_dir = "../data"
peacekb_output_dir = "_generated"
# The place whose participation has its own page and columns in the operations index.
peacekb_focus_country = "kazakhstan"
peacekb_repository_url = REPOSITORY_URL
peacekb_repository_branch = BRANCH

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

html_baseurl = SITE_URL
html_theme = "sphinx_book_theme"
html_title = "Kazakhstan in Peace Operations"
html_favicon = "favicon.svg"
html_static_path: list[str] = []
html_last_updated_fmt = "%-d %B %Y"
html_copy_source = False
html_show_sourcelink = False
html_sidebars = {
    "**": ["peacekb-sidebar-title.html", "peacekb-sidebar-search.html", "sbt-sidebar-nav.html"]
}
# The colour mode a first visit gets: follow the reader's system setting.
html_context = {"default_mode": "auto"}
html_theme_options = {
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "collapse_navbar": True,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "article_footer_items": ["peacekb-cite.html"],
}
if REPOSITORY_URL:
    html_theme_options |= {
        "repository_url": REPOSITORY_URL,
        "repository_branch": BRANCH,
        "path_to_docs": "docs",
        "use_edit_page_button": True,
        "use_repository_button": True,
    }

# The sitemap, the Open Graph tags (peacekb writes them) and the 404 page follow SITE_URL.
sitemap_url_scheme = "{link}"
sitemap_excludes = ["search.html", "genindex.html", "404.html"]
notfound_urls_prefix = urlsplit(SITE_URL).path or "/"
