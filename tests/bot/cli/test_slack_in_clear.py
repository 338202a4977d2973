"""``OPSGATE_SLACK_API_URL`` carries the bot token on every call (and the app token on Socket
Mode's first): plain http to another machine is warned about when `serve` starts and on the
slack line of `opsgate check`, naming the setting and never a token; the Slack stand-in on this
machine (the console, tests) is silent."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot import cli
from bot.cli import runtime
from bot.cli.preflight import SlackIdentity, slack_in_clear
from bot.console.standin.server import SlackStandIn
from bot.settings import Settings, load_settings

TOKEN = "xoxb-in-clear-DO-NOT-LEAK"
WARNING = (
    "OPSGATE_SLACK_API_URL is plain http to another machine: every call sends the bot token "
    "(Socket Mode's first, the app token) unencrypted unless a proxy on the way adds TLS (use "
    "https://)"
)


def settings_for(tmp_path: Path, api_url: str) -> Settings:
    (tmp_path / "opsgate.toml").write_text("")
    return load_settings(
        {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": "serve-secret",
            "OPSGATE_SLACK_API_URL": api_url,
            "OPSGATE_SANDBOX": "1",
            "OPSGATE_DB": str(tmp_path / "serve.db"),
            "OPSGATE_CONFIG": str(tmp_path / "opsgate.toml"),
        }
    )


@pytest.mark.parametrize(
    ("api_url", "warned"),
    [
        ("http://slack.example.com/api/", True),
        ("http://10.1.2.3:8080/api/", True),
        ("https://slack.com/api/", False),
        ("http://127.0.0.1:9/api/", False),
        ("http://localhost:9/api/", False),
    ],
)
def test_slack_in_clear(tmp_path: Path, api_url: str, warned: bool) -> None:
    assert slack_in_clear(settings_for(tmp_path, api_url)) == (WARNING if warned else None)


def test_serve_warns_before_it_asks_slack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    asked: list[str] = []

    def refused(settings: Settings) -> SlackIdentity:  # Slack is not asked: offline
        asked.append(settings.slack_api_url)
        return SlackIdentity(ok=False, detail="stand-in refusal")

    monkeypatch.setattr(runtime, "slack_identity", refused)
    settings = settings_for(tmp_path, "http://slack.example.com/api/")
    with caplog.at_level(logging.WARNING):
        assert runtime.serve(settings, http=True, host="127.0.0.1", port=0) == 2
    assert asked == ["http://slack.example.com/api/"]
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [WARNING]
    assert TOKEN not in caplog.text


def test_serve_against_the_stand_in_is_silent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def stopped_at_once(opsgate: object, *, host: str, port: int) -> None:
        raise KeyboardInterrupt  # Ctrl-C as soon as it serves

    monkeypatch.setattr(runtime, "serve_http", stopped_at_once)
    with SlackStandIn() as slack, caplog.at_level(logging.WARNING):
        settings = settings_for(tmp_path, slack.api_url)
        assert runtime.serve(settings, http=True, host="127.0.0.1", port=0) == 0
    assert "plain http" not in caplog.text


def test_check_says_it_on_the_slack_line(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No bot token: `check` stops before asking Slack (offline), and still warns."""
    monkeypatch.setenv("OPSGATE_SLACK_API_URL", "http://slack.example.com/api/")
    assert cli.main(["check"]) == 1
    [line] = [x for x in capsys.readouterr().out.splitlines() if x[6:].startswith("slack:")]
    assert line.startswith("FAIL  slack: `opsgate serve` would not start: SLACK_BOT_TOKEN")
    assert line.endswith(f". Warning: {WARNING}.")
