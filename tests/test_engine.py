"""One engine, any subject: the extension sets itself up, and a site replaces any packaged
template from its own ``templates_path``."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from importlib import resources
from io import StringIO
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup

from conftest import ROOTS


def _build(make_app: Callable[..., Any], src: Path, **overrides: Any) -> Path:
    warning = StringIO()
    app = make_app("html", srcdir=src, status=StringIO(), warning=warning, confoverrides=overrides)
    app.build()
    app.cleanup()
    assert warning.getvalue() == ""
    return Path(app.outdir)


def test_a_conf_with_only_the_extension_builds(
    make_app: Callable[..., Any], tmp_path: Path
) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-basic", src)
    with (src / "data" / "sources" / "article-one.yaml").open("a", encoding="utf-8") as f:
        f.write("""- 'The "Test" Mission -- it''s new -- was authorised'\n""")
    (src / "conf.py").write_text(
        'extensions = ["peacekb.sphinxext"]\npeacekb_data_dir = "data"\n'
        'exclude_patterns = ["data"]\nsmartquotes = True\n',
        encoding="utf-8",
    )
    out = _build(make_app, src)
    page = BeautifulSoup((out / "sources" / "article-one.html").read_bytes(), "html5lib")
    text = page.get_text()
    # MyST's fences and attributes were understood (no directive text left on the page) and
    # the quotes kept their straight characters although the site asked for smart ones.
    assert ":::" not in text and "{kb:" not in text
    assert 'The "Test" Mission -- it\'s new -- was authorised' in text


def test_a_site_template_replaces_the_packaged_one(
    make_app: Callable[..., Any], tmp_path: Path
) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-basic", src)
    packaged = resources.files("peacekb") / "templates" / "person.md.jinja"
    (src / "_templates").mkdir()
    (src / "_templates" / "person.md.jinja").write_text(
        packaged.read_text("utf-8") + "\nThis site's own person template.\n", encoding="utf-8"
    )
    out = _build(make_app, src, templates_path=["_templates"])
    person = (out / "people" / "jane-roe.html").read_text("utf-8")
    assert "This site&#39;s own person template." in person or "own person template" in person
    place = (out / "places" / "freedonia.html").read_text("utf-8")
    assert "own person template" not in place
