"""The curator script that starts a source record from a text file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from peacekb.knowledge import load

SCRIPT = REPO / "scripts" / "new_source.py"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )


def test_writes_a_record_that_validates_once_titled(mini_data: Path, tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text("Partager:\n\nPremier paragraphe.\n\nSecond paragraphe.\n", "utf-8")
    proc = run(str(article), "new-article", "--language", "fr", "--data", str(mini_data))
    assert proc.returncode == 0, proc.stderr
    record = mini_data / "sources" / "new-article.yaml"
    text = record.read_text(encoding="utf-8")
    assert "- text: Premier paragraphe.\n  translation: ENGLISH TRANSLATION" in text
    _, problems = load(mini_data)
    assert problems == []  # the skeleton itself is a valid record


def test_never_overwrites_without_force(mini_data: Path, tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text("Text.\n", "utf-8")
    existing = mini_data / "sources" / "article-one.yaml"
    before = existing.read_bytes()
    proc = run(str(article), "article-one", "--language", "en", "--data", str(mini_data))
    assert proc.returncode == 1
    assert "exists; pass --force" in proc.stderr
    assert existing.read_bytes() == before


def test_refuses_a_bad_id(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text("Text.\n", "utf-8")
    proc = run(str(article), "Bad_Id", "--language", "en", "--data", str(tmp_path))
    assert proc.returncode == 2
    assert "kebab-case" in proc.stderr


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith("error: ")
    return line


@pytest.mark.parametrize("bad", ["new-article\n", "new-article\n\n", "article-١", "a-", "a--b"])
def test_refuses_an_id_that_is_not_exactly_kebab_case(mini_data: Path, bad: str) -> None:
    article = mini_data.parent / "article.txt"
    article.write_text("Text.\n", "utf-8")
    proc = run(str(article), bad, "--language", "en", "--data", str(mini_data))
    assert proc.returncode == 2
    assert one_line_error(proc) == f"error: id {bad!r} must be kebab-case ASCII (a-z, 0-9, -)"
    assert sorted(p.name for p in (mini_data / "sources").iterdir()) == [
        "article-fr.yaml",
        "article-one.yaml",
    ]


def test_refuses_an_id_longer_than_the_limit(mini_data: Path) -> None:
    article = mini_data.parent / "article.txt"
    article.write_text("Text.\n", "utf-8")
    proc = run(str(article), "a" * 101, "--language", "en", "--data", str(mini_data))
    assert proc.returncode == 2
    assert one_line_error(proc) == (
        "error: id 'aaaaaaaaaaaaaaaaaaaa…' is longer than 100 characters: choose a shorter id"
    )
    assert sorted(p.name for p in (mini_data / "sources").iterdir()) == [
        "article-fr.yaml",
        "article-one.yaml",
    ]
    # The longest id the validator takes is written, and the record validates.
    proc = run(str(article), "a" * 100, "--language", "en", "--data", str(mini_data))
    assert proc.returncode == 0, proc.stderr
    assert (mini_data / "sources" / f"{'a' * 100}.yaml").is_file()
    assert load(mini_data)[1] == []


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_refuses_an_id_another_kind_of_record_has(mini_data: Path, force: list[str]) -> None:
    article = mini_data.parent / "article.txt"
    article.write_text("Text.\n", "utf-8")
    proc = run(str(article), "jane-roe", "--language", "en", "--data", str(mini_data), *force)
    assert proc.returncode == 1
    person = mini_data / "people" / "jane-roe.yaml"
    assert one_line_error(proc) == (
        f"error: id 'jane-roe' is taken by {person} (ids are unique across all kinds); "
        "choose another id"
    )
    assert not (mini_data / "sources" / "jane-roe.yaml").exists()
    _, problems = load(mini_data)
    assert problems == []


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_never_writes_through_a_symbolic_link(
    mini_data: Path, tmp_path: Path, force: list[str]
) -> None:
    article = tmp_path / "article.txt"
    article.write_text("Text.\n", "utf-8")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", "utf-8")
    link = mini_data / "sources" / "linked.yaml"
    link.symlink_to(victim)
    proc = run(str(article), "linked", "--language", "en", "--data", str(mini_data), *force)
    assert proc.returncode == 1
    assert one_line_error(proc) == (
        f"error: {link} is a symbolic link; this script never writes through one, even with "
        "--force: replace the link with a real folder or file"
    )
    assert link.is_symlink() and victim.read_text("utf-8") == "keep me\n"


def test_force_replaces_the_record_with_a_fresh_file(mini_data: Path, tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text("Only paragraph.\n", "utf-8")
    record = mini_data / "sources" / "article-one.yaml"
    proc = run(str(article), "article-one", "--language", "en", "--data", str(mini_data), "--force")
    assert proc.returncode == 0, proc.stderr
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
    mini_data: Path, tmp_path: Path, language: str, message: str
) -> None:
    article = tmp_path / "article.txt"
    article.write_text("Text.\n", "utf-8")
    proc = run(str(article), "new-article", "--language", language, "--data", str(mini_data))
    assert proc.returncode == 2
    assert one_line_error(proc) == f"error: {message}"
    assert not (mini_data / "sources" / "new-article.yaml").exists()


@pytest.mark.parametrize("language", ["kk", "ru", "zza"])
def test_accepts_iso_639_codes(mini_data: Path, tmp_path: Path, language: str) -> None:
    article = tmp_path / "article.txt"
    article.write_text("Text.\n", "utf-8")
    proc = run(str(article), "new-article", "--language", language, "--data", str(mini_data))
    assert proc.returncode == 0, proc.stderr
    record = yaml.safe_load((mini_data / "sources" / "new-article.yaml").read_text("utf-8"))
    assert record["language"] == language
