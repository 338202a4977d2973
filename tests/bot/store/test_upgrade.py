"""A log written before policy snapshots, references and keyed chains opens, verifies and keeps
working after the second migration."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from pydantic import SecretStr
from raw_db import raw
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from adapters.base import Counts, FailureKind, Outcome, Preview, Verdict
from adapters.clock import FakeClock
from bot.cards import request_card
from bot.model import Approvers, RequestState
from bot.policy import OperationPolicy
from bot.store import ApprovalStatus, AuditKeyError, OverlapError, Store, beside
from bot.store.chain import GENESIS_HASH, canonical_json, chain_hash
from bot.store.crosscheck import suspects
from bot.store.schema import SCHEMA_V1
from bot.store.transfer import copy_log
from commands.model import OperationRequest

AT = "2026-11-22T01:00:00.000000Z"
LATER = "2026-11-22T01:30:00.000000Z"
REQUEST_ID = "R-7K3F9QW2"


#: A preview as release 1 stored it: no kind, no verdict (a warning, so it reads as ``warn``).
RELEASE_1_PREVIEW = {
    "summary": "gateway gw-1, ONLINE",
    "facts": {"node type": "GATEWAY"},
    "warnings": ["gateway: deleting it also deletes its 3 child devices"],
    "found": True,
}
#: A bulk outcome as release 1 stored it: no kind, and an unknown batch marked by its code.
RELEASE_1_OUTCOME = {
    "summary": "Cancelled OTA tasks on 800 of 1,000 devices; 1 batch state unknown",
    "vendor_request_ids": ["r1", "r2", "r3", "r4"],
    "already_gone": False,
    "total": 1000,
    "failures": [
        {
            "targets": [f"d{i}" for i in range(200)],
            "code": "unknown",
            "message": "state unknown: aliyun answered HTTP 503 with a body opsgate cannot read",
            "next_step": "Check the vendor console.",
        }
    ],
}


def release_1_log(path: Path, *, preview: dict[str, object] | None = None) -> None:
    """The first schema, with one pending request written the way release 1 wrote it."""
    db = Database(path)
    first = Migrations("opsgate")

    @first(name="0001_requests_approvals_events")
    def _schema_v1(db: Database) -> None:
        for statement in SCHEMA_V1:
            db.execute(statement)

    first.apply(db)
    db.table("requests").insert(
        {
            "id": REQUEST_ID,
            "operation": "huawei.package.delete",
            "vendor": "huawei",
            "targets": '["pkg-1"]',
            "params": "{}",
            "reason": "old",
            "requester": "U0ALICE",
            "channel": "C0OPS",
            "state": "pending",
            "approvals_needed": 1,
            "created_at": AT,
            "expires_at": "2099-01-01T00:00:00.000000Z",
            "sandbox": 1,
            "preview": None if preview is None else canonical_json(preview),
        }
    )
    detail = {
        "reason": "old",
        "channel": "C0OPS",
        "params": {},
        "preview": preview,
        "sandbox": True,
        "approvals_needed": 1,
        "expires_at": "2099-01-01T00:00:00.000000Z",
    }
    body = {
        "seq": 1,
        "at": AT,
        "request_id": REQUEST_ID,
        "event": "requested",
        "actor": "U0ALICE",
        "operation": "huawei.package.delete",
        "targets": ["pkg-1"],
        "detail": detail,
        "prev_hash": GENESIS_HASH,
    }
    digest = chain_hash(GENESIS_HASH, body)
    # Release 1 wrote every JSON column as canonical_json writes it, as opsgate still does.
    row = {**body, "targets": canonical_json(body["targets"]), "detail": canonical_json(detail)}
    db.table("events").insert({**row, "hash": digest})
    db.execute("UPDATE chain_head SET seq = 1, hash = ? WHERE id = 1", [digest])
    db.conn.commit()
    db.close()


def test_a_release_1_log_upgrades_and_keeps_working(tmp_path: Path) -> None:
    path = tmp_path / "opsgate.db"
    release_1_log(path)

    store = Store.open(path, clock=FakeClock())
    record = store.get(REQUEST_ID)
    assert record is not None and record.policy is None
    assert store.verify().ok
    result = store.approve(REQUEST_ID, approver="U0BOB")

    assert result.status is ApprovalStatus.EXECUTE and result.record is not None
    assert result.record.state is RequestState.EXECUTING
    assert store.integrity_problem(result.record) is None
    assert store.verify().ok
    store.close()


def test_a_release_1_log_is_unkeyed(tmp_path: Path) -> None:
    path = tmp_path / "opsgate.db"
    release_1_log(path)

    with pytest.raises(AuditKeyError, match="not keyed"):
        Store.open(path, key=SecretStr("a-key-of-sixteen-or-more"))


def test_a_release_1_log_moves_to_postgresql_and_keeps_working(
    tmp_path: Path, postgres_database: str
) -> None:
    path = tmp_path / "opsgate.db"
    release_1_log(path)
    source = Store.open_existing(path)  # read as it is: copying migrates nothing in place

    target = Store.open(postgres_database, clock=FakeClock())
    copied = copy_log(source.engine, target.engine)
    source.close()

    assert (copied.events, copied.requests, copied.approvals) == (1, 1, 0)
    assert target.verify().ok
    assert target.approve(REQUEST_ID, approver="U0BOB").status is ApprovalStatus.EXECUTE
    assert target.verify().ok
    target.close()


def test_a_release_1_preview_and_outcome_read_typed_and_render(tmp_path: Path) -> None:
    path = tmp_path / "opsgate.db"
    release_1_log(path, preview=RELEASE_1_PREVIEW)
    store = Store.open(path, clock=FakeClock())

    record = store.get(REQUEST_ID)
    assert record is not None and isinstance(record.preview, Preview)
    assert record.preview.verdict is Verdict.WARN  # inferred: it carries a warning
    executing = store.approve(REQUEST_ID, approver="U0BOB").record
    assert executing is not None and store.integrity_problem(executing) is None
    store.close()
    # The call ends the way release 1 recorded a partly unknown bulk run.
    db = Database(path)
    db.execute(
        "UPDATE requests SET outcome = ?, state = 'succeeded'", [json.dumps(RELEASE_1_OUTCOME)]
    )
    db.conn.commit()
    db.close()
    store = Store.open(path, clock=FakeClock())
    ended = store.get(REQUEST_ID)
    store.close()

    assert ended is not None and isinstance(ended.outcome, Outcome)
    [failure] = ended.outcome.failures
    assert (failure.kind, failure.code) == (FailureKind.UNKNOWN, None)
    assert ended.outcome.counts == Counts(succeeded=800, unknown=200)
    text = json.dumps(request_card(ended, approvers=Approvers(needed=1, anyone=True)).blocks)
    assert "800 of 1,000 deleted; 200 unknown (1 batch: no confirmed answer)" in text
    assert "Partly unknown" in text and "gateway: deleting it also deletes" in text
    assert "vendor error `unknown`" not in text


def test_an_open_request_still_holds_its_targets_after_the_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "opsgate.db"
    release_1_log(path)
    store = Store.open(path, clock=FakeClock())
    try:
        with pytest.raises(OverlapError) as caught:
            store.check_overlap("huawei.package.delete", ["pkg-1"])
        assert caught.value.holder.id == REQUEST_ID
        store.check_overlap("huawei.package.delete", ["pkg-2"])  # another target is free
    finally:
        store.close()


def test_a_release_1_log_is_verified_as_it_is_without_upgrading_it(tmp_path: Path) -> None:
    path = tmp_path / "opsgate.db"
    release_1_log(path)

    store = Store.open_existing(path)
    try:
        result = store.verify()
    finally:
        store.close()

    assert result.ok and result.checked == 1
    with closing(sqlite3.connect(path)) as conn:  # still release 1's schema: nothing added
        columns = {row[1] for row in conn.execute("PRAGMA table_info(requests)")}
    assert "policy" not in columns and "break_glass" not in columns


def test_a_release_1_log_is_asked_of_the_workers_as_it_is(tmp_path: Path) -> None:
    """The workers a long log is verified with read the columns it lacks as NULL too (they
    failed on them, and the query was asked again in the process)."""
    path = tmp_path / "opsgate.db"
    release_1_log(path)
    store = Store.open_existing(path)
    try:
        last = store.head().seq
        with store.engine.read() as db:
            here = suspects(db, "sqlite")
            asked = beside.in_worker(db, path, last)
        assert isinstance(asked, beside.InWorker)
        try:
            assert asked.answer() == here  # not None: the workers answered
        finally:
            asked.close()
    finally:
        store.close()


def append_as_release_1(path: Path) -> None:
    """One event appended exactly as release 1 appends it (its ``Writer.append``): the event,
    then ``UPDATE chain_head SET seq = ?, hash = ?``, in one transaction."""
    with closing(sqlite3.connect(path)) as conn, conn:
        seq, prev = conn.execute("SELECT seq, hash FROM chain_head WHERE id = 1").fetchone()
        body = {
            "seq": seq + 1,
            "at": LATER,
            "request_id": REQUEST_ID,
            "event": "withdrawn",
            "actor": "U0ALICE",
            "operation": "huawei.package.delete",
            "targets": ["pkg-1"],
            "detail": {},
            "prev_hash": prev,
        }
        digest = chain_hash(prev, body)
        row = {**body, "targets": canonical_json(["pkg-1"]), "detail": "{}", "hash": digest}
        conn.execute(
            "INSERT INTO events (seq, at, request_id, event, actor, operation, targets, detail, "
            "prev_hash, hash) VALUES (:seq, :at, :request_id, :event, :actor, :operation, "
            ":targets, :detail, :prev_hash, :hash)",
            row,
        )
        conn.execute("UPDATE chain_head SET seq = ?, hash = ? WHERE id = 1", [seq + 1, digest])


@pytest.mark.parametrize("key", [None, SecretStr("a-key-of-sixteen-or-more")])
def test_release_1_cannot_write_to_a_log_this_version_upgraded(
    tmp_path: Path, key: SecretStr | None
) -> None:
    """Release 1 predates the refusal of newer databases: left running (or rolled back to) after
    an upgrade, it would append plain SHA-256 events to a keyed chain (broken for good), or end
    requests without freeing their targets. Its first write fails instead, and writes nothing."""
    path = tmp_path / "opsgate.db"
    if key is None:
        release_1_log(path)
    store = Store.open(path, clock=FakeClock(), key=key)
    if key is not None:
        store.create_request(  # a keyed log: one this version began, release 1 then opened
            OperationRequest(
                operation="huawei.package.delete", vendor="huawei", targets=("pkg-1",)
            ),
            requester="U0ALICE",
            channel="C0OPS",
            policy=OperationPolicy(approvals=1, ttl=timedelta(hours=1)),
            sandbox=True,
        )
    head = store.head()
    store.close()

    with pytest.raises(sqlite3.IntegrityError, match="upgraded by a newer opsgate"):
        append_as_release_1(path)

    store = Store.open(path, clock=FakeClock(), key=key)
    try:
        assert store.head() == head and store.verify().ok  # nothing of it was written
        pending = store.history(limit=1)[0]
        assert store.approve(pending.id, approver="U0BOB").status is ApprovalStatus.EXECUTE
        assert store.verify().ok  # this version still appends
    finally:
        store.close()


def test_a_head_moved_without_moved_to_is_refused_on_either_engine(target: str | Path) -> None:
    """Builds from before the refusal of newer databases (and release 1) move the head with
    ``UPDATE chain_head SET seq = ?, hash = ?`` alone: refused, and nothing changes."""
    store = Store.open(target, clock=FakeClock())
    store.create_request(
        OperationRequest(operation="huawei.package.delete", vendor="huawei", targets=("pkg-1",)),
        requester="U0ALICE",
        channel="C0OPS",
        policy=OperationPolicy(approvals=1, ttl=timedelta(hours=1)),
        sandbox=True,
    )
    head = store.head()

    with pytest.raises(Exception, match="upgraded by a newer opsgate") as caught, raw(target) as db:
        db.run("UPDATE chain_head SET seq = ?, hash = ? WHERE id = 1", (head.seq + 1, "0" * 64))
    assert isinstance(caught.value, sqlite3.IntegrityError | psycopg.Error)

    try:
        assert store.head() == head and store.verify().ok
    finally:
        store.close()
