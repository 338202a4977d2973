"""The lifecycle's race and failure paths, made deterministic: something happens between a
click's checks and its compare-and-set, and the store's answer wins."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Callable

import pytest
from lifecycle_world import ALICE, BOB, CAROL, LEADS, World, deletes, open_request

from adapters.base import Outcome
from bot.lifecycle.workers import Runner
from bot.model import AuditEventName, RequestState
from bot.observability import bind, configure_logging
from commands.model import OperationRequest

PKG = "/category/pkg-meter-fw-1.2.0"
LEADS_APPROVE = f'[policy]\napprovers = ["{LEADS}"]\nchannels = ["C0OPS"]\n'


class MidCheck:
    """A directory that does something (once) while the policy is looking up the group."""

    def __init__(self, action: Callable[[], None]) -> None:
        self.action: Callable[[], None] | None = action

    def members(self, group_id: str) -> frozenset[str]:
        if self.action is not None:
            action, self.action = self.action, None
            action()
        return frozenset({BOB, CAROL})

    def outsider(self, user_id: str) -> bool:
        return False


def events(world: World, rid: str) -> list[tuple[AuditEventName, str]]:
    return [(e.event, e.actor) for e in world.store.events(request_id=rid)]


def test_expiry_between_the_checks_and_the_approval_refuses_and_marks_the_card(
    world_factory,  # type: ignore[no-untyped-def]
) -> None:
    world = world_factory(LEADS_APPROVE)
    rid = open_request(world)
    directory = MidCheck(lambda: world.clock.advance(31 * 60))  # the TTL passes mid-click
    object.__setattr__(world.service.s, "directory", directory)

    world.service.approve(rid, world.on_card(rid, BOB))

    assert world.store.get(rid).state is RequestState.EXPIRED  # type: ignore[union-attr]
    assert deletes(world, PKG) == 0
    assert events(world, rid)[-2:] == [
        (AuditEventName.EXPIRED, "system"),
        (AuditEventName.DENIED, BOB),
    ]
    assert "expired" in str(world.slack.of("update")[-1].message.blocks).lower()
    assert "expired" in world.slack.last_text_to(BOB)


def test_a_reject_that_loses_to_a_withdraw_is_refused_not_applied(
    world_factory,  # type: ignore[no-untyped-def]
) -> None:
    world = world_factory(LEADS_APPROVE)
    rid = open_request(world)
    directory = MidCheck(lambda: world.service.withdraw(rid, world.on_card(rid, ALICE)))
    object.__setattr__(world.service.s, "directory", directory)

    world.service.reject(rid, world.on_card(rid, CAROL))

    assert world.store.get(rid).state is RequestState.WITHDRAWN  # type: ignore[union-attr]
    assert events(world, rid)[-2:] == [
        (AuditEventName.WITHDRAWN, ALICE),
        (AuditEventName.DENIED, CAROL),
    ]
    assert "withdrawn" in world.slack.last_text_to(CAROL)


@pytest.mark.parametrize("click", ["reject", "withdraw"])
def test_rejecting_or_withdrawing_a_decided_request_is_refused(world: World, click: str) -> None:
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))  # executed and succeeded
    getattr(world.service, click)(rid, world.on_card(rid, ALICE if click == "withdraw" else CAROL))
    assert world.store.get(rid).state is RequestState.SUCCEEDED  # type: ignore[union-attr]
    assert events(world, rid)[-1][0] is AuditEventName.DENIED


def test_a_bulk_run_with_a_failed_batch_fails_and_audits_the_failed_targets(world: World) -> None:
    from adapters.aliyun.simulator import sandbox as aliyun_sandbox

    devices = tuple(f"bulk-{i:04d}" for i in range(400))
    request = OperationRequest(
        operation="aliyun.ota-task.cancel",
        vendor="aliyun",
        targets=devices,
        reason="rollback",
        params={"product": aliyun_sandbox.PRODUCT_KEY, "firmware": aliyun_sandbox.FIRMWARE_ID},
    )
    rid = open_request(world, request)  # previewed first, so the fault hits the cancel
    world.sim("aliyun").inject_error("iot.ota.DeviceTaskStateChanged", "no", device="bulk-0000")
    world.service.approve(rid, world.on_card(rid, BOB))

    assert world.store.get(rid).state is RequestState.FAILED  # type: ignore[union-attr]
    [failed] = [e for e in world.store.events(request_id=rid) if e.event is AuditEventName.FAILED]
    assert failed.detail["counts"] == {"succeeded": 200, "failed": 200, "not_sent": 0, "unknown": 0}
    assert failed.detail["failure_codes"] == ["iot.ota.DeviceTaskStateChanged"]
    assert "200 of 400" in failed.detail["summary"]
    # The refused call's request id, for the vendor's support, as the card shows it.
    outcome = world.store.get(rid).outcome  # type: ignore[union-attr]
    assert isinstance(outcome, Outcome)
    [refused_id] = {f.vendor_request_id for f in outcome.failures}
    assert refused_id and failed.detail["failure_request_ids"] == [refused_id]


def test_the_requester_is_told_in_the_channel_when_a_dm_is_refused(world: World) -> None:
    rid = open_request(world)
    world.slack.refuse_dms = True
    world.service.approve(rid, world.on_card(rid, BOB))
    notices = [p for p in world.slack.of("ephemeral") if p.target.endswith(f"/{ALICE}")]
    assert notices and rid in notices[-1].message.text + str(notices[-1].message.blocks)


def test_a_failing_background_job_is_logged_and_does_not_wedge_the_pool(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runner = Runner(workers=2)
    ran = threading.Event()

    def boom() -> None:
        raise RuntimeError("job exploded")

    with caplog.at_level(logging.ERROR, logger="bot.lifecycle.workers"):
        runner.submit(boom)
        runner.submit(ran.set)
        assert runner.wait_idle(5)
    runner.shutdown()
    assert ran.is_set()
    assert "background job failed" in caplog.text and "job exploded" in caplog.text


def test_a_failing_job_is_logged_with_the_request_it_bound() -> None:
    out = io.StringIO()
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    runner = Runner(workers=2)

    def boom() -> None:
        bind(request_id="R-7K3F9QW2")  # as a job does once it knows its request
        raise RuntimeError("job exploded")

    try:
        configure_logging(level="INFO", fmt="json", stream=out)
        runner.submit(boom)
        runner.submit_preview("v", boom)
        assert runner.wait_idle(5)
        runner.shutdown()
    finally:
        root.handlers[:] = before[0]
        root.setLevel(before[1])
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    failures = [line for line in lines if line["message"] == "background job failed"]
    assert [line.get("request_id") for line in failures] == ["R-7K3F9QW2"] * 2


def test_the_same_approver_counted_between_the_checks_and_the_store_is_a_duplicate(
    world_factory,  # type: ignore[no-untyped-def]
) -> None:
    """Bob's second click is checked before his first is stored: the store refuses it."""
    world = world_factory(
        LEADS_APPROVE + '[policy.operations."huawei.package.delete"]\napprovals = 2\n'
    )
    rid = open_request(world)
    first_click = MidCheck(lambda: world.service.approve(rid, world.on_card(rid, BOB)))
    object.__setattr__(world.service.s, "directory", first_click)

    world.service.approve(rid, world.on_card(rid, BOB))

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.PENDING
    assert record.approvers == (BOB,)
    assert events(world, rid)[-2:] == [(AuditEventName.APPROVED, BOB), (AuditEventName.DENIED, BOB)]
    assert "You have already approved" in world.slack.last_text_to(BOB)
    assert deletes(world, PKG) == 0
