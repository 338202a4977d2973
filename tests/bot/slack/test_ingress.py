"""`bot.slack.ingress.SlackEndpoint`, called as a WSGI application: only POSTs on its path reach
Bolt, and a body is read as the bytes its length says (a length that is no number: none)."""

from __future__ import annotations

import io
from typing import Any, cast

from slack_bolt import App, BoltRequest, BoltResponse

from bot.slack.ingress import SlackEndpoint
from bot.slack.verification import SignedRequests


class FakeBolt:
    def __init__(self) -> None:
        self.dispatched: list[BoltRequest] = []

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        self.dispatched.append(req)
        return BoltResponse(status=200, body="")


def call(app: SlackEndpoint, **environ: Any) -> tuple[str, bytes]:
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        statuses.append(status)

    body = b"".join(app(environ, start_response))  # type: ignore[arg-type]
    return statuses[0], body


def endpoint() -> tuple[SlackEndpoint, FakeBolt]:
    bolt = FakeBolt()
    app = SlackEndpoint(cast(App, bolt), signatures=SignedRequests("secret"), path="/slack/events")
    return app, bolt


def test_only_posts_on_the_path_reach_bolt() -> None:
    app, bolt = endpoint()
    assert call(app, REQUEST_METHOD="GET", PATH_INFO="/slack/events")[0] == "404 Not Found"
    assert call(app, REQUEST_METHOD="POST", PATH_INFO="/other")[0] == "404 Not Found"
    posted = call(
        app,
        REQUEST_METHOD="POST",
        PATH_INFO="/slack/events",
        CONTENT_LENGTH="7",
        CONTENT_TYPE="application/x-www-form-urlencoded",
        **{"wsgi.input": io.BytesIO(b"text=hi and more than its length")},
    )
    assert posted[0] == "200 OK"
    [request] = bolt.dispatched
    assert request.raw_body == "text=hi"


def test_a_length_that_is_no_number_reads_no_body() -> None:
    app, bolt = endpoint()
    environ = {"wsgi.input": io.BytesIO(b"text=hi")}
    call(app, REQUEST_METHOD="POST", PATH_INFO="/slack/events", CONTENT_LENGTH="abc", **environ)
    [request] = bolt.dispatched
    assert request.raw_body == ""
