"""How long opsgate waits when Slack rate-limits a Web API call (HTTP 429 with Retry-After)."""

from __future__ import annotations

from typing import Final

from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

#: The longest Retry-After waited out (Slack's tiers ask for seconds, not minutes).
MAX_WAIT_S: Final = 60


class RateLimitWaits(RateLimitErrorRetryHandler):
    """slack_sdk's wait on a 429, taken only for a Retry-After of at most `MAX_WAIT_S` whole
    seconds (or none: slack_sdk then waits a second). A longer one, or one that is not a number,
    is not waited out on the caller's thread: the call fails as ``ratelimited`` at once and its
    caller's own fallback takes over (a card drawn again at the next sweep, a requester told to
    wait a moment)."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        said = [v for k, v in response.headers.items() if k.lower() == "retry-after"]
        if not said:
            return True
        value = said[0][0] if isinstance(said[0], list) and said[0] else said[0]
        return str(value).strip().isdigit() and int(str(value).strip()) <= MAX_WAIT_S
