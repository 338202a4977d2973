"""Request again (SPEC §8): failed, expired, rejected (and stopped) cards carry the button; it
opens the request form filled in from the request; submitting it is a new request."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from surfaces_world import ALICE, BOB, DAVE, choose, latest_view, session_with, submit
from tampering import tamper

from adapters.registry import installed_plugins
from bot.cards import AGAIN_ACTION, CardFacts, request_card
from bot.cards.form import (
    OPERATION_BLOCK,
    OPTIONS_BLOCK,
    REASON_BLOCK,
    TARGETS_BLOCK,
    KeptTargets,
    request_form,
)
from bot.cards.form_state import prefill_from_record
from bot.console.session import ConsoleSession
from bot.model import Approvers, RequestRecord, RequestState, rules

NOW = datetime(2026, 1, 1, tzinfo=UTC)
CATALOG = installed_plugins().catalog


def record(state: RequestState, **changes: Any) -> RequestRecord:
    base: dict[str, Any] = {
        "id": "R-AGAIN001",
        "operation": "huawei.device.delete",
        "vendor": "huawei",
        "targets": ("gw-0001",),
        "requester": ALICE,
        "channel": "C0OPS",
        "state": state,
        "approvals_needed": 1,
        "created_at": NOW,
        "expires_at": NOW + timedelta(minutes=30),
    }
    return RequestRecord.model_validate(base | changes)


def again_buttons(message_blocks: list[dict[str, Any]]) -> list[str]:
    return [
        element["value"]
        for block in message_blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == AGAIN_ACTION
    ]


@pytest.mark.parametrize("state", list(RequestState))
def test_the_button_is_on_the_ends_where_asking_again_makes_sense(state: RequestState) -> None:
    blocks = request_card(record(state), approvers=Approvers(needed=1, anyone=True)).blocks
    wanted = state in {
        RequestState.FAILED,
        RequestState.EXPIRED,
        RequestState.REJECTED,
        RequestState.STOPPED,
    }
    assert again_buttons(blocks) == (["R-AGAIN001"] if wanted else [])


@pytest.fixture
def session(tmp_path: Path) -> Iterator[ConsoleSession]:
    with session_with(tmp_path) as opened:
        yield opened


def rejected(session: ConsoleSession, text: str) -> RequestRecord:
    session.slash(text, user=ALICE)
    session.wait()
    request_id = session.app.store.history(limit=1)[0].id
    session.reject(request_id, user=BOB, reason=None)
    session.wait()
    found = session.app.store.get(request_id)
    assert found is not None and found.state is RequestState.REJECTED
    return found


def again(session: ConsoleSession, request_id: str, *, user: str = ALICE) -> dict[str, Any]:
    before = len(session.standin.calls)
    assert session.click("again", request_id, user=user).status == 200
    session.standin.wait_for(lambda c: c.method == "views.open", since=before, timeout=10)
    return latest_view(session)


def initial(view: dict[str, Any], block_id: str) -> Any:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    element = block["element"]
    return element.get("initial_value") or element.get("initial_option", {}).get("value")


def test_request_again_opens_the_form_filled_in_and_makes_a_new_request(
    session: ConsoleSession,
) -> None:
    old = rejected(session, 'huawei device delete gw-0001 --no-cascade --reason "old gateway"')
    card = session.standin.message(old.channel, old.message_ts or "")
    assert card is not None and again_buttons(card["blocks"]) == [old.id]
    view = again(session, old.id)
    assert initial(view, OPERATION_BLOCK) == "huawei.device.delete"
    assert initial(view, TARGETS_BLOCK) == "gw-0001"
    assert initial(view, REASON_BLOCK) == "old gateway"
    cascade = next(b for b in view["blocks"] if b.get("block_id", "").endswith("--no-cascade"))
    assert [o["value"] for o in cascade["element"]["initial_options"]] == ["--no-cascade"]
    assert submit(session, view, {}) == {}  # submitted as shown
    new = session.app.store.history(limit=1)[0]
    assert new.id != old.id and new.state is RequestState.PENDING and new.approvers == ()
    assert (new.targets, new.params, new.reason) == (old.targets, old.params, old.reason)
    after = session.app.store.get(old.id)
    assert after is not None and after.state is RequestState.REJECTED  # nothing reused


def test_a_long_target_list_is_kept_by_reference(session: ConsoleSession) -> None:
    text = (
        "aliyun ota-task cancel thermo-{001..300} --product a1OpsThermo "
        "--firmware fw-thermo-2.1.0 --reason rollout"
    )
    old = rejected(session, text)
    view = again(session, old.id)
    assert initial(view, TARGETS_BLOCK) is None  # 300 names do not fit Slack's text box
    assert f"the 300 targets of `{old.id}`" in str(view["blocks"])
    assert submit(session, view, {}) == {}
    new = session.app.store.history(limit=1)[0]
    assert new.id != old.id and new.targets == old.targets
    view = again(session, old.id)
    assert submit(session, view, {TARGETS_BLOCK: "thermo-001"}) == {}  # typed ones replace them
    assert session.app.store.history(limit=1)[0].targets == ("thermo-001",)
    other = choose(session, again(session, old.id), "huawei.device.delete")
    assert "Leave this empty" not in str(other["blocks"])  # another operation: nothing kept
    assert TARGETS_BLOCK in submit(session, other, {REASON_BLOCK: "x"})  # "Missing deviceId"


def test_someone_who_may_not_request_it_is_told_in_the_form(session: ConsoleSession) -> None:
    old = rejected(session, "huawei device delete gw-0001 --reason x")
    view = again(session, old.id, user=DAVE)
    assert initial(view, OPERATION_BLOCK) is None
    assert "You may not request huawei.device.delete" in str(view["blocks"])


def test_request_again_on_a_request_whose_row_cannot_be_read_opens_nothing(
    session: ConsoleSession, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    old = rejected(session, "huawei device delete gw-0001 --reason old")
    tamper(
        tmp_path / "opsgate.db",
        "UPDATE requests SET state = 'bogus' WHERE id = ?",
        params=(old.id,),
    )

    before = len(session.standin.calls)
    with caplog.at_level(logging.ERROR):
        assert session.click("again", old.id, user=ALICE).status == 200
        session.wait()

    assert not [c for c in session.standin.calls[before:] if c.method == "views.open"]
    said = [r.getMessage() for r in caplog.records if not r.exc_info]
    assert f"request {old.id} cannot be read (state: Input should be" in " ".join(said)
    assert "Request again was ignored" in " ".join(said)
    assert not [r for r in caplog.records if r.exc_info]  # one line, not a failed job's trace


def stopped(total: int, unsent: tuple[str, ...]) -> dict[str, Any]:
    """The outcome of a run of `total` targets stopped with `unsent` never sent (as a bulk run
    stores it)."""
    failure = {"targets": list(unsent), "kind": "not_sent", "message": "the run was stopped"}
    return {"summary": "Cancel accepted", "total": total, "failures": [failure]}


def test_request_again_on_a_stopped_request_asks_for_the_targets_it_did_not_send() -> None:
    """The card says "8,000 targets … not sent … Request these devices again": the button
    asked for all 10,000, the 2,000 already accepted with them."""
    targets = tuple(f"thermo-{i:05d}" for i in range(1, 10_001))
    outcome = stopped(len(targets), targets[2000:])
    cancel = "aliyun.ota-task.cancel"
    big = record(RequestState.STOPPED, operation=cancel, targets=targets, outcome=outcome)
    assert rules.again_targets(big) == targets[2000:]
    spec = CATALOG.spec_for(cancel)
    prefill = prefill_from_record(big, spec)
    assert prefill.kept is not None and (prefill.kept.count, prefill.kept.unsent) == (8000, True)
    assert KeptTargets.from_metadata(prefill.kept.as_metadata()) == prefill.kept
    shown = str(request_form([spec], prefill=prefill)["blocks"])
    assert (
        "Leave this empty to use the 8,000 targets `R-AGAIN001` left undone when it was stopped "
        "(not sent, or refused by the vendor)." in shown
    )
    delete = CATALOG.spec_for("huawei.device.delete")
    gateways = ("gw-1", "gw-2", "gw-3")
    small = record(RequestState.STOPPED, targets=gateways, outcome=stopped(3, ("gw-3",)))
    prefill = prefill_from_record(small, delete)
    assert (prefill.targets, prefill.kept) == ("gw-3", None)
    shown = str(request_form([delete], prefill=prefill)["blocks"])
    assert "These are the targets `R-AGAIN001` left undone when it was stopped" in shown
    failed = record(RequestState.FAILED, targets=gateways)
    assert prefill_from_record(failed, delete).targets == "gw-1\ngw-2\ngw-3"


@pytest.mark.parametrize("state", [RequestState.STOPPED, RequestState.FAILED])
def test_a_run_asks_again_for_the_targets_the_vendor_refused_or_never_got(
    state: RequestState,
) -> None:
    """A stopped card says of a refused batch "Wait a minute and request again", as of the
    unsent ones; the accepted and the unknown (asking again could act on them twice) stay out.
    So for a failed run (README: "refused by the vendor, or not sent"), even one whose stored
    outcome names unknown targets, which only a row opsgate did not end could hold."""
    targets = tuple(f"thermo-{i:03d}" for i in range(1, 9))
    failures = [
        {"targets": list(targets[2:4]), "kind": "failed", "message": "throttled"},
        {"targets": list(targets[4:6]), "kind": "unknown", "message": "no answer"},
        {"targets": list(targets[6:]), "kind": "not_sent", "message": "the run was stopped"},
    ]
    outcome = {"summary": "Cancel accepted", "total": len(targets), "failures": failures}
    ended = record(state, operation="aliyun.ota-task.cancel", targets=targets, outcome=outcome)
    assert rules.again_targets(ended) == targets[2:4] + targets[6:]


@pytest.mark.parametrize(
    "failures",
    [[], [{"targets": ["thermo-001"], "kind": "unknown", "message": "no answer"}]],
    ids=["none", "only unknown"],
)
def test_a_stopped_outcome_naming_nothing_undone_but_some_done_or_unknown_offers_nothing(
    failures: list[dict[str, Any]],
) -> None:
    """Asking again for all its targets would act twice on those done, or maybe done."""
    targets = ("thermo-001", "thermo-002")
    outcome = {"summary": "Cancel accepted", "total": 2, "failures": failures}
    stopped_run = record(
        RequestState.STOPPED, operation="aliyun.ota-task.cancel", targets=targets, outcome=outcome
    )
    assert rules.again_targets(stopped_run) == () and not rules.offers_again(stopped_run)


def test_a_stopped_outcome_naming_its_targets_otherwise_asks_again_for_all_and_says_so() -> None:
    """None done, none unknown, though under other names: all of them, said to be the
    request's own rather than the undone ones."""
    targets = ("thermo-001", "thermo-002")
    failures = [{"targets": ["THERMO-001", "THERMO-002"], "kind": "not_sent", "message": "x"}]
    outcome = {"summary": "Cancel accepted", "total": 2, "failures": failures}
    stopped_run = record(
        RequestState.STOPPED, operation="aliyun.ota-task.cancel", targets=targets, outcome=outcome
    )
    assert rules.again_targets(stopped_run) == targets and rules.offers_again(stopped_run)
    prefill = prefill_from_record(stopped_run, CATALOG.spec_for("aliyun.ota-task.cancel"))
    assert prefill.unsent_of is None  # not said to be the undone ones


