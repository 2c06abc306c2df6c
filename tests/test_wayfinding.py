"""Wayfinding: breadcrumbs, the section the navigation highlights, the date a page's content
last changed (from the records' history, reproducible under SOURCE_DATE_EPOCH) and "Cite this
page" with the page's address and an access date."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from bs4 import BeautifulSoup, Tag

from conftest import REPO, ROOTS, sphinx_build
from peacekb.history import ChangeTimes, changed_times
from peacekb.knowledge import load
from peacekb.models import RECORD_KINDS
from peacekb.sphinxext.wayfinding import _PageTimes
from peacekb.urls import Links, index_doc, record_doc

FIRST = "2020-01-02T03:04:05+00:00"
SECOND = "2021-03-04T05:06:07+00:00"
EPOCH_2021_01_01 = "1609459200"


def _git(repo: Path, *args: str, when: str = FIRST) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
    }
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile root in a repository of its own: everything committed on 2 January 2020,
    then one record without citations (clobber) changed and committed on 4 March 2021."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    work = tmp_path_factory.mktemp("history")
    docs = work / "docs"
    shutil.copytree(ROOTS / "test-hostile", docs)
    with (docs / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write('\nhtml_last_updated_fmt = "%Y-%m-%d"\n')
    (work / ".gitignore").write_text("_build/\n_generated/\n", encoding="utf-8")
    _git(work, "init", "-q")
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "first")
    with (docs / "data" / "people" / "clobber.yaml").open("a", encoding="utf-8") as f:
        f.write("notes: Changed later.\n")
    _git(work, "commit", "-q", "-am", "second", when=SECOND)
    return work


Page = Callable[[str], BeautifulSoup]


def _built(repo: Path, out: str, env: dict[str, str] | None = None) -> Page:
    html = repo / "docs" / "_build" / out
    with mock.patch.dict(os.environ):
        os.environ.pop("SOURCE_DATE_EPOCH", None)  # only where a test sets it
        proc = sphinx_build(repo / "docs", html, env=env)
    assert proc.returncode == 0, proc.stderr

    def page(docname: str) -> BeautifulSoup:
        return BeautifulSoup((html / f"{docname}.html").read_bytes(), "html5lib")

    return page


@pytest.fixture(scope="module")
def built(repo: Path) -> Page:
    return _built(repo, "html")


def _updated(page: BeautifulSoup) -> str:
    found = page.select_one(".last-updated")
    assert found is not None
    return " ".join(found.get_text().split())


def test_a_page_says_when_its_records_last_changed(built: Page) -> None:
    assert _updated(built(record_doc("person", "clobber"))) == "Last updated on 2021-03-04."
    # a record page with other files, none changed since
    assert _updated(built(record_doc("person", "john-doe"))) == "Last updated on 2020-01-02."
    # an index, and a page drawn from every record, change with any of their records
    assert _updated(built(index_doc("person"))) == "Last updated on 2021-03-04."
    assert _updated(built("timeline")) == "Last updated on 2021-03-04."
    # a page written by hand: its own file
    assert _updated(built("index")) == "Last updated on 2020-01-02."
    meta = built("index").select_one('meta[name="docbuild:last-update"]')
    assert meta is not None and meta["content"] == "2020-01-02"


def test_uncommitted_changes_and_later_ones_take_source_date_epoch(repo: Path) -> None:
    doe = repo / "docs" / "data" / "people" / "john-doe.yaml"
    doe.write_text(doe.read_text("utf-8") + "notes: Not committed.\n", encoding="utf-8")
    try:
        page = _built(repo, "epoch", env={"SOURCE_DATE_EPOCH": EPOCH_2021_01_01})
    finally:
        _git(repo, "checkout", "--", str(doe))
    assert _updated(page(record_doc("person", "john-doe"))) == "Last updated on 2021-01-01."
    # committed after SOURCE_DATE_EPOCH: no later than it
    assert _updated(page(record_doc("person", "clobber"))) == "Last updated on 2021-01-01."
    assert _updated(page(record_doc("person", "jane-roe"))) == "Last updated on 2020-01-02."


def test_file_times_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    for path, stamp in ((old, 1_000_000_000), (new, 1_700_000_000)):
        path.write_text("x", encoding="utf-8")
        os.utime(path, (stamp, stamp))
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert changed_times([old, new]) == {old: 1_000_000_000, new: 1_700_000_000}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1500000000")
    assert changed_times([old, new]) == {old: 1_000_000_000, new: 1_500_000_000}


def test_file_times_through_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file reached through a linked folder, and a link to a file, have the time of the file
    they lead to; inside a repository, its commit time."""
    real = tmp_path / "real"
    real.mkdir()
    target = real / "target.yaml"
    target.write_text("x", encoding="utf-8")
    os.utime(target, (1_000_000_000, 1_000_000_000))
    (tmp_path / "linked").symlink_to(real, target_is_directory=True)
    (tmp_path / "link.yaml").symlink_to(target)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    through = [tmp_path / "linked" / "target.yaml", tmp_path / "link.yaml", target]
    times = ChangeTimes([tmp_path, real, tmp_path / "linked"])
    assert [times.of(p) for p in through] == [1_000_000_000] * 3
    assert [times.of(str(p)) for p in through] == [1_000_000_000] * 3

    if shutil.which("git") is None:
        return
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "real")
    _git(tmp_path, "commit", "-q", "-m", "first")
    committed = ChangeTimes([real])
    assert {committed.of(p) for p in through} == {committed.of(target)}
    assert committed.of(target) != 1_000_000_000  # the commit's time, not the file's


