"""Completing Workflow Builder steps: Slack's refusals and outages are logged, never raised
(the request has ended either way)."""

from __future__ import annotations

import logging
import socket

import pytest
from slack_sdk import WebClient

from bot.console.standin.server import SlackStandIn
from bot.slack.functions import FunctionsOut


def test_completions_reach_slack_with_the_bot_token() -> None:
    with SlackStandIn() as slack:
        out = FunctionsOut(WebClient(token="xoxb-t", base_url=slack.api_url))
        out.complete("Fx1", {"request_id": "R-1", "state": "succeeded", "summary": "ok"})
        out.fail("Fx2", "rejected")
        assert (
            slack.calls_to("functions.completeSuccess")[0].params["outputs"]["state"] == "succeeded"
        )
        assert slack.calls_to("functions.completeError")[0].params["error"] == "rejected"


def test_a_refusal_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with SlackStandIn() as slack:
        slack.rate_limit("functions.completeError", times=5)
        out = FunctionsOut(WebClient(token="xoxb-t", base_url=slack.api_url))
        with caplog.at_level(logging.WARNING):
            out.fail("Fx3", "expired")
    assert "functions.completeError for Fx3 failed: ratelimited" in caplog.text


def test_an_unreachable_slack_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    out = FunctionsOut(
        WebClient(token="xoxb-t", base_url=f"http://127.0.0.1:{port}/api/", timeout=2)
    )
    with caplog.at_level(logging.WARNING):
        out.complete("Fx4", {})
    assert "functions.completeSuccess for Fx4 failed: URLError" in caplog.text
