"""In Socket Mode, ``opsgate_ack_seconds`` runs from when the envelope was read off the socket
(README "Health and metrics"), as over HTTP from when the server had read the request: an
envelope that waited for one of the client's workers is timed with its wait, which Slack,
allowing 3 s, sees too. Its ``apps.connections.open`` is counted with the app's Slack calls."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from prometheus_client.parser import text_string_to_metric_families
from socket_standin import SocketModeStandIn

from bot.app import OpsgateApp, build_app
from bot.console.standin.payloads import slash_command_body
from bot.console.standin.server import SlackStandIn
from bot.settings import load_settings
from bot.slack.socket_mode import CheckedSocketModeHandler


class WatchedWorkers(ThreadPoolExecutor):
    """The client's worker pool, one worker, counting what is handed to it (each message read
    off the socket, Slack's ``hello`` first)."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self._handed = threading.Condition()
        self.handed = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        with self._handed:
            self.handed += 1
            self._handed.notify_all()
        return future

    def wait_handed(self, count: int) -> None:
        with self._handed:
            assert self._handed.wait_for(lambda: self.handed >= count, timeout=10)


@dataclass
class Connected:
    opsgate: OpsgateApp
    ws: SocketModeStandIn
    slack: SlackStandIn
    workers: WatchedWorkers

    def samples(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(self.opsgate.metrics.render().decode())
            for sample in family.samples
        }


@contextmanager
def connected(tmp_path: Path) -> Iterator[Connected]:
    """opsgate's Socket Mode handler connected to a local Slack, its workers watched."""
    (tmp_path / "opsgate.toml").write_text('[policy]\nchannels = ["C0OPS"]\n')
    with SocketModeStandIn() as ws, SlackStandIn(socket_url=ws.url) as slack:
        settings = load_settings(
            {
                "SLACK_BOT_TOKEN": "xoxb-ack",
                "SLACK_APP_TOKEN": "xapp-1-ack",
                "OPSGATE_SLACK_API_URL": slack.api_url,
                "OPSGATE_SANDBOX": "1",
                "OPSGATE_DB": str(tmp_path / "opsgate.db"),
                "OPSGATE_CONFIG": str(tmp_path / "opsgate.toml"),
            }
        )
        opsgate = build_app(settings)
        handler = CheckedSocketModeHandler(opsgate.bolt, "xapp-1-ack", ping_interval=30)
        workers = WatchedWorkers()
        handler.client.message_workers.shutdown()
        handler.client.message_workers = workers
        handler.connect()  # type: ignore[no-untyped-call]
        try:
            ws.wait_for_connections(1)
            yield Connected(opsgate, ws, slack, workers)
        finally:
            handler.close()  # type: ignore[no-untyped-call]
            opsgate.close()


def slash_help(world: Connected) -> str:
    url = world.slack.response_url("help")
    body = slash_command_body(text="help", user_id="U0ALICE", channel_id="C0OPS", response_url=url)
    return world.ws.send("slash_commands", dict(parse_qsl(body)))


def test_an_envelope_that_waited_for_a_worker_is_timed_from_its_receipt(tmp_path: Path) -> None:
    with connected(tmp_path) as world:
        world.workers.wait_handed(1)  # Slack's hello
        busy, release = threading.Event(), threading.Event()
        world.workers.submit(lambda: (busy.set(), release.wait(30)))
        assert busy.wait(10)  # the only worker is taken
        envelope = slash_help(world)
        world.workers.wait_handed(3)  # read off the socket, waiting for the worker
        queued_at = time.perf_counter()
        time.sleep(0.3)
        released_at = time.perf_counter()
        release.set()
        world.ws.wait_for_ack(envelope, timeout=10)
        assert world.opsgate.runner.wait_idle(10)
        samples = world.samples()

    assert samples[("opsgate_ack_seconds_count", frozenset())] == 1
    # Read before `queued_at`, acknowledged after `released_at`: at least the time between.
    assert samples[("opsgate_ack_seconds_sum", frozenset())] >= released_at - queued_at


def test_the_socket_mode_connection_s_slack_call_is_counted(tmp_path: Path) -> None:
    with connected(tmp_path) as world:
        samples = world.samples()
    opened = frozenset({("method", "apps.connections.open"), ("result", "ok")})
    assert samples[("opsgate_slack_calls_total", opened)] == 1
