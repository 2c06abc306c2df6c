# A site whose records hold a hostile payload in every display field, built with the real
# site's theme and extensions: no payload may become markup anywhere in the output.
extensions = [
    "sphinx_sitemap",
    "notfound.extension",
    "peacekb.sphinxext",
]
project = "Hostile test site"
author = "test curators"
peacekb_data_dir = "data"
peacekb_focus_country = "freedonia"
peacekb_repository_url = "https://github.com/example/peacekb"
exclude_patterns = ["_build", "data"]
html_baseurl = "https://example.org/site/"
html_theme = "sphinx_book_theme"
html_theme_options = {
    "collapse_navbar": True,
    "article_footer_items": ["peacekb-cite.html"],
    "repository_url": "https://github.com/example/peacekb",
    "use_edit_page_button": True,
}
html_sidebars = {
    "**": ["peacekb-sidebar-title.html", "peacekb-sidebar-search.html", "sbt-sidebar-nav.html"]
}
html_context = {"default_mode": "auto"}
sitemap_url_scheme = "{link}"
notfound_urls_prefix = "/site/"
