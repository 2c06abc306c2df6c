"""Turn a saved article into the skeleton of a source record, for ``peacekb new-source``.

A web page (``.html``, ``.htm``) goes through trafilatura, which finds the article among the
page furniture and reads its metadata (title, author, site name, canonical address), and
htmldate, which finds its publication date in the markup. What trafilatura left out is then
compared block by block with the page's visible text, so that the record's ``cleaning`` notes
say what was dropped: the navigation menu, the share buttons, a cookie banner, teasers of other
articles. A plain text (``.txt``) or Markdown (``.md``) file is split into paragraphs on blank
lines. The language is told by py3langid, whose model ships inside the package: nothing is
fetched at run time.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry
import yaml

from .cite import fold
from .models import BIDI_CONTROLS, FOLDERS, FORBIDDEN, ID_MAX_LENGTH, describe_character, shorten

# Matched with fullmatch: `$` would also accept a trailing newline, and \d any Unicode digit.
ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
LANGUAGE = re.compile(r"[a-z]{2,3}")
HTML_SUFFIXES = (".html", ".htm")
TEXT_SUFFIXES = (".txt",)
MARKDOWN_SUFFIXES = (".md", ".markdown")
SUFFIXES = HTML_SUFFIXES + TEXT_SUFFIXES + MARKDOWN_SUFFIXES
# Below this, py3langid's guess is not worth taking: the curator names the language.
MIN_CONFIDENCE = 0.9
PLACEHOLDER_TITLE = "TITLE IN THE ORIGINAL LANGUAGE"
PLACEHOLDER_TITLE_EN = "ENGLISH TITLE"
PLACEHOLDER_TRANSLATION = "ENGLISH TRANSLATION"


class IngestError(Exception):
    """Bad input: the message is one line for the curator."""


@dataclass
class Article:
    """What was read from a page: the article's text and what the page says about it."""

    paragraphs: list[tuple[str, str]]  # (text, role)
    title: str | None = None
    published: str | None = None
    site_name: str | None = None
    author: str | None = None
    url: str | None = None
    cleaning: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # the kinds of furniture, for the summary

    @property
    def text(self) -> str:
        return "\n\n".join(text for text, _ in self.paragraphs)


# -- reading ---------------------------------------------------------------------------------


def read_page(path: Path) -> Article:
    """The article in the file at ``path``: HTML, plain text or Markdown, by its suffix."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise IngestError(
            f"{path}: not a page this command reads; save the article as .html, .txt or .md"
        )
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise IngestError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise IngestError(f"{path}: a folder, not a file") from None
    except OSError as exc:
        raise IngestError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    # Lines end as they may: a file saved on Windows ends them with CR LF.
    text = _decode(path, data, html=suffix in HTML_SUFFIXES).replace("\r\n", "\n")
    text = text.replace("\r", "\n")
    if suffix in HTML_SUFFIXES:
        article = from_html(text)
        if not article.paragraphs:
            raise IngestError(
                f"{path}: trafilatura finds no article text in this page; save the page once "
                "the article shows, or copy its text into a .txt file"
            )
    else:
        article = from_markdown(text) if suffix in MARKDOWN_SUFFIXES else from_text(text)
        if not article.paragraphs:
            raise IngestError(f"{path}: the file holds no text")
    _strip_forbidden(article)
    if not article.paragraphs:
        raise IngestError(f"{path}: the file holds no visible text")
    return article


_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)


def _decode(path: Path, data: bytes, *, html: bool) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problem = exc
    # A web page may declare another encoding: a page saved from a site in windows-1251.
    declared = _CHARSET.search(data[:4096]) if html else None
    if declared is not None:
        name = declared[1].decode("ascii")
        try:
            return data.decode(name)
        except LookupError:
            pass
        except UnicodeDecodeError:
            raise IngestError(
                f"{path}: not valid {name}, the encoding the page declares; save it again as UTF-8"
            ) from None
    raise IngestError(
        f"{path}: not UTF-8 text (byte 0x{data[problem.start]:02X} at offset {problem.start}); "
        "save it as UTF-8"
    )


def _strip_forbidden(article: Article) -> None:
    """Remove the characters no record may hold (controls, bidirectional overrides), and say
    so under ``cleaning``."""
    removed: dict[str, int] = {}
    bidi = re.compile(f"[{''.join(BIDI_CONTROLS)}]")
    kept = []
    for text, role in article.paragraphs:
        for pattern in (FORBIDDEN, bidi):
            for match in pattern.finditer(text):
                removed[match[0]] = removed.get(match[0], 0) + 1
            text = pattern.sub("", text)
        text = _spaces(text)
        if any(not c.isspace() and unicodedata.category(c) not in ("Cf", "Mn") for c in text):
            kept.append((text, role))
    article.paragraphs = kept
    if removed:
        what = ", ".join(
            describe_character(c) + (f" ({n} times)" if n > 1 else "")
            for c, n in sorted(removed.items())
        )
        article.cleaning.append(f"Removed characters a record cannot hold: {what}")


def _spaces(text: str) -> str:
    """Runs of ASCII whitespace as one space; other spaces (no-break ones) are the text's."""
    return re.sub(r"[ \t\n\r\f\v]+", " ", text).strip()


