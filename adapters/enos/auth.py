"""EnOS APIM authentication: the token service client and the request signer.

The documented flow: ``POST /apim-token-service/v2.0/token/get`` with ``appKey``, a millisecond
``timestamp`` and ``encryption`` (sha256 hex of appKey + timestamp + appSecret) returns an access
token valid for ``expire`` seconds; ``/token/refresh`` (the same fields plus ``accessToken``)
renews it. Every business call then carries ``apim-accesstoken``, ``apim-timestamp`` and
``apim-signature`` (see `sign`). Neither the secret nor a token is ever logged.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import threading
from collections.abc import Iterable
from typing import Any, Final

import httpx
from pydantic import SecretStr

from adapters.clock import Clock
from adapters.enos.errors import (
    CODE_EXPIRED,
    CODE_REFRESH_FAILED,
    VENDOR,
    read_answer,
    vendor_error,
)
from adapters.errors import VendorError
from adapters.http import retry_safely, send
from adapters.tokens import Token, header_safe

log = logging.getLogger(__name__)

AUTH_GET_PATH: Final = "/apim-token-service/v2.0/token/get"
AUTH_REFRESH_PATH: Final = "/apim-token-service/v2.0/token/refresh"


def encryption(*, app_key: str, timestamp: str, app_secret: str) -> str:
    """The token request's ``encryption``: sha256 hex of appKey + timestamp + appSecret."""
    return hashlib.sha256(f"{app_key}{timestamp}{app_secret}".encode()).hexdigest()


def sign(
    *, token: str, params: Iterable[tuple[str, str]], body: bytes, timestamp: str, app_secret: str
) -> str:
    """The ``apim-signature`` of a business call.

    sha256 hex of token + paramsData + timestamp + appSecret, where paramsData is the query
    parameters (decoded) sorted by name, each written as ``name + value`` with no separators,
    followed by the exact body bytes.
    """
    params_data = "".join(name + value for name, value in sorted(params)).encode()
    return hashlib.sha256(
        token.encode() + params_data + body + f"{timestamp}{app_secret}".encode()
    ).hexdigest()


class Stamps:
    """Millisecond timestamps that never repeat within one adapter.

    EnOS accepts a timestamp/encryption pair once only (1001), and two calls can share a
    millisecond (a quick retry, or a fake clock in tests), so a repeat is bumped by 1 ms.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> str:
        """The next timestamp, as the decimal string EnOS signs."""
        with self._lock:
            self._last = max(int(self._clock.now() * 1000), self._last + 1)
            return str(self._last)


class TokenService:
    """Gets and refreshes EnOS access tokens (`fetch` is a `adapters.tokens.TokenFetcher`)."""

    def __init__(
        self,
        *,
        base_url: str,
        app_key: str,
        app_secret: SecretStr,
        client: httpx.Client,
        clock: Clock,
        stamps: Stamps,
    ) -> None:
        self._base = base_url
        self._app_key = app_key
        self._secret = app_secret
        self._client = client
        self._clock = clock
        self._stamps = stamps

    def fetch(self, current: Token | None) -> Token:
        """Refresh a still-valid token; otherwise, or when the refresh fails, get a new one."""
        if current is not None and not self._lapsed(current):
            try:
                return retry_safely(lambda: self.request(AUTH_REFRESH_PATH, current.value))
            except VendorError as exc:
                if exc.code not in (CODE_REFRESH_FAILED, CODE_EXPIRED):
                    raise
                log.info("EnOS token refresh failed (%s); getting a new token", exc.code)
        return retry_safely(lambda: self.request(AUTH_GET_PATH))

    def request(self, path: str, access_token: str | None = None) -> Token:
        """One token-service call (get, or refresh when `access_token` is given); not retried."""
        timestamp = self._stamps.next()  # fresh for every attempt: a pair is usable once (1001)
        payload: dict[str, Any] = {
            "appKey": self._app_key,
            "timestamp": int(timestamp),
            "encryption": encryption(
                app_key=self._app_key,
                timestamp=timestamp,
                app_secret=self._secret.get_secret_value(),
            ),
        }
        if access_token is not None:
            payload["accessToken"] = access_token
        built = self._client.build_request("POST", self._base + path, json=payload)
        response = send(self._client, built, vendor=VENDOR, mutating=False)
        return self._token_from(read_answer(response, mutating=False))

    def _token_from(self, body: dict[str, Any]) -> Token:
        data = body.get("data")
        value = data.get("accessToken") if isinstance(data, dict) else None
        expire = data.get("expire") if isinstance(data, dict) else None
        token = header_safe(value)
        if token is None:
            raise vendor_error(
                "1005",
                vendor_message="the answer holds no accessToken a request can carry",
                request_id=None,
                http_status=200,
            )
        # EnOS documents 7200 s; assume it when the field is missing or no positive number of
        # seconds rather than fail the call (or fetch a new token before every call).
        lifetime = 7200.0
        if isinstance(expire, int | float) and not isinstance(expire, bool):
            # not NaN, not infinite, nor an integer past what a float holds (float() fails)
            lifetime = float(expire) if 0 < expire <= sys.float_info.max else lifetime
        log.debug("EnOS token obtained (expires in %.0f s)", lifetime)
        return Token(value=token, expires_at=self._clock.monotonic() + lifetime)

    def _lapsed(self, token: Token) -> bool:
        return token.expires_at is not None and self._clock.monotonic() >= token.expires_at
