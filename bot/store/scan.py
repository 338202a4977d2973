"""`verify`'s pass over the whole chain: every stored event re-hashed and linked to the one
before it.

On SQLite the quick pass (`bot.store.quickchain`) runs first, inside the database: from
`PARALLEL_FROM` events on a file, over ranges of seqs in worker processes (`bot.store.workers`)
that hash while another cross-checks the tables (`start_chain_check` returns before they
finish). Only when it
points at an event, and always on PostgreSQL, does the documented algorithm read the events in
Python (`exact_scan`): each body is assembled from the stored columns and hashed, and any event
whose quick hash does not match, that is out of order, or that does not follow its predecessor
is handed to `bot.store.chain.row_problem`, which parses and re-serialises it exactly as
documented and names what is wrong.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from itertools import pairwise
from pathlib import Path
from typing import Final

from bot.store import quickchain, workers
from bot.store.chain import (
    EVENT_FIELDS,
    GENESIS_HASH,
    ChainHead,
    ChainKey,
    VerifyResult,
    check_head,
    row_problem,
)
from bot.store.database import SqliteDb, read_only_uri
from bot.store.engine import Db, tuples_in_pages

PAGE: Final = 100_000
#: From this many events, a SQLite file's quick pass is spread over processes.
PARALLEL_FROM: Final = 200_000
#: At most this many worker processes (and one fewer than the machine has cores).
MAX_WORKERS: Final = 4
_SELECT: Final = (
    f"SELECT {', '.join(EVENT_FIELDS)} FROM events "  # noqa: S608 - constant columns
    "WHERE seq > :after ORDER BY seq LIMIT :page"
)


class ChainCheck:
    """A chain check under way; `finish` gives its verdict.

    Attributes:
        last: The last seq of the snapshot checked.
        suspect: Where the quick pass wants the documented algorithm to start (1 when there was
            no quick pass); None when every event passed it.
    """

    def __init__(
        self,
        key: ChainKey,
        last: int,
        *,
        suspect: int | None = 1,
        started: Sequence[subprocess.Popen[bytes]] = (),
    ) -> None:
        self._key = key
        self.last = last
        self._workers = started
        self.suspect = suspect

    @property
    def parallel(self) -> bool:
        """True when worker processes are hashing: other reads meanwhile cost no wall time."""
        return bool(self._workers)

    def close(self) -> None:
        """Stop any worker still hashing (the verdict is no longer wanted)."""
        workers.stop(self._workers)

    def finish(self, db: Db, head: ChainHead | None) -> VerifyResult:
        """The verdict on the chain and its recorded `head`, naming the first bad event."""
        if self._workers:
            self.suspect = _collected(self._workers)
        if self.suspect is None:
            last = ChainHead(self.last, _hash_of(db, self.last))
            return check_head(last, head, self.last)
        return exact_scan(db, self._key, head=head, start=_last_before(db, self.suspect))


def start_chain_check(db: Db, key: ChainKey, *, path: Path | None) -> ChainCheck:
    """Start checking the chain in `db` (a read transaction): on SQLite, the quick pass.

    Args:
        db: The snapshot to check; the events it holds never change (they are append-only), so
            workers reading the same file see them too.
        key: How the hashes were made.
        path: The SQLite file, when workers may read it; None for PostgreSQL or a database in
            memory.
    """
    if not isinstance(db, SqliteDb):
        return ChainCheck(key, 0)
    # Two look-ups on the rowid, not a count of the table: a gap is the quick pass's to find
    # (the event after it has no predecessor), and only a seq below 1 is out of its reach.
    low, high = next(iter(db.rows("SELECT min(seq), max(seq) FROM events")))
    if high is None:
        return ChainCheck(key, 0, suspect=None)
    if low != 1:
        return ChainCheck(key, high)  # a stray seq: the documented algorithm says
    # One core is left for the tables' cross-check (`bot.store.beside`), in two halves.
    hashing = min((os.cpu_count() or 1) - 1, MAX_WORKERS)
    if path is not None and high >= PARALLEL_FROM and hashing >= 1:
        try:
            return ChainCheck(key, high, started=_launch(path, key, high, hashing))
        except OSError:
            pass  # no processes to be had: the same pass, in this one
    suspect = quickchain.first_suspect(db.connection, key.secret(), 0, high)
    return ChainCheck(key, high, suspect=suspect)


def interruptible(db: Db) -> AbstractContextManager[None]:
    """Ctrl-C stops `verify`'s long statements on SQLite at once (`quickchain.interruptible`);
    PostgreSQL's driver already gives signals their turn."""
    return quickchain.interruptible(db.connection) if isinstance(db, SqliteDb) else nullcontext()


def _launch(path: Path, key: ChainKey, last: int, count: int) -> list[subprocess.Popen[bytes]]:
    secret = key.secret()
    bounds = [last * part // count for part in range(count + 1)]
    asked = {"uri": read_only_uri(path), "key": None if secret is None else secret.hex()}
    started: list[subprocess.Popen[bytes]] = []
    try:
        for after, upto in pairwise(bounds):
            started.append(workers.start({**asked, "after": after, "upto": upto}))
    except OSError:
        workers.stop(started)
        raise
    return started


def _collected(started: Sequence[subprocess.Popen[bytes]]) -> int | None:
    """The lowest suspect the workers found; 1 (check it all) when one of them failed."""
    suspects: list[int] = []
    for process in started:
        answer = workers.answer(process)
        try:
            suspect = 1 if answer is None else answer["suspect"]
            if suspect is not None:
                suspects.append(int(suspect))
        except (KeyError, TypeError, ValueError):
            suspects.append(1)
    return min(suspects, default=None)


def _hash_of(db: Db, seq: int) -> str:
    rows = list(db.rows("SELECT hash FROM events WHERE seq = ?", [seq]))
    return str(rows[0][0]) if rows else GENESIS_HASH


def _last_before(db: Db, suspect: int) -> ChainHead:
    """Where the documented algorithm starts: the last stored event before `suspect` (each one
    passed the quick pass), so that missing events right before it are named as missing."""
    rows = list(
        db.rows("SELECT seq, hash FROM events WHERE seq < ? ORDER BY seq DESC LIMIT 1", [suspect])
    )
    return ChainHead(int(rows[0][0]), str(rows[0][1])) if rows else ChainHead(0, GENESIS_HASH)


def exact_scan(
    db: Db, key: ChainKey, *, head: ChainHead | None, start: ChainHead | None = None
) -> VerifyResult:
    """Check the stored events after `start` (default: all), in seq order, and the head."""
    hashed = quickchain.digester(key.secret())
    prev_seq, prev_hash = (0, GENESIS_HASH) if start is None else (start.seq, start.hash)
    checked = prev_seq
    for row in tuples_in_pages(db, _SELECT, after=prev_seq, page=PAGE):
        checked += 1
        seq, at, request_id, event, actor, operation, targets, detail, linked, stored = row
        try:
            quick = seq == prev_seq + 1 and linked == prev_hash
            quick = quick and stored == hashed(
                prev_hash, actor, at, detail, event, operation, linked, request_id, seq, targets
            )
        except (TypeError, ValueError):  # not what opsgate writes: the documented way says
            quick = False
        if not quick:
            problem = row_problem(
                dict(zip(EVENT_FIELDS, row, strict=True)), ChainHead(prev_seq, prev_hash), key
            )
            if problem is not None:
                return VerifyResult(False, checked, problem[0], problem[1])
        prev_seq, prev_hash = int(seq), str(stored)
    return check_head(ChainHead(prev_seq, prev_hash), head, checked)
