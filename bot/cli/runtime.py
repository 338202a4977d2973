"""Running the real bot: check what serving needs, build the app, serve, and stop gracefully.

Stopping (SIGTERM, or Ctrl-C) means: take no new work (HTTP stops accepting, Socket Mode
disconnects, and a run of several vendor calls sends no more of them, as after Stop), let the
work in flight (vendor calls above all) finish for up to ``OPSGATE_SHUTDOWN_GRACE``, then exit 0.
A run whose calls in flight finished in time ends with what it did (``stopped``, by ``system``,
when calls were left unsent). Whatever is still running after the grace is left exactly as after
a crash: the next start marks those requests ``unknown`` and never retries them. A second signal
(SIGTERM or Ctrl-C, either way) stops the wait at once, the same way: one line, exit 0.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import NoReturn

from slack_sdk.errors import SlackApiError

from adapters.registry import PluginError, Plugins, installed_plugins
from bot.app import OpsgateApp, build_app
from bot.cli.early import sigterm_raises
from bot.cli.preflight import (
    missing_slack_settings,
    serves_socket_mode,
    slack_identity,
    slack_in_clear,
)
from bot.cli.serve import ProbesUnavailable, probes_served, serve_http, serve_socket_mode
from bot.observability import failure_line, log_context
from bot.policy import PolicyError, load_policy
from bot.settings import Settings
from bot.store import SYSTEM_ACTOR, AuditKeyError, DatabaseUnavailable
from bot.store.leases import InFlight
from bot.store.lockwait import saying_lock_waits

log = logging.getLogger(__name__)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so serving stops exactly as on Ctrl-C."""


def serve(
    settings: Settings,
    *,
    http: bool,
    host: str,
    port: int,
    plugins: Plugins | None = None,
    probe_port: int | None = None,
) -> int:
    """Run the bot until stopped: Socket Mode when SLACK_APP_TOKEN is set (unless `http`), else
    HTTP. In Socket Mode, `probe_port` also serves ``/healthz`` and ``/metrics`` on `host`.
    Returns the exit status: 0 after a graceful stop, 2 when it could not start."""
    plugins = installed_plugins() if plugins is None else plugins
    socket_mode = serves_socket_mode(settings, http=http)
    if probe_port is not None and not socket_mode:
        log.warning("--probe-port is for Socket Mode; over HTTP the probes are on --port")
    # Installed before start-up, until the end, drain included: SIGTERM while the database or
    # Slack is being checked stops too, and a second SIGTERM stops the wait as Ctrl-C does.
    # From start-up to the end of the drain, SIGTERM raises `Terminated`: during start-up, to
    # stop it; then the first to stop serving, a second to stop the drain's wait.
    with sigterm_raises(Terminated):
        try:
            opsgate = _ready(settings, plugins, socket_mode=socket_mode)
        except Terminated:
            log.info("stopped before start-up finished")
            return 0
        if isinstance(opsgate, str):
            return _cannot_start(opsgate, settings)
        return _run(opsgate, socket_mode=socket_mode, host=host, port=port, probe_port=probe_port)


def _run(
    opsgate: OpsgateApp, *, socket_mode: bool, host: str, port: int, probe_port: int | None
) -> int:
    """Serve until stopped, then drain; the exit status (2: serving could not begin)."""
    try:
        _serve(opsgate, socket_mode=socket_mode, host=host, port=port, probe_port=probe_port)
    except ProbesUnavailable as exc:
        opsgate.close()
        return _cannot_start(str(exc), opsgate.settings)
    except OSError as exc:
        opsgate.close()
        where = "connect to Slack in Socket Mode" if socket_mode else f"listen on {host}:{port}"
        return _cannot_start(f"cannot {where}: {exc.strerror or exc}", opsgate.settings)
    except SlackApiError as exc:
        opsgate.close()
        refused = f"Slack refused SLACK_APP_TOKEN: {exc.response.get('error')}"
        return _cannot_start(refused, opsgate.settings)
    return _drain(opsgate)


