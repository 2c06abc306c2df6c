"""Time a full build of the site and an incremental build after one record changes.

    python scripts/bench_build.py [--runs 3]

Builds a copy of docs/ and data/ in a temporary folder, so the working tree is untouched.
Prints the median wall-clock seconds of each kind of build.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def sphinx(docs: Path, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-q",
            "-n",
            "-W",
            "--keep-going",
            "-b",
            "html",
            str(docs),
            str(out),
        ],
        check=True,
    )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    full, incremental = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            shutil.copytree(
                REPO / "docs", work / "docs", ignore=shutil.ignore_patterns("_build", "_generated")
            )
            shutil.copytree(REPO / "data", work / "data")
            out = work / "docs" / "_build" / "html"
            full.append(sphinx(work / "docs", out))
            record = work / "data" / "people" / "ermek-tulesov.yaml"
            record.write_text(
                record.read_text(encoding="utf-8") + "notes: Benchmark edit.\n", encoding="utf-8"
            )
            incremental.append(sphinx(work / "docs", out))
    print(
        f"full build:        median {statistics.median(full):.2f} s  (runs: "
        + ", ".join(f"{t:.2f}" for t in full)
        + ")"
    )
    print(
        f"incremental build: median {statistics.median(incremental):.2f} s  (runs: "
        + ", ".join(f"{t:.2f}" for t in incremental)
        + ")"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
