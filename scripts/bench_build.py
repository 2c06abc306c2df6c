"""What a build costs as the knowledge base grows, against bare Sphinx projects of the same size.

    python scripts/bench_build.py [--copies 1 5 20] [--runs 1]

For each number of copies k (see ``synthetic.py``: the real records cloned k times with
consistent ids, validated), in a temporary folder so the working tree is untouched:

* a full build of the site (``sphinx-build -b html``, serial), then the incremental builds a
  curator's edit loop makes: nothing changed, one person edited, one source paragraph added,
  one record added, that record deleted;
* full builds of bare Sphinx projects with as many pages, each page linked from the home page
  and in no table of contents, as the site's record pages are, with alabaster and with
  sphinx-book-theme (both with myst-parser), on two baselines (and, on the first, the same
  edit loop's floor: what Sphinx alone costs when nothing changed and when one page did):

  - *same text*: each page of the built site as a plain page of the same text (its headings,
    and the text of its paragraphs, list items and table cells), without directives, links,
    tables or charts: what "a plain page of the same text" costs;
  - *one sentence*: as many characters as the generated pages' MyST, split evenly, one
    sentence repeated under a heading every 1,500 characters (the first baseline, kept to
    compare with earlier runs; it has almost no distinct words to index).

The builds run in rounds, ``--runs`` times: the site's full build and its edit loop, then each
bare project's full build (and its edit loop), so that a machine slower for a while slows the
builds of a round alike; each ratio (an edit against the full build, the full build against a
bare one) is taken within its round, and the figures are medians over the rounds. Each build
runs in a process of its own: its CPU time (user + system) and wall time are measured from its
start to its exit, with the processes it waits for (the interpreter's start, the imports and
the teardown count, as they do for whoever runs a build), and it reports its peak resident
memory (``ru_maxrss``).
The project's own modules are compiled to bytecode before the first build, as an installed
package's are: an editable install on a machine that sets ``PYTHONDONTWRITEBYTECODE`` would
otherwise compile them again in every build, which no reader's build does.
Printed per k: pages, each build's figures, CPU per page, and the ratios the targets speak of
(full build against the bare builds, the incremental builds against the full one). Not a
test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import compileall
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup
from synthetic import REPO, write_copies

import peacekb
from peacekb.pages import md_escape

# Runs one sphinx-build in this process and prints its status and peak memory as JSON on the
# last line. Its CPU and wall time are measured from outside (see sphinx()).
RUNNER = """
import json, resource, sys
from sphinx.cmd.build import main
status = main(sys.argv[1:])
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"status": status, "rss_mb": usage.ru_maxrss / 1024}))
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mb: float


def sphinx(src: Path, out: Path, doctrees: Path, *options: str) -> Run:
    """One build in a process of its own. CPU and wall time are the whole process's, from
    start to exit, with the processes it starts and waits for (sphinx-sitemap runs one): the
    interpreter's start, the imports and the teardown count, as they do for whoever runs it."""
    cpu_before, start = _children_cpu(), time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            RUNNER,
            "-q",
            "-b",
            "html",
            "-d",
            str(doctrees),
            *options,
            str(src),
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=src.parent,
    )
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu_before
    lines = proc.stdout.strip().splitlines()
    report = json.loads(lines[-1]) if lines else {"status": 1}
    if report["status"] != 0:
        raise SystemExit(f"build of {src} failed:\n{proc.stderr[-3000:]}")
    return Run(wall, cpu, report["rss_mb"])


def median_run(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.wall for r in runs),
        statistics.median(r.cpu for r in runs),
        statistics.median(r.rss_mb for r in runs),
    )


# -- the site and its edits --------------------------------------------------------------------


def site(work: Path, copies: int) -> int:
    shutil.copytree(
        REPO / "docs", work / "docs", ignore=shutil.ignore_patterns("_build", "_generated")
    )
    return write_copies(work / "data", copies)


def edit_person(data: Path) -> None:
    """Change the notes of a person: another text each time (the loop may run again)."""
    path = min((data / "people").glob("*.yaml"))
    text = path.read_text("utf-8")
    found = re.search(r"^notes: Edited by the benchmark \((\d+)\)\.\n", text, re.M)
    n = int(found.group(1)) + 1 if found else 1
    note = f"notes: Edited by the benchmark ({n}).\n"
    path.write_text(text.replace(found.group(), note) if found else text + note, "utf-8")


def add_paragraph(data: Path) -> None:
    path = min((data / "sources").glob("*.yaml"))
    text = path.read_text("utf-8").rstrip("\n")
    # The last field of a source file is its list of paragraphs: add one, uncited.
    tail = "\n- text: A paragraph the benchmark added.\n"
    if "translation:" in text.rsplit("paragraphs:", 1)[1]:
        tail += "  translation: A paragraph the benchmark added.\n"
    path.write_text(text + tail, "utf-8")


PLACE = "id: benchmark-place\nname: Benchmark Place\ntype: city\ncoordinates: {lat: 1, lon: 1}\n"


