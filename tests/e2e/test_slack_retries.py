"""A retried command or click is answered and ignored, a retried event is handled (its first
delivery may never have arrived); a first delivery marked as attempt 0 (Socket Mode marks every
first delivery so) is processed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from served_app import CHANNEL, SECRET, served_opsgate
from surfaces_world import STEP

from bot.console.standin.payloads import (
    FORM,
    JSON,
    app_home_opened_body,
    signed_headers,
    slash_command_body,
)
from bot.console.standin.surfaces import function_executed_body
from bot.slack.manifest import STEP_CALLBACK

ALICE = "U0ALICE"
PACKAGE = 'huawei package delete pkg-meter-fw-1.2.0 --reason "superseded by 1.3"'


def test_a_retry_is_ignored_and_attempt_zero_is_not(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        for attempt in ("1", "0"):
            body = slash_command_body(
                text=PACKAGE,
                user_id="U0ALICE",
                channel_id=CHANNEL,
                response_url=served.slack.response_url(f"retry-{attempt}"),
                trigger_id=f"trigger-{attempt}-{time.time_ns()}",
            )
            headers = signed_headers(body, signing_secret=SECRET, content_type=FORM)
            headers["x-slack-retry-num"] = attempt
            response = served.http.post(f"{served.url}/slack/events", content=body, headers=headers)
            assert response.status_code == 200
            assert served.opsgate.runner.wait_idle(10)
            cards_posted = len(served.slack.calls_to("chat.postMessage"))
            assert cards_posted == (0 if attempt == "1" else 1)


def post_event(served: Any, body: str, *, attempt: str, reason: str) -> None:
    headers = signed_headers(body, signing_secret=SECRET, content_type=JSON)
    headers.update({"x-slack-retry-num": attempt, "x-slack-retry-reason": reason})
    response = served.http.post(f"{served.url}/slack/events", content=body, headers=headers)
    assert response.status_code == 200


def test_a_retried_event_is_handled_since_its_first_delivery_may_have_failed(
    tmp_path: Path,
) -> None:
    with served_opsgate(tmp_path) as served:
        post_event(served, app_home_opened_body(user_id=ALICE), attempt="1", reason="http_error")
        published = served.slack.wait_for(lambda call: call.method == "views.publish", timeout=10)
        assert published.params["user_id"] == ALICE
        # A Workflow step whose first delivery never arrived: its retry opens the request.
        step = function_executed_body(
            callback_id=STEP_CALLBACK, inputs=STEP, execution_id="Fx0RETRY"
        )
        post_event(served, step, attempt="1", reason="connection_failed")
        assert served.opsgate.runner.wait_idle(10)
        [record] = served.opsgate.store.history()
        # Delivered again (Slack never heard the answer): the execution is claimed once.
        post_event(served, step, attempt="2", reason="http_timeout")
        assert served.opsgate.runner.wait_idle(10)
        assert served.opsgate.store.history() == [record]
