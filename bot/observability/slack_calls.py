"""``opsgate_slack_calls_total{method,result}``: every Slack Web API call and how it ended.

Counted in one place, whoever makes the call (the card port, a listener's client, the workflow
step, the user directory): slack_sdk asks a client's retry handlers after every attempt, in
order, until one of them takes it up again. `SlackCallMeter`, put last, is asked only about an
attempt nobody retries, which is the call's last: a call Slack rate-limited three times and then
answered is one call, counted with that answer. It never retries anything itself.

Bolt makes a client per request as a copy of the app's, retry handlers included, so the
listeners' calls are counted too.

The labels stay bounded: ``method`` is the Web API method called (those opsgate calls, so a
few), ``result`` is ``ok``, Slack's error code (``ratelimited``, ``channel_not_found``…, a word
of lowercase letters and underscores; anything else is ``other``), ``http_<status>`` for a
non-Slack answer (a proxy's 502 page), ``timeout`` or ``connection_error``.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Final
from urllib.error import URLError
from urllib.parse import urlsplit

from prometheus_client import Counter
from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

log = logging.getLogger(__name__)

#: A Web API method as Slack names them (``chat.postMessage``).
_METHOD: Final = re.compile(r"[A-Za-z]+(?:\.[A-Za-z]+){0,4}")
#: Slack's error codes: lowercase words joined by underscores.
_ERROR: Final = re.compile(r"[a-z][a-z0-9_]{0,59}")


class SlackCallMeter(RetryHandler):
    """A retry handler that retries nothing and counts each call's last attempt.

    Args:
        calls: ``opsgate_slack_calls_total`` (labels ``method``, ``result``).
    """

    def __init__(self, calls: Counter) -> None:
        super().__init__(max_retry_count=0)
        self._calls = calls

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        # Whatever goes wrong here must not become the call's failure.
        try:
            self._calls.labels(method=_method(request.url), result=_result(response, error)).inc()
        except Exception as exc:
            log.warning("a Slack call was not counted: %s: %s", type(exc).__name__, exc)
        return False


def meter_slack_calls(client: WebClient, calls: Counter) -> None:
    """Count every call `client` (and each copy Bolt makes of it) makes, in `calls`.

    The meter goes last among the client's retry handlers: asked only about a last attempt."""
    client.retry_handlers = [
        *(h for h in client.retry_handlers if not isinstance(h, SlackCallMeter)),
        SlackCallMeter(calls),
    ]


def meters_of(client: WebClient) -> list[RetryHandler]:
    """The meters of `client`, for another client that should count its calls alike."""
    return [h for h in client.retry_handlers if isinstance(h, SlackCallMeter)]


def _method(url: str) -> str:
    method = urlsplit(url).path.rstrip("/").rpartition("/")[2]
    return method if _METHOD.fullmatch(method) else "other"


def _result(response: HttpResponse | None, error: Exception | None) -> str:
    if response is None:
        return "timeout" if _timed_out(error) else "connection_error"
    body = response.body if isinstance(response.body, dict) else _json(response.data)
    if body.get("ok") is True and response.status_code == 200:
        return "ok"
    said = body.get("error")
    if isinstance(said, str) and said:
        return said if _ERROR.fullmatch(said) else "other"
    if response.status_code == 429:
        return "ratelimited"
    return f"http_{response.status_code}" if 200 < response.status_code < 600 else "other"


def _timed_out(error: Exception | None) -> bool:
    reason = error.reason if isinstance(error, URLError) else error
    return isinstance(reason, TimeoutError)


def _json(data: bytes | None) -> dict[str, Any]:
    try:
        parsed = json.loads(data or b"")
    except (ValueError, UnicodeDecodeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}
