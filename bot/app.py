"""The composition root: `build_app` builds every part of opsgate once, from settings.

Nothing is constructed at import time. Tests and the console pass their own clock, Slack client,
adapters or runner; production passes only settings. The vendors come from the installed vendor
plugins (`adapters.registry`): their grammar, adapters and operation ids for the policy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from pydantic import SecretStr
from slack_bolt import App
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient

from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.pools import ContextExecutor
from adapters.registry import Adapters, Plugins, build_adapters, installed_plugins
from bot.lifecycle import RequestService, Services
from bot.lifecycle.steps import WorkflowSteps, intake_submit
from bot.lifecycle.sweeper import Sweeper
from bot.lifecycle.workers import Runner
from bot.observability import MeteredApp, Metrics, instrument, metered
from bot.observability.slack_calls import meter_slack_calls
from bot.policy import Directory, Policy, load_policy
from bot.settings import Settings
from bot.slack.announce import AuditChannel
from bot.slack.directory import SlackDirectory
from bot.slack.files import TargetFiles
from bot.slack.functions import FunctionsOut
from bot.slack.listeners import register_listeners
from bot.slack.listeners.context import ListenerContext
from bot.slack.organizations import OrganizationCheck
from bot.slack.payloads import CheckedPayloads
from bot.slack.port import SlackOut
from bot.slack.rate_limits import RateLimitWaits
from bot.slack.resend import UnsentCardsOnly
from bot.slack.retries import ignore_slack_retries
from bot.slack.teams import remember_team
from bot.slack.verification import SignedRequests
from bot.store import Store
from commands.catalog import Catalog

log = logging.getLogger(__name__)

#: Bolt's listener pool only runs acks (parse + ack), so it stays small; slow work has its own.
ACK_THREADS = 8


@dataclass
class OpsgateApp:
    """A built opsgate: the Bolt app and the parts behind it."""

    bolt: MeteredApp
    service: RequestService
    runner: Runner
    store: Store
    adapters: Adapters
    settings: Settings
    sweeper: Sweeper
    plugins: Plugins
    metrics: Metrics = field(default_factory=Metrics)

    def start_background(self, *, sweep_every: float = 15.0) -> None:
        """Recover requests a dead replica left `executing`, then sweep periodically (expiry,
        recovery) and keep this replica's leases alive."""
        self.sweeper.start(every=sweep_every)

    def stop_work(self) -> None:
        """Take on no more work: no more sweeps, and the runs of several vendor calls in this
        process send no more of them (as after Stop; the calls in flight finish)."""
        self.service.begin_shutdown()
        self.sweeper.stop()

    def drain(self, *, timeout: float) -> bool:
        """`stop_work`, then wait up to `timeout` seconds for the work in flight (vendor calls,
        the runs' endings and card updates) to finish. True when it did; `close` may follow."""
        self.stop_work()
        return self.runner.wait_idle(timeout)

    def close(self) -> None:
        """Stop the sweeper, finish running work, close the store."""
        self.sweeper.stop()
        self.runner.shutdown()
        self.sweeper.close()
        self.adapters.close()
        self.store.close()


def build_app(
    settings: Settings,
    *,
    plugins: Plugins | None = None,
    clock: Clock = SYSTEM_CLOCK,
    client: WebClient | None = None,
    adapters: Adapters | None = None,
    store: Store | None = None,
    policy: Policy | None = None,
    sandbox: bool | None = None,
) -> OpsgateApp:
    """Build opsgate from settings; each keyword replaces one part (for tests and the console).

    Raises:
        PluginError: An installed plugin is broken, or raised while its adapter was built.
        PolicyError: The policy is invalid.
    """
    plugins = installed_plugins() if plugins is None else plugins
    client = client or slack_client(settings.slack_bot_token, base_url=settings.slack_api_url)
    runner, metrics = Runner(workers=settings.workers), Metrics()
    parts = _Parts(clock=clock, adapters=adapters, store=store, policy=policy, sandbox=sandbox)
    services = _services(
        settings, plugins, client=client, metrics=metrics, parts=parts, runner=runner
    )
    service = RequestService(services)
    bolt = bolt_app(settings, client, metrics=metrics, directory=services.directory)
    register_listeners(
        bolt, _listener_context(settings, services, service, runner, plugins, client)
    )
    return OpsgateApp(
        bolt=bolt,
        service=service,
        runner=runner,
        store=services.store,
        adapters=services.adapters,
        settings=settings,
        sweeper=Sweeper(service.sweeps, runner),
        plugins=plugins,
        metrics=metrics,
    )


@dataclass(frozen=True)
class _Parts:
    """The parts a caller of `build_app` may replace (None: build it from settings)."""

    clock: Clock
    adapters: Adapters | None
    store: Store | None
    policy: Policy | None
    sandbox: bool | None


