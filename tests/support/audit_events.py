"""Audit events made by hand, for the renderers of timelines and lists."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.model import AuditEvent, AuditEventName


def audit_event(
    seq: int,
    name: AuditEventName,
    actor: str,
    *,
    request_id: str,
    operation: str,
    target: str,
    start: datetime,
    **detail: Any,
) -> AuditEvent:
    """Event `seq` of one request on one target, `seq` minutes after `start` (its hashes are
    placeholders: nothing here checks the chain)."""
    return AuditEvent(
        seq=seq,
        at=(start + timedelta(minutes=seq)).isoformat(),
        request_id=request_id,
        event=name,
        actor=actor,
        operation=operation,
        targets=(target,),
        detail=detail,
        prev_hash="0" * 64,
        hash=f"{seq:064d}",
    )
