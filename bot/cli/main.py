"""The `opsgate` command (SPEC §5): serve, console, audit, manifest, check, plugins."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from adapters.registry import PluginError, Plugins, installed_plugins
from bot.policy import PolicyError
from bot.settings import Settings, SettingsError, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opsgate", description="Approval-gated, audited destructive operations from Slack."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = sub.add_parser(
        "serve", help="run the bot (Socket Mode with SLACK_APP_TOKEN, else HTTP)"
    )
    serve.add_argument(
        "--http", action="store_true", help="serve HTTP even if SLACK_APP_TOKEN is set"
    )
    serve.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    serve.add_argument(
        "--host",
        default="0.0.0.0",  # noqa: S104 - a server for Slack to reach
        help="HTTP listen address (default 0.0.0.0)",
    )
    sub.add_parser("console", help="a local Slack stand-in in this terminal, vendors sandboxed")
    audit = sub.add_parser("audit", help="export or verify the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    export = audit_sub.add_parser("export", help="one line per audit event")
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    export.add_argument("--since", help="ISO date/time, or relative: 24h, 7d, 30m")
    audit_sub.add_parser("verify", help="check the hash chain; exit 1 naming the first bad event")
    manifest = sub.add_parser("manifest", help="print the Slack app manifest")
    manifest.add_argument(
        "--http", action="store_true", help="HTTP request URLs instead of Socket Mode"
    )
    manifest.add_argument("--url", help="public base URL of `opsgate serve --http`")
    sub.add_parser("check", help="validate settings and policy and reach each configured vendor")
    plugins = sub.add_parser(
        "plugins", help="list the installed vendor plugins and the operations each adds"
    )
    plugins.add_argument("--json", action="store_true", help="one JSON document, for scripts")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `opsgate` command; returns the exit status."""
    args = _parser().parse_args(argv)
    command = args.command or "console"  # the embedded default
    try:
        plugins = installed_plugins()
        settings = load_settings(plugins=plugins)
    except PluginError as exc:
        print(f"opsgate: {exc}", file=sys.stderr)
        return 2
    except SettingsError as exc:
        print(f"opsgate: invalid settings: {exc}", file=sys.stderr)
        return 2
    _configure_logging(settings, console=command == "console")
    try:
        return _COMMANDS[command](args, settings, plugins)
    except PolicyError as exc:
        print(f"opsgate: invalid policy: {exc}", file=sys.stderr)
        return 2


def _configure_logging(settings: Settings, *, console: bool) -> None:
    level = settings.log_level.upper()
    if console and "OPSGATE_LOG_LEVEL" not in os.environ:
        level = "WARNING"  # the console's output is the conversation, not the log
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request at INFO; vendor calls are in the audit log already.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLevelName(level)))


def _serve(args: argparse.Namespace, settings: Settings, plugins: Plugins) -> int:
    from bot.cli import runtime

    return runtime.serve(settings, plugins=plugins, http=args.http, host=args.host, port=args.port)


def _console(args: argparse.Namespace, settings: Settings, plugins: Plugins) -> int:
    from bot.console import run_console

    return run_console(settings, plugins=plugins, stdin=sys.stdin, stdout=sys.stdout)


def _audit(args: argparse.Namespace, settings: Settings, plugins: Plugins) -> int:
    from bot.store import Store
    from bot.store.export import parse_since, write_events

    store = Store.open(settings.db)
    try:
        if args.audit_command == "verify":
            result = store.verify()
            if result.ok:
                print(f"audit log intact: {result.checked} events verified")
                return 0
            print(
                f"audit log broken at event seq {result.first_bad_seq}: {result.problem}",
                file=sys.stderr,
            )
            return 1
        try:
            since = parse_since(args.since, now=datetime.now(UTC)) if args.since else None
        except ValueError as exc:
            print(f"opsgate: --since: {exc}", file=sys.stderr)
            return 2
        write_events(store.events(since=since), sys.stdout, fmt=args.format)
        return 0
    finally:
        store.close()


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


_COMMANDS = {
    "serve": _serve,
    "console": _console,
    "audit": _audit,
    "manifest": _manifest,
    "check": _check,
    "plugins": _plugins,
}
