"""A keyed chain's head carries a seal (an HMAC of its seq and hash), so deleting the newest
events that changed no table and moving the head back fails `verify` with the key."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from pydantic import SecretStr
from raw_db import raw
from tampering import as_before_seals, tamper, truncate

from adapters.clock import FakeClock
from bot.model import AuditEventName
from bot.policy import OperationPolicy
from bot.store import AuditKeyError, Store
from bot.store.schema import SEAL_MIGRATION
from bot.store.transfer import copy_log, migrate
from commands.model import OperationRequest

KEY = "correct horse battery staple 42"
NO_SEAL = "carries no seal"
BAD_SEAL = "does not carry its seal under OPSGATE_AUDIT_KEY"


def open_store(target: str | Path, key: str | None = KEY) -> Store:
    return Store.open(target, clock=FakeClock(), key=None if key is None else SecretStr(key))


def populate(target: str | Path, key: str | None = KEY, *, clicks: int = 2) -> int:
    """A request, then `clicks` refused clicks on it; returns the seq before the clicks."""
    store = open_store(target, key)
    request = OperationRequest(
        operation="huawei.package.delete", vendor="huawei", targets=("pkg-1",), reason="old"
    )
    record = store.create_request(
        request, requester="U0ALICE", channel="C0OPS", policy=OperationPolicy(), sandbox=True
    )
    before = store.head().seq
    for n in range(clicks):
        detail = {"reason": "not an approver"}
        store.log(record.id, AuditEventName.DENIED, actor=f"U0EVE{n}", detail=detail)
    store.close()
    return before


def verify(target: str | Path, key: str | None = KEY) -> tuple[bool, str]:
    store = open_store(target, key)
    try:
        result = store.verify()
    finally:
        store.close()
    return result.ok, result.describe()


def stored_seal(target: str | Path) -> str | None:
    with raw(target) as db:
        seal = db.run("SELECT seal FROM chain_head WHERE id = 1")[0][0]
    return None if seal is None else str(seal)


def test_the_seal_is_an_hmac_of_the_heads_seq_and_hash(target: str | Path) -> None:
    populate(target)
    store = open_store(target)
    head = store.head()
    store.close()

    message = f"opsgate-head:{head.seq}:{head.hash}".encode()
    assert stored_seal(target) == hmac.new(KEY.encode(), message, hashlib.sha256).hexdigest()
    assert verify(target) == (True, "audit log intact: 3 events verified")


def test_removing_refused_clicks_and_moving_the_head_back_fails_keyed_verify(
    target: str | Path,
) -> None:
    before = populate(target)
    truncate(target, keep=before)  # the head is the request's genuine event, seal untouched

    ok, line = verify(target)

    assert not ok
    assert line == (
        f"audit log broken: the chain head (event {before}) does not carry its seal under "
        "OPSGATE_AUDIT_KEY: the newest events were removed and the head moved back, or the "
        "head was changed"
    )


def test_a_seal_taken_from_elsewhere_does_not_serve(target: str | Path) -> None:
    before = populate(target)
    store = open_store(target)
    old_hash = next(e.hash for e in store.events() if e.seq == before)
    store.close()
    sealed_later = stored_seal(target)
    truncate(target, keep=before)

    for forged in (sealed_later, old_hash, hashlib.sha256(b"x").hexdigest()):
        tamper(target, "UPDATE chain_head SET seal = ? WHERE id = 1", params=(forged,))
        ok, line = verify(target)
        assert not ok and BAD_SEAL in line


def test_a_keyed_head_without_a_seal_fails_closed(target: str | Path) -> None:
    populate(target)
    tamper(target, "UPDATE chain_head SET seal = NULL WHERE id = 1")

    ok, line = verify(target)

    assert not ok
    assert line == (
        "audit log broken: the chain head (event 3) carries no seal, so removing the newest "
        "events would go unseen: the next event appended seals it (any request does), or "
        "compare the log with an anchor kept elsewhere (--anchor <seq>:<hash>)"
    )
    populate(target, clicks=0)  # the next event seals the head
    assert verify(target) == (True, "audit log intact: 4 events verified")


def test_an_unkeyed_log_has_no_seal_and_truncation_still_needs_anchors(
    target: str | Path,
) -> None:
    before = populate(target, None)
    assert stored_seal(target) is None
    assert verify(target, None) == (True, "audit log intact: 3 events verified")

    truncate(target, keep=before)

    assert before == 1  # the request's first event; the refused clicks after it are gone
    assert verify(target, None) == (True, "audit log intact: 1 event verified")


def test_a_copy_of_a_keyed_log_keeps_its_seal_and_verifies(
    target: str | Path, tmp_path: Path
) -> None:
    source = tmp_path / "source.db"
    populate(source)
    reader = Store.open_existing(source, key=SecretStr(KEY))
    writer = open_store(target)
    copy_log(reader.engine, writer.engine, key=SecretStr(KEY))
    reader.close()
    writer.close()

    assert stored_seal(target) == stored_seal(source)
    assert verify(target) == (True, "audit log intact: 3 events verified")


def test_a_copy_never_seals_a_head_its_source_could_not_vouch_for(
    target: str | Path, tmp_path: Path
) -> None:
    source = tmp_path / "source.db"
    truncate(source, keep=populate(source))
    reader = Store.open_existing(source, key=SecretStr(KEY))
    writer = open_store(target)
    copy_log(reader.engine, writer.engine, key=SecretStr(KEY))
    reader.close()
    writer.close()

    ok, line = verify(target)
    assert not ok and BAD_SEAL in line


def test_upgrading_a_keyed_log_with_its_key_seals_the_head_once(target: str | Path) -> None:
    before = populate(target)
    as_before_seals(target)
    reader = Store.open_existing(target, key=SecretStr(KEY))  # read as it is: no column yet
    assert NO_SEAL in reader.verify().describe()
    reader.close()

    assert verify(target) == (True, "audit log intact: 3 events verified")  # opened: migrated
    sealed = stored_seal(target)
    assert sealed is not None

    truncate(target, keep=before)
    tamper(target, "UPDATE chain_head SET seal = NULL WHERE id = 1")
    ok, line = verify(target)  # a later open seals nothing as found
    assert not ok and NO_SEAL in line
    assert stored_seal(target) is None


def test_upgrading_without_the_key_is_refused_before_it_changes_anything(
    target: str | Path,
) -> None:
    """The upgrade that adds seals is the one chance to seal the head as found: `opsgate db
    migrate` with no key set refuses before it upgrades, leaving that chance to the one with."""
    populate(target)
    as_before_seals(target)

    with pytest.raises(AuditKeyError, match="OPSGATE_AUDIT_KEY"):
        migrate(target)  # `opsgate db migrate` with no key set

    assert migrate(target, key=SecretStr(KEY))[1] == [SEAL_MIGRATION]  # still to do
    assert verify(target) == (True, "audit log intact: 3 events verified")


@pytest.mark.parametrize("wrong", [None, "not-the-key-of-this-log"])
def test_opening_a_store_without_the_key_is_refused_before_it_upgrades_anything(
    target: str | Path, wrong: str | None
) -> None:
    """`serve` and the console open their store as `Store.open` does: without the keyed log's
    key (or with another) it refuses as `opsgate db migrate` does, before any migration runs,
    so the one opening with the key still seals the head as found."""
    populate(target)
    as_before_seals(target)

    with pytest.raises(AuditKeyError, match="OPSGATE_AUDIT_KEY"):
        open_store(target, wrong)

    assert migrate(target, key=SecretStr(KEY))[1] == [SEAL_MIGRATION]  # still to do
    assert verify(target) == (True, "audit log intact: 3 events verified")


def test_db_migrate_with_the_key_seals_the_head(target: str | Path) -> None:
    populate(target)
    as_before_seals(target)

    assert migrate(target, key=SecretStr(KEY))[1] == [SEAL_MIGRATION]

    assert verify(target) == (True, "audit log intact: 3 events verified")


@pytest.mark.parametrize("clicks", [0, 1])
def test_an_empty_keyed_log_and_a_fresh_one_verify(target: str | Path, clicks: int) -> None:
    store = open_store(target)
    store.close()
    assert verify(target) == (True, "audit log intact: 0 events verified")
    populate(target, clicks=clicks)
    assert verify(target)[0]