def partly(total: int, refused: tuple[str, ...], unsent: tuple[str, ...]) -> dict[str, Any]:
    """The outcome of a run of `total` targets in which the vendor refused `refused` and the
    run then stopped sending (`unsent`): it ends `failed`, the others done."""
    failures = [
        {"targets": list(refused), "kind": "failed", "message": "throttled"},
        {"targets": list(unsent), "kind": "not_sent", "message": "the run gave up"},
    ]
    return {"summary": "Cancel accepted", "total": total, "failures": failures}


def test_request_again_on_a_partly_failed_run_asks_for_the_targets_that_did_not_succeed() -> None:
    """Asking again for the targets the vendor already did would act on them twice; the form
    says which these are."""
    cancel = CATALOG.spec_for("aliyun.ota-task.cancel")
    targets = tuple(f"thermo-{i:05d}" for i in range(1, 10_001))
    outcome = partly(len(targets), targets[100:200], targets[9000:])
    big = record(RequestState.FAILED, operation=cancel.id, targets=targets, outcome=outcome)
    assert rules.again_targets(big) == targets[100:200] + targets[9000:]
    prefill = prefill_from_record(big, cancel)
    assert prefill.kept is not None and (prefill.kept.count, prefill.kept.unsent) == (1100, True)
    assert KeptTargets.from_metadata(prefill.kept.as_metadata()) == prefill.kept
    shown = str(request_form([cancel], prefill=prefill)["blocks"])
    assert (
        "Leave this empty to use the 1,100 targets `R-AGAIN001` did not succeed for (refused by "
        "the vendor, or not sent; those it succeeded for are left out)." in shown
    )
    small = tuple(f"thermo-{i:03d}" for i in range(1, 6))
    run = record(
        RequestState.FAILED, operation=cancel.id, targets=small, outcome=partly(5, small[3:], ())
    )
    prefill = prefill_from_record(run, cancel)
    assert (prefill.targets, prefill.kept) == ("thermo-004\nthermo-005", None)
    shown = str(request_form([cancel], prefill=prefill)["blocks"])
    assert "These are the targets `R-AGAIN001` did not succeed for: refused by the vendor" in shown


