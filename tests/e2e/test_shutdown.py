"""SIGTERM drains (SPEC §13): no new work, the vendor call in flight finishes, exit 0.

`opsgate serve --http` runs as a real child process; ServicePower is a simulator served from
this test process with a slow CancelJob, so the call is in flight when the signal arrives. A
bulk run (the Alibaba simulator, its cancels held until the test lets them go) sends no call
after the drain began but those in flight, and ends `stopped` by `system` with its counts.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from serve_process import CHANNEL, ServeProcess, serve_process
from vendors_served import aliyun_served, servicepower_served

from adapters.clock import FakeClock
from adapters.servicepower.simulator.api import (
    ServicePowerSimulator,
)
from bot import cards
from bot.console.standin.payloads import block_action_body
from bot.model import AuditEventName, RequestState
from bot.store import Store

pytestmark = pytest.mark.slow

ALICE, BOB = "U0ALICE", "U0BOB"


def approve_a_cancel(served: ServeProcess, simulator: ServicePowerSimulator) -> str:
    """Request a ServicePower cancel, approve it, and return once the vendor call is in flight."""
    request_id = approve(served, "servicepower job cancel JOB-1001 --reason drain")
    deadline = time.monotonic() + 15
    while not simulator.requests_to("/CancelJob"):
        assert time.monotonic() < deadline, served.output()
        time.sleep(0.02)
    return request_id


def approve(served: ServeProcess, command: str) -> str:
    """Request `command` as Alice, wait for its card, and approve it as Bob."""
    assert served.slash(command, user=ALICE).is_success
    card = served.slack.wait_for(
        lambda c: c.method == "chat.postMessage" and c.params.get("channel") == CHANNEL,
        timeout=15,
    )
    blocks = card.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    request_id = next(
        e["value"] for b in blocks for e in b.get("elements", []) if e.get("type") == "button"
    )
    click = block_action_body(
        action_id=cards.APPROVE_ACTION,
        value=request_id,
        user_id=BOB,
        channel_id=CHANNEL,
        message_ts=card_ts(served.db, request_id),
        response_url=served.slack.response_url("click"),
    )
    assert served.post_signed(click).is_success
    return str(request_id)


def card_ts(db: Path, request_id: str) -> str:
    """The card's message ts, once the serving process has stored it (read-only)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        store = Store.open_existing(db)
        try:
            record = store.get(request_id)
        finally:
            store.close()
        if record is not None and record.message_ts:
            return record.message_ts
        time.sleep(0.02)
    raise AssertionError(f"{request_id} has no card")


def state_of(db: Path, request_id: str) -> RequestState:
    store = Store.open(db)
    try:
        record = store.get(request_id)
        assert record is not None
        return record.state
    finally:
        store.close()


def test_sigterm_lets_the_vendor_call_in_flight_finish(tmp_path: Path) -> None:
    with (
        servicepower_served(cancel_seconds=3) as (simulator, vendor_env),
        serve_process(tmp_path, env=vendor_env) as served,
    ):
        request_id = approve_a_cancel(served, simulator)
        served.process.send_signal(15)  # SIGTERM, with the call still waiting on the vendor
        time.sleep(0.5)
        assert served.process.poll() is None  # still draining...
        with pytest.raises(httpx.TransportError):  # ...but no longer taking new work
            httpx.get(f"{served.url}/healthz", timeout=2)
        status = served.process.wait(timeout=30)
        output = served.output()
        updates = served.slack.calls_to("chat.update")
    assert status == 0, output
    assert state_of(served.db, request_id) is RequestState.SUCCEEDED
    assert len(simulator.requests_to("/CancelJob")) == 1
    assert "Succeeded" in str(updates[-1].params)  # the card tells the outcome too
    assert "Traceback" not in output


def test_a_call_longer_than_the_grace_is_left_for_recovery(tmp_path: Path) -> None:
    with (
        servicepower_served(cancel_seconds=8) as (simulator, vendor_env),
        serve_process(tmp_path, env={**vendor_env, "OPSGATE_SHUTDOWN_GRACE": "1s"}) as served,
    ):
        request_id = approve_a_cancel(served, simulator)
        started = time.monotonic()
        status = served.terminate()
        waited = time.monotonic() - started
        output = served.output()
    assert status == 0, output
    assert waited < 6  # the grace, not the vendor's 8 s
    assert "left for recovery" in output and "Traceback" not in output
    assert state_of(served.db, request_id) is RequestState.EXECUTING  # as after a crash
    store = Store.open(served.db, clock=FakeClock(start=time.time() + 60))
    try:
        [recovered] = store.recover_executing()  # what a start once its lease lapsed does
    finally:
        store.close()
    assert recovered.id == request_id and recovered.state is RequestState.UNKNOWN


