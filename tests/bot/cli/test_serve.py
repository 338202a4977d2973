"""`opsgate serve`: start-up checks in-process, and the real command as a child process."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from tampering import as_before_seals

from bot.app import OpsgateApp
from bot.cli import runtime
from bot.console.standin.payloads import FORM, signed_headers, slash_command_body
from bot.console.standin.server import SlackStandIn
from bot.policy import OperationPolicy
from bot.settings import load_settings
from bot.store import Store
from bot.store.schema import SEAL_MIGRATION
from bot.store.transfer import migrate
from commands.model import OperationRequest


def settings_for(tmp_path: Path, api_url: str, token: str = "xoxb-serve") -> object:
    (tmp_path / "opsgate.toml").write_text("")
    return load_settings(
        {
            "SLACK_BOT_TOKEN": token,
            "SLACK_SIGNING_SECRET": "serve-secret",
            "OPSGATE_SLACK_API_URL": api_url,
            "OPSGATE_SANDBOX": "1",
            "OPSGATE_DB": str(tmp_path / "serve.db"),
            "OPSGATE_CONFIG": str(tmp_path / "opsgate.toml"),
        }
    )


def test_serve_refuses_a_token_slack_rejects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SlackStandIn() as slack:
        settings = settings_for(tmp_path, slack.api_url, token="not-a-bot-token")
        assert runtime.serve(settings, http=True, host="127.0.0.1", port=0) == 2  # type: ignore[arg-type]
    assert "invalid_auth" in capsys.readouterr().err


def test_serve_recovers_then_serves_then_closes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[OpsgateApp] = []

    def fake_serve_http(opsgate: OpsgateApp, *, host: str, port: int) -> None:
        served.append(opsgate)
        raise KeyboardInterrupt  # Ctrl-C while serving

    monkeypatch.setattr(runtime, "serve_http", fake_serve_http)
    with SlackStandIn() as slack:
        settings = settings_for(tmp_path, slack.api_url)
        assert runtime.serve(settings, http=True, host="127.0.0.1", port=0) == 0  # type: ignore[arg-type]
    assert len(served) == 1 and served[0].runner is not None


def test_serve_starts_without_bolt_warning_that_the_token_goes_unused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(runtime, "serve_http", lambda opsgate, **_: None)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-serve")  # Bolt reads it from the environment
    with SlackStandIn() as slack, caplog.at_level(logging.WARNING):
        settings = settings_for(tmp_path, slack.api_url)
        assert runtime.serve(settings, http=True, host="127.0.0.1", port=0) == 0  # type: ignore[arg-type]
    assert [r.getMessage() for r in caplog.records if r.name.startswith("slack_bolt")] == []


def test_serve_without_the_key_leaves_a_keyed_log_from_before_seals_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The upgrade that seals such a log's head as found is left to the run with the key."""
    key = SecretStr("the key of this log")
    with closing(Store.open(tmp_path / "serve.db", key=key)) as store:
        store.create_request(
            OperationRequest(operation="acme.widget.delete", vendor="acme", targets=("w-1",)),
            requester="U0ALICE",
            channel="C0OPS",
            policy=OperationPolicy(),
            sandbox=True,
        )
    as_before_seals(tmp_path / "serve.db")
    with SlackStandIn() as slack:
        settings = settings_for(tmp_path, slack.api_url)  # no OPSGATE_AUDIT_KEY
        assert runtime.serve(settings, http=True, host="127.0.0.1", port=0) == 2  # type: ignore[arg-type]
    assert "OPSGATE_AUDIT_KEY" in capsys.readouterr().err
    assert migrate(tmp_path / "serve.db", key=key)[1] == [SEAL_MIGRATION]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_opsgate_serve_http_process(tmp_path: Path) -> None:
    """The installed command, as production runs it: healthz, signed requests, 401 on bad ones."""
    port = free_port()
    with SlackStandIn() as slack:
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": "xoxb-serve",
            "SLACK_SIGNING_SECRET": "serve-secret",
            "OPSGATE_SLACK_API_URL": slack.api_url,
            "OPSGATE_SANDBOX": "1",
            "OPSGATE_DB": str(tmp_path / "serve.db"),
            "OPSGATE_CONFIG": str(tmp_path / "opsgate.toml"),
        }
        env.pop("SLACK_APP_TOKEN", None)
        (tmp_path / "opsgate.toml").write_text("")
        log = (tmp_path / "serve.log").open("w")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "serve",
                "--http",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            health = _wait_for_health(base, process, tmp_path / "serve.log")
            assert health.json()["ok"] is True
            body = slash_command_body(
                text="help",
                user_id="U0ALICE",
                channel_id="C0OPS",
                response_url=slack.response_url("serve"),
            )
            good = signed_headers(body, signing_secret="serve-secret", content_type=FORM)
            assert httpx.post(f"{base}/slack/events", content=body, headers=good).status_code == 200
            bad = signed_headers(body, signing_secret="wrong", content_type=FORM)
            assert httpx.post(f"{base}/slack/events", content=body, headers=bad).status_code == 401
            slack.wait_for(lambda call: call.method == "response_url", timeout=10)
        finally:
            process.terminate()
            process.wait(timeout=30)
            log.close()