def from_text(text: str) -> Article:
    """Paragraphs split on blank lines; a text without any blank line has one per line."""
    lines = text.splitlines()
    if not any(not line.strip() for line in lines):
        return Article([(_spaces(line), "body") for line in lines if line.strip()])
    return Article([(_spaces(block), "body") for block in _blocks(text)])


def _blocks(text: str) -> list[str]:
    return [b for b in re.split(r"\n[ \t]*(?:\n[ \t]*)+", text.strip()) if b.strip()]


_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_ITEM = re.compile(r"^ {0,3}(?:[-*+]|[0-9]{1,9}[.)])[ \t]+")
_RULE = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")


def from_markdown(text: str) -> Article:
    """Paragraphs split on blank lines; headings become heading paragraphs (a level-one
    heading opening the file is the title), list items and quoted lines paragraphs of their
    own, and inline markup (emphasis, links, images) gives way to its words."""
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    title = None
    paragraphs: list[tuple[str, str]] = []
    for block in _blocks(text):
        lines = block.splitlines()
        if len(lines) == 1 and _RULE.match(lines[0]):
            continue
        heading = _ATX.match(lines[0]) if len(lines) == 1 else None
        setext = len(lines) == 2 and _SETEXT.match(lines[1]) is not None
        if heading or setext:
            level = len(heading[1]) if heading else (1 if lines[1].strip()[0] == "=" else 2)
            words = _inline(heading[2] if heading else lines[0])
            if not words:
                continue
            if level == 1 and title is None and not paragraphs:
                title = words
            else:
                paragraphs.append((words, "heading"))
            continue
        if all(line.lstrip().startswith(">") for line in lines):
            lines = [re.sub(r"^\s*>\s?", "", line) for line in lines]
        if _ITEM.match(lines[0]):
            items: list[list[str]] = []
            for line in lines:
                if _ITEM.match(line):
                    items.append([_ITEM.sub("", line)])
                elif items:
                    items[-1].append(line)
            paragraphs.extend((_inline(" ".join(i)), "body") for i in items if _inline(" ".join(i)))
            continue
        words = _inline(" ".join(lines))
        if words:
            paragraphs.append((words, "body"))
    return Article(paragraphs, title=title)


def _inline(text: str) -> str:
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)  # images: not the article's words
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links: their words
    text = re.sub(r"<[^>\n]+>", "", text)  # inline HTML tags
    text = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)", r"\1", text)
    text = re.sub(r"`([^`]+)`", r"\1", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!])", r"\1", text)  # backslash escapes
    return _spaces(text)


# -- web pages -------------------------------------------------------------------------------


