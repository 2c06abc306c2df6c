"""``peacekb new-source`` from a text file: the tests of the former scripts/new_source.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from peacekb.cli import main
from peacekb.knowledge import load


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["new-source", *args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    assert "Traceback" not in err
    (line,) = err.splitlines()
    assert line.startswith("error: ")
    return line


def article(folder: Path, text: str = "Text.\n") -> str:
    path = folder / "article.txt"
    path.write_text(text, "utf-8")
    return str(path)


def test_writes_a_record_that_validates_once_titled(
    capsys: pytest.CaptureFixture[str], mini_data: Path, tmp_path: Path
) -> None:
    page = article(tmp_path, "Partager:\n\nPremier paragraphe.\n\nSecond paragraphe.\n")
    code, out, err = run(
        capsys, page, "--id", "new-article", "--language", "fr", "--data", str(mini_data)
    )
    assert code == 0, err
    record = mini_data / "sources" / "new-article.yaml"
    assert out.startswith(f"wrote {record}: 3 paragraphs\n")
    text = record.read_text(encoding="utf-8")
    assert "- text: Premier paragraphe.\n  translation: ENGLISH TRANSLATION" in text
    _, problems = load(mini_data)
    assert problems == []  # the skeleton itself is a valid record


def test_never_overwrites_without_force(
    capsys: pytest.CaptureFixture[str], mini_data: Path, tmp_path: Path
) -> None:
    existing = mini_data / "sources" / "article-one.yaml"
    before = existing.read_bytes()
    code, _, err = run(
        capsys, article(tmp_path), "--id", "article-one", "--language", "en",
        "--data", str(mini_data),
    )  # fmt: skip
    assert code == 1
    assert one_line_error(err) == f"error: {existing} exists; pass --force to overwrite it"
    assert existing.read_bytes() == before


def test_refuses_a_bad_id(capsys: pytest.CaptureFixture[str], mini_data: Path) -> None:
    page = article(mini_data.parent)
    code, _, err = run(capsys, page, "--id", "Bad_Id", "--language", "en", "--data", str(mini_data))
    assert code == 2
    assert "kebab-case" in one_line_error(err)


@pytest.mark.parametrize("bad", ["new-article\n", "new-article\n\n", "article-١", "a-", "a--b"])
def test_refuses_an_id_that_is_not_exactly_kebab_case(
    capsys: pytest.CaptureFixture[str], mini_data: Path, bad: str
) -> None:
    page = article(mini_data.parent)
    code, _, err = run(capsys, page, "--id", bad, "--language", "en", "--data", str(mini_data))
    assert code == 2
    assert one_line_error(err) == f"error: id {bad!r} must be kebab-case ASCII (a-z, 0-9, -)"
    assert sorted(p.name for p in (mini_data / "sources").iterdir()) == [
        "article-fr.yaml",
        "article-one.yaml",
    ]


def test_refuses_an_id_longer_than_the_limit(
    capsys: pytest.CaptureFixture[str], mini_data: Path
) -> None:
    page = article(mini_data.parent)
    code, _, err = run(
        capsys, page, "--id", "a" * 101, "--language", "en", "--data", str(mini_data)
    )
    assert code == 2
    assert one_line_error(err) == (
        "error: id 'aaaaaaaaaaaaaaaaaaaa…' is longer than 100 characters: choose a shorter id"
    )
    assert sorted(p.name for p in (mini_data / "sources").iterdir()) == [
        "article-fr.yaml",
        "article-one.yaml",
    ]
    # The longest id the validator takes is written, and the record validates.
    code, _, err = run(
        capsys, page, "--id", "a" * 100, "--language", "en", "--data", str(mini_data)
    )
    assert code == 0, err
    assert (mini_data / "sources" / f"{'a' * 100}.yaml").is_file()
    assert load(mini_data)[1] == []


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_refuses_an_id_another_kind_of_record_has(
    capsys: pytest.CaptureFixture[str], mini_data: Path, force: list[str]
) -> None:
    page = article(mini_data.parent)
    code, _, err = run(
        capsys, page, "--id", "jane-roe", "--language", "en", "--data", str(mini_data), *force
    )
    assert code == 1
    person = mini_data / "people" / "jane-roe.yaml"
    assert one_line_error(err) == (
        f"error: id 'jane-roe' is taken by {person} (ids are unique across all kinds); "
        "choose another id with --id"
    )
    assert not (mini_data / "sources" / "jane-roe.yaml").exists()
    _, problems = load(mini_data)
    assert problems == []


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_never_writes_through_a_symbolic_link(
    capsys: pytest.CaptureFixture[str], mini_data: Path, tmp_path: Path, force: list[str]
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", "utf-8")
    link = mini_data / "sources" / "linked.yaml"
    link.symlink_to(victim)
    code, _, err = run(
        capsys, article(tmp_path), "--id", "linked", "--language", "en",
        "--data", str(mini_data), *force,
    )  # fmt: skip
    assert code == 1
    assert one_line_error(err) == (
        f"error: {link} is a symbolic link; peacekb never writes through one, even with "
        "--force: replace the link with a real folder or file"
    )
    assert link.is_symlink() and victim.read_text("utf-8") == "keep me\n"


def test_never_writes_through_a_linked_sources_folder(
    capsys: pytest.CaptureFixture[str], mini_data: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    (mini_data / "sources").rename(elsewhere)
    (mini_data / "sources").symlink_to(elsewhere)
    code, _, err = run(
        capsys, article(tmp_path), "--id", "new-one", "--language", "en", "--data", str(mini_data)
    )
    assert code == 1
    assert "is a symbolic link; peacekb never writes through one" in one_line_error(err)
    assert not (elsewhere / "new-one.yaml").exists()


def test_force_replaces_the_record_with_a_fresh_file(
    capsys: pytest.CaptureFixture[str], mini_data: Path, tmp_path: Path
) -> None:
    record = mini_data / "sources" / "article-one.yaml"
    code, _, err = run(
        capsys, article(tmp_path, "Only paragraph.\n"), "--id", "article-one",
        "--language", "en", "--data", str(mini_data), "--force",
    )  # fmt: skip
    assert code == 0, err
    assert yaml.safe_load(record.read_text("utf-8"))["paragraphs"] == ["Only paragraph."]
    # No temporary file is left behind for the loader to trip on.
    assert sorted(p.name for p in record.parent.iterdir()) == [
        "article-fr.yaml",
        "article-one.yaml",
    ]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("xx", "language 'xx' is not an ISO 639-1 code; give the article's, such as fr or kk"),
        ("qqq", "language 'qqq' is not an ISO 639-3 code; give the article's, such as fr or kk"),
        ("fra", "language 'fra' has a two-letter code: use --language fr"),
        ("FR", "language 'FR' must be an ISO 639 code of 2 or 3 lowercase letters, such as fr"),
        (
            "fr\n",
            "language 'fr\\n' must be an ISO 639 code of 2 or 3 lowercase letters, such as fr",
        ),
        (
            "fr-CA",
            "language 'fr-CA' must be an ISO 639 code of 2 or 3 lowercase letters, such as fr",
        ),
        ("", "language '' must be an ISO 639 code of 2 or 3 lowercase letters, such as fr"),
    ],
)
def test_refuses_a_language_that_is_not_an_iso_639_code(
    capsys: pytest.CaptureFixture[str], mini_data: Path, tmp_path: Path, language: str, message: str
) -> None:
    code, _, err = run(
        capsys, article(tmp_path), "--id", "new-article", "--language", language,
        "--data", str(mini_data),
    )  # fmt: skip
    assert code == 2
    assert one_line_error(err) == f"error: {message}"
    assert not (mini_data / "sources" / "new-article.yaml").exists()


@pytest.mark.parametrize("language", ["kk", "ru", "zza"])
def test_accepts_iso_639_codes(
    capsys: pytest.CaptureFixture[str], mini_data: Path, tmp_path: Path, language: str
) -> None:
    code, _, err = run(
        capsys, article(tmp_path), "--id", "new-article", "--language", language,
        "--data", str(mini_data),
    )  # fmt: skip
    assert code == 0, err
    record = yaml.safe_load((mini_data / "sources" / "new-article.yaml").read_text("utf-8"))
    assert record["language"] == language
