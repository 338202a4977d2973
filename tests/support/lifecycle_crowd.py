"""Seeded crowds of clicks at once: several threads (and several opsgate processes sharing one
SQLite file) click on the same few requests, sweep and recover, all at the same moment.

The seed chooses the policy, the requests and each thread's list of clicks; the threads start
together at a barrier, so how they interleave is up to the machine, and every interleaving must
keep the invariants (`lifecycle_invariants`): checked once all are done, with the policy and the
groups as they were throughout.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aliyun_gate import bulk
from lifecycle_fuzz import DEVICES, USERS, random_policy
from lifecycle_invariants import SYSTEM, Terms, check_slack, check_world, decision_problem
from lifecycle_world import World

from commands.model import OperationRequest

THREADS = 6
CLICKS = 8


@dataclass
class Crowd:
    """Processes (`worlds`, on one database) and what the seed has them do."""

    worlds: Sequence[World]
    rng: random.Random
    terms: Terms = field(init=False)
    requests: list[str] = field(default_factory=list)
    jobs: dict[str, str] = field(default_factory=dict)
    acted: set[tuple[str, str]] = field(default_factory=set)  # (user, request id)

    def __post_init__(self) -> None:
        policy, self.terms = random_policy(self.rng)
        for world in self.worlds:
            object.__setattr__(world.service.s, "policy", policy)

    def open(self, count: int) -> None:
        """`count` ServicePower requests (and a bulk run), by random users, one at a time."""
        first = self.worlds[0]
        for number in range(count):
            job, user = f"JOB-{number:04d}", self.rng.choice(USERS)
            for world in self.worlds:
                world.sim("servicepower").add_job(job)
            request = OperationRequest(
                operation="servicepower.job.cancel", vendor="servicepower", targets=(job,),
                reason="stale job",
            )  # fmt: skip
            self._submit(first, user, request, job)
        self._submit(first, self.rng.choice(USERS), bulk(DEVICES), None)

    def _submit(self, world: World, user: str, request: OperationRequest, job: str | None) -> None:
        world.service.submit(request, world.origin(user), command_text="/ops …")
        if world.service.s.runner is not None:  # the preview and the card come later
            assert world.runner.wait_idle(30)
        record = world.store.history(limit=1)[0]
        if record.id not in self.requests and record.requester == user:
            self.requests.append(record.id)
            self.acted.add((user, record.id))
            if job is not None:
                self.jobs[job] = record.id

    def run(self) -> None:
        """Every thread's clicks, started together."""
        plans = [[self._click() for _ in range(CLICKS)] for _ in range(THREADS)]
        barrier = threading.Barrier(THREADS)
        failures: list[BaseException] = []

        def play(plan: list[Callable[[], None]]) -> None:
            barrier.wait()
            try:
                for click in plan:
                    click()
            except BaseException as exc:  # reported by the test, not lost in the thread
                failures.append(exc)

        threads = [threading.Thread(target=play, args=(plan,)) for plan in plans]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads), "a click never returned"
        assert not failures, failures
        for world in self.worlds:
            assert world.runner.wait_idle(30)

    def _click(self) -> Callable[[], None]:
        world, user = self.rng.choice(self.worlds), self.rng.choice(USERS)
        rid = self.rng.choice(self.requests)
        service = world.service
        verb = self.rng.choice(("approve",) * 4 + ("reject", "withdraw", "stop", "sweep"))
        if verb == "sweep":  # the clock moves on (a little skew between the processes)
            later = self.rng.choice((0, 60, 16 * 60))
            return lambda: self._sweep(later)
        self.acted.add((user, rid))
        click = getattr(service, verb)
        return lambda: click(rid, world.on_card(rid, user))

    def _sweep(self, later: int) -> None:
        for world in self.worlds:
            world.clock.advance(later)
        for world in self.worlds:
            world.service.expire_due()
            world.service.recover()

    def check(self) -> None:
        """The invariants, for every process's vendor calls, and every event's actor."""
        first = self.worlds[0]
        check_world(first, self.requests, self.jobs, others=self.worlds[1:])
        check_slack(self.worlds, self.requests)
        groups = first.service.s.directory.groups  # type: ignore[attr-defined]
        for event in first.store.events():
            assert event.actor == SYSTEM or (event.actor, event.request_id) in self.acted, event
            record = first.store.get(event.request_id)
            assert record is not None
            problem = decision_problem(event, record, self.terms, groups)
            assert problem is None, (problem, event.event, event.actor, record.id)
