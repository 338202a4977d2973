"""SPEC §9: what verify passes is what every reader reads. An event or a request row whose JSON
is still what was hashed, but no longer stored as opsgate writes it (a duplicate key, which
SQL's JSON functions read first and Python last; spacing; key order), was rewritten outside
opsgate. On a SQLite file and a PostgreSQL database alike (see conftest), in this process and
(on a file) through verify's worker processes (`where`)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from tampering import tamper

from bot.policy import OperationPolicy
from bot.store import Store
from commands.model import OperationRequest

ONE = OperationPolicy(approvals=1, ttl=timedelta(minutes=30))
REQUEST = OperationRequest(
    operation="servicepower.job.cancel",
    vendor="servicepower",
    targets=("JOB-1",),
    params={"reason_id": 7},
    reason="duplicate job",
)


def requested(store: Store) -> str:
    record = store.create_request(
        REQUEST, requester="U0ALICE", channel="C0OPS", policy=ONE, sandbox=True
    )
    assert store.verify().ok
    return record.id


@pytest.mark.parametrize(
    "rewrite",
    [
        # `"reason":"EVIL"` before the real reason: SQL reads EVIL, Python (and the hash) the real.
        """UPDATE events SET detail = '{"reason":"EVIL",' || substr(detail, 2) WHERE seq = 1""",
        """UPDATE events SET detail = '{ ' || substr(detail, 2) WHERE seq = 1""",
    ],
)
def test_an_event_rewritten_as_other_json_text_fails_verify(
    store: Store, target: str | Path, where: str, rewrite: str
) -> None:
    requested(store)
    tamper(target, rewrite)

    result = store.verify()
    assert not result.ok
    assert (
        result.problem == "event 1 was rewritten after it was written (its JSON is not as hashed)"
    )


@pytest.mark.parametrize(
    ("column", "rewrite"),
    [
        ("policy", """UPDATE requests SET policy = '{"approvals":0,' || substr(policy, 2)"""),
        ("params", """UPDATE requests SET params = '{"reason_id":0,' || substr(params, 2)"""),
    ],
)
def test_a_request_row_rewritten_as_other_json_text_fails_verify(
    store: Store, target: str | Path, where: str, column: str, rewrite: str
) -> None:
    request_id = requested(store)
    tamper(target, rewrite)

    result = store.verify()
    assert (result.ok, result.request_id) == (False, request_id)
    assert result.problem == f"{column}: the stored request's JSON is not as written"
