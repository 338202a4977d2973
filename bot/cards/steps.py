"""What a Workflow Builder step reports when its request ends (SPEC §10). Pure functions.

Workflow Builder shows a step's outputs and errors as plain text, so these are plain sentences:
no Slack markup, ids named as `bot.cards.sentences.plain` names them. Each is one line
(`bot.cards.text.one_line`), as on a card: a workflow may post them in a message of its own,
where a rejecter's or a vendor's line breaks must not start lines that read as opsgate's.
"""

from __future__ import annotations

from typing import Any, Final

from adapters.base import Outcome
from bot.cards.sentences import plain
from bot.cards.text import clip_raw, one_line, plural
from bot.model import (
    ClosedOutcome,
    FailedOutcome,
    RequestRecord,
    UnknownOutcome,
    User,
    backticked,
)

#: Workflow Builder shows errors in a small box; a vendor's long message is cut.
ERROR_LIMIT: Final = 1000


def step_outputs(record: RequestRecord) -> dict[str, str]:
    """The step's outputs for a request that succeeded: ``request_id``, ``state``, ``summary``."""
    return {"request_id": record.id, "state": record.state.value, "summary": step_summary(record)}


def step_summary(record: RequestRecord) -> str:
    """``acme.widget.delete on 1 target: Deleted widget w-1``: what the vendor confirmed."""
    outcome = record.outcome
    said = outcome.summary if isinstance(outcome, Outcome) else record.state.value
    said = f"{record.operation} on {plural(len(record.targets), 'target')}: {said}"
    return clip_raw(one_line(said), 500)


def step_error(record: RequestRecord, detail: dict[str, Any]) -> str:
    """Why a step's request did not succeed, from the request and the event that ended it."""
    outcome = record.outcome
    lead = f"Request {record.id} ({record.operation})"
    match record.state.value:
        case "denied":
            text = f"{lead} was refused: {detail.get('reason') or 'the policy refused it'}"
        case "rejected" | "withdrawn":
            by = outcome.by if isinstance(outcome, ClosedOutcome) else ""
            note = outcome.note if isinstance(outcome, ClosedOutcome) else None
            who = f" by {plain([User(by)])}" if by else ""
            why = f": {note}" if note else "."
            text = f"{lead} was {record.state.value}{who}{why}"
        case "expired":
            text = f"{lead} expired: nobody approved it before its deadline."
        case "unknown":
            text = f"{lead} ran, but its outcome is unknown: check the vendor before asking again."
        case "failed":
            text = f"{lead} failed: {_failure(outcome)}"
        case state:
            text = f"{lead} ended {state}: {step_summary(record)}"
    return clip_raw(one_line(text), ERROR_LIMIT)


def _failure(outcome: object) -> str:
    """The failure in one line: the vendor's code, what happened, and what to do next."""
    if isinstance(outcome, FailedOutcome | UnknownOutcome):
        code = getattr(outcome, "code", None)
        lead = f"vendor error {code}: " if code else ""
        step = f" Next: {outcome.next_step}" if outcome.next_step else ""
        return f"{lead}{outcome.message or outcome.error}{step}"
    if isinstance(outcome, Outcome):
        return outcome.summary
    return "error"


def usage_failure(message: str, usage: str) -> str:
    """A step whose inputs are not a valid request: the grammar's message and the usage, as
    plain text (what the grammar marks as code loses its backticks, which would show)."""
    first = usage.splitlines()[0] if usage else ""
    return clip_raw(one_line(f"{plain(backticked(message))} {first}".strip()), ERROR_LIMIT)
