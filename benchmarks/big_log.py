"""Build a large, valid opsgate audit log fast, for the benchmarks: requests that each went
requested → approved → executing → succeeded (four events, one approval), shaped and hashed
exactly as the store writes them (`bot.store.chain`, `bot.store.details`), inserted in bulk
rather than one transaction per event."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.model import PolicySnapshot
from bot.policy import OperationPolicy
from bot.store import Store
from bot.store.chain import GENESIS_HASH, SHA256, canonical_json
from bot.store.queries import INSERT_EVENT, insert_into
from bot.store.rows import format_time

START = datetime(2026, 1, 1, tzinfo=UTC)
VENDORS = ("enos", "huawei", "aliyun", "servicepower")
OPERATIONS = {
    "enos": "enos.ota-job.delete",
    "huawei": "huawei.device.delete",
    "aliyun": "aliyun.ota-task.cancel",
    "servicepower": "servicepower.job.cancel",
}
USERS = 200
#: The policy each request was made under, recorded as the store records it.
POLICY = PolicySnapshot.of(OperationPolicy(approvals=1, ttl=timedelta(minutes=30))).recorded()


def build_log(target: str | Path, *, events: int, batch: int = 20_000) -> list[str]:
    """Fill the empty database `target` with `events` events (a multiple of 4); returns the ids."""
    store = Store.open(target)
    engine = store.engine
    prev, seq, ids = GENESIS_HASH, 0, []
    requests: list[dict[str, Any]] = []
    approvals: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for n in range(events // 4):
        rid = f"R-{n:08d}"
        ids.append(rid)
        request, first_events = _request(n, rid)
        requests.append(request)
        approvals.append({"request_id": rid, "approver": "U0APPROVER", "at": request["created_at"]})
        for body in first_events(seq):
            body["prev_hash"] = prev
            digest = SHA256.digest(prev, body)
            rows.append(
                {
                    **body,
                    "targets": canonical_json(body["targets"]),
                    "detail": canonical_json(body["detail"]),
                    "hash": digest,
                }
            )
            prev, seq = digest, body["seq"]
        if len(rows) >= batch:
            _flush(engine, requests, approvals, rows)
    _flush(engine, requests, approvals, rows)
    with engine.write() as db:
        db.execute(
            "UPDATE chain_head SET seq = ?, hash = ?, moved_to = ? WHERE id = 1", [seq, prev, seq]
        )
        db.execute(
            "INSERT INTO chain_key (id, algorithm, key_fingerprint) VALUES (1, 'sha256', NULL)"
        )
    store.close()
    return ids


def _request(n: int, rid: str) -> tuple[dict[str, Any], Any]:
    vendor = VENDORS[n % len(VENDORS)]
    operation = OPERATIONS[vendor]
    user = f"U0USER{n % USERS:04d}"
    created = START + timedelta(seconds=n)
    at = format_time(created)
    expires = format_time(created + timedelta(minutes=30))
    policy = POLICY
    targets = [f"target-{n}"]
    request = {
        "id": rid,
        "operation": operation,
        "vendor": vendor,
        "targets": canonical_json(targets),
        "params": "{}",
        "reason": "benchmark",
        "requester": user,
        "channel": "C0OPS",
        "state": "succeeded",
        "approvals_needed": 1,
        "created_at": at,
        "expires_at": expires,
        "message_ts": "1.0",
        "preview": None,
        "outcome": '{"ok":true}',
        "sandbox": 1,
        "policy": canonical_json(policy),
    }
    requested = {
        "reason": "benchmark",
        "channel": "C0OPS",
        "params": {},
        "preview": None,
        "sandbox": True,
        "approvals_needed": 1,
        "created_at": at,
        "expires_at": expires,
        "policy": policy,
        "break_glass": None,  # as a request without break-glass records them
        "review_due_at": None,
    }

    def bodies(seq: int) -> list[dict[str, Any]]:
        first = seq + 1
        later = [
            ("approved", "U0APPROVER", {"approvals": 1, "needed": 1}),
            ("executing", "U0APPROVER", {"approvers": ["U0APPROVER"]}),
            ("succeeded", "system", {"summary": "done", "vendor_request_ids": [f"v-{n}"]}),
        ]
        out = [_body(first, at, rid, "requested", user, operation, targets, requested)]
        for k, (name, actor, detail) in enumerate(later, start=1):
            out.append(
                _body(
                    first + k,
                    at,
                    rid,
                    name,
                    actor,
                    operation,
                    [],
                    {**detail, "requested_seq": first},
                )
            )
        return out

    return request, bodies


def _body(
    seq: int,
    at: str,
    rid: str,
    event: str,
    actor: str,
    operation: str,
    targets: list[str],
    detail: dict[str, Any],
) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": at,
        "request_id": rid,
        "event": event,
        "actor": actor,
        "operation": operation,
        "targets": targets,
        "detail": json.loads(json.dumps(detail)),
    }


def _flush(
    engine: Any,
    requests: list[dict[str, Any]],
    approvals: list[dict[str, Any]],
    rows: list[dict[str, Any]],
) -> None:
    if not requests:
        return  # the last batch was full
    with engine.write() as db:
        db.executemany(insert_into("requests", tuple(requests[0])), requests)
        db.executemany(
            "INSERT INTO approvals (request_id, approver, at) VALUES (:request_id, :approver, :at)",
            approvals,
        )
        db.executemany(INSERT_EVENT, rows)
    requests.clear()
    approvals.clear()
    rows.clear()
