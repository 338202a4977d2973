"""Stopping a bulk Alibaba cancel (SPEC §8, and at shutdown, §13): the stop signal is asked before
each call and again right before it goes out (after the rate limiter's wait); calls not yet sent
are never sent and are reported not sent, nor are the listings after the cancel; counts add up.
And a plugin written before Stop still runs."""

from __future__ import annotations

import inspect
from typing import Any

import httpx
import pytest
from aliyun_requests import sandbox_cancel

from adapters.aliyun.adapter import AliyunAdapter
from adapters.aliyun.simulator import sandbox as sbx
from adapters.aliyun.simulator.api import AliyunSimulator
from adapters.base import FailureKind, Outcome, call_execute, takes_stop
from adapters.clock import FakeClock
from adapters.ratelimit import RateLimiter
from commands.model import OperationRequest

CONFIG = sbx.SETTINGS
CANCEL = "CancelOTATaskByDevice"
DEVICES = tuple(f"dev-{i:05d}" for i in range(1050))


def request(targets: tuple[str, ...] = DEVICES) -> OperationRequest:
    return sandbox_cancel(targets)


def adapter(
    sim: AliyunSimulator, clock: FakeClock, *, limiter: RateLimiter | None = None
) -> AliyunAdapter:
    client = httpx.Client(transport=sim.transport())
    return AliyunAdapter(config=CONFIG, client=client, clock=clock, workers=1, limiter=limiter)


def received(sim: AliyunSimulator) -> list[str]:
    return [
        value
        for params in sim.accepted_calls(CANCEL)
        for key, value in params.items()
        if key.startswith("DeviceName.")
    ]


def unsent(outcome: Outcome) -> list[str]:
    return [t for f in outcome.failures if f.kind is FailureKind.NOT_SENT for t in f.targets]


def test_calls_after_the_stop_are_never_sent(sim: AliyunSimulator, clock: FakeClock) -> None:
    def stop() -> bool:
        return len(sim.accepted_calls(CANCEL)) >= 2  # Stop pressed once two calls went out

    outcome = adapter(sim, clock).execute(request(), stop=stop)

    assert received(sim) == list(DEVICES[:400])
    assert unsent(outcome) == list(DEVICES[400:])
    counts = outcome.counts
    assert (counts.succeeded, counts.not_sent) == (400, 650)
    assert counts.done == outcome.total == 1050
    assert all("stopped" in f.message for f in outcome.failures)


def test_a_call_waiting_for_the_rate_limit_is_not_sent_once_stopped(
    sim: AliyunSimulator,
) -> None:
    stopped: list[bool] = []

    class StopWhileWaiting(FakeClock):
        def sleep(self, seconds: float) -> None:
            stopped.append(True)  # Stop is pressed while the second call waits its turn
            super().sleep(seconds)

    clock = StopWhileWaiting()
    limiter = RateLimiter(calls=1, period=1.0, clock=clock)
    outcome = adapter(sim, clock, limiter=limiter).execute(request(), stop=lambda: bool(stopped))

    assert received(sim) == list(DEVICES[:200])
    assert unsent(outcome) == list(DEVICES[200:])
    assert outcome.counts.not_sent == 850


def test_a_stopped_run_does_not_list_the_devices_again(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    def stop() -> bool:
        return len(sim.accepted_calls(CANCEL)) >= 2  # Stop, or SIGTERM, after two calls

    outcome = adapter(sim, clock).execute(request(), stop=stop)

    assert outcome.counts.succeeded == 400
    assert not sim.requests_to("ListOTAUnfinishedTaskByDevice")  # no read after the stop
    assert outcome.checked == (
        "not listed again: the run was stopped before that check was done; check the 400 "
        "devices accepted in the IoT console (OTA upgrades)"
    )


def test_a_stop_during_the_listing_sends_no_more_of_it(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    with_job = request().model_copy(update={"params": {**request().params, "job": sbx.JOB_ID}})

    def stop() -> bool:  # every cancel went out; the stop comes after the first listing
        return len(sim.requests_to("ListOTATaskByJob")) >= 1

    outcome = adapter(sim, clock).execute(with_job, stop=stop)

    assert outcome.ok and len(received(sim)) == 1050
    assert len(sim.requests_to("ListOTATaskByJob")) == 1  # of eleven
    assert outcome.checked.startswith("not listed again: the run was stopped")


def test_without_a_stop_every_call_goes_out(sim: AliyunSimulator, clock: FakeClock) -> None:
    outcome = adapter(sim, clock).execute(request(), stop=lambda: False)
    assert len(received(sim)) == 1050 and outcome.ok


def test_a_single_call_is_not_sent_once_told_to_stop(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    # Stop is offered only for runs of several calls; a shutdown stops a single call too while
    # it has not gone out (tests/adapters/test_stop_while_waiting.py).
    outcome = adapter(sim, clock).execute(request(DEVICES[:200]), stop=lambda: True)
    assert received(sim) == [] and outcome.counts.not_sent == outcome.total == 200


def test_a_single_call_sent_is_not_stopped(sim: AliyunSimulator, clock: FakeClock) -> None:
    outcome = adapter(sim, clock).execute(request(DEVICES[:200]), stop=lambda: False)
    assert len(received(sim)) == 200 and outcome.ok


class OldPlugin:
    """An adapter written before opsgate could stop a run: no `stop` keyword."""

    vendor, sandbox = "old", True

    def __init__(self) -> None:
        self.calls = 0

    def execute(self, request: OperationRequest, *, progress: Any = None) -> Outcome:
        self.calls += 1
        return Outcome(summary="done")


class NewPlugin(OldPlugin):
    def execute(self, request: OperationRequest, **options: Any) -> Outcome:  # type: ignore[override]
        self.stop = options.get("stop")
        return super().execute(request)


def test_a_plugin_without_stop_still_runs_and_one_with_it_gets_it() -> None:
    old, new = OldPlugin(), NewPlugin()
    assert not takes_stop(old) and takes_stop(new)  # type: ignore[arg-type]
    signal = lambda: False  # noqa: E731
    assert call_execute(old, request(), stop=signal).summary == "done"  # type: ignore[arg-type]
    call_execute(new, request(), stop=signal)  # type: ignore[arg-type]
    assert old.calls == 1 and new.stop is signal


def test_an_execute_python_cannot_introspect_is_taken_for_the_old_api() -> None:
    class Builtin:
        execute = dict  # a callable without a signature Python can read

    assert not takes_stop(Builtin())  # type: ignore[arg-type]


def test_a_methods_signature_is_read_once_and_an_instances_own_callable_each_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Fresh(OldPlugin):
        def execute(
            self, request: OperationRequest, *, progress: Any = None, stop: Any = None
        ) -> Outcome:
            return Outcome(summary="done")

    read: list[object] = []
    signature = inspect.signature

    def reading(function: Any) -> inspect.Signature:
        read.append(function)
        return signature(function)

    monkeypatch.setattr(inspect, "signature", reading)

    first, second = Fresh(), Fresh()
    assert takes_stop(first) and takes_stop(second) and takes_stop(first)  # type: ignore[arg-type]
    assert len(read) == 1  # one function, read once for every instance and call

    own = OldPlugin()
    own.execute = lambda request, **options: Outcome(summary="mine")  # type: ignore[method-assign]
    assert takes_stop(own) and takes_stop(own)  # type: ignore[arg-type]
    assert len(read) == 3  # not a method: read each time, never kept
