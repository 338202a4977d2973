"""Socket Mode end to end (issue 8 #6): `opsgate serve` as a child process connects to a local
stand-in for Slack's WebSocket, acks every envelope within 3 s, carries a request through its
approval, and reconnects after a ``disconnect`` message or a dropped socket, losing nothing.
Replicas on one database each hold a connection, and the work Slack spreads over them is done
once."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import httpx
import pytest
from socket_standin import SocketModeStandIn
from vendors_served import servicepower_served

from adapters.servicepower.simulator.api import (
    ServicePowerSimulator,
)
from bot import cards
from bot.console.standin.payloads import (
    app_home_opened_body,
    block_action_body,
    slash_command_body,
)
from bot.console.standin.server import SlackStandIn
from bot.model import RequestState
from bot.store import Store

pytestmark = pytest.mark.slow

ALICE, BOB, CAROL, CHANNEL = "U0ALICE", "U0BOB", "U0CAROL", "C0OPS"


@dataclass
class SocketWorld:
    processes: list[subprocess.Popen[bytes]]
    socket: SocketModeStandIn
    slack: SlackStandIn
    vendor: ServicePowerSimulator
    db: str | Path
    logs: list[Path]

    @property
    def process(self) -> subprocess.Popen[bytes]:
        return self.processes[0]

    @property
    def log(self) -> Path:
        return self.logs[0]

    def slash(self, text: str, *, user: str, on: int | None = None) -> str:
        body = slash_command_body(
            text=text,
            user_id=user,
            channel_id=CHANNEL,
            response_url=self.slack.response_url(f"slash-{time.time_ns()}"),
            trigger_id=f"trigger-{time.time_ns()}",
        )
        return self.socket.send("slash_commands", dict(parse_qsl(body)), on=on)

    def click(self, action_id: str, request_id: str, *, user: str, on: int | None = None) -> str:
        payload = self.click_payload(action_id, request_id, user=user)
        return self.socket.send("interactive", payload, on=on)

    def click_payload(self, action_id: str, request_id: str, *, user: str) -> dict[str, Any]:
        """A click on the request's card, as the payload of an ``interactive`` envelope."""
        body = block_action_body(
            action_id=action_id,
            value=request_id,
            user_id=user,
            channel_id=CHANNEL,
            message_ts=self.card_ts(request_id) or "",
            response_url=self.slack.response_url(f"click-{time.time_ns()}"),
        )
        payload: dict[str, Any] = json.loads(parse_qs(body)["payload"][0])
        return payload

    def card_ts(self, request_id: str) -> str | None:
        """The card's message ts, once the serving process has stored it."""
        store = Store.open_existing(self.db)
        try:
            record = store.get(request_id)
        finally:
            store.close()
        return record.message_ts if record is not None else None

    def state(self, request_id: str) -> RequestState:
        store = Store.open_existing(self.db)
        try:
            record = store.get(request_id)
        finally:
            store.close()
        assert record is not None
        return record.state


@contextmanager
def socket_mode_serve(
    tmp_path: Path,
    *args: str,
    connects: bool = True,
    replicas: int = 1,
    database: str | None = None,
) -> Iterator[SocketWorld]:
    """`opsgate serve` (plus `args`) in Socket Mode against the stand-ins, as `replicas`
    processes sharing `database` (default: a SQLite file), each with its own connection; once
    they have connected, unless they are not expected to (`connects`)."""
    (tmp_path / "opsgate.toml").write_text('[policy]\nchannels = ["C0OPS"]\n')
    db = database or tmp_path / "serve.db"
    logs = [tmp_path / f"serve-{n}.log" for n in range(replicas)]
    with (
        SocketModeStandIn() as ws,
        SlackStandIn() as slack,
        servicepower_served() as (vendor, vendor_env),
    ):
        slack.socket_url = ws.url
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("OPSGATE_", "SLACK_"))},
            "SLACK_BOT_TOKEN": "xoxb-socket",
            "SLACK_APP_TOKEN": "xapp-1-socket",
            "OPSGATE_SLACK_API_URL": slack.api_url,
            "OPSGATE_DB": str(db),
            "OPSGATE_CONFIG": str(tmp_path / "opsgate.toml"),
            **vendor_env,
        }
        processes = [_serve(args, env, log) for log in logs]
        world = SocketWorld(processes, ws, slack, vendor, db, logs)
        try:
            if connects:
                try:
                    ws.wait_for_open(replicas)
                except TimeoutError as exc:  # say why: a replica that stopped says so in its log
                    said = " | ".join(log.read_text()[-2000:] for log in logs)
                    raise AssertionError(f"{exc}; serve said: {said}") from exc
            yield world
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                process.wait(timeout=30)


