"""A chain head row holding what opsgate never writes there (SQLite keeps any value in any
column): `verify` calls the log broken, naming the head, never a traceback; a writer refuses to
append after it."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_requests import fill
from tampering import tamper

from bot.store import Store, StoreError


@pytest.mark.parametrize(
    ("assignment", "named"),
    [
        ("seq = 'abc'", "its seq is 'abc', not a whole number"),
        ("seq = 2.5", "its seq is 2.5, not a whole number"),
        ("hash = X'00ff'", "its hash is b'\\x00\\xff', not text"),
    ],
)
def test_a_head_that_is_no_head_is_named(tmp_path: Path, assignment: str, named: str) -> None:
    path = tmp_path / "opsgate.db"
    store = Store.open(path)
    try:
        fill(store, requests=2)
        tamper(path, f"UPDATE chain_head SET {assignment}")  # noqa: S608

        result = store.verify()

        assert not result.ok
        assert result.describe() == (
            f"audit log broken: the chain head record was changed outside opsgate: {named}"
        )
        with pytest.raises(StoreError, match="chain head record was changed"):
            store.head()
    finally:
        store.close()
