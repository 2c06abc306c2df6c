"""What the extension adds to the HTML output: its stylesheet and script, a layout without the
icon-font script, and the icon font subset to the glyphs the built pages use."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeGuard

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

logger = logging.getLogger(__name__)

PACKAGE = Path(__file__).resolve().parent.parent
STATIC = PACKAGE / "static"
THEME_TEMPLATES = PACKAGE / "theme"
# The theme's icon fonts, and the subset of each that the extension writes.
ICON_FONTS = {
    "fa-solid-900.woff2": "peacekb-icons-solid.woff2",
    "fa-regular-400.woff2": "peacekb-icons-regular.woff2",
    "fa-brands-400.woff2": "peacekb-icons-brands.woff2",
}

# An icon class: "fa-" and its name, where "fa-" begins a word (not "sofa-bed"). The start of
# the word is checked apart (see class_names): a pattern that began with a word boundary would
# lose the regular expression engine's fast search for a literal start, ten times slower.
_CLASS = re.compile(r"fa-[a-z0-9-]+")
_WORD = re.compile(r"\w")
_CLASS_RULE = re.compile(r"((?:\.fa-[a-z0-9-]+,?)+)\{--fa:\"(\\?[^\"]+)\"\}")
_THEME_ICON = re.compile(r"--pst-icon-[a-z-]+:\"(\\?[^\"]+)\"")


def _add_paths(app: Sphinx, config: Config) -> None:
    # New lists: appending would change the shared defaults of every later application.
    if str(STATIC) not in config.html_static_path:
        config.html_static_path = [*config.html_static_path, str(STATIC)]
    if str(THEME_TEMPLATES) not in config.templates_path:
        config.templates_path = [*config.templates_path, str(THEME_TEMPLATES)]


def _codepoint(value: str) -> int:
    """A CSS string of one character: ``\\f0c9``, an escaped ``\\!`` or a plain ``a``."""
    if value.startswith("\\"):
        rest = value[1:]
        if rest and all(c in "0123456789abcdefABCDEF" for c in rest):
            return int(rest, 16)
        return ord(rest[0])
    return ord(value[0])


def icon_table(css: str) -> tuple[dict[str, int], set[int]]:
    """From the theme's stylesheet: the code point of each icon class, and those its own
    rules use."""
    by_class: dict[str, int] = {}
    for classes, value in _CLASS_RULE.findall(css):
        for name in classes.split(","):
            by_class[name.lstrip(".")] = _codepoint(value)
    return by_class, {_codepoint(v) for v in _THEME_ICON.findall(css)}


def class_names(html: str) -> set[str]:
    """The names that look like icon classes in ``html``, each once."""
    return {
        m.group()
        for m in _CLASS.finditer(html)
        if not m.start() or not _WORD.match(html, m.start() - 1)
    }


def icon_codepoints(css: str, html_pages: list[str]) -> set[int]:
    """The icon-font code points that ``html_pages`` use, given the theme's stylesheet."""
    by_class, wanted = icon_table(css)
    for html in html_pages:
        wanted.update(by_class[c] for c in class_names(html) if c in by_class)
    return wanted


# Per built page, the icons it uses, kept between builds in the doctree folder: a page Sphinx
# did not write again is not read again.
ICON_CACHE = "peacekb-icons.json"


