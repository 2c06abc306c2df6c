"""Hostile or odd input: ``peacekb validate`` answers each with located one-line errors, never a
traceback, a hang, or a value that would break the build later."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import TypeAdapter, ValidationError

from conftest import ROOTS, edit, line_of, problems
from peacekb import loader
from peacekb.cli import main
from peacekb.loader import MAX_DEPTH, MAX_INT, MAX_VALUES, Problem
from peacekb.models import (
    ID_MAX_LENGTH,
    MAX_COUNT,
    MAX_PARAGRAPHS,
    Citation,
    Count,
    Id,
    Line,
    Source,
    Text,
)

PERSON = Path("people") / "jane-roe.yaml"


def validate(data: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Run ``peacekb validate`` on ``data``: the error lines, without the closing count."""
    code = main(["validate", str(data)])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    lines = out.err.splitlines()
    assert code == (1 if lines else 0), out
    assert lines[-1].endswith(f" in {data}")
    return lines[:-1]


@pytest.fixture(params=["libyaml", "pure-python"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with libyaml's parser and with PyYAML's own, which hosts without libyaml use."""
    if request.param == "libyaml":
        if not yaml.__with_libyaml__:
            pytest.skip("PyYAML is built without libyaml here")
        monkeypatch.setattr(loader, "_PARSER", yaml.CSafeLoader)
    else:
        monkeypatch.setattr(loader, "_PARSER", yaml.SafeLoader)
    return str(request.param)


# -- 1. deep nesting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opening", "closing"),
    [
        pytest.param("[", "]", id="flow-lists"),
        pytest.param("{a: ", "}", id="flow-mappings"),
    ],
)
@pytest.mark.parametrize("levels", [3_000, 100_000])
def test_deep_nesting_is_refused_where_it_passes_the_limit(
    mini_data: Path,
    capsys: pytest.CaptureFixture[str],
    parser: str,
    opening: str,
    closing: str,
    levels: int,
) -> None:
    path = mini_data / PERSON
    with path.open("a", encoding="utf-8") as file:
        file.write(f"deep: {opening * levels}1{closing * levels}\n")
    line = len(path.read_text(encoding="utf-8").splitlines())
    # The record is level 1 and "deep:" opens level 2: the refused level is MAX_DEPTH + 1.
    column = len("deep: ") + len(opening) * (MAX_DEPTH - 1) + 1
    assert validate(mini_data, capsys) == [
        f"{path}:{line}:{column}: nested more than {MAX_DEPTH} levels deep: no record needs "
        "that; flatten the structure"
    ]


def test_deep_block_nesting_is_refused(mini_data: Path, parser: str) -> None:
    path = mini_data / PERSON
    lines = "".join(" " * i + "-\n" for i in range(500))
    with path.open("a", encoding="utf-8") as file:
        file.write(f"deep:\n{lines}")
    text = path.read_text(encoding="utf-8")
    # Level n (the record is level 1) opens on the (n - 1)th line after "deep:", in column n - 1.
    line = line_of(text, "deep:") + MAX_DEPTH
    assert problems(mini_data) == [
        f"{path}:{line}:{MAX_DEPTH}: nested more than {MAX_DEPTH} levels deep: no record needs "
        "that; flatten the structure"
    ]


def test_nesting_up_to_the_limit_is_read(mini_data: Path) -> None:
    levels = MAX_DEPTH - 1  # under the record itself
    edit(mini_data / PERSON, "missions:", f"deep: {'[' * levels}1{']' * levels}\nmissions:")
    found = problems(mini_data)
    assert len(found) == 1 and found[0].endswith("unknown field 'deep'"), found


def test_too_many_values_stop_the_file(mini_data: Path) -> None:
    path = mini_data / PERSON
    edit(path, "missions: [test-mission]", f"missions: [{'1, ' * MAX_VALUES}1]")
    found = problems(mini_data)
    assert len(found) == 1, found[:3]
    assert found[0].startswith(f"{path}:22:")
    assert found[0].endswith(
        f"more than {MAX_VALUES:,} values in one file: no record needs that; split the file"
    )


def test_a_file_too_large_is_not_read(mini_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    limit = max(path.stat().st_size for path in mini_data.rglob("*.yaml"))
    monkeypatch.setattr(loader, "MAX_BYTES", limit)
    path = mini_data / PERSON
    with path.open("a", encoding="utf-8") as file:
        file.write("# " + "x" * limit)
    assert problems(mini_data) == [
        f"{path}:1:1: larger than {limit:,} bytes: no record needs that; split the file"
    ]


# -- 2. the file system ------------------------------------------------------------------------


def only(found: list[str]) -> str:
    assert len(found) == 1, found
    return found[0]


def test_a_folder_named_like_a_record(mini_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (mini_data / "people" / "x.yaml").mkdir()
    assert validate(mini_data, capsys) == [
        f"{mini_data / 'people' / 'x.yaml'}:1:1: a folder inside a kind folder: records are "
        "'.yaml' files; remove it"
    ]


def test_a_dangling_link(mini_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    link = mini_data / "people" / "ghost.yaml"
    link.symlink_to("nowhere.yaml")
    assert validate(mini_data, capsys) == [
        f"{link}:1:1: dangling symbolic link (its target does not exist): records are plain "
        "files; remove the link or put the file itself here"
    ]


def test_a_link_loop(mini_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    link = mini_data / "people" / "loop.yaml"
    link.symlink_to("loop.yaml")
    other = mini_data / "places" / "a.yaml"
    other.symlink_to("b.yaml")
    (mini_data / "places" / "b.yaml").symlink_to("a.yaml")
    loop = "symbolic link loop: records are plain files; remove the link"
    assert validate(mini_data, capsys) == [
        f"{link}:1:1: {loop}",
        f"{other}:1:1: {loop}",
        f"{mini_data / 'places' / 'b.yaml'}:1:1: {loop}",
    ]


def test_a_link_out_of_the_data_folder(mini_data: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("id: secret\nname: Secret\nsort_name: Secret\n", encoding="utf-8")
    link = mini_data / "people" / "secret.yaml"
    link.symlink_to(secret)
    assert only(problems(mini_data)) == (
        f"{link}:1:1: symbolic link to a file outside the data folder ('{secret}'): the data "
        "folder holds no links; put the file itself here"
    )


def test_a_link_inside_the_data_folder_is_refused_too(mini_data: Path) -> None:
    # One rule for every link: a record is one file in one place.
    link = mini_data / "people" / "jane.yaml"
    link.symlink_to("jane-roe.yaml")
    assert only(problems(mini_data)) == (
        f"{link}:1:1: symbolic link to a file inside the data folder ('jane-roe.yaml'): the "
        "data folder holds no links; put the file itself here"
    )


def test_a_kind_folder_linked_out_of_the_data_folder(mini_data: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    (mini_data / "places").rename(outside)
    (mini_data / "places").symlink_to(outside)
    # Only the link is reported: the references to the places it hides are not checked.
    assert only(problems(mini_data)) == (
        f"{mini_data / 'places'}:1:1: symbolic link to a folder outside the data folder "
        f"('{outside}'): the data folder holds no links; put the folder itself here"
    )


def test_an_unreadable_file(mini_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = mini_data / PERSON
    path.chmod(0)
    # chmod 000 does not stop root, which tests may run as: refuse the opening as well.
    real_open = os.open

    def refusing_open(file: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    assert only(problems(mini_data)) == f"{path}:1:1: cannot read the file: Permission denied"


def recording_open(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    opened: list[Path] = []
    real_open: Callable[..., int] = os.open

    def open_(file: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        opened.append(Path(file))
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)
    return opened


def test_a_named_pipe_is_never_opened(
    mini_data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Opening a pipe nobody writes to would block for ever.
    pipe = mini_data / "people" / "pipe.yaml"
    os.mkfifo(pipe)
    glossary = mini_data / "glossary.yaml"
    glossary.unlink()
    os.mkfifo(glossary)
    opened = recording_open(monkeypatch)
    assert validate(mini_data, capsys) == [
        f"{glossary}:1:1: not a regular file but a named pipe: records are plain files; remove it",
        f"{pipe}:1:1: not a regular file but a named pipe: records are plain files; remove it",
    ]
    assert mini_data / PERSON in opened
    assert pipe not in opened and glossary not in opened


def test_a_socket(mini_data: Path) -> None:
    path = mini_data / "people" / "s.yaml"
    if len(str(path)) > 100:
        pytest.skip("the path is too long for a Unix socket")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        assert only(problems(mini_data)) == (
            f"{path}:1:1: not a regular file but a socket: records are plain files; remove it"
        )


@pytest.mark.parametrize(
    ("where", "noun"),
    [
        pytest.param("people/.x.yaml", "file", id="in-a-kind-folder"),
        pytest.param(".x.yaml", "file", id="at-the-root"),
        pytest.param("people/.gitkeep", "file", id="gitkeep"),
        pytest.param(".cache/", "folder", id="hidden-folder"),
    ],
)
def test_hidden_entries_are_reported(mini_data: Path, where: str, noun: str) -> None:
    path = mini_data / where
    if where.endswith("/"):
        path.mkdir()
    else:
        path.write_text("id: x\n", encoding="utf-8")
    assert only(problems(mini_data)) == (
        f"{path}:1:1: hidden {noun} '{path.name}': the data folder holds no hidden entries; "
        "rename it or remove it"
    )


def test_the_glossary_as_a_folder_or_a_link(mini_data: Path, tmp_path: Path) -> None:
    glossary = mini_data / "glossary.yaml"
    glossary.rename(tmp_path / "glossary.yaml")
    glossary.mkdir()
    assert only(problems(mini_data)) == f"{glossary}:1:1: a folder: the glossary is one file"
    glossary.rmdir()
    glossary.symlink_to(tmp_path / "glossary.yaml")
    assert only(problems(mini_data)).startswith(
        f"{glossary}:1:1: symbolic link to a file outside the data folder"
    )


def test_a_file_as_data_folder(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("", encoding="utf-8")
    assert problems(tmp_path / "data") == [f"{tmp_path / 'data'}:1:1: not a folder"]


# -- 3. values the build could not take --------------------------------------------------------


# Text fields to put a forbidden character into: (file, key as written, value, field).
NAME = pytest.param(PERSON, "name", "Jane Roe", "name", id="name")
QUOTE = pytest.param(PERSON, "    quote", "Le major Jane Roe", "names.0.cite.0.quote", id="quote")
PARAGRAPH = pytest.param(
    Path("sources/article-one.yaml"),
    "- text",
    "It ended in 2021, after a year.",
    "paragraphs.3.text",
    id="paragraph",
)


def problem_of_escape(mini_data: Path, file: Path, key: str, value: str, escape: str) -> str:
    """Put ``escape`` (a YAML escape: what the file's text may not hold) inside the value of
    ``key`` in ``file``; return the one problem found, checked to stand on the value's line."""
    path = mini_data / file
    quoted = f'"{value[:3]}{escape}{value[3:]}"'
    old = f"{key.removeprefix('- text')}{'- ' if key == '- text' else ': '}{value}"
    text = edit(path, old, f"{key}: {quoted}")
    found = only(problems(mini_data))
    assert found.startswith(f"{path}:{line_of(text, quoted)}:"), found
    return found


@pytest.mark.parametrize(
    ("escape", "named"),
    [
        pytest.param("\\x00", "control character U+0000", id="nul"),
        pytest.param("\\x1b", "control character U+001B", id="escape"),
        pytest.param("\\r", "control character U+000D", id="carriage-return"),
        pytest.param("\\x7f", "control character U+007F", id="del"),
        pytest.param("\\x80", "control character U+0080", id="c1"),
        pytest.param("\\x85", "control character U+0085", id="next-line"),
        pytest.param("\\u2028", "line separator U+2028", id="line-separator"),
        pytest.param("\\uFFFE", "noncharacter U+FFFE", id="fffe"),
        pytest.param("\\uffff", "noncharacter U+FFFF", id="ffff"),
        pytest.param("\\uFDD0", "noncharacter U+FDD0", id="fdd0"),
    ],
)
@pytest.mark.parametrize(
    ("file", "key", "value", "field"),
    [
        NAME,
        QUOTE,
        PARAGRAPH,
        pytest.param(
            Path("glossary.yaml"),
            "  definition",
            "The Test Mission.",
            "terms.0.definition",
            id="glossary-definition",
        ),
    ],
)
def test_characters_no_text_may_hold(
    mini_data: Path, file: Path, key: str, value: str, field: str, escape: str, named: str
) -> None:
    found = problem_of_escape(mini_data, file, key, value, escape)
    assert found.endswith(f": {field}: {named} is not allowed: remove it"), found


def test_characters_no_file_may_hold_are_located(
    mini_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = mini_data / PERSON
    text = path.read_text(encoding="utf-8").replace("rank: Major", "rank: Ma\x00jor\x00")
    path.write_text(text.replace("Staff officer", "Staff\x7f officer"), encoding="utf-8")
    # PyYAML used to report a NUL at line 1 over two lines; now: the NUL itself, and the
    # rest of the file is still checked.
    assert validate(mini_data, capsys) == [
        f"{path}:13:15: control character U+007F is not allowed in a record: remove it",
        f"{path}:14:11: control character U+0000 is not allowed in a record (2 times in this "
        "file): remove it",
    ]


def test_a_lone_surrogate(mini_data: Path, parser: str) -> None:
    path = mini_data / PERSON
    text = edit(path, "name: Jane Roe\n", 'name: "Jane\\ud800Roe"\n')
    found = only(problems(mini_data))
    line = line_of(text, "ud800")
    if parser == "libyaml":  # libyaml refuses the escape itself
        assert found.startswith(f"{path}:{line}:")
        assert "invalid YAML" in found and "invalid Unicode character escape code" in found
    else:
        assert found == f"{path}:{line}:7: name: lone surrogate U+D800 is not allowed: remove it"
    with pytest.raises(ValidationError, match="lone surrogate U"):
        TypeAdapter(Text).validate_python("a\ud800b")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"Jane\\nRoe"', "name: a line break is not allowed here: write it on one line"),
        ('"Jane\\tRoe"', "name: a tab is not allowed here: write it on one line"),
        ("|\n  Jane\n  Roe", "name: a line break is not allowed here: write it on one line"),
    ],
)
def test_a_name_is_one_line(mini_data: Path, value: str, message: str) -> None:
    path = mini_data / PERSON
    edit(path, "name: Jane Roe\n", f"name: {value}\n")
    assert only(problems(mini_data)) == f"{path}:2:7: {message}"


def test_long_texts_may_hold_line_breaks_and_tabs(mini_data: Path) -> None:
    edit(mini_data / PERSON, "- text: She served in Freedonia.", '- text: "She\\tserved\\nthere."')
    assert problems(mini_data) == []


def test_year_zero(mini_data: Path) -> None:
    path = mini_data / PERSON
    edit(path, 'start: "2020-05"', 'start: "0000-05"')
    assert only(problems(mini_data)) == (
        f"{path}:16:10: posts.0.start: '0000-05': there is no year 0; the first year is 0001"
    )


# -- 4. reserved ids ---------------------------------------------------------------------------


def test_a_record_cannot_take_the_list_pages_name(
    mini_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = mini_data / "organizations" / "index.yaml"
    path.write_text("id: index\nname: Index\ntype: academic\n", encoding="utf-8")
    assert validate(mini_data, capsys) == [
        f"{path}:1:5: id: 'index' is reserved: the page organizations/index lists every "
        "organisation; choose another id and rename the file to match"
    ]


# -- 5. weak checks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        pytest.param(
            "quote: Major Jane Roe served in the Test Mission",
            'quote: " "',
            "posts.0.cite.0.quote",
            id="quote",
        ),
        pytest.param("translation: Major Jane Roe", 'translation: "\\t"', "", id="translation"),
        pytest.param("name: Jane Roe\n", 'name: "\\u3000"\n', "name", id="name"),
        pytest.param("  rank: Major", '  rank: "  "', "posts.0.rank", id="rank"),
        # Text that shows as nothing is blank too: the Braille blank, Hangul fillers, format
        # characters (zero-width space, soft hyphen, word joiner, byte order mark, the
        # right-to-left mark), combining marks with no letter to sit on.
        pytest.param("name: Jane Roe\n", 'name: "\\u2800"\n', "name", id="braille-blank"),
        pytest.param(
            "name: Jane Roe\n", 'name: "\\u3164\\u200b\\u00ad"\n', "name", id="hangul-filler"
        ),
        pytest.param(
            "name: Jane Roe\n",
            'name: "\\u115f\\u1160\\uffa0\\u180e"\n',
            "name",
            id="other-fillers",
        ),
        pytest.param("name: Jane Roe\n", 'name: " \\u2060\\ufeff\\u200f "\n', "name", id="format"),
        pytest.param(
            "quote: Major Jane Roe served in the Test Mission",
            'quote: "\\u0301\\u20dd \\u0301"',
            "posts.0.cite.0.quote",
            id="marks-alone",
        ),
    ],
)
def test_blank_text_is_refused(mini_data: Path, old: str, new: str, field: str) -> None:
    path = mini_data / PERSON
    text = edit(path, old, new)
    field = field or "names.0.cite.0.translation"
    found = only(problems(mini_data))
    assert found.startswith(f"{path}:{line_of(text, new.strip())}:"), found
    assert found.endswith(
        f"{field}: the text is empty or only spaces: write the text, or leave the field out"
    )