def _services(
    settings: Settings,
    plugins: Plugins,
    *,
    client: WebClient,
    metrics: Metrics,
    parts: _Parts,
    runner: Runner,
) -> Services:
    """What the lifecycle works with: store, policy, metered adapters, Slack, the clock, and
    the runner whose Slack pool takes card redraws and messages off the decisions' threads."""
    clock = parts.clock
    sandboxed = settings.sandbox if parts.sandbox is None else parts.sandbox
    store = parts.store or open_store(settings, clock=clock)
    try:
        # Tokens and rate windows go through the database, shared with every replica on it.
        vendors = parts.adapters or build_adapters(
            plugins, settings.vendors(), sandbox=sandboxed, clock=clock, shared=store.shared
        )
    except BaseException:  # e.g. a plugin's connect raised: the caller stops with one line
        if parts.store is None:
            store.close()  # opened here, so closed here
        raise
    services = Services(
        store=store,
        policy=parts.policy or load_policy(settings, catalog=plugins.catalog),
        adapters=metered(vendors, metrics),
        slack=SlackOut(client),
        directory=SlackDirectory(client, clock=clock, versions=store.group_versions),
        clock=clock,
        catalog=plugins.catalog,
        runner=runner,
    )
    _announce_ends(services, settings.audit_channel)
    instrument(services.store, metrics=metrics)
    return services


def open_store(settings: Settings, *, clock: Clock = SYSTEM_CLOCK) -> Store:
    """The database ``OPSGATE_DB`` names (SQLite file or PostgreSQL URL), migrated, with this
    replica's lease length (``OPSGATE_LEASE_SECONDS``) and the chain key."""
    return Store.open(
        settings.db,
        clock=clock,
        key=settings.audit_key,
        lease=timedelta(seconds=settings.lease_seconds),
    )


def _listener_context(
    settings: Settings,
    services: Services,
    service: RequestService,
    runner: Runner,
    plugins: Plugins,
    client: WebClient,
) -> ListenerContext:
    """What the listeners share, with the request form's file reader and the workflow step."""
    return ListenerContext(
        service=service,
        runner=runner,
        catalog=plugins.catalog,
        files=TargetFiles(token=client.token, api_url=settings.slack_api_url),
        steps=_workflow_steps(services, service, client=client, catalog=plugins.catalog),
        groups_changed=(
            services.directory.changed if isinstance(services.directory, SlackDirectory) else None
        ),
    )


def _workflow_steps(
    services: Services, service: RequestService, *, client: WebClient, catalog: Catalog
) -> WorkflowSteps:
    """Workflow Builder steps: opened through intake, completed (from the store's events) when
    their requests end, in whichever process ends them."""
    steps = WorkflowSteps(
        services,
        port=FunctionsOut(client),
        catalog=catalog,
        submit=intake_submit(service.submit, catalog),
    )
    services.store.subscribe(steps)
    return steps


def _announce_ends(services: Services, channel: str | None) -> None:
    """With ``OPSGATE_AUDIT_CHANNEL``, every end and break-glass review is announced there."""
    if channel:
        services.store.subscribe(AuditChannel(services.slack, channel))


class _TokenInTheClient(logging.Filter):
    """Drops Bolt's start-up warning that its `token` goes unused beside `client`.

    Bolt's `App` falls back to SLACK_BOT_TOKEN from the environment when given no token, so
    no argument avoids the warning; yet the token reaching Bolt only through the client is
    what opsgate means (the client carries the API URL and the retries).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


_TOKEN_IN_THE_CLIENT = _TokenInTheClient()


def bolt_app(
    settings: Settings,
    client: WebClient,
    *,
    metrics: Metrics,
    directory: Directory | None = None,
) -> MeteredApp:
    """The Bolt app: only signed requests (our own check answers 401 and logs one bounded line)
    carrying payloads as Slack sends them (400 otherwise), acks timed, Slack's retries
    acknowledged and dropped, unexpected listener errors logged; a Slack-backed `directory`
    told whose payload is of another organization (`bot.slack.organizations`). Every Web API
    call of `client` (whoever makes it: the lifecycle, a listener, the directory) is counted."""
    meter_slack_calls(client, metrics.slack_calls)
    secret = _secret(settings.slack_signing_secret)
    logging.getLogger(f"slack_bolt.{App.__name__}").addFilter(_TOKEN_IN_THE_CLIENT)
    bolt = MeteredApp(
        metrics=metrics,
        client=client,
        signing_secret=secret,
        # Our own check takes the built-in one's place: a 401 for an unreadable timestamp, and a
        # bounded, escaped log line per refusal (`bot.slack.verification`); then every payload is
        # checked to be as Slack sends it, its ids Slack's, before Bolt reads it
        # (`bot.slack.payloads`).
        request_verification_enabled=False,
        before_authorize=CheckedPayloads(signatures=SignedRequests(secret) if secret else None),
        token_verification_enabled=False,  # `opsgate check` and `serve` call auth.test themselves
        listener_pool=ContextExecutor(max_workers=ACK_THREADS, thread_name_prefix="opsgate-ack"),
    )
    bolt.use(ignore_slack_retries)
    bolt.use(remember_team)
    if isinstance(directory, SlackDirectory):
        bolt.use(OrganizationCheck(directory.saw))
    bolt.error(_log_unexpected)
    return bolt


def slack_client(token: SecretStr | None, *, base_url: str) -> WebClient:
    """A Web API client that waits out Slack's rate limits (429 + Retry-After) a few times, and
    sends a failed call again once unless Slack may have posted it (`UnsentCardsOnly`)."""
    retry = [UnsentCardsOnly(), RateLimitWaits(max_retry_count=3)]
    return WebClient(token=_secret(token) or None, base_url=base_url, retry_handlers=retry)


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def _log_unexpected(error: Exception) -> None:
    log.error("unhandled error in a listener", exc_info=error)