def from_html(html: str) -> Article:
    """The article of a saved web page, its metadata, and notes on the furniture dropped."""
    import htmldate
    from trafilatura.utils import load_html

    tree = load_html(html)
    body = tree.find(".//body") if tree is not None else None
    blocks = _visible_blocks(body if body is not None else tree) if tree is not None else []
    # trafilatura's default settings, and its precise ones: on a short page the default may
    # fall back to the page's whole text as one paragraph. The reading whose paragraphs stand
    # as such among the page's text blocks wins; the default on a tie.
    readings = [_extract(html, precise) for precise in (False, True)]
    folded_blocks = [fold(b.text).text for b in blocks]
    article = max(readings, key=lambda a: _standing(a, folded_blocks))
    if tree is None:
        return article
    # The date as the markup gives it (meta tags, <time>, the address), never guessed from
    # the article's own words: a date in the text is the events', not the publication's.
    article.published = htmldate.find_date(
        tree, original_date=True, extensive_search=False, outputformat="%Y-%m-%d"
    )
    _compare_with_page(article, blocks)
    return article


def _extract(html: str, precise: bool) -> Article:
    import trafilatura

    extracted = trafilatura.extract(
        html,
        output_format="xml",
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        include_formatting=False,
        deduplicate=False,
        favor_precision=precise,
    )
    if extracted is None:
        return Article([])
    doc = ET.fromstring(extracted)
    main = doc.find("main")
    paragraphs = [p for p in _xml_paragraphs(main) if p[0]] if main is not None else []
    title = _attribute(doc, "title")
    if title is not None and paragraphs and fold(paragraphs[0][0]).text == fold(title).text:
        paragraphs = paragraphs[1:]  # the headline, read twice
    return Article(
        paragraphs,
        title=title,
        site_name=_attribute(doc, "sitename"),
        author=_attribute(doc, "author"),
        url=_web_address(_attribute(doc, "url")),
    )


def _same_block(block: str, paragraph: str) -> bool:
    """Whether a page's text block (folded) is a paragraph (folded) of the article: the same
    text, or most of it (a block may lose a word of markup, a paragraph gain one)."""
    return block == paragraph or bool(
        (block and block in paragraph and 2 * len(block) >= len(paragraph))
        or (paragraph and paragraph in block and 2 * len(paragraph) >= len(block))
    )


def _standing(article: Article, blocks: list[str]) -> int:
    """How much of ``article``'s text stands as paragraphs among the page's text blocks."""
    total = 0
    for text, _ in article.paragraphs:
        paragraph = fold(text).text
        if any(_same_block(block, paragraph) for block in blocks):
            total += len(paragraph)
    return total


def _attribute(doc: ET.Element, name: str) -> str | None:
    value = doc.get(name)
    return _spaces(value) if value and value.strip() else None


def _web_address(value: str | None) -> str | None:
    if value and re.match(r"https?://[^/?#\s]", value) and " " not in value:
        return value
    return None


def _xml_paragraphs(main: ET.Element) -> Iterator[tuple[str, str]]:
    """trafilatura's XML body as (text, role): <head> a heading, each <p>, list item, quote
    paragraph and table row a paragraph of its own."""
    for element in main:
        tag = element.tag
        if tag == "head":
            yield _element_text(element), "heading"
        elif tag == "list":
            for item in element.iter("item"):
                yield _element_text(item), "body"
        elif tag == "quote" and element.find("p") is not None:
            for p in element.iter("p"):
                yield _element_text(p), "body"
        elif tag == "table":
            for row in element.iter("row"):
                cells = [_element_text(cell) for cell in row.iter("cell")]
                yield " | ".join(c for c in cells if c), "body"
        elif tag in ("p", "quote", "code"):
            yield _element_text(element), "body"


def _element_text(element: ET.Element) -> str:
    parts = []
    for node in element.iter():
        if node.tag == "lb":
            parts.append(" ")
        if node is element or node.tag != "lb":
            parts.append(node.text or "")
        if node is not element:
            parts.append(node.tail or "")
    return _spaces("".join(parts))


# -- what the page held besides the article --------------------------------------------------

