"""Docutils' settings are worked out once per build, not twice per page.

Each page read gets its settings from a docutils ``OptionParser``, which builds an option object
for each of docutils' hundred-odd settings before it gives their default values. Sphinx builds
one for every page it reads (``sphinx.util.docutils._get_settings``), and myst-parser one more
for every page it parses (``make_document``, whose document Sphinx's own then replaces). The
two were about 4 % of a full build's CPU time, for the same values every time.

The values depend only on the components (reader and parser classes), the defaults given and
the configuration files. So the parser built for the last such triple is kept, and each caller
still gets a fresh :class:`docutils.frontend.Values` from it, as before, with a list of the
files it depends on of its own: a page's changes to its settings reach no other page. A
component whose settings come from the instance rather than its class, or a list of
dependencies written to a file, is served as before.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from docutils import SettingsSpec
from docutils.frontend import OptionParser, Values
from docutils.utils import DependencyList

# What a component may set that changes its settings (docutils.SettingsSpec's attributes).
_SPEC_ATTRIBUTES = frozenset(name for name in vars(SettingsSpec) if not name.startswith("__"))

_lock = threading.Lock()


def _component_key(component: Any) -> type | None:
    """A component's class, if its settings are its class's; else None."""
    if isinstance(component, type):
        return component
    if _SPEC_ATTRIBUTES.isdisjoint(vars(component)):
        return type(component)
    return None


class _Kept:
    """The option parser built for the last key asked for (one build reads with one key)."""

    def __init__(self) -> None:
        self.key: Hashable | None = None
        # The objects the key names by identity, kept alive so that their ids stay theirs.
        self.held: Any = None
        self.parser: OptionParser | None = None

    def values(self, key: Hashable, held: Any, make: Callable[[], OptionParser]) -> Values | None:
        """Fresh values from the parser kept for ``key``; None if they cannot be kept."""
        with _lock:
            if self.parser is None or self.key != key:
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", category=DeprecationWarning)
                    self.parser, self.key, self.held = make(), key, held
            parser = self.parser
        # The one default a page changes in place: the files it depends on (an included file,
        # say), which Sphinx takes for the page's dependencies. A parser that read the
        # configuration files holds one list for all: each page gets a list of its own, as a
        # parser of its own gave it. A list written to a file is not kept.
        dependencies = parser.defaults.get("record_dependencies")
        if dependencies is not None and (
            not isinstance(dependencies, DependencyList) or dependencies.file is not None
        ):
            return None
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            values = parser.get_default_values()
        values.record_dependencies = DependencyList()
        return values


def kept_get_settings(original: Callable[..., Values]) -> Callable[..., Values]:
    """Sphinx's ``_get_settings(*components, defaults=..., read_config_files=...)``, kept."""
    kept = _Kept()

    def get_settings(
        *components: Any, defaults: Mapping[str, Any], read_config_files: bool = False
    ) -> Values:
        keys = [_component_key(c) for c in components]
        if any(k is None for k in keys):
            return original(*components, defaults=defaults, read_config_files=read_config_files)
        # The defaults hold the build's environment: by identity, and held while kept.
        key = (tuple(keys), tuple((k, id(v)) for k, v in defaults.items()), read_config_files)
        values = kept.values(
            key,
            dict(defaults),
            lambda: OptionParser(
                components=components, defaults=defaults, read_config_files=read_config_files
            ),
        )
        if values is None:
            return original(*components, defaults=defaults, read_config_files=read_config_files)
        return values

    get_settings.__wrapped__ = original  # type: ignore[attr-defined]
    return get_settings


def kept_default_settings(original: Callable[..., Values]) -> Callable[..., Values]:
    """Docutils' ``get_default_settings(*components)``, kept."""
    kept = _Kept()

    def get_default_settings(*components: Any) -> Values:
        keys = [_component_key(c) for c in components]
        if any(k is None for k in keys):
            return original(*components)
        values = kept.values(tuple(keys), None, lambda: OptionParser(components))
        return original(*components) if values is None else values

    get_default_settings.__wrapped__ = original  # type: ignore[attr-defined]
    return get_default_settings


def setup_settings() -> None:
    """Puts the kept versions in place, once per process, where Sphinx reads a page and
    myst-parser makes its document."""
    from myst_parser.mdit_to_docutils import base
    from sphinx.util import docutils as sphinx_docutils

    for module, name, keep in (
        (sphinx_docutils, "_get_settings", kept_get_settings),
        (base, "get_default_settings", kept_default_settings),
    ):
        function = getattr(module, name)
        if not hasattr(function, "__wrapped__"):
            setattr(module, name, keep(function))
