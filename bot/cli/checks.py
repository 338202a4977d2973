"""`opsgate check`: settings and policy valid, Slack token accepted, each vendor plugin's auth
reached."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Final, TextIO

import httpx

from adapters.cleartext import in_clear, in_clear_warning
from adapters.cleartext import logger as in_clear_logger
from adapters.errors import AdapterError
from adapters.http import RETRY_LOGGER
from adapters.plugin import PLUGIN_FAULTS
from adapters.plugin_start import masked, one_line
from adapters.registry import Adapters, Plugins, build_adapters
from adapters.sent import requests_sent
from adapters.settings import VendorSettings
from bot.cards.text import one_line as on_one_line
from bot.cards.text import plural
from bot.cli.options import lock_waits_said
from bot.cli.preflight import (
    app_token_problem,
    missing_slack_settings,
    serves_socket_mode,
    slack_identity,
    slack_in_clear,
)
from bot.policy import Policy, PolicyError, load_policy
from bot.policy.source import find_policy_table
from bot.settings import Settings
from bot.store import Store, StoreError
from bot.store.unopened import can_create_in

#: While the vendors are reached, the least these loggers let through: the report says how each
#: check went, so a login or a retry scheduled would only be noise between its lines. Errors
#: still show.
_QUIETER: Final = {"adapters": logging.WARNING, RETRY_LOGGER: logging.ERROR}
#: An adapter's next step is written for a request; in a check, the thing to do again is the check.
_REQUEST_AGAIN: Final = "then request again."
_CHECK_AGAIN: Final = "then run `opsgate check` again."


#: A line of the report: passed (True), failed (False) or a warning (None, not a check of its
#: own: it follows the line it is about), what was checked, and what was found.
Line = tuple[bool | None, str, str]
_STATUS: Final = {True: "ok", False: "FAIL", None: "warn"}


def run_checks(settings: Settings, *, plugins: Plugins, out: TextIO) -> int:
    """Print one line per check (and per warning); return 0 when every check passed, 1
    otherwise. Kept waiting for a lock another PostgreSQL session holds (a replica
    migrating), it says so on stderr, once, as ``audit`` and ``db`` do, and waits on."""
    with lock_waits_said(sys.stderr):
        store, database = _database(settings)
        try:
            results: list[Line] = [
                _policy(settings, plugins),
                database,
                _with_slack_warning(_slack(settings), settings),
                *_vendors(settings, plugins, store),
            ]
        finally:
            if store is not None:
                store.close()
    for ok, name, detail in results:
        out.write(f"{_STATUS[ok]:<4}  {name}: {_shown(detail)}\n")
    passed = sum(1 for ok, _, _ in results if ok is True)
    failed = sum(1 for ok, _, _ in results if ok is False)
    out.write(f"\n{passed} passed, {failed} failed\n" if failed else "\nall checks passed\n")
    return 1 if failed else 0


#: Control characters but tabs (line breaks are `on_one_line`'s) show as "�", as the console
#: shows them: an escape sequence in a vendor's answer would otherwise drive the terminal.
_CONTROLS: Final = dict.fromkeys(
    [c for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if chr(c) != "\t"], "\ufffd"
)


def _shown(detail: str) -> str:
    """`detail` on its one line of the report: a line break in a vendor's or a plugin's words
    (an error's message, a check's line) shows as ` ⏎ `, so none can add a line that reads as
    another check's (``ok    slack: …``)."""
    return on_one_line(detail).translate(_CONTROLS)


#: What `check` says with no policy anywhere: that is allowed, and laxer than most teams want.
NO_POLICY: Final = (
    "none configured: the defaults apply (any one person but the requester approves; "
    "see the README's Policy)"
)


def _policy(settings: Settings, plugins: Plugins) -> tuple[bool, str, str]:
    try:
        policy = load_policy(settings, catalog=plugins.catalog)
        configured = find_policy_table(
            config_file=settings.config_file, policy_file=settings.policy_file
        )
    except PolicyError as exc:
        return False, "policy", str(exc).removeprefix("policy: ")
    if configured is None:
        return True, "policy", NO_POLICY
    return True, "policy", f"valid ({configured[1]}){_unrequestable(policy, plugins.catalog.ids)}"


