"""A record's page is made again only when what it read changed (peacekb.reads), and then
comes out as a build from scratch makes it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field

from peacekb import models, pages
from peacekb.export import Provenance
from peacekb.knowledge import load
from peacekb.models import RECORD_KINDS, iter_citations
from peacekb.pages import render_site
from peacekb.reads import fingerprint
from peacekb.sphinxext.cache import Memo

PROVENANCE = Provenance(title="T", base_url="https://example.org/")
FOCUS = "freedonia"


def _record_pages_made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the records whose page is made (not taken from the memo), in order."""
    made: list[str] = []
    original = pages.Site.render

    def render(self: pages.Site, template: str, **context: Any) -> str:
        if template.removesuffix(".md.jinja") in RECORD_KINDS:
            made.append(context["record"].id)
        return original(self, template, **context)

    monkeypatch.setattr(pages.Site, "render", render)
    return made


def _site(data: Path, memo: Memo | None, templates: list[Path] | None = None) -> dict[str, str]:
    kb, problems = load(data)
    assert problems == []
    key = None if memo is None else "settings"
    return render_site(kb, PROVENANCE, {}, FOCUS, templates or [], memo, pages_key=key)


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text("utf-8") + text, "utf-8")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


NEW_EVENT = """id: new-event
title: A meeting
type: meeting
undated: No date given.
participants:
- who: unused-org
  role: host
  inferred: Stated for the test.
statements:
- text: They met.
  inferred: Stated for the test.
"""


def _notes(data: Path) -> None:
    _append(data / "people" / "jane-roe.yaml", "notes: Edited.\n")


def _acronym(data: Path) -> None:
    _replace(data / "missions" / "test-mission.yaml", "acronym: TM", "acronym: TMX")


def _add_event(data: Path) -> None:
    (data / "events" / "new-event.yaml").write_text(NEW_EVENT, "utf-8")


def _paragraph(data: Path) -> None:
    _append(data / "sources" / "article-one.yaml", "- A paragraph no one cites.\n")


def _rename_focus(data: Path) -> None:
    _replace(data / "places" / "freedonia.yaml", "name: Freedonia", "name: Fredonia")


def _add_person(data: Path) -> None:
    text = "id: john-doe\nname: John Doe\nsort_name: Doe, John\nmissions: [test-mission]\n"
    (data / "people" / "john-doe.yaml").write_text(text, "utf-8")


def _rename_person(data: Path) -> None:
    _replace(
        data / "people" / "jane-roe.yaml",
        "id: jane-roe\nname: Jane Roe\n",
        "id: jane-roe\nname: Janet Roe\n",
    )


def _delete_event(data: Path) -> None:
    (data / "events" / "new-event.yaml").unlink()


# (what the edit does, the edit, a record whose page it must make again)
EDITS: list[tuple[str, Callable[[Path], None], str | None]] = [
    ("nothing", lambda data: None, None),
    ("a person's notes", _notes, "jane-roe"),
    ("an operation's acronym", _acronym, "test-mission"),
    ("a record that mentions another", _add_event, "unused-org"),
    ("a person who served in an operation", _add_person, "test-mission"),
    ("a paragraph of a source", _paragraph, "article-one"),
    ("the focus country's name, which an operation's page shows", _rename_focus, "test-mission"),
    ("the record that mentions another, deleted", _delete_event, "unused-org"),
    ("a person's name, which an inferred fact of an event shows", _rename_person, "roe-arrives"),
]


