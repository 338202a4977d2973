"""The EnOS APIM side of the simulator: the token service and the gateway's check of each call.

Computed here independently of `adapters.enos.auth`, so a signing bug in the adapter cannot hide
behind shared code. Not published by EnOS, so chosen here (**unconfirmed**): how the gateway
refuses a business call (HTTP 401 with a token-service style body ``{"status", "msg",
"business"}``: 1202 missing header, 1004 unknown token or bad timestamp, 1203 expired token, 1003
bad signature, 1001 replayed signature), that a refresh leaves the old token valid until it
expires, and how far a timestamp may be from the gateway's clock. Both the token request's
``timestamp`` and a call's ``apim-timestamp`` are Unix milliseconds (documented); one more than
`TIMESTAMP_WINDOW_MS` away (15 minutes, as other signing gateways allow) is refused with 1004, so a
timestamp in seconds, or an old one, fails here as it would at a real gateway. Old clients saw
the gateway's refusals inside HTTP 200 bodies, keyed ``apim_status`` (VENDORS.md §7):
`ApimGateway.refusal_style` answers that way too.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import dataclass
from typing import Any, Final

import httpx

from adapters.clock import Clock

_MESSAGES: Final = {
    1001: "Repeated requests with duplicated encryption.",
    1002: "The appKey does not exist.",
    1003: "The encryption is not valid.",
    1004: "Invalid parameter.",
    1005: "Internal service exception.",
    1202: "The parameter is empty.",
    1203: "The access token has expired.",
    1204: "Failed to refresh the access token.",
}


#: How far a request's timestamp may be from the gateway's clock (**unconfirmed**).
TIMESTAMP_WINDOW_MS: Final = 15 * 60 * 1000


@dataclass
class _Issued:
    app_key: str
    expires_at: float


class ApimGateway:
    """Applications, issued tokens, and the timestamp/encryption pairs already used.

    Not thread-safe on its own: `EnosSimulator` calls it under its lock.

    Attributes:
        token_lifetime: Seconds an issued token lives (EnOS documents 7200).
        tokens_issued: Tokens issued so far (get and refresh).
        refusal_style: How the gateway refuses a business call: ``"status"`` (HTTP 401, the
            token service's ``status`` key) or ``"apim_status"`` (HTTP 200, key
            ``apim_status``, as old clients saw).
    """

    def __init__(self, *, clock: Clock, rng: random.Random, token_lifetime: int = 7200) -> None:
        self.token_lifetime = token_lifetime
        self.tokens_issued = 0
        self.refusal_style = "status"
        self._clock = clock
        self._rng = rng
        self._apps: dict[str, str] = {}
        self._tokens: dict[str, _Issued] = {}
        self._used: set[tuple[str, str]] = set()

    def add_app(self, app_key: str, app_secret: str) -> None:
        """Register an application's credentials."""
        self._apps[app_key] = app_secret

    def expire_tokens(self) -> None:
        """Make every issued token expire now."""
        for issued in self._tokens.values():
            issued.expires_at = self._clock.monotonic()

    # -- the token service ----------------------------------------------------------------------
    def token(self, request: httpx.Request, *, refresh: bool) -> httpx.Response:
        """Answer ``/token/get`` or ``/token/refresh``."""
        try:
            body = json.loads(request.content or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return status_answer(200, 1004)
        fields = ["appKey", "timestamp", "encryption"] + (["accessToken"] if refresh else [])
        if any(body.get(name) in (None, "") for name in fields):
            return status_answer(200, 1202)
        refusal = self._check_encryption(body)
        if refusal is not None:
            return status_answer(200, refusal)
        if refresh and not self._refreshable(str(body["accessToken"]), str(body["appKey"])):
            return status_answer(200, 1204)
        return self._issue(str(body["appKey"]))

    def _check_encryption(self, body: dict[str, Any]) -> int | None:
        app_key, timestamp, encryption = body["appKey"], str(body["timestamp"]), body["encryption"]
        if not self._current(timestamp) or not isinstance(encryption, str):
            return 1004
        secret = self._apps.get(str(app_key))
        if secret is None:
            return 1002
        if encryption != hashlib.sha256(f"{app_key}{timestamp}{secret}".encode()).hexdigest():
            return 1003
        if (timestamp, encryption) in self._used:
            return 1001
        self._used.add((timestamp, encryption))
        return None

    def _refreshable(self, token: str, app_key: str) -> bool:
        issued = self._tokens.get(token)
        return issued is not None and issued.app_key == app_key and not self._expired(issued)

    def _issue(self, app_key: str) -> httpx.Response:
        token = f"APP_{uuid.UUID(int=self._rng.getrandbits(128)).hex}"
        self._tokens[token] = _Issued(app_key, self._clock.monotonic() + self.token_lifetime)
        self.tokens_issued += 1
        data = {"accessToken": token, "expire": self.token_lifetime}
        body = {"status": 0, "msg": "SUCCESS", "business": "apim-token-service", "data": data}
        return httpx.Response(200, json=body)

    def _current(self, timestamp: str) -> bool:
        """True for Unix milliseconds within `TIMESTAMP_WINDOW_MS` of the gateway's clock."""
        if not timestamp.isdigit():
            return False
        return abs(int(timestamp) - self._clock.now() * 1000) <= TIMESTAMP_WINDOW_MS

    def _expired(self, issued: _Issued) -> bool:
        return self._clock.monotonic() >= issued.expires_at

    # -- the gateway's check of a business call -------------------------------------------------
    def refusal(self, request: httpx.Request) -> httpx.Response | None:
        """The gateway's refusal of a business call, or None when its ``apim-*`` headers pass."""
        code = self._refused_with(request)
        if code is None:
            return None
        if self.refusal_style == "apim_status":
            body = {"apim_status": code, "msg": _MESSAGES[code], "business": "apim"}
            return httpx.Response(200, json=body)
        return status_answer(401, code)

    def _refused_with(self, request: httpx.Request) -> int | None:
        token = request.headers.get("apim-accesstoken", "")
        timestamp = request.headers.get("apim-timestamp", "")
        signature = request.headers.get("apim-signature", "")
        if not (token and timestamp and signature):
            return 1202
        issued = self._tokens.get(token)
        if issued is None or not self._current(timestamp):
            return 1004
        if self._expired(issued):
            return 1203
        if signature != expected_signature(request, token, timestamp, self._apps[issued.app_key]):
            return 1003
        if (timestamp, signature) in self._used:
            return 1001
        self._used.add((timestamp, signature))
        return None


def expected_signature(request: httpx.Request, token: str, timestamp: str, secret: str) -> str:
    """The ``apim-signature`` the gateway expects for `request`, from the EnOS documentation:
    sha256(token + sorted query ``name+value`` pairs + body bytes + timestamp + secret)."""
    pairs = sorted(request.url.params.multi_items())
    params_data = "".join(name + value for name, value in pairs).encode()
    signed = token.encode() + params_data + request.content + f"{timestamp}{secret}".encode()
    return hashlib.sha256(signed).hexdigest()


def status_answer(http_status: int, status: int, msg: str | None = None) -> httpx.Response:
    """An answer in the token service's shape (``status``, not ``code``)."""
    body = {"status": status, "msg": msg or _MESSAGES[status], "business": "apim-token-service"}
    return httpx.Response(http_status, json=body)
