"""`opsgate serve --http` as a real child process, as production runs it, for end-to-end tests
of what only a real process shows: signals, waitress's limits, the process's own logs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.console.standin.payloads import FORM, signed_headers, slash_command_body
from bot.console.standin.server import SlackStandIn

SECRET = "process-signing-secret"
CHANNEL = "C0OPS"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServeProcess:
    """A running `opsgate serve --http` child and what it talks to."""

    process: subprocess.Popen[bytes]
    url: str
    port: int
    slack: SlackStandIn
    db: Path
    log: Path

    def slash(self, text: str, *, user: str, timeout: float = 5.0) -> httpx.Response:
        """POST a signed `/ops <text>` from `user`, as Slack would."""
        body = slash_command_body(
            text=text,
            user_id=user,
            channel_id=CHANNEL,
            response_url=self.slack.response_url(f"cmd-{user}-{time.time_ns()}"),
            trigger_id=f"trigger-{time.time_ns()}",
        )
        headers = signed_headers(body, signing_secret=SECRET, content_type=FORM)
        return httpx.post(
            f"{self.url}/slack/events", content=body, headers=headers, timeout=timeout
        )

    def post_signed(self, body: str) -> httpx.Response:
        headers = signed_headers(body, signing_secret=SECRET, content_type=FORM)
        return httpx.post(f"{self.url}/slack/events", content=body, headers=headers, timeout=5)

    def terminate(self) -> int:
        """SIGTERM, then wait for the exit status."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)

    def output(self) -> str:
        return self.log.read_text()


@contextmanager
def serve_process(
    tmp_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    policy: str = '[policy]\nchannels = ["C0OPS"]\n',
) -> Iterator[ServeProcess]:
    """Start `opsgate serve --http` on 127.0.0.1 against a Slack stand-in; stop it afterwards."""
    (tmp_path / "opsgate.toml").write_text(policy)
    port = free_port()
    log = tmp_path / "serve.log"
    with SlackStandIn() as slack, log.open("wb") as log_file:
        child_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("OPSGATE_", "SLACK_"))},
            "SLACK_BOT_TOKEN": "xoxb-process",
            "SLACK_SIGNING_SECRET": SECRET,
            "OPSGATE_SLACK_API_URL": slack.api_url,
            "OPSGATE_DB": str(tmp_path / "serve.db"),
            "OPSGATE_CONFIG": str(tmp_path / "opsgate.toml"),
            **(env or {}),
        }
        command = [sys.executable, "-m", "bot.cli", "serve", "--http", "--host", "127.0.0.1"]
        process = subprocess.Popen(
            [*command, "--port", str(port)], env=child_env, stdout=log_file, stderr=log_file
        )
        served = ServeProcess(
            process=process,
            url=f"http://127.0.0.1:{port}",
            port=port,
            slack=slack,
            db=tmp_path / "serve.db",
            log=log,
        )
        try:
            wait_until_healthy(served)
            yield served
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)


def wait_until_healthy(served: ServeProcess, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise AssertionError(f"opsgate serve exited:\n{served.output()}")
        try:
            if httpx.get(f"{served.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"opsgate serve did not become healthy:\n{served.output()}")
