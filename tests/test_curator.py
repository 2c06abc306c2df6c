"""The curator's commands: ``peacekb new-source`` from a saved web page, a text or Markdown,
``peacekb cite``, ``peacekb validate --format``, ``peacekb stats``; and the curator's path from a
saved news page to a built page that cites it."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import TESTS, parse_page
from peacekb.cite import fold, yaml_string
from peacekb.cli import github_annotation, main
from peacekb.ingest import slug
from peacekb.knowledge import load
from peacekb.loader import Problem

PAGE = TESTS / "fixtures" / "news-page.html"
SOURCE_ID = "freedonie-le-major-jane-roe-rentre-de-la-mission-de-test"
# Words of the page's furniture: the menu, the share buttons, the cookie banner, the teasers,
# the newsletter prompt, the tags and the footer. None is a word of the article.
FURNITURE = [
    "Accueil",
    "Politique",
    "Partager",
    "Facebook",
    "WhatsApp",
    "Copier le lien",
    "cookies",
    "Tout accepter",
    "À lire aussi",
    "Sur le même sujet",
    "casques bleus freedoniens en chiffres",
    "budget en hausse",
    "Fin de mandat",
    "lettre du matin",
    "Je m’inscris",
    "Mots-clés",
    "Mentions légales",
    "Tous droits réservés",
    "Claire Dupont",
    "Publié le",
]

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """``peacekb ARGS`` in this process: (exit status, stdout, stderr)."""

    def call(*args: str | Path) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def one_line_error(err: str) -> str:
    assert "Traceback" not in err
    (line,) = err.splitlines()
    assert line.startswith("error: ")
    return line


def record_of(data: Path, source_id: str = SOURCE_ID) -> dict[str, object]:
    loaded = yaml.safe_load((data / "sources" / f"{source_id}.yaml").read_text("utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def new_source(
    run: Run, page: Path, data: Path, source_id: str, *options: str
) -> tuple[str, dict[str, object]]:
    """``peacekb new-source PAGE OPTIONS --data DATA``, which must succeed: what it printed,
    and the record it wrote."""
    code, out, err = run("new-source", page, *options, "--data", data)
    assert code == 0, err
    return out, record_of(data, source_id)


def texts(record: dict[str, object]) -> list[str]:
    paragraphs = record["paragraphs"]
    assert isinstance(paragraphs, list)
    return [p if isinstance(p, str) else p["text"] for p in paragraphs]


# -- new-source from a web page ----------------------------------------------------------------


def test_new_source_keeps_the_article_and_its_metadata(run: Run, mini_data: Path) -> None:
    code, out, err = run("new-source", PAGE, "--data", mini_data)
    assert code == 0, err
    record = record_of(mini_data)
    assert record["id"] == SOURCE_ID
    assert record["title"] == "Freedonie : le major Jane Roe rentre de la Mission de test"
    assert "title_by_curator" not in record
    assert record["language"] == "fr"  # detected: the page says nothing to the command
    assert record["published"] == "2021-03-15"  # published, not modified (16 March)
    assert record["byline"] == "Claire Dupont"
    assert record["url"] == (
        "https://www.courrier-freedonie.example/international/2021/03/15/"
        "jane-roe-rentre-de-la-mission-de-test"
    )
    # No organisation record has the site's name: it goes into the notes, not `outlet`.
    assert "outlet" not in record
    assert "« Le Courrier de Freedonie »" in str(record["notes"])
    paragraphs = record["paragraphs"]
    assert isinstance(paragraphs, list)
    assert [p.get("role", "body") for p in paragraphs] == [
        "body",
        "caption",  # the photo's caption, where it stands
        "body",
        "heading",
        "body",
        "body",
        "body",
        "body",
    ]
    assert paragraphs[3]["text"] == "Une année au quartier général"
    assert paragraphs[0]["text"].startswith("Après un an au sein de la Mission de test")
    assert paragraphs[-1]["text"].endswith("« Si l’on me le demande, je serai prête », dit-elle.")
    assert all(p["translation"] == "ENGLISH TRANSLATION" for p in paragraphs)
    assert record["title_en"] == "ENGLISH TITLE"
    for word in FURNITURE:
        assert not any(word.casefold() in t.casefold() for t in texts(record)), word
    # The record is valid as written: placeholders and all.
    assert load(mini_data)[1] == []
    target = mini_data / "sources" / f"{SOURCE_ID}.yaml"
    assert out.splitlines()[0] == f"wrote {target}: 8 paragraphs (1 caption, 1 heading)"
    assert "  language: fr (detected by py3langid, 100% sure; --language to override)" in out
    assert "next:" in out and f"peacekb validate {mini_data}" in out


def test_new_source_says_what_it_dropped(run: Run, mini_data: Path) -> None:
    code, out, err = run("new-source", PAGE, "--data", mini_data)
    assert code == 0, err
    cleaning = record_of(mini_data)["cleaning"]
    assert isinstance(cleaning, list)
    dropped, moved = cleaning
    assert dropped.startswith("Dropped as page furniture: cookie banner (« Nous utilisons des ")
    for part in [
        "navigation menu (« Accueil », « Politique », « International », « Économie », "
        "« Culture » and 2 more)",
        "breadcrumb (« Accueil › International › Freedonie »)",
        "share buttons (« Facebook », « X (Twitter) », « WhatsApp », « Copier le lien »)",
        # the one between the paragraphs and the three below the article
        "4 related-article teasers (« Le Conseil de test autorise une mission en Freedonie », "
        "« Les casques bleus freedoniens en chiffres »",
        "tag list (« Mots-clés : Freedonie, Casques bleus, Défense »)",
        "newsletter prompt (« La lettre du matin »)",
        "page footer (« © 2021 Le Courrier de Freedonie. Tous droits réservés. »)",
    ]:
        assert part in dropped
    assert moved.startswith(
        "Moved to the metadata (byline, published): the byline and date line « Par Claire Dupont"
    )
    assert (
        "  dropped as page furniture: cookie banner, page header, navigation menu, breadcrumb, "
        "share buttons, related-article teasers, tag list, newsletter prompt, page footer"
    ) in out


def test_new_source_names_the_outlet_when_a_record_has_its_name(run: Run, mini_data: Path) -> None:
    (mini_data / "organizations" / "courrier-freedonie.yaml").write_text(
        "id: courrier-freedonie\nname: Le Courrier de Freedonie\ntype: news-outlet\n", "utf-8"
    )
    code, out, err = run("new-source", PAGE, "--data", mini_data)
    assert code == 0, err
    record = record_of(mini_data)
    assert record["outlet"] == "courrier-freedonie"
    assert "notes" not in record
    assert "  outlet: courrier-freedonie" in out
    assert load(mini_data)[1] == []


ENGLISH_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Roe home - Daily</title>
<meta property="og:title" content="Major Jane Roe comes home from the Test Mission"></head>
<body><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav>
<article><h1>Major Jane Roe comes home from the Test Mission</h1>
<p>Major Jane Roe came home to Freedonia on Sunday after a year with the Test Mission, where
she planned the patrols of the mission's headquarters.</p>
<h2>A year at headquarters</h2>
<p>She joined the headquarters in May 2020 and served there until the mission ended in 2021,
the Ministry of Defence said in a statement on Monday.</p>
<p>The ministry said she would now join the general staff of the Freedonian armed forces.</p>
</article></body></html>
"""