def wait_for_output(served: ServeProcess, text: str) -> None:
    """Return once the serving process has logged `text` (it logs nothing else to wait on)."""
    deadline = time.monotonic() + 15
    while text not in served.output():
        assert time.monotonic() < deadline, served.output()
        time.sleep(0.02)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_a_second_signal_ends_the_wait_in_one_line(tmp_path: Path, stop: signal.Signals) -> None:
    with (
        servicepower_served(cancel_seconds=8) as (simulator, vendor_env),
        serve_process(tmp_path, env=vendor_env) as served,  # the default grace: 30 s
    ):
        request_id = approve_a_cancel(served, simulator)
        served.process.send_signal(stop)
        wait_for_output(served, "waiting up to 30 s for work in flight")
        served.process.send_signal(stop)
        status = served.process.wait(timeout=30)
        output = served.output()
    assert status == 0, output
    assert "a second signal cut the wait short; 1 vendor call(s) still in flight" in output
    [left] = [line for line in output.splitlines() if "in flight at shutdown" in line]
    named = f"[request_id={request_id} operation=servicepower.job.cancel actor=system]"
    assert named in left  # the request it leaves, named with its operation
    assert "vendor call still in flight at shutdown" in left  # the call was still running
    assert "OPSGATE_SHUTDOWN_GRACE" not in output and "Traceback" not in output
    assert state_of(served.db, request_id) is RequestState.EXECUTING  # as after a crash


CANCEL = "CancelOTATaskByDevice"
#: 2,000 devices: ten cancel calls of 200, four at a time (the adapter's workers).
BULK = (
    "aliyun ota-task cancel thermo-{0001..2000} --product a1OpsThermo "
    "--firmware fw-thermo-2.1.0 --reason drain"
)


class HeldCancels:
    """Holds each cancel call at the vendor until released, counting those that arrived: while
    every worker of the run waits here, no call is on its way, so what is held is exactly what
    is in flight."""

    def __init__(self) -> None:
        self.released = threading.Event()
        self._arrived = 0
        self._changed = threading.Condition()

    def __call__(self, request: httpx.Request) -> None:
        if f"Action={CANCEL}" in str(request.url):
            with self._changed:
                self._arrived += 1
                self._changed.notify_all()
            assert self.released.wait(30), "the test never released the cancels"

    def wait_for(self, count: int) -> int:
        with self._changed:
            assert self._changed.wait_for(lambda: self._arrived >= count, timeout=30)
            return self._arrived

    @property
    def arrived(self) -> int:
        with self._changed:
            return self._arrived


def test_sigterm_stops_a_bulk_run_and_records_what_it_did(tmp_path: Path) -> None:
    held = HeldCancels()
    env = {"OPSGATE_SHUTDOWN_GRACE": "20s"}
    with (
        aliyun_served(before=held) as (simulator, vendor_env),
        serve_process(tmp_path, env={**vendor_env, **env}) as served,
    ):
        try:
            request_id = approve(served, BULK)
            in_flight = held.wait_for(4)  # every worker's call is at the vendor
            served.process.send_signal(signal.SIGTERM)
            wait_for_output(served, "runs send no more vendor calls")
        finally:
            held.released.set()  # the calls in flight finish
        status = served.process.wait(timeout=30)
        output = served.output()
        updates = served.slack.calls_to("chat.update")
        accepted = simulator.accepted_calls(CANCEL)
    assert status == 0, output
    assert in_flight == held.arrived == len(accepted) == 4  # nothing sent after SIGTERM
    assert "left for recovery" not in output and "Traceback" not in output
    store = Store.open(served.db, clock=FakeClock(start=time.time() + 60))
    try:
        assert store.recover_executing() == []  # it ended: the next start leaves it alone
        record = store.get(request_id)
        [*_, last] = store.events(request_id=request_id)
        assert store.verify().ok
    finally:
        store.close()
    assert record is not None and record.state is RequestState.STOPPED
    assert (last.event, last.actor, last.detail["stopped_by"]) == (
        AuditEventName.STOPPED,
        "system",
        "system",
    )
    counts = last.detail["counts"]
    assert counts == {"succeeded": 800, "failed": 0, "not_sent": 1200, "unknown": 0}
    assert len(last.detail["vendor_request_ids"]) == 4
    assert "Stopped by opsgate as it shut down" in str(updates[-1].params)


def test_a_call_left_for_recovery_is_logged_with_its_request(tmp_path: Path) -> None:
    """SPEC §13: JSON log lines carry ``request_id`` where known; at the grace's end opsgate
    knows which requests it leaves ``executing``, and says each (they become ``unknown``)."""
    env = {"OPSGATE_SHUTDOWN_GRACE": "1s", "OPSGATE_LOG_FORMAT": "json"}
    with (
        servicepower_served(cancel_seconds=8) as (simulator, vendor_env),
        serve_process(tmp_path, env={**vendor_env, **env}) as served,
    ):
        request_id = approve_a_cancel(served, simulator)
        status = served.terminate()
        lines = [json.loads(line) for line in served.output().splitlines()]
    assert status == 0
    [left] = [
        line
        for line in lines
        if line.get("request_id") == request_id and ("left for recovery" in line["message"])
    ]
    assert left["level"] == "WARNING" and left["actor"] == "system"
    assert left["operation"] == "servicepower.job.cancel"
