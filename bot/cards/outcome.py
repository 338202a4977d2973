"""What the preview found and how a request ended, as escaped mrkdwn lines. Pure functions.

Inputs are the stored dict forms: `Preview.model_dump(mode="json")`, `Outcome.model_dump(...)`,
or an error dict from `AdapterError.detail()` (recognised by its ``"error"`` key).
"""

from __future__ import annotations

from typing import Any

from adapters.base import Progress
from bot.cards.sentences import mrkdwn
from bot.cards.text import clip_raw, code, elide, escape, mention, plural
from bot.model import RequestRecord, RequestState, backticked

MAX_FACTS = 15
MAX_WARNINGS = 8
MAX_FAILURE_LINES = 10
_VALUE_LIMIT = 300
_MESSAGE_LIMIT = 600

_PAST = {"delete": "deleted", "cancel": "cancelled"}
#: `bot.store.integrity.INTEGRITY_ERROR`: the request disagreed with the audit chain.
INTEGRITY_ERROR = "integrity"
UNKNOWN_TEXT = "the vendor's answer was lost; check the vendor console; opsgate will not retry"


def _text(value: Any, limit: int = _MESSAGE_LIMIT) -> str:
    """Escape one stored value, clipped before escaping so it cannot crowd out the card."""
    return escape(clip_raw(str(value), limit))


def past_tense(operation: str) -> str:
    """``acme.order.cancel`` -> ``cancelled``; unknown actions read ``done``."""
    return _PAST.get(operation.rsplit(".", 1)[-1], "done")


def preview_lines(preview: dict[str, Any] | None) -> list[str]:
    """The preview's summary and facts, or why there is no preview."""
    if preview is None:
        return ["*Preview:* _not available yet_"]
    if "error" in preview:
        return [f"*Preview unavailable:* {_error_text(preview)}"]
    found = preview.get("found", True)
    lead = "*Preview:* " if found else "*Preview:* :grey_question: not found at the vendor: "
    lines = [lead + _text(preview.get("summary", ""))]
    facts = dict(preview.get("facts") or {})
    for label, value in list(facts.items())[:MAX_FACTS]:
        lines.append(f"• {_text(label, 80)}: {_text(value, _VALUE_LIMIT)}")
    if len(facts) > MAX_FACTS:
        lines.append(f"• _+{len(facts) - MAX_FACTS:,} more facts_")
    return lines


def warning_lines(preview: dict[str, Any] | None) -> list[str]:
    """Warnings approvers must see, one per line, each led by a warning sign."""
    if not preview or "error" in preview:
        return []
    warnings = [str(w) for w in preview.get("warnings") or []]
    lines = [f":warning: *{_text(w)}*" for w in warnings[:MAX_WARNINGS]]
    if len(warnings) > MAX_WARNINGS:
        lines.append(f":warning: _+{len(warnings) - MAX_WARNINGS:,} more warnings_")
    return lines


def _error_text(error: dict[str, Any]) -> str:
    """``<code> message Next: step`` from an error dict."""
    parts = []
    if error.get("code"):
        parts.append(f"vendor error {code(str(error['code']), limit=80)}:")
    parts.append(_marked(error.get("message") or error.get("error", "error")))
    if error.get("next_step"):
        parts.append(f"*Next:* {_marked(error['next_step'])}")
    return " ".join(parts)


def _marked(value: Any) -> str:
    """An adapter's message: its backticked spans (setting names, commands) as inline code."""
    return mrkdwn(backticked(clip_raw(str(value), _MESSAGE_LIMIT)))


def progress_line(progress: Progress | None) -> str:
    """``:hourglass_flowing_sand: *Executing…* 400 of 10,000 done (3 failed)``."""
    line = ":hourglass_flowing_sand: *Executing…*"
    if progress is None:
        return line
    line += f" {progress.done:,} of {progress.total:,} done"
    return line + (f" ({progress.failed:,} failed)" if progress.failed else "")


def outcome_lines(record: RequestRecord) -> list[str]:
    """How a terminal request ended, in plain language with the vendor's own codes."""
    outcome = record.outcome or {}
    state = record.state
    if state is RequestState.UNKNOWN:
        return _unknown_lines(outcome)
    if outcome.get("error") == INTEGRITY_ERROR:
        return _integrity_lines(outcome)
    if "error" in outcome:
        return [f":x: *Failed:* {_error_text(outcome)}", *_request_id_lines(outcome)]
    if state in {RequestState.SUCCEEDED, RequestState.FAILED}:
        return _result_lines(record, outcome)
    return [_side_exit_line(record, outcome)]


