"""The ``peacekb validate`` and ``peacekb coverage`` commands, run as a program; the curator's
commands and ``validate --format`` are tested in test_curator.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "peacekb.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_the_repository_data_is_valid() -> None:
    proc = run("validate")
    assert proc.returncode == 0, proc.stderr
    sources = len(list((REPO / "data" / "sources").glob("*.yaml")))
    assert proc.stdout.startswith(f"data: valid ({sources} source, ")


def test_invalid_data_exits_1_with_every_error_and_no_traceback(mini_data: Path) -> None:
    person = mini_data / "people" / "jane-roe.yaml"
    person.write_text(person.read_text().replace("sort_name", "sortname"), encoding="utf-8")
    place = mini_data / "places" / "freedonia.yaml"
    text = place.read_text("utf-8")
    line = text[: text.index("lat: 10.5")].count("\n") + 1
    column = len(text[: text.index("lat: 10.5")].rsplit("\n", 1)[-1]) + len("lat: ") + 1
    place.write_text(text.replace("lat: 10.5", "lat: 100.5"), encoding="utf-8")
    proc = run("validate", str(mini_data))
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert f"{person}:3:1: unknown field 'sortname'" in lines
    assert f"{person}:1:1: missing required field 'sort_name'" in lines
    assert any(
        problem.startswith(f"{place}:{line}:{column}: coordinates.lat: Input should be less")
        for problem in lines
    )
    assert lines[-1] == f"3 errors in {mini_data}"
    assert "Traceback" not in proc.stderr


def test_paths_are_shown_relative_to_the_working_folder(mini_data: Path) -> None:
    (mini_data / "places" / "freedonia.yaml").write_text("id: freedonia\n", encoding="utf-8")
    proc = run("validate", "data", cwd=mini_data.parent)
    assert proc.returncode == 1
    assert proc.stderr.startswith("data/places/freedonia.yaml:1:1: missing required field")


def test_missing_folder() -> None:
    proc = run("validate", "no-such-folder")
    assert proc.returncode == 1
    assert proc.stderr.startswith("no-such-folder:1:1: data folder not found")


def test_coverage_lists_the_paragraphs_no_record_cites(mini_data: Path) -> None:
    proc = run("coverage", str(mini_data))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "article-fr: 1 of 2 paragraphs cited (50%); not cited: ¶0 (headline)",
        "article-one: 3 of 5 paragraphs cited (60%); not cited: ¶0 (headline), ¶2 (heading)",
        "all sources: 4 of 7 paragraphs cited (57%)",
    ]
    # a citation added to the heading covers it
    council = mini_data / "organizations" / "test-council.yaml"
    council.write_text(
        council.read_text("utf-8") + "- text: The article has a heading.\n  cite:\n"
        "  - {source: article-one, paragraph: 2, quote: The mission}\n",
        "utf-8",
    )
    proc = run("coverage", "--format", "json", str(mini_data))
    assert proc.returncode == 0, proc.stderr
    rows = {row["source"]: row for row in json.loads(proc.stdout)}
    assert rows["article-one"]["cited"] == 4
    assert rows["article-one"]["uncited"] == [{"paragraph": 0, "role": "headline"}]


def test_coverage_of_invalid_data_is_refused(mini_data: Path) -> None:
    (mini_data / "people" / "jane-roe.yaml").write_text("id: [", encoding="utf-8")
    proc = run("coverage", str(mini_data))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "jane-roe.yaml:2:1: invalid YAML" in proc.stderr
