"""Signed requests whose body cannot be read: 400 and one short log line, never a 500 and a
traceback. Nothing is stored. A body Slack did not sign is still refused with 401 first."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from serve_process import SECRET as PROCESS_SECRET
from serve_process import serve_process
from served_app import SECRET, Served, served_opsgate

from bot.console.standin.payloads import FORM, JSON, slash_command_body
from bot.slack.verification import LOGGED_BODY_CHARS

SLASH = slash_command_body(
    text="help", user_id="U0ALICE", channel_id="C0OPS", response_url="http://127.0.0.1:9/r"
)
#: Bodies Slack would never send, each correctly signed, with the content type it came with.
UNREADABLE: dict[str, tuple[bytes, str]] = {
    "payload not JSON": (b"payload=%7Bnot-json", FORM),
    "payload a JSON list": (b"payload=" + quote("[1,2]").encode(), FORM),
    "payload JSON of the wrong shape": (
        b"payload=" + quote('{"type": "block_actions", "enterprise": 5}').encode(),
        FORM,
    ),
    "payload nested too deep": (b"payload=" + b"%5B" * 100_000, FORM),
    "a form body said to be JSON": (SLASH.encode(), JSON),
    "a form body not UTF-8": (b"command=/ops&text=\xff\xfe&user_id=U0ALICE&channel_id=C0OPS", FORM),
    "JSON not JSON": (b"{not json", JSON),
    "JSON a list": (b"[1]", JSON),
    "JSON a string": (b'"hello"', JSON),
}


def signed(body: bytes, content_type: str, *, secret: str = SECRET) -> dict[str, str]:
    """Slack's headers for `body`: the signature is over its exact bytes."""
    ts = str(int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {
        "x-slack-signature": f"v0={digest.hexdigest()}",
        "x-slack-request-timestamp": ts,
        "content-type": content_type,
    }


def post(served: Served, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return served.http.post(f"{served.url}/slack/events", content=body, headers=headers)


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_a_signed_unreadable_body_is_400_in_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    caplog.set_level(logging.DEBUG)
    body, content_type = UNREADABLE[case]
    with served_opsgate(tmp_path) as served:
        response = post(served, body, signed(body, content_type))
        assert served.opsgate.runner.wait_idle(10)
        assert response.status_code == 400
        assert response.json() == {"error": "unreadable request"}
        assert served.opsgate.store.history() == []
        assert served.slack.calls == []
    assert not [r for r in caplog.records if r.exc_info], "no traceback is logged"
    [line] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    message = line.getMessage()
    assert "unreadable" in message and "\n" not in message
    assert len(message) < LOGGED_BODY_CHARS + 300


def test_an_unsigned_unreadable_body_is_401(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    body = b"text=\xff\xfe"
    with served_opsgate(tmp_path) as served:
        forged = signed(body, FORM, secret="not-the-secret")
        assert post(served, body, forged).status_code == 401
        assert post(served, body, {"content-type": FORM}).status_code == 401
        assert post(served, b"{not json", {"content-type": JSON}).status_code == 401
    assert not [r for r in caplog.records if r.exc_info]
    refused = [r for r in caplog.records if r.name == "bot.slack.verification"]
    assert len(refused) == 3 and "\\xff\\xfe" in refused[0].getMessage()


@pytest.mark.slow
def test_the_served_process_answers_each_unreadable_body_with_400(tmp_path: Path) -> None:
    """Through waitress, as production runs it: no 500, no traceback, and still healthy."""
    with serve_process(tmp_path) as served:
        for body, content_type in UNREADABLE.values():
            headers = signed(body, content_type, secret=PROCESS_SECRET)
            url = f"{served.url}/slack/events"
            assert httpx.post(url, content=body, headers=headers, timeout=10).status_code == 400
        assert served.slash("help", user="U0ALICE").status_code == 200
        assert httpx.get(f"{served.url}/healthz", timeout=5).status_code == 200
        assert served.terminate() == 0
        log = served.output()
    assert "Traceback" not in log and "ERROR" not in log
    assert log.count("unreadable") == len(UNREADABLE)
