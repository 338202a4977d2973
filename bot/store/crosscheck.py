"""`verify`'s cross-check of the tables against the events, at the scale of a long log.

While the chain is read (`bot.store.scan`), `FirstEvents` reduces each request's first event to
a digest and sums up the rest (`bot.store.integrity.EventSummary`). One pass over ``requests``
and one over ``approvals`` then compare each row with its events on the stored text itself:
`expected_digest` is the digest the row's ``requested`` event must have. Only a request that
differs anywhere is loaded and compared field by field (`bot.store.integrity`), which names what
differs, so an intact log of a million events costs table scans, not a query and a model per
request. (``denied`` requests, and logs written before every key was recorded, take the precise
path: their first events have another shape. They are correct either way, only slower.)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any, Final

from bot.store.chain import json_string
from bot.store.engine import Db
from bot.store.integrity import STATE_EVENTS, EventSummary

_SEP: Final = "\x00"
#: Later events that set their request's state (`EventSummary.add` says the same, slower).
_STATES: Final = {state.value: state for state in STATE_EVENTS}
_REFERENCE: Final = '"requested_seq":'
_ROW_COLUMNS: Final = (
    "id, operation, vendor, targets, params, reason, requester, channel, state, "
    "approvals_needed, expires_at, preview, sandbox, policy"
)
# Positions in a row of `_ROW_COLUMNS`: rows are read as tuples, a dict per row costing more
# than the comparison itself over a quarter of a million requests.
(_ID, _OPERATION, _VENDOR, _TARGETS, _PARAMS, _REASON, _REQUESTER, _CHANNEL, _STATE) = range(9)
(_APPROVALS_NEEDED, _EXPIRES_AT, _PREVIEW, _SANDBOX, _POLICY) = range(9, 14)


def _digest(*parts: str) -> bytes:
    return hashlib.blake2b(_SEP.join(parts).encode("utf-8"), digest_size=16).digest()


class FirstEvents:
    """What the chain says of each request, gathered while the chain is read in seq order:
    an `EventSummary`, and a digest of its first event."""

    def __init__(self) -> None:
        self.summaries: dict[str, EventSummary] = {}
        self.digests: dict[str, bytes] = {}
        self._needles: dict[str, tuple[str, str]] = {}

    def note(self, row: Sequence[Any]) -> None:
        """Take in one stored event, as a tuple in `bot.store.chain.EVENT_FIELDS` order."""
        seq, _, request_id, event, actor, operation, targets, detail = row[:8]
        summary = self.summaries.get(request_id)
        if summary is None:
            self.summaries[request_id] = summary = EventSummary(first_seq=seq)
            self.digests[request_id] = _event_digest(event, operation, actor, targets, detail)
            reference = f"{_REFERENCE}{seq}"
            self._needles[request_id] = (reference + ",", reference + "}")
            summary.add(seq, str(event), str(actor), {})
            return
        comma, brace = self._needles[request_id]
        # A later event refers to its request's first one; parsing is for the doubtful cases.
        referred = isinstance(detail, str) and (comma in detail or brace in detail)
        if referred and event == "approved":
            summary.approvers.append(actor)  # what `EventSummary.add` does, minus the checks
        elif referred and event in _STATES:
            summary.state = _STATES[event]
        else:  # anything else is read whole, as `EventSummary.add` reads it
            summary.add(seq, str(event), str(actor), _parsed(detail))


def _event_digest(event: Any, operation: Any, actor: Any, targets: Any, detail: Any) -> bytes:
    if event != "requested":
        return b""  # never equal to a request's: the precise path compares it
    return _digest(str(operation), str(actor), str(targets), str(detail))


def _parsed(detail: Any) -> dict[str, Any]:
    """A stored detail as a dict; {} when unreadable (the chain check reports that event)."""
    try:
        parsed = json.loads(detail)
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def expected_digest(row: Sequence[Any]) -> bytes:
    """The digest of the ``requested`` event a request row (of `_ROW_COLUMNS`) implies: the
    keys of `bot.store.details.requested_detail`, as canonical JSON assembled from the row's
    own stored text."""
    reason = row[_REASON]
    detail = (
        f'{{"approvals_needed":{int(row[_APPROVALS_NEEDED])},'
        f'"channel":{json_string(row[_CHANNEL])},"expires_at":{json_string(row[_EXPIRES_AT])},'
        f'"params":{row[_PARAMS]},"policy":{row[_POLICY] or "null"},'
        f'"preview":{row[_PREVIEW] or "null"},'
        f'"reason":{"null" if reason is None else json_string(reason)},'
        f'"sandbox":{"true" if row[_SANDBOX] else "false"}}}'
    )
    return _digest(str(row[_OPERATION]), str(row[_REQUESTER]), str(row[_TARGETS]), detail)


def suspects(db: Db, first: FirstEvents) -> tuple[set[str], list[str]]:
    """Requests whose rows may disagree with their events, and request ids without events.

    Both come from one pass over each table; an intact log yields two empty results.
    """
    approvers = _approvers(db)
    suspicious: set[str] = set(first.summaries)
    orphans: list[str] = []
    for row in db.rows(f"SELECT {_ROW_COLUMNS} FROM requests ORDER BY rowid"):  # noqa: S608
        request_id = str(row[_ID])
        summary = first.summaries.get(request_id)
        if summary is None:
            orphans.append(request_id)
        elif _agrees(row, summary, first.digests[request_id], approvers.get(request_id, [])):
            suspicious.discard(request_id)
    return suspicious, orphans


def _approvers(db: Db) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for request_id, approver in db.rows(
        "SELECT request_id, approver FROM approvals ORDER BY rowid"
    ):
        found.setdefault(request_id, []).append(approver)
    return found


def _agrees(row: Sequence[Any], summary: EventSummary, digest: bytes, approvers: list[str]) -> bool:
    try:
        same_request = digest == expected_digest(row)
    except (TypeError, ValueError):
        return False
    actors = summary.approvers
    needed = max(int(row[_APPROVALS_NEEDED]), 1)
    return (
        same_request
        and str(row[_VENDOR]) == str(row[_OPERATION]).split(".", 1)[0]
        and sorted(approvers) == sorted(actors)
        and len(set(actors)) == len(actors)
        and not (summary.needs_approvals and len(actors) < needed)
        and summary.bad_reference is None
        and summary.state is not None
        and summary.state.value == row[_STATE]
    )