def _unrequestable(policy: Policy, operation_ids: Sequence[str]) -> str:
    """What the report adds for operations nobody can request: valid (an empty list is how
    an operation is turned off), but a slip when meant otherwise, so said, never silent."""
    closed = {
        operation: ", ".join(
            f"{key} = []" for key in ("requesters", "channels") if not getattr(rules, key)
        )
        for operation in operation_ids
        if not (rules := policy.for_operation(operation)).requesters or not rules.channels
    }
    if not closed:
        return ""
    if len(closed) == len(operation_ids) and len(set(closed.values())) == 1:
        return f"; nobody can request any operation ({next(iter(closed.values()))})"
    named = "; ".join(f"{operation} ({why})" for operation, why in closed.items())
    return f"; nobody can request {named}"


def _slack(settings: Settings) -> tuple[bool, str, str]:
    """What `opsgate serve` (with no --http) would say about Slack, checked the same way."""
    socket_mode = serves_socket_mode(settings, http=False)
    missing = missing_slack_settings(settings, socket_mode=socket_mode)
    if missing:
        return False, "slack", f"`opsgate serve` would not start: {missing}"
    identity = slack_identity(settings)
    if not identity.ok:
        return False, "slack", identity.detail
    refused = app_token_problem(settings) if socket_mode else None
    mode = "Socket Mode" if socket_mode else "HTTP"
    if refused and refused.endswith(": ratelimited"):  # Tier 1: asked too often, not refused
        return (
            True,
            "slack",
            (
                f"{identity.detail}; serve uses {mode} (SLACK_APP_TOKEN not checked: Slack said "
                "ratelimited; check again in a minute)"
            ),
        )
    if refused:
        return False, "slack", f"{identity.detail}, but `opsgate serve` would not start: {refused}"
    if socket_mode and settings.slack_signing_secret is None:
        mode += " (`serve --http` would also need SLACK_SIGNING_SECRET)"
    return True, "slack", f"{identity.detail}; serve uses {mode}"


def _with_slack_warning(result: tuple[bool, str, str], settings: Settings) -> tuple[bool, str, str]:
    """`result`, saying what `serve` warns about at start-up: its tokens sent over plain http."""
    ok, name, detail = result
    warning = slack_in_clear(settings)
    return (ok, name, _followed_by(detail, [warning] if warning else []))


def _followed_by(detail: str, warnings: list[str]) -> str:
    """`detail` and each warning: after a sentence (a next step), a sentence; else a clause."""
    for warning in warnings:
        detail += f" Warning: {warning}." if detail.endswith(".") else f"; warning: {warning}"
    return detail


def _vendors(settings: Settings, plugins: Plugins, store: Store | None) -> list[Line]:
    """Each vendor reached; through the replicas' database when there is one, so checking a
    vendor reuses their shared token instead of logging in beside them (a login would
    invalidate theirs)."""
    shared = None if store is None else store.shared
    # A plugin that raises while its adapter is built is that vendor's FAIL, not the end. Its
    # warning about plain http is said on its line, not logged between the report's lines.
    with _vendor_logs_quieter({in_clear_logger.name: logging.ERROR}):
        adapters = build_adapters(
            plugins, settings.vendors(), sandbox=settings.sandbox, shared=shared, keep_going=True
        )
    try:
        with _vendor_logs_quieter(_QUIETER):
            sent: dict[str, list[httpx.Request]] = {}
            return _with_warnings(_reach(adapters, settings.vendors(), sent), sent, settings)
    finally:
        adapters.close()


def _with_warnings(
    results: list[tuple[bool, str, str]],
    sent: Mapping[str, list[httpx.Request]],
    settings: Settings,
) -> list[Line]:
    """`results`, each configured vendor's line followed by a line for each URL `serve` warns
    about at start-up (`adapters.cleartext`: a credential sent over plain http to another
    machine), naming the URL (never a secret) and saying when this check's call to it went
    out carrying a credential (`sent`: each vendor's requests that left)."""
    warned: list[Line] = []
    for ok, label, detail in results:
        warned.append((ok, label, detail))
        vendor_settings = settings.vendors().get(label)  # a sandbox's label is not the vendor
        if vendor_settings is None or not vendor_settings.configured:  # never connected
            continue
        for setting, url, carried in in_clear(vendor_settings, label):
            shown = masked(url.strip(), vendor_settings)
            went = _carried_to(url, sent.get(label, []), vendor_settings)
            called = "; this check called it too" if went else ""
            warned.append((None, label, in_clear_warning(f"{shown} ({setting})", carried) + called))
    return warned


