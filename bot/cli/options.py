"""The command line's parser, which says a usage error in one line; options several subcommands
share, declared once (``--db`` on ``audit`` and ``db``); and the type of the ports ``serve``
listens on."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Final, NoReturn, TextIO, TypeAlias

from bot.cli.early import sigterm_raises
from bot.settings import Settings
from bot.settings.targets import UnreadableTarget, parse_target, redacted
from bot.store.lockwait import saying_lock_waits


class OneLineParser(argparse.ArgumentParser):
    """argparse's parser, but a usage error is one line on stderr and exit 2, as every other
    expected failure of the command line is (SPEC §13): the usage block it would print first
    is what ``--help`` shows, and the line says so."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("argument ") and message.endswith(": expected one argument"):
            # argparse reads a value that starts with "-" (``--since -5m``) as another option
            option = message.removeprefix("argument ").partition(":")[0].split("/")[-1]
            message += f"; a value starting with '-' is written {option}=<value>"
        self.exit(2, f"{self.prog}: error: {message} (see: {self.prog} --help)\n")

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> tuple[Any, list[str]]:
        """argparse's, but a word no parser took is refused by the parser it was given to, so
        ``opsgate audit verify --bogus`` points to ``opsgate audit verify --help``, not to
        ``opsgate --help``; and an option given once before the action and again after it
        (`GivenOnce`) must agree."""
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        for name in [name for name in vars(parsed) if name.startswith(_GIVEN_HERE)]:
            option, before = getattr(parsed, name)
            delattr(parsed, name)
            now = getattr(parsed, name.removeprefix(_GIVEN_HERE))
            if now != before:
                self.error(given_twice(option, before, now))
        return parsed, extras


#: What `OneLineParser.add_subparsers` returns: its subcommands' parsers are `OneLineParser`s.
Subcommands: TypeAlias = "argparse._SubParsersAction[OneLineParser]"


#: Where `GivenOnce` keeps what a parser was given, for that parser to compare once its
#: action's parser (which writes the same attribute) is done.
_GIVEN_HERE: Final = "given here: "


def given_twice(option: str, first: str, second: str) -> str:
    """The usage error for an option given two different values; a URL's password is never
    shown."""
    return (
        f"{option} is given twice, as {redacted(first)!r} and as {redacted(second)!r}: give it once"
    )


class GivenOnce(argparse.Action):
    """Stores an option's value, refusing a second, different one: ``--db A --db B`` as
    ``audit --db A verify --db B`` (which `OneLineParser` compares), rather than using the
    later one without a word."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        option = option_string or self.dest
        before = getattr(namespace, self.dest, None)
        if before is not None and before != values:
            parser.error(given_twice(option, before, values))
        setattr(namespace, self.dest, values)
        setattr(namespace, _GIVEN_HERE + self.dest, (option, values))


class DatabaseChoiceError(ValueError):
    """``--db`` names a database this opsgate cannot open; the message says why, in one line."""


def database_options() -> OneLineParser:
    """A parent parser adding ``--db <path|url>`` (default: ``OPSGATE_DB``), for a command and
    its actions alike."""
    parent = OneLineParser(add_help=False)
    parent.add_argument(
        "--db",
        action=GivenOnce,
        metavar="PATH|URL",
        # Absent means "not given", so it can be written before or after the action
        # (`audit --db x verify`, `audit verify --db x`) without one hiding the other; two
        # different ones are refused (`GivenOnce`).
        default=argparse.SUPPRESS,
        help="the audit database: a file path (or sqlite:///relative.db, sqlite:////absolute.db) "
        "or a postgresql://user@host/db URL (default: OPSGATE_DB, else ./opsgate.db)",
    )
    return parent


#: The exit status after Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED_STATUS: Final = 130


def sigterm_interrupts() -> AbstractContextManager[None]:
    """SIGTERM (``kill``, a supervisor ending a job) interrupts the command as Ctrl-C does, so
    it ends with its one line (`db copy`: nothing was copied; run it again) and
    `INTERRUPTED_STATUS`, rather than dying without a word. `serve` has its own stop."""
    return sigterm_raises(KeyboardInterrupt)


def lock_waits_said(err: TextIO) -> AbstractContextManager[None]:
    """`saying_lock_waits` for ``audit`` and ``db``: kept waiting for a lock another PostgreSQL
    session holds, the command says so on `err`, once, in its own words, and waits on."""
    return saying_lock_waits(
        lambda line: print(f"opsgate: {line} (Ctrl-C stops)", file=err, flush=True)
    )


#: The highest TCP port; 0 asks the system for any free one (the server logs which).
MAX_PORT: Final = 65535


def port_number(text: str) -> int:
    """An ``argparse`` type for ``--port`` and ``--probe-port``: a TCP port, 0 to `MAX_PORT`.

    Raises:
        argparse.ArgumentTypeError: Not a whole number in range (argparse's one-line usage
            error follows, status 2).
    """
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= MAX_PORT:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port: give a whole number from 0 to {MAX_PORT}"
        )
    return port


def chosen_database(
    args: argparse.Namespace, settings: Settings, *, flag: str = "--db"
) -> Path | str:
    """The database ``--db`` (or `flag`, the option it was given as) names, or the settings'
    one.

    Raises:
        DatabaseChoiceError: It is empty, or neither a SQLite file nor a PostgreSQL URL
            (`bot.settings.targets.parse_target`).
    """
    given: str | None = getattr(args, "db", None)
    if given is None:
        return settings.db
    if not given.strip():  # `--db "$BACKUP"` with the variable unset: never the default instead
        raise DatabaseChoiceError(
            f"{flag} is empty: name a SQLite file or a postgresql:// URL (is a shell variable "
            "unset?)"
        )
    try:
        return parse_target(given)
    except UnreadableTarget as exc:
        raise DatabaseChoiceError(f"{flag}: {exc}") from None