def _integrity_lines(outcome: dict[str, Any]) -> list[str]:
    """The stored request disagreed with the audit chain, so the vendor was never called."""
    what = _text(outcome.get("message", ""))
    return [
        f":rotating_light: *Not executed: integrity check failed.* {what}",
        f"*Next:* {_text(outcome.get('next_step', ''))}",
    ]


def _unknown_lines(outcome: dict[str, Any]) -> list[str]:
    lines = [f":grey_question: *Outcome unknown:* {UNKNOWN_TEXT}."]
    if outcome.get("message"):
        lines.append(f"What happened: {_text(outcome['message'])}")
    return lines + _request_id_lines(outcome)


def _request_id_lines(outcome: dict[str, Any]) -> list[str]:
    rid = outcome.get("vendor_request_id")
    return [f"Vendor request id: {code(str(rid))}"] if rid else []


def _result_lines(record: RequestRecord, outcome: dict[str, Any]) -> list[str]:
    """Succeeded (possibly already gone) or a bulk run with failed batches."""
    failures = list(outcome.get("failures") or [])
    icon, word = _result_heading(record.state, failed=bool(failures))
    lines = [f"{icon} *{word}:* {_text(outcome.get('summary', ''))}"]
    if outcome.get("already_gone"):
        lines.append("Already gone: the vendor no longer had it, so nothing needed doing.")
    if failures or outcome.get("total", 1) > 1:
        lines.append(_bulk_summary(record.operation, outcome, failures))
    lines.extend(_failure_lines(failures))
    ids = [code(str(i), limit=80) for i in outcome.get("vendor_request_ids") or []]
    if ids:
        lines.append(f"Vendor request id{'s' if len(ids) > 1 else ''}: {elide(ids)}")
    return lines


def _result_heading(state: RequestState, *, failed: bool) -> tuple[str, str]:
    if state is not RequestState.SUCCEEDED:
        return (":x:", "Failed")
    return (":warning:", "Partly succeeded") if failed else (":white_check_mark:", "Succeeded")


def _bulk_summary(operation: str, outcome: dict[str, Any], failures: list[Any]) -> str:
    """``9,800 of 10,000 cancelled; 1 batch failed``."""
    total = int(outcome.get("total", 0))
    failed = sum(len(f.get("targets") or []) for f in failures)
    line = f"{total - failed:,} of {total:,} {past_tense(operation)}"
    return line + (f"; {plural(len(failures), 'batch')} failed" if failures else "")


def _failure_lines(failures: list[Any]) -> list[str]:
    lines = []
    for failure in failures[:MAX_FAILURE_LINES]:
        targets = [code(str(t), limit=80) for t in failure.get("targets") or []]
        lines.append(
            f"• {plural(len(targets), 'target')} ({elide(targets, shown=3)}): "
            f"{_error_text(failure)}"
        )
    if len(failures) > MAX_FAILURE_LINES:
        lines.append(f"• _+{len(failures) - MAX_FAILURE_LINES:,} more failed batches_")
    return lines


def _side_exit_line(record: RequestRecord, outcome: dict[str, Any]) -> str:
    """Rejected, withdrawn, expired or denied, and by whom (``outcome["by"]`` when stored)."""
    by = str(outcome.get("by") or "")
    said = outcome.get("reason") or outcome.get("message")  # the rejecter's, or what happened
    why = f": {_text(said)}" if said else ""
    match record.state:
        case RequestState.REJECTED:
            return f":no_entry_sign: *Rejected*{' by ' + mention(by) if by else ''}{why}"
        case RequestState.WITHDRAWN:
            return (
                f":leftwards_arrow_with_hook: *Withdrawn* by {mention(by or record.requester)}{why}"
            )
        case RequestState.EXPIRED:
            return f":hourglass: *Expired*: no decision before the deadline{why}"
        case _:  # refused by the policy, or its card could not be posted (then it says so)
            return f":no_entry: *Denied*{why or ' by policy'}"