_SKIP = frozenset(
    [
        "head",
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "math",
        "iframe",
        "object",
        "embed",
        "canvas",
        "select",
        "option",
        "input",
        "textarea",
        "video",
        "audio",
        "picture",
        "source",
        "img",
        "map",
    ]
)
_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "button",
        "caption",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "legend",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)


@dataclass
class _Block:
    """A run of visible text between two block boundaries, with the element it starts in."""

    text: str
    element: Any
    kept: int | None = None  # the paragraph it matches (0: the headline), if any
    caption: bool = False  # a photo caption put back into the article
    category: str = ""
    container: Any = None


def _visible_blocks(root: Any) -> list[_Block]:
    blocks: list[_Block] = []
    run: list[str] = []
    owner: list[Any] = []

    def flush() -> None:
        text = _spaces("".join(run))
        if text:
            blocks.append(_Block(text, owner[0]))
        run.clear()
        owner.clear()

    def add(text: str | None, element: Any) -> None:
        if text:
            if not owner and text.strip():
                owner.append(element)
            if owner:
                run.append(text)

    def walk(element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else None
        if tag is None or tag.lower() in _SKIP or _hidden(element):
            return
        if tag.lower() == "br":
            add(" ", element)
            return
        block = tag.lower() in _BLOCK
        if block:
            flush()
        add(element.text, element)
        for child in element:
            walk(child)
            add(child.tail, element)
        if block:
            flush()

    walk(root)
    flush()
    return blocks


def _hidden(element: Any) -> bool:
    style = re.sub(r"\s+", "", (element.get("style") or "").lower())
    return (
        element.get("hidden") is not None
        or (element.get("aria-hidden") or "").lower() == "true"
        or "display:none" in style
        or "visibility:hidden" in style
    )


# (what the notes call it, class/id words that mark it, tags and roles that mark it), in the
# order they are tried: a teaser's date is a teaser, not the article's date line.
_FURNITURE: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    (
        "cookie banner",
        ("cookie", "consent", "gdpr", "rgpd", "cmp", "didomi", "onetrust", "tarteaucitron"),
        (),
    ),
    ("share buttons", ("share", "sharing", "sharer", "social", "partage"), ()),
    ("newsletter prompt", ("newsletter", "subscribe", "subscription", "signup", "inscription"), ()),
    (
        "related-article teasers",
        (
            "related",
            "teaser",
            "readmore",
            "read-more",
            "read-also",
            "lire-aussi",
            "a-lire",
            "more-stories",
            "recommend",
            "outbrain",
            "taboola",
            "same-topic",
            "meme-sujet",
            "also",
        ),
        (),
    ),
    (
        "advertisements",
        ("ad", "ads", "advert", "advertisement", "adsense", "pub", "sponsored", "promo"),
        (),
    ),
    ("comments", ("comment", "comments", "disqus"), ()),
    ("breadcrumb", ("breadcrumb", "breadcrumbs", "ariane", "crumbs"), ()),
    ("tag list", ("tags", "tag-list", "taglist", "keywords", "mots-cles", "topics"), ()),
    (
        "byline and date line",
        ("byline", "author", "dateline", "meta", "date", "published", "timestamp"),
        ("time",),
    ),
    ("navigation menu", ("nav", "navbar", "navigation", "menu"), ("nav", "role=navigation")),
    ("search form", ("search",), ("role=search",)),
    ("page header", ("masthead", "site-header"), ("header", "role=banner")),
    ("page footer", ("footer", "colophon"), ("footer", "role=contentinfo")),
    ("sidebar", ("sidebar",), ("aside", "role=complementary")),
    ("form", (), ("form",)),
]
# Short words only count as a whole class word ("ad", not "shadow"); longer ones anywhere in
# one ("share" in "sharebar").
_WHOLE_WORD = 4


