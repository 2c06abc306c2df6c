"""``{kb:table}`` and ``{kb:infobox}`` (:mod:`peacekb.sphinxext.tables`): tables made as nodes
from JSON lines. They must give the HTML of the MyST they replace, keep record text as text,
and answer bad content and unknown ids with located messages."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from conftest import build_project
from peacekb.knowledge import load
from peacekb.urls import index_doc

FENCE = "```{kb:table}"


def _page(folder: Path, name: str, body: list[str]) -> None:
    lines = ["---", "orphan: true", "---", f"# {name}", "", "Before the table.", "", *body]
    lines += ["", "After the table.", ""]
    (folder / f"{name}.md").write_text("\n".join(lines), encoding="utf-8")


def _table(rows: list[Any]) -> list[str]:
    return [FENCE, *(json.dumps(row, ensure_ascii=False) for row in rows), "```"]


def _build(make_app: Callable[..., Any], project: Path) -> tuple[Path, str]:
    out, status, warnings = build_project(make_app, project)
    return out, status + warnings


def _body(out: Path, name: str) -> BeautifulSoup:
    page = BeautifulSoup((out / f"{name}.html").read_bytes(), "html.parser")
    body = page.select_one("div.body")
    assert body is not None
    return body


# An error the build logs, located: "<path>/<page>.md:<line>: ERROR: <text>".
_LOCATED = re.compile(r"^(?P<path>.*?([^/\\]+)\.md):(\d+): ERROR: (.*)$", re.M)


def _errors(said: str) -> dict[str, tuple[Path, int, str]]:
    """The located errors of a build, by page name: (path, line, text)."""
    return {m[2]: (Path(m["path"]), int(m[3]), m[4]) for m in _LOCATED.finditer(said)}


def _assert_warned_on_its_line(project: Path, said: str) -> None:
    """The build warned once of the unknown place id 'nowhere', on the line of the
    ``dangling`` page that names it."""
    (warning,) = [line for line in said.splitlines() if "nowhere" in line]
    lines = (project / "dangling.md").read_text("utf-8").splitlines()
    row = next(i for i, line in enumerate(lines, 1) if "nowhere" in line)
    assert re.match(rf".*dangling\.md:{row}: WARNING: unknown place id 'nowhere'", warning)


def test_a_table_gives_the_html_of_the_pipe_table_it_replaces(
    make_app: Callable[..., Any], basic_project: Path
) -> None:
    """Links (resolved to the record's name), texts, a cell of several parts, empty cells and
    a heading row: the same HTML as the MyST table with the domain's roles."""
    rows: list[Any] = [
        ["Operation", "Host", "Numbers", "Notes"],
        [
            {"kind": "mission", "id": "test-mission"},
            {"kind": "place", "id": "freedonia"},
            "3 officers; 2 helicopters",
            None,
        ],
        [
            "no link",
            [{"kind": "place", "id": "freedonia"}, ", ", {"kind": "place", "id": "freedonia"}],
            "",
            "— & < > \\ * _",
        ],
    ]
    _page(basic_project, "as-nodes", _table(rows))
    pipe = [
        "| Operation | Host | Numbers | Notes |",
        "|---|---|---|---|",
        "| {kb:mission}`test-mission` | {kb:place}`freedonia` | 3 officers; 2 helicopters |  |",
        "| no link | {kb:place}`freedonia`, {kb:place}`freedonia` |  "
        "| — \\& \\< \\> \\\\ \\* \\_ |",
    ]
    _page(basic_project, "as-myst", pipe)
    out, said = _build(make_app, basic_project)
    assert "WARNING" not in said and "ERROR" not in said, said
    ours, theirs = _body(out, "as-nodes").table, _body(out, "as-myst").table
    assert ours is not None and theirs is not None
    assert str(ours) == str(theirs)
    cells = [[td.get_text() for td in tr.find_all(["td", "th"])] for tr in ours.find_all("tr")]
    assert cells[2][3] == "— & < > \\ * _"
    kb, _ = load(basic_project / "data")
    mission, place = kb.display_name("test-mission"), kb.display_name("freedonia")
    assert [a.get_text() for a in ours.find_all("a")] == [mission, place, place, place]


def test_record_text_in_a_table_stays_text(
    make_app: Callable[..., Any], basic_project: Path
) -> None:
    payloads = ["<script>kbxss(1)</script>", "{kb:place}`freedonia`", "**bold** [x](http://y)"]
    _page(basic_project, "hostile", _table([["A", "B", "C"], payloads]))
    out, said = _build(make_app, basic_project)
    assert "WARNING" not in said and "ERROR" not in said, said
    table = _body(out, "hostile").table
    assert table is not None
    assert [td.get_text() for td in table.find_all("td")] == payloads
    assert {t.name for t in table.find_all(True)} <= {"table", "thead", "tbody", "tr", "th",
                                                      "td", "p", "colgroup", "col"}  # fmt: skip


BAD: dict[str, tuple[list[str], int, str]] = {
    # name: (the block's lines, the line of the fence the message names (0: the fence), text)
    "empty": ([FENCE, "```"], 0, "must begin with the JSON list of the column headings"),
    "not-json": ([FENCE, '["A"]', "[oops", "```"], 0, "content is not JSON"),
    "not-a-list": ([FENCE, '{"A": 1}', "```"], 0, "line 1 of the content must be a JSON list"),
    "no-columns": ([FENCE, "[]", "```"], 0, "a table needs at least one column"),
    "cell-count": ([FENCE, '["A", "B"]', '["x"]', "```"], 0, "line 2 of the content has 1 cells"),
    "bad-cell": ([FENCE, '["A"]', "[3]", "```"], 0, "a cell holds texts and links"),
    "bad-link": ([FENCE, '["A"]', '[{"kind": "place"}]', "```"], 0, "a cell holds texts"),
}


def test_bad_table_content_is_a_located_error(
    make_app: Callable[..., Any], basic_project: Path
) -> None:
    """One error per bad block, naming the page, the block's line and kb:table; the rest of
    the page is built."""
    for name, (block, _, _) in BAD.items():
        _page(basic_project, name, block)
    out, said = _build(make_app, basic_project)
    assert "Traceback" not in said
    found = _errors(said)
    assert sorted(found) == sorted(BAD), said
    for name, (_, _, message) in BAD.items():
        path, line, text = found[name]
        assert path == basic_project / f"{name}.md"
        assert line == 8, (name, line)  # the fence's line
        assert text.startswith("kb:table") and message in text, text
        body = _body(out, name)
        assert "After the table." in body.get_text()
        assert body.table is None


def test_an_unknown_id_in_a_table_is_a_warning_on_its_row(
    make_app: Callable[..., Any], basic_project: Path
) -> None:
    rows = [["Place"], [{"kind": "place", "id": "freedonia"}], [{"kind": "place", "id": "nowhere"}]]
    _page(basic_project, "dangling", _table(rows))
    _, said = _build(make_app, basic_project)
    _assert_warned_on_its_line(basic_project, said)


@pytest.mark.parametrize("kind", ["place", "organization", "contingent", "event"])
def test_the_index_pages_list_every_record_in_a_table(
    kind: str, build_generated: Callable[[], Path], basic_project: Path
) -> None:
    """Each index made with the directive links every record of its kind, in one table row
    each."""
    out = build_generated()
    kb, problems = load(basic_project / "data")
    assert problems == []
    table = _body(out, index_doc(kind)).table
    assert table is not None
    rows = table.select("tbody tr")
    assert len(rows) == len(kb.all(kind))
    names = sorted(row.find("a").get_text() for row in rows)
    assert names == sorted(r.display_name for r in kb.all(kind))


INFOBOX = "```{kb:infobox}"


def _infobox(rows: list[dict[str, str]]) -> list[str]:
    return [INFOBOX, *(json.dumps(row, ensure_ascii=False) for row in rows), "```"]


def test_an_infobox_gives_the_html_of_the_div_and_pipe_table_it_replaces(
    make_app: Callable[..., Any], basic_project: Path
) -> None:
    """Labels linking to a section of the page or not, values of inline MyST with links,
    escapes and emphasis: the same HTML as the ``kb-infobox`` div the templates wrote."""
    rows = [
        {"label": "Rank", "section": "details", "value": "Colonel \\| General"},
        {"label": "Operation", "section": "details", "value": "{kb:mission}`test-mission`"},
        {"label": "Host", "section": "", "value": "{kb:place}`freedonia`; *some* \\< text"},
        {"label": "Kind", "section": "", "value": "[Ville]{.language-fr}"},
    ]
    tail = ["", "## Details", "", "The evidence."]
    _page(basic_project, "as-nodes", [*_infobox(rows), *tail])
    pipe = [
        ":::{div} kb-infobox",
        "| | |",
        "|---|---|",
        "| [Rank](#details) | Colonel \\| General |",
        "| [Operation](#details) | {kb:mission}`test-mission` |",
        "| Host | {kb:place}`freedonia`; *some* \\< text |",
        "| Kind | [Ville]{.language-fr} |",
        ":::",
    ]
    _page(basic_project, "as-myst", [*pipe, *tail])
    out, said = _build(make_app, basic_project)
    assert "WARNING" not in said and "ERROR" not in said, said
    ours, theirs = _body(out, "as-nodes"), _body(out, "as-myst")
    box, their_box = ours.select_one("div.kb-infobox"), theirs.select_one("div.kb-infobox")
    assert box is not None and their_box is not None
    assert str(box) == str(their_box)
    assert box.select_one('a[href="#details"]') is not None
    assert [td.get_text() for td in box.select("tbody td")][1] == "Colonel | General"


def test_an_infobox_label_stays_text(make_app: Callable[..., Any], basic_project: Path) -> None:
    labels = ["<script>kbxss(1)</script>", "{kb:place}`freedonia`", "**bold** [x](http://y)"]
    rows = [{"label": label, "section": "", "value": "v"} for label in labels]
    rows.append({"label": labels[0], "section": "details", "value": "v"})
    _page(basic_project, "hostile", [*_infobox(rows), "", "## Details"])
    out, said = _build(make_app, basic_project)
    assert "WARNING" not in said and "ERROR" not in said, said
    box = _body(out, "hostile").select_one("div.kb-infobox")
    assert box is not None
    heads = [tr.find("td").get_text() for tr in box.select("tbody tr")]
    assert heads == [*labels, labels[0]]
    assert box.find("script") is None and box.find("strong") is None
    assert [a["href"] for a in box.select("tbody a")] == ["#details"]


BAD_INFOBOX: dict[str, tuple[list[str], str]] = {
    "box-not-json": ([INFOBOX, "{oops", "```"], "content is not JSON"),
    "box-not-object": ([INFOBOX, '["A", "B"]', "```"], "line 1 of the content must be a JSON"),
    "box-no-value": ([INFOBOX, '{"label": "A"}', "```"], "'value' must be texts"),
}


def test_bad_infobox_content_is_a_located_error(
    make_app: Callable[..., Any], basic_project: Path
) -> None:
    for name, (block, _) in BAD_INFOBOX.items():
        _page(basic_project, name, block)
    out, said = _build(make_app, basic_project)
    assert "Traceback" not in said
    found = _errors(said)
    assert sorted(found) == sorted(BAD_INFOBOX), said
    for name, (_, message) in BAD_INFOBOX.items():
        _, line, text = found[name]
        assert line == 8 and text.startswith("kb:infobox") and message in text, text
        assert "After the table." in _body(out, name).get_text()


def test_an_unknown_id_in_an_infobox_is_a_warning_on_its_line(
    make_app: Callable[..., Any], basic_project: Path
) -> None:
    rows = [
        {"label": "Host", "section": "", "value": "{kb:place}`freedonia`"},
        {"label": "Where", "section": "", "value": "{kb:place}`nowhere`"},
    ]
    _page(basic_project, "dangling", _infobox(rows))
    _, said = _build(make_app, basic_project)
    _assert_warned_on_its_line(basic_project, said)
