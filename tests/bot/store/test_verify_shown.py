"""`verify`'s verdict is one line of opsgate's: text read from the database (a request id, an
approver, a target) is shown escaped, so a stored carriage return and erase sequence cannot
overwrite the verdict with "audit log intact"."""

from __future__ import annotations

import json
from pathlib import Path

from store_requests import TWO, cancel
from tampering import tamper, truncate

from bot.store import Store, VerifyResult

#: Text that, printed raw, erases the line it is on and writes a verdict of its own.
FORGED = "\r\x1b[2Kaudit log intact: 3 events verified\x9b\u202e"
SHOWN = "\\r\\x1b[2Kaudit log intact: 3 events verified\\x9b\\u202e"


def printable(line: str) -> bool:
    return line.isprintable()


def test_a_request_id_is_shown_escaped(store: Store, target: str | Path) -> None:
    keep = store.head().seq
    newest = store.create_request(
        cancel(), requester="U0ALICE", channel="C0OPS", policy=TWO, sandbox=True
    )
    truncate(target, keep=keep)  # its row is left without events
    tamper(
        target,
        "DELETE FROM held_targets WHERE request_id = ?",  # PostgreSQL keeps foreign keys
        params=(newest.id,),
    )
    tamper(target, "UPDATE requests SET id = ? WHERE id = ?", params=(FORGED, newest.id))

    result = store.verify()

    assert (result.ok, result.request_id) == (False, FORGED)
    line = result.describe()
    assert printable(line)
    assert line.startswith(f"audit log and tables disagree at request {SHOWN}: it has no events")


def test_an_approver_is_shown_escaped(store: Store, target: str | Path) -> None:
    record = store.create_request(
        cancel(), requester="U0ALICE", channel="C0OPS", policy=TWO, sandbox=True
    )
    store.approve(record.id, approver="U0BOB")
    tamper(target, "UPDATE approvals SET approver = ?", params=(FORGED,))

    result = store.verify()

    assert (result.ok, result.request_id) == (False, record.id)
    assert printable(result.describe())
    assert f"the stored approvers are {SHOWN} but the approved events name U0BOB" in (
        result.describe()
    )


def test_a_target_is_shown_escaped(store: Store, target: str | Path) -> None:
    jobs = tuple(f"JOB-{number}" for number in range(5))
    request = cancel().model_copy(update={"targets": jobs})
    record = store.create_request(
        request, requester="U0ALICE", channel="C0OPS", policy=TWO, sandbox=True
    )
    changed = ["JOB-0", "JOB-1", FORGED, "JOB-3", "JOB-4"]
    tamper(
        target,
        "UPDATE requests SET targets = ? WHERE id = ?",
        params=(json.dumps(changed), record.id),
    )

    line = store.verify().describe()

    assert printable(line)
    assert f"the first difference is target 3: {SHOWN} instead of JOB-2" in line


def test_any_problem_is_shown_escaped() -> None:
    """Whatever a sentence quotes from the database, the line stays one line."""
    line = VerifyResult(False, 3, first_bad_seq=2, problem=f"event 2: {FORGED}").describe()

    assert line == f"audit log broken at event seq 2: event 2: {SHOWN}"