def _marks(element: Any, name: str) -> bool:
    """Whether ``element``'s tag, role, classes or id mark it as furniture ``name``."""
    keys, tags = _RULES[name]
    tag = element.tag.lower() if isinstance(element.tag, str) else ""
    role = (element.get("role") or "").lower()
    if tag in tags or (role and f"role={role}" in tags):
        return True
    marks = " ".join(element.get(a) or "" for a in ("class", "id", "aria-label")).lower()
    words = [w for w in re.split(r"[^a-z0-9]+", marks) if w]
    joined = "-".join(words)
    return any(
        key in words
        or (len(key) >= _WHOLE_WORD and any(key in w for w in words))
        or ("-" in key and key in joined)
        for key in keys
    )


_RULES = {name: (keys, tags) for name, keys, tags in _FURNITURE}


def _category(elements: list[Any]) -> tuple[str, Any] | None:
    """The furniture that ``elements`` (a block's element and its ancestors) mark, tried in
    the order of :data:`_FURNITURE`, with the element that marks it."""
    for name in _RULES:
        for element in elements:
            if _marks(element, name):
                return name, element
    return None


def _compare_with_page(article: Article, blocks: list[_Block]) -> None:
    """Match the page's visible text blocks with the article kept, recover the captions of
    the article's photos, and note under ``cleaning`` what was left out, and where from."""
    folded = [fold(text).text for text, _ in article.paragraphs]
    title = fold(article.title).text if article.title else None
    kept_elements: set[Any] = set()
    for block in blocks:
        text = fold(block.text).text
        if title is not None and text == title:
            block.kept = 0
        else:
            block.kept = next(
                (n for n, p in enumerate(folded, start=1) if _same_block(text, p)), None
            )
        if block.kept is not None:
            kept_elements.update(block.element.iterancestors())
            kept_elements.add(block.element)
    for block in blocks:
        if block.kept is not None:
            continue
        # A container that holds the article's text is the article's, whatever its classes.
        elements = [block.element, *block.element.iterancestors()]
        found = _category([e for e in elements if e not in kept_elements])
        if found is not None:
            block.category, block.container = found
    body_kept = [i for i, b in enumerate(blocks) if b.kept is not None and b.kept > 0]
    if not body_kept:
        return
    first = next((i for i, b in enumerate(blocks) if b.kept is not None), body_kept[0])
    last = body_kept[-1]
    _recover_captions(article, blocks, first, last)
    _note_dropped(article, blocks, first, last)


def _is_caption(element: Any) -> bool:
    for e in [element, *element.iterancestors()]:
        if isinstance(e.tag, str) and e.tag.lower() == "figcaption":
            return True
        if isinstance(e.tag, str) and e.tag.lower() == "figure":
            return "caption" in (element.get("class") or "").lower()
    return False


def _recover_captions(article: Article, blocks: list[_Block], first: int, last: int) -> None:
    """trafilatura drops the captions of the article's own photos: put back, as caption
    paragraphs where they stand, those between the headline and the last paragraph."""
    inserts: list[tuple[int, str]] = []  # (paragraphs before it, text)
    before = 0
    for i, block in enumerate(blocks):
        if block.kept is not None:
            before = max(before, block.kept)
        elif first <= i <= last and not block.category and _is_caption(block.element):
            inserts.append((before, block.text))
            block.caption = True
    for offset, (at, text) in enumerate(inserts):
        article.paragraphs.insert(at + offset, (text, "caption"))


def _quoted(texts: list[str], limit: int = 3, width: int = 60, *, more: bool = True) -> str:
    shown = [f"« {shorten(t, width)} »" for t in dict.fromkeys(texts)]
    if len(shown) > limit and not more:
        return ", ".join(shown[:limit])
    if len(shown) > limit:
        return ", ".join(shown[:limit]) + f" and {len(shown) - limit} more"
    return ", ".join(shown)


def _links(containers: list[Any]) -> list[tuple[str, str]]:
    """(address, words) of each distinct link with words in ``containers``."""
    found: dict[str, str] = {}
    for container in containers:
        for link in container.iter("a"):
            words = _spaces(" ".join(link.itertext()))
            href = link.get("href") or words
            if words and not _hidden(link):
                found.setdefault(href, words)
    return list(found.items())