@pytest.mark.parametrize(
    ("state", "outcome"),
    [
        (RequestState.FAILED, partly(3, ("thermo-001", "thermo-002"), ("thermo-003",))),
        (RequestState.FAILED, {"kind": "failed", "error": "VendorError", "message": "no"}),
        (RequestState.EXPIRED, {"kind": "closed", "by": "system"}),
        (RequestState.REJECTED, {"kind": "closed", "by": BOB}),
    ],
    ids=["failed entirely", "failed call", "expired", "rejected"],
)
def test_a_request_that_did_none_of_its_targets_asks_again_for_all_of_them(
    state: RequestState, outcome: dict[str, Any]
) -> None:
    targets = ("thermo-001", "thermo-002", "thermo-003")
    cancel = CATALOG.spec_for("aliyun.ota-task.cancel")
    ended = record(state, operation=cancel.id, targets=targets, outcome=outcome)
    assert rules.again_targets(ended) == targets
    prefill = prefill_from_record(ended, cancel)
    assert (prefill.targets, prefill.unsent_of) == ("\n".join(targets), None)
    assert "These are the targets" not in str(request_form([cancel], prefill=prefill)["blocks"])


#: A request's targets -> the outcome stored as it ended, and the targets it left undone.
Ended = Callable[[tuple[str, ...]], tuple[dict[str, Any], tuple[str, ...]]]


