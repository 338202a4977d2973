"""SPEC §9: with OPSGATE_AUDIT_KEY each hash is HMAC-SHA256 under the key; a log is never opened
with another key, without its key, or with a key when it is unkeyed."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
from pydantic import SecretStr
from raw_db import raw
from tampering import rehash, tamper

from adapters.clock import FakeClock
from bot.policy import OperationPolicy
from bot.store import AuditKeyError, ChainKeyRowChanged, Store
from bot.store.chain import ChainKey
from commands.model import OperationRequest

KEY = "correct horse battery staple 42"
OTHER = "another key, just as long"


def open_store(path: Path, key: str | None = KEY) -> Store:
    return Store.open(path, clock=FakeClock(), key=None if key is None else SecretStr(key))


def populate(path: Path, key: str | None = KEY) -> str:
    store = open_store(path, key)
    request = OperationRequest(
        operation="huawei.package.delete", vendor="huawei", targets=("pkg-1",), reason="old"
    )
    record = store.create_request(
        request, requester="U0ALICE", channel="C0OPS", policy=OperationPolicy(), sandbox=True
    )
    store.approve(record.id, approver="U0BOB")
    store.close()
    return record.id


def everything_stored(target: str | Path) -> str:
    """The file's bytes, or every row of every table, as text."""
    if isinstance(target, Path):
        return target.read_bytes().decode("utf-8", "replace")
    with raw(target) as db:
        tables = db.run("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return repr([db.run(f"SELECT * FROM {name}") for (name,) in tables])  # noqa: S608


def verify(path: Path, key: str | None = KEY) -> tuple[bool, str]:
    store = open_store(path, key)
    try:
        result = store.verify()
    finally:
        store.close()
    return result.ok, result.describe()


def test_each_hash_is_an_hmac_under_the_key(target: str | Path) -> None:
    path = target
    request_id = populate(path)
    store = open_store(path)
    events = list(store.events(request_id=request_id))
    store.close()

    prev = "0" * 64
    for event in events:
        body = event.model_dump(mode="json", exclude={"hash"})
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        expected = hmac.new(KEY.encode(), (prev + text).encode(), hashlib.sha256).hexdigest()
        assert event.hash == expected
        assert event.hash != hashlib.sha256((prev + text).encode()).hexdigest()
        prev = event.hash
    assert verify(path) == (True, "audit log intact: 3 events verified")


def test_the_database_records_a_fingerprint_never_the_key(target: str | Path) -> None:
    path = target
    populate(path)
    store = open_store(path)
    store.close()

    assert KEY not in everything_stored(path)
    assert KEY not in repr(ChainKey(SecretStr(KEY)))  # what holds the key does not show it


@pytest.mark.parametrize(
    ("written_with", "opened_with", "says"),
    [
        (KEY, None, "the audit log is keyed (HMAC-SHA256, key fingerprint"),
        (KEY, OTHER, "OPSGATE_AUDIT_KEY is not the key this audit log was written with"),
        (None, KEY, "the audit log is not keyed (plain SHA-256) but OPSGATE_AUDIT_KEY is set"),
    ],
)
def test_a_log_opened_with_the_wrong_key_stops_with_one_line(
    target: str | Path, written_with: str | None, opened_with: str | None, says: str
) -> None:
    path = target
    populate(path, written_with)

    with pytest.raises(AuditKeyError) as caught:
        open_store(path, opened_with)

    message = str(caught.value)
    assert says in message and "\n" not in message
    for secret in (KEY, OTHER):
        assert secret not in message


def test_an_empty_log_is_claimed_by_its_first_writer(target: str | Path) -> None:
    path = target
    first, second = open_store(path, KEY), open_store(path, OTHER)  # both see an empty log
    populate_with = OperationRequest(
        operation="huawei.package.delete", vendor="huawei", targets=("pkg-1",), reason="old"
    )
    record = first.create_request(
        populate_with, requester="U1", channel="C1", policy=OperationPolicy(), sandbox=False
    )

    with pytest.raises(AuditKeyError):
        second.approve(record.id, approver="U2")

    assert [e.event.value for e in first.events()] == ["requested"]
    first.close()
    second.close()
    assert verify(path, KEY)[0]


def test_a_rewrite_recomputed_without_the_key_fails_verify_with_the_key(target: str | Path) -> None:
    path = target
    populate(path)
    tamper(path, "UPDATE events SET at = '2026-01-01T00:00:00.000000Z' WHERE seq = 2")
    rehash(path)  # recomputed the documented way, but without the key

    ok, line = verify(path)

    assert not ok
    assert line == (
        "audit log broken at event seq 1: event 1 was changed after it was written (hash mismatch)"
    )


def test_switching_the_log_to_unkeyed_to_hide_a_rewrite_is_refused(target: str | Path) -> None:
    path = target
    populate(path)
    tamper(path, "UPDATE events SET at = '2026-01-01T00:00:00.000000Z' WHERE seq = 2")
    rehash(path)
    tamper(path, "UPDATE chain_key SET algorithm = 'sha256', key_fingerprint = NULL")

    assert verify(path, None)[0]  # the forged log verifies as an unkeyed one ...
    with pytest.raises(AuditKeyError):  # ... but never where the key is set
        open_store(path, KEY)


def test_without_a_key_a_full_recomputation_goes_undetected(target: str | Path) -> None:
    # The README says so plainly: an unkeyed chain is tamper-evident only to someone who did
    # not recompute it. This pins that limit, so the documentation stays true.
    path = target
    populate(path, None)
    tamper(path, "UPDATE events SET at = '2026-01-01T00:00:00.000000Z' WHERE seq = 2")
    rehash(path)

    assert verify(path, None)[0]


@pytest.mark.parametrize(
    ("assignment", "recorded"),
    [
        (
            "key_fingerprint = '0000000000000000'",
            "algorithm 'hmac-sha256' and key fingerprint '0000000000000000'",
        ),
        ("algorithm = 'HMAC-SHA256'", "algorithm 'HMAC-SHA256' and key fingerprint"),
    ],
)
def test_a_changed_chain_key_row_under_the_key_that_verifies_is_tampering(
    target: str | Path, assignment: str, recorded: str
) -> None:
    """The key set hashes the log's events: a row that disagrees was changed, not the key."""
    populate(target)
    tamper(target, f"UPDATE chain_key SET {assignment}")  # noqa: S608

    with pytest.raises(ChainKeyRowChanged) as raised:
        open_store(target, KEY)
    assert str(raised.value).startswith(
        "the chain_key row was changed outside opsgate: OPSGATE_AUDIT_KEY verifies the log's "
        f"first event, but the row records {recorded}"
    )
    with pytest.raises(AuditKeyError) as other:  # a key that is not the log's: as before
        open_store(target, OTHER)
    assert not isinstance(other.value, ChainKeyRowChanged)


def test_a_deleted_chain_key_row_is_named_as_deleted(target: str | Path) -> None:
    """Not as a row recording 'sha256' and fingerprint None: there is no row to record them."""
    populate(target)
    tamper(target, "DELETE FROM chain_key")

    with pytest.raises(ChainKeyRowChanged) as raised:
        open_store(target, KEY)
    assert str(raised.value) == (
        "the chain_key row was deleted outside opsgate: OPSGATE_AUDIT_KEY verifies the log's "
        "first event, but the row, which records 'hmac-sha256' and that key's fingerprint, is gone"
    )
