"""What a build made from the data, kept for the next one.

Loading, checking, rendering every page and writing every download cost time in proportion to
the whole knowledge base. When nothing they depend on has changed (the data folder's files,
the engine's code and templates, a site's own templates, the settings that reach the pages),
the next build takes the checked knowledge base from here and leaves the generated pages and
downloads as they are: a build with no change does no work in proportion to the base.

The key is a SHA-256 of all those inputs' bytes; the cache sits beside Sphinx's own pickled
environment, in the doctree folder, and any error reading it means "no cache".
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..knowledge import Knowledge

CACHE_NAME = "peacekb-generated.pickle"
ENGINE = Path(__file__).resolve().parent.parent
# Bumped when what is kept changes shape.
FORMAT = 1


@dataclass
class Generated:
    key: str
    kb: Knowledge
    pages: list[str]  # paths of the generated pages, relative to the output folder


def _files(folder: Path, suffixes: tuple[str, ...] = ()) -> Iterable[Path]:
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            if not suffixes or name.endswith(suffixes):
                yield Path(root) / name


def key_of(data_dir: Path, template_dirs: Iterable[Path], settings: Iterable[object]) -> str:
    """The digest of everything the generated pages and downloads are made from."""
    digest = hashlib.sha256(f"peacekb-cache {FORMAT}\n".encode())
    for setting in settings:
        digest.update(repr(setting).encode() + b"\0")
    roots = [
        (data_dir, ()),
        (ENGINE, (".py", ".jinja", ".json")),
        *((Path(t), (".jinja",)) for t in template_dirs),
    ]
    for root, suffixes in roots:
        digest.update(str(root).encode() + b"\0")
        for path in _files(root, suffixes):
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"\0unreadable\0")
    return digest.hexdigest()


def load_cached(path: Path, key: str) -> Generated | None:
    try:
        with path.open("rb") as handle:
            found = pickle.load(handle)
    except Exception:  # a missing, truncated or foreign file: build afresh
        return None
    return found if isinstance(found, Generated) and found.key == key else None


def store(path: Path, generated: Generated) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as handle:
        pickle.dump(generated, handle, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