@pytest.mark.parametrize("date", ['"2020-05\\n"', '"٢٠٢٠-05"', '"2020-05 "'])
def test_a_date_is_exactly_a_date(mini_data: Path, date: str) -> None:
    path = mini_data / PERSON
    edit(path, 'start: "2020-05"', f"start: {date}")
    found = only(problems(mini_data))
    assert found.startswith(f"{path}:16:10: posts.0.start: "), found
    assert "is not a date: write 'YYYY'" in found


@pytest.mark.parametrize("value", ["jane-roe\n", "jane-roe ", "ｊane-roe", "jane_roe"])
def test_an_id_is_exactly_an_id(value: str) -> None:
    # pydantic matches the pattern with Rust's regex, whose "$" does not match before "\n".
    with pytest.raises(ValidationError, match="String should match pattern"):
        TypeAdapter(Id).validate_python(value)


def test_an_id_with_a_trailing_newline_in_a_record(mini_data: Path) -> None:
    path = mini_data / PERSON
    edit(path, "id: jane-roe", 'id: "jane-roe\\n"')
    assert only(problems(mini_data)) == (
        f"{path}:1:5: id: 'jane-roe\\n' is not an id: write lowercase letters a-z, digits and "
        "single hyphens, such as 'jane-roe'"
    )


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        pytest.param(
            "sources/article-one.yaml",
            "language: en",
            'language: "en\\n"',
            "language: 'en\\n' is not a language code: write the two- or three-letter ISO 639 "
            "code in lowercase, such as 'en' or 'kk'",
            id="language",
        ),
        pytest.param(
            "places/freedonia.yaml",
            "country_code: FD",
            'country_code: "FD\\n"',
            "country_code: 'FD\\n' is not a country code: write the two-letter ISO 3166 code in "
            "capitals, such as 'KZ'",
            id="country",
        ),
    ],
)
def test_codes_are_exactly_codes(
    mini_data: Path, file: str, old: str, new: str, message: str
) -> None:
    path = mini_data / file
    text = edit(path, old, new)
    line = line_of(text, new)
    assert only(problems(mini_data)) == f"{path}:{line}:{len(old.split()[0]) + 2}: {message}"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "//example.org/a",
        "/a/b",
        "https://",
        "https:///path",
        "ftp://example.org/a",
        "https://exa mple.org/",
        "https://[::1/",
    ],
)
def test_a_url_is_a_web_address(mini_data: Path, url: str) -> None:
    path = mini_data / "sources" / "article-one.yaml"
    edit(path, "language: en", f"language: en\nurl: {yaml.safe_dump(url).splitlines()[0]}")
    found = only(problems(mini_data))
    assert found.startswith(f"{path}:5:6: url: "), found
    assert found.endswith("write the full http:// or https:// address"), found


