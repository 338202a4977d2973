"""``opsgate db migrate|copy``: create or upgrade a database's schema, and copy a log between
databases of either kind (SQLite file, PostgreSQL URL), verifying the chain after the copy.

Every expected failure is one line on stderr: exit 2 when a database cannot be used (missing,
unreachable, not opsgate's, a non-empty copy target, the wrong key), 1 when the copied chain
does not verify or the source holds text that is not UTF-8 (changed outside opsgate).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import closing
from pathlib import Path
from typing import Final, TextIO

from bot.cli.options import (
    INTERRUPTED_STATUS,
    DatabaseChoiceError,
    OneLineParser,
    Subcommands,
    chosen_database,
    lock_waits_said,
)
from bot.cli.progress import progress_for
from bot.settings import Settings
from bot.store import AuditKeyError, DatabaseUnavailable, Store, StoreError
from bot.store.transfer import (
    SourceUnreadable,
    TargetNotEmpty,
    copy_log,
    migrate,
    refuse_non_empty_target,
)


def run_db(
    args: argparse.Namespace,
    settings: Settings,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run ``db migrate`` or ``db copy``; returns the exit status. Kept waiting for a lock
    another PostgreSQL session holds (another migration's), it says so on `err`, once."""
    out, err = out or sys.stdout, err or sys.stderr
    with lock_waits_said(err):
        return _run_db(args, settings, out, err)


def _run_db(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    try:
        if args.db_command == "migrate":
            return _migrate(chosen_database(args, settings), settings, out)
        if getattr(args, "db", None):
            raise DatabaseChoiceError(
                "--db names the database of migrate; copy takes --from and --to"
            )
        source, dest = _target(args.source, "--from"), _target(args.dest, "--to")
        _refuse_same(source, dest)
        refuse_non_empty_target(dest)  # before opening it as the target migrates it
        return _copy(source, dest, settings, out, err)
    except (DatabaseChoiceError, DatabaseUnavailable, TargetNotEmpty, AuditKeyError) as exc:
        print(f"opsgate: {exc}", file=err)
        return 2


def _migrate(target: str | Path, settings: Settings, out: TextIO) -> int:
    label, applied = migrate(target, key=settings.audit_key)
    done = f"applied {', '.join(applied)}" if applied else "the schema is already current"
    print(f"{label}: {done}", file=out)
    return 0


#: Ctrl-C during the copy: it is one transaction of the target, so it leaves nothing behind.
_NOT_COPIED: Final = (
    "copy interrupted: nothing was copied into {into} (its schema is in place); "
    "run it again to copy"
)
#: Ctrl-C after the copy committed, while it was being verified.
_NOT_VERIFIED: Final = (
    "verification interrupted: the copy into {into} is complete but not verified; "
    "run `opsgate audit verify --db {into}`"
)


def _interrupted(err: TextIO, said: str) -> int:
    print(f"\nopsgate: {said}", file=err)
    return INTERRUPTED_STATUS


def _copy(
    source: str | Path, dest: str | Path, settings: Settings, out: TextIO, err: TextIO
) -> int:
    # Both opened as stores, so a key that does not fit the source stops before anything moves.
    with (
        closing(Store.open_existing(source, key=settings.audit_key)) as reader,
        closing(Store.open(dest, key=settings.audit_key)) as writer,
    ):
        try:
            with progress_for(err, "copying events", _events_in(reader)) as shown:
                copied = copy_log(
                    reader.engine, writer.engine, key=settings.audit_key, progress=shown
                )
        except SourceUnreadable as exc:
            print(f"opsgate: {exc}", file=err)
            return 1
        except KeyboardInterrupt:
            return _interrupted(err, _NOT_COPIED.format(into=writer.engine.label))
        try:
            shown.note("verifying the copy…")
            result = writer.verify()
        except KeyboardInterrupt:
            return _interrupted(err, _NOT_VERIFIED.format(into=writer.engine.label))
    into = writer.engine.label
    if not result.ok:
        print(f"opsgate: the copy in {into} does not verify: {result.describe()}", file=err)
        return 1
    print(
        f"copied {copied.events:,} events, {copied.requests:,} requests, "
        f"{copied.approvals:,} approvals and {copied.steps:,} workflow steps from "
        f"{reader.engine.label} to {into}; "
        f"{result.describe()}",
        file=out,
    )
    return 0


def _refuse_same(source: str | Path, dest: str | Path) -> None:
    """A copy onto its own source would open the source as the target, migrating it."""
    same = str(source) == str(dest)
    if isinstance(source, Path) and isinstance(dest, Path) and source.exists() and dest.exists():
        same = source.samefile(dest)  # ./opsgate.db, a symbolic or a hard link
    if same:
        raise DatabaseChoiceError(
            f"--from and --to name the same database ({source}): copy into a new database"
        )


def _events_in(store: Store) -> int:
    try:
        return store.head().seq
    except StoreError:
        return 0  # no head: the copy's verify says so


def _target(given: str, flag: str) -> str | Path:
    """``--from``/``--to`` (`flag`) read as ``--db`` is."""
    return chosen_database(argparse.Namespace(db=given), Settings(), flag=flag)


def add_db_parser(
    sub: Subcommands,
    database: OneLineParser,
) -> None:
    """``opsgate db migrate [--db]`` and ``opsgate db copy --from A --to B``."""
    db = sub.add_parser(
        "db",
        help="create, upgrade or copy the database (SQLite file or PostgreSQL URL)",
        description="Create, upgrade or copy the database (SQLite file or PostgreSQL URL).",
        parents=[database],  # `db --db X migrate`, as `audit --db X verify`
    )
    actions = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    actions.add_parser(
        "migrate",
        help="create or upgrade the schema (serve does this too)",
        description="Create or upgrade the schema (serve does this too).",
        parents=[database],
    )
    copy = actions.add_parser(
        "copy",
        help="copy a log into an empty database, then verify its chain",
        description="Copy a log into an empty database, then verify its chain.",
    )
    copy.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="PATH|URL",
        help="the database to copy: a SQLite file or a postgresql:// URL (read, never changed)",
    )
    copy.add_argument(
        "--to",
        dest="dest",
        required=True,
        metavar="PATH|URL",
        help="where to copy it: a new SQLite file or an empty PostgreSQL database (one that "
        "holds a log is refused); a keyed log needs OPSGATE_AUDIT_KEY",
    )
