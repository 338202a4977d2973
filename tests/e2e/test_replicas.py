"""Replicas on one PostgreSQL database (SPEC §13), as production runs them: three `opsgate serve
--http` processes, signed requests spread across them, vendors served on 127.0.0.1.

Exactly-once under 30 concurrent clicks; a restart never marks a live replica's call unknown; a
killed replica's call becomes unknown within the lease bound and is never retried; one Huawei
login for all replicas; an Alibaba account's limit held in total.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from replica_set import (
    click_approve,
    event_names,
    replica_set,
    request_on,
    start_replica,
    wait_for_state,
)
from vendors_served import servicepower_served as served

from adapters.aliyun import plugin as aliyun
from adapters.aliyun.simulator import sandbox as aliyun_sandbox
from adapters.huawei import plugin as huawei
from adapters.huawei.simulator.state import SANDBOX_APP_ID, SANDBOX_SECRET
from bot.model import RequestState

pytestmark = pytest.mark.slow

ALICE, BOB = "U0ALICE", "U0BOB"
LEASE = 2  # seconds: short, so the lease bound is quick to observe


@contextmanager
def servicepower_served(latency: float = 0.0) -> Iterator[tuple[object, dict[str, str]]]:
    """ServicePower served, its settings for opsgate, and a short lease."""
    with served(cancel_seconds=latency) as (simulator, env):
        yield simulator, {**env, "OPSGATE_LEASE_SECONDS": str(LEASE)}


def cancels(simulator: object) -> int:
    return len(simulator.requests_to("/CancelJob"))  # type: ignore[attr-defined]


def test_thirty_concurrent_approve_clicks_make_one_vendor_call(
    tmp_path: Path, postgres_database: str
) -> None:
    with (
        servicepower_served() as (simulator, env),
        replica_set(tmp_path, 3, database=postgres_database, env=env) as replicas,
    ):
        rid = request_on(replicas[0], "servicepower job cancel JOB-1001 --reason once", user=ALICE)
        barrier = threading.Barrier(30)
        statuses: list[int] = []

        def click(n: int) -> None:
            barrier.wait()
            statuses.append(
                click_approve(replicas[n % 3], postgres_database, rid, user=f"U0APPROVER{n:02d}")
            )

        threads = [threading.Thread(target=click, args=(n,)) for n in range(30)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        wait_for_state(postgres_database, rid, RequestState.SUCCEEDED)
        time.sleep(0.5)  # room for a second call, were there one

        assert statuses == [200] * 30
        assert cancels(simulator) == 1
        names = event_names(postgres_database, rid)
        assert (names.count("approved"), names.count("executing")) == (1, 1)


def test_a_replica_restarted_during_anothers_slow_call_leaves_it_alone(
    tmp_path: Path, postgres_database: str
) -> None:
    with (
        servicepower_served(latency=3 * LEASE) as (simulator, env),
        replica_set(tmp_path, 2, database=postgres_database, env=env) as (caller, other),
        ExitStack() as later,
    ):
        rid = request_on(caller, "servicepower job cancel JOB-1002 --reason restart", user=ALICE)
        assert click_approve(caller, postgres_database, rid, user=BOB) == 200
        wait_for_state(postgres_database, rid, RequestState.EXECUTING)
        time.sleep(LEASE * 1.2)  # past the first lease: only renewals keep the call alive
        assert other.terminate() == 0
        start_replica(later, tmp_path / "restarted", postgres_database, env)  # recovers at start

        final = wait_for_state(postgres_database, rid, RequestState.SUCCEEDED, timeout=30)

        assert "unknown" not in event_names(postgres_database, rid)
        assert final.outcome is not None and cancels(simulator) == 1


def test_a_killed_replicas_call_becomes_unknown_within_the_lease_bound_and_never_runs_again(
    tmp_path: Path, postgres_database: str
) -> None:
    with (
        servicepower_served(latency=60) as (simulator, env),
        replica_set(tmp_path, 2, database=postgres_database, env=env) as (caller, survivor),
    ):
        rid = request_on(caller, "servicepower job cancel JOB-1003 --reason kill", user=ALICE)
        assert click_approve(caller, postgres_database, rid, user=BOB) == 200
        deadline = time.monotonic() + 20
        while not cancels(simulator):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        caller.process.kill()  # SIGKILL mid-call: no drain, no goodbye
        killed = time.monotonic()

        record = wait_for_state(postgres_database, rid, RequestState.UNKNOWN, timeout=30)
        took = time.monotonic() - killed
        time.sleep(LEASE)  # a retry would show by now

        assert took <= 1.5 * LEASE + 1.5, took  # the lease, a sweep, and scheduling slack
        assert cancels(simulator) == 1
        assert record.state is RequestState.UNKNOWN and survivor.process.poll() is None


def test_three_replicas_log_in_to_huawei_once(tmp_path: Path, postgres_database: str) -> None:
    simulator = huawei.sandboxed().simulator
    with simulator.serve() as base_url:
        env = {
            "OPSGATE_HUAWEI__BASE_URL": base_url,
            "OPSGATE_HUAWEI__APP_ID": SANDBOX_APP_ID,
            "OPSGATE_HUAWEI__SECRET": SANDBOX_SECRET,
        }
        with replica_set(tmp_path, 3, database=postgres_database, env=env) as replicas:
            packages = ("pkg-meter-fw-1.2.0", "pkg-meter-fw-1.1.0", "pkg-gw-sw-2.0.1")
            for replica, package in zip(replicas, packages, strict=True):
                request_on(replica, f"huawei package delete {package} --reason old", user=ALICE)

    assert simulator.logins == 1  # type: ignore[attr-defined]


class Arrivals:
    """When each CancelOTATaskByDevice reached the vendor (recorded by the served simulator)."""

    def __init__(self, simulator: object) -> None:
        self.every: list[float] = []
        self.cancels: list[float] = []
        route = simulator.route  # type: ignore[attr-defined]

        def timed(request: httpx.Request) -> httpx.Response:
            self.every.append(time.monotonic())
            if "Action=CancelOTATaskByDevice" in str(request.url):
                self.cancels.append(self.every[-1])
            return route(request)  # type: ignore[no-any-return]

        simulator.route = timed  # type: ignore[attr-defined]

    @staticmethod
    def most_in_any_second(times: list[float]) -> int:
        return max((sum(1 for t in times if s <= t < s + 1.0) for s in times), default=0)


def test_three_replicas_bulk_runs_stay_within_the_accounts_limit_in_total(
    tmp_path: Path, postgres_database: str
) -> None:
    simulator = aliyun.sandboxed().simulator  # the vendor: 10 calls/s per account
    arrivals = Arrivals(simulator)
    with simulator.serve() as base_url:
        env = {
            "OPSGATE_ALIYUN__ENDPOINT": base_url,
            "OPSGATE_ALIYUN__REGION_ID": aliyun_sandbox.REGION_ID,
            "OPSGATE_ALIYUN__ACCESS_KEY_ID": aliyun_sandbox.ACCESS_KEY_ID,
            "OPSGATE_ALIYUN__ACCESS_KEY_SECRET": aliyun_sandbox.ACCESS_KEY_SECRET,
            "OPSGATE_ALIYUN__IOT_INSTANCE_ID": aliyun_sandbox.INSTANCE_ID,
            # Each replica is told 5/s, half the vendor's 10: only when a whole second's calls
            # arrive a second late (a loaded machine) can shared calls be refused, while three
            # windows kept apart send 15 at once and are.
            "OPSGATE_ALIYUN__CALLS_PER_SECOND": "5",
        }
        flags = f"--product {aliyun_sandbox.PRODUCT_KEY} --firmware {aliyun_sandbox.FIRMWARE_ID}"
        with replica_set(tmp_path, 3, database=postgres_database, env=env) as replicas:
            rids = [
                request_on(
                    replica,
                    f"aliyun ota-task cancel {fleet}-{{0001..1600}} {flags} --reason rollback",
                    user=ALICE,
                )
                for replica, fleet in zip(replicas, ("east", "west", "north"), strict=True)
            ]
            for replica, rid in zip(replicas, rids, strict=True):
                assert click_approve(replica, postgres_database, rid, user=BOB) == 200
            for rid in rids:
                wait_for_state(postgres_database, rid, RequestState.SUCCEEDED, timeout=60)

    # 3 × 1,600 devices, 200 per call: 24 calls. Three replicas each limiting itself alone
    # sent 14 calls within one second and were refused 4 times (measured); sharing one window
    # they send 5 a second in total and none is refused. (At 8/s each, a loaded CI machine once
    # delayed enough of one second's calls into the next for 3 refusals.)
    throttled = len(arrivals.cancels) - 24
    assert 0 <= throttled <= 2
    assert arrivals.most_in_any_second(arrivals.cancels) <= 10
