"""What the card's listeners bind for the log lines of the work they queue."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from bot.lifecycle import Origin
from bot.observability.logs import current_context, fresh_log_context
from bot.slack.listeners.actions import _dialog_listener

DIALOG = {
    "private_metadata": json.dumps(
        {"request_id": "R-7K3F9QW2", "channel": "C0OPS", "message_ts": "1767225600.000100"}
    ),
    "state": {"values": {}},
}


def test_the_reject_dialogs_submission_is_queued_naming_its_request_and_actor() -> None:
    queued: list[dict[str, str]] = []

    def submit(origin: Origin, job: Any) -> None:
        queued.append(current_context())  # the job runs in a copy of this context

    on_submit = _dialog_listener(SimpleNamespace(submit=submit))  # type: ignore[arg-type]
    with fresh_log_context():
        on_submit(lambda **_: None, {"user": {"id": "U0BOB"}}, DIALOG, None)

    assert queued == [{"request_id": "R-7K3F9QW2", "actor": "U0BOB"}]