def _note_dropped(article: Article, blocks: list[_Block], first: int, last: int) -> None:
    groups: dict[str, list[_Block]] = {}
    for i, block in enumerate(blocks):
        if block.kept is not None or block.caption:
            continue
        name = block.category or ("text inside the article" if first < i < last else "other text")
        groups.setdefault(name, []).append(block)
    notes = []
    for name, members in groups.items():
        texts = [b.text for b in members]
        containers = list(dict.fromkeys(b.container for b in members if b.container is not None))
        if name == "related-article teasers":
            links = _links(containers)
            count = len(links) or len(members)
            label = "related-article teaser" if count == 1 else f"{count} related-article teasers"
            note = f"{label} ({_quoted([w for _, w in links] or texts)})"
        elif name in ("navigation menu", "share buttons"):
            words = [w for _, w in _links(containers)]
            words += [
                _spaces(" ".join(b.itertext()))
                for c in containers
                for b in c.iter("button")
                if not _hidden(b)
            ]
            note = f"{name} ({_quoted(words or texts, limit=5, width=40)})"
        elif name == "byline and date line":
            article.cleaning.append(
                f"Moved to the metadata (byline, published): the {name} {_quoted(texts, 2, 80)}"
            )
            continue
        elif name == "text inside the article":
            article.cleaning.append(
                "Not kept, though it stands between the article's paragraphs (check that it is "
                f"not the article's own): {_quoted(texts, 5, 80)}"
            )
            continue
        else:
            note = f"{name} ({_quoted(texts, limit=1, width=70, more=False)})"
        notes.append(note)
        article.dropped.append(name)
    if notes:
        article.cleaning.insert(0, "Dropped as page furniture: " + "; ".join(notes))


# -- language, id ----------------------------------------------------------------------------


def detect_language(text: str) -> tuple[str, float]:
    """The language py3langid finds in ``text`` (an ISO 639 code) and how sure it is (0-1)."""
    from py3langid.langid import (  # type: ignore[import-untyped]
        MODEL_FILE,
        LanguageIdentifier,
    )

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    code, confidence = identifier.classify(text)
    return str(code), float(confidence)


def language_problem(code: str) -> str | None:
    """Why ``code`` is not the ISO 639 code the site expects, or None if it is."""
    if not LANGUAGE.fullmatch(code):
        return f"language {code!r} must be an ISO 639 code of 2 or 3 lowercase letters, such as fr"
    if len(code) == 2:
        if pycountry.languages.get(alpha_2=code) is None:
            return (
                f"language {code!r} is not an ISO 639-1 code; give the article's, such as fr or kk"
            )
        return None
    language = pycountry.languages.get(alpha_3=code)
    if language is None:
        return f"language {code!r} is not an ISO 639-3 code; give the article's, such as fr or kk"
    # One language, one code: where a two-letter code exists the records use it.
    short = getattr(language, "alpha_2", None)
    if short:
        return f"language {code!r} has a two-letter code: use --language {short}"
    return None


def id_problem(source_id: str) -> str | None:
    if not ID.fullmatch(source_id):
        return f"id {source_id!r} must be kebab-case ASCII (a-z, 0-9, -)"
    if len(source_id) > ID_MAX_LENGTH:
        # As `peacekb validate` refuses it: the build could not write the pages of a longer id.
        return (
            f"id {shorten(source_id)!r} is longer than {ID_MAX_LENGTH} characters: "
            "choose a shorter id"
        )
    return None


