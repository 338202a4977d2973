"""`verify`'s quick pass over a SQLite chain: each event's hash and link checked inside SQLite.

One statement per range of seqs reads every event once; a hash function the statement calls
with the event's stored columns assembles its hashed message (the body as `bot.store.chain`
documents it: ``targets`` and ``detail`` are canonical JSON already, the other strings are
identifiers) and hashes it, so a million events cost the library's time and a million digests,
not a Python row object each. The message is assembled from the columns as Python reads them,
never with SQL's printf: that stops at a NUL character, so text hidden behind one would leave
the message, and the hash, unchanged.

It decides nothing but the common case. It answers "intact" or "look at seq N": the lowest seq
in the range whose text is not plain stored text and JSON, that does not follow the event before
it, or whose hash does not match. `bot.store.scan` then runs the documented algorithm, which says
what is wrong (or that an event whose text needed escaping is fine after all).

Standard library only, and runnable as a script (``python -I quickchain.py``), so `verify` can
spread a long log over processes that start in milliseconds without importing opsgate: a worker
reads one JSON request on stdin (``{"uri", "key", "after", "upto"}``) and prints one JSON answer
(``{"suspect": N or null}``). A keyed chain's key travels only through that pipe.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Final

GENESIS: Final = "0" * 64
_FUNCTION: Final = "opsgate_chain_digest"
#: `canonical_json` of an event's body whose strings need no escaping (identifiers, hex,
#: timestamps), after its predecessor's hash: the hashed message, as `digester` fills it in.
MESSAGE: Final = (
    '%s{"actor":"%s","at":"%s","detail":%s,"event":"%s","operation":"%s","prev_hash":"%s",'
    '"request_id":"%s","seq":%d,"targets":%s}'
)
#: The columns `_FUNCTION` takes, in `MESSAGE`'s order (``prev_hash`` twice).
_COLUMNS: Final = (
    "prev_hash", "actor", "at", "detail", "event", "operation", "prev_hash", "request_id", "seq",
    "targets",
)  # fmt: skip
_TEXT_COLUMNS: Final = ("at", "request_id", "event", "actor", "operation", "prev_hash", "hash")
# Every comparison is `IS` or `typeof`, never NULL: a NULL inside NOT (...) would hide an event.
_SOUND: Final = " AND ".join(
    [
        *(f"typeof(e.{column}) = 'text'" for column in _TEXT_COLUMNS),
        "typeof(e.targets) = 'text' AND json_valid(e.targets) IS 1",
        "typeof(e.detail) = 'text' AND json_valid(e.detail) IS 1",
        f"e.prev_hash IS coalesce(p.hash, CASE WHEN e.seq = 1 THEN '{GENESIS}' END)",
        f"{_FUNCTION}({', '.join(f'e.{column}' for column in _COLUMNS)}) IS e.hash",
    ]
)
QUICK_SQL: Final = (
    "SELECT e.seq FROM events e LEFT JOIN events p ON p.seq = e.seq - 1 "  # noqa: S608
    f"WHERE e.seq > :after AND e.seq <= :upto AND NOT ({_SOUND}) ORDER BY e.seq LIMIT 1"
)
#: What SQLite says when Python cannot take an event's text (it is not UTF-8) to `digester`.
_UNREADABLE: Final = "user-defined function raised exception"
#: How many of SQLite's steps run between two chances for Python's signal handlers.
_STEPS: Final = 100_000


@contextmanager
def interruptible(conn: sqlite3.Connection) -> Iterator[None]:
    """Let Ctrl-C stop a long statement on `conn` at once.

    SQLite runs a statement in C, where Python's signal handlers wait for it to end (seconds,
    over a long log). A progress handler gives them a turn every `_STEPS` steps: Ctrl-C then
    abandons the statement (SQLite says ``interrupted``) and raises KeyboardInterrupt here.
    """
    conn.set_progress_handler(_turn, _STEPS)
    try:
        yield
    except sqlite3.OperationalError as exc:
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
    if key is None:
        sha256 = hashlib.sha256
        return lambda *columns: sha256((MESSAGE % columns).encode()).hexdigest()
    return lambda *columns: hmac.digest(key, (MESSAGE % columns).encode(), "sha256").hex()


def first_suspect(conn: sqlite3.Connection, key: bytes | None, after: int, upto: int) -> int | None:
    """The lowest seq in ``(after, upto]`` that the documented algorithm must look at, or
    None when every event there is in place, linked to its predecessor and hashed as stored.

    A missing event is found too: the event after it has no predecessor to follow. (One
    missing at `upto` itself is the next range's to find; the caller has checked that the last
    event of the log is stored.)
    """
    conn.create_function(_FUNCTION, len(_COLUMNS), digester(key), deterministic=True)
    try:
        found = conn.execute(QUICK_SQL, {"after": after, "upto": upto}).fetchone()
    except sqlite3.OperationalError as exc:
        if str(exc) != _UNREADABLE:
            raise
        return after + 1  # text that is not UTF-8 in the range: the documented scan names it
    return None if found is None else int(found[0])


def main() -> None:
    """Check one range as a worker process: a JSON request on stdin, a JSON answer on stdout."""
    asked = json.load(sys.stdin)
    key = None if asked["key"] is None else bytes.fromhex(asked["key"])
    conn = sqlite3.connect(asked["uri"], uri=True)
    try:
        with interruptible(conn):
            suspect = first_suspect(conn, key, int(asked["after"]), int(asked["upto"]))
    finally:
        conn.close()
    json.dump({"suspect": suspect}, sys.stdout)


if __name__ == "__main__":
    main()
