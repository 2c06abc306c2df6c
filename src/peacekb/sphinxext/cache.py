"""What a build made from the data, kept for the next one.

Loading, checking, rendering every page and writing every download cost time in proportion to
the whole knowledge base. When nothing they depend on has changed (the data folder's files,
the engine's code and templates, a site's own templates, the settings that reach the pages),
the next build leaves the generated pages and downloads as they are, and takes from
:class:`Generated` the little the rest of the build needs of the records (their link texts,
the files each page is made from, the acronyms): a build with no change neither loads the
records nor unpickles them.

The key is a SHA-256 of all those inputs' bytes; the files sit beside Sphinx's own pickled
environment, in the doctree folder, and any error reading them means "nothing kept". A data
file whose stat stamp (size, modification and change times, inode) is the one it had when the
last build read it is not read again: its bytes' digest is taken from then (:class:`Stamps`).

When something has changed, what costly steps made from inputs that have not is still used,
as long as the engine's code is the same (:class:`Memo`, in a file of its own): each data file
whose bytes are those of the last build loads to what it loaded to then (the checks across
records all run again), and the map takes the label placement it had when its marks are the
same. So an edit of one record parses one file.

The code Jinja compiles the templates to (the pages' and the theme's) is kept as well
(:func:`keep_compiled_templates`).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import jinja2

CACHE_NAME = "peacekb-generated.pickle"
MEMO_NAME = "peacekb-memo.pickle"
STAMPS_NAME = "peacekb-stamps.pickle"
ENGINE = Path(__file__).resolve().parent.parent
# Bumped when what is kept changes shape.
FORMAT = 3


class Memo(MutableMapping[str, Any]):
    """Results of costly steps, by a digest of their inputs: those of the last build, which
    this one may use, and this build's. Only what this build used or made (:attr:`kept`) is
    kept for the next one, so it does not grow with edits.

    In its file (:meth:`read`, :meth:`write`) each result is pickled on its own: one is
    unpickled when a build uses it, and one used as it was is written back as the same bytes,
    not pickled again (most of what a build after an edit uses is as it was)."""

    def __init__(
        self, earlier: dict[str, Any] | None = None, packed: dict[str, bytes] | None = None
    ) -> None:
        self._earlier = earlier or {}
        self._packed = packed or {}
        # The pickled bytes of each result used as it came from the file.
        self._bytes: dict[str, bytes] = {}
        self.kept: dict[str, Any] = {}

    @classmethod
    def read(cls, path: Path) -> Memo:
        """The memo a build kept in ``path``; an empty one when there is none to read."""
        found = read_kept(path)
        if not isinstance(found, dict) or not all(isinstance(v, bytes) for v in found.values()):
            return cls()
        return cls(packed=found)

    def write(self, path: Path) -> None:
        """Keep what this build used or made in ``path``, for the next one."""
        packed = {
            key: self._bytes.get(key) or pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            for key, value in self.kept.items()
        }
        store(path, packed)

    def _unpack(self, key: str) -> bool:
        data = self._packed.pop(key, None)
        if data is None:
            return False
        try:
            self.kept[key] = pickle.loads(data)
        except Exception:  # a truncated or foreign entry: as if there were none
            return False
        self._bytes[key] = data
        return True

    def __getitem__(self, key: str) -> Any:
        if key not in self.kept and not self._unpack(key):
            self.kept[key] = self._earlier[key]
        return self.kept[key]

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        return key in self.kept or key in self._earlier or self._unpack(key)

    def __setitem__(self, key: str, value: Any) -> None:
        self.kept[key] = value
        self._bytes.pop(key, None)

    def __delitem__(self, key: str) -> None:
        self.kept.pop(key, None)
        self._earlier.pop(key, None)
        self._packed.pop(key, None)
        self._bytes.pop(key, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self.kept)

    def __len__(self) -> int:
        return len(self.kept)


@dataclass
class Generated:
    """What the rest of a build needs of the records, as the last build made it."""

    key: str
    pages: list[str]  # paths of the generated pages, relative to the output folder
    engine: str  # the digest of the engine's code that made them (and the memo)
    names: dict[tuple[str, str], str]  # (kind, id) -> the link text of a record or term
    files: dict[str, list[str]]  # page -> the data files it is made from
    acronyms: dict[str, str]  # acronym -> what it stands for
    focus_problem: str | None  # why the focus country cannot be one, if it cannot


def _files(folder: Path, suffixes: tuple[str, ...] = ()) -> Iterable[Path]:
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            if not suffixes or name.endswith(suffixes):
                yield Path(root) / name


# A file's stat stamp: size, modification and change times (ns), inode and device.
Stamp = tuple[int, int, int, int, int]
# How long (ns) before a build began a file's last change must be for its stamp to be kept: a
# file system's clock moves by ticks (of milliseconds, or of seconds on some), and a file
# written again within the tick it was read in would keep its stamp.
RACY_NS = 3_000_000_000


class Stamps:
    """The SHA-256 of each file's bytes, with the file's stat stamp when they were read.

    A file whose stamp is the one kept by the last build is not read again: its digest is the
    one kept. Any write to a file sets its change time, which no tool can set back, so a file
    edited since has another stamp, whatever its size and modification time (the check git
    makes of its working tree). A stamp taken within :data:`RACY_NS` of the file's last change
    is not kept: the file is read again next time."""

    def __init__(
        self, earlier: dict[str, tuple[Stamp, str]] | None = None, racy_ns: int | None = None
    ) -> None:
        self._earlier = earlier or {}
        self._racy_ns = RACY_NS if racy_ns is None else racy_ns
        self._began = time.time_ns()
        # This build's: path -> (stamp, digest).
        self.found: dict[str, tuple[Stamp, str]] = {}

    @classmethod
    def read(cls, path: Path, racy_ns: int | None = None) -> Stamps:
        """The stamps a build kept in ``path``; none when there are none to read."""
        kept = read_kept(path)
        if not isinstance(kept, dict):
            kept = {}
        return cls(kept, racy_ns)

    def digest(self, path: Path) -> str | None:
        """The SHA-256 (hex) of ``path``'s bytes; None when it cannot be read."""
        name = str(path)
        if name in self.found:
            return self.found[name][1]
        try:
            found = os.stat(path)
        except OSError:
            return None
        stamp = (found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino, found.st_dev)
        earlier = self._earlier.get(name)
        if earlier is not None and earlier[0] == stamp:
            digest = earlier[1]
        else:
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                return None
        self.found[name] = (stamp, digest)
        return digest

    def known(self, path: Path) -> str | None:
        """The digest of ``path`` this build found, if it looked at it; never reads it."""
        found = self.found.get(str(path))
        return None if found is None else found[1]

    def write(self, path: Path) -> None:
        """Keep this build's stamps in ``path`` (when they differ from those read), but those
        of files changed too shortly before the build began."""
        settled = self._began - self._racy_ns
        kept = {
            name: (stamp, digest)
            for name, (stamp, digest) in self.found.items()
            if max(stamp[1], stamp[2]) < settled
        }
        if kept != self._earlier:
            store(path, kept)


