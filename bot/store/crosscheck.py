"""`verify`'s cross-check of the tables against the events, at the scale of a long log.

One query, run by the database itself, sums up each request's events (its first event, how many
refer back to it, who approved, whether it went ahead, the last event that set a state) and
compares that with the request's row and approvals on the stored text: the ``requested``
event's detail must be exactly the text the row implies (`bot.store.details.requested_detail`,
as canonical JSON). It returns only the requests that may disagree (`suspects`), in log order;
each of those is then compared field by field (`bot.store.integrity`, through `summary_of`),
which names what differs. So an intact log of a million events costs the database one pass,
not a Python object per event.

The query is sound in one direction only, and that is the one that matters: a request it lets
pass is one the field-by-field comparison would pass too. Anything unusual makes a suspect
rather than a verdict: a ``denied`` first event, a refused click, a break-glass or reviewed
request, a request someone asked to stop, three or more approvers, a reference that is not a
plain integer, text that needed escaping. Those are slower to check, never wrong.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from bot.store.detail_sql import detail_matches
from bot.store.engine import Db
from bot.store.integrity import STATE_EVENTS, EventSummary

#: Per dialect: a later event's reference, and whether the references all name the first event.
#: A ``requested`` detail is not parsed for one: a request passes only with one, its first, the
#: detail its row implies, which holds no reference (a tenth of the query's time, so parsed).
#: And the row's values that the detail's SQL reads as stored: SQLite keeps any type in any
#: column, and its printf stops at a NUL character, so text hidden behind one would match.
#: (PostgreSQL's columns keep their types, and its text holds no NUL.)
_SQLITE: Final = {
    # Only on text: newer SQLite reads a BLOB as its binary JSON, and fails on other bytes.
    "ref": (
        "CASE WHEN e.event <> 'requested' AND typeof(e.detail) = 'text' "
        "THEN json_extract(e.detail, '$.requested_seq') END"
    ),
    "ref_ok": (
        "typeof(m.ref_low) = 'integer' AND typeof(m.ref_high) = 'integer' "
        "AND m.ref_low = m.first_seq AND m.ref_high = m.first_seq"
    ),
    "as_stored": (
        "typeof(r.approvals_needed) = 'integer' AND r.sandbox IN (0, 1) "
        "AND typeof(r.sandbox) = 'integer' AND instr(r.params || coalesce(r.policy, '') "
        "|| coalesce(r.preview, '') || r.created_at || r.expires_at "
        "|| coalesce(r.review_due_at, ''), char(0)) = 0"
    ),
}
_POSTGRES: Final = {
    # A detail holding an escaped NUL (``\u0000``: a vendor's answer may) is text PostgreSQL's
    # JSON functions refuse to read: no ref then, so its request is a suspect, read in Python.
    # A `requested` detail holds no ref (as on SQLite): it is not parsed for one.
    "ref": (
        "CASE WHEN e.event <> 'requested' AND strpos(e.detail, '\\u0000') = 0 "
        "THEN (e.detail::json -> 'requested_seq')::text END"
    ),
    "ref_ok": ("m.ref_low = CAST(m.first_seq AS TEXT) AND m.ref_high = CAST(m.first_seq AS TEXT)"),
    "as_stored": "r.sandbox IN (0, 1)",
}
_STATE_NAMES: Final = ", ".join(sorted(f"'{state.value}'" for state in STATE_EVENTS))
_SUSPECTS: Final = """
WITH summaries AS (
  SELECT e.request_id AS request_id, min(e.seq) AS first_seq, count(*) AS events,
    count(e.ref) AS refs, min(e.ref) AS ref_low, max(e.ref) AS ref_high,
    sum(CASE WHEN e.event = 'approved' THEN 1 ELSE 0 END) AS approved,
    sum(CASE WHEN e.event = 'executing' THEN 1 ELSE 0 END) AS executed,
    min(CASE WHEN e.event = 'approved' THEN e.actor END) AS approver_low,
    max(CASE WHEN e.event = 'approved' THEN e.actor END) AS approver_high,
    sum(CASE WHEN e.event = 'approved' AND a.approver IS NULL THEN 1 ELSE 0 END) AS unmatched,
    sum(CASE WHEN e.event IN ('requested', 'denied', 'reviewed', 'break_glass')
        THEN 1 ELSE 0 END) AS special,
    max(CASE WHEN e.event IN ({states}) THEN e.seq END) AS state_seq,
    sum(CASE WHEN e.event IN ({states}) THEN 1 ELSE 0 END) AS moves
  FROM (SELECT e.request_id, e.seq, e.event, e.actor, {ref} AS ref FROM events e{part}) e
  LEFT JOIN approvals a
    ON e.event = 'approved' AND a.request_id = e.request_id AND a.approver = e.actor
  GROUP BY e.request_id
)
SELECT m.request_id, m.first_seq FROM summaries m
  LEFT JOIN requests r ON r.id = m.request_id
  LEFT JOIN events f ON f.seq = m.first_seq
  LEFT JOIN events s ON s.seq = m.state_seq
