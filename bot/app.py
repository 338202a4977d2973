"""The composition root: `build_app` builds every part of opsgate once, from settings.

Nothing is constructed at import time. Tests and the console pass their own clock, Slack client,
adapters or runner; production passes only settings.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.http_retry import default_retry_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.registry import Adapters, VendorConfig, build_adapters
from bot.lifecycle import RequestService, Services
from bot.lifecycle.sweeps import Sweeper
from bot.lifecycle.workers import Runner
from bot.policy import Policy, load_policy
from bot.settings import Settings
from bot.slack.directory import SlackDirectory
from bot.slack.listeners import register_listeners
from bot.slack.listeners.context import ListenerContext
from bot.slack.port import SlackOut
from bot.store import Store

log = logging.getLogger(__name__)

#: Bolt's listener pool only runs acks (parse + ack), so it stays small; slow work has its own.
ACK_THREADS = 8


@dataclass
class OpsgateApp:
    """A built opsgate: the Bolt app and the parts behind it."""

    bolt: App
    service: RequestService
    runner: Runner
    store: Store
    adapters: Adapters
    settings: Settings
    sweeper: Sweeper

    def start_background(self, *, sweep_every: float = 15.0) -> None:
        """Recover requests a dead process left `executing`, then expire due ones periodically."""
        self.sweeper.start(every=sweep_every)

    def close(self) -> None:
        """Stop the sweeper, finish running work, close the store."""
        self.sweeper.stop()
        self.runner.shutdown()
        self.adapters.close()
        self.store.close()


def build_app(
    settings: Settings,
    *,
    clock: Clock = SYSTEM_CLOCK,
    client: WebClient | None = None,
    adapters: Adapters | None = None,
    store: Store | None = None,
    policy: Policy | None = None,
    sandbox: bool | None = None,
) -> OpsgateApp:
    """Build opsgate from settings; each keyword replaces one part (for tests and the console)."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = client or slack_client(token, base_url=settings.slack_api_url)
    runner = Runner(workers=settings.workers)
    adapters = adapters or build_adapters(
        vendor_configs(settings),
        sandbox=settings.sandbox if sandbox is None else sandbox,
        clock=clock,
    )
    services = Services(
        store=store or Store.open(settings.db, clock=clock),
        policy=policy or load_policy(settings),
        adapters=adapters,
        slack=SlackOut(client),
        directory=SlackDirectory(client, clock=clock),
        clock=clock,
        runner=runner,
    )
    service = RequestService(services)
    bolt = bolt_app(settings, client)
    register_listeners(bolt, ListenerContext(service=service, runner=runner))
    return OpsgateApp(
        bolt=bolt,
        service=service,
        runner=runner,
        store=services.store,
        adapters=adapters,
        settings=settings,
        sweeper=Sweeper(service.sweeps, runner),
    )


def bolt_app(settings: Settings, client: WebClient) -> App:
    """The Bolt app: signed requests only when a signing secret is set, Slack's retries
    acknowledged and dropped, unexpected listener errors logged."""
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    bolt = App(
        client=client,
        signing_secret=secret,
        request_verification_enabled=bool(secret),
        token_verification_enabled=False,  # `opsgate check` and `serve` call auth.test themselves
        listener_executor=ThreadPoolExecutor(
            max_workers=ACK_THREADS, thread_name_prefix="opsgate-ack"
        ),
    )
    bolt.use(_ignore_slack_retries)
    bolt.error(_log_unexpected)
    return bolt


def slack_client(token: str | None, *, base_url: str) -> WebClient:
    """A Web API client that waits out Slack's rate limits (429 + Retry-After) a few times:
    a card update lost to a rate limit would leave a card showing a stale state."""
    retry = [*default_retry_handlers(), RateLimitErrorRetryHandler(max_retry_count=3)]
    return WebClient(token=token, base_url=base_url, retry_handlers=retry)


def vendor_configs(settings: Settings) -> dict[str, VendorConfig]:
    """Each vendor's settings, keyed by vendor prefix (what `build_adapters` takes)."""
    return {
        "enos": settings.enos,
        "aliyun": settings.aliyun,
        "huawei": settings.huawei,
        "servicepower": settings.servicepower,
    }


def _ignore_slack_retries(
    request: BoltRequest, response: BoltResponse, next: object
) -> BoltResponse:
    """Slack re-sends a request it thinks went unanswered. We always ack in time, so a retry
    is a duplicate: answer it and do nothing (a second request card would be a second request)."""
    if request.headers.get("x-slack-retry-num"):
        return BoltResponse(status=200, body="")
    return next()  # type: ignore[operator,no-any-return]


def _log_unexpected(error: Exception) -> None:
    log.error("unhandled error in a listener", exc_info=error)
