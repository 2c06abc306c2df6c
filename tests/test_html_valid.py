"""The W3C Nu HTML checker (vnu.jar, from npm) finds no error on any built page."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from conftest import NODE_MODULES, SiteBuild, missing

pytestmark = pytest.mark.browser


def test_every_page_is_valid_html(site: SiteBuild) -> None:
    jar = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
    java = shutil.which("java")
    if not jar.is_file():
        missing("vnu.jar (npm ci in tests/browser)")
    if java is None:
        missing("Java")
    assert site.returncode == 0, site.stderr
    # Pages only: the theme also copies template fragments into _static/.
    pages = sorted(p for p in site.html.rglob("*.html") if "_static" not in p.parts)
    assert len(pages) > 90
    proc = subprocess.run(
        [str(java), "-jar", str(jar), "--errors-only", "--format", "json", *map(str, pages)],
        capture_output=True,
        text=True,
        check=False,
    )
    messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}')["messages"]
    errors = [
        f"{m.get('url', '').rsplit('/html/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
    ]
    assert errors == [], "\n".join(errors[:20])
