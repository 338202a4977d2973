"""Reading back what the store wrote, when something else may have changed it: SQLite keeps
any bytes in any column, and Python's driver refuses text that is not UTF-8. opsgate never
writes such values, so a row holding one was changed outside opsgate; these helpers let the
reads that must go on past it (lists, sweeps, the log's pages) name it instead of failing."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

from pydantic import ValidationError

from bot.store.chain import TOO_DEEP, not_utf8
from bot.store.engine import Db

T = TypeVar("T")
#: How Python's sqlite3 refuses to read text that is not UTF-8.
_UNDECODABLE: Final = "Could not decode to UTF-8"


def any_text_if_needed(db: Db, read: Callable[[], T]) -> T:
    """`read()`; once more within `Db.any_text` when SQLite's driver refused text that is not
    UTF-8 (which opsgate never writes), so the rows beside it are not lost."""
    try:
        return read()
    except sqlite3.OperationalError as exc:
        if not refused_text(exc):
            raise
    with db.any_text():
        return read()


def read_back(
    stored: Mapping[str, Any], convert: Callable[[], T], unreadable: Callable[[str], Exception]
) -> T:
    """`convert()` of the `stored` values; for values opsgate could not have written (text
    that is not UTF-8, JSON, a time or a name it never writes), raise `unreadable` with one
    line saying what could not be read."""
    field = not_utf8(stored)
    if field is not None:
        raise unreadable(f"its {field} is not UTF-8 text")
    try:
        return convert()
    except (TypeError, ValueError) as exc:
        raise unreadable(_reading_problem(exc)) from exc
    except RecursionError:
        raise unreadable(TOO_DEEP) from None


def _reading_problem(exc: Exception) -> str:
    """Why a stored value could not be read, in one line (pydantic names the field)."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
    return str(exc)


def refused_text(exc: BaseException) -> bool:
    """Whether SQLite's driver refused to read text that is not UTF-8 (`exc`)."""
    return isinstance(exc, sqlite3.OperationalError) and _UNDECODABLE in str(exc)