@pytest.mark.parametrize(
    "url", ["https://example.org/", "http://example.org/news?id=3#p2", "https://kaz.kz/рус/1"]
)
def test_web_addresses_are_taken(mini_data: Path, url: str) -> None:
    edit(mini_data / "sources" / "article-one.yaml", "language: en", f"language: en\nurl: {url}")
    assert problems(mini_data) == []


@pytest.mark.parametrize(
    ("value", "tag", "noun"),
    [
        ("!!python/tuple [test-mission]", "!!python/tuple", "a plain list"),
        ("!!set {test-mission: null}", "!!set", "a plain mapping"),
        ("!foo {a: 1}", "!foo", "a plain mapping"),
        ("!!seq [test-mission]", "!!seq", "a plain list"),
        ("!!str test-mission", "!!str", "the plain value"),
        ("!!binary aGVsbG8=", "!!binary", "the plain value"),
    ],
)
def test_tags_are_refused_on_every_value(
    mini_data: Path, parser: str, value: str, tag: str, noun: str
) -> None:
    path = mini_data / PERSON
    edit(path, "missions: [test-mission]", f"missions: {value}")
    # The schema's view of the tagged value would only repeat the problem.
    assert only(problems(mini_data)) == (
        f"{path}:22:11: YAML tag '{tag}' is not allowed: write {noun}"
    )


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("e\u0301", id="letter-and-mark"),
        pytest.param("\u0915\u093f", id="devanagari-with-vowel-sign"),
        pytest.param("Jane\u00adRoe", id="soft-hyphen-inside"),
        pytest.param("\u200f\u0627\u0644\u0623\u0645\u0645", id="arabic-after-a-mark"),
        pytest.param("\u2800x", id="braille-blank-then-letter"),
        pytest.param("\U000f0001", id="private-use"),
    ],
)
def test_text_with_a_visible_character_is_not_blank(value: str) -> None:
    assert TypeAdapter(Line).validate_python(value) == value


