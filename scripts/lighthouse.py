"""Lighthouse scores of the built site, served with gzip as GitHub Pages serves it.

    make html && npm ci --prefix scripts && python scripts/lighthouse.py [PAGE ...]

Runs the npm package ``lighthouse`` (its default mobile settings) with Debian's Chromium
(``CHROME_PATH``, default ``/usr/bin/chromium``) against ``docs/_build/html`` served on
localhost, and prints the performance, accessibility, best-practices and SEO scores.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SITE = REPO / "docs" / "_build" / "html"
LIGHTHOUSE = REPO / "scripts" / "node_modules" / "lighthouse" / "cli" / "index.js"
PAGES = [
    "index.html",
    "people/ermek-tulesov.html",
    "operations/minusca.html",
    "timeline.html",
    "participation.html",
    "search.html?q=MINUSCA",
]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
COMPRESSIBLE = (".html", ".css", ".js", ".json", ".svg", ".txt", ".xml")


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files gzipped when the client accepts it, as GitHub Pages does."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and path.is_file() and path.suffix in COMPRESSIBLE):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        return io.BytesIO(body)


def _run(url: str, flags: str, env: dict[str, str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [
            "node",
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--chrome-flags={flags}",
            f"--only-categories={','.join(CATEGORIES)}",
        ]
        subprocess.run(command, check=True, env=env)
        data = json.loads(report.read_text(encoding="utf-8"))
    return {c: float(data["categories"][c]["score"]) for c in CATEGORIES}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", default=PAGES)
    parser.add_argument("--runs", type=int, default=3, help="runs per page; the median counts")
    args = parser.parse_args()
    if not LIGHTHOUSE.is_file():
        print("error: lighthouse not installed; run: npm ci --prefix scripts", file=sys.stderr)
        return 1
    if not (SITE / "index.html").is_file():
        print("error: no built site; run: make html", file=sys.stderr)
        return 1
    handler = functools.partial(GzipHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    flags = (
        "--headless=new --no-sandbox --disable-gpu --no-first-run "
        "--disable-background-networking --disable-component-update --disable-sync"
    )
    print(f"{'page':45} " + " ".join(f"{c[:13]:>14}" for c in CATEGORIES))
    worst = 1.0
    try:
        for page in args.pages:
            runs = [_run(base + page, flags, env) for _ in range(args.runs)]
            scores = [statistics.median(run[c] for run in runs) for c in CATEGORIES]
            worst = min([worst, *scores])
            print(f"{page:45} " + " ".join(f"{s:>14.2f}" for s in scores))
    finally:
        server.shutdown()
    print(f"lowest median score: {worst:.2f} ({args.runs} runs a page)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