def test_after_each_edit_the_pages_are_those_of_a_build_from_scratch(
    mini_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _record_pages_made(monkeypatch)
    memo = Memo()
    first = _site(mini_data, memo)
    assert first == _site(mini_data, None)
    for what, edit, remade in EDITS:
        edit(mini_data)
        kb, _ = load(mini_data)
        every = {r.id for kind in RECORD_KINDS for r in kb.all(kind)}
        made.clear()
        memo = Memo(dict(memo.kept))
        kept = _site(mini_data, memo)
        again = set(made)
        assert kept == _site(mini_data, None), what
        if remade is None:
            assert again == set(), what
        else:
            assert remade in again, what
            assert again < every, f"{what}: every page made again"


def test_the_pages_drawn_from_the_whole_base_are_made_again_only_when_what_they_read_changed(
    mini_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kinds' indexes, the timeline, the map, the glossary and the list of uncertainties
    are kept like a record's page; the Data page (the downloads' sizes) and the operations'
    index (the focus country's whole participation) are made at every build."""
    made: list[str] = []
    original = pages.Site.render

    def render(self: pages.Site, template: str, **context: Any) -> str:
        made.append(template.removesuffix(".md.jinja"))
        return original(self, template, **context)

    monkeypatch.setattr(pages.Site, "render", render)
    memo = Memo()
    _site(mini_data, memo)

    def again() -> set[str]:
        nonlocal memo
        made.clear()
        memo = Memo(dict(memo.kept))
        kept = _site(mini_data, memo)
        found = set(made) - set(RECORD_KINDS)
        assert kept == _site(mini_data, None)
        return found

    every_build = {"data", "mission-index", "participation"}
    assert again() == every_build
    _notes(mini_data)
    assert again() == every_build | {"person-index"}  # it reads every person
    place = "id: elsewhere\nname: Elsewhere\ntype: city\ncoordinates: {lat: 1, lon: 2}\n"
    (mini_data / "places" / "elsewhere.yaml").write_text(place, "utf-8")
    # A place nothing names: its index and the counts change, not the charts.
    assert again() == every_build | {"place-index", "overview.inc"}
    _add_event(mini_data)
    assert {"event-index", "timeline", "overview.inc"} <= again()


def test_a_page_is_made_again_when_the_settings_or_templates_change(
    mini_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _record_pages_made(monkeypatch)
    memo = Memo()
    kb, _ = load(mini_data)
    render_site(kb, PROVENANCE, {}, FOCUS, [], memo, pages_key="one")
    made.clear()
    render_site(kb, PROVENANCE, {}, FOCUS, [], Memo(dict(memo.kept)), pages_key="two")
    assert "jane-roe" in made


def test_a_page_is_made_again_with_another_pycountry(
    mini_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pages show language names from pycountry's lists: another version of it may name a
    language otherwise."""
    from peacekb import iso

    made = _record_pages_made(monkeypatch)
    memo = Memo()
    _site(mini_data, memo)
    made.clear()
    monkeypatch.setattr(iso, "_version", lambda: "0-another")
    _site(mini_data, Memo(dict(memo.kept)))
    assert "article-fr" in made and "jane-roe" in made


def test_a_sites_template_may_read_anything_and_its_page_is_made_at_every_build(
    mini_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A site's own templates read what is not noted (all the records, the focus country's
    whole participation): their pages cannot be kept, and are right."""
    own = tmp_path / "templates"
    own.mkdir()
    (own / "person.md.jinja").write_text(
        "# {{ record.name }}\n\n{{ kb.records['mission'] | length }} operations.\n", "utf-8"
    )
    (own / "mission.md.jinja").write_text(
        "# {{ record.acronym }}\n\nWith {{ site.participation.name }}.\n", "utf-8"
    )
    # A read with named arguments: not noted, so the page is made every time.
    (own / "organization.md.jinja").write_text(
        "# {{ record.name }}\n\nSee {{ kb.display_name(id='test-mission') }}.\n", "utf-8"
    )
    made = _record_pages_made(monkeypatch)
    memo = Memo()
    first = _site(mini_data, memo, [own])
    assert first["people/jane-roe.md"] == "# Jane Roe\n\n1 operations.\n"
    made.clear()
    _replace(mini_data / "places" / "freedonia.yaml", "name: Freedonia", "name: Fredonia")
    (mini_data / "missions" / "other.yaml").write_text(
        (mini_data / "missions" / "test-mission.yaml")
        .read_text("utf-8")
        .replace("id: test-mission", "id: other"),
        "utf-8",
    )
    _acronym(mini_data)
    kept = _site(mini_data, Memo(dict(memo.kept)), [own])
    assert made.count("jane-roe") == 1 and made.count("test-mission") == 1
    assert made.count("unused-org") == 1
    assert kept["organizations/unused-org.md"] == "# Unused organisation\n\nSee TMX.\n"
    assert kept["people/jane-roe.md"] == "# Jane Roe\n\n2 operations.\n"
    assert kept["operations/test-mission.md"] == "# TMX\n\nWith Fredonia.\n"
    assert kept == _site(mini_data, None, [own])


def test_a_fingerprint_tells_content_apart(mini_data: Path) -> None:
    kb, _ = load(mini_data)
    person = kb.get("person", "jane-roe")
    assert person is not None
    same = person.model_copy()
    other = person.model_copy(update={"notes": "Edited."})
    assert fingerprint(kb, [person]) == fingerprint(kb, [same])
    assert fingerprint(kb, [person]) != fingerprint(kb, [other])
    assert fingerprint(kb, {"a": {1, 2}}) == fingerprint(kb, {"a": {2, 1}})
    with pytest.raises(TypeError):
        fingerprint(kb, object())
    # A model other than a record: by its fields, nested models included.
    cite = person.posts[0].cite[0] if person.posts and person.posts[0].cite else None
    assert cite is not None
    moved = cite.model_copy(update={"paragraph": cite.paragraph + 1})
    assert fingerprint(kb, cite) == fingerprint(kb, cite.model_copy())
    assert fingerprint(kb, cite) != fingerprint(kb, moved)


def test_a_fingerprint_follows_content_not_object_sharing_or_type(mini_data: Path) -> None:
    kb, _ = load(mini_data)
    text = "some text"
    equal = "".join(["some ", "text"])
    assert text is not equal
    assert fingerprint(kb, [text, text]) == fingerprint(kb, [text, equal])
    assert fingerprint(kb, (text,)) == fingerprint(kb, [text])
    assert len({fingerprint(kb, [v]) for v in (1, 1.0, True, "1", None, "")}) == 6
    assert fingerprint(kb, ["a", "b"]) != fingerprint(kb, ["b", "a"])


def test_what_the_checks_note_of_the_citations_is_what_a_walk_over_the_records_finds(
    mini_data: Path,
) -> None:
    """The sources each record cites, and the paragraphs cited of each source, are noted while
    the citations are checked: the same as walking every record (and the glossary) again."""
    kb, _ = load(mini_data)
    assert kb.citing is not None and kb.paragraphs_cited is not None
    walked: dict[str, set[int]] = {}
    models: list[Any] = [r for kind in RECORD_KINDS for r in kb.all(kind)]
    for model in [*models, kb.glossary]:
        for _, citation in iter_citations(model):
            walked.setdefault(citation.source, set()).add(citation.paragraph)
    assert kb.cited_paragraphs == walked and any(kb.citing.values())
    for record in models:
        cited = sorted({c.source for _, c in iter_citations(record)})
        assert [s.id for s in kb.sources_of(record)] == cited
        # A record that is not the knowledge base's own (a copy) is walked.
        copy = record.model_copy()
        assert [s.id for s in kb.sources_of(copy)] == cited


class _Inner(BaseModel):
    text: str = ""


class _Outer(BaseModel):
    """Fields of every shape: which may hold a model is what a walk looks into."""

    name: str = ""
    count: int = 0
    when: datetime.date | None = None
    kind: Literal["a", "b"] = "a"
    ids: list[str] = Field(default_factory=list)
    one: _Inner | None = None
    many: list[_Inner] = Field(default_factory=list)
    described: Annotated[_Inner | None, Field(description="x")] = None
    anything: Any = None
    untyped: list = Field(default_factory=list)  # type: ignore[type-arg]


def test_a_walk_looks_into_every_field_that_may_hold_a_model_and_finds_them_all() -> None:
    looked = [name for name, _, nested in models._walk(_Outer) if nested]
    assert looked == ["one", "many", "described", "anything", "untyped"]
    inner = [_Inner(text=str(i)) for i in range(6)]
    outer = _Outer(
        one=inner[0], many=inner[1:3], described=inner[3], anything=inner[4], untyped=[inner[5]]
    )
    found = [m for _, m in models.iter_models(outer)]
    assert found[0] is outer and found[1:] == inner