def test_a_huge_number(mini_data: Path) -> None:
    path = mini_data / PERSON
    edit(path, "paragraph: 1\n    quote: Le major", f"paragraph: {'9' * 5000}\n    quote: Le major")
    assert only(problems(mini_data)) == (
        f"{path}:9:16: number too large: 99999999999999999999…: write a number below "
        "9,007,199,254,740,992, or quote it if it is text"
    )


# Python refuses to write out an int of more than 4,300 digits: any message or page that showed
# one of these would end with a traceback. PyYAML builds them whatever their size.
@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param("0x" + "f" * 4000, "0x" + "f" * 18 + "…", id="hexadecimal"),
        pytest.param("0b" + "1" * 20000, "0b" + "1" * 18 + "…", id="binary"),
        pytest.param("0" + "7" * 6000, "0" + "7" * 19 + "…", id="octal"),
        pytest.param("1" + ":59" * 3000, "1" + ":59" * 6 + ":…", id="base-60"),
        pytest.param("0x_" + "f_" * 4000, "0x_" + "f_" * 8 + "f…", id="underscores"),
        pytest.param("9_007_199_254_740_992", "9_007_199_254_740_99…", id="just-over"),
    ],
)
@pytest.mark.parametrize(
    ("file", "old", "field"),
    [
        pytest.param(PERSON, "paragraph: 1\n    quote: Le major", "paragraph", id="paragraph"),
        pytest.param(Path("contingents/freedonia-roe.yaml"), "- value: 1", "- value", id="count"),
        pytest.param(PERSON, "name: Jane Roe", "name", id="text-field"),
    ],
)
def test_a_huge_number_in_any_base(
    mini_data: Path,
    capsys: pytest.CaptureFixture[str],
    file: Path,
    old: str,
    field: str,
    value: str,
    shown: str,
) -> None:
    path = mini_data / file
    new = old.replace(old.split(": ")[1].split("\n")[0], value, 1)
    text = edit(path, old, new)
    line = line_of(text, f"{field}: {value[:10]}")
    column = len(field) + 3 + (4 if field == "paragraph" else 0)
    assert validate(mini_data, capsys) == [
        f"{path}:{line}:{column}: number too large: {shown}: write a number below "
        "9,007,199,254,740,992, or quote it if it is text"
    ]


