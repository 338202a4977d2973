"""`verify` against changes that hide in how a value is stored rather than in what it says: text
behind a NUL character (SQLite's printf and JSON functions stop there, Python reads on), bytes
that are not UTF-8, and rows that opsgate itself cannot read back. Each is named, never passed,
and never a crash."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis.strategies import datetimes, just
from store_requests import KEY, Filed, fill
from tampering import tamper

from bot.store import ChainHead, Store, UnreadableEventError
from bot.store.quickchain import first_suspect
from bot.store.rows import _instant, format_time

EVENT_COLUMNS = ("actor", "at", "request_id", "event", "operation", "targets", "detail")


def set_event(path: str | Path, seq: int, column: str, expression: str) -> None:
    """Set one stored event's `column` to the SQL `expression`."""
    tamper(path, f"UPDATE events SET {column} = {expression} WHERE seq = ?", params=(seq,))  # noqa: S608


def set_first_request(path: Path, assignment: str) -> str:
    """Apply the SQL `assignment` to the first stored request's row; returns its id."""
    conn = sqlite3.connect(path)
    try:
        (first,) = conn.execute("SELECT id FROM requests ORDER BY rowid LIMIT 1").fetchone()
    finally:
        conn.close()
    tamper(path, f"UPDATE requests SET {assignment} WHERE id = ?", params=(first,))  # noqa: S608
    return str(first)


def problem_named(filed: Filed, assignment: str) -> str:
    """`verify` of a filled log whose first request had the SQL `assignment` applied: it must
    name that request; returns what it says is wrong."""
    store, path = filed()
    first = set_first_request(path, assignment)

    result = store.verify()
    assert (result.ok, result.request_id) == (False, first)
    return result.problem


# -- text behind a NUL character ----------------------------------------------------------------


@pytest.mark.usefixtures("where")
@pytest.mark.parametrize("column", EVENT_COLUMNS)
@pytest.mark.parametrize("key", [KEY, None], ids=["keyed", "plain"])
def test_text_hidden_behind_a_nul_in_an_event_is_named(
    filed: Filed, column: str, key: str | None
) -> None:
    """The message SQLite would print stops at the NUL, so it would still match the stored
    hash (a keyed chain's too); the event read in full does not."""
    store, path = filed(key=key)
    set_event(path, 7, column, f"{column} || char(0) || 'x'")

    result = store.verify()
    assert (result.ok, result.first_bad_seq) == (False, 7)


def test_an_anchor_does_not_hold_over_text_hidden_behind_a_nul(filed: Filed) -> None:
    store, path = filed()
    anchor = store.head()
    set_event(path, 2, "actor", "actor || char(0) || 'M'")

    result = store.verify(anchors=[anchor])
    assert (result.ok, result.first_bad_seq) == (False, 2)
    assert "changed after it was written" in result.problem


def test_the_quick_pass_points_at_text_hidden_behind_a_nul(filed: Filed) -> None:
    _, path = filed(key=KEY)
    set_event(path, 5, "detail", "detail || char(0) || 'x'")

    conn = sqlite3.connect(path)
    try:
        assert first_suspect(conn, KEY.encode(), 0, 20) == 5
        assert first_suspect(conn, KEY.encode(), 5, 20) is None
    finally:
        conn.close()


@pytest.mark.parametrize("column", ["params", "policy"])
def test_a_request_row_with_text_behind_a_nul_is_named(filed: Filed, column: str) -> None:
    problem = problem_named(filed, f"{column} = {column} || char(0) || 'x'")
    assert "its row in the requests table cannot be read" in problem


@pytest.mark.parametrize("column", ["created_at", "expires_at"])
def test_a_time_with_text_behind_a_nul_is_named(filed: Filed, column: str) -> None:
    """Python's `fromisoformat` stops reading at the NUL, as SQLite's functions do, so the
    time reads the same; the stored text is still not what opsgate wrote."""
    problem = problem_named(filed, f"{column} = {column} || char(0) || 'x'")
    assert problem.startswith(f"its row in the requests table cannot be read: {column}: '20")
    assert problem.endswith("\\x00x' is not a time as opsgate writes it")


@pytest.mark.parametrize(
    "written",
    [
        "2026-01-01 00:30:00.000000Z",  # a space for the T
        "2026-01-01T00:30:00.000000+00:00",  # the offset spelled out
        "2026-01-01T00:30:00Z",  # no microseconds
        "2026-01-01T01:30:00.000000+01:00",  # the same instant, elsewhere
    ],
)
def test_a_time_that_reads_the_same_but_is_written_otherwise_is_named(
    store: Store, target: str | Path, written: str
) -> None:
    """Python reads each of these as the instant opsgate wrote, so the comparison with the
    first event would pass; the text is still not what opsgate writes."""
    [first, *_] = fill(store, requests=4)
    tamper(target, "UPDATE requests SET created_at = ? WHERE id = ?", params=(written, first))

    result = store.verify()
    assert (result.ok, result.request_id) == (False, first)
    assert f"created_at: {written!r} is not a time as opsgate writes it" in result.problem


@given(moment=datetimes(min_value=datetime(1000, 1, 1), timezones=just(UTC)))
def test_every_time_opsgate_writes_reads_back(moment: datetime) -> None:
    assert _instant({"at": format_time(moment)}, "at") == moment


# -- bytes that are not UTF-8 -------------------------------------------------------------------


