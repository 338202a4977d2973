"""Slack's retries: Slack delivers a request again when it did not hear an answer in time."""

from __future__ import annotations

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse


def ignore_slack_retries(
    request: BoltRequest, response: BoltResponse, next: object
) -> BoltResponse:
    """A retried command or click is answered and otherwise ignored (a second request card
    would be a second request); a retried event is handled, since Slack retries an event when
    its first delivery failed (``connection_failed``, ``http_error``: a restart, a proxy's 502),
    and dropping it would lose it for good (a Workflow step left running forever). Handling an
    event twice is harmless: a step's execution is claimed once, a tab is drawn again, a user
    group is read again.

    Socket Mode marks every first delivery ``retry_attempt: 0``, which Bolt passes on as the
    header ``x-slack-retry-num: 0``: only a positive number is a retry."""
    retry = (request.headers.get("x-slack-retry-num") or ["0"])[0].strip()
    if retry not in ("", "0") and request.body.get("type") != "event_callback":
        return BoltResponse(status=200, body="")
    return next()  # type: ignore[operator,no-any-return]