def test_a_huge_negative_number(mini_data: Path) -> None:
    path = mini_data / "contingents" / "freedonia-roe.yaml"
    edit(path, "- value: 1", f"- value: -0x{'f' * 4000}")
    assert only(problems(mini_data)) == (
        f"{path}:7:10: number too small: -0xfffffffffffffffff…: write a number above "
        "-9,007,199,254,740,992, or quote it if it is text"
    )


@pytest.mark.parametrize(
    "spelling",
    [
        "0",
        "-0",
        "+12",
        "1_000",
        "0b1010",
        "-0b_1",
        "017",
        "-0_17",
        "0x1F",
        "-0x_1f",
        "1:30",
        "-1:30:00",
        "190:20:30",
        "0x" + "0" * 5000 + "1",
        "9007199254740991",
        "0x1fffffffffffff",
        "-9_007_199_254_740_991",
    ],
)
def test_numbers_read_as_pyyaml_reads_them(tmp_path: Path, spelling: str) -> None:
    path = tmp_path / "n.yaml"
    path.write_text(f"n: {spelling}\n", encoding="utf-8")
    doc = loader.read_yaml(path)
    assert doc.problems == []
    assert doc.value == yaml.safe_load(path.read_text(encoding="utf-8"))
    assert abs(doc.value["n"]) <= MAX_INT


