"""Sphinx configuration of the peacekb site."""

from __future__ import annotations

project = "Kazakhstan in Peace Operations"
author = "peacekb curators"
copyright = "peacekb curators"
language = "en"

extensions = [
    "myst_parser",
    "sphinx_design",
    "peacekb.sphinxext",
]

peacekb_data_dir = "../data"
peacekb_output_dir = "_generated"

myst_enable_extensions = ["colon_fence", "attrs_block", "attrs_inline", "deflist"]
myst_heading_anchors = 3
# Quotes must show the sources' exact characters: no "smart" quote or dash rewriting.
smartquotes = False

exclude_patterns = ["_build", "_generated/*.inc.md", "Thumbs.db", ".DS_Store"]
suppress_warnings: list[str] = []

html_theme = "sphinx_book_theme"
html_title = "Kazakhstan in Peace Operations"
html_favicon = "favicon.svg"
html_static_path: list[str] = []
html_last_updated_fmt = None
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
}
