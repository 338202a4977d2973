"""With ``OPSGATE_LOG_FORMAT=json``, the line saying why `serve` did not start is a JSON log
line like every other line it wrote (SPEC §13: one JSON object per line), so a log pipeline that
reads stderr as JSON keeps the one line an operator most needs. Other commands keep
``opsgate: …``: their output is for a person at a terminal."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from bot import cli
from bot.console.standin.server import SlackStandIn


def _json_lines(text: str) -> list[dict[str, str]]:
    """Every line of `text` as JSON (a line that is not fails the test)."""
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def json_env(env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(env)
    monkeypatch.setenv("OPSGATE_LOG_FORMAT", "json")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    return env


def test_a_missing_signing_secret_is_one_json_line(
    json_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["serve", "--http"]) == 2
    [line] = _json_lines(capsys.readouterr().err)
    assert line["level"] == "CRITICAL" and line["logger"] == "opsgate"
    assert line["message"].startswith("SLACK_SIGNING_SECRET is not set; HTTP mode needs it")


def test_a_bad_setting_is_one_json_line_though_the_settings_were_never_read(
    json_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPSGATE_WORKERS", "0")
    assert cli.main(["serve", "--http"]) == 2
    [line] = _json_lines(capsys.readouterr().err)
    assert line["level"] == "CRITICAL"
    assert line["message"] == (
        "invalid settings: OPSGATE_WORKERS (workers): must be between 1 and 256"
    )


def test_a_port_in_use_ends_the_json_log_with_a_json_line(
    json_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    with SlackStandIn() as slack, socket.socket() as taken:
        monkeypatch.setenv("OPSGATE_SLACK_API_URL", slack.api_url)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        assert cli.main(["serve", "--http", "--host", "127.0.0.1", "--port", port]) == 2
    *logged, last = _json_lines(capsys.readouterr().err)
    assert logged and all(line["level"] == "INFO" for line in logged)  # Slack's token was OK
    assert last["level"] == "CRITICAL"
    assert last["message"].startswith(f"cannot listen on 127.0.0.1:{port}: ")


def test_other_commands_keep_their_plain_line(
    json_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["db", "migrate", "--db", str(json_env)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"opsgate: cannot open the database {json_env}: ")
