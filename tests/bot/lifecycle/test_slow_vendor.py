"""A vendor that never answers its previews holds up nothing else (SPEC §2: slow work happens
after the ack, and must not hold up others' cards): previews run on a pool of their own, a few
of one vendor's at a time (`bot.lifecycle.workers.Runner.submit_preview`), so another vendor's
request still gets its card and an Approve click on another card still executes.

The slow vendor is the Huawei simulator holding every read until the test releases it: what
happens is decided by the order of events, never by how long anything takes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import httpx
import pytest
from lifecycle_world import ALICE, BOB, DAVE, World, open_request
from store_requests import cancel

from bot.model import RequestState
from bot.store import DatabaseUnavailable
from commands.model import OperationRequest

#: Huawei's seeded devices and packages: each request's own target (one target, one request).
HUAWEI_TARGETS = (
    ("huawei.device.delete", "dev-meter-0001"),
    ("huawei.device.delete", "gw-0001"),
    ("huawei.package.delete", "pkg-meter-fw-1.2.0"),
    ("huawei.package.delete", "pkg-meter-fw-1.1.0"),
    ("huawei.package.delete", "pkg-gw-sw-2.0.1"),
)


def huawei(operation: str, target: str) -> OperationRequest:
    return OperationRequest(
        operation=operation, vendor="huawei", targets=(target,), reason="decommissioned"
    )


class Held:
    """Holds every read the Huawei simulator gets until `release`, and counts those held."""

    def __init__(self, world: World) -> None:
        self.sim = world.sim("huawei")
        self._route = self.sim.route
        self._released = threading.Event()
        self._changed = threading.Condition()
        self.held = 0

    def route(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            with self._changed:
                self.held += 1
                self._changed.notify_all()
            assert self._released.wait(30), "the test never released the vendor"
            with self._changed:
                self.held -= 1
        return self._route(request)

    def wait_held(self, count: int) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: self.held >= count, timeout=10)

    def release(self) -> None:
        self._released.set()


@pytest.fixture
def slow(
    world_factory: Callable[..., World], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[World, Held]]:
    """Two workers for decisions (and so as few threads for previews as opsgate allows), and a
    Huawei that holds its answers: were previews on the decision pool, its requests would take
    every worker."""
    world = world_factory(background=True, workers=2)
    held = Held(world)
    monkeypatch.setattr(held.sim, "route", held.route)
    yield world, held
    held.release()


def wait_for(condition: Callable[[], bool]) -> bool:
    """Until `condition` holds (looked at every few ms, for 10 s at most)."""
    for _ in range(2000):
        if condition():
            return True
        threading.Event().wait(0.005)
    return condition()


def state_of(world: World, request_id: str) -> RequestState | None:
    record = world.store.get(request_id)
    return None if record is None else record.state


def carded(world: World, job: str) -> bool:
    """A pending request for ServicePower `job` whose card is up."""
    return any(
        r.targets == (job,) and r.message_ts is not None
        for r in world.store.history(limit=50)
        if r.vendor == "servicepower"
    )


def test_a_vendor_that_never_answers_holds_up_no_click_and_no_other_vendors_card(
    slow: tuple[World, Held],
) -> None:
    world, held = slow
    before = open_request(world, cancel("JOB-1002"), user=DAVE)  # made before Huawei stalls
    for operation, target in HUAWEI_TARGETS:  # as /ops does: each command a job of the pool
        request = huawei(operation, target)
        world.runner.submit(
            lambda request=request: world.service.submit(
                request, world.origin(ALICE), command_text="/ops …"
            )
        )
    held.wait_held(1)

    world.runner.submit(lambda: world.service.approve(before, world.on_card(before, BOB)))
    world.runner.submit(
        lambda: world.service.submit(cancel("JOB-1001"), world.origin(DAVE), command_text="/ops …")
    )

    assert wait_for(lambda: state_of(world, before) is RequestState.SUCCEEDED)
    assert wait_for(lambda: carded(world, "JOB-1001"))
    assert held.held == 1  # one of Huawei's previews at a time: all its lane may hold here
    held.release()
    assert world.runner.wait_idle(30)
    huawei_cards = [
        r for r in world.store.history(limit=50) if r.vendor == "huawei" and r.message_ts
    ]
    assert len(huawei_cards) == len(HUAWEI_TARGETS)  # each stalled request got its card after


@pytest.mark.parametrize(
    ("failure", "says"),
    [
        (DatabaseUnavailable("opsgate.db: disk I/O error"), "cannot reach its database"),
        (RuntimeError("a bug"), "failed unexpectedly while handling this (RuntimeError)"),
    ],
)
def test_what_fails_after_the_preview_is_still_told_to_the_requester(
    world_factory: Callable[..., World],
    monkeypatch: pytest.MonkeyPatch,
    failure: Exception,
    says: str,
) -> None:
    """The card is made on the preview pool, after the job the command came in on has ended:
    a failure there must not leave silence after the ack that said the work had begun."""
    world = world_factory(background=True)

    def fails(*args: object, **kwargs: object) -> None:
        raise failure

    monkeypatch.setattr(world.store, "create_request", fails)
    world.runner.submit(
        lambda: world.service.submit(cancel("JOB-1001"), world.origin(DAVE), command_text="/ops …")
    )
    assert world.runner.wait_idle(10)
    assert says in world.shown_to(DAVE)