def test_the_models_bound_their_numbers_without_writing_them_out() -> None:
    # Given without the loader, a huge int is refused by the models, and never formatted.
    huge = 16**4000
    with pytest.raises(ValidationError, match=f"more than {MAX_PARAGRAPHS:,} paragraphs"):
        Citation.model_validate({"source": "a", "paragraph": huge, "quote": "q"})
    with pytest.raises(ValidationError, match=f"a count above {MAX_COUNT:,}"):
        Count.model_validate({"value": huge, "what": "x", "inferred": "y"})
    assert Citation.model_validate({"source": "a", "paragraph": MAX_PARAGRAPHS, "quote": "q"})
    assert Count.model_validate({"value": MAX_COUNT, "what": "x", "inferred": "y"})
    paragraphs = ["p"] * (MAX_PARAGRAPHS + 1)
    with pytest.raises(ValidationError, match=f"more than {MAX_PARAGRAPHS:,} paragraphs"):
        Source.model_validate(
            {"id": "s", "title": "t", "title_en": "t", "language": "en", "paragraphs": paragraphs}
        )


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        pytest.param(
            "contingents/freedonia-roe.yaml",
            "- value: 1",
            f"- value: {MAX_COUNT + 1}",
            "strength.0.value: a count above 1,000,000,000 is not one a source gives: "
            "check the number",
            id="count",
        ),
        pytest.param(
            "contingents/freedonia-roe.yaml",
            "paragraph: 1,",
            f"paragraph: {MAX_PARAGRAPHS + 1},",
            "strength.0.cite.0.paragraph: no source has more than 10,000 paragraphs: write the "
            "number of the cited paragraph, 1 for the first, 0 for the headline",
            id="paragraph",
        ),
    ],
)
def test_numbers_beyond_what_a_record_needs(
    mini_data: Path, file: str, old: str, new: str, message: str
) -> None:
    path = mini_data / file
    text = edit(path, old, new)
    found = only(problems(mini_data))
    assert found.startswith(f"{path}:{line_of(text, new)}:"), found
    assert found.endswith(f": {message}"), found


