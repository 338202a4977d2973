"""The audit log: the exact hash chain, tamper detection, export formats and ``--since``."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from tampering import tamper

from adapters.clock import FakeClock
from bot.model import AuditEvent, AuditEventName, RequestState
from bot.policy import OperationPolicy
from bot.store import Store, StoreError
from bot.store.chain import GENESIS_HASH, ChainHead, VerifyResult, chain_hash, verify_chain
from bot.store.export import FIELDS, parse_since, write_events
from commands.model import OperationRequest

NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
EVENTS = 6  # what `populated` writes


def request(reason: str = "INC-42 ünïcode ✓") -> OperationRequest:
    return OperationRequest(
        operation="aliyun.ota-task.cancel",
        vendor="aliyun",
        targets=("dev-1", "dev-2"),
        params={"product": "pk", "firmware": "fw"},
        reason=reason,
    )


def populate(store: Store) -> None:
    """Write the `EVENTS` events: requested, approved, executing, succeeded, requested, denied."""
    record = store.create_request(
        request(),
        requester="U1",
        channel="C1",
        policy=OperationPolicy(approvals=1, ttl=timedelta(minutes=5)),
        sandbox=True,
    )
    store.approve(record.id, approver="U2")
    store.transition(
        record.id,
        to=RequestState.SUCCEEDED,
        event=AuditEventName.SUCCEEDED,
        actor="system",
        detail={"vendor_request_id": "abc-1"},
    )
    store.create_request(
        request("second"),
        requester="U3",
        channel="C1",
        policy=OperationPolicy(approvals=1, ttl=timedelta(minutes=5)),
        sandbox=False,
    )
    store.record_denied(request(), requester="U4", channel="C2", reason="not a requester")


@pytest.fixture
def db_path(target: str | Path) -> Iterator[str | Path]:
    path = target
    store = Store.open(path, clock=FakeClock())
    populate(store)
    store.close()
    yield path


def verify(path: Path) -> tuple[bool, int | None, str]:
    store = Store.open(path)
    result = store.verify()
    store.close()
    return result.ok, result.first_bad_seq, result.problem


# -- the chain ------------------------------------------------------------------------------


def test_each_hash_is_sha256_of_prev_hash_and_canonical_json(db_path: Path) -> None:
    store = Store.open(db_path)
    events = list(store.events())
    store.close()

    prev = "0" * 64
    for event in events:
        body = event.model_dump(mode="json", exclude={"hash"})
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert event.prev_hash == prev
        assert event.hash == hashlib.sha256((prev + text).encode("utf-8")).hexdigest()
        prev = event.hash
    assert [e.seq for e in events] == list(range(1, EVENTS + 1))
    assert GENESIS_HASH == "0" * 64


def test_an_intact_log_verifies(db_path: Path) -> None:
    assert verify(db_path) == (True, None, "")


def test_an_empty_log_verifies() -> None:
    result = Store.memory().verify()

    assert (result.ok, result.checked) == (True, 0)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("at", "'2026-01-01T00:00:00.000001Z'"),
        ("request_id", "'R-XXXXXXXX'"),
        ("event", "'rejected'"),
        ("actor", "'U666'"),
        ("operation", "'huawei.device.delete'"),
        ("targets", """'["dev-1"]'"""),
        ("detail", """'{"approvals":9,"needed":1}'"""),
        ("detail", "'not json'"),
        ("prev_hash", "'" + "1" * 64 + "'"),
        ("hash", "'" + "2" * 64 + "'"),
    ],
)
def test_an_edited_event_is_named(db_path: Path, column: str, value: str) -> None:
    tamper(db_path, f"UPDATE events SET {column} = {value} WHERE seq = 2")  # noqa: S608

    ok, first_bad, problem = verify(db_path)

    assert (ok, first_bad) == (False, 2)
    assert "2" in problem


def test_a_deleted_middle_event_is_named(db_path: Path) -> None:
    tamper(db_path, "DELETE FROM events WHERE seq = 3")

    assert verify(db_path) == (False, 3, "event 3 is missing (the next stored event is 4)")


def test_a_deleted_last_event_is_named(db_path: Path) -> None:
    tamper(db_path, f"DELETE FROM events WHERE seq = {EVENTS}")  # noqa: S608

    ok, first_bad, problem = verify(db_path)

    assert (ok, first_bad) == (False, EVENTS)
    assert "missing" in problem


def test_reordered_events_are_named(db_path: Path) -> None:
    tamper(
        db_path,
        "UPDATE events SET seq = -1 WHERE seq = 2",
        "UPDATE events SET seq = 2 WHERE seq = 3",
        "UPDATE events SET seq = 3 WHERE seq = -1",
    )

    ok, first_bad, problem = verify(db_path)

    assert (ok, first_bad) == (False, 2)
    assert "reordered" in problem


def test_a_rewritten_head_is_caught(db_path: Path) -> None:
    tamper(db_path, "UPDATE chain_head SET hash = '" + "3" * 64 + "'")

    assert verify(db_path)[:2] == (False, EVENTS)


def test_a_head_moved_back_is_caught(db_path: Path) -> None:
    tamper(db_path, "UPDATE chain_head SET seq = 4")

    ok, first_bad, problem = verify(db_path)

    assert (ok, first_bad) == (False, 5)
    assert "outside opsgate" in problem


def test_a_deleted_head_is_caught_and_blocks_appends(db_path: Path) -> None:
    tamper(db_path, "DELETE FROM chain_head")

    assert verify(db_path) == (False, EVENTS, "the chain head record is missing")
    store = Store.open(db_path)
    with pytest.raises(StoreError, match="chain head is missing"):
        store.record_denied(request(), requester="U1", channel="C1", reason="no")
    store.close()


def test_verify_chain_over_plain_rows() -> None:
    body = {
        "seq": 1,
        "at": "2026-01-01T00:00:00.000000Z",
        "request_id": "R-1",
        "event": "denied",
        "actor": "U1",
        "operation": "x.y.z",
        "targets": ["t"],
        "detail": {},
        "prev_hash": GENESIS_HASH,
    }
    digest = chain_hash(GENESIS_HASH, body)
    row = {**body, "targets": '["t"]', "detail": "{}", "hash": digest}

    assert verify_chain([row], head=ChainHead(1, digest)).ok
    assert verify_chain([], head=ChainHead(0, GENESIS_HASH)).ok
    assert verify_chain([row], head=None).first_bad_seq == 1
    assert verify_chain([], head=ChainHead(1, digest)).first_bad_seq == 1


# -- export ---------------------------------------------------------------------------------


@pytest.fixture
def events(db_path: Path) -> list[AuditEvent]:
    store = Store.open(db_path)
    found = list(store.events())
    store.close()
    return found


def test_jsonl_round_trips_every_field(events: list[AuditEvent]) -> None:
    out = io.StringIO()

    count = write_events(events, out, fmt="jsonl")

    lines = out.getvalue().splitlines()
    assert count == len(lines) == EVENTS
    assert list(json.loads(lines[0])) == list(FIELDS)
    assert [AuditEvent.model_validate(json.loads(line)) for line in lines] == events
    assert "ünïcode ✓" in out.getvalue()


def test_csv_round_trips_every_field_and_rehashes(events: list[AuditEvent]) -> None:
    out = io.StringIO()

    count = write_events(events, out, fmt="csv")

    lines = out.getvalue().splitlines()
    assert count == EVENTS and len(lines) == EVENTS + 1  # a header, then one line per event
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == list(FIELDS)
    parsed = [
        AuditEvent.model_validate(
            {
                **row,
                "seq": int(row["seq"]),
                "targets": json.loads(row["targets"]),
                "detail": json.loads(row["detail"]),
            }
        )
        for row in rows
    ]
    assert parsed == events
    assert [
        chain_hash(
            row["prev_hash"],
            {
                **row,
                "seq": int(row["seq"]),
                "targets": json.loads(row["targets"]),
                "detail": json.loads(row["detail"]),
            },
        )
        for row in rows
    ] == [e.hash for e in events]


#: Characters that JSON leaves as they are but that `str.splitlines` (and other readers that
#: follow Unicode) take for line breaks.
UNICODE_BREAKS = "\u2028\u2029\x85"


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_is_one_line_per_event_whatever_the_reason_holds(fmt: str) -> None:
    store = Store.memory(clock=FakeClock())
    reason = f"line{UNICODE_BREAKS[0]}para{UNICODE_BREAKS[1]}next{UNICODE_BREAKS[2]}end"
    store.create_request(
        request(reason), requester="U1", channel="C1", policy=OperationPolicy(), sandbox=True
    )
    events = list(store.events())
    out = io.StringIO()

    write_events(events, out, fmt=fmt)  # type: ignore[arg-type]

    text = out.getvalue()
    assert not set(UNICODE_BREAKS) & set(text)
    lines = text.splitlines()
    assert len(lines) == len(events) + (fmt == "csv")  # CSV has its header row
    cell = json.loads(lines[-1]) if fmt == "jsonl" else next(csv.DictReader(lines))
    detail = cell["detail"] if fmt == "jsonl" else json.loads(cell["detail"])
    assert detail["reason"] == reason  # the same text, written as JSON escapes


def test_export_of_nothing_and_of_an_unknown_format() -> None:
    out = io.StringIO()

    assert write_events([], out, fmt="jsonl") == 0
    assert out.getvalue() == ""
    with pytest.raises(ValueError, match="unknown export format"):
        write_events([], out, fmt="xml")  # type: ignore[arg-type]


# -- --since --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", NOW - timedelta(minutes=30)),
        ("24h", NOW - timedelta(hours=24)),
        (" 7D ", NOW - timedelta(days=7)),
        ("2w", NOW - timedelta(weeks=2)),
        # Written as the policy writes durations: seconds, and sums largest unit first.
        ("90s", NOW - timedelta(seconds=90)),
        ("1h30m", NOW - timedelta(hours=1, minutes=30)),
        ("1w2d", NOW - timedelta(days=9)),
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01T08:30:00Z", datetime(2026, 11, 1, 8, 30, tzinfo=UTC)),
        ("2026-11-01T08:30:00", datetime(2026, 11, 1, 8, 30, tzinfo=UTC)),
        ("2026-11-01T10:30:00+02:00", datetime(2026, 11, 1, 8, 30, tzinfo=UTC)),
        # A space for the T, as people and SQLite write it; UTC unless an offset is given.
        ("2026-11-27 17:47:50", datetime(2026, 11, 27, 17, 47, 50, tzinfo=UTC)),
        (" 2026-11-27  17:47:50Z ", datetime(2026, 11, 27, 17, 47, 50, tzinfo=UTC)),
        ("2026-11-27 19:47:50+02:00", datetime(2026, 11, 27, 17, 47, 50, tzinfo=UTC)),
        ("2026-11-27 19:47:50 +02:00", datetime(2026, 11, 27, 17, 47, 50, tzinfo=UTC)),
    ],
)
def test_parse_since_reads_ages_and_iso_times(text: str, expected: datetime) -> None:
    parsed = parse_since(text, now=NOW)

    assert parsed == expected
    assert parsed.tzinfo is UTC


def test_parse_since_counts_back_from_an_aware_now_in_any_zone() -> None:
    tokyo = NOW.astimezone(timezone(timedelta(hours=9)))

    assert parse_since("1h", now=tokyo) == NOW - timedelta(hours=1)


@pytest.mark.parametrize(
    "text", ["", " ", "yesterday", "24", "h", "-1d", "1.5h", "24 hours", "30m1h"]
)
def test_parse_since_refuses_anything_else_clearly(text: str) -> None:
    with pytest.raises(ValueError, match="cannot read --since"):
        parse_since(text, now=NOW)


def test_parse_since_says_an_age_has_no_sign() -> None:
    with pytest.raises(ValueError) as refused:
        parse_since("-5m", now=NOW)
    assert (
        str(refused.value)
        == "cannot read --since '-5m': an age is how long ago, without a sign: 5m"
    )


def test_parse_since_refuses_ages_beyond_the_calendar() -> None:
    with pytest.raises(ValueError, match="too far"):
        parse_since("99999999999d", now=NOW)


def test_since_selects_events_from_the_store() -> None:
    clock = FakeClock()
    store = Store.memory(clock=clock)
    populate(store)
    clock.advance(timedelta(hours=2).total_seconds())
    store.record_denied(request(), requester="U5", channel="C1", reason="late")
    now = datetime.fromtimestamp(clock.now(), UTC)

    recent = list(store.events(since=parse_since("1h", now=now)))

    assert [(e.seq, e.actor) for e in recent] == [(EVENTS + 1, "U5")]


@pytest.mark.parametrize(
    ("checked", "said"),
    [
        (1, "audit log intact: 1 event verified"),
        (1_000_000, "audit log intact: 1,000,000 events verified"),
    ],
)
def test_an_intact_log_is_counted_in_words(checked: int, said: str) -> None:
    assert VerifyResult(ok=True, checked=checked).describe() == said
