"""Completing Workflow Builder steps: ``functions.completeSuccess`` and
``functions.completeError`` (SPEC §10), the `bot.lifecycle.steps.StepPort` over slack_sdk.

It uses the app's own bot token rather than the short-lived token Slack hands the step's
``function_executed`` event: a step completes when its request ends, which may be hours later
and in another process, where only the bot token is at hand.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.port import refused

log = logging.getLogger(__name__)


class FunctionsOut:
    """`StepPort` over a `WebClient`. Slack's refusals are logged, never raised: the request
    has ended either way, and the workflow shows the step as still running."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def complete(self, execution_id: str, outputs: dict[str, str]) -> None:
        try:
            self._client.functions_completeSuccess(
                function_execution_id=execution_id, outputs=outputs
            )
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning("functions.completeSuccess for %s failed: %s", execution_id, _why(exc))

    def fail(self, execution_id: str, error: str) -> None:
        try:
            self._client.functions_completeError(function_execution_id=execution_id, error=error)
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning("functions.completeError for %s failed: %s", execution_id, _why(exc))


def _why(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return refused(exc)
    return type(exc).__name__
