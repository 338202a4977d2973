"""Decisions go first: Slack-only work and an outcome's bookkeeping wait (boundedly) while jobs
that have not reached their vendor call are still deciding (`bot.lifecycle.workers.Runner`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from bot.lifecycle.workers import Runner


@pytest.fixture
def runner() -> Iterator[Runner]:
    runner = Runner(workers=4, slack_workers=2, step_aside=5.0)
    yield runner
    runner.shutdown()


def test_slack_work_waits_for_a_decision_to_reach_its_vendor(runner: Runner) -> None:
    go, reached, card = threading.Event(), threading.Event(), threading.Event()

    def decision() -> None:
        go.wait(5)
        runner.reached_vendor()
        reached.set()
        go.wait(5)  # the vendor call itself: Slack work no longer waits for it

    runner.submit(decision)
    runner.submit_slack(card.set)
    assert not card.wait(0.2)  # the decision is still being made
    go.set()
    assert reached.wait(2) and card.wait(2)
    assert runner.wait_idle(5)


def test_slack_work_runs_once_a_decision_ends_without_a_vendor_call(runner: Runner) -> None:
    go, card = threading.Event(), threading.Event()
    runner.submit(lambda: go.wait(5) and None)  # a refusal: no vendor call at all
    runner.submit_slack(card.set)
    assert not card.wait(0.2)
    go.set()
    assert card.wait(2)


def test_the_wait_is_bounded_when_a_decision_takes_long() -> None:
    runner = Runner(workers=2, slack_workers=1, step_aside=0.1)
    stuck, card = threading.Event(), threading.Event()
    try:
        runner.submit(lambda: stuck.wait(5) and None)
        runner.submit_slack(card.set)
        assert card.wait(2)  # after 0.1 s, not after the stuck decision
    finally:
        stuck.set()
        runner.shutdown()


def test_what_follows_a_call_waits_for_other_decisions_without_taking_their_threads() -> None:
    """One decision thread: the outcome is recorded on the after pool once the queued decision
    has run, so the queued decision never waits for a thread held by a waiting outcome."""
    runner = Runner(workers=1, slack_workers=1, step_aside=5.0)
    go, order = threading.Event(), []

    def first() -> None:
        runner.reached_vendor()
        runner.submit_after(lambda: order.append("first recorded"))
        go.wait(5)  # the rest of the vendor call
        order.append("first called")

    runner.submit(first)
    runner.submit(lambda: order.append("second decided"))
    assert not runner.wait_idle(0.2) and order == []
    go.set()
    try:
        assert runner.wait_idle(5)
        assert order == ["first called", "second decided", "first recorded"]
    finally:
        runner.shutdown()


def test_slack_jobs_submitted_by_a_decision_do_not_miscount_it(runner: Runner) -> None:
    """A Slack job starts in a copy of its submitter's context; it must not end the decision
    that submitted it (which would let later Slack work jump ahead)."""
    go, first_card, second_card = threading.Event(), threading.Event(), threading.Event()

    def decision() -> None:
        runner.submit_slack(first_card.set)
        go.wait(5)

    runner.submit(decision)
    runner.submit(lambda: go.wait(5) and None)  # a second decision, still going
    assert not first_card.wait(0.2)
    runner.submit_slack(second_card.set)
    assert not second_card.wait(0.2)
    go.set()
    assert first_card.wait(2) and second_card.wait(2)
    assert runner.after_decisions() == 0


def test_a_decision_that_steps_aside_does_not_wait_for_itself(runner: Runner) -> None:
    """`after_decisions` inside a job on the main pool ends that job's decision first."""
    still_deciding: list[int] = []
    runner.submit(lambda: still_deciding.append(runner.after_decisions()))
    assert runner.wait_idle(2)  # well before the 5 s step-aside
    assert still_deciding == [0]


def test_after_decisions_outside_a_job_only_waits() -> None:
    runner = Runner(workers=1, slack_workers=1, step_aside=0.05)
    try:
        assert runner.after_decisions() == 0
        runner.reached_vendor()  # nothing to end: no job runs in this thread
        assert runner.after_decisions() == 0
    finally:
        runner.shutdown()


def test_after_shutdown_work_runs_in_the_submitters_thread() -> None:
    """A vendor call still running at shutdown must still get its outcome recorded."""
    runner = Runner(workers=1, slack_workers=1, step_aside=0.05)
    runner.shutdown()
    ran_in: list[str] = []
    runner.submit_after(lambda: ran_in.append(threading.current_thread().name))
    runner.submit_slack(lambda: ran_in.append(threading.current_thread().name))
    runner.submit_after(lambda: 1 / 0 and None)  # logged, not raised at the submitter
    assert ran_in == [threading.current_thread().name] * 2
    assert runner.wait_idle(0.1)  # nothing left counted as in flight


def test_waiting_work_is_woken_when_the_last_decision_is_made_not_at_each(
    runner: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a burst, waking every waiting card at each decision would have each take the
    interpreter only to sleep again; they are woken once, when nothing is deciding."""
    gates = [threading.Event() for _ in range(3)]
    reached = [threading.Event() for _ in range(3)]
    card = threading.Event()
    wakes: list[int] = []
    notify_all = runner._idle.notify_all
    monkeypatch.setattr(runner._idle, "notify_all", lambda: wakes.append(1) or notify_all())

    def decision(number: int) -> None:
        gates[number].wait(5)
        runner.reached_vendor()
        reached[number].set()

    for number in range(3):
        runner.submit(lambda number=number: decision(number))
    runner.submit_slack(card.set)
    for number in range(2):
        gates[number].set()
        assert reached[number].wait(2)
    assert not card.wait(0.2) and wakes == []  # two of three decided: nobody woken for nothing
    gates[2].set()
    assert card.wait(2)
    assert runner.wait_idle(5)
    assert 1 <= len(wakes) <= 2  # the last decision, and the last job to end
