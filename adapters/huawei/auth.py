"""One Huawei OceanConnect application account: its token, its rate limit, and authorized calls.

The platform keeps only the newest access token of an application valid: every login invalidates
the previous one, and the docs say not to obtain tokens concurrently. So a `HuaweiSession` holds
one single-flight `TokenCache` (twenty threads needing a token cause one login), renews the token
60 s before it expires with the refresh token (valid 24 h) and logs in only when that fails.

Replicas sharing one application share its token and its rate window through opsgate's
database (`replicated`, `adapters.shared`): one login for all of them, 100 calls per 60 s in total.

Every business call first takes a slot from the account's `RateLimiter`. Logins and refreshes do
not: the platform documents its limit (100 calls per 60 s per application, 403 ``1010009``) on the
business APIs, and the login API's documented errors do not include ``1010009``. Were a login
counted after all, it would cost one call an hour, and the 1010009 retry absorbs it.

The module also builds the connection: the platform's default port and the mutual-TLS context.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from adapters.base import MASK, StopSignal
from adapters.clock import Clock
from adapters.errors import (
    AdapterError,
    CallNotSent,
    VendorAuthError,
    VendorError,
    VendorUnreachable,
    nothing_sent,
)
from adapters.http import json_body, retry_safely, send
from adapters.huawei.errors import ACCESS_REFUSED, THROTTLED, VENDOR, error_code, to_error
from adapters.huawei.settings import HuaweiSettings
from adapters.ratelimit import RateLimiter, process_limiter
from adapters.sealed import SealedSlot
from adapters.shared import Shared, TokenSlot
from adapters.tokens import Token, TokenCache, header_safe

logger = logging.getLogger(__name__)

LOGIN_PATH: Final = "/iocm/app/sec/v1.1.0/login"
REFRESH_PATH: Final = "/iocm/app/sec/v1.1.0/refreshToken"
#: The documented lifetime of a refresh token.
REFRESH_TOKEN_SECONDS: Final = 24 * 3600
#: How many times one call is retried after a 1010009 throttle (the call was refused: safe).
MAX_THROTTLE_RETRIES: Final = 3
#: The platform's HTTPS port, used when a base URL names none.
DEFAULT_PORT: Final = 8743

Params = dict[str, str]


class HuaweiSession:
    """Authorized, rate-limited calls for one application. Thread-safe: share one per account.

    Attributes:
        tokens: The single-flight access-token cache.
        limiter: The account's rate limiter.
        granted_seconds: The lifetime the platform gave the newest token (``expiresIn``).
    """

    def __init__(
        self,
        *,
        base_url: str,
        app_id: str,
        secret: SecretStr,
        client: httpx.Client,
        clock: Clock,
        limiter: RateLimiter,
        slot: TokenSlot | None = None,
    ) -> None:
        """One application's session; with `slot`, its token is shared with other replicas."""
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self._secret = secret
        self._client = client
        self._clock = clock
        self.limiter = limiter
        self.tokens = TokenCache(self._fetch, clock=clock, slot=slot)
        self.granted_seconds: int | None = None

    # -- authorized calls -------------------------------------------------------------------------
    def call(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        mutating: bool = False,
        stop: StopSignal | None = None,
    ) -> httpx.Response:
        """Send one authorized call and return the vendor's answer (errors included).

        A 403 ``1010005`` (token refused) invalidates the token, logs in once and retries once; a
        403 ``1010009`` (throttled) slows the limiter down and retries, at most
        `MAX_THROTTLE_RETRIES` times. Both answers mean the platform refused the call, so
        repeating it is safe even for a DELETE. `stop` is asked before each attempt and during
        the limiter's wait.

        Raises:
            VendorUnreachable: no connection, or a read got no answer.
            OutcomeUnknown: a mutating call got no answer.
            CallNotSent: `stop` said to send no more before it went out.
            CallNotPrepared: its turn or token could not be had (`_prepared`): not sent.
        """
        relogged = False
        throttles = 0
        while True:
            request, token = self._prepared(method, path, params, stop)
            response = send(self._client, request, vendor=VENDOR, mutating=mutating)
            code = error_code(response) if response.status_code == 403 else None
            if code == ACCESS_REFUSED and not relogged:
                logger.info("huawei: access token refused; logging in again once")
                self.tokens.invalidate(token)
                relogged = True
            elif code == THROTTLED and throttles < MAX_THROTTLE_RETRIES:
                logger.warning("huawei: throttled (1010009); slowing down and retrying")
                self.limiter.slow_down()
                throttles += 1
            else:
                return response

    def _prepared(
        self, method: str, path: str, params: Params | None, stop: StopSignal | None
    ) -> tuple[httpx.Request, str]:
        """The request to send once it is this call's turn, and the token it carries; an error
        on the way (the shared turn or token out of reach) is `CallNotPrepared`: not sent."""
        with nothing_sent(VENDOR):
            self._take_turn(stop)
            token = self.tokens.get()
            return self.build(method, path, params=params, token=token), token

    def _take_turn(self, stop: StopSignal | None) -> None:
        """Wait for the limiter; with `stop`, give up (`CallNotSent`) once it says so."""
        if stop is None:
            self.limiter.acquire()
        elif stop() or not self.limiter.acquire_unless(stop) or stop():
            raise CallNotSent("the call was not sent: its run was stopped", vendor=VENDOR)

    def build(
        self, method: str, path: str, *, params: Params | None = None, token: str = MASK
    ) -> httpx.Request:
        """Build an authorized request (with the masked token unless one is given)."""
        headers = {
            "app_key": self.app_id,
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        }
        return self._client.build_request(
            method, self.base_url + path, params=params, headers=headers
        )

    def login_note(self) -> str:
        """One line describing the login call `execute` may need first (no secret in it)."""
        return (
            f"(before it, if no valid token is cached: POST {self.base_url}{LOGIN_PATH} "
            f"form appId={self.app_id}&secret={MASK}; one login per account, "
            "token reused until it expires)"
        )

    # -- tokens -----------------------------------------------------------------------------------
    def _fetch(self, current: Token | None) -> Token:
        if current is not None and self._can_refresh(current):
            try:
                return self._refresh(current)
            except (VendorError, VendorUnreachable) as exc:
                # A refused refresh (401 100208, 400 100247, 102202, 50400, 500 50252: VENDORS.md
                # §7) is answered by one fresh login, never by trying the refresh again.
                logger.info("huawei: token refresh refused (%s); logging in", _code_of(exc))
        return self._login()

    def _can_refresh(self, token: Token) -> bool:
        if token.refresh_token is None or token.refresh_expires_at is None:
            return False
        return self._clock.monotonic() < token.refresh_expires_at - 60

    def _login(self) -> Token:
        form = {"appId": self.app_id, "secret": self._secret.get_secret_value()}
        url = self.base_url + LOGIN_PATH
        logger.info("huawei: logging in as application %s", self.app_id)
        # Logins change nothing we care about, so transport faults and 50252 are retried.
        return retry_safely(
            lambda: self._token_call(lambda: self._client.build_request("POST", url, data=form))
        )

    def _refresh(self, current: Token) -> Token:
        """One refresh attempt: whatever refuses it, a login follows (`_fetch`)."""
        body = {
            "appId": self.app_id,
            "secret": self._secret.get_secret_value(),
            "refreshToken": current.refresh_token,
        }
        url = self.base_url + REFRESH_PATH
        return self._token_call(lambda: self._client.build_request("POST", url, json=body))

    def _token_call(self, build: Callable[[], httpx.Request]) -> Token:
        response = send(self._client, build(), vendor=VENDOR, mutating=False)
        if response.status_code >= 400:
            # The request carried the secret: an answer echoing it must not pass it on.
            raise to_error(response, subject="login").hiding(self._secret.get_secret_value())
        return self._token_from(json_body(response, vendor=VENDOR, mutating=False))

    def _token_from(self, body: dict[str, Any]) -> Token:
        access = body.get("accessToken")
        token = header_safe(access)
        if token is None:
            raise VendorAuthError(
                "login: the IoT platform answered without an access token a request can carry",
                vendor=VENDOR,
                code="no accessToken",
                next_step="Check that the base URL points at the OceanConnect northbound API.",
            )
        expires_in = _lifetime(body.get("expiresIn"))
        self.granted_seconds = expires_in
        now = self._clock.monotonic()
        refresh = body.get("refreshToken")
        return Token(
            value=token,
            expires_at=now + expires_in,
            refresh_token=refresh if isinstance(refresh, str) and refresh else None,
            refresh_expires_at=now + REFRESH_TOKEN_SECONDS,
        )