@pytest.mark.parametrize(
    ("state", "count", "ended", "said"),
    [
        ("stopped", 300, lambda t: (stopped(300, t[10:]), t[10:]), "290 targets `{}` left undone"),
        (  # the first 10 refused, those from the 100th on not sent
            "failed",
            400,
            lambda t: (partly(400, t[:10], t[100:]), t[:10] + t[100:]),
            "310 targets `{}` did not succeed for",
        ),
    ],
    ids=["stopped", "partly failed"],
)
def test_kept_targets_are_those_left_undone(
    session: ConsoleSession, tmp_path: Path, state: str, count: int, ended: Ended, said: str
) -> None:
    """Too many to fit Slack's text box, the targets left undone are kept by reference: a
    stopped run's not sent, a partly failed run's refused or not sent."""
    text = (
        f"aliyun ota-task cancel thermo-{{001..{count}}} --product a1OpsThermo "
        "--firmware fw-thermo-2.1.0 --reason rollout"
    )
    old = rejected(session, text)
    outcome, undone = ended(old.targets)
    tamper(
        tmp_path / "opsgate.db",
        "UPDATE requests SET state = ?, outcome = ? WHERE id = ?",
        params=(state, json.dumps(outcome), old.id),
    )
    view = again(session, old.id)
    assert initial(view, TARGETS_BLOCK) is None  # the names do not fit Slack's text box
    assert f"the {said.format(old.id)}" in str(view["blocks"])
    assert submit(session, view, {}) == {}
    assert session.app.store.history(limit=1)[0].targets == undone