def test_new_source_from_an_english_page(run: Run, mini_data: Path, tmp_path: Path) -> None:
    page = tmp_path / "roe.htm"
    page.write_text(ENGLISH_PAGE, "utf-8")
    out, record = new_source(
        run, page, mini_data, "major-jane-roe-comes-home-from-the-test-mission"
    )
    assert record["language"] == "en"
    assert record["title_en"] == record["title"]
    assert record["paragraphs"] == [
        "Major Jane Roe came home to Freedonia on Sunday after a year with the Test Mission, "
        "where she planned the patrols of the mission's headquarters.",
        {"text": "A year at headquarters", "role": "heading"},
        "She joined the headquarters in May 2020 and served there until the mission ended in "
        "2021, the Ministry of Defence said in a statement on Monday.",
        "The ministry said she would now join the general staff of the Freedonian armed forces.",
    ]
    assert "published" not in record
    assert "add `published` or `published_inferred`" in out
    assert load(mini_data)[1] == []


RUSSIAN_PAGE = """<html><head><meta charset="windows-1251">
<meta property="og:site_name" content="Вести"></head><body>
<div class="menu"><a href="/">Главная</a> <a href="/news">Новости</a></div>
<article><h1>Казахстанские миротворцы отправились в Ливан</h1>
<p>Группа казахстанских военнослужащих отправилась в Ливан для участия в миссии ООН.</p>
<p>Миротворцы будут нести службу в составе батальона в течение шести месяцев.</p>
<p style="display:none">Скрытый текст</p>
<div class="social-share"><a href="#">Поделиться</a></div>
</article></body></html>
"""


