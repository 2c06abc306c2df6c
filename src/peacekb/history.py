"""When files last changed, from the repository's history: what a page says of its own age.

A file's time is the commit time of the last commit that touched it. A file with changes not yet
committed (or not in the repository at all) changed "now": the build's time. Outside a Git
checkout, or without Git, a file's time is its modification time.

Reproducible builds: with ``SOURCE_DATE_EPOCH`` set, "now" is that time, and no time is later
than it (the convention of reproducible-builds.org), so two builds of one commit agree.
"""

from __future__ import annotations

import os
import stat
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path


def source_date_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` as an integer; None when unset or not a number."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(value) if value.isdigit() else None


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            check=False,
            timeout=120,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _committed(top: Path, folders: list[Path]) -> dict[Path, int]:
    """The time of the last commit touching each file under ``folders``, newest first."""
    out = _git(
        top,
        "-c",
        "core.quotepath=off",
        "log",
        "--format=%x00%ct",
        "--name-only",
        "--no-renames",
        "--",
        *map(str, folders),
    )
    times: dict[Path, int] = {}
    stamp = 0
    for line in (out or "").splitlines():
        if line.startswith("\x00"):
            stamp = int(line[1:])
        elif line:
            times.setdefault(top / line, stamp)
    return times


def _uncommitted(top: Path, folders: list[Path]) -> set[Path]:
    out = _git(
        top, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *map(str, folders)
    )
    return {top / entry[3:] for entry in (out or "").split("\x00") if len(entry) > 3}


class ChangeTimes:
    """When files in ``folders`` last changed (see the module). The repository's history is
    read once, when a first file's time is asked for; each file's time is worked out when
    asked for, so that a build that writes a few pages looks at their files alone."""

    def __init__(self, folders: Iterable[Path]) -> None:
        self._folders = sorted({Path(f).resolve() for f in folders})
        self._epoch = source_date_epoch()
        self._now = self._epoch if self._epoch is not None else int(time.time())
        self._history: tuple[dict[str, int], set[str]] | None = None
        # Each folder's real path, worked out once: a page drawn from the whole base asks for
        # every data file's time.
        self._real_folders: dict[str, str] = {}

    def _read_history(self) -> tuple[dict[str, int], set[str]]:
        """(the time of each committed file, the files with changes not committed), by path."""
        folders = self._folders
        top_text = _git(folders[0], "rev-parse", "--show-toplevel") if folders else None
        if not top_text:
            return {}, set()
        top = Path(top_text.strip()).resolve()
        inside = [f for f in folders if f.is_relative_to(top)]
        # One pathspec per top-level folder holding a file: git walks the history once.
        tops = {f.relative_to(top).parts[:1] for f in inside}
        spec = [Path(".")] if () in tops or not tops else [Path(*t) for t in sorted(tops)]
        committed = {str(path): t for path, t in _committed(top, spec).items()}
        return committed, {str(path) for path in _uncommitted(top, spec)}

    def of(self, path: Path | str) -> int:
        """The time ``path`` last changed (seconds since the epoch)."""
        if self._history is None:
            self._history = self._read_history()
        committed, dirty = self._history
        try:
            status: os.stat_result | None = os.lstat(path)
        except OSError:
            status = None
        if status is not None and not stat.S_ISLNK(status.st_mode):
            # Not a link: its real path is its real folder's, with its name.
            folder, name = os.path.split(path)
            real = self._real_folders.get(folder)
            if real is None:
                real = self._real_folders[folder] = os.path.realpath(folder)
            where = os.path.join(real, name)
        else:
            where = str(Path(path).resolve())
            status = None
        if where in dirty:
            found = self._now
        elif where in committed:
            found = committed[where]
        else:
            try:
                found = int((status or os.stat(where)).st_mtime)
            except OSError:
                found = self._now
        return found if self._epoch is None else min(found, self._epoch)


def changed_times(paths: Iterable[Path]) -> dict[Path, int]:
    """The time (seconds since the epoch) each of ``paths`` last changed; absolute paths."""
    wanted = sorted({p.resolve() for p in paths})
    times = ChangeTimes(p.parent for p in wanted)
    return {path: times.of(path) for path in wanted}
