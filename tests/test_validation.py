"""Each kind of bad input gives its own located message: ``file:line:column: message``."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import assert_located, edit, line_of, only_problem, problems
from peacekb.knowledge import load


def test_the_small_data_set_is_valid(mini_data: Path) -> None:
    kb, found = load(mini_data)
    assert found == []
    assert kb.counts()["person"] == 1


@pytest.mark.parametrize(
    ("file", "old", "new", "needle", "message"),
    [
        pytest.param(
            "people/jane-roe.yaml",
            "sort_name: Roe, Jane",
            "sort_name: Roe, Jane\nname: Again",
            "name: Again",
            r"duplicate key 'name' \(first on line 2\)",
            id="duplicate-key",
        ),
        pytest.param(
            "people/jane-roe.yaml",
            "sort_name: Roe, Jane",
            "sort_name: Roe, Jane\nnickname: JR",
            "nickname",
            r"unknown field 'nickname'",
            id="unknown-field",
        ),
        pytest.param(
            "people/jane-roe.yaml",
            "  rank: Major",
            "  rank: Major\n  salary: 3",
            "salary",
            r"unknown field 'salary'",
            id="unknown-nested-field",
        ),
        pytest.param(
            "people/jane-roe.yaml",
            "sort_name: Roe, Jane\n",
            "",
            "id: jane-roe",
            r"missing required field 'sort_name'",
            id="missing-field",
        ),
        pytest.param(
            "people/jane-roe.yaml",
            "    paragraph: 1\n    quote: Le major",
            "    paragraph: one\n    quote: Le major",
            "paragraph: one",
            r"names\.0\.cite\.0\.paragraph: Input should be a valid integer",
            id="wrong-type",
        ),
        pytest.param(
            "people/jane-roe.yaml",
            'start: "2020-05"',
            "start: 2020-05-01",
            "start:",
            r"unquoted date 2020-05-01: YAML reads it as a date .*quote it",
            id="yaml-native-date",
        ),
        pytest.param(
            "people/jane-roe.yaml",
            'start: "2020-05"',
            'start: "May 2020"',
            "start:",
            r"posts\.0\.start: 'May 2020' is not a date",
            id="bad-date-string",
        ),
        pytest.param(
            "people/jane-roe.yaml",
            "missions: [test-mission]",
            "missions: &m [test-mission]",
            "missions:",
            r"anchor '&m': anchors are not allowed",
            id="anchor",
        ),
        pytest.param(
            "people/jane-roe.yaml",
            "missions: [test-mission]",
            "missions: *m",
            "missions:",
            r"alias '\*m': write the value out",
            id="alias",
        ),
        pytest.param(
            "people/jane-roe.yaml",
            "missions: [test-mission]",
            "missions: [test-mision]",
            "missions:",
            r"unknown mission id 'test-mision'",
            id="unknown-id",
        ),
        pytest.param(
            "people/jane-roe.yaml",
            "  mission: test-mission",
            "  mission: freedonia",
            "  mission: freedonia",
            r"'freedonia' is a place, but this field takes a mission",
            id="wrong-kind-of-record",
        ),
        pytest.param(
            "people/jane-roe.yaml",
            "quote: Major Jane Roe served",
            "quote: Major Jane Doe served",
            "Jane Doe",
            r"quote not found in paragraph 1 of source 'article-one'",
            id="quote-not-found",
        ),
        pytest.param(
            "missions/test-mission.yaml",
            "paragraph: 4",
            "paragraph: 9",
            "paragraph: 9",
            r"source 'article-one' has 4 paragraphs, not 9",
            id="paragraph-does-not-exist",
        ),
        pytest.param(
            "people/jane-roe.yaml",
            'end: "2021"',
            'end: "2019"',
            "end:",
            r"end 2019 precedes its start 2020-05",
            id="end-before-start",
        ),
        pytest.param(
            "people/jane-roe.yaml",
            "    translation: Major Jane Roe\n",
            "",
            "source: article-fr",
            r"source 'article-fr' is in 'fr': the citation needs a 'translation'",
            id="missing-translation",
        ),
        pytest.param(
            "people/jane-roe.yaml",
            "id: jane-roe",
            "id: jane-doe",
            "id:",
            r"id 'jane-doe' must equal the file name 'jane-roe'",
            id="id-not-file-name",
        ),
        pytest.param(
            "people/jane-roe.yaml",
            "- text: She served in Freedonia.\n  cite:\n"
            "  - {source: article-one, paragraph: 1,"
            " quote: served in the Test Mission in Freedonia}",
            "- text: She served in Freedonia.",
            "She served",
            r"a fact needs 'cite' \(the source's words\) or 'inferred' \(why\)",
            id="fact-without-evidence",
        ),
        pytest.param(
            "people/jane-roe.yaml",
            "name: Jane Roe\n",
            "name: [Jane Roe\n",
            "name: [Jane",
            r"invalid YAML",
            id="syntax-error",
        ),
    ],
)
def test_bad_record(
    mini_data: Path, file: str, old: str, new: str, needle: str, message: str
) -> None:
    path = mini_data / file
    text = edit(path, old, new)
    line = None if message == r"invalid YAML" else line_of(text, needle)
    assert_located(only_problem(mini_data), path, line, message)


def test_defined_alias_is_refused(mini_data: Path) -> None:
    path = mini_data / "people" / "jane-roe.yaml"
    text = edit(path, "missions: [test-mission]", "other: &m [test-mission]\nmissions: *m")
    found = problems(mini_data)
    assert f"{path}:{line_of(text, 'other:')}:8: anchor '&m': anchors are not allowed" in found
    assert f"{path}:{line_of(text, 'missions:')}:11: alias '*m': write the value out" in found


def test_non_utf8_file(mini_data: Path) -> None:
    path = mini_data / "places" / "freedonia.yaml"
    path.write_bytes(b"id: freedonia\nname: Fr\xe9edonia\n")
    assert only_problem(mini_data) == (
        f"{path}:2:9: not UTF-8: byte 0xe9 cannot be decoded; save the file as UTF-8"
    )


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n"])
def test_empty_file(mini_data: Path, content: str) -> None:
    path = mini_data / "organizations" / "unused-org.yaml"
    path.write_text(content, encoding="utf-8")
    assert only_problem(mini_data) == f"{path}:1:1: empty file: a record needs at least an 'id'"


def test_a_list_is_not_a_record(mini_data: Path) -> None:
    path = mini_data / "organizations" / "unused-org.yaml"
    path.write_text("- id: unused-org\n", encoding="utf-8")
    assert only_problem(mini_data) == f"{path}:1:1: a record must be a mapping of fields"


def test_same_id_in_two_kinds(mini_data: Path) -> None:
    (mini_data / "organizations" / "freedonia.yaml").write_text(
        "id: freedonia\nname: Freedonia Inc\ntype: academic\n", encoding="utf-8"
    )
    org = mini_data / "organizations" / "freedonia.yaml"
    place = mini_data / "places" / "freedonia.yaml"
    assert only_problem(mini_data) == (
        f"{place}:1:5: id 'freedonia' is already used by {org}: ids are unique across kinds"
    )


def test_name_must_stand_in_its_quote(mini_data: Path) -> None:
    path = mini_data / "people" / "jane-roe.yaml"
    edit(path, "- name: Jane Roe", "- name: Janet Roe")
    assert only_problem(mini_data).endswith("the quote does not contain the name 'Janet Roe'")


@pytest.mark.parametrize(
    ("quote", "found"),
    [
        # Tab, no-break, narrow no-break and ideographic spaces, a new line: white space.
        (r"served\u00a0in the\tTest\nMission in\u3000 \u202fFreedonia", True),
        # A zero-width space is not white space: the words run together.
        (r"served in the Test\u200bMission in Freedonia", False),
    ],
)
def test_a_quote_matches_whatever_white_space_parts_its_words(
    mini_data: Path, quote: str, found: bool
) -> None:
    path = mini_data / "people" / "jane-roe.yaml"
    old = "quote: served in the Test Mission in Freedonia}"
    edit(path, old, f'quote: "{quote}"}}')
    if found:
        assert problems(mini_data) == []
    else:
        assert "quote not found in paragraph 1 of source 'article-one'" in only_problem(mini_data)


def test_headline_is_paragraph_zero(mini_data: Path) -> None:
    path = mini_data / "people" / "jane-roe.yaml"
    edit(
        path,
        "{source: article-one, paragraph: 1, quote: served in the Test Mission in Freedonia}",
        "{source: article-one, paragraph: 0, quote: An article about the Test Mission}",
    )
    assert problems(mini_data) == []


def test_unknown_record_folder_and_stray_file(mini_data: Path) -> None:
    (mini_data / "persons").mkdir()
    (mini_data / "people" / "notes.txt").write_text("x", encoding="utf-8")
    found = problems(mini_data)
    assert any("unknown record folder 'persons'" in p for p in found)
    assert any(
        p.startswith(f"{mini_data / 'people' / 'notes.txt'}:1:1: unexpected file") for p in found
    )


def test_every_error_is_reported_at_once(mini_data: Path) -> None:
    edit(
        mini_data / "people" / "jane-roe.yaml", "sort_name: Roe, Jane", "sort_name: Roe, Jane\nx: 1"
    )
    edit(mini_data / "missions" / "test-mission.yaml", "paragraph: 4", "paragraph: 9")
    edit(
        mini_data / "events" / "test-mission-authorised.yaml",
        "missions: [test-mission]",
        "missions: [nope]",
    )
    (mini_data / "places" / "atlantis.yaml").write_text("", encoding="utf-8")
    found = problems(mini_data)
    assert len(found) == 4, found
    assert {Path(p.split(":")[0]).name for p in found} == {
        "jane-roe.yaml",
        "test-mission.yaml",
        "test-mission-authorised.yaml",
        "atlantis.yaml",
    }


def test_case_variants_of_a_glossary_form_are_one_form(mini_data: Path) -> None:
    edit(
        mini_data / "glossary.yaml",
        "  - {text: TM, lang: en}\n",
        "  - {text: TM, lang: en}\n  - {text: tm, lang: en}\n",
    )
    _, found = load(mini_data)
    assert [str(p) for p in found] == [
        f"{mini_data / 'glossary.yaml'}:6:12: form 'tm' repeats 'TM' but for case: list it once"
    ]


def test_a_type_is_one_the_vocabulary_lists(mini_data: Path) -> None:
    path = mini_data / "organizations" / "unused-org.yaml"
    text = path.read_text("utf-8")
    old = next(line for line in text.splitlines() if line.startswith("type: "))
    text = edit(path, old, "type: guild")
    found = only_problem(mini_data)
    assert found.startswith(f"{path}:{line_of(text, 'type: guild')}:7: type: ")
    assert "unknown organization type 'guild': vocabulary.yaml lists: un-body" in found


def test_without_a_vocabulary_every_type_is_reported(mini_data: Path) -> None:
    (mini_data / "vocabulary.yaml").unlink()
    found = problems(mini_data)
    assert found and all("no vocabulary.yaml to list the types in" in p for p in found)
    assert len(found) == sum(
        1 for kind in ("missions", "organizations") for _ in (mini_data / kind).glob("*.yaml")
    )


def test_a_broken_vocabulary_is_reported_once(mini_data: Path) -> None:
    path = mini_data / "vocabulary.yaml"
    text = path.read_text("utf-8")
    path.write_text(text + "- {id: un-body, label: again}\n", "utf-8")
    found = only_problem(mini_data)
    assert found.startswith(f"{path}:")
    assert "organization_types: un-body listed more than once" in found
