"""Slack's retries are answered and ignored; a first delivery marked as attempt 0 (Socket Mode
marks every first delivery so) is processed."""

from __future__ import annotations

import time
from pathlib import Path

from served_app import CHANNEL, SECRET, served_opsgate

from bot.console.standin.payloads import FORM, signed_headers, slash_command_body

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
