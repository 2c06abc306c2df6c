"""Shared fixtures: Sphinx's test fixtures, a small valid data set, and the real site built once."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest_plugins = ("sphinx.testing.fixtures",)

TESTS = Path(__file__).resolve().parent
ROOTS = TESTS / "roots"
REPO = TESTS.parent


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return ROOTS


@pytest.fixture
def mini_data(tmp_path: Path) -> Path:
    """A copy of the small valid data set of ``tests/roots/test-basic``, free to break."""
    target = tmp_path / "data"
    shutil.copytree(ROOTS / "test-basic" / "data", target)
    return target


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@dataclass
class SiteBuild:
    docs: Path
    html: Path
    data: Path
    returncode: int
    stdout: str
    stderr: str
    data_before: dict[str, str]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    """The real site (docs/ and data/ of the repository), built once with -n -W --keep-going."""
    work = tmp_path_factory.mktemp("site")
    shutil.copytree(
        REPO / "docs", work / "docs", ignore=shutil.ignore_patterns("_build", "_generated")
    )
    shutil.copytree(REPO / "data", work / "data")
    before = tree_digest(work / "data")
    html = work / "docs" / "_build" / "html"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-n",
            "-W",
            "--keep-going",
            "-b",
            "html",
            str(work / "docs"),
            str(html),
        ],
        capture_output=True,
        text=True,
        cwd=work,
        env={**os.environ, "PYTHONWARNINGS": "default"},
        check=False,
    )
    return SiteBuild(
        work / "docs", html, work / "data", proc.returncode, proc.stdout, proc.stderr, before
    )
