"""Exactly-once under contention: many threads, and several processes sharing one database file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from bot.model import AuditEventName, RequestState
from bot.policy import OperationPolicy
from bot.store import ApprovalResult, ApprovalStatus, Store
from commands.model import OperationRequest

ROOT = Path(__file__).resolve().parents[3]
REQUEST = OperationRequest(
    operation="enos.ota-job.delete", vendor="enos", targets=("job-1",), params={"org": "o1"}
)


def approve_all_at_once(
    store: Store, request_id: str, approvers: list[str]
) -> list[ApprovalResult]:
    """Every approver clicks in its own thread, released together."""
    barrier = threading.Barrier(len(approvers))
    results: list[ApprovalResult] = []
    lock = threading.Lock()

    def click(user: str) -> None:
        barrier.wait()
        result = store.approve(request_id, approver=user)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=click, args=(user,)) for user in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.parametrize("on_file", [False, True], ids=["memory", "file"])
def test_twenty_threads_approving_one_request_execute_it_once(
    tmp_path: Path, on_file: bool
) -> None:
    store = Store.open(tmp_path / "opsgate.db") if on_file else Store.memory()
    record = store.create_request(
        REQUEST,
        requester="U0",
        channel="C1",
        policy=OperationPolicy(approvals=1, ttl=timedelta(minutes=5)),
        sandbox=False,
    )

    results = approve_all_at_once(store, record.id, [f"U{n}" for n in range(1, 21)])

    statuses = Counter(result.status for result in results)
    assert statuses == {ApprovalStatus.EXECUTE: 1, ApprovalStatus.NOT_PENDING: 19}
    events = Counter(event.event for event in store.events(request_id=record.id))
    assert events == {
        AuditEventName.REQUESTED: 1,
        AuditEventName.APPROVED: 1,
        AuditEventName.EXECUTING: 1,
    }
    assert store.verify().ok
    store.close()


def test_twenty_threads_meeting_a_quorum_of_three(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "opsgate.db")
    record = store.create_request(
        REQUEST,
        requester="U0",
        channel="C1",
        policy=OperationPolicy(approvals=3, ttl=timedelta(minutes=5)),
        sandbox=False,
    )

    results = approve_all_at_once(store, record.id, [f"U{n % 10}" for n in range(20)])

    statuses = Counter(result.status for result in results)
    assert statuses[ApprovalStatus.EXECUTE] == 1
    assert statuses[ApprovalStatus.RECORDED] == 2
    final = store.get(record.id)
    assert final is not None and final.state is RequestState.EXECUTING
    assert len(set(final.approvers)) == 3
    store.close()


def test_concurrent_first_opens_of_a_fresh_file_migrate_it_once(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    barrier = threading.Barrier(6)
    stores: list[Store] = []
    errors: list[BaseException] = []

    def open_store() -> None:
        barrier.wait()
        try:
            stores.append(Store.open(path))  # own connection each: as separate processes would
        except BaseException as exc:  # collected so the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    record = stores[0].record_denied(REQUEST, requester="U1", channel="C1", reason="no")
    assert all(store.get(record.id) == record for store in stores)
    assert stores[-1].verify().ok
    for store in stores:
        store.close()


# Run by each child process: several threads each approve every request, in its own order.
CHILD = textwrap.dedent(
    """
    import json, random, sys, threading, time
    from pathlib import Path
    from bot.store import Store

    db, ready_dir, name, threads = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    store = Store.open(db)
    ids = [record.id for record in store.history(limit=100)]
    (ready_dir / name).touch()
    deadline = time.monotonic() + 20
    while len(list(ready_dir.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.005)  # start together, so the two processes really contend
    outcomes, errors = [], []
    lock = threading.Lock()

    def work(n):
        order = ids[:]
        random.Random(f"{name}-{n}").shuffle(order)
        try:
            for request_id in order:
                status = store.approve(request_id, approver=f"{name}-{n}").status
                with lock:
                    outcomes.append([request_id, status.value])
        except Exception as exc:  # a thread's error must fail the process, not vanish
            errors.append(repr(exc))

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    store.close()
    if errors:
        sys.exit("; ".join(errors))
    print(json.dumps(outcomes))
    """
)


@pytest.mark.slow
def test_two_processes_with_many_threads_execute_every_request_once(tmp_path: Path) -> None:
    requests, threads, needed = 40, 4, 2
    db = tmp_path / "shared.db"
    store = Store.open(db)
    ids = {
        store.create_request(
            REQUEST,
            requester="U0",
            channel="C1",
            policy=OperationPolicy(approvals=needed, ttl=timedelta(hours=1)),
            sandbox=False,
        ).id
        for _ in range(requests)
    }
    store.close()
    script, ready = tmp_path / "child.py", tmp_path / "ready"
    script.write_text(CHILD)
    ready.mkdir()

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [
        subprocess.Popen(
            [sys.executable, str(script), str(db), str(ready), name, str(threads)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("A", "B")
    ]
    outcomes: list[list[str]] = []
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        outcomes += json.loads(out)

    executed = Counter(request_id for request_id, status in outcomes if status == "execute")
    assert executed == dict.fromkeys(ids, 1)
    statuses = Counter(status for _, status in outcomes)
    assert statuses == {
        "execute": requests,
        "recorded": requests * (needed - 1),
        "not_pending": requests * (2 * threads - needed),
    }
    store = Store.open(db)
    events = Counter(event.event for event in store.events())
    assert events == {
        AuditEventName.REQUESTED: requests,
        AuditEventName.APPROVED: requests * needed,
        AuditEventName.EXECUTING: requests,
    }
    assert [e.seq for e in store.events()] == list(range(1, requests * (2 + needed) + 1))
    assert {r.state for r in store.history(limit=100)} == {RequestState.EXECUTING}
    result = store.verify()
    assert (result.ok, result.checked) == (True, requests * (2 + needed))
    store.close()
