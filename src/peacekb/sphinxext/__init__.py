"""The Sphinx extension: load and check the data at build start, write the pages, add the domain.

Add ``"peacekb.sphinxext"`` to ``extensions`` in ``conf.py``. Config values:

``peacekb_data_dir``
    the data folder, relative to the folder of ``conf.py`` (default ``"../data"``).
``peacekb_output_dir``
    where the generated pages are written, relative to the same folder (default
    ``"_generated"``). Their addresses do not show it: ``_generated/people/jane-roe.md`` is the
    document ``people/jane-roe``, published as ``people/jane-roe.html`` (see
    :mod:`peacekb.urls`).
``peacekb_license``
    the licence every download states.
``peacekb_repository_url`` / ``peacekb_repository_branch`` / ``peacekb_repository_data_path``
    where the records live, for the "edit this page" links of record pages.
``peacekb_focus_country``
    the id of the place whose participation gets a page of its own and two columns in the
    operations index (default ``""``: none).
``peacekb_open_graph``
    whether pages carry Open Graph tags (title, address, site name, description; default on).

The site's address is Sphinx's own ``html_baseurl``.
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

import jinja2
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.project import Project
from sphinx.util import logging

from .. import __version__
from ..models import RECORD_KINDS
from ..provenance import Provenance
from ..urls import GLOSSARY, kind_of_segment, style_of
from .abbreviations import expansions, remember, setup_abbreviations
from .assets import setup_assets
from .cache import (
    CACHE_NAME,
    MEMO_NAME,
    STAMPS_NAME,
    Generated,
    Memo,
    Stamps,
    engine_key,
    keep_compiled_templates,
    key_of,
    load_cached,
    pages_key,
    store,
)
from .chrome import setup_chrome
from .domain import KBDomain, setup_domain
from .idle import setup_idle
from .incremental import removed_docs, setup_incremental
from .memory import collector_paused, freeze_alive, setup_memory
from .search import setup_search
from .sections import setup_sections
from .selectors import setup_selectors
from .settings import setup_settings
from .tocs import setup_tocs
from .wayfinding import page_files, remember_files, setup_wayfinding

if TYPE_CHECKING:
    from ..knowledge import Knowledge

logger = logging.getLogger(__name__)

# The link text of every record as this build renders it, per application; kept off the
# environment, which is pickled.
_NAMES: WeakKeyDictionary[Sphinx, dict[tuple[str, str], str]] = WeakKeyDictionary()


class DataError(SystemExit):
    """Invalid records stop the build: the located messages are already logged, and this ends
    the run with a one-line summary and exit status 1.

    A :class:`SystemExit` rather than a :class:`~sphinx.errors.SphinxError`: sphinx-build
    answers any ``Exception`` with its crash report (versions, traceback, "please open an
    issue"), which is noise when the fault is in a record and the messages say where.
    """


def _generate(app: Sphinx) -> None:
    """Load and check the records, then write the generated pages and the downloads, with the
    cyclic garbage collector paused (see :func:`collector_paused`)."""
    with collector_paused():
        _generate_paused(app)


def _generate_paused(app: Sphinx) -> None:
    confdir = Path(app.confdir)
    data_dir = (confdir / app.config.peacekb_data_dir).resolve()
    out_dir = (confdir / app.config.peacekb_output_dir).resolve()
    provenance = Provenance(
        title=app.config.project,
        license=app.config.peacekb_license,
        base_url=base_url(app),
        extra={"author": app.config.author},
        style=style_of(app.builder.name),
    )
    focus = app.config.peacekb_focus_country
    templates = [t for t in (confdir / t for t in app.config.templates_path) if t.is_dir()]
    cache_path = Path(app.doctreedir) / CACHE_NAME
    memo_path = Path(app.doctreedir) / MEMO_NAME
    stamps_path = Path(app.doctreedir) / STAMPS_NAME
    engine = engine_key()
    made_from = pages_key(templates, [provenance, focus, __version__], engine)
    stamps = Stamps.read(stamps_path)
    key = key_of(data_dir, made_from, stamps)
    made = load_cached(cache_path)
    if made is not None and made.key == key and all((out_dir / p).is_file() for p in made.pages):
        logger.info("[peacekb] data, engine and settings unchanged: %d pages kept", len(made.pages))
    else:
        memo = Memo.read(memo_path) if made is not None and made.engine == engine else Memo()
        compiled = Path(app.doctreedir) / COMPILED_TEMPLATES
        kb, pages = _load_and_write(
            data_dir, out_dir, provenance, focus, templates, memo, compiled, made_from, stamps
        )
        made = _what_the_build_needs(kb, key, engine, pages, data_dir, focus)
        memo.write(memo_path)
        store(cache_path, made)
    stamps.write(stamps_path)
    if made.focus_problem:
        logger.warning(made.focus_problem, type="peacekb", subtype="config")
    remember(app.env, made.acronyms)
    remember_files(app, made.files)
    _NAMES[app] = made.names


def _what_the_build_needs(
    kb: Knowledge, key: str, engine: str, pages: list[str], data_dir: Path, focus: str
) -> Generated:
    from ..participation import focus_problem

    docnames = [rel.removesuffix(".md") for rel in pages]
    names = {(r.kind, r.id): r.display_name for kind in kb.records for r in kb.all(kind)}
    if kb.glossary is not None:
        names.update({("term", t.id): t.term for t in kb.glossary.terms})
    files = page_files(kb, data_dir, docnames)
    return Generated(key, pages, engine, names, files, expansions(kb), focus_problem(kb, focus))


def _load_and_write(
    data_dir: Path,
    out_dir: Path,
    provenance: Provenance,
    focus: str,
    templates: list[Path],
    memo: Memo,
    compiled: Path | None = None,
    made_from: str | None = None,
    stamps: Stamps | None = None,
) -> tuple[Knowledge, list[str]]:
    """Load and check the data, then write the downloads and the pages; return the knowledge
    base and the generated pages' paths. Invalid data stops the build here."""
    # Here, not at the top: a build with nothing to make (see _generate) needs none of them.
    from ..export import FORMATS, UnsafeOutput, render, write
    from ..knowledge import load
    from ..loader import one_line
    from ..pages import render_site, write_pages

    kb, problems = load(data_dir, memo, None if stamps is None else stamps.known)
    # The records, and what was made of them, live until the pages are written.
    freeze_alive()
    for problem in problems:
        # One line each, escaped: a record's text must not write terminal control sequences
        # or a line of its own (a CI annotation) into the build's log.
        logger.error(
            one_line(problem.message),
            location=one_line(f"{problem.path}:{problem.line}:{problem.column}"),
            type="peacekb",
            subtype="data",
        )
    if problems:
        noun = "error" if len(problems) == 1 else "errors"
        raise DataError(
            f"peacekb: {len(problems)} {noun} in {display_path(data_dir)}: nothing was built"
        )
    downloads = render(kb, list(FORMATS), provenance, memo)
    extra = out_dir / EXTRA
    try:
        write(downloads, extra / "downloads", prune=True)
        write({"robots.txt": robots_txt(provenance.base_url)}, extra)
        keep = None if compiled is None else partial(keep_compiled_templates, folder=compiled)
        pages = render_site(kb, provenance, downloads, focus, templates, memo, keep, made_from)
        written = dict(memo[WRITTEN]) if WRITTEN in memo else {}
        report = write_pages(pages, out_dir, written)
        memo[WRITTEN] = written
    except UnsafeOutput as exc:
        for refusal in exc.problems:
            logger.error(refusal, type="peacekb", subtype="output")
        raise DataError(
            f"peacekb: cannot write the generated pages in {display_path(out_dir)}: "
            "nothing was built"
        ) from None
    logger.info(
        "[peacekb] %d pages written, %d unchanged, %d removed",
        len(report.written),
        len(report.unchanged),
        len(report.removed),
    )
    return kb, sorted(pages)


# In the memo: what the last build wrote of each page (see peacekb.pages.write_pages).
WRITTEN = "pages written"
# Under the doctree folder: the compiled code of the pages' templates and of the theme's.
COMPILED_TEMPLATES = "peacekb-templates"
COMPILED_THEME = "peacekb-theme-templates"


def _keep_compiled_theme(app: Sphinx) -> None:
    """The theme's templates are compiled at every build too: keep their code as well."""
    env = getattr(getattr(app.builder, "templates", None), "environment", None)
    if isinstance(env, jinja2.Environment):
        keep_compiled_templates(env, Path(app.doctreedir) / COMPILED_THEME)


def display_path(path: Path) -> str:
    """``path`` relative to the working folder where it lies inside it, as messages show it."""
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


EXTRA = "extra"  # under the output folder: copied to the site's root (html_extra_path)


def base_url(app: Sphinx) -> str:
    url = str(app.config.html_baseurl or "")
    return url if not url or url.endswith("/") else url + "/"


def robots_txt(site: str) -> bytes:
    lines = ["User-agent: *", "Allow: /"]
    if site:
        lines.append(f"Sitemap: {site}sitemap.xml")
    return ("\n".join(lines) + "\n").encode()


def _add_extra_path(app: Sphinx, config: Config) -> None:
    # Relative to the configuration folder: an absolute path would differ from one checkout to
    # the next and leak into the build's records (.buildinfo).
    extra = f"{config.peacekb_output_dir.strip('/')}/{EXTRA}"
    (Path(app.confdir) / extra).mkdir(parents=True, exist_ok=True)
    if extra not in config.html_extra_path:
        config.html_extra_path = [*config.html_extra_path, extra]
    # Not pages of their own: the downloads (copied as they are) and the parts that pages
    # include (the home page's overview).
    output = config.peacekb_output_dir.strip("/")
    skipped = [f"{output}/{EXTRA}", f"{output}/*.inc.md"]
    config.exclude_patterns = [
        *config.exclude_patterns,
        *(p for p in skipped if p not in config.exclude_patterns),
    ]


class _OutputProject(Project):
    """Sphinx's project, but a page under the output folder is named from that folder: the
    file ``_generated/people/jane-roe.md`` is the document ``people/jane-roe``. The generated
    pages stay in a folder of their own (easy to ignore, to clean, never mixed with the pages
    people write), and their addresses are the short ones of :mod:`peacekb.urls`."""

    def __init__(self, base: Project, prefix: str) -> None:
        super().__init__(base.srcdir, base.source_suffix)
        self.restore(base)
        self.prefix = prefix

    def path2doc(self, filename: str | os.PathLike[str]) -> str | None:
        docname = super().path2doc(filename)
        if docname is not None and docname.startswith(self.prefix):
            return docname.removeprefix(self.prefix)
        return docname


def _output_prefix(app: Sphinx) -> str | None:
    """The output folder relative to the source folder, with a final slash; None when the
    generated pages lie outside the source folder."""
    out_dir = (Path(app.confdir) / app.config.peacekb_output_dir).resolve()
    try:
        relative = out_dir.relative_to(Path(app.srcdir).resolve())
    except ValueError:
        return None
    return f"{relative.as_posix()}/" if relative.parts else None


def _name_generated_pages(app: Sphinx) -> None:
    prefix = _output_prefix(app)
    if prefix is None or isinstance(app.project, _OutputProject):
        return
    project = _OutputProject(app.project, prefix)
    app.project = project
    app.env.project = project


def _generated_source(app: Sphinx, pagename: str) -> list[str] | None:
    """The parts of a generated page's path under the output folder; None for other pages."""
    project = app.project
    if not isinstance(project, _OutputProject) or pagename not in app.env.found_docs:
        return None
    if not str(app.env.doc2path(pagename, False)).startswith(project.prefix):
        return None
    return pagename.split("/")


def _source_names(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Name a generated page's copied source and suffix from its document name: Sphinx takes
    both from the file's path, which for these pages carries the output folder."""
    if _generated_source(app, pagename) is None:
        return
    suffix = Path(app.env.doc2path(pagename, False)).suffix
    context["page_source_suffix"] = suffix
    if context.get("sourcename"):
        context["sourcename"] = pagename + suffix + app.config.html_sourcelink_suffix


def _edit_links(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Point "edit this page" at what a page is made from: a record page at the record's YAML
    file, another generated page at its template."""
    repository = app.config.peacekb_repository_url
    parts = _generated_source(app, pagename)
    if not repository or parts is None:
        return
    branch = app.config.peacekb_repository_branch
    data = Path(app.config.peacekb_repository_data_path)
    kind = kind_of_segment(parts[0]) if len(parts) == 2 else None
    if kind is not None and parts[1] != "index":
        target = (data / RECORD_KINDS[kind].plural / f"{parts[1]}.yaml").as_posix()
    elif parts == [GLOSSARY]:
        target = (data / "glossary.yaml").as_posix()
    else:
        name = f"{kind}-index" if kind is not None else parts[-1].removesuffix(".inc")
        target = f"src/peacekb/templates/{name}.md.jinja"
    url = f"{repository.rstrip('/')}/edit/{branch}/{target}"
    context["get_edit_provider_and_url"] = lambda: ("GitHub", url)


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


def _remove_stale_output(app: Sphinx, exception: Exception | None) -> None:
    """Delete the built pages of documents that are gone (records deleted since the last
    build): Sphinx forgets a removed document but leaves its output behind, and the published
    site would go on serving a record that no longer exists."""
    removed = removed_docs(app)
    outfile = getattr(app.builder, "get_outfilename", None)
    if exception is not None or not removed or outfile is None:
        return
    outdir = Path(app.outdir)
    for docname in sorted(removed):
        for path in (Path(outfile(docname)), outdir / "_sources" / f"{docname}.md.txt"):
            if path.is_file():
                path.unlink()
            parent = path.parent
            while parent != outdir and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent


# What the generated pages are written in: MyST with these syntax extensions.
MYST_EXTENSIONS = ("colon_fence", "attrs_block", "attrs_inline", "deflist")
# Links to a section of the same page (the summary box's rows) need heading anchors this deep.
HEADING_ANCHORS = 3


def _configure_myst(app: Sphinx, config: Config) -> None:
    """Turn on what the generated pages need, whatever the site's ``conf.py`` says, keeping
    what it adds: the MyST syntax extensions, heading anchors, and no "smart" quotes (a quote
    must show the source's exact characters)."""
    enabled = list(config.myst_enable_extensions or [])
    config.myst_enable_extensions = [*enabled, *(e for e in MYST_EXTENSIONS if e not in enabled)]
    config.myst_heading_anchors = max(config.myst_heading_anchors or 0, HEADING_ANCHORS)
    config.smartquotes = False


def setup(app: Sphinx) -> dict[str, Any]:
    # The pages are MyST, with sphinx-design's badges, cards and dropdowns.
    app.setup_extension("myst_parser")
    app.setup_extension("sphinx_design")
    app.connect("config-inited", _configure_myst)
    app.add_config_value("peacekb_data_dir", "../data", "env", types=(str,))
    app.add_config_value("peacekb_output_dir", "_generated", "env", types=(str,))
    app.add_config_value(
        "peacekb_license",
        "Records: CC BY 4.0. Quoted article text: the publishers' own words, quoted to let "
        "readers check each fact.",
        "env",
        types=(str,),
    )
    app.add_config_value("peacekb_focus_country", "", "env", types=(str,))
    app.add_config_value("peacekb_repository_url", "", "html", types=(str,))
    app.add_config_value("peacekb_repository_branch", "main", "html", types=(str,))
    app.add_config_value("peacekb_repository_data_path", "data", "html", types=(str,))
    setup_domain(app)
    app.connect("builder-inited", _name_generated_pages)
    app.connect("builder-inited", _generate)
    app.connect("builder-inited", _keep_compiled_theme)
    app.connect("env-get-outdated", _outdated)
    app.connect("config-inited", _add_extra_path)
    # Before the sitemap is completed with the pages this build did not rewrite (400).
    app.connect("build-finished", _remove_stale_output, priority=300)
    # After the theme sets up its edit link (500), before its buttons use it (501, set later).
    app.connect("html-page-context", _edit_links, priority=501)
    app.connect("html-page-context", _source_names, priority=100)
    setup_assets(app)
    setup_chrome(app)
    setup_abbreviations(app)
    setup_wayfinding(app)
    # The search page's script, and the names that make a record's page its first result.
    setup_search(app)
    setup_memory(app)
    setup_incremental(app)
    setup_selectors(app)
    setup_idle(app)
    setup_settings()
    setup_sections(app)
    setup_tocs(app)
    return {
        "version": __version__,
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
