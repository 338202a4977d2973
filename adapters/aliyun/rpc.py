"""One Alibaba Cloud RPC call: rate-limit, sign, send, translate the answer.

Like the vendor's official SDK, a call is a POST with every parameter (signature included) in the
query string and no body. Each attempt is signed afresh, so a retry carries a new
`SignatureNonce` and a current `Timestamp`.

Rate limits are per account (every RAM user shares them) and per API (VENDORS.md §7): 10
calls/s for the cancel and the listings, which opsgate draws from one budget, and 20 calls/s
for ``QueryOTAFirmware``, which has its own (`ACTION_RATES`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

import httpx

from adapters.aliyun.errors import (
    VENDOR,
    for_the_cancel,
    refusal,
    request_id,
    succeeded,
    unconfirmed,
)
from adapters.aliyun.settings import AliyunSettings
from adapters.aliyun.signing import AccessKey, encode_query, signed_params
from adapters.base import StopSignal
from adapters.clock import Clock
from adapters.errors import CallNotSent, NotConfigured, VendorThrottled, nothing_sent
from adapters.http import json_object, retry_safely, send
from adapters.ratelimit import RateLimiter, process_limiter
from adapters.shared import RateWindow, Shared

logger = logging.getLogger(__name__)

#: Attempts per call for answers that are safe to repeat: throttling, a connection refused, and
#: a read's transient errors. The cancel is never sent again after any other answer.
MAX_ATTEMPTS = 5
#: The limiter's extra window, as a fraction of a second: the limiter counts a call when it
#: starts, the vendor when it arrives, so jitter between the two must fit in this slack.
RATE_MARGIN = 0.05
#: The same across replicas: a call reserved by one process may reach the vendor later than
#: one reserved after it by another (scheduling, signing, connecting), so the window is wider.
REPLICATED_RATE_MARGIN = 0.15

#: APIs whose documented limit differs from the account's `AliyunSettings.calls_per_second`.
ACTION_RATES: Final = {"QueryOTAFirmware": 20.0}


def shared_limiter(config: AliyunSettings, clock: Clock, *, action: str = "") -> RateLimiter:
    """The one limiter for this AccessKeyId (and clock) in this process: the account's budget,
    or, for an action in `ACTION_RATES`, that action's own.

    The vendor's limit is per account, shared by every RAM user, so every adapter calling with
    the same key must draw from one budget.
    """
    own = action if action in ACTION_RATES else ""
    rate = ACTION_RATES.get(own, config.calls_per_second)
    key = (VENDOR, config.access_key_id or "", own)
    return process_limiter(key, clock=clock, build=lambda: _new_limiter(rate, clock))


def replicated_limiter(config: AliyunSettings, clock: Clock, shared: Shared) -> RateLimiter:
    """The account's limiter when replicas share its budget: its window is kept where every
    replica reserves from (`adapters.shared`), so the limit holds in total."""
    window = shared.rate_window(f"aliyun:{config.access_key_id or ''}")
    return _new_limiter(config.calls_per_second, clock, window, margin=REPLICATED_RATE_MARGIN)


def _new_limiter(
    calls_per_second: float,
    clock: Clock,
    window: RateWindow | None = None,
    *,
    margin: float = RATE_MARGIN,
) -> RateLimiter:
    calls = max(1, int(calls_per_second))
    return RateLimiter(
        calls=calls, period=calls / calls_per_second, clock=clock, margin=margin, shared=window
    )


class RpcClient:
    """Signs and sends IoT RPC calls for one account, through its rate limiter."""

    def __init__(
        self, *, config: AliyunSettings, client: httpx.Client, clock: Clock, limiter: RateLimiter
    ) -> None:
        self.config = config
        self.limiter = limiter
        self._own_limiters = {a: shared_limiter(config, clock, action=a) for a in ACTION_RATES}
        self._client = client
        self._clock = clock

    def limiter_for(self, action: str) -> RateLimiter:
        """The limiter `action` draws from: its own (`ACTION_RATES`), or the account's."""
        return self._own_limiters.get(action, self.limiter)

    def build(self, action: str, params: Mapping[str, str]) -> httpx.Request:
        """The signed request for `action` (sends nothing).

        Raises:
            NotConfigured: no AccessKey, or no region, is configured.
        """
        signed = signed_params(
            "POST",
            action,
            params,
            key=self._access_key(),
            region_id=self.config.region(),
            clock=self._clock,
        )
        query = encode_query(signed.items())
        return httpx.Request("POST", f"{self.config.resolved_endpoint}/?{query}")

    def call(
        self,
        action: str,
        params: Mapping[str, str],
        *,
        mutating: bool,
        stop: StopSignal | None = None,
    ) -> dict[str, Any]:
        """Call `action`, retrying answers that are safe to repeat; return the success body.

        A mutating call is sent again only when the vendor refused it before acting
        (throttling) or the connection failed (`adapters.aliyun.errors.for_the_cancel`).
        `stop` is asked before each attempt, and again right before it is sent (after the
        limiter's wait).

        Raises:
            VendorError: the vendor refused (after retries, for transient codes).
            OutcomeUnknown: a mutating call got no answer, a 5xx or 3xx, an internal error, or
                an answer without ``"Success": true`` (never retried).
            VendorUnreachable: the vendor could not be reached.
            CallNotSent: `stop` said to send no more before an attempt went out.
        """
        return retry_safely(
            lambda: self.call_once(action, params, mutating=mutating, stop=stop),
            attempts=MAX_ATTEMPTS,
            what=action,
        )

    def call_once(
        self,
        action: str,
        params: Mapping[str, str],
        *,
        mutating: bool,
        stop: StopSignal | None = None,
    ) -> dict[str, Any]:
        """One attempt: ask `stop`, wait for the limiter, ask `stop` again, then sign and send."""
        limiter = self.limiter_for(action)
        if stop is not None and stop():  # no wait for a call that will not go out
            raise CallNotSent(f"{action} not sent: the run was stopped", vendor=VENDOR)
        with nothing_sent(VENDOR):  # the shared rate window out of reach: not sent
            if stop is None:
                limiter.acquire()
            elif not limiter.acquire_unless(stop) or stop():
                raise CallNotSent(f"{action} not sent: the run was stopped", vendor=VENDOR)
            request = self.build(action, params)
        response = send(self._client, request, vendor=VENDOR, mutating=mutating)
        if mutating and (unknown := unconfirmed(response)) is not None:
            raise unknown  # a 5xx or a redirect: the cancel may have been carried out
        body = json_object(response)
        if body is not None and succeeded(body, response.status_code, mutating=mutating):
            logger.debug("aliyun %s ok (RequestId %s)", action, request_id(body))
            return body
        error = refusal(response, body, mutating=mutating)
        rid = error.vendor_request_id
        logger.info("aliyun %s refused: %s (RequestId %s)", action, error.code, rid)
        if isinstance(error, VendorThrottled):
            limiter.slow_down()  # someone else shares the account's budget: back off
        raise for_the_cancel(error) if mutating else error

    def _access_key(self) -> AccessKey:
        key_id, secret = self.config.access_key_id, self.config.access_key_secret
        if not key_id or secret is None:
            raise NotConfigured(
                "Alibaba Cloud IoT has no AccessKey configured",
                vendor=VENDOR,
                next_step="Set `OPSGATE_ALIYUN__ACCESS_KEY_ID` and "
                "`OPSGATE_ALIYUN__ACCESS_KEY_SECRET`, or run with `OPSGATE_SANDBOX=1`.",
            )
        return AccessKey(key_id, secret.get_secret_value())