def test_breadcrumbs_and_the_highlighted_section(built: Page, repo: Path) -> None:
    kb, problems = load(repo / "docs" / "data")
    assert problems == []
    links = Links()
    for kind in RECORD_KINDS:
        record = min(kb.all(kind), key=lambda r: r.id)
        doc = record_doc(kind, record.id)
        page = built(doc)
        crumbs = page.select_one("nav.kb-breadcrumbs")
        assert isinstance(crumbs, Tag), doc
        items = crumbs.select("li")
        index = built(index_doc(kind))
        index_title = index.select_one("h1")
        assert index_title is not None
        assert [li.get_text(strip=True) for li in items] == [
            "Home",
            index_title.get_text(strip=True).removesuffix("#"),
            record.display_name,
        ]
        hrefs = [a["href"] for a in crumbs.select("a")]
        assert hrefs == [links.relative(doc, "index"), links.relative(doc, index_doc(kind))]
        assert items[-1].get("aria-current") == "page"
        # the navigation highlights the record's section, and only it
        current = page.select("nav.bd-docs-nav li.toctree-l1.current > a")
        assert [a["href"] for a in current] == [links.relative(doc, index_doc(kind))], doc
    # the home page has none; a hand-written page has Home and itself
    assert built("index").select_one("nav.kb-breadcrumbs") is None


def test_cite_this_page_gives_address_and_access_date(built: Page) -> None:
    page = built(record_doc("person", "clobber"))
    plain = page.select_one(".kb-cite-text")
    assert plain is not None
    text = plain.get_text()
    assert "https://example.org/site/people/clobber.html" in text
    assert "Last updated 2021-03-04." in text
    assert plain.select_one(".kb-access-date") is not None
    bibtex = page.select_one(".kb-cite-bibtex")
    assert bibtex is not None and bibtex.select_one(".kb-access-iso") is not None


@pytest.mark.browser
def test_the_access_date_is_the_readers_today(page: Any, server: str) -> None:
    page.clock.set_fixed_time(datetime.datetime(2031, 3, 5, 12, 0))
    kb, _ = load(REPO / "data")
    person = min(kb.all("person"), key=lambda r: r.id)
    page.goto(server + Links().target(record_doc("person", person.id)))
    page.locator("details.kb-cite summary").click()
    assert page.locator(".kb-cite-text .kb-access-date").inner_text() == "5 March 2031"
    assert page.locator(".kb-cite-bibtex .kb-access-iso").inner_text() == "2031-03-05"


def test_a_pages_time_is_that_of_its_newest_file_and_only_its_files_are_looked_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {}
    for name, stamp in (("a", 1_000_000_000), ("b", 1_100_000_000), ("c", 1_200_000_000)):
        files[name] = tmp_path / f"{name}.yaml"
        files[name].write_text("x", encoding="utf-8")
        os.utime(files[name], (stamp, stamp))
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    asked: list[Path] = []
    of = ChangeTimes.of

    def counted(self: ChangeTimes, path: Path | str) -> int:
        asked.append(Path(path))
        return of(self, path)

    monkeypatch.setattr(ChangeTimes, "of", counted)
    everything = [str(files[n]) for n in "abc"]
    times = _PageTimes({"one": [str(files["a"])], "all": everything, "index": everything})
    assert times.get("one") == 1_000_000_000 and asked == [files["a"]]
    assert times.get("all") == times.get("index") == 1_200_000_000
    assert sorted(asked) == [files["a"], files["b"], files["c"]]  # each file once
    assert times.get("missing") is None
