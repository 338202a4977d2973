"""The request form's redraw (``views.update`` when the operation changes) that Slack does not
answer is one log line, not Bolt's traceback, and the form stays usable: submitted, it comes
back with the chosen operation's fields."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from slack_sdk import WebClient
from surfaces_world import ALICE, click_operation, input_ids, open_form, session_with

from bot.cards.form import OPERATION_BLOCK, REASON_BLOCK, TARGETS_BLOCK
from bot.console.session import ConsoleSession
from bot.console.standin.views import state_values

ALIYUN = "aliyun.ota-task.cancel"


def choose_without_redraw(session: ConsoleSession, view: dict[str, Any]) -> None:
    click_operation(session, view, ALIYUN)
    assert session.wait()


@pytest.mark.parametrize(
    "failure",
    [TimeoutError("The read operation timed out"), ConnectionResetError(104, "reset by peer")],
)
def test_a_redraw_slack_does_not_answer_is_one_line_and_the_form_stays_usable(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, failure: Exception
) -> None:
    with session_with(tmp_path) as session:
        view = open_form(session)
        caplog.clear()
        with (
            caplog.at_level(logging.INFO),
            mock.patch.object(WebClient, "views_update", side_effect=failure),
        ):
            choose_without_redraw(session, view)
        lines = [r for r in caplog.records if r.name.startswith(("bot.", "slack_bolt"))]
        reply = session.submit(view, state_values(view, {OPERATION_BLOCK: ALIYUN}), user=ALICE)
        assert session.wait()

    assert [r.exc_info for r in lines if r.exc_info] == []
    [line] = [r for r in lines if "not redrawn" in r.getMessage()]
    assert line.levelno == logging.WARNING
    assert type(failure).__name__ in line.getMessage()
    message = reply.message or {}
    assert message.get("response_action") == "update"  # the form, with the operation's fields
    shown = input_ids(message["view"])
    assert TARGETS_BLOCK in shown and REASON_BLOCK in shown
