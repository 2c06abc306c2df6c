"""Shared fixtures: Sphinx's test fixtures, a small valid data set, and the real site built once."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from peacekb.knowledge import load

pytest_plugins = ("sphinx.testing.fixtures",)

TESTS = Path(__file__).resolve().parent
ROOTS = TESTS / "roots"
REPO = TESTS.parent


# Every combination of qualifier and precision, with the label the pages give it.
PRECISION_LABELS = {
    "2014-04-10": "exact day",
    "2014-04": "month known",
    "2014": "year known",
    "circa 2014-04-10": "approximate day",
    "circa 2014-04": "approximate month",
    "circa 2014": "approximate year",
    "before 2014-04-10": "upper bound, to the day",
    "before 2014-04": "upper bound, to the month",
    "before 2014": "upper bound, to the year",
    "after 2014-04-10": "lower bound, to the day",
    "after 2014-04": "lower bound, to the month",
    "after 2014": "lower bound, to the year",
}


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return ROOTS


@pytest.fixture
def mini_data(tmp_path: Path) -> Path:
    """A copy of the small valid data set of ``tests/roots/test-basic``, free to break."""
    target = tmp_path / "data"
    shutil.copytree(ROOTS / "test-basic" / "data", target)
    return target


@pytest.fixture
def basic_project(tmp_path: Path) -> Path:
    """A copy of the ``test-basic`` root, pages and all, that a test may change and build."""
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-basic", src)
    return src


@pytest.fixture
def build_generated(make_app: Callable[..., Any], basic_project: Path) -> Callable[[], Path]:
    """Build ``basic_project`` with no warning; return the folder of its generated pages."""

    def run() -> Path:
        warning = StringIO()
        app = make_app("html", srcdir=basic_project, status=StringIO(), warning=warning)
        app.build()
        app.cleanup()  # the next application of the same test registers its nodes afresh
        assert warning.getvalue() == ""
        return Path(app.outdir)

    return run


def build_project(make_app: Callable[..., Any], project: Path) -> tuple[Path, str, str]:
    """Build ``project`` with the html builder; its output folder, status and warnings."""
    from sphinx.util.console import strip_colors

    status, warning = StringIO(), StringIO()
    app = make_app("html", srcdir=project, status=status, warning=warning)
    try:
        app.build()
    finally:
        app.cleanup()  # the next application registers its nodes afresh
    return Path(app.outdir), strip_colors(status.getvalue()), strip_colors(warning.getvalue())


def build_without_warnings(src: Path, **confoverrides: Any) -> Path:
    """Build ``src`` with the html builder in this process; its output folder. The build
    must log no warning."""
    from sphinx.testing.util import SphinxTestApp
    from sphinx.util.console import strip_colors

    warning = StringIO()
    app = SphinxTestApp(
        "html", srcdir=src, confoverrides=confoverrides, status=StringIO(), warning=warning
    )
    try:
        app.build()
    finally:
        app.cleanup()
    assert strip_colors(warning.getvalue()) == ""
    return Path(app.outdir)


def parse_page(folder: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((folder / name).read_text("utf-8"), "html.parser")


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


SITE_ENV = {
    "PEACEKB_SITE_URL": "https://example.github.io/peacekb/",
    "PEACEKB_REPOSITORY_URL": "https://github.com/example/peacekb",
    "PEACEKB_BRANCH": "main",
}


def problems(data: Path) -> list[str]:
    """Every problem loading ``data`` finds, as the messages print them."""
    return [str(p) for p in load(data)[1]]


def only_problem(data: Path) -> str:
    found = problems(data)
    assert len(found) == 1, found
    return found[0]


def line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def assert_located(problem: str, path: Path, line: int | None, message: str) -> None:
    """``problem`` names ``path``, ``line`` (when given) and a column, and says ``message`` (a
    regular expression)."""
    location, _, said = problem.partition(": ")
    filename, found_line, column = location.rsplit(":", 2)
    assert filename == str(path), problem
    if line is not None:
        assert int(found_line) == line, problem
    assert int(column) >= 1, problem
    assert re.search(message, said), problem


def edit(path: Path, old: str, new: str) -> str:
    """Replace the first ``old`` in the file with ``new``; ``old`` must be there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text


def sphinx_build(
    docs: Path, html: Path, *options: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run sphinx-build as the Makefile does (``-n -W --keep-going``), doctrees beside the
    output, from the folder above ``docs``."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-n",
            "-W",
            "--keep-going",
            "-b",
            "html",
            "-d",
            str(html.parent / "doctrees"),
            *options,
            str(docs),
            str(html),
        ],
        capture_output=True,
        text=True,
        cwd=docs.parent,
        env={**os.environ, "PYTHONWARNINGS": "default", **(env or {})},
        check=False,
    )


def build_site(
    work: Path,
    *options: str,
    env: dict[str, str] | None = None,
    prepare: Callable[[Path], None] | None = None,
) -> SiteBuild:
    """Copy the repository's docs/ and data/ into ``work`` and build them there; ``prepare``
    may change the copied data folder first."""
    shutil.copytree(
        REPO / "docs", work / "docs", ignore=shutil.ignore_patterns("_build", "_generated")
    )
    shutil.copytree(REPO / "data", work / "data")
    if prepare is not None:
        prepare(work / "data")
    before = tree_digest(work / "data")
    html = work / "docs" / "_build" / "html"
    proc = sphinx_build(work / "docs", html, *options, env={**SITE_ENV, **(env or {})})
    return SiteBuild(
        work / "docs", html, work / "data", proc.returncode, proc.stdout, proc.stderr, before
    )


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    """The real site (docs/ and data/ of the repository), built once with -n -W --keep-going,
    as the publishing workflow builds it (SITE_ENV)."""
    return build_site(tmp_path_factory.mktemp("site"))


# -- the built site in a real browser ---------------------------------------------------------

CHROMIUM = Path(os.environ.get("PEACEKB_CHROMIUM", "/usr/bin/chromium"))
NODE_MODULES = TESTS / "browser" / "node_modules"
SCREENSHOTS = REPO / "docs" / "_build" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def missing(what: str) -> None:
    """Skip a test that needs ``what``; under CI=true a missing tool is a failure."""
    message = f"{what} is not installed; run .ci/run, or see the README"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """``directory`` served over HTTP on localhost; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def server(site: SiteBuild) -> Iterator[str]:
    """The built site served over HTTP on localhost; yields its base URL."""
    assert site.returncode == 0, site.stderr
    with serve(site.html) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        missing(f"Chromium ({CHROMIUM})")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab
    context.close()


# Fixtures that build a site with Sphinx (or drive a browser against one): a test using any of
# them, directly or through another fixture, is a "build" test. The others are the fast engine
# tests (escaping, dates, validation, exports, chart geometry): `make test-fast` runs them.
BUILDING_FIXTURES = {"site", "make_app", "app", "browser", "hostile", "built", "repo", "grown"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if BUILDING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.build)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    """The hostile test root, built with ``-n -W --keep-going`` as the real site is."""
    work = tmp_path_factory.mktemp("hostile")
    shutil.copytree(ROOTS / "test-hostile", work / "docs")
    html = work / "docs" / "_build" / "html"
    proc = sphinx_build(work / "docs", html)
    return SiteBuild(
        work / "docs", html, work / "docs" / "data", proc.returncode, proc.stdout, proc.stderr, {}
    )
