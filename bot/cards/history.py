"""`/ops history`: recent requests, and break-glass runs awaiting review, one line each.
Pure functions from models to blocks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.cards.blocks import Message, header, lines_sections
from bot.cards.blocks import message as build_message
from bot.cards.request import SANDBOX_TAG, STATE_EMOJI, STATE_TITLES
from bot.cards.text import code, mention, plural, slack_date
from bot.model import RequestRecord
from commands.meta import MAX_HISTORY as MAX_LISTED

#: An empty list that is not `--mine`: requests may exist that this reader may not see here (and
#: saying whether any do would tell of them), so it says what the list holds and where to look.
_UNSEEN = (
    "requests you may see here. History lists the requests you made or may approve, and those "
    "made in the channel you ask in: ask in a request's channel to list it."
)


def history_message(
    records: Sequence[RequestRecord],
    *,
    mine: bool = False,
    vendor: str | None = None,
    more: str | None = None,
) -> Message:
    """Recent requests, one line each, newest first as given. An empty list says what it
    was filtered by (`mine`, `vendor`); `more` is the command that lists older ones, when the
    list was cut at its limit (empty when it was cut at the highest limit already). An empty
    list that is not `mine` says none may be seen here, not that none exist (`_UNSEEN`)."""
    blocks = [header("Recent requests")]
    which = f"{code(vendor)} " if vendor else ""
    none = f"You have made no {which}requests yet." if mine else f"No {which}{_UNSEEN}"
    lines = [history_line(r) for r in records] or [none]
    if more is not None:
        wider = f"{code(more)} lists more" if more else f"`--limit` lists at most {MAX_LISTED}"
        lines.append(f"_Older requests are not listed: {wider}._")
    blocks.extend(lines_sections(lines))
    return build_message(f"{plural(len(records), 'recent request')}", blocks)


def unreviewed_message(
    records: Sequence[RequestRecord],
    *,
    now: datetime,
    total: int | None = None,
    flags: str = "",
    running: Sequence[str] = (),
) -> Message:
    """``/ops history --unreviewed``: break-glass runs nobody has reviewed yet, the earliest
    review deadline first, each with its incident and that deadline (overdue ones marked).
    `total` counts all that await review when `records` is only the first of them: the
    reply says how many more there are and how to list them (with the asker's other `flags`,
    such as ``--mine``, so the same runs are listed). With none awaiting review, the
    break-glass runs still `running` are named: their cards already ask for a review."""
    total = max(total or 0, len(records))
    blocks = [header("Break-glass requests awaiting review")]
    none = "Nothing awaits review."
    if running:
        none = f"Nothing awaits review yet: {review_when_ended([code(r) for r in running])}."
    lines = [unreviewed_line(r, now) for r in records] or [none]
    if total > len(records):
        more = f"{total - len(records):,} more awaiting review"
        wider = min(total, MAX_LISTED)
        them = "lists them" if wider == total else f"lists the first {wider:,}"
        listing = " ".join(["/ops history --unreviewed", *flags.split(), f"--limit {wider}"])
        lines.append(f"_{more}: `{listing}` {them}._")
    blocks.extend(lines_sections(lines))
    return build_message(f"{plural(total, 'break-glass request')} awaiting review", blocks)


def review_when_ended(running: Sequence[str]) -> str:
    """``R-… is still running; review it when it ends`` (or of several runs): said where
    nothing awaits review but a break-glass run's card already asks for one."""
    if len(running) == 1:
        return f"{running[0]} is still running; review it when it ends"
    return f"{', '.join(running)} are still running; review each when it ends"


def unreviewed_line(record: RequestRecord, now: datetime | None) -> str:
    """`history_line`, the incident, and by when the run should be reviewed, marked
    ``*(overdue)*`` once that is past `now` (None: not marked), as `/ops history --unreviewed`
    and App Home list it."""
    due = record.review_due_at
    late = " *(overdue)*" if due is not None and now is not None and due <= now else ""
    when = f" · review due {slack_date(due)}{late}" if due is not None else ""
    incident = code(record.break_glass or "", limit=100)
    return f"{history_line(record)} · incident {incident}{when}"


def history_line(record: RequestRecord) -> str:
    """``:white_check_mark: `R-…` `op` · 3 targets · @U1 · <date> · Succeeded``; a sandboxed
    request is marked SANDBOX first (`SANDBOX_TAG`), as its card and "Waiting for you" mark it."""
    sandbox = SANDBOX_TAG if record.sandbox else ""
    return (
        f"{STATE_EMOJI[record.state]} {sandbox}{code(record.id)} {code(record.operation)} · "
        f"{plural(len(record.targets), 'target')} · {mention(record.requester)} · "
        f"{slack_date(record.created_at)} · {STATE_TITLES[record.state]}"
    )
