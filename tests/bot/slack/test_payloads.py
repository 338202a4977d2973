"""`bot.slack.payloads.problem`: what Slack sends passes; anything else is named in a phrase."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import pytest

from bot.console.standin.payloads import (
    app_home_opened_body,
    block_action_body,
    slash_command_body,
    view_submission_body,
)
from bot.console.standin.surfaces import function_executed_body, shortcut_body, view_action_body
from bot.slack.payloads import problem

URL = "http://127.0.0.1:9/r"
MODAL = {"id": "V1", "type": "modal", "callback_id": "opsgate_request_form"}


def form_payload(body: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(parse_qs(body)["payload"][0])
    return payload


AS_SLACK_SENDS: dict[str, dict[str, Any]] = {
    "slash command": dict(
        parse_qsl(slash_command_body(text="", user_id="W0A", channel_id="D0DM", response_url=URL))
    ),
    "click": form_payload(
        block_action_body(
            action_id="a",
            value="R-1",
            user_id="U0A",
            channel_id="G0P",
            message_ts="1.2",
            response_url=URL,
        )
    ),
    "tab click": form_payload(
        view_action_body(
            user_id="U0A", view={"id": "VH", "type": "home"}, action={"action_id": "a"}
        )
    ),
    "submission": form_payload(view_submission_body(user_id="U0A", view=MODAL, values={})),
    "shortcut": form_payload(shortcut_body(user_id="U0A", callback_id="opsgate_request")),
    "home opened": json.loads(app_home_opened_body(user_id="U0A")),
    "step": json.loads(
        function_executed_body(callback_id="opsgate_request", inputs={}, execution_id="Fx1")
    ),
    "url verification": {"type": "url_verification", "challenge": "c", "token": "t"},
}


@pytest.mark.parametrize("kind", sorted(AS_SLACK_SENDS))
def test_what_slack_sends_passes(kind: str) -> None:
    assert problem(AS_SLACK_SENDS[kind]) is None


@pytest.mark.parametrize(
    ("kind", "change", "said"),
    [
        ("click", {"user": {"id": 5}}, "user.id: not a string (5)"),
        ("click", {"user": {"id": "u0a"}}, "user.id: not a Slack user id (U…/W…) ('u0a')"),
        ("click", {"actions": []}, "actions: empty ([])"),
        ("click", {"team": 5}, "team: not an object (5), +1"),
        ("click", {"container": {"channel_id": "#ops"}}, "container.channel_id: not a Slack"),
        ("slash command", {"user_id": "USLACKBOT "}, "user_id: not a Slack user id"),
        ("slash command", {"response_url": ""}, "response_url: empty"),
        ("shortcut", {"user": None}, "user: not an object (None)"),
        ("submission", {"view": None}, "view is null"),
        ("home opened", {"event": {"type": "app_home_opened"}}, "event: app_home_opened names"),
        ("step", {"event": {"type": "function_executed", "function": None}}, "function is null"),
    ],
)
def test_anything_else_is_named(kind: str, change: dict[str, Any], said: str) -> None:
    found = problem({**AS_SLACK_SENDS[kind], **change})
    assert found is not None and said in found, found