def _ready(settings: Settings, plugins: Plugins, *, socket_mode: bool) -> OpsgateApp | str:
    """The app, built and checked with Slack; or why it cannot start, in one line."""
    problem = missing_slack_settings(settings, socket_mode=socket_mode)
    if problem:
        return problem
    try:
        # Local mistakes first, before asking Slack.
        policy = load_policy(settings, catalog=plugins.catalog)
    except PolicyError as exc:
        return f"invalid policy: {exc}"
    try:
        # Opening the database migrates it, under a lock: behind another replica migrating
        # (or a lock taken by hand), say once who holds it rather than wait in silence.
        with saying_lock_waits(lambda line: log.warning("%s (SIGTERM or Ctrl-C stops)", line)):
            opsgate = build_app(settings, plugins=plugins, policy=policy)
    except DatabaseUnavailable as exc:
        return f"{exc} (OPSGATE_DB)"
    except (AuditKeyError, PluginError) as exc:  # a plugin that raised in connect or sandbox
        return str(exc)
    try:
        problem = _slack_problem(settings)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM while Slack is asked
        opsgate.close()
        raise
    if problem:
        opsgate.close()
        return problem
    return opsgate


def _serve(
    opsgate: OpsgateApp, *, socket_mode: bool, host: str, port: int, probe_port: int | None
) -> None:
    token = opsgate.settings.slack_app_token
    try:
        opsgate.start_background()
        if socket_mode and token is not None:
            with probes_served(opsgate, host=host, port=probe_port):
                serve_socket_mode(opsgate, app_token=token.get_secret_value())
        else:
            serve_http(opsgate, host=host, port=port)
    except KeyboardInterrupt:
        pass  # a stop before serving began: still drain what was started


def _slack_problem(settings: Settings) -> str | None:
    warning = slack_in_clear(settings)
    if warning:
        log.warning("%s", warning)
    identity = slack_identity(settings)
    if not identity.ok:
        return identity.detail
    log.info("Slack: %s", identity.detail)
    # The app token is not asked for a connection here: Socket Mode's own first step does
    # that (`apps.connections.open`, a Tier 1 method: a second call per start would spend a
    # replica's quota and could refuse a start with "ratelimited").
    return None


def _cannot_start(problem: str, settings: Settings) -> int:
    """One line, as the logs are written (JSON lines too), and status 2."""
    print(failure_line(problem, fmt=settings.log_format), file=sys.stderr)
    return 2


def _drain(opsgate: OpsgateApp) -> int:
    grace = opsgate.settings.shutdown_grace.total_seconds()
    try:
        opsgate.stop_work()  # before saying so: runs send no more calls from here on
        log.info(
            "stopping: no new work, and runs send no more vendor calls; waiting up to %g s "
            "for work in flight",
            grace,
        )
        finished = opsgate.drain(timeout=grace)
    except KeyboardInterrupt:  # a second signal, SIGTERM (`Terminated`) or Ctrl-C
        log.warning(
            "stopping now: a second signal cut the wait short; %d vendor call(s) still in "
            "flight or being recorded are left for recovery: their requests become unknown at "
            "the next start (elsewhere, once their leases lapse) and are never retried",
            len(opsgate.store.leases.in_flight()),
        )
        _say_left(opsgate.store.leases.left())
        _exit_now(0)
    if finished:
        opsgate.close()
        log.info("stopped")
        return 0
    log.warning(
        "work still in flight after %g s (OPSGATE_SHUTDOWN_GRACE) is left for recovery: "
        "its requests become unknown at the next start and are never retried",
        grace,
    )
    _say_left(opsgate.store.leases.left())
    _exit_now(0)


def _say_left(calls: list[InFlight]) -> None:
    """One line for each request left `executing`, naming it and its operation: its vendor
    call still running, or over with its outcome not yet recorded (the database slow or out).
    """
    for call in calls:
        what = (
            "vendor call over but its outcome not yet recorded"
            if call.answered
            else "vendor call still in flight"
        )
        with log_context(request_id=call.request_id, operation=call.operation, actor=SYSTEM_ACTOR):
            log.warning(
                "%s at shutdown, left for recovery: the request becomes unknown at the next "
                "start (elsewhere, once its lease lapses)",
                what,
            )


def _exit_now(status: int) -> NoReturn:
    """Exit without waiting for worker threads still in a vendor call (they cannot be
    interrupted safely; the next start's recovery deals with their requests)."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
