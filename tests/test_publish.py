"""Publishing and open data: workflows, downloads, structured data, sitemap, reproducibility."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from bs4 import BeautifulSoup
from defusedxml import ElementTree

from conftest import REPO, SITE_ENV, SiteBuild, build_site, tree_digest
from peacekb.knowledge import load
from peacekb.models import RECORD_KINDS, iter_citations
from peacekb.urls import record_doc

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent
BASE = SITE_ENV["PEACEKB_SITE_URL"]


@pytest.fixture(scope="module")
def kb() -> Any:
    knowledge, problems = load(REPO / "data")
    assert problems == []
    return knowledge


def downloads(site: SiteBuild) -> Path:
    assert site.returncode == 0, site.stderr
    return site.html / "downloads"


# -- workflows ---------------------------------------------------------------------------------


def test_workflows_match_the_github_schema() -> None:
    assert WORKFLOWS
    proc = subprocess.run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, WORKFLOWS),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_zizmor_finds_nothing() -> None:
    proc = subprocess.run(
        [
            str(BIN / "zizmor"),
            "--offline",
            "--persona",
            "pedantic",
            "--no-progress",
            str(REPO / ".github" / "workflows"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings to report" in proc.stdout + proc.stderr


def test_workflows_pin_actions_and_grant_least_permissions() -> None:
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert workflow["permissions"] == {}, path.name
        assert "concurrency" in workflow, path.name
        for name, job in workflow["jobs"].items():
            assert "permissions" in job, (path.name, name)
            for step in job["steps"]:
                if "uses" in step:
                    assert re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
    pages = yaml.safe_load((REPO / ".github" / "workflows" / "pages.yml").read_text("utf-8"))
    uses = [s.get("uses", "").split("@")[0] for j in pages["jobs"].values() for s in j["steps"]]
    for action in [
        "actions/configure-pages",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    ]:
        assert action in uses
    assert pages["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert pages["jobs"]["build"]["permissions"]["contents"] == "read"


# -- downloads ---------------------------------------------------------------------------------


def test_json_download_holds_every_record(site: SiteBuild, kb: Any) -> None:
    data = json.loads((downloads(site) / "peacekb.json").read_text(encoding="utf-8"))
    assert data["meta"]["license"].startswith("Records: CC BY 4.0")
    assert {s["id"] for s in data["meta"]["sources"]} == set(kb.records["source"])
    for kind, cls in RECORD_KINDS.items():
        ids = [r["id"] for r in data["records"][cls.plural]]
        assert ids == sorted(kb.records[kind]), kind
    minusca = next(m for m in data["records"]["missions"] if m["id"] == "minusca")
    assert minusca["authorized"]["date"] == "2014-04-10"
    assert minusca["authorized"]["by"] == "un-security-council"
    assert len(data["glossary"]) == len(kb.glossary.terms)


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_csv_downloads(site: SiteBuild, kb: Any) -> None:
    folder = downloads(site) / "csv"
    for kind, cls in RECORD_KINDS.items():
        rows = read_csv(folder / f"{cls.plural}.csv")
        assert [r["id"] for r in rows] == sorted(kb.records[kind]), kind
    people = {r["id"]: r for r in read_csv(folder / "people.csv")}
    assert people["ermek-tulesov"]["missions"] == "minusma;minurso"
    places = {r["id"]: r for r in read_csv(folder / "places.csv")}
    assert places["almaty"]["coordinates_lat"] == "43.2389"
    citations = read_csv(folder / "citations.csv")
    total = sum(
        len(list(iter_citations(r))) for records in kb.records.values() for r in records.values()
    )
    assert len(citations) == total > 250
    quote = next(c for c in citations if c["record_id"] == "minusma" and c["paragraph"] == "4")
    assert quote["source_id"] == "kazakh-peacekeepers-return-from-mali"


def test_sqlite_download_has_foreign_keys_that_hold(site: SiteBuild, kb: Any) -> None:
    db = sqlite3.connect(downloads(site) / "peacekb.sqlite")
    try:
        db.execute("PRAGMA foreign_keys = ON")
        for kind, cls in RECORD_KINDS.items():
            (count,) = db.execute(f'SELECT count(*) FROM "{cls.plural}"').fetchone()
            assert count == len(kb.records[kind]), kind
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        targets = {row[2] for row in db.execute("PRAGMA foreign_key_list(missions)")}
        assert "organizations" in targets
        host = {row[2] for row in db.execute("PRAGMA foreign_key_list(missions_host)")}
        assert host == {"missions", "places"}
        (name,) = db.execute(
            "SELECT o.name FROM missions m JOIN organizations o ON o.id = m.authorized_by "
            "WHERE m.id = 'minusca'"
        ).fetchone()
        assert name == "United Nations Security Council"
        hosts = db.execute(
            "SELECT p.name FROM missions_host h JOIN places p ON p.id = h.target_id "
            "WHERE h.mission_id = 'undof'"
        ).fetchall()
        assert hosts == [("Golan Heights",)]
        with pytest.raises(sqlite3.IntegrityError):
            db.execute("INSERT INTO missions_host VALUES ('minusca', 9, 'atlantis')")
        (meta,) = db.execute("SELECT value FROM meta WHERE key = 'license'").fetchone()
        assert "CC BY 4.0" in json.loads(meta)
    finally:
        db.close()


def test_json_schemas_accept_every_record(site: SiteBuild) -> None:
    folder = downloads(site) / "schema"
    for kind, cls in RECORD_KINDS.items():
        schema = json.loads((folder / f"{kind}.schema.json").read_text("utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        for path in sorted((REPO / "data" / cls.plural).glob("*.yaml")):
            errors = list(validator.iter_errors(yaml.safe_load(path.read_text("utf-8"))))
            assert errors == [], (path.name, errors[:1])
        assert not validator.is_valid({"id": "Not An Id"})
    for name in ("glossary", "vocabulary"):
        schema = json.loads((folder / f"{name}.schema.json").read_text("utf-8"))
        data = yaml.safe_load((REPO / "data" / f"{name}.yaml").read_text("utf-8"))
        jsonschema.validate(data, schema)


def test_timeline_and_feed(site: SiteBuild, kb: Any) -> None:
    timeline = json.loads((downloads(site) / "timeline.json").read_text("utf-8"))
    dated = kb.timeline()
    assert len(timeline["events"]) == len(dated)
    assert {e["unique_id"] for e in timeline["events"]} == {e.event.id for e in dated}
    authorised = next(e for e in timeline["events"] if e["unique_id"] == "minusca-authorised")
    assert authorised["start_date"] == {"year": 2014, "month": 4, "day": 10}
    assert {era["text"]["headline"] for era in timeline["eras"]} == {
        m.acronym for m in kb.records["mission"].values()
    }
    feed = ElementTree.parse(downloads(site) / "events.atom").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert len(entries) == len(dated)
    assert feed.find("a:rights", ns).text.startswith("Records: CC BY 4.0")
    for entry in entries:
        href = entry.find("a:link", ns).get("href")
        assert href.startswith(BASE)
        assert (site.html / href.removeprefix(BASE)).is_file(), href


def test_data_page_lists_every_download_with_its_size(site: SiteBuild) -> None:
    page = BeautifulSoup((site.html / "data.html").read_text("utf-8"), "html.parser")
    rows = page.select("table.kb-downloads tbody tr")
    files = sorted(
        p.relative_to(downloads(site)).as_posix() for p in downloads(site).rglob("*") if p.is_file()
    )
    assert [r.find("a").get_text() for r in rows] == files
    for row in rows:
        name = row.find("a").get_text()
        size = (downloads(site) / name).stat().st_size
        assert f"{size:,} bytes" in row.get_text()
    text = page.get_text(" ")
    for kind in ["Sources", "Operations", "People", "Places"]:
        assert kind in text
    assert "x-peacekb-ref" in text


def export_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "peacekb.cli", "export", *args, "--data", str(REPO / "data")],
        capture_output=True,
        text=True,
        check=False,
    )


def test_export_command_writes_the_same_files(site: SiteBuild, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = export_cli(str(out), "--base-url", BASE)
    assert proc.returncode == 0, proc.stderr
    site_meta = json.loads((downloads(site) / "peacekb.json").read_text("utf-8"))
    cli_meta = json.loads((out / "peacekb.json").read_text("utf-8"))
    assert cli_meta["records"] == site_meta["records"]
    assert (out / "peacekb.sqlite").read_bytes()[:16] == b"SQLite format 3\x00"
    for name in ["csv/people.csv", "csv/citations.csv", "schema/person.schema.json"]:
        assert (out / name).read_bytes() == (downloads(site) / name).read_bytes()
    cli_events = json.loads((out / "timeline.json").read_text("utf-8"))["events"]
    site_events = json.loads((downloads(site) / "timeline.json").read_text("utf-8"))["events"]
    assert cli_events == site_events
    # Without the base URL the JSON differs: it is not overwritten without --force.
    before = (out / "peacekb.json").read_bytes()
    again = export_cli(str(out), "--format", "json")
    assert again.returncode == 1 and "pass --force" in again.stderr
    assert (out / "peacekb.json").read_bytes() == before
    forced = export_cli(str(out), "--format", "json", "--force")
    assert forced.returncode == 0 and (out / "peacekb.json").read_bytes() != before


# -- pages: sitemap, structured data, citation, edit links -------------------------------------


def pages_of(site: SiteBuild) -> list[Path]:
    return sorted(p for p in site.html.rglob("*.html") if "_static" not in p.parts)


def test_sitemap_lists_every_page(site: SiteBuild) -> None:
    root = ElementTree.parse(site.html / "sitemap.xml").getroot()
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    listed = {loc.text for loc in root.findall("s:url/s:loc", ns)}
    expected = {
        BASE + p.relative_to(site.html).as_posix()
        for p in pages_of(site)
        if p.name not in {"search.html", "genindex.html", "404.html"}
    }
    assert listed == expected
    robots = (site.html / "robots.txt").read_text("utf-8")
    assert f"Sitemap: {BASE}sitemap.xml" in robots


def test_not_found_page(site: SiteBuild) -> None:
    page = (site.html / "404.html").read_text("utf-8")
    assert "/peacekb/_static/" in page  # works at any depth of the published site


EXPECTED_TYPES = {
    "people": {"Person"},
    "operations": {"Event"},
    "events": {"Event"},
    "places": {"Country", "City", "Place"},
    "sources": {"NewsArticle"},
    "contingents": {"Organization"},
    "organizations": {
        "Organization",
        "GovernmentOrganization",
        "NGO",
        "NewsMediaOrganization",
        "EducationalOrganization",
    },
}


def _jsonld(path: Path) -> list[dict[str, Any]]:
    page = BeautifulSoup(path.read_text("utf-8"), "html.parser")
    return [json.loads(s.string) for s in page.find_all("script", type="application/ld+json")]


def _ids_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["@id"]] if set(value) == {"@id"} else []
        return found + [i for v in value.values() for i in _ids_in(v)]
    if isinstance(value, list):
        return [i for v in value for i in _ids_in(v)]
    return []


def test_every_record_page_has_linked_json_ld(site: SiteBuild) -> None:
    declared: dict[str, str] = {}
    references: list[tuple[str, str]] = []
    for folder, types in EXPECTED_TYPES.items():
        for path in sorted((site.html / folder).glob("*.html")):
            if path.name == "index.html":
                continue
            blocks = _jsonld(path)
            assert len(blocks) == 1, path
            data = blocks[0]
            assert data["@context"] == "https://schema.org"
            assert data["@type"] in types, (path.name, data["@type"])
            url = BASE + path.relative_to(site.html).as_posix()
            assert data["url"] == url
            assert data["@id"].startswith(url + "#")
            declared[data["@id"]] = data["@type"]
            references += [(path.name, i) for i in _ids_in(data)]
    assert len(declared) == sum(
        1 for f in EXPECTED_TYPES for p in (site.html / f).glob("*.html") if p.name != "index.html"
    )
    dangling = [(page, i) for page, i in references if i not in declared]
    assert dangling == []
    assert len(references) > 200


def test_json_ld_of_a_person_and_an_event(site: SiteBuild) -> None:
    person = _jsonld(site.html / "people" / "ermek-tulesov.html")[0]
    roles = person["memberOf"]
    assert all(r["@type"] == "OrganizationRole" for r in roles)
    assert any(r["memberOf"]["@id"].endswith("operations/minusma.html#mission") for r in roles)
    event = _jsonld(site.html / "events" / "csto-force-withdraws-from-kazakhstan.html")[0]
    assert event["startDate"] == "2022-01-13" and event["endDate"] == "2022-01-19"
    assert event["superEvent"][0]["@id"].endswith("operations/csto-kazakhstan-2022.html#mission")
    assert any(
        a["@id"].endswith("people/mukhamedzhan-talasov.html#person") for a in event["attendee"]
    )
    assert event["location"][0]["@id"].endswith("places/kazakhstan.html#place")
    article = _jsonld(site.html / "sources" / "kazakh-peacekeepers-return-from-mali.html")[0]
    assert article["datePublished"] == "2023-10-31"
    assert article["headline"] == "Kazakhstan Peacekeepers Return from the Republic of Mali"


def test_every_page_offers_cite_this_page(site: SiteBuild) -> None:
    for path in pages_of(site):
        if path.name in {"search.html", "genindex.html", "404.html"}:
            continue
        page = BeautifulSoup(path.read_text("utf-8"), "html.parser")
        cite = page.select_one("details.kb-cite")
        assert cite is not None, path
        url = BASE + path.relative_to(site.html).as_posix()
        plain = cite.select_one(".kb-cite-text").get_text()
        bibtex = cite.select_one(".kb-cite-bibtex").get_text()
        assert url in plain and f"\\url{{{url}}}" in bibtex
        assert bibtex.startswith("@misc{peacekb:") and bibtex.rstrip().endswith("}")


def test_edit_this_page_opens_the_record(site: SiteBuild) -> None:
    page = BeautifulSoup(
        (site.html / "people" / "ermek-tulesov.html").read_text("utf-8"),
        "html.parser",
    )
    edit = [a["href"] for a in page.find_all("a", href=True) if "/edit/" in a["href"]]
    assert edit == ["https://github.com/example/peacekb/edit/main/data/people/ermek-tulesov.yaml"]
    timeline = (site.html / "timeline.html").read_text("utf-8")
    assert "/edit/main/src/peacekb/templates/timeline.md.jinja" in timeline
    home = (site.html / "index.html").read_text("utf-8")
    assert "https://github.com/example/peacekb/edit/main/docs/index.md" in home


def test_open_graph_metadata(site: SiteBuild) -> None:
    page = BeautifulSoup(
        (site.html / "operations" / "minusca.html").read_text("utf-8"), "html.parser"
    )
    og = {m["property"]: m["content"] for m in page.find_all("meta", property=True)}
    assert og["og:title"] == "MINUSCA"
    assert og["og:url"] == BASE + "operations/minusca.html"
    assert og["og:description"].startswith("MINUSCA, United Nations Multidimensional")
    description = page.find("meta", attrs={"name": "description"})
    assert description is not None and description["content"] == og["og:description"]


# -- reproducible builds ----------------------------------------------------------------------


@pytest.mark.build
def test_two_clean_builds_are_byte_identical(tmp_path: Path) -> None:
    epoch = {"SOURCE_DATE_EPOCH": "1700000000"}
    first = build_site(tmp_path / "work", env=epoch)
    assert first.returncode == 0, first.stderr
    shutil.move(first.html, tmp_path / "first")
    shutil.rmtree(tmp_path / "work")
    second = build_site(tmp_path / "work", env=epoch)
    assert second.returncode == 0, second.stderr
    a, b = tree_digest(tmp_path / "first"), tree_digest(second.html)
    assert sorted(a) == sorted(b)
    differing = sorted(name for name in a if a[name] != b[name])
    assert differing == []
    assert any(name.startswith("downloads/") for name in a)


def test_json_ld_alternate_names_hold_the_other_spellings(site: SiteBuild) -> None:
    kb, _ = load(REPO / "data")
    with_aliases = [r for kind in RECORD_KINDS for r in kb.all(kind) if getattr(r, "aliases", [])]
    assert with_aliases
    for record in with_aliases:
        data = _jsonld(site.html / f"{record_doc(record.kind, record.id)}.html")[0]
        assert set(record.aliases) - {record.display_name} <= set(data["alternateName"])
