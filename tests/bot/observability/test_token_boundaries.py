"""Slack tokens are masked wherever they stand, but only tokens: a word that merely holds a
token's prefix (``boxapp-01``, ``Xoxbar-7``) is a name and is logged as it is (README "Logs")."""

from __future__ import annotations

import pytest

from bot.observability.redaction import hide_slack_secrets

TOKEN = "xoxb-7311225839-4217-ZqSecretBotToken7"


@pytest.mark.parametrize(
    "text",
    [
        "deleted package boxapp-01 from the mirror",
        "host sandboxapp-eu-2 answered 503",
        "target Fluxapp-7, Ajaxoxb-2, linux-xoxp-3.1 and eu.xapp-2 left alone",
        "SLACK_xoxb-2 is a name too",
        "instance id i-0box0xoxb-1 is a name",
    ],
)
def test_a_word_that_merely_holds_a_token_prefix_is_logged_as_it_is(text: str) -> None:
    assert hide_slack_secrets(text) == text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (f"token={TOKEN}&x=1", "token=[redacted]&x=1"),
        (f"SLACK_BOT_TOKEN={TOKEN}", "SLACK_BOT_TOKEN=[redacted]"),
        (f"auth: {TOKEN}", "auth: [redacted]"),
        (f"auth:{TOKEN}", "auth:[redacted]"),
        (f"Authorization: Bearer {TOKEN}", "Authorization: Bearer [redacted]"),
        (f"{{'t': '{TOKEN}'}}", "{'t': '[redacted]'}"),
        (f'{{"t":"{TOKEN}"}}', '{"t":"[redacted]"}'),
        (f"payload=%7B%22t%22%3A%22{TOKEN}%22%7D", "payload=%7B%22t%22%3A%22[redacted]%22%7D"),
        (f"a=b%3D{TOKEN}", "a=b%3D[redacted]"),
        (f'"text": "here:\\n{TOKEN}"', '"text": "here:\\n[redacted]"'),
        (f"next=https%3A%2F%2Fh%3Ft%3D%2522{TOKEN}", "next=https%3A%2F%2Fh%3Ft%3D%2522[redacted]"),
        (f"a=%25253D{TOKEN}", "a=%25253D[redacted]"),
        (f'{{"t":"\\u0022{TOKEN}\\u0022"}}', '{"t":"\\u0022[redacted]\\u0022"}'),
        (f"'\\x0b{TOKEN}'", "'\\x0b[redacted]'"),
        (f"({TOKEN})", "([redacted])"),
        (f"<{TOKEN}>", "<[redacted]>"),
        ("app token xapp-1-A0OPS-7311-abcdef0123 refused", "app token [redacted] refused"),
        ("rotating xoxe.xoxp-1-Mi0yLTE4NTM next", "rotating [redacted] next"),
        ("refresh xoxe-1-My0xLTE4NTM next", "refresh [redacted] next"),
        ("user XOXP-42-99 next", "user [redacted] next"),
        (TOKEN, "[redacted]"),
    ],
)
def test_a_token_is_masked_after_whatever_stands_before_it(text: str, shown: str) -> None:
    assert hide_slack_secrets(text) == shown
