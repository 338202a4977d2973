"""No log line shows a Slack secret, whoever writes it and at any level (README "Logs").

At ``OPSGATE_LOG_LEVEL=DEBUG`` slack_sdk logs what it sends and receives: each response_url
it posts to (anyone holding one may post to the channel for 30 minutes), and in Socket Mode
each envelope as Slack sent it, with the app's verification token and the response_url.
"""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.observability.logs import configure_logging

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
