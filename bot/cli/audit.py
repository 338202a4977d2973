"""``opsgate audit export|verify|head``: read the audit log, never change it.

The database is opened read-only (`bot.store.Store.open_existing`): a missing file, a file that
is not a database, or a database that is not opsgate's is one line and exit status 2, and no
file is ever created. (An export piped into a reader that stops early, ``| head -3``, ends
quietly with status 141: `bot.cli.main` handles a closed pipe for every command.)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final, Literal, TextIO

from bot.cards.text import plural
from bot.cli.options import DatabaseChoiceError, chosen_database, lock_waits_said
from bot.settings import Settings
from bot.store import (
    AuditKeyError,
    ChainHead,
    ChainKeyRowChanged,
    DatabaseUnavailable,
    KeyedLogUnkeyed,
    RollbackJournalFound,
    Store,
    StoreError,
    UnreadableEventError,
    first_line,
    parse_anchor,
)
from bot.store.export import parse_since, write_events

#: From this many events, `verify` says on a terminal what it is checking before it starts.
ANNOUNCE_FROM: Final = 100_000


def run_audit(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``audit verify``, ``export`` or ``head``; returns the exit status. Kept waiting for
    a lock another PostgreSQL session holds, it says so on stderr, once, and waits on."""
    with lock_waits_said(sys.stderr):
        return _run_audit(args, settings)


def _run_audit(args: argparse.Namespace, settings: Settings) -> int:
    try:
        since = _since(args)
        path = chosen_database(args, settings)
    except (DatabaseChoiceError, ValueError) as exc:
        print(f"opsgate: {exc}", file=sys.stderr)
        return 2
    try:
        store = Store.open_existing(path, key=settings.audit_key)
    except RollbackJournalFound as exc:
        return _journal_found(exc, args.audit_command)
    except DatabaseUnavailable as exc:
        print(f"opsgate: {exc} (--db or OPSGATE_DB chooses the database)", file=sys.stderr)
        return 2
    except AuditKeyError as exc:
        # Whoever set the key expects a keyed log: one that says it is not may be a keyed log
        # rewritten without the key, so verify fails it as broken, never as a setting to fix.
        # So does a key that verifies the log while its chain_key row names another.
        tampered = isinstance(exc, KeyedLogUnkeyed | ChainKeyRowChanged)
        if tampered and args.audit_command == "verify":
            print(f"audit log broken: {exc}", file=sys.stderr)
            return 1
        print(f"opsgate: {exc}", file=sys.stderr)
        return 2
    try:
        if args.audit_command == "verify":
            return verify(store, anchors=args.anchor or (), out=sys.stdout, err=sys.stderr)
        if args.audit_command == "head":
            return head(store, out=sys.stdout)
        return _export(store, since=since, fmt=args.format)
    except RollbackJournalFound as exc:  # one appeared while verify's workers were started
        return _journal_found(exc, args.audit_command)
    except store.engine.errors as exc:  # a table it may not read, a connection lost part way
        print(f"opsgate: cannot read {store.engine.label}: {first_line(exc)}", file=sys.stderr)
        return 2
    finally:
        store.close()


def _journal_found(exc: RollbackJournalFound, command: str) -> int:
    """A rollback journal beside the database: opsgate never leaves one, so the file was changed
    outside opsgate, and what it alone holds is not what opsgate would read. `verify` calls the
    log broken; `export` and `head` refuse to read a state opsgate would not."""
    if command == "verify":
        print(f"audit log broken: {exc.said_for('what verify checked')}", file=sys.stderr)
        return 1
    print(f"opsgate: {exc}: {command} refuses to read it", file=sys.stderr)
    return 1


def _since(args: argparse.Namespace) -> datetime | None:
    text = getattr(args, "since", None)
    if text is None:
        return None  # not given: every event (an empty --since is refused, not read as this)
    try:
        return parse_since(text, now=datetime.now(UTC))
    except ValueError as exc:
        raise ValueError(f"--since: {exc}") from None


def verify(store: Store, *, anchors: Sequence[str], out: TextIO, err: TextIO) -> int:
    """Check the chain, each ``<seq>:<hash>`` anchor, and the tables against the events.

    Returns:
        0 when everything agrees; 1 naming the first event or request that does not; 2 for
        an anchor that cannot be read.
    """
    try:
        heads: list[ChainHead] = [parse_anchor(text) for text in anchors]
    except ValueError as exc:
        print(f"opsgate: --anchor: {exc}", file=err)
        return 2
    _announce(store, err)
    result = store.verify(anchors=heads)
    if not result.ok:
        print(result.describe(), file=err)
        return 1
    held = f"; {plural(len(heads), 'anchor')} held" if heads else ""
    print(result.describe() + held, file=out)
    return 0


def _announce(store: Store, err: TextIO) -> None:
    """Tell someone at a terminal that a long log takes a while (seconds per million)."""
    if not err.isatty():
        return
    try:
        events = store.head().seq
    except StoreError:
        return  # no head: verify itself says so
    if events >= ANNOUNCE_FROM:
        print(f"opsgate: verifying {events:,} events…", file=err, flush=True)


def head(store: Store, *, out: TextIO) -> int:
    """Print the chain head as ``<seq>:<hash>``: keep it elsewhere, then pass it to
    ``opsgate audit verify --anchor`` to prove the log still holds it. A head row that is missing
    or changed outside opsgate is one line and status 1 (`verify` says more)."""
    try:
        current = store.head()
    except StoreError as exc:
        print(f"opsgate: {exc}", file=sys.stderr)
        return 1
    print(current, file=out)
    return 0


def _export(store: Store, *, since: datetime | None, fmt: Literal["jsonl", "csv"]) -> int:
    try:
        write_events(store.events(since=since), sys.stdout, fmt=fmt)
        sys.stdout.flush()
    except UnreadableEventError as exc:  # the events before it are written: say where it stops
        sys.stdout.flush()
        print(
            f"opsgate: {exc}: it was changed outside opsgate. The export stops before it; "
            "`opsgate audit verify` checks the whole log",
            file=sys.stderr,
        )
        return 1
    return 0
