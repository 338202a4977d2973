"""``opsgate audit export``: audit events as JSON Lines or CSV, and the ``--since`` parser.

Both formats carry the fields of SPEC §4 in this order: seq, at, request_id, event, actor,
operation, targets, detail, prev_hash, hash. In CSV, ``targets`` and ``detail`` are canonical JSON
strings, so every row can be re-hashed exactly as `bot.store.chain` does (after `json.loads`).
Either way an event is one line: the characters that JSON leaves as they are but Unicode counts
as line breaks (U+2028, U+2029, U+0085: ``str.splitlines`` splits on them) are written as JSON
escapes, which read back as the same text. No cell can start with
``=``, ``+``, ``-`` or ``@`` (ids, enum names, timestamps, hex, and JSON starting with ``[``/``{``),
so a spreadsheet opening the CSV has no formula to evaluate.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal, TextIO

from bot.model import AuditEvent
from bot.model.shown import one_json_line
from bot.store.chain import EVENT_FIELDS, canonical_json

#: The exported columns, in order (SPEC §4).
FIELDS: Final = EVENT_FIELDS

#: An age: ``30m``, ``24h``, ``7d``, ``2w``, ``90s`` or a sum of them, largest unit first
#: (``1h30m``), as durations are written in the policy.
_RELATIVE = re.compile(r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", re.IGNORECASE)
_UNITS: Final = ("weeks", "days", "hours", "minutes", "seconds")


def write_events(events: Iterable[AuditEvent], out: TextIO, *, fmt: Literal["jsonl", "csv"]) -> int:
    """Write one line per event to `out`; returns how many were written.

    Args:
        events: The events, already in the order wanted (the store yields them by seq).
        out: A text stream; for CSV open files with ``newline=""``.
        fmt: ``"jsonl"`` (one JSON object per line) or ``"csv"`` (a header row, then one row
            per event).

    Raises:
        ValueError: `fmt` is neither.
    """
    if fmt == "jsonl":
        return _write_jsonl(events, out)
    if fmt == "csv":
        return _write_csv(events, out)
    raise ValueError(f"unknown export format {fmt!r}: use 'jsonl' or 'csv'")


def event_fields(event: AuditEvent) -> dict[str, Any]:
    """One event as plain JSON values, in `FIELDS` order."""
    data = event.model_dump(mode="json")
    return {field: data[field] for field in FIELDS}


def parse_since(text: str, *, now: datetime) -> datetime:
    """Read ``--since``: an ISO 8601 date or datetime, or an age such as ``30m``, ``1h30m``,
    ``7d``.

    A date means its midnight; a date or datetime without a zone means UTC.

    Args:
        text: What the user typed.
        now: The moment ages count back from.

    Returns:
        A timezone-aware UTC datetime.

    Raises:
        ValueError: `text` is neither form; the message shows what is accepted.
    """
    stripped = text.strip().replace(" ", "")
    relative = _RELATIVE.fullmatch(stripped)
    if relative is not None and any(relative.groups()):
        amounts = {unit: int(n or 0) for unit, n in zip(_UNITS, relative.groups(), strict=True)}
        try:
            return _as_utc(now) - timedelta(**amounts)
        except OverflowError:
            raise ValueError(f"--since {text!r} reaches back too far") from None
    # A date and a time may be apart, as people and SQLite write them ("2026-11-01 08:00:00",
    # even "… 08:00:00 +02:00"): the parts after the date are the time and its offset.
    date, *rest = text.split() or [""]
    try:
        moment = datetime.fromisoformat(date + ("T" + "".join(rest) if rest else ""))
    except ValueError:
        raise ValueError(f"cannot read --since {text!r}: {_since_help(stripped)}") from None
    return _as_utc(moment)


def _since_help(stripped: str) -> str:
    relative = _RELATIVE.fullmatch(stripped.removeprefix("-"))
    if stripped.startswith("-") and relative is not None and any(relative.groups()):
        return f"an age is how long ago, without a sign: {stripped[1:]}"
    return (
        "use an ISO date or time (2026-11-01, 2026-11-01T08:00:00Z, 2026-11-01 08:00:00) "
        "or an age (90s, 30m, 1h30m, 24h, 7d, 2w)"
    )


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _write_jsonl(events: Iterable[AuditEvent], out: TextIO) -> int:
    count = 0
    for event in events:
        line = json.dumps(event_fields(event), ensure_ascii=False)
        out.write(one_json_line(line) + "\n")
        count += 1
    return count


def _write_csv(events: Iterable[AuditEvent], out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for event in events:
        row = event_fields(event)
        row["targets"] = one_json_line(canonical_json(row["targets"]))
        row["detail"] = one_json_line(canonical_json(row["detail"]))
        writer.writerow(row)
        count += 1
    return count
