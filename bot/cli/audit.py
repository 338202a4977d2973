"""``opsgate audit export|verify``: read the audit log, never change it.

The database is opened read-only (`bot.store.Store.open_existing`): a missing file, a file that
is not a database, or a database that is not opsgate's is one line and exit status 2, and no
file is ever created. An export piped into a reader that stops early (``| head -3``) ends
quietly with status 141, as a process stopped by SIGPIPE does.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Literal

from bot.cli.options import DatabaseChoiceError, chosen_database
from bot.settings import Settings
from bot.store import DatabaseUnavailable, Store
from bot.store.export import parse_since, write_events

#: The status of a writer whose reader went away (128 + SIGPIPE), as shells report it.
BROKEN_PIPE_STATUS: Final = 141


def run_audit(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``audit verify`` or ``audit export``; returns the exit status."""
    try:
        since = _since(args)
        path = chosen_database(args, settings)
    except (DatabaseChoiceError, ValueError) as exc:
        print(f"opsgate: {exc}", file=sys.stderr)
        return 2
    try:
        store = Store.open_existing(path)
    except DatabaseUnavailable as exc:
        print(f"opsgate: {exc} (--db or OPSGATE_DB chooses the database)", file=sys.stderr)
        return 2
    try:
        if args.audit_command == "verify":
            return _verify(store, path)
        return _export(store, since=since, fmt=args.format)
    finally:
        store.close()


def _since(args: argparse.Namespace) -> datetime | None:
    text = getattr(args, "since", None)
    if not text:
        return None
    try:
        return parse_since(text, now=datetime.now(UTC))
    except ValueError as exc:
        raise ValueError(f"--since: {exc}") from None


def _verify(store: Store, path: Path) -> int:
    result = store.verify()
    if result.ok:
        print(f"audit log intact: {result.checked} events verified ({path})")
        return 0
    print(
        f"audit log broken at event seq {result.first_bad_seq}: {result.problem}", file=sys.stderr
    )
    return 1


def _export(store: Store, *, since: datetime | None, fmt: Literal["jsonl", "csv"]) -> int:
    try:
        write_events(store.events(since=since), sys.stdout, fmt=fmt)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        return BROKEN_PIPE_STATUS
    return 0


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (stdout replaced in-process)
        pass
