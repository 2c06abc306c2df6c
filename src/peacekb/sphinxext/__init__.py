"""The Sphinx extension: load and check the data at build start, write the pages, add the domain.

Add ``"peacekb.sphinxext"`` to ``extensions`` in ``conf.py``. Config values:

``peacekb_data_dir``
    the data folder, relative to the folder of ``conf.py`` (default ``"../data"``).
``peacekb_output_dir``
    where the generated pages go, relative to the same folder (default ``"_generated"``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import SphinxError
from sphinx.util import logging

from .. import __version__
from ..knowledge import load
from ..pages import render_site, write_pages
from .assets import setup_assets
from .domain import KBDomain, setup_domain

logger = logging.getLogger(__name__)

# The link text of every record as this build renders it, per application; kept off the
# environment, which is pickled.
_NAMES: WeakKeyDictionary[Sphinx, dict[tuple[str, str], str]] = WeakKeyDictionary()


class DataError(SphinxError):
    category = "Invalid data"


def _generate(app: Sphinx) -> None:
    confdir = Path(app.confdir)
    data_dir = (confdir / app.config.peacekb_data_dir).resolve()
    out_dir = (confdir / app.config.peacekb_output_dir).resolve()
    kb, problems = load(data_dir)
    for problem in problems:
        logger.warning(
            problem.message,
            location=f"{problem.path}:{problem.line}:{problem.column}",
            type="peacekb",
            subtype="data",
        )
    if problems:
        noun = "error" if len(problems) == 1 else "errors"
        raise DataError(f"{len(problems)} {noun} in {data_dir}; see the messages above")
    report = write_pages(render_site(kb), out_dir)
    logger.info(
        "[peacekb] %d pages written, %d unchanged, %d removed",
        len(report.written),
        len(report.unchanged),
        len(report.removed),
    )
    names = {(r.kind, r.id): r.display_name for kind in kb.records for r in kb.all(kind)}
    if kb.glossary is not None:
        names.update({("term", t.id): t.term for t in kb.glossary.terms})
    _NAMES[app] = names


def _outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Re-read pages that link to a renamed or removed record: their link text is stale.

    A page shows a linked record's name, which Sphinx does not track as a dependency.
    """
    domain = env.get_domain("kb")
    assert isinstance(domain, KBDomain)
    names = _NAMES.get(app)
    if names is None:
        return []
    stale = domain.pages_linking_to(domain.renamed(names))
    return sorted(stale - added - changed - removed)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("peacekb_data_dir", "../data", "env", types=(str,))
    app.add_config_value("peacekb_output_dir", "_generated", "env", types=(str,))
    setup_domain(app)
    app.connect("builder-inited", _generate)
    app.connect("env-get-outdated", _outdated)
    setup_assets(app)
    return {
        "version": __version__,
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