def test_new_source_reads_a_short_page_in_the_encoding_it_declares(
    run: Run, mini_data: Path, tmp_path: Path
) -> None:
    page = tmp_path / "livan.html"
    page.write_bytes(RUSSIAN_PAGE.encode("windows-1251"))
    out, record = new_source(run, page, mini_data, "kazakhstanskie-mirotvortsy-otpravilis-v-livan")
    assert "  language: ru (detected by py3langid" in out
    assert record["title"] == "Казахстанские миротворцы отправились в Ливан"
    # On a page this short trafilatura's default reading is the whole text in one paragraph:
    # the precise reading, whose paragraphs are the page's, is taken instead.
    assert texts(record) == [
        "Группа казахстанских военнослужащих отправилась в Ливан для участия в миссии ООН.",
        "Миротворцы будут нести службу в составе батальона в течение шести месяцев.",
    ]
    assert record["cleaning"] == [
        "Dropped as page furniture: navigation menu (« Главная », « Новости »); "
        "share buttons (« Поделиться »)"
    ]
    assert load(mini_data)[1] == []


# -- new-source from a text or Markdown file --------------------------------------------------


def test_new_source_from_text_splits_on_blank_lines(
    run: Run, mini_data: Path, tmp_path: Path
) -> None:
    page = tmp_path / "article.txt"
    page.write_text(
        "Major Jane Roe served in the Test Mission,\nwrapped over two lines.\n\n\n"
        "  Second paragraph.  \n",
        "utf-8",
    )
    _, record = new_source(run, page, mini_data, "roe", "--id", "roe", "--language", "en")
    assert record["paragraphs"] == [
        "Major Jane Roe served in the Test Mission, wrapped over two lines.",
        "Second paragraph.",
    ]
    assert record["title_by_curator"] is True
    assert load(mini_data)[1] == []


def test_new_source_from_text_without_blank_lines_takes_a_line_per_paragraph(
    run: Run, mini_data: Path, tmp_path: Path
) -> None:
    page = tmp_path / "article.txt"
    page.write_text("First.\nSecond.\nThird.\n", "utf-8")
    _, record = new_source(run, page, mini_data, "roe", "--id", "roe", "--language", "en")
    assert record["paragraphs"] == ["First.", "Second.", "Third."]


def test_new_source_from_markdown_with_windows_line_ends(
    run: Run, mini_data: Path, tmp_path: Path
) -> None:
    page = tmp_path / "article.md"
    page.write_bytes(
        b"Roe home\r\n========\r\n\r\nFirst line\r\nsecond line.\r\n\r\nSub\r\n---\r\n"
    )
    _, record = new_source(run, page, mini_data, "roe-home", "--language", "en")
    assert record["title"] == "Roe home"
    assert record["paragraphs"] == [
        "First line second line.",
        {"text": "Sub", "role": "heading"},
    ]


def test_new_source_from_markdown(run: Run, mini_data: Path, tmp_path: Path) -> None:
    page = tmp_path / "article.md"
    page.write_text(
        "# Jane Roe comes home\n\n"
        "Major **Jane Roe** came home, [the ministry](https://example.org/) said.\n\n"
        "## A year at headquarters\n\n"
        "- She planned _patrols_.\n- She served a year.\n\n"
        "> “It was a demanding year.”\n\n"
        "![A photo](photo.jpg)\n\n"
        "---\n\n"
        "Closing words.\n",
        "utf-8",
    )
    _, record = new_source(run, page, mini_data, "jane-roe-comes-home", "--language", "en")
    assert record["title"] == "Jane Roe comes home"
    assert record["paragraphs"] == [
        "Major Jane Roe came home, the ministry said.",
        {"text": "A year at headquarters", "role": "heading"},
        "She planned patrols.",
        "She served a year.",
        "“It was a demanding year.”",
        "Closing words.",
    ]
    assert load(mini_data)[1] == []