def engine_key() -> str:
    """The digest of the engine's code, templates and tables."""
    return _digest([(ENGINE, (".py", ".jinja", ".json"))], [])


def pages_key(template_dirs: Iterable[Path], settings: Iterable[object], engine: str) -> str:
    """The digest of what the pages are made from, the data aside: a site's templates, the
    settings, the engine (``engine``: the :func:`engine_key`; see
    :attr:`peacekb.pages.Site.pages_key`)."""
    return _digest([(Path(t), (".jinja",)) for t in template_dirs], [*settings, engine])


def key_of(data_dir: Path, made_from: str, stamps: Stamps | None = None) -> str:
    """The digest of everything the generated pages and downloads are made from: the data
    folder's files (through ``stamps``, when given), and the rest (``made_from``: the
    :func:`pages_key`)."""
    return _digest([(data_dir, ())], [made_from], stamps)


def _digest(
    roots: list[tuple[Path, tuple[str, ...]]], settings: list[object], stamps: Stamps | None = None
) -> str:
    digest = hashlib.sha256(f"peacekb-cache {FORMAT}\n".encode())
    if stamps is None:
        stamps = Stamps(racy_ns=0)
    for setting in settings:
        digest.update(repr(setting).encode() + b"\0")
    for root, suffixes in roots:
        digest.update(str(root).encode() + b"\0")
        for path in _files(root, suffixes):
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            found = stamps.digest(path)
            digest.update(b"\0unreadable\0" if found is None else found.encode())
    return digest.hexdigest()


def load_cached(path: Path) -> Generated | None:
    """What the last build kept, whatever its key; None when there is nothing usable."""
    found = read_kept(path)
    # An earlier version's Generated unpickles without the fields this one has.
    if isinstance(found, Generated) and all(hasattr(found, f.name) for f in fields(Generated)):
        return found
    return None


def read_kept(path: Path) -> Any:
    """What a build kept in ``path``; None when there is nothing (or nothing readable)."""
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except Exception:  # a missing, truncated or foreign file: build afresh
        return None


def store(path: Path, value: object) -> None:
    """Keep ``value`` in ``path`` for the next build, replacing the file in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)


# The environment's settings that the compiled code of a template depends on.
_SETTINGS = (
    "block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
    "comment_start_string", "comment_end_string", "line_statement_prefix",
    "line_comment_prefix", "trim_blocks", "lstrip_blocks", "newline_sequence",
    "keep_trailing_newline", "optimized", "is_async", "newstyle_gettext",
)  # fmt: skip


def _shape(env: jinja2.Environment) -> str:
    """The digest of what, beyond a template's text, shapes the code ``env`` compiles it to:
    the environment's class and syntax, its extensions, and the names and calling conventions
    of its filters and tests (fixed when a template is compiled)."""
    settings = [
        f"{type(env).__module__}.{type(env).__qualname__}",
        sorted(env.extensions),
        *(getattr(env, name, None) for name in _SETTINGS),
        getattr(env.autoescape, "__qualname__", env.autoescape),
        getattr(env.finalize, "__qualname__", env.finalize),
        *(
            sorted((name, repr(getattr(f, "jinja_pass_arg", None))) for name, f in table.items())
            for table in (env.filters, env.tests)
        ),
    ]
    return hashlib.sha256(repr(settings).encode()).hexdigest()[:16]


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's cache of compiled templates in a folder, each keyed also by the settings of the
    environment that compiles it, as they are when it is loaded."""

    def __init__(self, env: jinja2.Environment, folder: Path) -> None:
        super().__init__(str(folder))
        self.env = env

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        key = f"{name}\0{filename or ''}\0{_shape(self.env)}"
        return hashlib.sha256(key.encode()).hexdigest()


def keep_compiled_templates(env: jinja2.Environment, folder: Path) -> None:
    """Keep the code ``env`` compiles its templates to in ``folder``, for the next build:
    compiling them costs more than rendering a few hundred pages. Jinja compiles a template
    again when its text changed (it checks a digest of the text), or its own version or
    Python's did; the compiled code also depends on the environment's settings, which are part
    of each template's key."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    env.bytecode_cache = _CompiledTemplates(env, folder)
