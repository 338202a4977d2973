"""The benchmarks' million-event log must be what opsgate writes, or `verify`'s benchmark would
time a path real logs never take (a log of another shape sends every request down the slow,
field-by-field comparison)."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from bot.policy import OperationPolicy
from bot.store import Store
from bot.store.crosscheck import suspects
from commands.model import OperationRequest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from big_log import build_log


def test_the_built_log_verifies_and_takes_the_quick_path(tmp_path: Path) -> None:
    path = tmp_path / "big.db"
    ids = build_log(path, events=40, batch=12)
    store = Store.open(path)

    result = store.verify()
    assert (result.ok, result.checked, len(ids)) == (True, 40, 10)
    with store.engine.read() as db:
        assert suspects(db, "sqlite") == []
    store.close()


def test_its_requests_are_shaped_as_the_store_shapes_them(tmp_path: Path) -> None:
    build_log(tmp_path / "big.db", events=4)
    built = Store.open(tmp_path / "big.db")
    [built_first] = [e for e in built.events() if e.event.value == "requested"]

    store = Store.open(tmp_path / "real.db")
    request = OperationRequest(
        operation="enos.ota-job.delete", vendor="enos", targets=("target-0",), reason="benchmark"
    )
    policy = OperationPolicy(approvals=1, ttl=timedelta(minutes=30))
    record = store.create_request(
        request, requester="U0USER0000", channel="C0OPS", policy=policy, sandbox=True
    )
    [real_first] = store.events(request_id=record.id)

    assert sorted(built_first.detail) == sorted(real_first.detail)
    assert built_first.detail["policy"] == real_first.detail["policy"]
    built.close()
    store.close()
