"""Through signed HTTP: every id a Slack payload carries is checked against Slack's strict
patterns (`bot.model.slack_ids`) before any work, and a payload that is not shaped as Slack sends
it is refused with 400 and one log line, never a 500 and a traceback. Nothing is stored, no
vendor is called, and no such id is ever recorded as an actor."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from served_app import CHANNEL, Served, served_opsgate

from bot import cards
from bot.console.standin.payloads import (
    FORM,
    JSON,
    app_home_opened_body,
    block_action_body,
    slash_command_body,
)
from bot.model import AuditEventName, RequestState
from bot.slack.manifest import SHORTCUT_CALLBACK

ALICE, BOB = "U0ALICE", "U0BOB"
ANYONE = '[policy]\napprovers = ["*"]\nchannels = ["C0OPS"]\n'
NOT_USER_IDS: list[Any] = [5, "5", "u0bob", "U0BOB\n", "U0-BOB", "", None, ["U0BOB"], "C0OPS"]


def refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info], "no traceback is logged"


def open_card(served: Served) -> str:
    served.slash("servicepower job cancel JOB-1001 --reason gone", user=ALICE)
    request_id = served.card_request_id()
    assert served.opsgate.runner.wait_idle(10)
    return request_id


def click_payload(served: Served, request_id: str, *, user: str = BOB) -> dict[str, Any]:
    record = served.opsgate.store.get(request_id)
    assert record is not None and record.message_ts is not None
    body = block_action_body(
        action_id=cards.APPROVE_ACTION,
        value=request_id,
        user_id=user,
        channel_id=CHANNEL,
        message_ts=record.message_ts,
        response_url=served.slack.response_url("click"),
    )
    payload: dict[str, Any] = json.loads(parse_qs(body)["payload"][0])
    return payload


def post_payload(served: Served, payload: dict[str, Any]) -> int:
    return served.post(urlencode({"payload": json.dumps(payload)}), FORM).status_code


@pytest.mark.parametrize("user", NOT_USER_IDS, ids=repr)
def test_a_click_by_no_slack_user_is_refused_and_never_an_actor(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, user: Any
) -> None:
    with served_opsgate(tmp_path, policy=ANYONE) as served:
        request_id = open_card(served)
        payload = click_payload(served, request_id)
        payload["user"]["id"] = user
        caplog.clear()
        assert post_payload(served, payload) == 400
        assert served.opsgate.runner.wait_idle(10)
        record = served.opsgate.store.get(request_id)
        assert record is not None and record.state is RequestState.PENDING
        events = served.opsgate.store.events(request_id=request_id)
        assert [e.event for e in events] == [AuditEventName.REQUESTED]
        assert served.opsgate.adapters.simulators["servicepower"].cancelled == []
    no_traceback(caplog)
    [line] = refusals(caplog)
    assert "user.id" in line.getMessage() and "\n" not in line.getMessage()


def test_a_click_with_no_user_or_a_user_that_is_not_an_object_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with served_opsgate(tmp_path, policy=ANYONE) as served:
        request_id = open_card(served)
        for user in ("absent", "U0BOB", 5, None):
            payload = click_payload(served, request_id)
            if user == "absent":
                del payload["user"]
            else:
                payload["user"] = user
            assert post_payload(served, payload) == 400, user
        assert served.opsgate.runner.wait_idle(10)
        assert len(list(served.opsgate.store.events(request_id=request_id))) == 1
    no_traceback(caplog)


@pytest.mark.parametrize("channel", [7, "c0ops", "C0OPS\n", ""], ids=repr)
def test_a_click_from_no_slack_channel_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, channel: Any
) -> None:
    """A channel that is not a channel id is refused before the card is compared (a click from
    another real channel is a mismatch, refused and audited as before)."""
    with served_opsgate(tmp_path, policy=ANYONE) as served:
        request_id = open_card(served)
        payload = click_payload(served, request_id)
        payload["container"]["channel_id"] = channel
        assert post_payload(served, payload) == 400
        assert served.opsgate.runner.wait_idle(10)
        assert len(list(served.opsgate.store.events(request_id=request_id))) == 1
    no_traceback(caplog)


@pytest.mark.parametrize(
    ("field", "value"),
    [("user_id", "5"), ("user_id", "u0alice"), ("user_id", ""), ("channel_id", "#ops")],
)
def test_a_slash_command_from_no_slack_user_or_channel_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, field: str, value: str
) -> None:
    fields = {
        "text": "servicepower job cancel JOB-1001 --reason gone",
        "user_id": ALICE,
        "channel_id": CHANNEL,
        field: value,
    }
    with served_opsgate(tmp_path, policy=ANYONE) as served:
        body = slash_command_body(response_url=served.slack.response_url("cmd"), **fields)
        assert served.post(body, FORM).status_code == 400
        assert served.opsgate.runner.wait_idle(10)
        assert served.opsgate.store.history() == []
        assert served.slack.calls == []
    no_traceback(caplog)
    [line] = refusals(caplog)
    assert field in line.getMessage()


def test_a_slash_command_missing_its_fields_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Slack always sends the user, the channel and a response URL, which opsgate answers on."""
    with served_opsgate(tmp_path) as served:
        assert served.post("command=%2Fops&channel_id=C0OPS", FORM).status_code == 400
        no_reply = slash_command_body(text="", user_id=ALICE, channel_id=CHANNEL, response_url="")
        assert served.post(no_reply, FORM).status_code == 400
        assert served.opsgate.runner.wait_idle(10)
        assert served.slack.calls == []
    no_traceback(caplog)


def test_a_shortcut_a_form_and_app_home_from_no_slack_user_are_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shortcut = {"type": "shortcut", "callback_id": SHORTCUT_CALLBACK, "trigger_id": "1.2.3"}
    submission = {
        "type": "view_submission",
        "view": {"id": "V1", "type": "modal", "callback_id": "opsgate_request_form"},
    }
    with served_opsgate(tmp_path) as served:
        for payload in (shortcut, submission):
            assert post_payload(served, {**payload, "user": {"id": "u0alice"}}) == 400
        assert served.post(app_home_opened_body(user_id="U0ALICE\n"), JSON).status_code == 400
        assert served.post(app_home_opened_body(user_id="5"), JSON).status_code == 400
        assert served.opsgate.runner.wait_idle(10)
        assert served.slack.calls == []
        assert served.post(app_home_opened_body(user_id=ALICE), JSON).status_code == 200
    no_traceback(caplog)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("actions", 5),
        ("actions", []),
        ("actions", [{"value": "R-1"}]),
        ("container", "C0OPS"),
        ("view", [1]),
        ("event", 5),
        ("message", "hi"),
        ("team", 5),
    ],
    ids=repr,
)
def test_a_click_not_shaped_as_slack_sends_it_is_400_not_500(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, field: str, value: Any
) -> None:
    with served_opsgate(tmp_path, policy=ANYONE) as served:
        request_id = open_card(served)
        payload = click_payload(served, request_id)
        payload[field] = value
        assert post_payload(served, payload) == 400
        assert served.opsgate.runner.wait_idle(10)
        assert len(list(served.opsgate.store.events(request_id=request_id))) == 1
    no_traceback(caplog)


@pytest.mark.parametrize("event", [5, [], {"type": "function_executed", "function": 5}], ids=repr)
def test_an_event_not_shaped_as_slack_sends_it_is_400_not_500(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, event: Any
) -> None:
    body = {"type": "event_callback", "team_id": "T0OPS", "event": event}
    with served_opsgate(tmp_path) as served:
        assert served.post(json.dumps(body), JSON).status_code == 400
    no_traceback(caplog)
