"""Find the paragraph that holds a quote, for ``peacekb cite``.

A curator copies a sentence from an article, or types it, and gets back the citation to paste
into a record: the source, the paragraph number and the quote in the source's own characters.
Matching ignores what a copy or a keyboard changes without changing the words: runs of
whitespace, typographic quotes and apostrophes (curly quotes, guillemets, low-9 quotes), dashes,
the ellipsis, letter case, and invisible characters such as the soft hyphen.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass

from .knowledge import Knowledge
from .models import Source

_APOSTROPHES = "\u2018\u2019\u201a\u201b\u2032\u02bc\u00b4`"
_QUOTES = "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a\u2033"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d"
# Invisible characters that a copy from a web page brings along or leaves out.
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_FOLD = {
    **dict.fromkeys(_APOSTROPHES, "'"),
    **dict.fromkeys(_QUOTES, '"'),
    **dict.fromkeys(_DASHES, "-"),
    **dict.fromkeys(_INVISIBLE, ""),
    "\u2026": "...",
}
# Spaces beside these do not count: « mot » and "mot", "a — b" and "a-b" are the same text.
_TIGHT = frozenset('"-')


@dataclass(frozen=True)
class Folded:
    """A text folded for matching, with the index in the original text of each folded
    character."""

    text: str
    origin: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original text's span of the folded characters ``start`` to ``end``."""
        return self.origin[start], self.origin[end - 1] + 1


def fold(text: str) -> Folded:
    """``text`` with whitespace, quotes, apostrophes, dashes and case made uniform."""
    out: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        for piece in unicodedata.normalize("NFD", char):
            mapped = " " if piece.isspace() else _FOLD.get(piece, piece).lower()
            for c in mapped:
                if c == " " and (not out or out[-1] == " " or out[-1] in _TIGHT):
                    continue
                if c in _TIGHT and out and out[-1] == " ":
                    out.pop()
                    origin.pop()
                out.append(c)
                origin.append(i)
    if out and out[-1] == " ":
        out.pop()
        origin.pop()
    return Folded("".join(out), origin)


@dataclass(frozen=True)
class Passage:
    """Words of one paragraph of a source (paragraph 0: the headline)."""

    source: Source
    paragraph: int
    quote: str  # the source's own characters
    score: float = 1.0  # how close to the words sought, for a near miss

    @property
    def whole(self) -> str:
        """The whole paragraph's text."""
        if self.paragraph == 0:
            return self.source.title
        return self.source.paragraphs[self.paragraph - 1].text

    @property
    def translation(self) -> str | None:
        """The paragraph's English rendering, for a source not in English."""
        if self.source.language == "en":
            return None
        if self.paragraph == 0:
            return self.source.title_en
        return self.source.paragraphs[self.paragraph - 1].translation


def _paragraphs(source: Source) -> list[tuple[int, str]]:
    found = [] if source.title_by_curator else [(0, source.title)]
    return found + [(n, p.text) for n, p in enumerate(source.paragraphs, start=1)]


def _tidy(text: str) -> str:
    """A quote on one line: the validator compares quotes whitespace aside."""
    return re.sub(r"[ \t\r\n]*[\t\r\n][ \t\r\n]*", " ", text).strip()


def sources_to_search(kb: Knowledge, source_id: str | None) -> list[Source]:
    if source_id is None:
        return [kb.sources[k] for k in sorted(kb.sources)]
    return [kb.sources[source_id]]


def find(sources: list[Source], quote: str) -> list[Passage]:
    """Every place in ``sources`` that holds ``quote``, matched as :func:`fold` says."""
    wanted = fold(quote).text
    if not wanted:
        return []
    found = []
    for source in sources:
        for n, text in _paragraphs(source):
            folded = fold(text)
            # The first place in the paragraph: one citation of a paragraph is enough.
            start = folded.text.find(wanted)
            if start >= 0:
                begin, end = folded.span(start, start + len(wanted))
                found.append(Passage(source, n, _tidy(text[begin:end])))
    return found


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text) if len(w) > 2}


def _likeness(wanted: str, words: list[str], text: str) -> float:
    """How alike two passages are: the mean of difflib's ratio over their characters and over
    their words (the characters forgive a typo, the words a reordering)."""
    chars = difflib.SequenceMatcher(None, wanted, text, autojunk=False).ratio()
    by_word = difflib.SequenceMatcher(None, words, text.split(" "), autojunk=False).ratio()
    return (chars + by_word) / 2


def closest(sources: list[Source], quote: str, limit: int = 3, floor: float = 0.3) -> list[Passage]:
    """The passages nearest to ``quote``, best first: in the paragraphs that share the most
    words with it, the run of about as many words that is most alike (:func:`_likeness`),
    if at least ``floor`` alike."""
    wanted = fold(quote).text
    if not wanted:
        return []
    keys = _words(wanted)
    wanted_words = wanted.split(" ")
    candidates = []
    for source in sources:
        for n, text in _paragraphs(source):
            folded = fold(text)
            candidates.append((len(keys & _words(folded.text)), source, n, text, folded))
    candidates.sort(key=lambda c: -c[0])
    size = len(wanted_words)
    scored = []
    for _, source, n, text, folded in candidates[:30]:
        # Where each word of the folded paragraph starts and ends.
        spans = [(m.start(), m.end()) for m in re.finditer(r"[^ ]+", folded.text)]
        best = (0.0, 0, 0)
        for i in range(len(spans)):
            for length in (size - 1, size, size + 1):
                if length < 1 or i + length > len(spans):
                    continue
                start, end = spans[i][0], spans[i + length - 1][1]
                ratio = _likeness(wanted, wanted_words, folded.text[start:end])
                if ratio > best[0]:
                    best = (ratio, start, end)
        ratio, start, end = best
        if end > start and ratio >= floor:
            begin, stop = folded.span(start, end)
            scored.append(Passage(source, n, _tidy(text[begin:stop]), ratio))
    scored.sort(key=lambda p: (-p.score, p.source.id, p.paragraph))
    return scored[:limit]


def yaml_string(text: str) -> str:
    """``text`` as a double-quoted YAML scalar (JSON's escapes are YAML's), with the
    characters YAML reads as line breaks escaped too."""
    quoted = json.dumps(text, ensure_ascii=False)
    for char in "\u0085\u2028\u2029":
        quoted = quoted.replace(char, f"\\u{ord(char):04x}")
    return quoted


def citation_yaml(passage: Passage) -> str:
    """The citation as one flow mapping, the records' own format, as an item of ``cite``."""
    parts = [
        f"source: {passage.source.id}",
        f"paragraph: {passage.paragraph}",
        f"quote: {yaml_string(passage.quote)}",
    ]
    if passage.translation is not None:
        parts.append(f"translation: {yaml_string(passage.translation)}")
    return "- {" + ", ".join(parts) + "}"


__all__ = [
    "Folded",
    "Passage",
    "citation_yaml",
    "closest",
    "find",
    "fold",
    "sources_to_search",
    "yaml_string",
]