def _lifetime(expires_in: object) -> int:
    """``expiresIn`` in whole seconds; the documented 3600 when it is missing or not a positive
    number (a token request that was answered never fails on this field alone)."""
    if isinstance(expires_in, int | float | str) and not isinstance(expires_in, bool):
        try:
            seconds = int(float(expires_in))
        except (ValueError, OverflowError):
            return 3600
        return seconds if seconds > 0 else 3600
    return 3600


def with_default_port(base_url: str) -> str:
    """The base URL with the platform's port 8743 when an https URL names none.

    An explicit port is kept, 443 included (a gateway in front of the platform): httpx drops a
    scheme's default port from the URL it parses, so whether one was written is read from the
    text itself.
    """
    url = httpx.URL(base_url)
    if url.scheme == "https" and urlsplit(base_url.strip()).port is None:
        url = url.copy_with(port=DEFAULT_PORT)
    return str(url).rstrip("/")


def shared_limiter(config: HuaweiSettings, base_url: str, clock: Clock) -> RateLimiter:
    """The process-wide limiter of one application (per clock, so fake-clock tests stay apart)."""
    return process_limiter(
        (VENDOR, base_url, config.app_id or ""),
        clock=clock,
        build=lambda: RateLimiter(calls=config.calls_per_minute, period=60.0, clock=clock),
    )


def replicated(
    config: HuaweiSettings, base_url: str, clock: Clock, shared: Shared, *, secret: SecretStr
) -> tuple[RateLimiter, TokenSlot]:
    """The application's limiter and token slot when replicas share them: one login for all,
    and 100 calls per 60 s in total (`adapters.shared`). The token is kept sealed under the
    application's secret (`adapters.sealed`): the database alone does not give it away."""
    account = f"huawei:{base_url}:{config.app_id}"
    window = shared.rate_window(account)
    limiter = RateLimiter(calls=config.calls_per_minute, period=60.0, clock=clock, shared=window)
    sealed = SealedSlot(
        shared.token_slot(account), secret=secret.get_secret_value(), account=account
    )
    return limiter, sealed


def tls_context(config: HuaweiSettings) -> ssl.SSLContext:
    """Mutual TLS: trust the platform CA (or the system's), present the client certificate.

    The files were checked when `config` was built (`adapters.huawei.tls`).
    """
    cafile = str(config.ca_bundle) if config.ca_bundle else None
    context = ssl.create_default_context(cafile=cafile)
    if config.client_cert is not None:
        context.load_cert_chain(certfile=config.client_cert, keyfile=config.client_key)
    return context


def _code_of(error: AdapterError) -> str:
    return error.code if isinstance(error, VendorError) else type(error).__name__