@pytest.mark.usefixtures("where")
@pytest.mark.parametrize("column", EVENT_COLUMNS)
def test_an_event_whose_text_is_not_utf8_is_named(filed: Filed, column: str) -> None:
    store, path = filed(key=KEY)
    set_event(path, 6, column, "CAST(x'55ff' AS TEXT)")

    result = store.verify()
    assert (result.ok, result.first_bad_seq) == (False, 6)
    assert result.problem == f"event 6 cannot be read: its {column} is not UTF-8 text"


def test_the_quick_pass_leaves_text_that_is_not_utf8_to_the_documented_scan(
    filed: Filed,
) -> None:
    _, path = filed()
    set_event(path, 9, "actor", "CAST(x'ff' AS TEXT)")

    conn = sqlite3.connect(path)
    try:
        assert first_suspect(conn, None, 3, 20) == 9  # the event itself: no hash matches it
        assert first_suspect(conn, None, 9, 20) is None
    finally:
        conn.close()


def test_a_request_row_whose_text_is_not_utf8_is_named(filed: Filed) -> None:
    store, path = filed()
    first = set_first_request(path, "reason = CAST(x'55ff' AS TEXT)")

    result = store.verify()
    assert (result.ok, result.request_id) == (False, first)
    assert (
        result.problem
        == "its row in the requests table cannot be read: its reason is not UTF-8 text"
    )
    assert store.verify(anchors=[ChainHead(0, "0" * 64)]).request_id == first


# -- rows opsgate cannot read back ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("assignment", "named"),
    [
        ("params = '{'", "Expecting property name"),
        ("policy = '[1'", "Expecting ',' delimiter"),
        ("targets = 'JOB-1'", "Expecting value"),
        ("expires_at = 'soon'", "Invalid isoformat string: 'soon'"),
        ("state = 'bogus'", "state: Input should be 'pending'"),
    ],
)
def test_a_request_row_opsgate_cannot_read_is_named(
    store: Store, target: str | Path, assignment: str, named: str
) -> None:
    [first, *_] = fill(store, requests=4)
    tamper(target, f"UPDATE requests SET {assignment} WHERE id = ?", params=(first,))  # noqa: S608

    result = store.verify()
    assert (result.ok, result.request_id) == (False, first)
    assert result.problem.startswith("its row in the requests table cannot be read: ")
    assert named in result.problem


@pytest.mark.parametrize(
    ("assignment", "named"),
    [
        ("approvals_needed = '2 approvals'", "approvals_needed: Input should be a valid integer"),
        ("sandbox = ''", "sandbox: '' is not 0 or 1"),
        ("sandbox = 2", "sandbox: 2 is not 0 or 1"),
    ],
)
def test_a_number_stored_as_text_is_named(filed: Filed, assignment: str, named: str) -> None:
    """SQLite keeps text in an INTEGER column, and its SQL reads it otherwise than opsgate
    does: printf reads '2 approvals' as 2, and '' is not 0 (so, true) where Python reads it
    as false. opsgate writes its flags as 0 or 1 only: any other number was written by
    someone else."""
    assert named in problem_named(filed, assignment)


def test_reading_the_log_stops_at_an_event_it_cannot_read_and_names_it(
    store: Store, target: str | Path
) -> None:
    fill(store, requests=4)
    set_event(target, 5, "detail", "'{\"reason\":'")

    read: list[int] = []
    with pytest.raises(UnreadableEventError) as caught:
        read.extend(event.seq for event in store.events())
    assert read == [1, 2, 3, 4]
    assert caught.value.seq == 5
    assert str(caught.value).startswith("event 5 cannot be read (Expecting value")


def test_reading_the_log_names_an_event_whose_text_is_not_utf8(filed: Filed) -> None:
    store, path = filed()
    set_event(path, 3, "operation", "CAST(x'ff' AS TEXT)")

    read: list[int] = []
    with pytest.raises(UnreadableEventError, match=r"event 3 .*its operation is not UTF-8 text"):
        read.extend(event.seq for event in store.events())
    assert read == [1, 2]


# -- values stored as BLOBs ----------------------------------------------------------------------


@pytest.mark.parametrize("column", ["reason", "channel"])
def test_a_request_value_changed_into_a_blob_is_named(filed: Filed, column: str) -> None:
    """SQLite's json_quote refuses a BLOB: the cross-check must not fail on one."""
    problem = problem_named(filed, f"{column} = CAST('U0EVIL' AS BLOB)")
    assert problem.startswith(f"{column}: the stored request has 'U0EVIL'")


def test_an_event_detail_stored_as_a_blob_of_its_own_bytes_was_rewritten(filed: Filed) -> None:
    """The documented algorithm reads the same text from it, but opsgate stores text: newer
    SQLite reads a BLOB as binary JSON, so SQL would read it otherwise. Said as a rewrite,
    without the tables' query failing on it."""
    store, path = filed(key=KEY)
    set_event(path, 3, "detail", "CAST(detail AS BLOB)")

    result = store.verify()
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert (
        result.problem == "event 3 was rewritten after it was written (its JSON is not as hashed)"
    )


def test_an_approver_stored_as_a_blob_of_its_own_bytes_is_still_listed(filed: Filed) -> None:
    store, path = filed()
    tamper(path, "UPDATE approvals SET approver = CAST(approver AS BLOB)")

    assert len(store.history(limit=10)) == 4