def add_record(data: Path) -> None:
    (data / "places" / "benchmark-place.yaml").write_text(PLACE, "utf-8")


def delete_record(data: Path) -> None:
    (data / "places" / "benchmark-place.yaml").unlink()


EDITS = {
    "no-op": lambda data: None,
    "edit a person": edit_person,
    "add a source paragraph": add_paragraph,
    "add a record": add_record,
    "delete a record": delete_record,
}


# -- the bare projects ---------------------------------------------------------------------------

BARE_CONF = {
    "alabaster": 'extensions = ["myst_parser"]\nhtml_theme = "alabaster"\n',
    "book theme": 'extensions = ["myst_parser"]\nhtml_theme = "sphinx_book_theme"\n',
}
# The blocks of a built page whose text a plain page keeps, and the headings among them.
BLOCKS = ("h1", "h2", "h3", "h4", "p", "li", "dt", "dd", "td", "th", "pre")
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}


def page_text(html: Path) -> list[tuple[int, str]]:
    """What a reader reads of a built page, in order: (heading level, or 0 for a paragraph,
    text). Each innermost block once: a list item's paragraph, not the item as well."""
    article = BeautifulSoup(html.read_bytes(), "html.parser").select_one("article")
    if article is None:
        return []
    for hidden in article.select("script, style, svg, .headerlink"):
        hidden.decompose()
    found = []
    for block in article.find_all(BLOCKS):
        if block.find(BLOCKS) is not None:
            continue
        text = " ".join(block.get_text(" ").split())
        if text:
            found.append((HEADINGS.get(block.name, 0), text))
    return found


def plain_page(title: str, blocks: list[tuple[int, str]]) -> str:
    lines = ["---", "orphan: true", "---", "", f"# {md_escape(title)}", ""]
    for level, text in blocks:
        prefix = "#" * max(level, 2) + " " if level else ""
        lines += [prefix + md_escape(text), ""]
    return "\n".join(lines)


