"""The schema of incidents (migration 0006): break-glass reviews, approver reminders and Stop
(SPEC §8, §11).

Portable SQL only (one ``ALTER TABLE … ADD COLUMN`` per statement), so the same migration
reads the same on PostgreSQL. Every column is a plain nullable text: an instant in the stored
form (`bot.store.rows.TIME_FORMAT`, which compares as text), a user id or an incident ref.

- ``break_glass``: the incident ref of a request run at once without approvals;
  ``review_due_at`` when it should have been reviewed by; ``reviewed_by``/``reviewed_at`` who
  marked it reviewed and when (the ``reviewed`` event says so too); ``review_announced_at``
  when a process last claimed it to announce it again in its channel.
- ``remind_at``: when a pending request's approvers are reminded (half its ttl; null when the
  policy says not to); ``reminded_at`` when a process claimed that reminder (once only).
- ``stop_requested_by``/``stop_requested_at``: who asked to stop an executing bulk run, and when;
  the process running it reads this before each vendor call, whichever process took the click.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final

from bot.model import PolicySnapshot, rules
from commands.model import OperationRequest

_COLUMNS: Final = (
    "break_glass",
    "review_due_at",
    "reviewed_by",
    "reviewed_at",
    "review_announced_at",
    "remind_at",
    "reminded_at",
    "stop_requested_by",
    "stop_requested_at",
)

SCHEMA_INCIDENT: Final = tuple(f"ALTER TABLE requests ADD COLUMN {name} TEXT" for name in _COLUMNS)


def incident_columns(
    request: OperationRequest,
    *,
    created: datetime,
    policy: PolicySnapshot | None,
    stamp: Callable[[datetime], str],
) -> dict[str, str | None]:
    """The new ``requests`` row's incident columns, instants in the stored form (`stamp`):
    a break-glass request (one that names an incident ref: the caller decides that) is due for
    review `policy.review_within` after it was made; any other, when its policy wants it, has
    its approvers reminded at half its ttl (`bot.model.rules`)."""
    remind = review = None
    if policy is not None and request.break_glass:
        review = rules.review_due(created, policy)
    elif policy is not None:
        remind = rules.reminder_due(created, policy)
    return {
        "break_glass": request.break_glass,
        "review_due_at": None if review is None else stamp(review),
        "remind_at": None if remind is None else stamp(remind),
    }
