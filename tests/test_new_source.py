"""The curator script that starts a source record from a text file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
    assert "- Premier paragraphe." in text
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
