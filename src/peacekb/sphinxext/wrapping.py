"""Wrapping a function of Sphinx or of a theme, only where it is the one the wrapper was
written for: found under its name, with the parameters it is known by. A version that renames
it or changes its parameters is left as it is (the build does what it did before the wrapper).
A wrapper keeps the function it wraps as ``__wrapped__``, and a function is wrapped once."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any


def known_function(owner: Any, name: str, parameters: list[str]) -> Callable[..., Any] | None:
    """``owner``'s function ``name`` (a module's, or a class's), when it takes exactly
    ``parameters``; None otherwise."""
    function = getattr(owner, name, None)
    if not callable(function):
        return None
    try:
        found = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):  # no signature to read
        return None
    return function if found == parameters else None


def wrap_once(
    owner: Any,
    name: str,
    parameters: list[str],
    wrapper_of: Callable[[Callable[..., Any]], Callable[..., Any]],
) -> None:
    """Replace ``owner``'s function ``name`` by ``wrapper_of(function)``, when it is the known
    function (see :func:`known_function`) and not wrapped already."""
    function = known_function(owner, name, parameters)
    if function is not None and not hasattr(function, "__wrapped__"):
        setattr(owner, name, wrapper_of(function))
