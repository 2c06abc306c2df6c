"""Answers from ISO's lists, through pycountry: a language's English name (ISO 639) and a
country's numeric code (ISO 3166-1).

pycountry loads a list in full the first time it is asked, and importing it and loading the
languages costs more CPU than making several pages. So each answer is looked up once and kept
(:attr:`IsoNames.known`); a build hands what it looked up to the next one through its memo
(:meth:`IsoNames.from_memo`, :meth:`IsoNames.keep`), under a key that names pycountry's
version: the next build with the same pycountry asks pycountry nothing it asked before, and
does not even import it.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from functools import cache
from importlib import metadata
from typing import Any


@cache
def _version() -> str:
    try:
        return metadata.version("pycountry")
    except metadata.PackageNotFoundError:
        return "unknown"


class IsoNames:
    """Answers from ISO's lists, each looked up once (``known``: question -> answer, or None
    where the list has none)."""

    def __init__(self, known: dict[tuple[str, str], str | None] | None = None) -> None:
        self.known: dict[tuple[str, str], str | None] = dict(known or {})

    def language_name(self, code: str) -> str | None:
        """The English name of the language with the ISO 639 code ``code`` (two or three
        letters); None when the list has no such code."""
        question = ("language", code)
        if question not in self.known:
            import pycountry

            found = pycountry.languages.get(alpha_2=code) if len(code) == 2 else None
            found = found or pycountry.languages.get(alpha_3=code)
            name = getattr(found, "name", None)
            self.known[question] = str(name) if name else None
        return self.known[question]

    def country_numeric(self, alpha2: str) -> str | None:
        """The ISO 3166-1 numeric code of the country with the alpha-2 code ``alpha2``."""
        question = ("country", alpha2)
        if question not in self.known:
            import pycountry

            country = pycountry.countries.get(alpha_2=alpha2)
            self.known[question] = None if country is None else str(country.numeric)
        return self.known[question]

    @staticmethod
    def memo_key() -> str:
        return f"iso answers: pycountry {_version()}"

    @classmethod
    def from_memo(cls, memo: MutableMapping[str, Any] | None) -> IsoNames:
        """The answers an earlier build kept in ``memo`` with this pycountry; none without."""
        if memo is None:
            return ISO
        key = cls.memo_key()
        kept = memo.get(key)
        return cls(kept if isinstance(kept, dict) else None)

    def keep(self, memo: MutableMapping[str, Any] | None) -> None:
        """Keep the answers in ``memo`` for the next build."""
        if memo is not None and self is not ISO:
            memo[self.memo_key()] = dict(self.known)


# The answers of this process, where no memo is kept.
ISO = IsoNames()
