"""Slack request signatures, checked on every HTTP request, and refusals logged safely.

Bolt's own check logs each refused request's whole body at INFO (three unsigned 1/10/50 MB
POSTs once grew the log by 64 MB, and a newline in a body could forge a log line), and a
timestamp that is not a number (``abc``) makes it fail with HTTP 500 and a traceback. This
middleware takes its place in Bolt's chain (`slack_bolt.App`'s ``before_authorize`` slot, right
where the built-in one would run): Slack's ``v0`` signature, a 401 for anything it cannot
verify, and one escaped, bounded log line per refusal.

The signature is checked over the body's bytes, as Slack made it, rather than with slack_sdk's
`SignatureVerifier`, which takes text: a body that is not UTF-8 must still be told signed (a
400 from `bot.slack.ingress`) from unsigned (401).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Final

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.model.shown import escaped
from bot.observability.redaction import hide_slack_secrets

log = logging.getLogger(__name__)

#: How much of a refused request's body the log keeps.
LOGGED_BODY_CHARS: Final = 200
_LOGGED_HEADER_CHARS: Final = 80
_TIMESTAMP: Final = re.compile(r"[0-9]{1,12}")
#: How far a request's timestamp may be from now, either way (Slack's and slack_sdk's 5 minutes).
FRESH_SECONDS: Final = 5 * 60

Headers = Mapping[str, Sequence[str]]


def loggable(text: str, *, limit: int) -> str:
    """`text` cut to `limit` characters, with every control character escaped and any Slack
    token or response URL redacted (`hide_slack_secrets`).

    A newline becomes ``\\n``, an escape ``\\x1b``, and so on, so the result is always one line
    that cannot pass for another log line or drive a terminal. A cut is marked with ``…``.
    """
    text = hide_slack_secrets(text)
    return escaped(text[:limit]) + ("…" if len(text) > limit else "")


class SignedRequests(Middleware):
    """Refuse (401) every HTTP request whose Slack signature or timestamp does not verify.

    Socket Mode requests carry no signature (the WebSocket itself is authenticated with the app
    token), so they pass, as with Bolt's own check.

    Args:
        signing_secret: The app's signing secret; must not be empty.
    """

    def __init__(self, signing_secret: str) -> None:
        if not signing_secret:
            raise ValueError("a signing secret is required to verify Slack's requests")
        self._secret = signing_secret.encode()

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # Bolt passes it by this name
    ) -> BoltResponse:
        """Pass a verified request on; answer anything else with 401 and log one line."""
        if req.mode == "socket_mode" or self.signed(req.raw_body.encode(), req.headers):
            return next()
        return self.refuse(req.raw_body, req.headers)

    def signed(self, body: bytes, headers: Headers) -> bool:
        """True when `headers` carry Slack's signature of exactly `body`, made within
        `FRESH_SECONDS` of now. A timestamp that is not a number is simply not fresh."""
        timestamp = _header(headers, "x-slack-request-timestamp")
        signature = _header(headers, "x-slack-signature")
        if not signature or timestamp is None or not _TIMESTAMP.fullmatch(timestamp):
            return False
        if abs(time.time() - int(timestamp)) > FRESH_SECONDS:
            return False
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = b"v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest().encode()
        # As bytes: compare_digest refuses text that is not ASCII (a 500, once, for "v0=é").
        return hmac.compare_digest(expected, signature.encode("utf-8", "replace"))

    def refuse(self, body: str, headers: Headers) -> BoltResponse:
        """The 401 for a request that is not `signed`, after one bounded, escaped log line."""
        timestamp = _header(headers, "x-slack-request-timestamp")
        signature = _header(headers, "x-slack-signature")
        log.warning(
            "refused a request with a bad Slack signature or timestamp "
            "(timestamp %s, signature %s, %d body chars): %s",
            loggable(timestamp or "(none)", limit=_LOGGED_HEADER_CHARS),
            loggable(signature or "(none)", limit=_LOGGED_HEADER_CHARS),
            len(body),
            loggable(body, limit=LOGGED_BODY_CHARS),
        )
        return BoltResponse(status=401, body={"error": "invalid request"})


def _header(headers: Headers, name: str) -> str | None:
    values = headers.get(name) or []
    return values[0] if values else None
