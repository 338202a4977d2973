"""Options several subcommands share, declared once (``--db`` on ``audit``, and on ``db``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from urllib.parse import urlsplit

from bot.settings import Settings


class DatabaseChoiceError(ValueError):
    """``--db`` names a database this opsgate cannot open; the message says why, in one line."""


def database_options() -> argparse.ArgumentParser:
    """A parent parser adding ``--db <path|url>`` (default: ``OPSGATE_DB``), for a command and
    its actions alike."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--db",
        metavar="PATH|URL",
        # Absent means "not given", so it can be written before or after the action
        # (`audit --db x verify`, `audit verify --db x`) without one hiding the other.
        default=argparse.SUPPRESS,
        help="the audit database: a file path, or sqlite:///relative.db or "
        "sqlite:////absolute.db (default: OPSGATE_DB, else ./opsgate.db)",
    )
    return parent


def chosen_database(args: argparse.Namespace, settings: Settings) -> Path:
    """The database ``--db`` names, or the settings' one.

    Raises:
        DatabaseChoiceError: ``--db`` is a URL of a kind this opsgate does not support.
    """
    given: str | None = getattr(args, "db", None)
    if not given:
        return settings.db
    if given.startswith("sqlite:///"):  # SQLAlchemy's form: sqlite:///rel.db, sqlite:////abs.db
        return Path(given.removeprefix("sqlite:///"))
    if "://" in given:
        scheme = urlsplit(given).scheme or given.split("://", 1)[0]
        raise DatabaseChoiceError(
            f"--db {scheme}://…: only SQLite is supported here: give a file path "
            "(or sqlite:///relative.db, sqlite:////absolute.db)"
        )
    return Path(given)
