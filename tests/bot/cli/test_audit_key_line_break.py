"""OPSGATE_AUDIT_KEY read with a line break at its end is the key without it, as every secret
(README Settings); a log keyed while opsgate still kept that line break keeps its key: the key
as set is used when the log records its fingerprint (`bot.store.keying.check`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pydantic import SecretStr
from tampering import as_before_seals

from bot import cli
from bot.policy import OperationPolicy
from bot.store import Store
from bot.store.chain import ChainKey
from bot.store.keying import ChainKeyRowChanged
from commands.model import OperationRequest

KEY = "0123456789abcdef-audit-key"


def seed(db: Path, key: str, count: int = 1) -> None:
    store = Store.open(db, key=SecretStr(key))
    for i in range(count):
        request = OperationRequest(
            operation="huawei.package.delete", vendor="huawei", targets=(f"pkg-{i}",), reason="r"
        )
        record = store.create_request(
            request, requester="U0ALICE", channel="C0OPS", policy=OperationPolicy(), sandbox=True
        )
        store.approve(record.id, approver="U0BOB")
    store.close()


@contextmanager
def as_opsgate_kept_the_line_break(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """opsgate as it was: the key hashed exactly as set, a line break at its end included."""

    def exact(self: ChainKey, key: SecretStr | None = None, **_: object) -> None:
        self._key = None if key is None else key.get_secret_value().encode("utf-8")
        self.as_set = None

    with monkeypatch.context() as patched:
        patched.setattr(ChainKey, "__init__", exact)
        yield


def verify(monkeypatch: pytest.MonkeyPatch, key: str, db: Path) -> int:
    monkeypatch.setenv("OPSGATE_AUDIT_KEY", key)
    return cli.main(["audit", "verify", "--db", str(db)])


def test_a_key_set_with_a_line_break_at_its_end_is_the_key_without_it(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(env / "opsgate.db", KEY + "\n")  # e.g. read from a file with its last newline

    assert verify(monkeypatch, KEY, env / "opsgate.db") == 0
    assert verify(monkeypatch, KEY + "\r\n", env / "opsgate.db") == 0
    seed(env / "opsgate.db", KEY + "\r\n")  # appends under the same key
    assert verify(monkeypatch, KEY, env / "opsgate.db") == 0
    assert "6 events verified" in capsys.readouterr().out
    new = ChainKey(SecretStr(KEY + "\n"))
    assert new.fingerprint == ChainKey(SecretStr(KEY)).fingerprint


def test_a_log_keyed_with_the_line_break_kept_still_verifies_and_takes_appends(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = env / "opsgate.db"
    with as_opsgate_kept_the_line_break(monkeypatch):
        seed(db, KEY + "\n")

    assert verify(monkeypatch, KEY + "\n", db) == 0
    store = Store.open(db, key=SecretStr(KEY + "\n"))
    try:
        (first,) = store.history(limit=1)
        assert store.integrity_problem(first) is None  # its events read under the log's key
    finally:
        store.close()
    seed(db, KEY + "\n")  # serve appends under the key the log was written with
    assert verify(monkeypatch, KEY + "\n", db) == 0
    assert "6 events verified" in capsys.readouterr().out
    with as_opsgate_kept_the_line_break(monkeypatch):
        assert verify(monkeypatch, KEY + "\n", db) == 0  # as the old opsgate reads it, too
    assert verify(monkeypatch, KEY, db) == 2  # without the line break it was another key
    err = capsys.readouterr().err
    assert "not the key this audit log was written with" in err and KEY not in err


def test_a_log_keyed_with_the_line_break_kept_is_copied_and_migrated_with_it(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source, before_seals = env / "old.db", env / "before-seals.db"
    with as_opsgate_kept_the_line_break(monkeypatch):
        seed(source, KEY + "\n", count=2)
        seed(before_seals, KEY + "\n", count=2)
    as_before_seals(before_seals)
    monkeypatch.setenv("OPSGATE_AUDIT_KEY", KEY + "\n")

    assert cli.main(["db", "copy", "--from", str(source), "--to", str(env / "copy.db")]) == 0
    # A source from before seals: the copy's head is sealed under the source's key.
    assert cli.main(["db", "copy", "--from", str(before_seals), "--to", str(env / "c2.db")]) == 0
    assert cli.main(["db", "migrate", "--db", str(before_seals)]) == 0  # seals its head
    for db in (env / "copy.db", env / "c2.db", before_seals):
        assert verify(monkeypatch, KEY + "\n", db) == 0, db
    assert capsys.readouterr().out.count("6 events verified") == 5


def test_a_chain_key_row_changed_to_the_other_forms_fingerprint_is_refused(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The row names the key's other form (the line break kept) while the log's events are
    hashed under the key without it: the row was changed outside opsgate. opsgate refuses the
    log, as for any other changed row, rather than append under the form the row names."""
    db = env / "opsgate.db"
    seed(db, KEY + "\n")
    kept = ChainKey(SecretStr(KEY + "\n"), exact=True)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE chain_key SET key_fingerprint = ?", [kept.fingerprint])
    conn.close()

    with pytest.raises(ChainKeyRowChanged):
        Store.open(db, key=SecretStr(KEY + "\n")).close()
    assert verify(monkeypatch, KEY + "\n", db) == 1
    assert "chain_key row was changed outside opsgate" in capsys.readouterr().err
