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
import tempfile
from pathlib import Path
from typing import Final

from bot.model.shown import escaped

#: SQLite's errors that a path's folder or permissions cause (and their extended codes).
_ABOUT_THE_PATH: Final = ("SQLITE_CANTOPEN", "SQLITE_READONLY")
#: What fixes a path that cannot hold the database.
_FIX: Final = "choose a path in a folder opsgate's user may write"


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
