"""The card and the requester's message say only what the vendor confirmed (issue 7 #4, #22;
SPEC §8), through the lifecycle and the Alibaba sandbox."""

from __future__ import annotations

from lifecycle_world import ALICE, BOB, World, open_request

from adapters.aliyun.simulator import sandbox as aliyun
from adapters.base import Counts, Outcome
from adapters.simulator import Fault
from bot.cards import Message
from bot.model import AuditEventName, RequestState
from commands.model import OperationRequest

GHOSTS = tuple(f"ghost-{i:05d}" for i in range(9_945))


def cancel(targets: tuple[str, ...], **params: str) -> OperationRequest:
    return OperationRequest(
        operation="aliyun.ota-task.cancel",
        vendor="aliyun",
        targets=targets,
        reason="bad firmware rollout",
        params={"product": aliyun.PRODUCT_KEY, "firmware": aliyun.FIRMWARE_ID, **params},
    )


def texts(message: Message) -> str:
    parts = [message.text]
    for block in message.blocks:
        if isinstance(block.get("text"), dict):
            parts.append(block["text"]["text"])
    return "\n".join(parts)


def run(world: World, request: OperationRequest) -> tuple[str, str]:
    """Request, approve, and return the final card's text and the requester's message."""
    rid = open_request(world, request)
    world.service.approve(rid, world.on_card(rid, BOB))
    card = world.slack.of("update")[-1].message
    [dm] = [p.message for p in world.slack.of("post") if p.target == ALICE]
    return texts(card), texts(dm)


def test_nothing_to_cancel_is_not_called_cancelled(world: World) -> None:
    card, dm = run(world, cancel(aliyun.IDLE_DEVICES[:2]))

    for said in (card, dm):
        assert "Cancelled OTA tasks on 2 of 2 devices" not in said
        assert ":white_check_mark: *Succeeded:* Cancel accepted for 2 devices" in said
        assert "none has a pending task for the firmware" in said


def test_the_outcome_says_how_many_had_a_pending_task_when_previewed(world: World) -> None:
    # SPEC §8: "cancel accepted for 10,000 devices (55 had a pending task when previewed)".
    targets = (*aliyun.BUSY_DEVICES[:3], *aliyun.IDLE_DEVICES[:2])
    rid = open_request(world, cancel(targets))
    world.service.approve(rid, world.on_card(rid, BOB))
    card = texts(world.slack.of("update")[-1].message)
    [dm] = [texts(p.message) for p in world.slack.of("post") if p.target == ALICE]

    said = "Cancel accepted for 5 devices (3 had a pending task when previewed)"
    assert said in card and said in dm
    [ended] = [e for e in world.store.events(request_id=rid) if e.event is AuditEventName.SUCCEEDED]
    assert ended.detail["summary"] == said


def test_ten_thousand_names_of_which_9945_do_not_exist(world: World) -> None:
    targets = (*aliyun.BUSY_DEVICES, *aliyun.IDLE_DEVICES, *GHOSTS)

    card, _ = run(world, cancel(targets, job=aliyun.JOB_ID))

    assert "Cancelled OTA tasks on 10,000 of 10,000 devices" not in card
    said = "Cancel accepted for 10,000 devices (1 of 20 sampled had a pending task when previewed)"
    assert said in card
    assert "now shows a cancelled task for 45 of the 10,000 devices" in card
    assert "the other 9,955 (`thermo-010`, `thermo-020`, `thermo-030` +9,952 more) show" in card


def test_an_unreadable_503_batch_among_successes_reads_unknown_once(world: World) -> None:
    devices = tuple(f"dev-{i:04d}" for i in range(1_000))
    rid = open_request(world, cancel(devices))
    world.sim("aliyun").inject(Fault.UNAVAILABLE, path_contains="dev-0400")
    world.service.approve(rid, world.on_card(rid, BOB))

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.UNKNOWN  # engineer must check
    assert isinstance(record.outcome, Outcome)
    assert record.outcome.counts == Counts(succeeded=800, unknown=200)
    card = texts(world.slack.of("update")[-1].message)
    assert "800 of 1,000 accepted; 200 unknown (1 batch: no confirmed answer)" in card
    assert "vendor error `unknown`" not in card and "failed" not in card.lower()
    assert ":grey_question: *Partly unknown:*" in card
    assert "opsgate will not retry them" in card
    [ended] = [e for e in world.store.events(request_id=rid) if e.event is AuditEventName.UNKNOWN]
    assert ended.detail["counts"] == {"succeeded": 800, "failed": 0, "not_sent": 0, "unknown": 200}
