"""How a request ended (and how far a bulk run has got), as escaped mrkdwn lines. Pure
functions.

The outcome is typed (`bot.model.RequestOutcome`); every shape is told apart by `match` on its
type, so mypy sees each branch. Words say only what the vendor
confirmed: an `Outcome` reads its own `summary` and `checked`, and its counts (succeeded,
failed, not sent, unknown) are each counted and named once. "Unknown" is never a vendor code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, assert_never

from adapters.base import FailureKind, ItemFailure, Outcome, Progress, Verdict
from bot.cards.preview import error_text, marked, text_of
from bot.cards.text import code, elide, mention, plural
from bot.model import (
    INTEGRITY_ERROR,
    ClosedOutcome,
    FailedOutcome,
    RequestRecord,
    RequestState,
    UnknownOutcome,
)

MAX_FAILURE_LINES = 10

_PAST = {"delete": "deleted", "cancel": "cancelled"}
UNKNOWN_TEXT: Final = "opsgate has no confirmed answer from the vendor, and will not retry"
#: What to do about an unknown outcome when the adapter said nothing more specific.
UNKNOWN_NEXT: Final = "check in the vendor console what was done before requesting it again"
#: How each kind of unsuccessful batch reads, in the counts and beside each batch.
_KIND_WORDS: Final = {
    FailureKind.FAILED: "failed",
    FailureKind.NOT_SENT: "not sent",
    FailureKind.UNKNOWN: "unknown",
}
_KIND_WHY: Final = {
    FailureKind.FAILED: "refused or not delivered",
    FailureKind.NOT_SENT: "never sent",
    FailureKind.UNKNOWN: "no confirmed answer",
}


#: The ends a person chose, whose note (the Reject dialog's reason) is that person's words.
_PEOPLE_CLOSE: Final = frozenset({RequestState.REJECTED, RequestState.WITHDRAWN})


def past_tense(operation: str) -> str:
    """``acme.order.cancel`` -> ``cancelled``; unknown actions read ``done``."""
    return _PAST.get(operation.rsplit(".", 1)[-1], "done")


def progress_line(progress: Progress | None) -> str:
    """``:hourglass_flowing_sand: *Executing…* 400 of 10,000 sent (3 failed, 200 unknown)``,
    and after Stop ``…; 8,000 not sent``: targets never sent are not counted as sent (while
    the run is being stopped, ``…; 200 not sent so far, 7,800 still to be counted``)."""
    line = ":hourglass_flowing_sand: *Executing…*"
    if progress is None:
        return line
    sent = progress.done - progress.not_sent
    line += f" {sent:,} of {progress.total:,} sent"
    others = [
        f"{count:,} {word}"
        for count, word in ((progress.failed, "failed"), (progress.unknown, "unknown"))
        if count
    ]
    line += f" ({', '.join(others)})" if others else ""
    if not progress.not_sent:
        return line
    left = progress.total - progress.done  # being stopped: not yet counted either way
    later = f", {left:,} still to be counted" if left > 0 else ""
    return line + f"; {progress.not_sent:,} not sent{' so far' if later else ''}{later}"


def outcome_lines(record: RequestRecord) -> list[str]:
    """How a terminal request ended, in words that match what the vendor confirmed."""
    outcome = record.outcome
    match outcome:
        case None:  # recovered at start-up, expired, or refused by the policy
            return _bare_lines(record)
        case Outcome():
            stopper = record.stop_requested_by if record.state is RequestState.STOPPED else None
            return answered_lines(record.operation, outcome, stopped_by=stopper) + _late_stop(
                record
            )
        case FailedOutcome():
            return _failed_lines(outcome)
        case UnknownOutcome():
            return _unknown_lines(outcome)
        case ClosedOutcome():
            return [_closed_line(record, outcome)]
        case _:
            assert_never(outcome)


def _bare_lines(record: RequestRecord) -> list[str]:
    if record.state is RequestState.UNKNOWN:
        return _unknown_lines(UnknownOutcome())
    return [_closed_line(record, None)]


def _failed_lines(outcome: FailedOutcome) -> list[str]:
    if outcome.error == INTEGRITY_ERROR:  # the stored request disagreed with the audit chain
        return [
            f":rotating_light: *Not executed: integrity check failed.* {marked(outcome.message)}",
            f"*Next:* {marked(outcome.next_step)}",
        ]
    text = error_text(outcome.message, outcome.next_step, outcome.code)
    return [f":x: *Failed:* {text}", *_request_id_lines(outcome.vendor_request_id)]


def _unknown_lines(outcome: UnknownOutcome) -> list[str]:
    lines = [f":grey_question: *Outcome unknown:* {UNKNOWN_TEXT}."]
    if outcome.confirmed is not None:
        lines.append(lost_track_line(outcome.confirmed))
    if outcome.message:
        lines.append(f"What happened: {marked(outcome.message)}")
    # The adapter knows what to look for (which console page, which id): its step, if any.
    lines.append(f"*Next:* {marked(outcome.next_step or UNKNOWN_NEXT)}")
    return [*lines, *_request_id_lines(outcome.vendor_request_id)]


def lost_track_line(counts: Progress) -> str:
    """``2,000 of 10,000 accepted before opsgate stopped; 8,000 unknown``: what the vendor had
    answered when opsgate lost track of a bulk run (its process died mid-run); every target
    not answered by then is unknown, since nothing says whether it was sent."""
    parts = [f"{counts.succeeded:,} of {counts.total:,} accepted before opsgate stopped"]
    for count, word in (
        (counts.failed, "failed"),
        (counts.not_sent, "not sent"),
        (counts.unknown, "unknown"),
    ):
        if count:
            parts.append(f"{count:,} {word}")
    return "; ".join(parts)


def _request_id_lines(request_id: str | None) -> list[str]:
    return [f"Vendor request id: {code(request_id)}"] if request_id else []


def _late_stop(record: RequestRecord) -> list[str]:
    """Stop was pressed, but every vendor call had gone out by then, so the run ended as it
    would have (`rules.final_state`): said, so whoever pressed it sees why it is not stopped."""
    stopper = record.stop_requested_by
    if stopper is None or record.state is RequestState.STOPPED:
        return []
    who = "opsgate, as it shut down" if stopper == "system" else mention(stopper)
    return [
        f":octagonal_sign: Stop came from {who} after every vendor call had gone out: "
        "the run ended as it would have."
    ]


def answered_lines(operation: str, outcome: Outcome, *, stopped_by: str | None = None) -> list[str]:
    """The vendor answered: its summary, the counts (bulk), what a check afterwards showed,
    each batch that did not succeed, and the vendor's request ids; headed by who stopped it,
    for a stopped run (``system``: opsgate, as it shut down)."""
    icon, word = _heading(outcome)
    if stopped_by is not None:
        who = "opsgate as it shut down" if stopped_by == "system" else mention(stopped_by)
        icon, word = ":octagonal_sign:", f"Stopped by {who}"
    lines = [f"{icon} *{word}:* {text_of(outcome.summary)}"]
    if outcome.already_gone:
        lines.append("Already gone: the vendor no longer had it, so nothing needed doing.")
    if outcome.total > 1 or outcome.failures:
        lines.append(counts_line(operation, outcome))
    if outcome.checked:
        lines.append(f"*Checked afterwards:* {marked(outcome.checked)}")
    lines.extend(_failure_lines(outcome.failures))
    if outcome.counts.unknown:
        lines.append(
            "*Next:* check the unknown ones at the vendor before requesting them again; "
            "opsgate will not retry them."
        )
    ids = [code(str(i), limit=80) for i in outcome.vendor_request_ids]
    if ids:
        lines.append(f"Vendor request id{'s' if len(ids) > 1 else ''}: {elide(ids)}")
    return lines


def partly_heading(record: RequestRecord) -> tuple[str, str] | None:
    """``(":warning:", "Partly failed")`` or ``(":grey_question:", "Partly unknown")``: how the
    outcome of a run that ended `failed` or `unknown` with some targets succeeded is headed, so
    its card's header and its requester's message can open the same way; None for any other."""
    outcome = record.outcome
    if record.state not in (RequestState.FAILED, RequestState.UNKNOWN):
        return None
    if not isinstance(outcome, Outcome) or not 0 < outcome.counts.succeeded < outcome.total:
        return None
    return _heading(outcome)


def _heading(outcome: Outcome) -> tuple[str, str]:
    counts = outcome.counts
    if counts.succeeded == outcome.total:
        return (":white_check_mark:", "Succeeded")
    if counts.unknown:
        return (":grey_question:", "Partly unknown" if counts.succeeded else "Outcome unknown")
    return (":warning:", "Partly failed") if counts.succeeded else (":x:", "Failed")


def counts_line(operation: str, outcome: Outcome) -> str:
    """``800 of 1,000 accepted; 200 unknown (1 batch: no confirmed answer)``: each kind once.
    A single target was one call, not a batch: ``0 of 1 deleted; 1 not sent``, the line under
    it saying why."""
    counts = outcome.counts
    done = outcome.succeeded_as or past_tense(operation)
    parts = [f"{counts.succeeded:,} of {outcome.total:,} {done}"]
    for kind, count in (
        (FailureKind.FAILED, counts.failed),
        (FailureKind.UNKNOWN, counts.unknown),
        (FailureKind.NOT_SENT, counts.not_sent),
    ):
        if count and outcome.total == 1:
            parts.append(f"{count:,} {_KIND_WORDS[kind]}")
        elif count:
            batches = sum(1 for f in outcome.failures if f.kind is kind)
            why = f"{plural(batches, 'batch')}: {_KIND_WHY[kind]}"
            parts.append(f"{count:,} {_KIND_WORDS[kind]} ({why})")
    return "; ".join(parts)


def _failure_lines(failures: Sequence[ItemFailure]) -> list[str]:
    lines = []
    groups = _grouped(failures)
    for failure, batches in groups[:MAX_FAILURE_LINES]:
        targets = [code(str(t), limit=80) for t in failure.targets]
        rid = failure.vendor_request_id
        many = f" in {plural(batches, 'batch')}" if batches > 1 else ""
        lines.append(
            f"• {plural(len(targets), 'target')}{many} ({elide(targets, shown=3)}), "
            f"{_KIND_WORDS[failure.kind]}: "
            + error_text(failure.message, failure.next_step, failure.code)
            + (f" (vendor request id {code(rid)})" if rid else "")
        )
    if len(groups) > MAX_FAILURE_LINES:
        rest = sum(batches for _, batches in groups[MAX_FAILURE_LINES:])
        lines.append(f"• _+{rest:,} more batches_")
    return lines


def _grouped(failures: Sequence[ItemFailure]) -> list[tuple[ItemFailure, int]]:
    """Batches in a row never sent for one reason read as one line, with how many batches:
    a 10,000-device run stopped early has dozens of them."""
    groups: list[tuple[ItemFailure, int]] = []
    for failure in failures:
        if groups and failure.kind is FailureKind.NOT_SENT and _alike(groups[-1][0], failure):
            first, batches = groups[-1]
            joined = first.model_copy(update={"targets": first.targets + failure.targets})
            groups[-1] = (joined, batches + 1)
        else:
            groups.append((failure, 1))
    return groups


def _alike(one: ItemFailure, other: ItemFailure) -> bool:
    return (one.kind, one.message, one.next_step) == (other.kind, other.message, other.next_step)


def _closed_line(record: RequestRecord, closed: ClosedOutcome | None) -> str:
    """Rejected, withdrawn, expired or denied, and by whom (and why, when someone said)."""
    by = closed.by if closed is not None else ""
    note = closed.note if closed is not None else None
    # A rejecter's words are a person's, escaped like a --reason (backticks as typed); a
    # denial's are opsgate's or the adapter's, whose backticks mark code to copy.
    said = text_of if record.state in _PEOPLE_CLOSE else marked
    why = f": {said(note)}" if note else ""
    match record.state:
        case RequestState.REJECTED:
            return f":no_entry_sign: *Rejected*{' by ' + mention(by) if by else ''}{why}"
        case RequestState.WITHDRAWN:
            return (
                f":leftwards_arrow_with_hook: *Withdrawn* by {mention(by or record.requester)}{why}"
            )
        case RequestState.EXPIRED:
            return f":hourglass: *Expired*: no decision before the deadline{why}"
        case _ if record.preview is not None and record.preview.verdict is Verdict.BLOCKED:
            # a blocked preview: opsgate itself denied it, before any card
            vendor_code = ""
            if closed is not None and closed.code:
                vendor_code = f" (vendor code {code(closed.code)})"
            return (
                ":no_entry: *Denied before any card:* the preview says the vendor will refuse"
                f"{why}{vendor_code}"
            )
        case _:  # refused by the policy, or its card could not be posted (then it says so)
            return f":no_entry: *Denied*{why or ' by policy'}"
