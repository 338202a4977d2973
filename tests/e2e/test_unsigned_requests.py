"""Requests Slack did not sign: refused with 401, logged in one bounded, escaped line."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from served_app import SECRET, served_opsgate

from bot.console.standin.payloads import FORM, signed_headers, slash_command_body
from bot.slack.verification import LOGGED_BODY_CHARS, loggable

FORGED = "text=hi\n2026-11-22 01:02:03 INFO bot.app: all is well\x1b[2J" + "x" * 20_000


def refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.slack.verification"]


def test_an_unsigned_request_is_refused_and_logged_in_one_bounded_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with served_opsgate(tmp_path) as served:
        response = served.http.post(
            f"{served.url}/slack/events", content=FORGED, headers={"content-type": FORM}
        )
        assert response.status_code == 401
        assert served.opsgate.store.history() == []
    [line] = refusals(caplog)
    message = line.getMessage()
    assert "\n" not in message and "\x1b" not in message
    assert "\\n2026-11-22" in message and "\\x1b" in message  # escaped, still readable
    assert f"{len(FORGED)} body chars" in message
    assert len(message) < LOGGED_BODY_CHARS + 300  # not 20,000 characters
    # No other logger repeats the body (Bolt's own check used to log it whole).
    assert all("x" * 300 not in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("timestamp", ["abc", "", "1e9", "0x10", "-1"])
def test_an_unreadable_timestamp_is_401_not_500(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    body = slash_command_body(
        text="help", user_id="U0ALICE", channel_id="C0OPS", response_url="http://127.0.0.1:9/x"
    )
    headers = signed_headers(body, signing_secret=SECRET, content_type=FORM)
    headers["x-slack-request-timestamp"] = timestamp
    with served_opsgate(tmp_path) as served:
        response = served.http.post(f"{served.url}/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    assert not [r for r in caplog.records if r.exc_info], "no traceback is logged"


def test_a_signed_request_still_passes(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        assert served.slash("help", user="U0ALICE").status_code == 200
        stale = served.slash("help", user="U0ALICE", timestamp=int(time.time()) - 600)
        assert stale.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&response_url=https%3A%2F%2Fhooks.slack.com"
        "%2Fcommands%2FT0001%2F123%2Fabc&text=x",
        'payload={"token":"gIkuvaNzQIHg97ATvDxqgjtO","response_url":'
        '"https:\\/\\/hooks.slack.com\\/actions\\/T0001\\/1\\/abc","type":"block_actions"}',
        '{"token": "gIkuvaNzQIHg97ATvDxqgjtO", "event": {"text": "see https://hooks.slack.com/x/abc"}}',
        "bot_token=gIkuvaNzQIHg97ATvDxqgjtO&x=1",
    ],
    ids=["form", "payload", "event", "any token"],
)
def test_loggable_never_shows_slack_s_token_or_a_response_url(body: str) -> None:
    shown = loggable(body, limit=1000)
    assert "gIkuvaNzQIHg97ATvDxqgjtO" not in shown
    assert "abc" not in shown and "hooks.slack.com" not in shown.replace("[redacted]", "")
    assert "[redacted]" in shown


@pytest.mark.parametrize(
    "body",
    [
        "text=my+token+is+xoxb-1234-5678-Zq7Kw9&user_id=U1",
        '{"event": {"text": "use xapp-1-A0-Zq7Kw9 here"}, "note": "XOXP-99-Zq7Kw9"}',
        "payload=%7B%22secret%22%3A%22xoxe-1-Zq7Kw9%22%7D",
    ],
    ids=["form text", "json text", "encoded payload"],
)
def test_loggable_never_shows_what_looks_like_a_slack_token(body: str) -> None:
    shown = loggable(body, limit=1000)
    assert "Zq7Kw9" not in shown and "[redacted]" in shown


def test_loggable_escapes_and_cuts() -> None:
    assert loggable("a\nb\rc\td\x00e\u2028f", limit=100) == "a\\nb\\rc\\td\\x00e\\u2028f"
    assert loggable("é" * 5, limit=3) == "ééé…"
    assert loggable("", limit=10) == ""


@pytest.mark.parametrize("signature", [b"v0=\xe9", "v0=é".encode(), b"v0=" + b"\xff" * 64])
def test_a_signature_that_is_not_ascii_is_401_not_500(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, signature: bytes
) -> None:
    body = slash_command_body(
        text="help", user_id="U0ALICE", channel_id="C0OPS", response_url="http://127.0.0.1:9/x"
    )
    headers: dict[str, str | bytes] = {
        **signed_headers(body, signing_secret=SECRET, content_type=FORM),
        "x-slack-signature": signature,
    }
    with served_opsgate(tmp_path) as served:
        response = served.http.post(f"{served.url}/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    assert not [r for r in caplog.records if r.exc_info], "no traceback is logged"