def test_kept_targets_of_a_request_that_can_no_longer_be_read_are_said_under_the_targets(
    session: ConsoleSession, tmp_path: Path
) -> None:
    """The form keeps 300 targets by reference; the request's row is changed outside opsgate
    before it is submitted: the form says so under Targets, as any other field's error, rather
    than failing the submission with nothing said."""
    text = (
        "aliyun ota-task cancel thermo-{001..300} --product a1OpsThermo "
        "--firmware fw-thermo-2.1.0 --reason rollout"
    )
    old = rejected(session, text)
    view = again(session, old.id)
    assert initial(view, TARGETS_BLOCK) is None  # kept by reference
    tamper(
        tmp_path / "opsgate.db",
        "UPDATE requests SET created_at = 'yesterday' WHERE id = ?",
        params=(old.id,),
    )
    requests = len(session.app.store.history(limit=50))
    errors = submit(session, view, {})
    assert old.id in errors.get(TARGETS_BLOCK, "") and "type the targets" in errors[TARGETS_BLOCK]
    assert len(session.app.store.history(limit=50)) == requests  # no new request


def test_request_again_of_a_forced_request_says_so_and_leaves_force_unticked(
    session: ConsoleSession,
) -> None:
    # Forced because its preview was blocked: asking again must not force silently (the new
    # preview decides afresh), nor forget why it was forced (the requester is told, and may
    # tick --force again).
    old = rejected(session, 'huawei device delete dev-gone-0001 --force --reason "stale"')
    view = again(session, old.id)
    options = next(b for b in view["blocks"] if b.get("block_id") == OPTIONS_BLOCK)
    assert not options["element"].get("initial_options")
    said = [
        element["text"]
        for block in view["blocks"]
        if block["type"] == "context"
        for element in block["elements"]
    ]
    [note] = [text for text in said if "--force" in text]
    assert note.startswith(f"`{old.id}` was posted with `--force` past a blocked preview (")
    assert old.preview is not None and old.preview.blocked is not None  # type: ignore[union-attr]
    assert old.preview.blocked.message in note  # type: ignore[union-attr]
    assert note.endswith("tick it to force it again.")


def test_request_again_of_a_request_that_was_not_forced_says_nothing_of_force(
    session: ConsoleSession,
) -> None:
    old = rejected(session, 'huawei device delete gw-0001 --reason "old gateway"')
    view = again(session, old.id)
    assert "--force` past" not in json.dumps(view["blocks"])


def uninstall(session: ConsoleSession, monkeypatch: pytest.MonkeyPatch, vendor: str) -> None:
    """`vendor`'s plugin removed: its operations and its adapter are gone."""
    s = session.app.service.s
    kept = {op: spec for op, spec in s.catalog._by_id.items() if spec.vendor != vendor}
    monkeypatch.setattr(s.catalog, "_by_id", kept)
    monkeypatch.delitem(s.adapters.by_vendor, vendor)


def test_a_request_approved_after_its_plugin_was_uninstalled_offers_no_request_again(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    session.slash("huawei device delete gw-0001 --reason old", user=ALICE)
    session.wait()
    [pending] = session.app.store.history(limit=1)
    uninstall(session, monkeypatch, "huawei")
    session.click("approve", pending.id, user=BOB)
    session.wait()
    ended = session.app.store.get(pending.id)
    assert ended is not None and ended.state is RequestState.FAILED
    card = session.standin.message(ended.channel, ended.message_ts or "")
    assert card is not None and "no vendor plugin called huawei" in json.dumps(card["blocks"])
    assert again_buttons(card["blocks"]) == []


def test_request_again_on_an_old_card_of_an_uninstalled_operation_says_so(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = rejected(session, "huawei device delete gw-0001 --reason old")
    card = session.standin.message(old.channel, old.message_ts or "")
    assert card is not None and again_buttons(card["blocks"]) == [old.id]  # drawn before
    uninstall(session, monkeypatch, "huawei")
    before = len(session.standin.calls)
    assert session.click("again", old.id, user=ALICE).status == 200
    told = session.standin.wait_for(
        lambda c: c.method == "chat.postMessage" and c.params.get("channel") == ALICE,
        since=before,
        timeout=10,
    )
    said = json.dumps(told.params)
    assert old.id in said and "huawei.device.delete` is not installed" in said
    assert not [c for c in session.standin.calls[before:] if c.method == "views.open"]


def test_offers_again_never_for_an_operation_no_longer_installed() -> None:
    assert rules.offers_again(record(RequestState.REJECTED))
    assert not rules.offers_again(record(RequestState.REJECTED), installed=False)
    blocks = request_card(
        record(RequestState.EXPIRED),
        approvers=Approvers(needed=1, anyone=True),
        facts=CardFacts(installed=False),
    ).blocks
    assert again_buttons(blocks) == []
