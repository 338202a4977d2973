"""The audit log's hash chain (SPEC §4): the exact bytes hashed, and how a chain is checked.

Pure functions over plain values; `bot.store` persists the events and calls these.

Each event's ``hash`` is::

    hash = sha256( (prev_hash + canonical_json(body)).encode("utf-8") ).hexdigest()

where ``body`` is the JSON object of exactly these nine keys (``hash`` itself is not in it)::

    seq         integer, 1, 2, 3, ... with no gaps
    at          "2026-11-22T01:02:03.123456Z" (UTC, always six fractional digits)
    request_id  "R-7K3F9QW2"
    event       "requested" | "denied" | "approved" | ... (`AuditEventName`)
    actor       Slack user id, or "system"
    operation   "acme.widget.delete"
    targets     JSON array of strings
    detail      JSON object
    prev_hash   the previous event's hash; 64 "0"s (`GENESIS_HASH`) for seq 1

and ``canonical_json(obj) = json.dumps(obj, sort_keys=True, separators=(",", ":"),
ensure_ascii=False, allow_nan=False)``. The digest is lower-case hex. So for example the first
event hashes the UTF-8 bytes of ``"000…000" + '{"actor":"U1","at":"…","detail":{…},…}'``.

A one-row *head* (the last seq and its hash) is written in the same transaction as every event.
Without it, deleting the newest events would leave a chain that is still internally consistent.

The chain makes tampering *evident*, not impossible: someone who can write the database file can
recompute every hash. Keep copies of `audit export` (or just the head hash) elsewhere to anchor it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

GENESIS_HASH: Final = "0" * 64

#: The keys of the hashed body, in the order `audit export` writes them (the hash sorts them).
BODY_FIELDS: Final = (
    "seq",
    "at",
    "request_id",
    "event",
    "actor",
    "operation",
    "targets",
    "detail",
    "prev_hash",
)

#: Every stored column of an event: the hashed body, then its hash.
EVENT_FIELDS: Final = (*BODY_FIELDS, "hash")


def canonical_json(obj: Any) -> str:
    """Serialise `obj` the one way the chain hashes it: sorted keys, no spaces, real UTF-8.

    Raises:
        TypeError: `obj` holds something JSON cannot represent.
        ValueError: `obj` holds NaN or an infinity.
    """
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def chain_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    """The hash of one event: SHA-256 over `prev_hash` and the canonical JSON of its body.

    Args:
        prev_hash: The previous event's hash (`GENESIS_HASH` for the first event).
        body: The event's `BODY_FIELDS`; any other key (such as ``hash``) is ignored.
    """
    hashed = {key: body[key] for key in BODY_FIELDS}
    return hashlib.sha256((prev_hash + canonical_json(hashed)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    """The verdict of a chain check.

    Attributes:
        ok: True when every event and the head are intact.
        checked: How many events were read (up to and including the first bad one).
        first_bad_seq: The seq of the first event that is changed, missing or out of place.
        problem: What is wrong with it, in one sentence; empty when `ok`.
    """

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


@dataclass(frozen=True)
class ChainHead:
    """The last seq and hash, as recorded beside the events."""

    seq: int
    hash: str


def verify_chain(rows: Iterable[Mapping[str, Any]], *, head: ChainHead | None) -> VerifyResult:
    """Check a chain of stored events, in seq order, against its head.

    Args:
        rows: Events as stored: the `BODY_FIELDS` plus ``hash``, with ``targets`` and ``detail``
            as JSON text. Ordered by ``seq``.
        head: The recorded head, or None when the head row itself is gone.

    Returns:
        The verdict, naming the first bad seq.
    """
    prev = ChainHead(seq=0, hash=GENESIS_HASH)
    checked = 0
    for row in rows:
        checked += 1
        problem = _row_problem(row, prev)
        if problem is not None:
            bad_seq, text = problem
            return VerifyResult(ok=False, checked=checked, first_bad_seq=bad_seq, problem=text)
        prev = ChainHead(seq=int(row["seq"]), hash=str(row["hash"]))
    return _check_head(prev, head, checked)


def _row_problem(row: Mapping[str, Any], prev: ChainHead) -> tuple[int, str] | None:
    """What is wrong with one stored event, given the event before it; None when nothing."""
    seq = int(row["seq"])
    if seq != prev.seq + 1:
        return prev.seq + 1, f"event {prev.seq + 1} is missing (the next stored event is {seq})"
    if row["prev_hash"] != prev.hash:
        return seq, f"event {seq} does not follow event {prev.seq} (deleted or reordered)"
    try:
        body = {**row, "targets": json.loads(row["targets"]), "detail": json.loads(row["detail"])}
        expected = chain_hash(prev.hash, body)
    except (TypeError, ValueError) as exc:
        return seq, f"event {seq} cannot be read: {exc}"
    if row["hash"] != expected:
        return seq, f"event {seq} was changed after it was written (hash mismatch)"
    return None


def _check_head(last: ChainHead, head: ChainHead | None, checked: int) -> VerifyResult:
    """Compare the last stored event with the recorded head."""
    if head is None:
        return VerifyResult(False, checked, last.seq or None, "the chain head record is missing")
    if head.seq > last.seq:
        text = f"event {last.seq + 1} is missing (the head records {head.seq} events)"
        return VerifyResult(False, checked, last.seq + 1, text)
    if head.seq < last.seq:
        text = f"event {head.seq + 1} was added outside opsgate (the head records {head.seq})"
        return VerifyResult(False, checked, head.seq + 1, text)
    if head.hash != last.hash:
        text = f"the chain head does not match event {last.seq} (head or event changed)"
        return VerifyResult(False, checked, last.seq, text)
    return VerifyResult(ok=True, checked=checked)
