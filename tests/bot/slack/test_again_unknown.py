"""Request again on a bulk run that ended `unknown` (SPEC §8, extended): its card lists the
targets the vendor refused and those never sent, to be asked for again; it has the button when
there is such a target, and the button asks for those only, never for the unknown ones (asking
again could act on them twice) nor for those the vendor did. A run with none such has no button,
and a click on it anyway (a stale card, a forged payload) opens nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from surfaces_world import ALICE, BOB, latest_view, session_with, submit
from tampering import tamper

from adapters.base import Counts, FailureKind, Outcome
from adapters.simulator import Fault
from bot.cards import AGAIN_ACTION
from bot.cards.form import TARGETS_BLOCK
from bot.console.session import ConsoleSession
from bot.model import RequestRecord, RequestState, rules
from bot.store import DatabaseUnavailable

CANCEL = "Action=CancelOTATaskByDevice"
#: 999 devices: five calls (thermo-001…200, 201…400, 401…600, 601…800, 801…999).
COMMAND = (
    "aliyun ota-task cancel thermo-{001..999} --product a1OpsThermo "
    "--firmware fw-thermo-2.1.0 --reason rollout"
)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[ConsoleSession]:
    with session_with(tmp_path) as opened:
        yield opened


def again_buttons(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        element["value"]
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == AGAIN_ACTION
    ]


def again(session: ConsoleSession, request_id: str) -> dict[str, Any]:
    """Click Request again as alice; the form it opens."""
    before = len(session.standin.calls)
    assert session.click("again", request_id, user=ALICE).status == 200
    session.standin.wait_for(lambda c: c.method == "views.open", since=before, timeout=10)
    return latest_view(session)


def initial(view: dict[str, Any], block_id: str) -> Any:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return block["element"].get("initial_value")


def requested(session: ConsoleSession) -> str:
    assert session.slash(COMMAND, user=ALICE).status == 200
    session.wait()
    return session.app.store.history(limit=1)[0].id


def hold_first_calls(session: ConsoleSession, monkeypatch: pytest.MonkeyPatch, then: Any) -> None:
    """The first four cancel calls (the adapter's four workers) wait at the simulator until all
    four have been sent; `then` runs before they are answered."""
    sim = session.app.adapters.simulators["aliyun"]
    meeting = threading.Barrier(4, action=then, timeout=30)
    route = sim.route
    seen = iter(range(4))

    def held(request: httpx.Request) -> httpx.Response:
        if CANCEL in str(request.url) and next(seen, None) is not None:
            meeting.wait()
        return route(request)

    monkeypatch.setattr(sim, "route", held)


def ended(session: ConsoleSession, rid: str) -> RequestRecord:
    assert session.click("approve", rid, user=BOB).status == 200
    session.wait()
    record = session.app.store.get(rid)
    assert record is not None and isinstance(record.outcome, Outcome)
    return record


def card_blocks(session: ConsoleSession, record: RequestRecord) -> list[dict[str, Any]]:
    card = session.standin.message(record.channel, record.message_ts or "")
    assert card is not None
    return list(card["blocks"])


def test_an_unknown_run_asks_again_for_what_the_vendor_refused_or_never_got(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first call gets no answer (unknown), the second is refused, the third and fourth
    are accepted; by then opsgate cannot read its database to ask whether Stop was pressed, so
    the fifth is never sent."""
    rid = requested(session)
    sim = session.app.adapters.simulators["aliyun"]
    sim.inject(Fault.UNAVAILABLE, path_contains="thermo-001", apply=True)
    sim.inject_error(
        "iot.ota.DeviceTaskStateChanged", device="thermo-201", action="CancelOTATaskByDevice"
    )
    down = threading.Event()
    read = session.app.store.stop_requested

    def stop_requested(request_id: str) -> bool:
        if down.is_set():
            raise DatabaseUnavailable("opsgate.db: database is locked")
        return read(request_id)

    monkeypatch.setattr(session.app.store, "stop_requested", stop_requested)
    hold_first_calls(session, monkeypatch, then=down.set)
    record = ended(session, rid)

    targets = record.targets
    assert record.state is RequestState.UNKNOWN
    assert record.outcome.counts == Counts(succeeded=400, failed=200, unknown=200, not_sent=199)
    kinds = {f.kind: f.targets for f in record.outcome.failures}
    assert kinds[FailureKind.UNKNOWN] == targets[:200]
    undone = targets[200:400] + targets[800:]
    assert rules.again_targets(record) == undone

    assert again_buttons(card_blocks(session, record)) == [rid]
    view = again(session, rid)
    assert initial(view, TARGETS_BLOCK) is None  # 399 names do not fit Slack's text box
    assert (
        f"Leave this empty to use the 399 targets `{rid}` left undone (refused by the vendor, "
        "or not sent; those it did and those whose outcome is unknown are left out)."
    ) in str(view["blocks"])
    assert submit(session, view, {}) == {}
    new = session.app.store.history(limit=1)[0]
    assert new.id != rid and new.targets == undone


def test_an_unknown_run_with_nothing_left_undone_offers_nothing(
    session: ConsoleSession,
) -> None:
    """Every target was accepted but the first call's: nothing is known to be undone, so
    there is nothing to ask for again before the vendor's console has been checked."""
    rid = requested(session)
    sim = session.app.adapters.simulators["aliyun"]
    sim.inject(Fault.UNAVAILABLE, path_contains="thermo-001", apply=True)
    record = ended(session, rid)
    assert record.state is RequestState.UNKNOWN
    assert record.outcome.counts == Counts(succeeded=799, unknown=200)

    blocks = card_blocks(session, record)
    assert again_buttons(blocks) == []
    assert "Request again" not in str(blocks)
    before = len(session.standin.calls)
    assert session.click("again", rid, user=ALICE).status == 200  # a stale or forged click
    session.wait()
    after = session.standin.calls[before:]
    assert not [c for c in after if c.method == "views.open"]
    [told] = [c.params for c in after if c.method == "chat.postMessage"]
    assert told["channel"] == ALICE
    assert f"`{rid}` is unknown: its card has no Request again." in str(told["blocks"])


def test_kept_targets_of_an_unknown_run_that_ended_otherwise_since_are_not_used(
    session: ConsoleSession, tmp_path: Path
) -> None:
    """The form keeps by reference the 699 targets an unknown run left undone; before it is
    submitted, the run's late answer arrives (a replica paused past its lease resumes) and it
    ends `succeeded`. Leaving the box empty must not then ask for all 999, done ones
    included: the form says so under Targets, and nothing is requested."""
    old = session.app.store.get(requested(session))
    assert old is not None
    failures = [
        {"targets": list(old.targets[:200]), "kind": "unknown", "message": "no answer"},
        {"targets": list(old.targets[300:]), "kind": "not_sent", "message": "not sent"},
    ]
    outcome = {"summary": "Cancel accepted", "total": 999, "failures": failures}
    changed = "UPDATE requests SET state = ?, outcome = ? WHERE id = ?"
    tamper(tmp_path / "opsgate.db", changed, params=("unknown", json.dumps(outcome), old.id))
    view = again(session, old.id)
    assert initial(view, TARGETS_BLOCK) is None  # kept by reference
    assert f"the 699 targets `{old.id}` left undone" in str(view["blocks"])

    done = {"summary": "Cancel accepted", "total": 999, "failures": []}
    tamper(tmp_path / "opsgate.db", changed, params=("succeeded", json.dumps(done), old.id))
    errors = submit(session, view, {})
    assert f"{old.id} has ended succeeded since" in errors.get(TARGETS_BLOCK, "")
    assert session.app.store.history(limit=1)[0].id == old.id  # nothing new requested