def sentence_pages(pages: int, chars: int) -> list[str]:
    """``pages`` pages of one sentence repeated, headings every 1,500 characters, holding
    ``chars`` characters in all (the first baseline: as much text, little of it distinct)."""
    per_page = max(200, chars // max(pages, 1))
    sentence = "The operation's contingent served in the mission, as the article reports. "
    texts = []
    for i in range(pages):
        body = []
        size = 0
        section = 0
        while size < per_page:
            if size % 1500 < len(sentence) * 5:
                section += 1
                body.append(f"## Section {section}\n")
            paragraph = sentence * 5
            body.append(paragraph + "\n")
            size += len(paragraph)
        texts.append(f"---\norphan: true\n---\n\n# Page {i}\n\n" + "\n".join(body))
    return texts


def text_pages(out: Path) -> list[str]:
    """A plain page for each page of the built site, holding the same text: its headings and
    the text of its paragraphs, list items and table cells, with no directive, link, table
    or chart (the baseline the issue names: a plain page of the same text)."""
    texts = []
    for html in sorted(out.rglob("*.html")):
        if "_static" in html.parts:
            continue
        blocks = page_text(html)
        title = blocks[0][1] if blocks and blocks[0][0] == 1 else html.stem
        texts.append(plain_page(title, blocks[1:] if blocks and blocks[0][0] == 1 else blocks))
    return texts


def bare(work: Path, theme: str, texts: list[str], name: str) -> Path:
    """A project of the pages ``texts``, each linked from the home page."""
    src = work / f"bare-{name}-{theme.replace(' ', '-')}"
    src.mkdir()
    (src / "conf.py").write_text(BARE_CONF[theme], "utf-8")
    names = [f"p{i:05d}" for i in range(1, len(texts))]
    # As the site's record pages are, the pages are in no table of contents (each page's
    # navigation would list them all) but linked from one list.
    links = "\n".join(f"- [Page {i}]({n}.md)" for i, n in enumerate(names))
    (src / "index.md").write_text(f"# Index\n\n{links}\n", "utf-8")
    for page_name, text in zip(names, texts[1:], strict=True):
        (src / f"{page_name}.md").write_text(text, "utf-8")
    return src


# -- the benchmark -------------------------------------------------------------------------------


def measure(copies: int, runs: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        records = site(work, copies)
        docs, out, doctrees = work / "docs", work / "out", work / "doctrees"

        def full_build() -> Run:
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(doctrees, ignore_errors=True)
            return sphinx(docs, out, doctrees)

        full_runs = [full_build()]
        pages = sum(1 for p in out.rglob("*.html") if "_static" not in p.parts)
        chars = sum(len(p.read_text("utf-8")) for p in (docs / "_generated").rglob("*.md"))
        baselines = {"same text": text_pages(out), "one sentence": sentence_pages(pages, chars)}
        projects = {}
        for baseline, texts in baselines.items():
            for theme in BARE_CONF:
                src = bare(work, theme, texts, baseline.replace(" ", "-"))
                built = (work / f"{src.name}-out", work / f"{src.name}-doctrees")
                projects[f"{theme}, {baseline}"] = (src, built)
        # In rounds: the site's full build and its edit loop, then each bare project's full
        # build (and, on the same-text baseline, its edit loop). A machine slower for a while
        # slows the builds of one round alike: each ratio is taken within its round, and the
        # figures are the medians over the rounds.
        bare_runs: dict[str, list[Run]] = {name: [] for name in projects}
        loops: dict[str, list[Run]] = {name: [] for name in EDITS}
        bare_loops: dict[str, dict[str, list[Run]]] = {}
        ratios: dict[str, list[float]] = {}

        def ratio(name: str, part: Run, whole: Run) -> None:
            ratios.setdefault(name, []).append(part.cpu / whole.cpu)

        for round_ in range(runs):
            if round_:
                full_runs.append(full_build())
            full = full_runs[-1]
            for name, change in EDITS.items():
                change(work / "data")
                loops[name].append(sphinx(docs, out, doctrees))
                ratio(f"site: {name}", loops[name][-1], full)
            for name, (src, built) in projects.items():
                bare_runs[name].append(sphinx(src, *built, "-E"))
                ratio(f"full / {name}", full, bare_runs[name][-1])
                if not name.endswith("same text"):
                    continue
                # What Sphinx itself costs for the edit loop, on pages of the same text.
                page = min(src.glob("p*.md"))
                loop = bare_loops.setdefault(name, {"no-op": [], "one page edited": []})
                loop["no-op"].append(sphinx(src, *built))
                page.write_text(page.read_text("utf-8") + f"\nEdited {round_}.\n", "utf-8")
                loop["one page edited"].append(sphinx(src, *built))
                for kind, done in loop.items():
                    ratio(f"{name}: {kind}", done[-1], bare_runs[name][-1])
        bare_edits = {
            name: {kind: median_run(done) for kind, done in loop.items()}
            for name, loop in bare_loops.items()
        }
    return {"copies": copies, "records": records, "pages": pages, "chars": chars,
            "full": median_run(full_runs),
            "edits": {name: median_run(done) for name, done in loops.items()},
            "bare": {name: median_run(done) for name, done in bare_runs.items()},
            "bare edits": bare_edits,
            "ratios": {name: statistics.median(found) for name, found in ratios.items()},
            }  # fmt: skip


def report(result: dict[str, object]) -> None:
    full = result["full"]
    pages = result["pages"]
    ratios = result["ratios"]
    assert isinstance(full, Run) and isinstance(pages, int) and isinstance(ratios, dict)
    print(
        f"\nk={result['copies']}: {result['records']} records, {pages} pages, "
        f"{result['chars']:,} characters of generated MyST"
    )
    print("  (each ratio is the median of the ratios within each round of builds)")
    print(f"  {'build':48} {'CPU s':>8} {'wall s':>8} {'peak MB':>8} {'ms/page':>8} {'ratio':>8}")

    def line(name: str, run: Run, share: float | None = None) -> None:
        shown = f"{share:.3f}" if share is not None else ""
        print(
            f"  {name:48} {run.cpu:8.2f} {run.wall:8.2f} {run.rss_mb:8.0f} "
            f"{1000 * run.cpu / pages:8.1f} {shown:>8}"
        )

    line("full build", full)
    bares = result["bare"]
    assert isinstance(bares, dict)
    for theme, run in bares.items():
        line(f"bare Sphinx, {theme}", run)
    for theme in bares:
        print(f"  full build / bare {theme}: {ratios[f'full / {theme}']:.2f}x CPU")
    edits = result["edits"]
    assert isinstance(edits, dict)
    for name, run in edits.items():
        share = ratios[f"site: {name}"]
        line(name, run, share)
        print(f"    = {100 * share:.1f} % of the full build's CPU")
    bare_edits = result["bare edits"]
    assert isinstance(bare_edits, dict)
    for theme, runs in bare_edits.items():
        for name, run in runs.items():
            share = ratios[f"{theme}: {name}"]
            line(f"bare {theme}: {name}", run, share)
            print(f"    = {100 * share:.1f} % of that bare full build's CPU")
    print(f"  peak memory per page: {full.rss_mb / pages:.3f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--runs", type=int, default=1, help="builds of each kind per size (median)")
    args = parser.parse_args()
    compileall.compile_dir(Path(peacekb.__file__).parent, quiet=1)
    results = []
    for copies in args.copies:
        result = measure(copies, args.runs)
        report(result)
        results.append(result)
    if len(results) > 1:
        per = []
        for result in (results[0], results[-1]):
            full, pages = result["full"], result["pages"]
            assert isinstance(full, Run) and isinstance(pages, int)
            per.append(full.cpu / pages)
        first, last = results[0]["copies"], results[-1]["copies"]
        print(f"\nCPU per page, k={last} against k={first}: {per[1] / per[0]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
