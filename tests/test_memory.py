"""What the build does for memory and the garbage collector (see ``sphinxext/memory.py``): trees
no one uses again are freed without the collector, what lives for the whole build is out of the
collector's sight while it runs, and everything is handed back when it ends."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import weakref
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

from peacekb.sphinxext import memory
from peacekb.sphinxext.memory import take_apart


@pytest.fixture
def collector_off() -> Iterator[None]:
    """The cyclic garbage collector paused: what is freed now, reference counting freed."""
    was_on = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _tree() -> nodes.document:
    document = new_document("<test>", get_default_settings(Parser))
    section = nodes.section(ids=["s"])
    section += nodes.title("", "A title")
    items = nodes.bullet_list()
    for n in range(3):
        items += nodes.list_item("", nodes.paragraph("", "", nodes.Text(f"item {n}")))
    section += items
    document += section
    return document


def test_a_tree_taken_apart_is_freed_without_the_collector(collector_off: None) -> None:
    tree = _tree()
    leaves = [weakref.ref(p) for p in tree.findall(nodes.paragraph)]
    kept = weakref.ref(tree)
    del tree
    # A tree as the parser makes it is a web of cycles: dropping it frees nothing.
    assert kept() is not None and all(leaf() is not None for leaf in leaves)
    tree = kept()
    assert tree is not None
    take_apart(tree)
    del tree
    assert kept() is None
    assert [leaf() for leaf in leaves] == [None, None, None]


def test_a_tree_taken_apart_lets_go_of_every_link() -> None:
    tree = _tree()
    everything = list(tree.findall())
    take_apart(tree)
    assert all(node.parent is None for node in everything)
    assert all(not getattr(node, "children", []) for node in everything)


def test_a_build_freezes_what_lives_long_and_hands_it_back(
    make_app: Callable[..., Any], basic_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While pages are read and written, the objects that were alive before are out of the
    collector's sight; after the build, nothing is (another build in the same process, or the
    process itself, frees them as usual). The same after a failed build."""
    assert gc.get_freeze_count() == 0
    monkeypatch.setattr(memory, "FREEZE_EVERY", 2)
    seen: dict[str, list[int]] = {"reading": [], "writing": []}

    def reading(app: Any, docname: str, source: list[str]) -> None:
        seen["reading"].append(gc.get_freeze_count())

    def writing(app: Any, pagename: str, *args: Any) -> None:
        seen["writing"].append(gc.get_freeze_count())

    app = make_app("html", srcdir=basic_project, status=StringIO(), warning=StringIO())
    app.connect("source-read", reading)
    app.connect("html-page-context", writing)
    try:
        app.build()
    finally:
        app.cleanup()
    reads, writes = seen["reading"], seen["writing"]
    assert len(reads) > 4 and len(writes) > 4
    assert reads[0] > 0 and writes[0] > 0
    # Frozen again as pages are read and written: what the environment and the index gained.
    assert reads[-1] > reads[0] and writes[-1] > writes[0]
    assert gc.get_freeze_count() == 0

    def fail(app: Any, pagename: str, *args: Any) -> None:
        raise RuntimeError("a page that cannot be written")

    broken = make_app(
        "html", srcdir=basic_project, status=StringIO(), warning=StringIO(), freshenv=True
    )
    broken.connect("html-page-context", fail)
    try:
        with pytest.raises(Exception, match="cannot be written"):
            broken.build(force_all=True)
    finally:
        broken.cleanup()
    assert gc.get_freeze_count() == 0


PROBE = """
import gc

STATES = {}
PASSES = []


def counted(phase, info):
    if phase == "start" and info["generation"] == 2:
        PASSES.append(1)


def configured(app, config):
    STATES["configured"] = gc.isenabled()
    PASSES.clear()
    gc.callbacks.append(counted)


def started(app):
    gc.callbacks.remove(counted)
    STATES["started"] = gc.isenabled()
    STATES["passes while loading"] = len(PASSES)


def setup(app):
    app.connect("config-inited", configured, priority=1001)
    app.connect("builder-inited", started, priority=1)
"""


def test_the_collector_is_paused_while_the_environment_is_loaded(
    make_app: Callable[..., Any], basic_project: Path
) -> None:
    """Loading a saved environment makes many objects that live for the whole build: no full
    pass of the collector walks them while they are made, and once they are loaded (and
    frozen) it runs again."""
    (basic_project / "peacekb_gc_probe.py").write_text(PROBE, "utf-8")
    conf = basic_project / "conf.py"
    conf.write_text(
        conf.read_text("utf-8")
        + "\nimport os, sys\nsys.path.insert(0, os.path.dirname(__file__))\n"
        + 'extensions = [*extensions, "peacekb_gc_probe"]\n',
        "utf-8",
    )

    def build() -> dict[str, Any]:
        app = make_app("html", srcdir=basic_project, status=StringIO(), warning=StringIO())
        app.build()
        app.cleanup()
        states: dict[str, Any] = dict(sys.modules["peacekb_gc_probe"].STATES)
        return states

    try:
        build()  # saves the environment
        # A full pass as soon as objects pile up, were the collector running.
        gc.set_threshold(100, 1, 1)
        again = build()
    finally:
        gc.set_threshold(700, 10, 10)
        sys.modules.pop("peacekb_gc_probe", None)
        sys.path[:] = [p for p in sys.path if p != str(basic_project)]
    assert again == {"configured": False, "started": False, "passes while loading": 0}
    assert gc.isenabled() and gc.get_freeze_count() == 0


