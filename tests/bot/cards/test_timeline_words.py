"""A request's timeline (`/ops status`) reads as sentences: a detail that ends its own
sentence ("… (vendor code 24618).") is not followed by a stray semicolon."""

from __future__ import annotations

from bot.cards.lists import timeline_line
from bot.model import AuditEvent, AuditEventName


def denied(detail: dict[str, str]) -> AuditEvent:
    return AuditEvent(
        seq=1,
        at="2026-11-28T02:52:00+00:00",
        request_id="R-TPB300V6",
        event=AuditEventName.DENIED,
        actor="system",
        operation="enos.ota-job.delete",
        targets=("otajob-9a41f0",),
        detail=detail,
        prev_hash="0" * 64,
        hash="1" * 64,
    )


def test_a_reason_ending_in_a_full_stop_is_not_followed_by_a_semicolon() -> None:
    reason = "The preview says the vendor will refuse (vendor code 24618)."
    line = timeline_line(denied({"reason": reason, "code": "24618"}))
    assert ".;" not in line
    assert line.endswith(
        "reason: The preview says the vendor will refuse (vendor code 24618); code: 24618"
    )


def test_the_last_detail_keeps_its_own_words() -> None:
    line = timeline_line(denied({"reason": "stale job."}))
    assert line.endswith("reason: stale job.")
