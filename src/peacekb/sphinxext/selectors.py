"""The CSS selectors the theme parses, kept from one build to the next.

pydata-sphinx-theme (under sphinx-book-theme) reshapes each page's navigation and table of
contents with Beautiful Soup's ``select``, which hands the selector, as text, to Soup Sieve.
Soup Sieve parses it with regular expressions that it compiles on first use, and compiling them
costs more than a fifth of a second of CPU: once per build, in every build that writes a page
(a build with nothing changed still writes the 404 page), and as much as the whole rest of
writing the pages of a one-record edit.

A parsed selector (a ``SoupSieve``) is a plain structure that pickles and unpickles in well
under a millisecond, and Soup Sieve takes one in place of the text. So the parsed selectors of
a build are kept in the doctree folder, and while the next build writes its pages, the
function Soup Sieve parses through answers a selector it kept with the same text and arguments
with the one it kept, and any other by parsing it as before (then keeps that one too).

What is kept is tied to Soup Sieve's version: another version's file is ignored. Only
selectors parsed with no namespaces and no custom selectors are kept (those the theme uses);
anything else goes to Soup Sieve unchanged. Soup Sieve is left as it was when the build ends.
"""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sphinx.application import Sphinx
from sphinx.builders import Builder

from .cache import read_kept, store

SELECTORS = "peacekb-selectors.pickle"

# Per application, while it writes: what it kept and what it parsed.
_KEPT: WeakKeyDictionary[Sphinx, _Selectors] = WeakKeyDictionary()


def _key(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...] | None:
    """The arguments of a parse as a key, or None when they are not plain values (a selector
    with namespaces or custom selectors is not kept)."""

    def plain(value: Any) -> Any:
        if value is None or isinstance(value, str | int):
            return value
        if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            return value
        if isinstance(value, Mapping) and not value:
            return ("empty", type(value).__qualname__)
        raise TypeError

    try:
        return (
            tuple(plain(a) for a in args),
            tuple(sorted((k, plain(v)) for k, v in kwargs.items())),
        )
    except TypeError:
        return None


class _Selectors:
    """One build's selectors: those it was given and those it parsed."""

    def __init__(self, path: Path, version: str, kept: dict[Any, Any]) -> None:
        self.path = path
        self.version = version
        self.kept = kept
        self.parsed = 0  # selectors parsed by this build, not taken from what was kept

    def parse(self, original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        key = _key(args, kwargs)
        if key is not None and key in self.kept:
            return self.kept[key]
        made = original(*args, **kwargs)
        if key is not None:
            self.kept[key] = made
            self.parsed += 1
        return made

    def save(self) -> None:
        # A version whose selectors do not pickle keeps nothing new.
        if self.parsed:
            with contextlib.suppress(pickle.PicklingError, TypeError, AttributeError):
                store(self.path, {"soupsieve": self.version, "selectors": self.kept})


class _Parse:
    """What stands in for Soup Sieve's parsing function while builds write their pages: the
    selectors of the build that started last, and Soup Sieve's own function for the rest
    (with its cache, which ``soupsieve.purge()`` empties)."""

    def __init__(self, original: Callable[..., Any]) -> None:
        self.original = original
        self.builds: list[_Selectors] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self.builds:
            return self.original(*args, **kwargs)
        return self.builds[-1].parse(self.original, *args, **kwargs)

    def cache_clear(self) -> None:
        clear = getattr(self.original, "cache_clear", None)
        if callable(clear):
            clear()


def _parser() -> tuple[Any, str] | None:
    """Soup Sieve's parsing module and version; None when it is not there, not as expected,
    or of no known version."""
    try:
        import soupsieve
        from soupsieve import css_parser
    except ImportError:
        return None
    version = str(getattr(soupsieve, "__version__", ""))
    if not version or not callable(getattr(css_parser, "_cached_css_compile", None)):
        return None
    return css_parser, version


def _start(app: Sphinx, builder: Builder) -> None:
    found = _parser()
    if found is None or builder.format != "html" or app in _KEPT:
        return
    module, version = found
    path = Path(app.doctreedir) / SELECTORS
    kept = read_kept(path)
    selectors = (
        kept["selectors"]
        if isinstance(kept, dict)
        and kept.get("soupsieve") == version
        and isinstance(kept.get("selectors"), dict)
        else {}
    )
    state = _KEPT[app] = _Selectors(path, version, dict(selectors))
    if not isinstance(module._cached_css_compile, _Parse):
        module._cached_css_compile = _Parse(module._cached_css_compile)
    module._cached_css_compile.builds.append(state)


def _finish(app: Sphinx, exception: Exception | None) -> None:
    state = _KEPT.pop(app, None)
    if state is None:
        return
    found = _parser()
    module = found[0] if found is not None else None
    patch = getattr(module, "_cached_css_compile", None)
    if module is not None and isinstance(patch, _Parse):
        patch.builds = [b for b in patch.builds if b is not state]
        if not patch.builds:  # the last build writing its pages: Soup Sieve as it was
            module._cached_css_compile = patch.original
    if exception is None:
        state.save()


def setup_selectors(app: Sphinx) -> None:
    # From when the pages are written (the theme parses selectors only then) to the end of the
    # build, whether it succeeds or not.
    app.connect("write-started", _start)
    app.connect("build-finished", _finish)