def test_new_source_removes_characters_no_record_may_hold(
    run: Run, mini_data: Path, tmp_path: Path
) -> None:
    page = tmp_path / "article.txt"
    page.write_text("Major Jane\u202e Roe\x07 served.\n\nSecond.\n", "utf-8")
    _, record = new_source(run, page, mini_data, "roe", "--id", "roe", "--language", "en")
    assert record["paragraphs"] == ["Major Jane Roe served.", "Second."]
    assert record["cleaning"] == [
        "Removed characters a record cannot hold: control character U+0007, "
        "right-to-left override U+202E"
    ]
    assert load(mini_data)[1] == []


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Freedonie : le major Jane Roe rentre", "freedonie-le-major-jane-roe-rentre"),
        ("L’officière a « atterri » — enfin!", "l-officiere-a-atterri-enfin"),
        ("Казахстанские миротворцы в Ливане", "kazakhstanskie-mirotvortsy-v-livane"),
        ("Қазақстан бітімгерлері", "qazaqstan-bitimgerleri"),
        ("Œuvre über Straße", "oeuvre-uber-strasse"),
        ("2014: UN mission", "2014-un-mission"),
    ],
)
def test_slug(title: str, expected: str) -> None:
    assert slug(title) == expected


def test_slug_is_cut_on_a_word_boundary() -> None:
    made = slug("word " * 40)
    assert len(made) <= 100 and made.endswith("word") and "--" not in made
    assert slug("x" * 150) == "x" * 100


def test_new_source_refuses_a_title_id_another_record_has(
    run: Run, mini_data: Path, tmp_path: Path
) -> None:
    page = tmp_path / "article.md"
    page.write_text("# Jane Roe\n\nMajor Jane Roe served in the Test Mission.\n", "utf-8")
    code, _, err = run("new-source", page, "--language", "en", "--data", mini_data)
    assert code == 1
    assert one_line_error(err) == (
        f"error: id 'jane-roe' is taken by {mini_data / 'people' / 'jane-roe.yaml'} "
        "(ids are unique across all kinds); choose another id with --id"
    )


# -- new-source: bad input gets one line ------------------------------------------------------


def test_new_source_needs_an_id_when_the_text_has_no_title(
    run: Run, mini_data: Path, tmp_path: Path
) -> None:
    page = tmp_path / "article.txt"
    page.write_text("Major Jane Roe served in the Test Mission.\n", "utf-8")
    code, _, err = run("new-source", page, "--language", "en", "--data", mini_data)
    assert code == 2
    assert (
        one_line_error(err)
        == f"error: {page} gives no title to make the id of: give --id or --title"
    )


def test_new_source_refuses_to_guess_the_language_of_a_short_text(
    run: Run, mini_data: Path, tmp_path: Path
) -> None:
    page = tmp_path / "article.txt"
    page.write_text("Text.\n", "utf-8")
    code, _, err = run("new-source", page, "--id", "roe", "--data", mini_data)
    assert code == 2
    line = one_line_error(err)
    assert line.startswith(f"error: cannot tell the language of {page} (py3langid's best guess")
    assert line.endswith("sure): give it with --language")
    assert not (mini_data / "sources" / "roe.yaml").exists()


def bad_pages(tmp_path: Path) -> list[tuple[Path, str]]:
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Il a servi à Freedonia-Ville.".encode("latin-1"))
    empty_page = tmp_path / "empty.html"
    empty_page.write_text(
        "<html><head><title>Loading…</title></head><body><nav><a href='/'>Home</a></nav>"
        "<script>render()</script></body></html>",
        "utf-8",
    )
    blank = tmp_path / "blank.txt"
    blank.write_text("\n  \n\n", "utf-8")
    pdf = tmp_path / "article.pdf"
    pdf.write_bytes(b"%PDF-1.7")
    afile = tmp_path / "afile"
    afile.write_text("", "utf-8")
    folder = tmp_path / "folder.html"
    folder.mkdir()
    return [
        (tmp_path / "missing.html", "no such file"),
        (afile / "article.txt", "cannot read it: Not a directory"),
        (folder, "a folder, not a file"),
        (latin1, "not UTF-8 text (byte 0xE0 at offset 11); save it as UTF-8"),
        (
            empty_page,
            "trafilatura finds no article text in this page; save the page once the article "
            "shows, or copy its text into a .txt file",
        ),
        (blank, "the file holds no text"),
        (pdf, "not a page this command reads; save the article as .html, .txt or .md"),
    ]