def _wait_for_health(base: str, process: subprocess.Popen[bytes], log: Path) -> httpx.Response:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(log.read_text())
        try:
            return httpx.get(f"{base}/healthz", timeout=1)
        except httpx.TransportError:
            time.sleep(0.02)
    raise AssertionError("opsgate serve did not become healthy")


def test_serve_uses_socket_mode_when_an_app_token_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    modes: list[str] = []
    monkeypatch.setattr(
        runtime,
        "serve_socket_mode",
        lambda opsgate, *, app_token: modes.append(f"socket:{app_token}"),
    )
    monkeypatch.setattr(runtime, "serve_http", lambda opsgate, **kw: modes.append("http"))
    with SlackStandIn(socket_url="ws://127.0.0.1:9/socket") as slack:
        settings = settings_for(tmp_path, slack.api_url).model_copy(  # type: ignore[attr-defined]
            update={"slack_app_token": SecretStr("xapp-1-test")}
        )
        assert runtime.serve(settings, http=False, host="127.0.0.1", port=0) == 0
        assert runtime.serve(settings, http=True, host="127.0.0.1", port=0) == 0
        asked = [call.method for call in slack.calls]
    assert modes == ["socket:xapp-1-test", "http"]
    # A connection is asked for only by Socket Mode itself (here stubbed): the method is Tier 1
    # at Slack, and a second call at each start could have a replica refused "ratelimited".
    assert "apps.connections.open" not in asked


def test_sigterm_while_slack_is_asked_at_start_up_stops_cleanly(tmp_path: Path) -> None:
    """SIGTERM during start-up (here while `auth.test` waits for a Slack that never answers)
    ends it as a stop does: one line, exit 0, not killed by the signal."""
    (tmp_path / "opsgate.toml").write_text("")
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("OPSGATE_", "SLACK_"))},
            "SLACK_BOT_TOKEN": "xoxb-serve",
            "SLACK_SIGNING_SECRET": "serve-secret",
            "OPSGATE_SLACK_API_URL": f"http://127.0.0.1:{silent.getsockname()[1]}/api/",
            "OPSGATE_SANDBOX": "1",
            "OPSGATE_DB": str(tmp_path / "serve.db"),
            "OPSGATE_CONFIG": str(tmp_path / "opsgate.toml"),
        }
        command = [sys.executable, "-m", "bot.cli", "serve", "--http", "--port", str(free_port())]
        with subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        ) as process:
            silent.settimeout(30)
            asked, _ = silent.accept()  # the database is open; Slack is being asked
            process.send_signal(signal.SIGTERM)
            _, errors = process.communicate(timeout=30)
            asked.close()
    assert process.returncode == 0
    assert errors.strip().endswith("stopped before start-up finished")
    assert "Traceback" not in errors
