"""Slack's HTTP requests, from the bytes the server hands over to a `BoltRequest`.

Bolt's own WSGI adapter decodes and parses a body while it builds its request, before any
middleware runs: a body that was not UTF-8, not JSON where JSON was due, or JSON that was not an
object (``payload=[1,2]``) raised there, and the server answered 500 with a traceback, however
well signed the request. Here the body is read as bytes and handed to Bolt once it reads as
Slack's. One that cannot be read is refused: with 401 when Slack did not sign it (as
`bot.slack.verification` refuses any), otherwise with 400 and one short log line. Bolt's
middleware then checks every request's signature, as it does for the console's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.request.internals import build_normalized_headers

from bot.observability.instrument import RECEIVED_AT
from bot.slack.verification import LOGGED_BODY_CHARS, Headers, SignedRequests, loggable

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)

#: What building a `BoltRequest` raises for a body it cannot read: not UTF-8, or not JSON
#: (ValueError); JSON that is not an object, or not shaped as Slack's inside (AttributeError,
#: TypeError, KeyError, IndexError); JSON nested too deep to parse (RecursionError).
UNREADABLE: Final = (ValueError, AttributeError, TypeError, KeyError, IndexError, RecursionError)


class SlackEndpoint:
    """The WSGI application that hands Slack's POSTs on `path` to `bolt` (anything else: 404).

    Args:
        bolt: The Bolt app, whose middleware checks signatures and payloads.
        signatures: Tells a signed body from an unsigned one when the body cannot be read.
        path: Where Slack sends its requests.
    """

    def __init__(self, bolt: App, *, signatures: SignedRequests, path: str) -> None:
        self._bolt = bolt
        self._signatures = signatures
        self._path = path

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = WsgiHttpRequest(environ)
        if request.method == "POST" and request.path == self._path:
            answer = self._answer(request)
            response = WsgiHttpResponse(answer.status, answer.headers, answer.body)
        else:
            response = WsgiHttpResponse(404, {"content-type": ["text/plain"]}, "Not Found")
        start_response(response.status, response.get_headers())
        return response.get_body()

    def _answer(self, request: WsgiHttpRequest) -> BoltResponse:
        raw = _body(request.environ)
        headers = request.get_headers()
        try:
            text = raw.decode("utf-8")
            bolt_request = BoltRequest(
                body=text,
                query=request.query_string,
                headers=headers,
                context=_received(request.environ),
            )
        except UNREADABLE as exc:
            return self._unreadable(raw, build_normalized_headers(headers), exc)
        return self._bolt.dispatch(bolt_request)

    def _unreadable(self, raw: bytes, headers: Headers, error: Exception) -> BoltResponse:
        """401 when Slack did not sign `raw`; otherwise 400, said in one bounded line."""
        text = raw.decode("utf-8", "backslashreplace")
        if not self._signatures.signed(raw, headers):
            return self._signatures.refuse(text, headers)
        log.warning(
            "refused a signed request whose body is unreadable (%s, %d body bytes): %s",
            type(error).__name__,
            len(raw),
            loggable(text, limit=LOGGED_BODY_CHARS),
        )
        return BoltResponse(status=400, body={"error": "unreadable request"})


def _received(environ: WSGIEnvironment) -> dict[str, float]:
    """When the HTTP server had read the request, for the ack's timing (`RECEIVED_AT`)."""
    received = environ.get(RECEIVED_AT)
    return {RECEIVED_AT: received} if isinstance(received, float) else {}


def _body(environ: WSGIEnvironment) -> bytes:
    """The request's body as sent (the server has bounded its size already)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    return stream.read(length) if stream is not None and length > 0 else b""