def test_new_source_refuses_bad_pages_with_one_line(
    run: Run, mini_data: Path, tmp_path: Path
) -> None:
    for page, message in bad_pages(tmp_path):
        code, out, err = run(
            "new-source", page, "--id", "x", "--language", "en", "--data", mini_data
        )
        assert code == 2, page
        assert one_line_error(err) == f"error: {page}: {message}"
        assert out == ""
    assert sorted(p.name for p in (mini_data / "sources").iterdir()) == [
        "article-fr.yaml",
        "article-one.yaml",
    ]


def test_new_source_refuses_a_missing_data_folder(run: Run, tmp_path: Path) -> None:
    code, _, err = run("new-source", PAGE, "--data", tmp_path / "nowhere")
    assert code == 2
    assert one_line_error(err) == (
        f"error: data folder {tmp_path / 'nowhere'} not found; give it with --data"
    )


def test_the_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    peacekb = Path(sys.executable).parent / "peacekb"
    proc = subprocess.run(
        [str(peacekb), "new-source", str(tmp_path / "missing.html"), "--data", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr == f"error: {tmp_path / 'missing.html'}: no such file\n"


# -- cite --------------------------------------------------------------------------------------


def cite_items(out: str) -> list[dict[str, object]]:
    items = yaml.safe_load(out)
    assert isinstance(items, list)
    return items


def test_cite_prints_the_citation_in_the_records_format(run: Run, mini_data: Path) -> None:
    code, out, err = run("cite", "served in the Test Mission", "--data", mini_data)
    assert code == 0, err
    assert out == (
        "# article-one, paragraph 1\n"
        '- {source: article-one, paragraph: 1, quote: "served in the Test Mission"}\n'
    )


def test_cite_adds_the_translation_of_a_source_not_in_english(run: Run, mini_data: Path) -> None:
    code, out, err = run("cite", "a servi en Freedonie", "--data", mini_data)
    assert code == 0, err
    assert out.splitlines()[0] == (
        "# article-fr, paragraph 1: the translation is the whole paragraph's; "
        "cut it to the quoted words"
    )
    assert cite_items(out) == [
        {
            "source": "article-fr",
            "paragraph": 1,
            "quote": "a servi en Freedonie",
            "translation": "Major Jane Roe served in Freedonia.",
        }
    ]


def test_cite_matches_quotes_apostrophes_dashes_case_and_spaces(run: Run, mini_data: Path) -> None:
    assert run("new-source", PAGE, "--data", mini_data)[0] == 0
    for typed, exact, n in [
        (
            '"C\'était une année exigeante, mais je referais tout"',
            "« C’était une année exigeante, mais je referais tout »",
            3,
        ),
        (
            "forces freedoniennes - une affectation",
            "forces freedoniennes — une affectation",
            7,
        ),
        ("L'OFFICIÈRE   a\natterri", "L’officière a atterri", 3),
        ("le major jane roe rentre", "le major Jane Roe rentre", 0),
        (
            "l’aéroport de Freedonia‑Ville, le 14 mars",
            "l’aéroport de Freedonia-Ville, le 14 mars",
            2,
        ),
    ]:
        code, out, err = run("cite", typed, "--source", SOURCE_ID, "--data", mini_data)
        assert code == 0, (typed, err)
        (item,) = cite_items(out)
        assert item["paragraph"] == n and item["quote"] == exact, typed
        assert item["translation"] == ("ENGLISH TITLE" if n == 0 else "ENGLISH TRANSLATION")


def test_cite_lists_every_paragraph_that_holds_the_words(run: Run, mini_data: Path) -> None:
    code, out, err = run("cite", "Jane Roe", "--data", mini_data)
    assert code == 0, err
    assert out.splitlines()[0] == "# the words stand in 2 places: keep the one you mean"
    assert [(i["source"], i["paragraph"]) for i in cite_items(out)] == [
        ("article-fr", 1),
        ("article-one", 1),
    ]
    code, out, _ = run("cite", "Jane Roe", "--source", "article-one", "--data", mini_data)
    assert code == 0
    assert [(i["source"], i["paragraph"]) for i in cite_items(out)] == [("article-one", 1)]


def test_cite_gives_a_paragraph_once(run: Run, mini_data: Path) -> None:
    # "The Test Mission was authorised by the Test Council": the words twice in one paragraph
    code, out, _ = run("cite", "the test", "--source", "article-one", "--data", mini_data)
    assert code == 0
    assert cite_items(out) == [
        {"source": "article-one", "paragraph": 0, "quote": "the Test"},
        {"source": "article-one", "paragraph": 1, "quote": "the Test"},
        {"source": "article-one", "paragraph": 3, "quote": "The Test"},
    ]


def test_cite_finds_the_headline_as_paragraph_0(run: Run, mini_data: Path) -> None:
    code, out, _ = run("cite", "An article about", "--data", mini_data)
    assert code == 0
    assert out.splitlines()[0] == "# article-one, paragraph 0 (the headline)"
    assert cite_items(out)[0]["paragraph"] == 0


def test_cite_without_a_match_prints_the_closest_passages(run: Run, mini_data: Path) -> None:
    code, out, err = run("cite", "Major Jane Roe servd in the Test Mision", "--data", mini_data)
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == (
        "error: no paragraph of any source holds 'Major Jane Roe servd in the Test Mision' "
        "(whitespace, case, quotes, apostrophes and dashes aside)"
    )
    assert lines[1] == "the closest passages:"
    assert lines[2].startswith("  article-one, paragraph 1 (")
    assert lines[2].endswith("alike): Major Jane Roe served in the Test Mission")
    code, _, err = run("cite", "zzz qqq xxx", "--data", mini_data)
    assert code == 1
    assert err.splitlines()[1:] == ["no passage comes close"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["cite", "Jane", "--source", "article-on"],
            "no source has the id 'article-on'; did you mean 'article-one'?",
        ),
        (["cite", " \u00ad "], "the quote is empty: give the words to find, in quotes"),
    ],
)
def test_cite_refuses_bad_input_with_one_line(
    run: Run, mini_data: Path, args: list[str], message: str
) -> None:
    code, out, err = run(*args, "--data", mini_data)
    assert code == 2 and out == ""
    assert one_line_error(err) == f"error: {message}"