def _subset_icons(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    static = outdir / "_static"
    css_path = static / "styles" / "pydata-sphinx-theme.css"
    webfonts = static / "vendor" / "fontawesome" / "webfonts"
    if not css_path.is_file() or not webfonts.is_dir():
        return  # not the pydata family of themes: nothing to subset
    css = css_path.read_text(encoding="utf-8")
    cache_path = Path(app.doctreedir) / ICON_CACHE
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    css_key = hashlib.sha256(css.encode()).hexdigest()
    same_css = cache.get("css") == css_key
    known = cache.get("pages", {}) if same_css else {}
    # The stylesheet's table, as the last build read it from the same stylesheet.
    table = cache.get("table") if same_css else None
    if _is_table(table):
        by_class, codepoints = table[0], set(table[1])
    else:
        by_class, codepoints = icon_table(css)
    theme_codepoints = sorted(codepoints)
    pages = {}
    for rel, info in sorted(_html_files(str(outdir))):
        stamp = [info.st_mtime_ns, info.st_size]
        entry = known.get(rel)
        if entry is None or entry[0] != stamp:
            html = (outdir / rel).read_text(encoding="utf-8")
            entry = [stamp, sorted({by_class[c] for c in class_names(html) if c in by_class})]
        pages[rel] = entry
        codepoints.update(entry[1])
    targets = [
        static / name for original, name in ICON_FONTS.items() if (webfonts / original).is_file()
    ]
    if cache.get("codepoints") != sorted(codepoints) or not all(t.is_file() for t in targets):
        from fontTools import subset  # imported here: only HTML builds of this theme need it

        for original, name in ICON_FONTS.items():
            if (webfonts / original).is_file():
                _subset(subset, webfonts / original, static / name, codepoints)
    made = {
        "css": css_key,
        "table": [by_class, theme_codepoints],
        "codepoints": sorted(codepoints),
        "pages": pages,
    }
    if made != cache:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        cache_path.write_text(json.dumps(made), encoding="utf-8")
    logger.info("[peacekb] icon fonts subset to %d code points", len(codepoints))


def _is_table(table: Any) -> TypeGuard[list[Any]]:
    """Whether ``table`` is an icon table as :func:`icon_table` makes it, kept as JSON."""
    return (
        isinstance(table, list)
        and len(table) == 2
        and isinstance(table[0], dict)
        and all(isinstance(k, str) and type(v) is int for k, v in table[0].items())
        and isinstance(table[1], list)
        and all(type(v) is int for v in table[1])
    )


def _html_files(top: str, prefix: str = "") -> Iterator[tuple[str, os.stat_result]]:
    """(path relative to ``top`` with "/", its status) of every HTML file under ``top``."""
    with os.scandir(top) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                yield from _html_files(entry.path, f"{prefix}{entry.name}/")
            elif entry.name.endswith(".html") and entry.is_file():
                yield f"{prefix}{entry.name}", entry.stat()


def _subset(subset: Any, source: Path, target: Path, codepoints: set[int]) -> None:
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.ignore_missing_unicodes = True
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    font.recalcTimestamp = False  # reproducible output
    tmp = target.with_suffix(".tmp")
    subset.save_font(font, str(tmp), options)
    if target.is_file() and target.read_bytes() == tmp.read_bytes():
        tmp.unlink()
    else:
        tmp.replace(target)


# BibTeX counts every brace, escaped or not, when it finds where a field ends: a "\\}" in a
# name would close the field and let the rest of the name add fields of its own. Braces are
# therefore written as LaTeX commands, and every brace the table writes is balanced.
_BIBTEX_SPECIAL = {c: "\\" + c for c in "%&$#_"} | {
    "{": "\\textbraceleft{}",
    "}": "\\textbraceright{}",
    "\\": "\\textbackslash{}",
    "~": "\\textasciitilde{}",
    "^": "\\textasciicircum{}",
}


def bibtex_escape(text: str) -> str:
    """Text safe inside a braced BibTeX field: it cannot end the field or the entry."""
    return "".join(_BIBTEX_SPECIAL.get(ch, ch) for ch in str(text))


def _template_filters(app: Sphinx) -> None:
    templates = getattr(app.builder, "templates", None)
    environment = getattr(templates, "environment", None)
    if environment is not None:
        environment.filters["bibtex"] = bibtex_escape


def setup_assets(app: Sphinx) -> None:
    app.connect("builder-inited", _template_filters)
    app.connect("config-inited", _add_paths)
    app.connect("build-finished", _subset_icons)
    app.add_css_file("peacekb.css")
    app.add_js_file("peacekb.js", loading_method="defer")
