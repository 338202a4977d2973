"""`verify`'s quick pass over a SQLite chain: each event's hash and link checked inside SQLite.

One statement per range of seqs assembles every event's hashed message in SQLite's own C (the
body as `bot.store.chain` documents it, from the stored columns: ``targets`` and ``detail`` are
canonical JSON already, the other strings are identifiers) and hands it to one hash call, so a
million events cost the library's time and a million digests, not a Python row each.

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
#: The hashed message of event ``e``: its predecessor's hash, then the canonical JSON body.
_MESSAGE: Final = (
    'CAST(printf(\'%s{"actor":"%s","at":"%s","detail":%s,"event":"%s",'
    '"operation":"%s","prev_hash":"%s","request_id":"%s","seq":%d,'
    '"targets":%s}\', e.prev_hash, e.actor, e.at, e.detail, e.event, e.operation, '
    "e.prev_hash, e.request_id, e.seq, e.targets) AS BLOB)"
)
_TEXT_COLUMNS: Final = ("at", "request_id", "event", "actor", "operation", "prev_hash", "hash")
# Every comparison is `IS` or `typeof`, never NULL: a NULL inside NOT (...) would hide an event.
_SOUND: Final = " AND ".join(
    [
        *(f"typeof(e.{column}) = 'text'" for column in _TEXT_COLUMNS),
        "typeof(e.targets) = 'text' AND json_valid(e.targets) IS 1",
        "typeof(e.detail) = 'text' AND json_valid(e.detail) IS 1",
        f"e.prev_hash IS coalesce(p.hash, CASE WHEN e.seq = 1 THEN '{GENESIS}' END)",
        f"{_FUNCTION}({_MESSAGE}) IS e.hash",
    ]
)
QUICK_SQL: Final = (
    "SELECT e.seq FROM events e LEFT JOIN events p ON p.seq = e.seq - 1 "  # noqa: S608
    f"WHERE e.seq > :after AND e.seq <= :upto AND NOT ({_SOUND}) ORDER BY e.seq LIMIT 1"
)
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


def digester(key: bytes | None) -> Callable[[bytes], str]:
    """The chain's hash of one message: SHA-256, or HMAC-SHA256 under `key`."""
    if key is None:
        sha256 = hashlib.sha256
        return lambda message: sha256(message).hexdigest()
    return lambda message: hmac.digest(key, message, "sha256").hex()


def first_suspect(conn: sqlite3.Connection, key: bytes | None, after: int, upto: int) -> int | None:
    """The lowest seq in ``(after, upto]`` that the documented algorithm must look at, or
    None when every event there is in place, linked to its predecessor and hashed as stored.

    A missing event is found too: the event after it has no predecessor to follow. (One
    missing at `upto` itself is the next range's to find; the caller has checked that the last
    event of the log is stored.)
    """
    conn.create_function(_FUNCTION, 1, digester(key), deterministic=True)
    found = conn.execute(QUICK_SQL, {"after": after, "upto": upto}).fetchone()
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