def test_cite_refuses_a_missing_data_folder(run: Run, tmp_path: Path) -> None:
    code, _, err = run("cite", "Jane", "--data", tmp_path / "nowhere")
    assert code == 2
    assert one_line_error(err) == (
        f"error: data folder {tmp_path / 'nowhere'} not found; give it with --data"
    )


def test_cite_searches_what_loaded_when_a_record_is_broken(run: Run, mini_data: Path) -> None:
    (mini_data / "places" / "freedonia.yaml").write_text("id: [", "utf-8")
    code, out, err = run("cite", "served in the Test Mission", "--data", mini_data)
    assert code == 0
    assert err.startswith(f"note: 1 error in {mini_data} (see peacekb validate)")
    assert cite_items(out)[0]["source"] == "article-one"


def test_fold_keeps_the_way_back_to_the_original() -> None:
    folded = fold("« L’État  —  c’est\u00admoi »")
    # Letters are decomposed, so that a composed and a decomposed é match.
    assert folded.text == unicodedata.normalize("NFD", "\"l'état-c'estmoi\"")
    assert fold("e\u0301t\u00e9").text == fold("\u00e9te\u0301").text
    begin, end = folded.span(1, len(folded.text) - 1)
    assert "« L’État  —  c’est\u00admoi »"[begin:end] == "L’État  —  c’est\u00admoi"


@pytest.mark.parametrize("text", ['say "no"', "back\\slash", "a: b, {c}", "line\u2028sep", "# x"])
def test_yaml_string_reads_back(text: str) -> None:
    assert yaml.safe_load(f"quote: {yaml_string(text)}") == {"quote": text}


# -- validate --format ---------------------------------------------------------------------------


def break_two_records(data: Path) -> None:
    person = data / "people" / "jane-roe.yaml"
    person.write_text(person.read_text("utf-8").replace("sort_name", "sortname"), "utf-8")