# The build writes each page through ".{id}.md.{12 hex digits}.tmp": a 240-character id made a
# name longer than the 255 bytes a file system allows.
def test_an_id_longer_than_the_limit(mini_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long = "a" * 240
    path = mini_data / "organizations" / f"{long}.yaml"
    path.write_text(f"id: {long}\nname: Long\ntype: academic\n", encoding="utf-8")
    contingent = mini_data / "contingents" / "freedonia-roe.yaml"
    edit(contingent, "members: [jane-roe]", f"members: [jane-roe]\nunits: [{long}]")
    # The reference is refused for its length, not reported again as an unknown id.
    assert validate(mini_data, capsys) == [
        f"{contingent}:6:9: units.0: 'aaaaaaaaaaaaaaaaaaaa…' is longer than 100 characters: "
        "choose a shorter id",
        f"{path}:1:5: id: 'aaaaaaaaaaaaaaaaaaaa…' is longer than 100 characters: choose a "
        "shorter id",
    ]


def test_the_length_is_checked_before_the_pattern() -> None:
    with pytest.raises(ValidationError, match=r"'Not_An_Id_Not_An_Id_…' is longer than 100 "):
        TypeAdapter(Id).validate_python("Not_An_Id_" * 11)
    assert TypeAdapter(Id).validate_python("a" * ID_MAX_LENGTH) == "a" * ID_MAX_LENGTH


def test_a_value_missing_its_pattern_is_quoted_short(mini_data: Path) -> None:
    path = mini_data / "sources" / "article-one.yaml"
    edit(path, "language: en", f"language: {'x' * 100_000}")
    assert only(problems(mini_data)) == (
        f"{path}:4:11: language: '{'x' * 60}…' is not a language code: write the two- or "
        "three-letter ISO 639 code in lowercase, such as 'en' or 'kk'"
    )


# Bidirectional controls reorder the text around them where it is shown: in a page title, a
# CSV cell, a citation ("Trojan Source"). The marks U+200E, U+200F and U+061C stay allowed.
BIDI = {
    "\\u202A": "left-to-right embedding U+202A",
    "\\u202B": "right-to-left embedding U+202B",
    "\\u202C": "pop directional formatting U+202C",
    "\\u202D": "left-to-right override U+202D",
    "\\u202E": "right-to-left override U+202E",
    "\\u2066": "left-to-right isolate U+2066",
    "\\u2067": "right-to-left isolate U+2067",
    "\\u2068": "first strong isolate U+2068",
    "\\u2069": "pop directional isolate U+2069",
}


@pytest.mark.parametrize(("escape", "named"), list(BIDI.items()), ids=list(BIDI.values()))
@pytest.mark.parametrize(
    ("file", "key", "value", "field"),
    [
        NAME,
        pytest.param(
            Path("sources/article-one.yaml"),
            "title_en",
            "An article about the Test Mission",
            "title_en",
            id="title",
        ),
        QUOTE,
        PARAGRAPH,
    ],
)
def test_bidirectional_controls_are_refused(
    mini_data: Path, file: Path, key: str, value: str, field: str, escape: str, named: str
) -> None:
    found = problem_of_escape(mini_data, file, key, value, escape)
    assert found.endswith(
        f": {field}: {named} is not allowed: it can reverse or reorder the text shown around "
        "it; remove it (the marks U+200E and U+200F may stay)"
    ), found


def test_direction_marks_stay_allowed(mini_data: Path) -> None:
    edit(mini_data / PERSON, "name: Jane Roe\n", 'name: "\u200fJane\u200e Roe\u061c"\n')
    edit(mini_data / PERSON, "- text: She served", '- text: "\u200fShe\u200e served')
    edit(mini_data / PERSON, "in Freedonia.", 'in Freedonia."')
    assert problems(mini_data) == []


# -- 6. every problem of a file in one run -----------------------------------------------------


def test_every_problem_of_one_file_in_one_run(
    mini_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = mini_data / PERSON
    edit(path, "sort_name: Roe, Jane", "sort_name: Roe, Jane\nname: Again\nnickname: JR")
    edit(path, "quote: Major Jane Roe served", "quote: Major Jane Doe served")
    text = edit(path, "missions: [test-mission]", "missions: [test-mision]")
    assert validate(mini_data, capsys) == [
        f"{path}:4:1: duplicate key 'name' (first on line 2)",
        f"{path}:5:1: unknown field 'nickname'",
        f"{path}:{line_of(text, 'Jane Doe')}:12: quote not found in paragraph 1 of source "
        "'article-one': 'Major Jane Doe served in the Test Mission'",
        f"{path}:{line_of(text, 'test-mision')}:12: unknown mission id 'test-mision'",
    ]


def test_schema_errors_do_not_hide_the_checks_of_the_valid_parts(mini_data: Path) -> None:
    path = mini_data / PERSON
    edit(path, "  rank: Major", "  rank: Major\n  salary: 3\n  organization: nope")
    edit(path, "missions: [test-mission]", "missions: &m [test-mision]\nextra: *m")
    text = edit(path, "paragraph: 1, quote: served in", "paragraph: 1, quote: served on")
    assert problems(mini_data) == [
        f"{path}:15:3: unknown field 'salary'",
        f"{path}:16:17: unknown organization id 'nope'",
        f"{path}:24:11: anchor '&m': anchors are not allowed",
        f"{path}:24:15: unknown mission id 'test-mision'",
        f"{path}:25:1: unknown field 'extra'",
        f"{path}:25:8: alias '*m': write the value out",
        f"{path}:{line_of(text, 'served on')}:48: quote not found in paragraph 1 of source "
        "'article-one': 'served on the Test Mission in Freedonia'",
    ]


def test_an_alias_in_a_known_field_is_reported_once(mini_data: Path) -> None:
    path = mini_data / PERSON
    edit(path, "missions: [test-mission]", "other: &m [test-mission]\nmissions: *m")
    found = problems(mini_data)
    assert [p.split(": ", 1)[1] for p in found] == [
        "unknown field 'other'",
        "anchor '&m': anchors are not allowed",
        "alias '*m': write the value out",
    ]


def test_a_broken_record_is_still_checked_against_the_others(mini_data: Path) -> None:
    # A record with the wrong id is left out of the site, but its quotes are still checked.
    path = mini_data / PERSON
    edit(path, "id: jane-roe", "id: jane-doe")
    text = edit(path, "quote: Major Jane Roe served", "quote: Major Jane Doe served")
    assert problems(mini_data) == [
        f"{path}:1:5: id 'jane-doe' must equal the file name 'jane-roe'",
        f"{path}:{line_of(text, 'Jane Doe')}:12: quote not found in paragraph 1 of source "
        "'article-one': 'Major Jane Doe served in the Test Mission'",
    ]


def test_a_schema_error_does_not_hide_a_wrong_id(mini_data: Path) -> None:
    path = mini_data / PERSON
    edit(path, "id: jane-roe", "id: jane-doe")
    edit(path, "sort_name: Roe, Jane\n", "")
    assert problems(mini_data) == [
        f"{path}:1:1: missing required field 'sort_name'",
        f"{path}:1:5: id 'jane-doe' must equal the file name 'jane-roe'",
    ]


# -- 7. one line per problem -------------------------------------------------------------------


def test_a_problem_is_always_one_line() -> None:
    problem = Problem("data/a\nb.yaml", 3, 4, "key 'x\ny'\r\u2028\u0085\x00 stays\ton one line")
    assert str(problem) == (
        "data/a\\nb.yaml:3:4: key 'x\\ny'\\r\\u2028\\x85\\x00 stays\\ton one line"
    )


def test_a_key_with_a_line_break_stays_on_one_line(
    mini_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = mini_data / PERSON
    edit(path, "missions:", '"a\\nb": 1\nmissions:')
    assert validate(mini_data, capsys) == [f"{path}:22:1: unknown field 'a\\nb'"]


# -- 8. loops ------------------------------------------------------------------------------------


def test_a_place_within_itself(mini_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = mini_data / "places" / "freedonia.yaml"
    edit(path, "type: country", "type: country\nwithin: freedonia")
    assert validate(mini_data, capsys) == [
        f"{path}:4:9: within: 'freedonia' is inside itself through 'freedonia' → 'freedonia': "
        "a place cannot contain itself; point 'within' at a larger place, or leave it out"
    ]


def place(data: Path, pid: str, within: str, kind: str = "city") -> Path:
    path = data / "places" / f"{pid}.yaml"
    path.write_text(
        f"id: {pid}\nname: {pid.title()}\ntype: {kind}\nwithin: {within}\n"
        "coordinates: {lat: 1, lon: 2}\n",
        encoding="utf-8",
    )
    return path


def test_places_in_a_loop(mini_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # x within y, y within x; z lies within the loop but is not part of it.
    x = place(mini_data, "x", "y")
    y = place(mini_data, "y", "x", kind="region")
    place(mini_data, "z", "x")
    advice = "a place cannot contain itself; point 'within' at a larger place, or leave it out"
    assert validate(mini_data, capsys) == [
        f"{x}:4:9: within: 'x' is inside itself through 'x' → 'y' → 'x': {advice}",
        f"{y}:4:9: within: 'y' is inside itself through 'y' → 'x' → 'y': {advice}",
    ]


def test_a_long_loop_is_shown_cut(mini_data: Path) -> None:
    ids = [f"p{i}" for i in range(10)]
    for i, pid in enumerate(ids):
        place(mini_data, pid, ids[(i + 1) % len(ids)])
    found = problems(mini_data)
    assert len(found) == 10
    assert found[0].endswith(
        ": within: 'p0' is inside itself through 'p0' → 'p1' → 'p2' → 'p3' → 'p4' → "
        "… (10 in the loop) → 'p0': a place cannot contain itself; point 'within' at a larger "
        "place, or leave it out"
    ), found[0]


def test_organizations_in_a_loop(mini_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    council = mini_data / "organizations" / "test-council.yaml"
    unused = mini_data / "organizations" / "unused-org.yaml"
    edit(council, "type: un-body", "type: un-body\npart_of: unused-org")
    edit(unused, "type: academic", "type: academic\npart_of: test-council\n")
    advice = (
        "an organisation cannot be part of itself; point 'part_of' at a larger body, "
        "or leave it out"
    )
    assert validate(mini_data, capsys) == [
        f"{council}:4:10: part_of: 'test-council' is part of itself through 'test-council' → "
        f"'unused-org' → 'test-council': {advice}",
        f"{unused}:4:10: part_of: 'unused-org' is part of itself through 'unused-org' → "
        f"'test-council' → 'unused-org': {advice}",
    ]


def test_an_event_part_of_itself(mini_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = mini_data / "events" / "roe-arrives.yaml"
    edit(path, "type: rotation", "type: rotation\npart_of: roe-arrives")
    assert validate(mini_data, capsys) == [
        f"{path}:4:10: part_of: 'roe-arrives' is part of itself through 'roe-arrives' → "
        "'roe-arrives': an event cannot be part of itself; point 'part_of' at a larger event, "
        "or leave it out"
    ]


def test_chains_without_a_loop_are_valid(mini_data: Path) -> None:
    place(mini_data, "fredville", "freedonia")
    place(mini_data, "old-town", "fredville")
    edit(
        mini_data / "organizations" / "unused-org.yaml",
        "type: academic",
        "type: academic\npart_of: test-council\n",
    )
    assert problems(mini_data) == []


# -- 9. what validates at the limits builds ----------------------------------------------------


def test_values_at_the_limits_build(tmp_path: Path, make_app: Callable[..., Any]) -> None:
    project = tmp_path / "src"
    shutil.copytree(ROOTS / "test-basic", project)
    data = project / "data"
    long = "a" * ID_MAX_LENGTH
    (data / "organizations" / f"{long}.yaml").write_text(
        f'id: {long}\nname: "\u200fLong\u200e"\ntype: academic\npart_of: test-council\n',
        encoding="utf-8",
    )
    contingent = data / "contingents" / "freedonia-roe.yaml"
    edit(contingent, "members: [jane-roe]", f"members: [jane-roe]\nunits: [{long}]")
    edit(contingent, "- value: 1", f"- value: {MAX_COUNT:_}")
    place(data, "fredville", "freedonia")
    assert problems(data) == []
    status, warning = StringIO(), StringIO()
    app = make_app("html", srcdir=project, status=status, warning=warning)
    app.build()
    app.cleanup()
    assert warning.getvalue() == ""
    assert (Path(app.outdir) / "organizations" / f"{long}.html").is_file()
