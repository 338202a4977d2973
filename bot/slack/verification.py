"""Slack request signatures, checked on every HTTP request, and refusals logged safely.

Bolt's own check logs each refused request's whole body at INFO (three unsigned 1/10/50 MB
POSTs once grew the log by 64 MB, and a newline in a body could forge a log line), and a
timestamp that is not a number (``abc``) makes it fail with HTTP 500 and a traceback. This
middleware takes its place in Bolt's chain (`slack_bolt.App`'s ``before_authorize`` slot, right
where the built-in one would run): the same slack_sdk `SignatureVerifier`, a 401 for anything
it cannot verify, and one escaped, bounded log line per refusal.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Final

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

#: How much of a refused request's body the log keeps.
LOGGED_BODY_CHARS: Final = 200
_LOGGED_HEADER_CHARS: Final = 80
_TIMESTAMP: Final = re.compile(r"[0-9]{1,12}")


def loggable(text: str, *, limit: int) -> str:
    """`text` cut to `limit` characters, with every control character escaped.

    A newline becomes ``\\n``, an escape ``\\x1b``, and so on, so the result is always one line
    that cannot pass for another log line or drive a terminal. A cut is marked with ``…``.
    """
    cut = text[:limit]
    escaped = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in cut
    )
    return escaped + ("…" if len(text) > limit else "")


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
        self._verifier = SignatureVerifier(signing_secret=signing_secret)

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # Bolt passes it by this name
    ) -> BoltResponse:
        """Pass a verified request on; answer anything else with 401 and log one line."""
        if req.mode == "socket_mode":
            return next()
        timestamp = _header(req, "x-slack-request-timestamp")
        signature = _header(req, "x-slack-signature")
        if self._valid(req.raw_body, timestamp, signature):
            return next()
        log.warning(
            "refused a request with a bad Slack signature or timestamp "
            "(timestamp %s, signature %s, %d body chars): %s",
            loggable(timestamp or "(none)", limit=_LOGGED_HEADER_CHARS),
            loggable(signature or "(none)", limit=_LOGGED_HEADER_CHARS),
            len(req.raw_body),
            loggable(req.raw_body, limit=LOGGED_BODY_CHARS),
        )
        return BoltResponse(status=401, body={"error": "invalid request"})

    def _valid(self, body: str, timestamp: str | None, signature: str | None) -> bool:
        if not signature or timestamp is None or not _TIMESTAMP.fullmatch(timestamp):
            return False  # slack_sdk would raise on int("abc"): a 500 instead of a 401
        return self._verifier.is_valid(body=body, timestamp=timestamp, signature=signature)


def _header(req: BoltRequest, name: str) -> str | None:
    values = req.headers.get(name) or []
    return values[0] if values else None