@pytest.mark.build
def test_what_is_alive_when_the_process_ends_is_frozen(basic_project: Path) -> None:
    """After a build nothing is frozen (the process goes on as usual); when the process ends,
    everything alive is, so that the interpreter's last collection has nothing to walk."""
    script = textwrap.dedent(
        """
        import atexit, gc, sys
        from io import StringIO
        # Registered before the extension's handler, so it runs after it.
        atexit.register(lambda: print("at exit", gc.get_freeze_count()))
        from sphinx.application import Sphinx
        src, out = sys.argv[1], sys.argv[2]
        app = Sphinx(src, src, out + "/html", out + "/doctrees", "html",
                     status=StringIO(), warning=StringIO())
        app.build()
        print("after the build", gc.get_freeze_count())
        """
    )
    out = basic_project.parent / "out"
    proc = subprocess.run(
        [sys.executable, "-c", script, str(basic_project), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    after, at_exit = proc.stdout.splitlines()[-2:]
    assert after == "after the build 0"
    assert at_exit.startswith("at exit ") and int(at_exit.split()[-1]) > 0


def test_the_collector_is_paused_while_the_pages_and_downloads_are_made(
    make_app: Callable[..., Any], basic_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The records loaded for the generated pages, and what their checks find, live until the
    build ends, and the pages and downloads made of them leave little garbage: no pass of the
    collector walks them while they are made. It runs again afterwards."""
    from peacekb import export, knowledge, pages

    seen: dict[str, tuple[bool, int]] = {}
    passes: list[int] = []

    def spied(module: Any, name: str) -> None:
        real = getattr(module, name)

        def step(*args: Any, **keywords: Any) -> Any:
            before = len(passes)
            found = real(*args, **keywords)
            seen[name] = (gc.isenabled(), len(passes) - before)
            return found

        monkeypatch.setattr(module, name, step)

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            passes.append(info["generation"])

    spied(knowledge, "load")
    spied(export, "render")
    spied(pages, "render_site")
    app = make_app("html", srcdir=basic_project, status=StringIO(), warning=StringIO())
    gc.callbacks.append(count)
    try:
        # A pass as soon as objects pile up, were the collector running.
        gc.set_threshold(100, 1, 1)
        app.build()
        app.cleanup()
    finally:
        gc.set_threshold(700, 10, 10)
        gc.callbacks.remove(count)
    assert seen == {
        "load": (False, 0),
        "render": (False, 0),
        "render_site": (False, 0),
    }
    assert passes and gc.isenabled()


def test_the_collector_is_paused_in_a_build_that_reads_few_pages(
    make_app: Callable[..., Any], basic_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that reads fewer pages than it freezes after makes little garbage: the
    collector's own passes are paused while it reads and writes them; a build that reads
    more keeps them. Either way it runs again once the build ends."""
    enabled: list[bool] = []

    def build() -> None:
        app = make_app("html", srcdir=basic_project, status=StringIO(), warning=StringIO())
        app.connect("source-read", lambda *args: enabled.append(gc.isenabled()))
        app.connect("doctree-resolved", lambda *args: enabled.append(gc.isenabled()))
        app.build()
        app.cleanup()

    pages = len(list(basic_project.glob("*.md")))
    # Every page read: more than one freeze's worth.
    monkeypatch.setattr(memory, "FREEZE_EVERY", 1)
    build()
    assert enabled and all(enabled)
    enabled.clear()
    monkeypatch.setattr(memory, "FREEZE_EVERY", pages + 100)
    (basic_project / "index.md").write_text(
        (basic_project / "index.md").read_text("utf-8") + "\nEdited.\n", "utf-8"
    )
    build()
    assert enabled and not any(enabled)
    assert gc.isenabled()


class _Cycle:
    """An object that refers to itself: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.itself = self


def test_the_garbage_of_a_few_page_build_is_left_to_the_next_full_pass(
    make_app: Callable[..., Any], basic_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a build that reads few pages makes while the collector's passes are paused goes
    to its oldest generation when the build ends: no pass collects it on the build's last
    lines; the next full one does."""
    monkeypatch.setattr(memory, "FREEZE_EVERY", 10_000)
    made: list[weakref.ref[_Cycle]] = []

    def writing(app: Any, pagename: str, *args: Any) -> None:
        made.append(weakref.ref(_Cycle()))

    app = make_app("html", srcdir=basic_project, status=StringIO(), warning=StringIO())
    app.connect("html-page-context", writing)
    try:
        app.build()
    finally:
        app.cleanup()
    assert made and gc.isenabled() and gc.get_freeze_count() == 0
    assert all(ref() is not None for ref in made)
    gc.collect()
    assert all(ref() is None for ref in made)
