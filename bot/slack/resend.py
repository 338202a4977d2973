"""Which Slack calls slack_sdk may send again after the connection failed: not a card whose
message Slack may already have posted."""

from __future__ import annotations

import json
from urllib.error import URLError

from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.slack.port import CARD_EVENT


class UnsentCardsOnly(ConnectionErrorRetryHandler):
    """slack_sdk's retry of a call whose connection failed (once, by default), except an
    approval card's ``chat.postMessage`` once it was sent whole.

    urllib raises a `URLError` when the call failed while being sent (no connection, a reset
    while writing): Slack never had it, so it is sent again. A connection that drops once the
    call was sent (``RemoteDisconnected``, ``ConnectionResetError`` while waiting for the
    answer) may come after Slack posted the card: sent again, a second card would appear. That
    card is left to opsgate, which looks for it in the channel before posting it again
    (`bot.lifecycle.card_post`).
    """

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        return isinstance(error, URLError) or not _is_card(request)


def _is_card(request: HttpRequest) -> bool:
    """Whether `request` posts an opsgate approval card (its metadata names the request)."""
    if not request.url.endswith("/chat.postMessage") or not request.data:
        return False
    try:
        body = json.loads(request.data)
    except ValueError:  # a form-encoded post: opsgate posts its cards as JSON
        return False
    metadata = body.get("metadata") if isinstance(body, dict) else None
    return isinstance(metadata, dict) and metadata.get("event_type") == CARD_EVENT
