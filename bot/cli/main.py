"""The `opsgate` command (SPEC §5, §13): serve, console, audit, db, manifest, check, plugins.

Every expected failure (bad settings, policy or plugin, a missing database, an unreachable
Slack, a closed pipe, a full disk, Ctrl-C) ends in one line on stderr and a non-zero status,
never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Final, TextIO, cast

from adapters.http import RETRY_LOGGER
from adapters.registry import PluginError, Plugins, installed_plugins
from bot.cli.db import add_db_parser
from bot.cli.early import StoppedEarly, sigterm_stops_early, stopped_early
from bot.cli.options import (
    INTERRUPTED_STATUS,
    OneLineParser,
    Subcommands,
    database_options,
    port_number,
    sigterm_interrupts,
)
from bot.cli.output import GuardedOutput, OutputUnwritable, silence_stdout, stderr_kept_open
from bot.observability import configure_logging, failure_line
from bot.policy import PolicyError
from bot.settings import Settings, SettingsError, load_settings
from bot.store import AuditKeyError, DatabaseUnavailable

#: The status of a writer whose reader went away (128 + SIGPIPE), as shells report it.
BROKEN_PIPE_STATUS = 141

#: The status when stdout refuses the output (a full disk): that of every failure that is not
#: the command's answer, never ``audit verify``'s 1, which says the log is broken.
OUTPUT_FAILED_STATUS = 2


def _version() -> str:
    try:
        return version("opsgate")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def _add(
    sub: Subcommands,
    name: str,
    summary: str,
    parents: Sequence[OneLineParser] = (),
) -> OneLineParser:
    """A subcommand whose one-line summary shows both in `opsgate --help` and in its own."""
    description = summary[0].upper() + summary[1:] + "."
    return sub.add_parser(name, help=summary, description=description, parents=list(parents))


def _parser() -> OneLineParser:
    parser = OneLineParser(
        prog="opsgate",
        description="Approval-gated, audited destructive operations from Slack. With no COMMAND, "
        "opsgate runs the console.",
    )
    parser.add_argument("--version", action="version", version=f"opsgate {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = _add(sub, "serve", "run the bot (Socket Mode with SLACK_APP_TOKEN, else HTTP)")
    serve.add_argument(
        "--http", action="store_true", help="serve HTTP even if SLACK_APP_TOKEN is set"
    )
    serve.add_argument(
        "--port", type=port_number, default=3000, help="HTTP port, 0 to 65535 (default 3000)"
    )
    serve.add_argument(
        "--host",
        default="0.0.0.0",  # noqa: S104 - a server for Slack to reach
        help="HTTP listen address (default 0.0.0.0)",
    )
    serve.add_argument(
        "--probe-port",
        type=port_number,
        metavar="PORT",
        help="in Socket Mode, also answer GET /healthz and /metrics on this port (on --host)",
    )
    _add(sub, "console", "a local Slack stand-in in this terminal, unconfigured vendors sandboxed")
    _audit_parser(sub)
    add_db_parser(sub, database_options())
    manifest = _add(sub, "manifest", "print the Slack app manifest")
    manifest.add_argument(
        "--http", action="store_true", help="HTTP request URLs instead of Socket Mode"
    )
    manifest.add_argument("--url", help="public base URL of `opsgate serve --http`")
    _add(sub, "check", "validate settings and policy, ask Slack, and reach each vendor")
    plugins = _add(sub, "plugins", "list the installed vendor plugins and the operations each adds")
    plugins.add_argument("--json", action="store_true", help="one JSON document, for scripts")
    return parser


def _audit_parser(sub: Subcommands) -> None:
    """``opsgate audit export|verify|head``, each taking ``--db``."""
    database = database_options()
    audit = _add(sub, "audit", "export or verify the audit log (read-only)", parents=[database])
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    export = _add(audit_sub, "export", "print one line per audit event", parents=[database])
    export.add_argument(
        "--format",
        choices=["jsonl", "csv"],
        default="jsonl",
        help="one JSON object per line (default), or CSV with a header row",
    )
    export.add_argument("--since", help="ISO date/time, or relative: 24h, 7d, 30m")
    verify = _add(
        audit_sub,
        "verify",
        "check the hash chain, anchors and tables; exit 1 naming the first bad event",
        parents=[database],
    )
    verify.add_argument(
        "--anchor",
        action="append",
        default=[],
        metavar="SEQ:HASH",
        help="fail unless the log still holds this event with this hash (from `audit head`); "
        "repeatable",
    )
    _add(
        audit_sub,
        "head",
        "print the chain head as <seq>:<hash>, to keep as an anchor",
        parents=[database],
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `opsgate` command; returns the exit status.

    A reader that leaves early (``opsgate check | head -1``) ends any command quietly with
    `BROKEN_PIPE_STATUS`, as Python's documentation on SIGPIPE recommends. Output that cannot
    be written (``> /dev/full``) is one line and `OUTPUT_FAILED_STATUS`. Started with stderr
    closed, it says nothing, but its status is the same (`stderr_kept_open`).
    """
    stderr_kept_open()
    stdout = sys.stdout
    guarded = GuardedOutput(stdout)
    sys.stdout = cast(TextIO, guarded)
    try:
        try:
            return _run(argv)
        finally:  # now, not at exit: a reader that has gone must be seen here
            sys.stdout = stdout
            guarded.flush()
    except KeyboardInterrupt:  # Ctrl-C while plugins or settings load, before a command runs
        print(file=sys.stderr)
        return INTERRUPTED_STATUS
    except BrokenPipeError:
        silence_stdout()
        return BROKEN_PIPE_STATUS
    except OutputUnwritable as exc:
        silence_stdout()
        print(f"opsgate: cannot write the output: {exc}", file=sys.stderr)
        return OUTPUT_FAILED_STATUS