def _serve(args: tuple[str, ...], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as log_file:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", *args],
            env=env,
            stdout=log_file,
            stderr=log_file,
        )


def request_id_of_card(slack: SlackStandIn) -> str:
    call = slack.wait_for(
        lambda c: c.method == "chat.postMessage" and c.params.get("channel") == CHANNEL,
        timeout=15,
    )
    blocks = call.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return str(
        next(e["value"] for b in blocks for e in b.get("elements", []) if e.get("type") == "button")
    )


def wait_until(condition: Any, *, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_socket_mode_end_to_end(tmp_path: Path) -> None:
    with socket_mode_serve(tmp_path) as world:
        ws, slack = world.socket, world.slack
        # A slash command: acked by envelope id, then the card is posted.
        ws.wait_for_ack(world.slash("servicepower job cancel JOB-1001 --reason gone", user=ALICE))
        request_id = request_id_of_card(slack)
        wait_until(lambda: world.card_ts(request_id) is not None)

        # An Approve click: acked, the vendor called once, the card updated.
        ws.wait_for_ack(world.click(cards.APPROVE_ACTION, request_id, user=BOB))
        wait_until(lambda: world.state(request_id) is RequestState.SUCCEEDED)
        slack.wait_for(
            lambda c: c.method == "chat.update" and "Succeeded" in str(c.params), timeout=15
        )
        assert len(world.vendor.requests_to("/CancelJob")) == 1

        # An event: App Home opened.
        ws.wait_for_ack(ws.send("events_api", json.loads(app_home_opened_body(user_id=ALICE))))
        slack.wait_for(lambda c: c.method == "views.publish", timeout=15)

        # Slack asks the app to reconnect: it does at once (closed under its reader, the old
        # connection held the new one back 10 s, and envelopes meanwhile found none), and the
        # next envelope is processed.
        ws.ask_to_reconnect()
        ws.wait_for_reconnect(2, timeout=5)
        since = len(slack.calls)
        ws.wait_for_ack(world.slash("help", user=ALICE))
        slack.wait_for(lambda c: c.method == "response_url", since=since, timeout=15)

        # The socket drops: the app notices, reconnects, and the next envelope is processed.
        ws.drop()
        ws.wait_for_reconnect(3)
        since = len(slack.calls)
        ws.wait_for_ack(world.slash("help", user=BOB))
        slack.wait_for(lambda c: c.method == "response_url", since=since, timeout=15)

        assert all(ack.seconds < 3 for ack in ws.acks.values())
        world.process.send_signal(15)  # SIGTERM: disconnect and exit cleanly
        assert world.process.wait(timeout=30) == 0
    assert "Traceback" not in world.log.read_text()


def test_envelopes_slack_never_sends_are_acknowledged_and_ignored_in_one_line_each(
    tmp_path: Path,
) -> None:
    """A message that is not JSON, a payload that is not an object, one Bolt cannot read, and
    a click by no Slack user: each ignored in one log line, never a traceback; the connection
    lives on, and nothing is stored, approved or executed."""
    with socket_mode_serve(tmp_path) as world:
        ws = world.socket
        ws.wait_for_ack(world.slash("servicepower job cancel JOB-1001 --reason gone", user=ALICE))
        request_id = request_id_of_card(world.slack)
        wait_until(lambda: world.card_ts(request_id) is not None)

        ws.send_raw("{not json")
        envelope = {"envelope_id": "e-list", "type": "interactive", "payload": [1, 2]}
        ws.send_raw(json.dumps(envelope))
        ws.wait_for_ack("e-list")
        ws.wait_for_ack(ws.send("interactive", {"type": "block_actions", "enterprise": 5}))
        forged = world.click_payload(cards.APPROVE_ACTION, request_id, user=BOB)
        forged["user"]["id"] = 5
        ws.wait_for_ack(ws.send("interactive", forged))
        time.sleep(1)  # what a click would have set off has had time to run
        assert world.state(request_id) is RequestState.PENDING
        assert world.vendor.requests_to("/CancelJob") == []

        ws.wait_for_ack(world.click(cards.APPROVE_ACTION, request_id, user=BOB))
        wait_until(lambda: world.state(request_id) is RequestState.SUCCEEDED)
        assert ws.connections == 1
        world.process.send_signal(15)
        assert world.process.wait(timeout=30) == 0
    log = world.log.read_text()
    assert "Traceback" not in log and "ERROR" not in log
    assert log.count("ignored a Socket Mode") == 3
    assert log.count("refused a Slack payload") == 1


def test_replicas_each_hold_a_connection_and_share_the_work(
    tmp_path: Path, postgres_database: str
) -> None:
    """Slack spreads envelopes over the app's connections (up to 10): the request arrives at
    one replica, and two approvals at once, one at each; the vendor is called once."""
    with socket_mode_serve(tmp_path, replicas=2, database=postgres_database) as world:
        ws, slack = world.socket, world.slack
        ws.wait_for_ack(
            world.slash("servicepower job cancel JOB-1001 --reason gone", user=ALICE, on=0)
        )
        request_id = request_id_of_card(slack)
        wait_until(lambda: world.card_ts(request_id) is not None)

        clicks = [
            world.click(cards.APPROVE_ACTION, request_id, user=approver, on=on)
            for on, approver in enumerate((BOB, CAROL))
        ]
        acks = [ws.wait_for_ack(envelope) for envelope in clicks]
        wait_until(lambda: world.state(request_id) is RequestState.SUCCEEDED)

        assert all(ack.seconds < 3 for ack in acks)
        assert len(world.vendor.requests_to("/CancelJob")) == 1
        for process in world.processes:
            process.send_signal(15)
        assert [process.wait(timeout=30) for process in world.processes] == [0, 0]
    assert not any("Traceback" in log.read_text() for log in world.logs)


def test_socket_mode_answers_probes_on_its_probe_port_and_nothing_else(tmp_path: Path) -> None:
    # Port 0: the system picks a free one and the log names it (a port picked here could be
    # taken by another process before serve binds it).
    with socket_mode_serve(tmp_path, "--host", "127.0.0.1", "--probe-port", "0") as world:
        wait_until(lambda: _PROBES.search(world.log.read_text()) is not None)
        found = _PROBES.search(world.log.read_text())
        assert found is not None
        probes = f"http://127.0.0.1:{found.group(1)}"
        wait_until(lambda: _answers(f"{probes}/healthz"))
        health = httpx.get(f"{probes}/healthz", timeout=5)
        assert health.status_code == 200 and health.json()["database"] == "ok"
        metrics = httpx.get(f"{probes}/metrics", timeout=5)
        assert metrics.status_code == 200 and "opsgate_pending_requests" in metrics.text
        # Slack's requests come over the socket: the probe port answers none of them.
        assert httpx.post(f"{probes}/slack/events", content=b"x", timeout=5).status_code == 404
        world.process.send_signal(15)
        assert world.process.wait(timeout=30) == 0
    assert not _answers(f"{probes}/healthz")  # closed with the process
    assert "Traceback" not in world.log.read_text()


def test_a_probe_port_in_use_stops_start_up_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = ("--host", "127.0.0.1", "--probe-port", str(port))
        with socket_mode_serve(tmp_path, *args, connects=False) as w:
            assert w.process.wait(timeout=30) == 2
            assert w.socket.connections == 0  # it stopped before connecting to Slack
    log = w.log.read_text()
    assert f"cannot listen on 127.0.0.1:{port} for probes" in log
    assert "Traceback" not in log


_PROBES = re.compile(r"probes on http://127\.0\.0\.1:(\d+)/healthz")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False
