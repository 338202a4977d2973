"""A new request: policy, preview, store, card (SPEC §2, §3)."""

from __future__ import annotations

import pytest
from lifecycle_world import ALICE, CHANNEL, LEADS, World, package_request

from adapters.base import Preview, Verdict
from bot.model import AuditEventName, PreviewUnavailable, RequestState
from commands.model import OperationRequest


def test_request_posts_a_pending_card_with_the_preview(world: World) -> None:
    world.service.submit(package_request(), world.origin(ALICE), command_text="/ops …")

    [record] = world.store.history()
    assert record.state is RequestState.PENDING
    assert record.requester == ALICE and record.channel == CHANNEL and record.sandbox
    assert isinstance(record.preview, Preview) and record.preview.verdict is Verdict.OK
    [card] = world.slack.of("post")
    assert card.target == CHANNEL and record.id in card.message.text + str(card.message.blocks)
    assert world.store.get(record.id).message_ts is not None  # type: ignore[union-attr]
    assert [e.event for e in world.store.events(request_id=record.id)] == [AuditEventName.REQUESTED]
    assert record.id in world.slack.last_text_to(ALICE)


def test_the_preview_makes_no_change_at_the_vendor(world: World) -> None:
    world.service.submit(package_request(), world.origin(ALICE), command_text="/ops …")
    assert all(r.method in {"GET", "POST"} for r in world.sim("huawei").calls)
    assert not [r for r in world.sim("huawei").calls if r.method == "DELETE"]


def test_missing_reason_is_denied_and_audited(world: World) -> None:
    world.service.submit(package_request(reason=None), world.origin(ALICE), command_text="/ops …")

    [record] = world.store.history()
    assert record.state is RequestState.DENIED
    [event] = world.store.events(request_id=record.id)
    assert event.event is AuditEventName.DENIED and event.actor == ALICE
    assert "reason" in world.slack.last_text_to(ALICE).lower()
    assert not world.slack.of("post")


def test_request_from_a_channel_outside_the_policy_is_denied(world: World) -> None:
    world.service.submit(
        package_request(), world.origin(ALICE, channel="C0ELSEWHERE"), command_text="/ops …"
    )
    [record] = world.store.history()
    assert record.state is RequestState.DENIED
    assert not world.slack.of("post")


def test_requester_not_in_policy_is_denied(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory(f'[policy]\nrequesters = ["{LEADS}"]\napprovers = ["*"]\n')
    world.service.submit(package_request(), world.origin(ALICE), command_text="/ops …")
    assert world.store.history()[0].state is RequestState.DENIED


def test_too_many_targets_for_the_policy_is_denied(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory(
        '[policy]\napprovers = ["*"]\n'
        '[policy.operations."aliyun.ota-task.cancel"]\nmax_targets = 2\n'
    )
    request = OperationRequest(
        operation="aliyun.ota-task.cancel",
        vendor="aliyun",
        targets=("a1", "a2", "a3"),
        reason="x",
        params={"product": "p", "firmware": "f"},
    )
    world.service.submit(request, world.origin(ALICE), command_text="/ops …")
    assert world.store.history()[0].state is RequestState.DENIED


def test_dry_run_shows_the_vendor_request_and_changes_nothing(world: World) -> None:
    world.service.submit(package_request(dry_run=True), world.origin(ALICE), command_text="/ops …")

    assert world.store.history() == []
    assert not world.slack.of("post")
    [answer] = world.slack.of("respond")
    shown = answer.message.text + str(answer.message.blocks)
    assert "DELETE" in shown and "pkg-meter-fw-1.2.0" in shown
    assert not [r for r in world.sim("huawei").calls if r.method == "DELETE"]


def test_unconfigured_vendor_says_so_and_records_the_refusal(world: World) -> None:
    # SPEC §3: a refused request is answered with the reason and recorded in the audit log.
    del world.adapters.by_vendor["huawei"]
    world.adapters.unconfigured = frozenset({"huawei"})
    world.service.submit(package_request(), world.origin(ALICE), command_text="/ops …")
    assert "not configured" in world.slack.last_text_to(ALICE)
    [record] = world.store.history()
    assert (record.state, record.requester) == (RequestState.DENIED, ALICE)
    [denied] = world.store.events(request_id=record.id)
    assert denied.event is AuditEventName.DENIED and "not configured" in denied.detail["reason"]


def test_an_unconfigured_vendors_dry_run_is_not_recorded(world: World) -> None:
    del world.adapters.by_vendor["huawei"]
    world.adapters.unconfigured = frozenset({"huawei"})
    request = package_request(dry_run=True)
    world.service.submit(request, world.origin(ALICE), command_text="/ops …")
    assert "not configured" in world.slack.last_text_to(ALICE)
    assert world.store.history() == []


def test_a_vendor_whose_plugin_is_gone_says_so_and_records_the_refusal(world: World) -> None:
    del world.adapters.by_vendor["huawei"]
    world.service.submit(package_request(), world.origin(ALICE), command_text="/ops …")
    assert "no vendor plugin called huawei is installed" in world.slack.last_text_to(ALICE)
    [record] = world.store.history()
    assert record.state is RequestState.DENIED


def test_unreachable_vendor_still_opens_a_request_marked_on_the_card(world: World) -> None:
    world.sim("huawei").inject("disconnect", times=10)
    world.service.submit(package_request(), world.origin(ALICE), command_text="/ops …")
    [record] = world.store.history()
    assert record.state is RequestState.PENDING
    assert isinstance(record.preview, PreviewUnavailable)
    assert record.preview.error == "VendorUnreachable" and record.preview.verdict is Verdict.WARN


def test_a_plugin_bug_in_the_preview_still_opens_a_request_marked_on_the_card(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Not a request that vanished with no answer and no audit event: the card says the
    preview failed, and the log keeps the traceback."""

    def broken(request: OperationRequest) -> Preview:
        return {}["missing"]  # type: ignore[no-any-return]

    monkeypatch.setattr(world.adapters.by_vendor["huawei"], "preview", broken)
    world.service.submit(package_request(), world.origin(ALICE), command_text="/ops …")
    [record] = world.store.history()
    assert record.state is RequestState.PENDING
    assert isinstance(record.preview, PreviewUnavailable)
    assert record.preview.error == "InternalError" and record.preview.verdict is Verdict.WARN
    assert "huawei plugin failed unexpectedly previewing this (KeyError)" in record.preview.message
    assert record.message_ts is not None  # the card was posted
    [logged] = [r for r in caplog.records if "failed unexpectedly previewing" in r.getMessage()]
    assert logged.exc_info is not None


def test_card_post_refused_tells_the_requester(world: World) -> None:
    world.slack.refuse_posts = "not_in_channel"
    world.service.submit(package_request(), world.origin(ALICE), command_text="/ops …")
    assert "/invite" in world.slack.last_text_to(ALICE)
    assert world.store.history()[0].message_ts is None


def test_dry_run_of_a_request_the_vendor_cannot_send_explains_why(world: World) -> None:
    request = OperationRequest(
        operation="enos.ota-job.delete",
        vendor="enos",
        targets=("otajob-7d2c1e",),
        reason="x",
        dry_run=True,
    )  # no --org
    world.service.submit(request, world.origin(ALICE), command_text="/ops …")
    answer = world.slack.last_text_to(ALICE)
    assert "org" in answer.lower()
    assert world.store.history() == []
