"""No log line shows a Slack secret, whoever writes it and at any level (README "Logs").

At ``OPSGATE_LOG_LEVEL=DEBUG`` slack_sdk logs what it sends and receives: each response_url
it posts to (anyone holding one may post to the channel for 30 minutes), and in Socket Mode
each envelope as Slack sent it, with the app's verification token and the response_url.
"""

from __future__ import annotations

import io
import json
import logging
import urllib.parse

import pytest
from slack_bolt.logger.messages import warning_unhandled_by_global_middleware
from slack_bolt.request import BoltRequest

from bot.observability.logs import configure_logging
from bot.slack.verification import SignedRequests

HOOK = "https://hooks.slack.com/actions/T0OPSGATE/7311225839/ZqSecretHookPath7"
VERIFICATION = "gIkuvaNzQIHg97ATvDxqgjtO"
#: What slack_sdk writes at DEBUG, word for word as its clients format it.
SLACK_SDK_LINES = {
    "slack_sdk.webhook.client": (
        f'Sending a request - url: {HOOK}, body: {{"text": "Request R-7K3F9QW2 is '
        "posted\"}, headers: {'Content-Type': 'application/json;charset=utf-8'}"
    ),
    "slack_sdk.socket_mode.websocket_client": (
        'on_message invoked: (message: {"envelope_id": "1d3c", "payload": {"token": '
        f'"{VERIFICATION}", "type": "block_actions", "response_url": '
        f'"{HOOK.replace("/", chr(92) + "/")}"}}, "type": "interactive"}})'
    ),
    "slack_sdk.web.base_client": (
        "Sending a request - url: https://slack.com/api/functions.completeSuccess, "
        "body_params: {'token': 'xwfp-7311225839-ZqSecretFunctionToken7'}"
    ),
}


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("logger", sorted(SLACK_SDK_LINES))
def test_a_debug_line_of_slack_sdk_shows_no_secret(fmt: str, logger: str) -> None:
    stream = io.StringIO()
    configure_logging(level="DEBUG", fmt=fmt, stream=stream)
    try:
        logging.getLogger(logger).debug(SLACK_SDK_LINES[logger])
    finally:
        configure_logging(level="WARNING", fmt="text")
    [line] = stream.getvalue().splitlines()
    shown = json.loads(line)["message"] if fmt == "json" else line
    assert "ZqSecret" not in shown and VERIFICATION not in shown
    assert "hooks.slack.com" not in shown.replace("\\/", "/")
    assert "[redacted]" in shown


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_an_exception_logged_shows_no_slack_secret(fmt: str) -> None:
    stream = io.StringIO()
    configure_logging(level="INFO", fmt=fmt, stream=stream)
    try:
        raise RuntimeError(f"could not post to {HOOK} with xoxb-1-ZqSecretBotToken7")
    except RuntimeError:
        logging.getLogger("slack_sdk.webhook.client").exception("the post failed")
    finally:
        configure_logging(level="WARNING", fmt="text")
    [line] = stream.getvalue().splitlines()
    assert "ZqSecret" not in line and "[redacted]" in line
    if fmt == "json":
        assert "RuntimeError" in json.loads(line)["exception"]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_govslack_response_url_is_redacted_too(fmt: str) -> None:
    """GovSlack's response_urls are on hooks.slack-gov.com."""
    stream = io.StringIO()
    configure_logging(level="DEBUG", fmt=fmt, stream=stream)
    try:
        logging.getLogger("slack_sdk.webhook.client").debug(
            "Sending a request - url: https://hooks.slack-gov.com/commands/T0/73/ZqSecretGov7"
        )
    finally:
        configure_logging(level="WARNING", fmt="text")
    [line] = stream.getvalue().splitlines()
    assert "ZqSecret" not in line and "[redacted]" in line


def _form_payload(payload: dict[str, object]) -> str:
    """An interactive payload as Slack posts it: JSON (slashes escaped) in a form field."""
    text = json.dumps(payload, separators=(",", ":")).replace("/", "\\/")
    return "payload=" + urllib.parse.quote(text, safe="")


def test_a_refused_interactive_payload_shows_no_verification_token() -> None:
    """A signed request refused as stale (a host clock off by 5 minutes, a rotated signing
    secret) is logged at WARNING with the first 200 characters of its body: an interactive
    payload's token is URL-encoded JSON there, near the start of a shortcut's."""
    body = _form_payload(
        {"type": "shortcut", "token": VERIFICATION, "action_ts": "1.2", "callback_id": "ops_new"}
    )
    stream = io.StringIO()
    configure_logging(level="INFO", fmt="text", stream=stream)
    try:
        SignedRequests("not-the-secret").refuse(body, {})
    finally:
        configure_logging(level="WARNING", fmt="text")
    [line] = stream.getvalue().splitlines()
    assert VERIFICATION not in line and "[redacted]" in line
    assert "ops_new" in line  # the rest of the payload is still shown


def test_a_form_encoded_payload_in_a_log_line_shows_no_response_url() -> None:
    body = _form_payload({"type": "message_action", "response_url": HOOK, "callback_id": "ops"})
    stream = io.StringIO()
    configure_logging(level="INFO", fmt="text", stream=stream)
    try:
        logging.getLogger("bot").warning("could not read %s", body)
    finally:
        configure_logging(level="WARNING", fmt="text")
    [line] = stream.getvalue().splitlines()
    assert "ZqSecret" not in line and "hooks.slack.com" not in line
    assert "callback_id" in urllib.parse.unquote(line)  # redacted up to the URL's end only


def test_bolts_warning_with_a_request_body_shows_no_verification_token() -> None:
    """Bolt logs the parsed body (a Python dict) at WARNING when a global middleware neither
    answers nor passes a request on."""
    request = BoltRequest(body=f"token={VERIFICATION}&command=%2Fops&text=help", mode="http")
    stream = io.StringIO()
    configure_logging(level="INFO", fmt="json", stream=stream)
    try:
        logging.getLogger("slack_bolt.App").warning(
            warning_unhandled_by_global_middleware("remember_team", request)
        )
    finally:
        configure_logging(level="WARNING", fmt="text")
    [line] = stream.getvalue().splitlines()
    assert VERIFICATION not in line and "[redacted]" in line
