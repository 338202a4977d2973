"""JSON nested deeper than Python's parser recurses (3,000 levels) in an event or a request row:
opsgate never writes it, so it is unreadable, named like any other unreadable value, never a
RecursionError."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_requests import TWO, cancel
from tampering import tamper

from bot.model import AuditEventName, RequestState
from bot.store import Store, UnreadableRequestError

DEEP = "[" * 3000 + "]" * 3000
TOO_DEEP = "its JSON is nested too deeply to read (opsgate writes no such JSON)"


def rejected(store: Store) -> str:
    record = store.create_request(
        cancel(), requester="U0ALICE", channel="C0OPS", policy=TWO, sandbox=True
    )
    store.transition(
        record.id, to=RequestState.REJECTED, event=AuditEventName.REJECTED, actor="U0BOB"
    )
    return record.id


@pytest.mark.parametrize(
    ("column", "value"),
    [("detail", '{"requested_seq":1,"x":' + DEEP + "}"), ("targets", DEEP)],
)
def test_an_event_nested_too_deeply_is_named(
    store: Store, target: str | Path, column: str, value: str
) -> None:
    rejected(store)
    tamper(target, f"UPDATE events SET {column} = ? WHERE seq = 2", params=(value,))  # noqa: S608

    result = store.verify()

    assert (result.ok, result.first_bad_seq) == (False, 2)
    assert result.problem == f"event 2 cannot be read: {TOO_DEEP}"


def test_a_request_row_nested_too_deeply_is_named(store: Store, target: str | Path) -> None:
    request_id = rejected(store)
    tamper(
        target,
        "UPDATE requests SET params = ? WHERE id = ?",
        params=('{"reason_id":' + DEEP + "}", request_id),
    )

    result = store.verify()

    assert (result.ok, result.request_id) == (False, request_id)
    assert result.problem == f"its row in the requests table cannot be read: {TOO_DEEP}"
    with pytest.raises(UnreadableRequestError) as raised:
        store.get(request_id)
    assert raised.value.problem == TOO_DEEP