WHERE NOT coalesce((
  r.id IS NOT NULL
  AND f.event = 'requested' AND f.operation = r.operation AND f.actor = r.requester
  AND f.targets = r.targets AND {as_stored} AND {detail}
  AND substr(r.operation, 1, length(r.vendor) + 1) = r.vendor || '.'
  AND r.vendor NOT LIKE '%.%'
  AND r.reviewed_by IS NULL AND r.stop_requested_by IS NULL AND r.stop_requested_at IS NULL
  AND m.special = 1
  AND m.refs = m.events - 1 AND (m.events = 1 OR ({ref_ok}))
  AND m.unmatched = 0
  AND m.approved = (SELECT count(*) FROM approvals c WHERE c.request_id = m.request_id)
  AND (m.approved <= 1 OR (m.approved = 2 AND m.approver_low < m.approver_high))
  AND coalesce(s.event, 'pending') = r.state
  AND {moves_ok}
  AND (m.executed = 0 OR (m.approved >= r.approvals_needed AND m.approved >= 1))
), FALSE)
ORDER BY m.first_seq
"""
_ORPHANS: Final = (
    "SELECT id FROM requests r WHERE NOT EXISTS "
    "(SELECT 1 FROM events e WHERE e.request_id = r.id) ORDER BY rowid"
)

_HEX: Final = "CASE WHEN typeof({0}) = 'text' THEN hex(CAST({0} AS BLOB)) END"

#: Approvals of a request with no row (an id no request has, in any case but its own).
_ORPHAN_APPROVALS: Final = (
    "SELECT a.request_id, a.approver FROM approvals a WHERE NOT EXISTS "
    "(SELECT 1 FROM requests r WHERE r.id = a.request_id) ORDER BY a.rowid"
)


#: `_ORPHANS` and `_ORPHAN_APPROVALS` as a worker asks them, in the transaction of its part of
#: the query (`bot.store.beside`), each value as the hex of its bytes when it is text, else NULL
#: (this process then asks them itself, reading such a value as it reads any other).
IN_WORKER: Final = {
    "orphans": _ORPHANS.replace("SELECT id ", f"SELECT {_HEX.format('id')} ", 1),
    "orphan_approvals": _ORPHAN_APPROVALS.replace(
        "SELECT a.request_id, a.approver ",
        f"SELECT {_HEX.format('a.request_id')}, {_HEX.format('a.approver')} ",
        1,
    ),
}


#: The requests a part of the query sums up, by id, on either side of its ``:split`` parameter
#: (an id): together they are every request whose id is text, as an intact chain's ids are.
PARTS: Final = {
    None: "",
    "below": " WHERE e.request_id < :split",
    "from": " WHERE e.request_id >= :split",
}


#: The state events a request may have, as `bot.model.TRANSITIONS` allows them, in SQL: none
#: (pending); one, unless it is an end only a call reaches (from pending: executing, rejected,
#: withdrawn, expired or failed); or two, ``executing`` and then its end. Any other history,
#: and any with an ``unknown`` event, makes a suspect, checked move by move.
_MOVES_OK: Final = (
    "(m.moves = 0 OR (m.moves = 1 AND s.event NOT IN ('succeeded', 'stopped', 'unknown')) "
    "OR (m.moves = 2 AND m.executed = 1 AND s.event IN ('succeeded', 'failed', 'stopped')))"
)


#: The ``requests`` columns the query reads that later migrations added: a log from before
#: them (read as it is, never migrated) has none of them, as if each were NULL.
_ADDED_LATER: Final = (
    *("policy", "break_glass", "review_due_at", "reviewed_by"),
    *("stop_requested_by", "stop_requested_at"),
)


def suspects_sql(
    dialect: str, part: str | None = None, missing: frozenset[str] = frozenset()
) -> str:
    """The cross-check query for ``"sqlite"`` or ``"postgresql"``: over every request, or over
    one `part` of them (`PARTS`), which its index reads as a range; `missing` names columns of
    `_ADDED_LATER` the database lacks, read as NULL."""
    parts = _POSTGRES if dialect == "postgresql" else _SQLITE
    sql = _SUSPECTS.format(
        states=_STATE_NAMES,
        detail=detail_matches(dialect),
        part=PARTS[part],
        moves_ok=_MOVES_OK,
        **parts,
    )
    for column in sorted(missing & frozenset(_ADDED_LATER)):
        sql = re.sub(rf"\br\.{column}\b", "CAST(NULL AS TEXT)", sql)
    return sql


def missing_columns(db: Db, dialect: str) -> frozenset[str]:
    """Which of `_ADDED_LATER` the ``requests`` table lacks."""
    if dialect == "postgresql":
        sql = (
            "SELECT column_name AS name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'requests'"
        )
    else:
        sql = "SELECT name FROM pragma_table_info('requests')"
    present = {str(row["name"]) for row in db.query(sql)}
    return frozenset(_ADDED_LATER) - present


def suspects(db: Db, dialect: str) -> list[str]:
    """The requests whose rows may disagree with their events, in log order (of their first
    events), including any request with events but no row; an intact log yields none."""
    missing = missing_columns(db, dialect)
    if dialect == "postgresql":
        # Compiling the query's expressions took PostgreSQL about 3 s of a 15 s run over a
        # million events, and its sort spilled to disk at the default work_mem.
        db.execute_all(("SET LOCAL jit = off", None), ("SET LOCAL work_mem = '64MB'", None))
    return [str(row[0]) for row in db.rows(suspects_sql(dialect, missing=missing))]


def orphans(db: Db) -> list[str]:
    """Requests with a row but no events, in the order they were stored."""
    return [str(row[0]) for row in db.rows(_ORPHANS)]


def orphan_approvals(db: Db) -> list[tuple[str, str]]:
    """Approvals rows (request id, approver) whose request has no row, in the order they were
    stored: opsgate stores an approval only of a request it has."""
    return [(str(row[0]), str(row[1])) for row in db.rows(_ORPHAN_APPROVALS)]


def summary_of(db: Db, request_id: str) -> EventSummary | None:
    """What one request's events say, read in seq order; None when it has none."""
    rows = list(
        db.rows(
            "SELECT seq, event, actor, detail FROM events WHERE request_id = ? ORDER BY seq",
            [request_id],
        )
    )
    if not rows:
        return None
    (first, name, actor, _), later = rows[0], rows[1:]
    summary = EventSummary(first_seq=int(first))
    summary.add(int(first), str(name), str(actor), {})
    for seq, name, actor, detail in later:
        summary.add(int(seq), str(name), str(actor), _parsed(detail))
    return summary


def _parsed(detail: Any) -> dict[str, Any]:
    """A stored detail as a dict; {} when unreadable (the chain check reports that event)."""
    try:
        parsed = json.loads(detail)
    except (TypeError, ValueError, RecursionError):
        return {}
    return parsed if isinstance(parsed, dict) else {}