def _carried_to(url: str, sent: list[httpx.Request], settings: VendorSettings) -> bool:
    """Whether one of `sent` (answered) went to `url`'s host and port carrying a credential:
    an Authorization header, or a secret of `settings` (in its URL, headers or body)."""
    where = httpx.URL(url.strip())
    for request in sent:
        if (request.url.host, request.url.port) != (where.host, where.port):
            continue
        text = f"{request.url}\n{request.headers.multi_items()}\n{request.content!r}"
        if "authorization" in request.headers or masked(text, settings) != text:
            return True
    return False


def _database(settings: Settings) -> tuple[Store | None, tuple[bool, str, str]]:
    """The database `serve` would open (``OPSGATE_DB``), opened with its key as `serve` opens
    it, and its line; a SQLite file not there yet is created by `serve`, not by `check`."""
    if isinstance(settings.db, Path) and not settings.db.exists():
        folder = settings.db.parent
        if can_create_in(folder):
            return None, (True, "database", f"{settings.db}: none yet; `serve` creates it")
        why = f"cannot create {settings.db}: {folder} is not a writable directory"
        return None, (False, "database", f"`opsgate serve` would not start: {why}")
    try:
        store = Store.open(settings.db, key=settings.audit_key)
    except StoreError as exc:
        return None, (False, "database", f"`opsgate serve` would not start: {exc}")
    try:
        events = store.head().seq
    except StoreError as exc:  # opened, but its log is damaged: `audit verify` says where
        store.close()
        return None, (False, "database", f"{store.engine.label}: {exc}")
    return store, (True, "database", f"{store.engine.label}: {plural(events, 'audit event')}")


def _reach(
    adapters: Adapters,
    settings_by_vendor: Mapping[str, VendorSettings],
    sent: dict[str, list[httpx.Request]],
) -> list[tuple[bool, str, str]]:
    """Each vendor's line; `sent` gets each checked vendor's requests that left, by label."""
    results = [
        (True, vendor, "not configured (its commands will say so)")
        for vendor in sorted(adapters.unconfigured)
    ]
    for vendor in sorted({*adapters.by_vendor, *adapters.failed}):
        failed = adapters.failed.get(vendor)
        sandboxed = failed.sandboxed if failed else adapters.is_sandboxed(vendor)
        label = f"{vendor} (sandbox)" if sandboxed else vendor
        if failed is not None:
            results.append((False, label, str(failed)))
            continue
        try:
            with requests_sent() as sent[label]:
                line: object = adapters.by_vendor[vendor].check()
            if not isinstance(line, str):
                raise TypeError(f"its check returned {type(line).__name__}, not a line of text")
            # A plugin's line may name its base URL or, carelessly, a secret: neither is shown.
            results.append((True, label, masked(line, settings_by_vendor.get(vendor))))
        except AdapterError as exc:
            next_step = exc.next_step.replace(_REQUEST_AGAIN, _CHECK_AGAIN)
            results.append((False, label, f"{exc.message}. {next_step}".strip()))
        except PLUGIN_FAULTS as exc:  # a bug in the plugin's check: its vendor's FAIL, not the end
            said = masked(f"{type(exc).__name__}: {exc}", settings_by_vendor.get(vendor))
            results.append((False, label, f"its plugin failed checking it: {one_line(said)}"))
    return results


@contextmanager
def _vendor_logs_quieter(levels: Mapping[str, int]) -> Iterator[None]:
    """Raise the loggers named in `levels` (`_QUIETER` while the vendors are reached) to their
    level, then put them back (a logger already quieter stays as it is)."""
    loggers = {logging.getLogger(name): level for name, level in levels.items()}
    before = {logger: logger.level for logger in loggers}
    for logger, level in loggers.items():
        logger.setLevel(max(level, logger.getEffectiveLevel()))
    try:
        yield
    finally:
        for logger, level in before.items():
            logger.setLevel(level)
