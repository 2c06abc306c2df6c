"""Every article readable in English: the curators' rendering beside each paragraph, the
language marked for screen readers, a summary, and facts listed by name. Built from the
``test-basic`` root; the last test reads the real data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import Tag

from conftest import REPO, edit, parse_page
from peacekb.knowledge import load
from peacekb.models import Source


@pytest.fixture
def built(basic_project: Path, build_generated: Callable[[], Path]) -> Path:
    summary = "summary: The article says Jane Roe served in Freedonia.\n"
    edit(
        basic_project / "data" / "sources" / "article-fr.yaml",
        "language: fr\n",
        "language: fr\n" + summary,
    )
    return build_generated()


page = parse_page


def test_each_paragraph_stands_beside_its_english_rendering(built: Path) -> None:
    source = page(built, "sources/article-fr.html")
    paragraph = source.find(id="p1")
    assert isinstance(paragraph, Tag)
    original = paragraph.select_one(".kb-paragraph-text")
    english = paragraph.select_one(".kb-paragraph-translation")
    assert original is not None and english is not None
    assert original["lang"] == "fr" and english["lang"] == "en"
    assert original.get_text(strip=True) == "Le major Jane Roe a servi en Freedonie."
    assert english.get_text(strip=True) == "Major Jane Roe served in Freedonia."
    assert "kb-has-translation" in paragraph["class"]
    # the headline too, rendered by the English title
    headline = source.find(id="p0")
    assert isinstance(headline, Tag)
    rendering = headline.select_one(".kb-paragraph-translation")
    assert rendering is not None and rendering.get_text(strip=True) == "An article"
    head = source.select_one(".kb-bilingual-head")
    assert head is not None and "the curators' translation" in head.get_text()
    # an English source has no rendering column
    english_source = page(built, "sources/article-one.html")
    assert english_source.select(".kb-paragraph-translation") == []
    assert english_source.select(".kb-paragraph-text")[0]["lang"] == "en"


def test_french_quotes_and_names_carry_their_language(built: Path) -> None:
    person = page(built, "people/jane-roe.html")
    quotes = {q.get_text(" ", strip=True): q.get("lang") for q in person.select("blockquote")}
    assert quotes["Le major Jane Roe"] == "fr"
    assert quotes["Major Jane Roe served in the Test Mission"] == "en"
    name = person.select_one("span[lang='fr'] strong")
    assert name is not None and name.get_text() == "Jane Roe"


def test_a_summary_on_the_source_page_and_in_the_index(built: Path) -> None:
    summary = "The article says Jane Roe served in Freedonia."
    lead = page(built, "sources/article-fr.html").select_one(".kb-lead")
    assert lead is not None and lead.get_text(strip=True) == summary
    index = page(built, "sources/index.html")
    assert summary in index.get_text()
    # one plain sentence for what is not known, instead of empty rows
    text = page(built, "sources/article-fr.html").get_text(" ")
    assert "The records hold no outlet, date of publication or web address" in text
    assert "none recorded" not in text and "not named" not in text


def test_facts_drawn_from_a_source_name_records_and_group_their_lines(built: Path) -> None:
    section = page(built, "sources/article-one.html").find(id="facts-drawn-from-this-source")
    assert isinstance(section, Tag)
    lines = [" ".join(li.get_text(" ").split()) for li in section.select("li")]
    event = [line for line in lines if line.startswith("The Test Mission is authorised")]
    assert len(event) == 1, lines  # one line per record and paragraph
    assert "participant: Test Council (authorised the mission)" in event[0]
    assert "test-council" not in " ".join(lines)


def test_a_paragraph_without_its_english_rendering_is_an_error(mini_data: Path) -> None:
    edit(
        mini_data / "sources" / "article-fr.yaml",
        "  translation: Major Jane Roe served in Freedonia.\n",
        "",
    )
    _, problems = load(mini_data)
    assert [str(p) for p in problems] == [
        f"{mini_data / 'sources' / 'article-fr.yaml'}:6:3: paragraph 1: the source is in 'fr': "
        "add 'translation', the curators' English rendering of the paragraph"
    ]


def test_every_paragraph_of_every_real_non_english_source_has_its_rendering() -> None:
    kb, problems = load(REPO / "data")
    assert problems == []
    for source in kb.records["source"].values():
        assert isinstance(source, Source)
        if source.language != "en":
            assert all(p.translation for p in source.paragraphs), source.id
