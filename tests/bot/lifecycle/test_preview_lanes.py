"""Previews on a pool of their own, in a lane per vendor (`bot.lifecycle.lanes.Lanes`,
`bot.lifecycle.workers.Runner.submit_preview`): one vendor's hold a quarter of the pool at most,
the rest wait their turn in order without a thread, and the runner counts them all as work in
flight. Jobs are held by events, never by time."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator

import pytest

from bot.lifecycle.lanes import Lanes
from bot.lifecycle.workers import Runner
from bot.observability.logs import current_context, log_context


def test_a_lane_lets_out_its_width_and_then_each_in_turn() -> None:
    lanes: Lanes[str] = Lanes(width=2)
    assert [lanes.enter("a", item) for item in ("a1", "a2", "a3", "a4")] == [
        True,
        True,
        False,
        False,
    ]
    assert lanes.enter("b", "b1")  # another key has a lane of its own
    assert (lanes.leave("a"), lanes.leave("a")) == ("a3", "a4")  # in order of arrival
    assert lanes.out("a") == 2
    assert (lanes.leave("a"), lanes.leave("a")) == (None, None)
    assert lanes.out("a") == 0 and lanes.out("b") == 1


def test_a_lane_is_at_least_one_wide() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Lanes(width=0)


@pytest.fixture
def runner() -> Iterator[Runner]:
    runner = Runner(workers=1, slack_workers=1, preview_workers=8, step_aside=5.0)
    yield runner
    runner.shutdown()


class Stalled:
    """Jobs that say when they start and end only when the test releases them all."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self._changed = threading.Condition()
        self._released = threading.Event()

    def job(self, name: str) -> Callable[[], None]:
        def run() -> None:
            with self._changed:
                self.started.append(name)
                self._changed.notify_all()
            assert self._released.wait(10)

        return run

    def wait_started(self, count: int) -> list[str]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.started) >= count, timeout=10)
            return list(self.started)

    def release(self) -> None:
        self._released.set()


def test_one_vendor_holds_a_quarter_of_the_pool_and_others_still_run(runner: Runner) -> None:
    stalled = Stalled()
    for number in range(5):
        runner.submit_preview("slow", stalled.job(f"slow-{number}"))
    runner.submit_preview("quick", stalled.job("quick"))
    started = stalled.wait_started(3)
    assert sorted(started) == ["quick", "slow-0", "slow-1"]  # 8 threads: 2 for one vendor
    assert not runner.wait_idle(0)  # those waiting in the lane count as work in flight
    stalled.release()
    assert runner.wait_idle(10)
    assert [name for name in stalled.started if name.startswith("slow")] == [
        f"slow-{number}"
        for number in range(5)  # the lane's in order of arrival
    ]


def test_a_preview_that_fails_is_logged_and_its_lane_goes_on(
    runner: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    ran = threading.Event()
    runner.submit_preview("v", lambda: 1 / 0 and None)
    runner.submit_preview("v", ran.set)
    assert ran.wait(10) and runner.wait_idle(10)
    [failure] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert failure.getMessage() == "background job failed" and failure.exc_info


def test_a_preview_runs_in_its_submitters_log_context_even_when_it_waited(
    runner: Runner,
) -> None:
    stalled, seen = Stalled(), []
    runner.submit_preview("v", stalled.job("first"))
    runner.submit_preview("v", stalled.job("second"))
    with log_context(request_id="R-1"):
        runner.submit_preview("v", lambda: seen.append(current_context().get("request_id")))
    stalled.wait_started(2)
    stalled.release()
    assert runner.wait_idle(10)
    assert seen == ["R-1"]


def test_a_preview_handed_on_by_a_decision_is_no_decision_itself(runner: Runner) -> None:
    """The preview starts in a copy of its submitter's context, a decision's: reaching its
    vendor must not end that decision a second time (which would let Slack work jump ahead of
    the next decisions), nor may it hold up Slack work while it waits on its vendor."""
    stalled = Stalled()

    def preview() -> None:
        runner.reached_vendor()  # as a break-glass run's vendor call does
        stalled.job("preview")()

    runner.submit(lambda: runner.submit_preview("v", preview))
    stalled.wait_started(1)
    assert runner.after_decisions() == 0
    stalled.release()
    assert runner.wait_idle(10)
    assert runner.after_decisions() == 0  # nothing deciding, and nothing counted twice


def test_after_shutdown_a_preview_runs_in_the_submitters_thread() -> None:
    runner = Runner(workers=1, slack_workers=1, step_aside=0.05)
    runner.shutdown()
    ran_in: list[str] = []
    runner.submit_preview("v", lambda: ran_in.append(threading.current_thread().name))
    assert ran_in == [threading.current_thread().name]
    assert runner.wait_idle(0)


def test_the_preview_pool_is_as_big_as_the_decision_pool_and_at_least_four() -> None:
    big, small = Runner(workers=16), Runner(workers=1)
    try:
        assert (big._previews._max_workers, big._lanes.width) == (16, 4)
        assert (small._previews._max_workers, small._lanes.width) == (4, 1)
    finally:
        big.shutdown()
        small.shutdown()


def test_a_break_glass_run_hands_its_lane_place_to_the_next_preview() -> None:
    """A break-glass run runs in its preview's job; from its vendor call on it is no preview:
    the next preview of its vendor (a lane one wide here) starts while it runs instead of after
    it, and only that preview counts as work a person waits on (`taking_in`)."""
    runner = Runner(workers=1, slack_workers=1, preview_workers=4)  # one vendor's lane: 1 wide
    running, run_ends, previewing, preview_ends = (threading.Event() for _ in range(4))
    later = threading.Event()

    def run() -> None:
        runner.reached_vendor()  # as a break-glass run's vendor call does
        running.set()
        assert run_ends.wait(60)  # far past the wait for the preview below

    def preview() -> None:
        previewing.set()
        assert preview_ends.wait(60)

    try:
        runner.submit_preview("v", run)
        assert running.wait(10)
        assert not runner.taking_in()
        runner.submit_preview("v", preview)
        assert previewing.wait(10)  # while the run goes on
        assert runner.taking_in()
        preview_ends.set()
        run_ends.set()
        assert runner.wait_idle(10) and not runner.taking_in()
        runner.submit_preview("v", later.set)  # the lane's places all came back
        assert later.wait(10) and runner.wait_idle(10)
    finally:
        run_ends.set()
        preview_ends.set()
        runner.shutdown()


def test_a_lane_place_handed_on_while_shutting_down_runs_its_next_preview_after_the_run() -> None:
    """Once the preview pool has shut down nothing can start on a thread of its own: the next
    preview runs after the run, in its thread, as it did before places were handed on."""
    runner = Runner(workers=1, slack_workers=1, preview_workers=4)
    started, go, ran = threading.Event(), threading.Event(), []

    def run() -> None:
        started.set()
        assert go.wait(10)
        runner.reached_vendor()  # its vendor call: the place is handed on
        ran.append("run")

    runner.submit_preview("v", run)
    runner.submit_preview("v", lambda: ran.append("preview"))
    assert started.wait(10)
    runner._previews.shutdown(wait=False)  # as `Runner.shutdown` does, the run still going
    go.set()
    assert runner.wait_idle(10)
    assert ran == ["run", "preview"]
    runner.shutdown()