_TRANSLITERATION = {
    **dict(zip("абвгдезийклмнопрстуфыэ", "abvgdeziyklmnoprstufye", strict=True)),
    **{"ё": "yo", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch"},  # noqa: RUF001
    **{"ю": "yu", "я": "ya", "ъ": "", "ь": ""},
    **dict(zip("әғқңөұүһі", "agqnouuhi", strict=True)),  # Turkic letters of Cyrillic
    **{"є": "ye", "ї": "yi", "ґ": "g", "ў": "u"},
    **{"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "þ": "th"},
    "ı": "i",  # noqa: RUF001 (dotless i)
}


def slug(title: str, limit: int = ID_MAX_LENGTH) -> str:
    """An id made of ``title``: ASCII kebab case, cut on a word boundary within ``limit``."""
    letters = []
    for char in title.lower():
        if not char.isalnum():
            letters.append(" ")  # an apostrophe parts words as a space does
            continue
        char = _TRANSLITERATION.get(char, char)
        letters.append(unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode())
    words = re.findall(r"[a-z0-9]+", "".join(letters))
    made = ""
    for word in words:
        longer = f"{made}-{word}" if made else word
        if len(longer) > limit:
            break
        made = longer
    return made or "-".join(words)[:limit].strip("-")


def id_used_by(data: Path, source_id: str) -> Path | None:
    """A record of another kind that has the id already: ids are unique across all kinds."""
    for folder in sorted(FOLDERS):
        path = data / folder / f"{source_id}.yaml"
        if folder != "sources" and (path.exists() or path.is_symlink()):
            return path
    return None


# -- the record ------------------------------------------------------------------------------


def skeleton(
    article: Article,
    source_id: str,
    language: str,
    *,
    outlet: str | None = None,
    page: str = "",
) -> str:
    """The source record's YAML: what the page gave, placeholders for what the curator
    writes, and comments saying what is left to do."""
    english = language == "en"
    record: dict[str, Any] = {"id": source_id}
    record["title"] = article.title or PLACEHOLDER_TITLE
    record["title_en"] = article.title if english and article.title else PLACEHOLDER_TITLE_EN
    if article.title is None:
        record["title_by_curator"] = True
    record["language"] = language
    if outlet is not None:
        record["outlet"] = outlet
    if article.author:
        record["byline"] = article.author
    if article.published:
        record["published"] = article.published
    if article.url:
        record["url"] = article.url
    record["cleaning"] = article.cleaning
    if article.site_name and outlet is None:
        record["notes"] = (
            f"The page gives its site's name as « {article.site_name} »; no organisation record "
            "has that name."
        )
    paragraphs: list[Any] = []
    for text, role in article.paragraphs:
        if english and role == "body":
            paragraphs.append(text)
            continue
        item: dict[str, str] = {"text": text}
        if role != "body":
            item["role"] = role
        if not english:
            item["translation"] = PLACEHOLDER_TRANSLATION
        paragraphs.append(item)
    record["paragraphs"] = paragraphs

    header = [f"# Started by `peacekb new-source` from {page}." if page else ""]
    header.append(
        "# Check the paragraphs against the article: its own words, verbatim, and nothing else;"
    )
    header.append("# say under `cleaning` what you removed or put back.")
    if article.title is None:
        header.append("# Write the title; `title_by_curator: true` says it is yours.")
    if not english:
        header.append("# Write `title_en` and each paragraph's English `translation`.")
    if not article.published:
        header.append("# Add `published` (a quoted date) or `published_inferred` (why).")
    if article.site_name and outlet is None:
        header.append(
            f"# The site is « {article.site_name} »: add an organisation record for it and set "
            "`outlet: ID`, or keep the note."
        )
    text = "\n".join(line for line in header if line) + "\n"
    return text + yaml.safe_dump(record, allow_unicode=True, sort_keys=False, width=100)


def write_new(target: Path, text: str) -> None:
    """Write ``text`` to a fresh file renamed over ``target``: a link put at ``target`` after
    the checks is replaced, never written through, and a crash leaves no half record."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    # The loader skips dot files, so a temporary file left by a crash is never read as a record.
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, flags, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


__all__ = [
    "Article",
    "IngestError",
    "detect_language",
    "from_html",
    "from_markdown",
    "from_text",
    "id_problem",
    "id_used_by",
    "language_problem",
    "read_page",
    "skeleton",
    "slug",
    "write_new",
]