def test_validate_json(run: Run, mini_data: Path) -> None:
    assert run("validate", "--format", "json", mini_data)[:2] == (0, "[]\n")
    break_two_records(mini_data)
    code, out, _ = run("validate", "--format", "json", mini_data)
    assert code == 1
    person = str(mini_data / "people" / "jane-roe.yaml")
    assert json.loads(out) == [
        {"path": person, "line": 1, "column": 1, "message": "missing required field 'sort_name'"},
        {"path": person, "line": 3, "column": 1, "message": "unknown field 'sortname'"},
    ]


def test_validate_github_annotations_start_at_the_repository_root(
    mini_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    (tmp_path / ".git").mkdir()  # tmp_path stands for the checkout; data/ lies in it
    break_two_records(mini_data)
    elsewhere = tmp_path / "data" / "people"
    proc = subprocess.run(
        [sys.executable, "-m", "peacekb.cli", "validate", "--format", "github", "../"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "::error file=data/people/jane-roe.yaml,line=1,col=1::missing required field 'sort_name'",
        "::error file=data/people/jane-roe.yaml,line=3,col=1::unknown field 'sortname'",
    ]
    assert proc.stderr == "2 errors in ../\n"
    # In a workflow, the checkout is GITHUB_WORKSPACE.
    proc = subprocess.run(
        [sys.executable, "-m", "peacekb.cli", "validate", "--format", "github", "data"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "GITHUB_WORKSPACE": str(tmp_path.parent)},
        check=False,
    )
    assert proc.stdout.splitlines()[0].startswith(
        f"::error file={tmp_path.name}/data/people/jane-roe.yaml,line=1,col=1::"
    )


def test_validate_github_valid_data(run: Run, mini_data: Path) -> None:
    code, out, _ = run("validate", "--format", "github", mini_data)
    assert code == 0
    assert out.startswith(f"{mini_data}: valid (")


def test_github_annotation_escapes_as_github_documents(tmp_path: Path) -> None:
    problem = Problem(str(tmp_path / "a,b:c%.yaml"), 3, 14, "50% of\r\nit: a, b")
    assert github_annotation(problem, tmp_path) == (
        "::error file=a%2Cb%3Ac%25.yaml,line=3,col=14::50%25 of%0D%0Ait: a, b"
    )
    outside = Problem("/elsewhere/x.yaml", 1, 1, "bad \x1b")
    assert github_annotation(outside, tmp_path) == (
        "::error file=/elsewhere/x.yaml,line=1,col=1::bad \\x1b"
    )


# -- stats ---------------------------------------------------------------------------------------


def test_stats(run: Run, mini_data: Path) -> None:
    code, out, err = run("stats", mini_data)
    assert code == 0, err
    assert out.splitlines() == [
        "records: 10 (sources 2, missions 1, people 1, organizations 2, contingents 1, events 2, "
        "places 1), 1 glossary terms",
        # contingent 1, authorisation event 3, mission 2, council 1, Jane Roe 3
        "citations: 10 quotes of 2 sources",
        "inferred facts: 2",  # the arrival's participant and statement
        "paragraphs cited: 4 of 7 (57%)",
        "uncited paragraphs:",
        "  article-fr: ¶0 (headline)",
        "  article-one: ¶0 (headline), ¶2 (heading)",
    ]
    code, out, _ = run("stats", "--format", "json", mini_data)
    assert json.loads(out) == {
        "records": {
            "source": 2,
            "mission": 1,
            "person": 1,
            "organization": 2,
            "contingent": 1,
            "event": 2,
            "place": 1,
        },
        "glossary_terms": 1,
        "citations": 10,
        "inferred": 2,
        "paragraphs": {"total": 7, "cited": 4},
        "uncited": {
            "article-fr": [{"paragraph": 0, "role": "headline"}],
            "article-one": [
                {"paragraph": 0, "role": "headline"},
                {"paragraph": 2, "role": "heading"},
            ],
        },
    }


def test_stats_of_invalid_data_is_refused(run: Run, mini_data: Path, tmp_path: Path) -> None:
    (mini_data / "people" / "jane-roe.yaml").write_text("id: [", "utf-8")
    code, out, err = run("stats", mini_data)
    assert code == 1 and out == "" and "Traceback" not in err
    assert err.splitlines()[-1] == f"1 error in {mini_data}: no statistics"
    code, _, err = run("stats", tmp_path / "nowhere")
    assert code == 1
    assert err.startswith(f"{tmp_path / 'nowhere'}:1:1: data folder not found")


# -- help ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command", ["validate", "new-source", "cite", "coverage", "stats", "export"]
)
def test_every_command_has_help_with_an_example(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    with pytest.raises(SystemExit) as exit:
        main([command, "--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    assert f"\nexample:\n  peacekb {command} " in out


# -- the curator's path ----------------------------------------------------------------------------


def test_curators_path_from_a_saved_page_to_a_built_page(
    run: Run, basic_project: Path, build_generated: Callable[[], Path]
) -> None:
    data = basic_project / "data"
    # 1. The saved page becomes a source record.
    code, out, err = run("new-source", PAGE, "--data", data)
    assert code == 0, err
    # 2. The curator finds the words to cite, as typed on a keyboard.
    code, out, err = run("cite", "L'officiere a atterri dimanche 14 mars", "--data", data)
    assert code == 1  # an accent missing: no match, but the passage is offered
    assert f"  {SOURCE_ID}, paragraph 3 (" in err
    code, out, err = run("cite", "L'officière a atterri dimanche 14 mars", "--data", data)
    assert code == 0, err
    (landed,) = cite_items(out)
    landed["translation"] = "The officer landed on Sunday 14 March"
    code, out, err = run("cite", "le major Jane Roe est rentrée en Freedonie", "--data", data)
    assert code == 0, err
    (returned,) = cite_items(out)
    returned["translation"] = "Major Jane Roe returned to Freedonia"
    # 3. A record of the event, citing the new source and naming an existing person.
    event = {
        "id": "roe-returns-home",
        "title": "Jane Roe returns to Freedonia",
        "type": "return",
        "occurred": {"date": "2021-03-14", "cite": [landed]},
        "places": ["freedonia"],
        "participants": [{"who": "jane-roe", "role": "returning officer", "cite": [returned]}],
        "statements": [
            {"text": "Jane Roe came home from the Test Mission.", "cite": [copy.copy(returned)]}
        ],
    }
    (data / "events" / "roe-returns-home.yaml").write_text(
        yaml.safe_dump(event, allow_unicode=True, sort_keys=False), "utf-8"
    )
    code, out, err = run("validate", data)
    assert code == 0, err
    # 4. The site is built (no warning), and reads as it should.
    html = build_generated()
    source_page = parse_page(html, f"sources/{SOURCE_ID}.html")
    text = source_page.find("section", id="text")
    assert text is not None
    paragraphs = [p.get_text(" ", strip=True) for p in text.select(".kb-paragraph-text")]
    assert len(paragraphs) == 9  # the headline and the eight paragraphs
    assert paragraphs[3].startswith("L’officière a atterri dimanche 14 mars")
    for word in FURNITURE:
        assert not any(word.casefold() in p.casefold() for p in paragraphs), word
        assert word.casefold() not in text.get_text(" ").casefold(), word
    for word in FURNITURE:
        assert not any(word.casefold() in t.casefold() for t in texts(record_of(data))), word
    cleaned = source_page.find("section", id="how-the-text-was-cleaned")
    assert cleaned is not None
    notes = cleaned.get_text(" ")
    for dropped in [
        "navigation menu",
        "share buttons",
        "cookie banner",
        "4 related-article teasers",
        "newsletter prompt",
        "« Facebook »",
    ]:
        assert dropped in notes
    # The new pages link to each other and to the existing record.
    event_page = parse_page(html, "events/roe-returns-home.html")
    assert links_to(event_page, "../people/jane-roe.html")
    assert links_to(event_page, f"../sources/{SOURCE_ID}.html#p3")
    assert links_to(source_page, "../events/roe-returns-home.html")
    assert links_to(parse_page(html, "people/jane-roe.html"), "../events/roe-returns-home.html")


def links_to(page: BeautifulSoup, address: str) -> bool:
    return any(a.get("href") == address for a in page.find_all("a"))


def test_new_source_without_the_curator_extra_says_what_to_install(
    run: Run, mini_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "trafilatura" else real(name)
    )
    page = tmp_path / "article.txt"
    page.write_text("Text.\n", "utf-8")
    code, _, err = run("new-source", page, "--id", "roe", "--language", "en", "--data", mini_data)
    assert code == 2
    assert err.count("\n") == 1 and "trafilatura" in err and "peacekb[curator]" in err
    assert not (mini_data / "sources" / "roe.yaml").exists()
