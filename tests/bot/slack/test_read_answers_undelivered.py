"""A read command's answer (``/ops help``, ``history``, ``status``) goes through the command's
response_url; when that URL fails (Slack's hooks unreachable, or the URL expired: 404), it is
shown privately in the channel instead, in one log line, as every other private answer is
(`bot.lifecycle.replies.Replies.answer`): never "opsgate failed unexpectedly" with a
traceback, and never lost without a word."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from served_app import CHANNEL, FORM, Served, served_opsgate

from bot.console.standin.payloads import slash_command_body


def closed_port_url() -> str:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks/T0/B0/x"


def help_with(served: Served, response_url: str, *, text: str = "help") -> None:
    body = slash_command_body(
        text=text, user_id="U0ALICE", channel_id=CHANNEL, response_url=response_url
    )
    assert served.post(body, FORM).status_code == 200
    assert served.opsgate.runner.wait_idle(10)


@pytest.mark.parametrize("where", ["unreachable", "expired"])
def test_help_whose_response_url_fails_is_shown_privately_in_the_channel(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, where: str
) -> None:
    with served_opsgate(tmp_path) as served, caplog.at_level(logging.WARNING):
        url = closed_port_url() if where == "unreachable" else f"{served.slack.base_url}/gone"
        help_with(served, url)
        shown = served.slack.calls_to("chat.postEphemeral")
    [answer] = shown
    assert answer.params["user"] == "U0ALICE" and answer.params["channel"] == CHANNEL
    assert "failed unexpectedly" not in str(answer.params)
    assert answer.params.get("text") == "opsgate help"  # the help itself
    ours = [r for r in caplog.records if r.name.startswith(("bot.", "slack_bolt"))]
    assert [r for r in ours if r.exc_info] == []
    assert [r.levelno for r in ours if "response_url" in r.getMessage()] == [logging.WARNING]


def test_a_form_slack_will_not_open_is_said_in_the_channel_when_the_response_url_fails(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``/ops`` alone, the form refused (an expired trigger): what to do instead was posted to
    the response_url inside the listener, and a failure there was Bolt's traceback."""
    with served_opsgate(tmp_path) as served, caplog.at_level(logging.WARNING):
        served.slack.refuse("views.open", "expired_trigger_id")
        help_with(served, closed_port_url(), text="")
        answer = served.slack.wait_for(lambda c: c.method == "chat.postEphemeral", timeout=10)
    assert "type the command instead" in str(answer.params.get("text"))
    ours = [r for r in caplog.records if r.name.startswith(("bot.", "slack_bolt"))]
    assert [r for r in ours if r.exc_info] == []
