"""`verify`'s quick passes over a SQLite log, each one statement that SQLite runs in C.

The chain's: each event's hash and link checked inside SQLite. One statement per range of seqs
reads every event once; it assembles each event's hashed message (the body as `bot.store.chain`
documents it: ``targets`` and ``detail`` are canonical JSON already, the other strings are
identifiers) by concatenation, which keeps every byte (SQL's printf stops at a NUL character,
so text hidden behind one would leave the message, and the hash, unchanged), and hands it as
bytes to a hash function, so a million events cost the library's time and a million digests,
not a Python row object each.

It decides nothing but the common case. It answers "intact" or "look at seq N": the lowest seq
in the range whose text is not plain stored text and JSON, that does not follow the event before
it, or whose hash does not match. `bot.store.scan` then runs the documented algorithm, which says
what is wrong (or that an event whose text needed escaping is fine after all).

Standard library only, and runnable as a script (``python -I quickchain.py``), so `verify` can
spread a long log over processes that start in milliseconds without importing opsgate: a worker
reads one JSON request on stdin and prints one JSON answer. ``{"uri", "key", "after", "upto"}``
checks a range of the chain (``{"suspect": N or null}``); a keyed chain's key travels only
through that pipe. ``{"uri", "tables", "params"}`` runs (a part of) the tables' cross-check
query (`bot.store.crosscheck`) and answers ``{"last": N, "suspects": [[id, first seq], ...]}``,
each request id as the hex of its bytes. A worker reads through sqlean's SQLite when it is
installed: a current SQLite, whose JSON functions take half the time of the 3.40 some systems
still ship.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import json
import re
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any, Final

GENESIS: Final = "0" * 64
_FUNCTION: Final = "opsgate_chain_digest"
#: `canonical_json` of an event's body whose strings need no escaping (identifiers, hex,
#: timestamps), after its predecessor's hash: the hashed message, as `digester` fills it in.
MESSAGE: Final = (
    '%s{"actor":"%s","at":"%s","detail":%s,"event":"%s","operation":"%s","prev_hash":"%s",'
    '"request_id":"%s","seq":%d,"targets":%s}'
)
#: The columns that fill in `MESSAGE`, in its order (``prev_hash`` twice).
_COLUMNS: Final = (
    "prev_hash", "actor", "at", "detail", "event", "operation", "prev_hash", "request_id", "seq",
    "targets",
)  # fmt: skip
_TEXT_COLUMNS: Final = ("at", "request_id", "event", "actor", "operation", "prev_hash", "hash")


def _message_sql(*, concat: bool) -> str:
    """`MESSAGE` filled in by SQL, as bytes: concatenation keeps a NUL where printf would stop,
    and a BLOB reaches Python whole (sqlean's driver cuts text at a NUL). ``seq`` is an integer
    (the table's rowid), which SQL writes as ``%d`` does. With `concat`, one call of SQLite's
    ``concat`` (3.44 and later) builds it in one buffer, not ``||`` a string at each step; its
    NULLs would read as empty, but `_SOUND` has already required text of every column."""
    literals = re.split("%[sd]", MESSAGE)
    parts = [f"'{literals[0]}'" if literals[0] else None]
    for column, literal in zip(_COLUMNS, literals[1:], strict=True):
        parts += [f"e.{column}", f"'{literal}'" if literal else None]
    present = [part for part in parts if part is not None]
    joined = f"concat({', '.join(present)})" if concat else " || ".join(present)
    return f"CAST({joined} AS BLOB)"


# Every comparison is `IS` or `typeof`, never NULL: a NULL inside NOT (...) would hide an event.
# The function's call comes last: SQLite stops at the first false term of an AND.
_CHECKS: Final = (
    *(f"typeof(e.{column}) = 'text'" for column in _TEXT_COLUMNS),
    "typeof(e.targets) = 'text' AND json_valid(e.targets) IS 1",
    "typeof(e.detail) = 'text' AND json_valid(e.detail) IS 1",
    f"e.prev_hash IS coalesce(p.hash, CASE WHEN e.seq = 1 THEN '{GENESIS}' END)",
)


def quick_sql(*, concat: bool) -> str:
    """The quick pass's statement: the lowest seq in ``(:after, :upto]`` that is not plainly
    in place; `concat` where the SQLite has ``concat``."""
    sound = " AND ".join([*_CHECKS, f"{_FUNCTION}({_message_sql(concat=concat)}) IS e.hash"])
    return (
        "SELECT e.seq FROM events e LEFT JOIN events p ON p.seq = e.seq - 1 "  # noqa: S608
        f"WHERE e.seq > :after AND e.seq <= :upto AND NOT ({sound}) ORDER BY e.seq LIMIT 1"
    )


#: How many of SQLite's steps run between two chances for Python's signal handlers.
_STEPS: Final = 100_000


def driver() -> ModuleType:
    """The SQLite a worker reads through: sqlean's when installed, else the system's.

    Only ever in a worker process: two copies of SQLite in one process do not see each other's
    POSIX locks, and closing a file in one drops the other's (SQLite's "how to corrupt" §2.2).
    """
    try:
        return importlib.import_module("sqlean")
    except ImportError:
        return sqlite3


@contextmanager
def interruptible(
    conn: Any, operational: type[Exception] = sqlite3.OperationalError
) -> Iterator[None]:
    """Let Ctrl-C stop a long statement on `conn` at once (`operational`: its driver's
    OperationalError).

    SQLite runs a statement in C, where Python's signal handlers wait for it to end (seconds,
    over a long log). A progress handler gives them a turn every `_STEPS` steps: Ctrl-C then
    abandons the statement (SQLite says ``interrupted``) and raises KeyboardInterrupt here.
    """
    conn.set_progress_handler(_turn, _STEPS)
    try:
        yield
    except operational as exc:
        if str(exc) == "interrupted":
            raise KeyboardInterrupt from exc
        raise
    finally:
        conn.set_progress_handler(None, 0)


def _turn() -> int:
    return 0  # a Python call: pending signal handlers run on its way in


def digester(key: bytes | None) -> Callable[..., str]:
    """The chain's hash of one event from its columns (in `_COLUMNS`' order): SHA-256 of
    the message, or HMAC-SHA256 under `key`. Any stored value makes some message, so the
    function never raises inside SQLite; a value that is not what opsgate writes gives a
    message whose hash does not match."""
    hashed = _bytes_digester(key)
    return lambda *columns: hashed((MESSAGE % columns).encode())


def _bytes_digester(key: bytes | None) -> Callable[[bytes], str]:
    if key is None:
        return lambda message: hashlib.sha256(message).hexdigest()
    # A copy of an HMAC already keyed skips deriving the key's pads for every event (a fifth
    # of each event's cost over a long keyed log).
    keyed = hmac.new(key, digestmod=hashlib.sha256)

    def digest(message: bytes) -> str:
        mac = keyed.copy()
        mac.update(message)
        return mac.hexdigest()

    return digest


def _sql_digester(key: bytes | None) -> Callable[[bytes | None], str | None]:
    """`digester` for `_message_sql`'s bytes: None (no hash matches it) for bytes that are not
    UTF-8, which opsgate never writes and the documented algorithm names. SQLite calls it once
    an event, a million times for a million: it calls the hash itself, with no other call."""
    if key is not None:
        hashed = _bytes_digester(key)

        def keyed(message: bytes | None) -> str | None:
            if message is None or not (message.isascii() or _utf8(message)):
                return None
            return hashed(message)

        return keyed
    sha256 = hashlib.sha256

    def digest(message: bytes | None) -> str | None:
        if message is None or not (message.isascii() or _utf8(message)):
            return None
        return sha256(message).hexdigest()

    return digest


def _utf8(message: bytes) -> bool:
    try:
        message.decode()
    except UnicodeDecodeError:
        return False
    return True


def first_suspect(conn: Any, key: bytes | None, after: int, upto: int) -> int | None:
    """The lowest seq in ``(after, upto]`` that the documented algorithm must look at, or
    None when every event there is in place, linked to its predecessor and hashed as stored.
    `conn` is a connection of either driver.

    A missing event is found too: the event after it has no predecessor to follow. (One
    missing at `upto` itself is the next range's to find; the caller has checked that the last
    event of the log is stored.)
    """
    conn.create_function(_FUNCTION, 1, _sql_digester(key), deterministic=True)
    (version,) = conn.execute("SELECT sqlite_version()").fetchone()
    concat = tuple(int(part) for part in str(version).split(".")[:2]) >= (3, 44)
    found = conn.execute(quick_sql(concat=concat), {"after": after, "upto": upto}).fetchone()
    return None if found is None else int(found[0])


def tables_suspects(
    conn: Any,
    sql: str,
    params: dict[str, Any] | None = None,
    operational: type[Exception] = sqlite3.OperationalError,
    also: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The tables' query (`bot.store.crosscheck.suspects_sql`, with `params`) and the last seq,
    read in one transaction, so the caller can tell whether it saw the same log: ``{"last",
    "suspects", "also"}``, each suspect its id's bytes in hex and its first seq, or
    ``{"unreadable": true}`` when a detail is not JSON or an id is not text (the chain check
    names those). ``also`` holds the rows of each query in `also` (`crosscheck.IN_WORKER`), read
    in the same transaction; None for one that read a value that was not text."""
    conn.execute("BEGIN")
    try:
        (last,) = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()
        rows = conn.execute(
            f"SELECT CASE WHEN typeof(s.request_id) = 'text' "  # noqa: S608 - our own query
            f"THEN hex(CAST(s.request_id AS BLOB)) END, s.first_seq FROM ({sql}) s "
            "ORDER BY s.first_seq",
            params or {},
        ).fetchall()
        found = {name: conn.execute(query).fetchall() for name, query in (also or {}).items()}
    except operational as exc:
        if "JSON" not in str(exc):
            raise
        return {"unreadable": True}
    finally:
        conn.rollback()
    if any(row[0] is None for row in rows):
        return {"unreadable": True}
    also_found = {
        name: None if any(None in row for row in got) else [list(row) for row in got]
        for name, got in found.items()
    }
    return {"last": last, "suspects": [[row[0], row[1]] for row in rows], "also": also_found}


def main() -> None:
    """Run one check as a worker process: a JSON request on stdin, a JSON answer on stdout."""
    asked = json.load(sys.stdin)
    sqlite = driver()
    conn = sqlite.connect(asked["uri"], uri=True)
    try:
        with interruptible(conn, sqlite.OperationalError):
            if "tables" in asked:
                tables, params, also = asked["tables"], asked.get("params"), asked.get("also")
                answer = tables_suspects(conn, tables, params, sqlite.OperationalError, also)
            else:
                key = None if asked["key"] is None else bytes.fromhex(asked["key"])
                suspect = first_suspect(conn, key, int(asked["after"]), int(asked["upto"]))
                answer = {"suspect": suspect}
    finally:
        conn.close()
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
