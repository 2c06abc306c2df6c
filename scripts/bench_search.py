"""Compare the site's search (Sphinx's own) with Pagefind, on the real site and a synthetic one.

    python scripts/bench_search.py [--records 2000] [--runs 1] [--queries Tokaev OTSC ...]

Builds two sites in a temporary folder, so the working tree is untouched:

* the real one, from docs/ and data/;
* a synthetic one of about ``--records`` records: the real records and copies of them, the
  k-th copy of each record with ``-k<k>`` after its id and every id it refers to, and `` <k>``
  after its display name (the spellings its citations quote stay as they are, so every quote
  is still found and the data validates).

For each site and each engine it prints:

* index bytes: for Sphinx ``searchindex.js`` (raw and gzipped, as GitHub Pages serves it); for
  Pagefind the whole ``pagefind/`` folder (raw, and gzipped file by file; Pagefind's index
  files are compressed already) and what the first query downloads from it;
* first-result time, the median over the queries: in a fresh Chromium with its cache disabled,
  the time from the query typed into the search page to its first result on screen. For Sphinx
  that is pressing Enter in the search page's field (the page reloads with ``?q=`` and loads
  ``searchindex.js``); for Pagefind, typing into a bare page that calls Pagefind's JavaScript
  API (``pagefind.search`` and the first result's ``data()``), since the site has no Pagefind
  interface. Pagefind indexes the same built HTML, from each page's ``<article>``.

Both sites are served over HTTP on localhost (Pagefind cannot load its index from file://),
so times leave out network latency: the bytes say what a slow connection would add.

Needs the ``dev`` extra (``pagefind[extended]``) and Chromium (``PEACEKB_CHROMIUM`` or
/usr/bin/chromium). Not a test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import http.server
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthetic import write_copies

from peacekb.knowledge import load

REPO = Path(__file__).resolve().parent.parent
SPHINX = [sys.executable, "-m", "sphinx", "-q", "-j", "auto", "-b", "html"]
# Pagefind reads each page's article, as Sphinx's search does its text.
PAGEFIND = [sys.executable, "-m", "pagefind", "--quiet", "--root-selector", "article"]
CHROMIUM = Path(os.environ.get("PEACEKB_CHROMIUM", "/usr/bin/chromium"))
QUERIES = ["Tokaev", "Aktureyev", "OTSC", "Centrafrique", "MINUSMA", "Almaty", "peacekeepers"]


def write_data(target: Path, records: int) -> int:
    """Copy data/ to ``target`` with enough copies of its records to hold about ``records``;
    return how many records it holds."""
    kb, _ = load(REPO / "data")
    originals = sum(len(kb.all(kind)) for kind in kb.records)
    return write_copies(target, max(1, math.ceil(records / originals)))


def build(work: Path, records: int | None) -> tuple[Path, int, float]:
    """Build a site in ``work``; return its HTML folder, its record count and the build time."""
    shutil.copytree(
        REPO / "docs", work / "docs", ignore=shutil.ignore_patterns("_build", "_generated")
    )
    if records is None:
        shutil.copytree(REPO / "data", work / "data")
        kb, _ = load(work / "data")
        count = sum(len(kb.all(kind)) for kind in kb.records)
    else:
        count = write_data(work / "data", records)
    html = work / "docs" / "_build" / "html"
    start = time.perf_counter()
    subprocess.run(
        [*SPHINX, "-d", str(work / "doctrees"), str(work / "docs"), str(html)],
        check=True,
        cwd=work,
    )
    return html, count, time.perf_counter() - start


def pagefind(html: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [*PAGEFIND, "--site", str(html)],
        check=True,
    )
    (html / "pagefind-bench.html").write_text(HARNESS, encoding="utf-8")
    return time.perf_counter() - start


# A bare page over Pagefind's JavaScript API: each input searches, and the first result's title
# is shown once its data has loaded (what a result list shows first).
HARNESS = """<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Pagefind</title>
<input id="q" type="search" aria-label="Search"><ul id="results"></ul>
<script type="module">
const pagefind = await import("./pagefind/pagefind.js");
const list = document.getElementById("results");
document.getElementById("q").addEventListener("input", async (event) => {
  const start = performance.now();
  const search = await pagefind.search(event.target.value);
  const item = document.createElement("li");
  if (search.results.length) {
    const first = await search.results[0].data();
    item.textContent = first.meta.title;
    item.dataset.url = first.url;
  } else {
    item.textContent = "no result";
  }
  list.replaceChildren(item);
  window.firstResultMs = performance.now() - start;
});
document.body.dataset.ready = "yes";
</script>
</html>
"""


# -- measuring ---------------------------------------------------------------------------------


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


@dataclass
class Sizes:
    raw: int
    gzip: int


def sphinx_index(html: Path) -> Sizes:
    path = html / "searchindex.js"
    return Sizes(path.stat().st_size, gzipped(path))


def pagefind_index(html: Path) -> Sizes:
    files = [p for p in (html / "pagefind").rglob("*") if p.is_file()]
    return Sizes(sum(p.stat().st_size for p in files), sum(gzipped(p) for p in files))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a page closed while a file was on its way: nothing to report


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(directory))
    httpd = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@dataclass
class Timing:
    ms: float  # measured from outside the page, by Playwright
    in_page: float  # measured by the page's own clock
    downloaded: int  # bytes of the engine's files fetched for the query
    first: str  # the first result


# On the Sphinx search page: when the first result appears, on the clock that starts as the page
# (reloaded with ?q= by the field) starts loading.
FIRST_RESULT = """
new MutationObserver((changes, observer) => {
  if (document.querySelector("#search-results ul.search > li")) {
    window.firstResultMs = performance.now();
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });
"""


def _fresh(browser: Any, script: str = "") -> tuple[Any, Any]:
    """A new browser context with its cache disabled, and its page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if script:
        context.add_init_script(script)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    return context, page


def _count(page: Any, marker: str) -> list[int]:
    sizes: list[int] = []

    def note(response: Any) -> None:
        if marker in response.url:
            with contextlib.suppress(Exception):
                sizes.append(len(response.body()))

    page.on("response", note)
    return sizes


def time_sphinx(browser: Any, url: str, query: str) -> Timing:
    context, page = _fresh(browser, FIRST_RESULT)
    try:
        page.goto(url + "search.html", wait_until="networkidle")
        field = page.locator(".bd-search-container input[name=q]")
        field.fill(query)
        sizes = _count(page, "searchindex.js")
        start = time.perf_counter()
        field.press("Enter")
        first = page.locator("#search-results ul.search > li a").first
        first.wait_for()
        elapsed = time.perf_counter() - start
        in_page = float(page.evaluate("window.firstResultMs"))
        return Timing(elapsed * 1000, in_page, sum(sizes), str(first.get_attribute("href")))
    finally:
        context.close()


def time_pagefind(browser: Any, url: str, query: str) -> Timing:
    context, page = _fresh(browser)
    try:
        page.goto(url + "pagefind-bench.html", wait_until="networkidle")
        page.wait_for_selector("body[data-ready=yes]")
        sizes = _count(page, "/pagefind/")
        start = time.perf_counter()
        page.fill("#q", query)
        first = page.locator("#results li").first
        first.wait_for()
        elapsed = time.perf_counter() - start
        page.wait_for_function("window.firstResultMs !== undefined")
        in_page = float(page.evaluate("window.firstResultMs"))
        page.wait_for_load_state("networkidle")
        return Timing(elapsed * 1000, in_page, sum(sizes), str(first.get_attribute("data-url")))
    finally:
        context.close()


def measure(browser: Any, html: Path, queries: list[str], runs: int) -> dict[str, list[Timing]]:
    found: dict[str, list[Timing]] = {"sphinx": [], "pagefind": []}
    with serve(html) as url:
        for _ in range(runs):
            for query in queries:
                found["sphinx"].append(time_sphinx(browser, url, query))
                found["pagefind"].append(time_pagefind(browser, url, query))
    return found


def report(name: str, html: Path, count: int, seconds: float, timings: dict[str, Any]) -> None:
    print(f"\n{name}: {count} records, {len(list(html.rglob('*.html')))} pages")
    print(f"  Sphinx build {seconds:.1f} s (-j auto)")
    for engine, sizes in (("sphinx", sphinx_index(html)), ("pagefind", pagefind_index(html))):
        runs: list[Timing] = timings[engine]
        downloaded = statistics.median(t.downloaded for t in runs)
        label = "searchindex.js" if engine == "sphinx" else "pagefind/ folder"
        print(
            f"  {engine:8} {label:17} {sizes.raw / 1000:8.1f} kB raw {sizes.gzip / 1000:7.1f} kB"
            f" gzip | first query downloads {downloaded / 1000:6.1f} kB | first result:"
            f" median {statistics.median(t.ms for t in runs):4.0f} ms"
            f" (min {min(t.ms for t in runs):.0f}, max {max(t.ms for t in runs):.0f}),"
            f" in page {statistics.median(t.in_page for t in runs):4.0f} ms"
        )
    firsts = {q: t.first for q, t in zip(timings["queries"], timings["sphinx"], strict=False)}
    print("  first results (Sphinx): " + ", ".join(f"{q} → {h}" for q, h in firsts.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=2000, help="size of the synthetic site")
    parser.add_argument("--runs", type=int, default=1, help="times each query is measured")
    parser.add_argument("--queries", nargs="+", default=QUERIES)
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM}; set PEACEKB_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        for name, records in (("real site", None), ("synthetic site", args.records)):
            work = Path(tmp) / name.replace(" ", "-")
            html, count, seconds = build(work, records)
            indexing = pagefind(html)
            timings: dict[str, Any] = measure(browser, html, args.queries, args.runs)
            timings["queries"] = args.queries
            report(name, html, count, seconds, timings)
            print(f"  Pagefind indexing {indexing:.1f} s")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
