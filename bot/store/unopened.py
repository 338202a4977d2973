"""Why SQLite could not open or create a database file, in words an operator can act on.

SQLite says only ``unable to open database file`` whether the path names a folder, its folder
is missing, or the folder or file system is read-only. opsgate writes through a write-ahead log,
so SQLite must also create ``<file>-wal`` and ``<file>-shm`` beside the file: a database file
in a read-only folder cannot be opened for writing either. `why_unopened` looks at the path
and says which it is, with what to do.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import tempfile
from pathlib import Path
from typing import Final

from bot.model.shown import escaped

#: SQLite's errors that a path's folder or permissions cause (and their extended codes).
_ABOUT_THE_PATH: Final = ("SQLITE_CANTOPEN", "SQLITE_READONLY")
#: What fixes a path that cannot hold the database.
_FIX: Final = "choose a path in a folder opsgate's user may write"


#: What a path that exists but is neither a file nor a folder is, by its ``stat`` mode.
_NOT_FILES: Final = (
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
)


def not_a_file(path: Path) -> str | None:
    """Why `path` cannot hold a database when it names a device (``/dev/null``), a named pipe
    or a socket; None otherwise. SQLite would open such a path and create its journal beside
    it (``/dev/null-journal``) before failing with "disk I/O error", so it is never opened."""
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):  # not there (yet), or a path no file system holds
        return None
    what = next((name for test, name in _NOT_FILES if test(mode)), None)
    if what is None:
        return None
    return f"{escaped(str(path))} is {what}, not a database file: name a file"


def can_create_in(folder: Path) -> bool:
    """Whether a file can be created in `folder`, tried as SQLite would create the database and
    its write-ahead log: its permission bits alone do not say (root passes them everywhere, even
    in ``/proc`` or on a file system mounted read-only)."""
    if not folder.is_dir():
        return False
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".opsgate-check-"):
            return True
    except OSError:
        return False


def why_unopened(path: Path, error: sqlite3.Error) -> str | None:
    """What keeps SQLite from opening or creating `path` read-write, with the fix, when
    `error` is SQLite's "cannot open" or "read-only"; None otherwise, or when the path looks
    usable (SQLite's own words are then all there is)."""
    if not getattr(error, "sqlite_errorname", "").startswith(_ABOUT_THE_PATH):
        return None
    shown, folder = escaped(str(path)), path.parent
    if path.is_dir():
        inside = escaped(str(path / "opsgate.db"))
        return f"{shown} is a directory, not a database file: name a file in it, such as {inside}"
    if not folder.is_dir():
        return f"the folder {escaped(str(folder))} does not exist: create it, or {_FIX}"
    if can_create_in(folder):
        if path.exists() and not os.access(path, os.W_OK):
            return f"{shown} is read-only: make it writable to opsgate's user, or {_FIX}"
        return None
    if path.exists():
        return (
            f"the folder {escaped(str(folder))} is not writable (a read-only folder or file "
            f"system), and SQLite must create its write-ahead log (-wal, -shm) beside the "
            f"database: make the folder writable, or move the database to a folder that is"
        )
    return (
        f"cannot create it: the folder {escaped(str(folder))} is not writable (a read-only "
        f"folder or file system): make it writable, or {_FIX}"
    )