def _run(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "console"  # the embedded default
    vendors = command not in _WITHOUT_VENDORS
    # `serve` is a service: the line saying why it stopped is written as its logs are.
    fmt = _logs_format_asked() if command == "serve" else "text"
    try:
        with sigterm_stops_early():  # until the command takes over its signals
            plugins = installed_plugins() if vendors else Plugins.of()
            settings = load_settings(plugins=plugins, vendors=vendors)
            if command == "serve":  # Bolt and the app, loaded before `serve` takes over SIGTERM
                import bot.cli.runtime  # noqa: F401
    except StoppedEarly:
        line, status = stopped_early(serving=command == "serve")
        print(failure_line(line, fmt=fmt), file=sys.stderr)
        return status
    except PluginError as exc:
        return _failed(str(exc), fmt)
    except SettingsError as exc:
        return _failed(f"invalid settings: {exc}", fmt)
    _configure_logging(settings, console=command == "console")
    fmt = settings.log_format if command == "serve" else "text"
    try:
        if command in _SERVICES:  # they stop by themselves
            return _COMMANDS[command](args, settings, plugins)
        with sigterm_interrupts():
            return _COMMANDS[command](args, settings, plugins)
    except PolicyError as exc:
        return _failed(f"invalid policy: {exc}", fmt)
    # e.g. the console's database, or a plugin that raised building the console's adapters
    except (DatabaseUnavailable, AuditKeyError, PluginError) as exc:
        return _failed(str(exc), fmt)
    except KeyboardInterrupt:  # Ctrl-C (or SIGTERM) outside serve, which stops by itself
        print("" if command == "console" else "\nopsgate: interrupted", file=sys.stderr)
        return INTERRUPTED_STATUS


def _logs_format_asked() -> str:
    """``OPSGATE_LOG_FORMAT`` as the environment gives it, for a failure before the settings
    are read (they may be what failed)."""
    return "json" if os.environ.get("OPSGATE_LOG_FORMAT", "").strip().lower() == "json" else "text"


def _failed(problem: str, fmt: str) -> int:
    print(failure_line(problem, fmt=fmt), file=sys.stderr)
    return 2


def _configure_logging(settings: Settings, *, console: bool) -> None:
    level = settings.log_level.upper()
    if console and "log_level" not in settings.model_fields_set:
        # Set nowhere (an empty variable is no setting): the console's output is the
        # conversation, not the log. A level set in the environment or opsgate.toml holds.
        level = "WARNING"
        # A retry of a safe call is the card's to tell; its log lines broke into transcripts.
        logging.getLogger(RETRY_LOGGER).setLevel(logging.ERROR)
    configure_logging(level=level, fmt=settings.log_format)


def _serve(args: argparse.Namespace, settings: Settings, plugins: Plugins) -> int:
    from bot.cli import runtime

    return runtime.serve(
        settings,
        plugins=plugins,
        http=args.http,
        host=args.host,
        port=args.port,
        probe_port=args.probe_port,
    )


def _console(args: argparse.Namespace, settings: Settings, plugins: Plugins) -> int:
    from bot.console import run_console

    if sys.stdin is None:  # started with ``<&-``: not one line could be read
        print("opsgate: cannot read the input: standard input is closed", file=sys.stderr)
        return 2
    return run_console(settings, plugins=plugins, stdin=sys.stdin, stdout=sys.stdout)


def _audit(args: argparse.Namespace, settings: Settings, plugins: Plugins) -> int:
    from bot.cli.audit import run_audit

    return run_audit(args, settings)


def _db(args: argparse.Namespace, settings: Settings, plugins: Plugins) -> int:
    from bot.cli.db import run_db

    return run_db(args, settings)


def _manifest(args: argparse.Namespace, settings: Settings, plugins: Plugins) -> int:
    from bot.slack.manifest import manifest_yaml

    try:
        sys.stdout.write(manifest_yaml(http=args.http, url=args.url))
    except ValueError as exc:
        print(f"opsgate: {exc}", file=sys.stderr)
        return 2
    return 0


def _check(args: argparse.Namespace, settings: Settings, plugins: Plugins) -> int:
    from bot.cli.checks import run_checks

    return run_checks(settings, plugins=plugins, out=sys.stdout)


def _plugins(args: argparse.Namespace, settings: Settings, plugins: Plugins) -> int:
    from bot.cli.plugins import list_plugins

    return list_plugins(plugins, settings, as_json=args.json, out=sys.stdout)


#: Commands that call no vendor: they load no plugin and read no vendor setting, so a broken
#: plugin or a bad vendor setting never keeps anyone from the audit log or the manifest.
_WITHOUT_VENDORS: Final = frozenset({"audit", "db", "manifest"})

#: Commands that are stopped by a signal in their own way (`serve` drains; the console quits).
_SERVICES: Final = frozenset({"serve", "console"})

_COMMANDS = {
    "serve": _serve,
    "console": _console,
    "audit": _audit,
    "db": _db,
    "manifest": _manifest,
    "check": _check,
    "plugins": _plugins,
}
