"""A bulk run that ended failed or unknown with some targets succeeded: its card's header and
the requester's message open with what the outcome under them says ("Partly unknown",
"Partly failed"), not the bare state ("Outcome unknown", "Failed") above "Partly …"; where the
state itself is named (`/ops status`'s answer text, history, the audit event) it keeps SPEC's
name."""

from __future__ import annotations

import json

from lifecycle_world import ALICE, BOB, World, open_request

from adapters.aliyun.simulator import sandbox as aliyun
from adapters.base import Counts, Outcome
from adapters.simulator import Fault
from bot.cards import Message
from bot.lifecycle import Origin
from bot.model import AuditEventName, RequestState
from commands.model import HistoryCommand, OperationRequest

DEVICES = tuple(f"dev-{i:04d}" for i in range(1_000))


def said(message: Message) -> str:
    return message.text + json.dumps(message.blocks, ensure_ascii=False)


def header(message: Message) -> str:
    [text] = [b["text"]["text"] for b in message.blocks if b["type"] == "header"]
    return str(text)


def run_with(world: World, fault: Fault) -> tuple[str, Message, Message]:
    """Cancel on 1,000 devices, the batch holding dev-0400 meeting `fault`; approve it."""
    request = OperationRequest(
        operation="aliyun.ota-task.cancel",
        vendor="aliyun",
        targets=DEVICES,
        reason="bad firmware rollout",
        params={"product": aliyun.PRODUCT_KEY, "firmware": aliyun.FIRMWARE_ID},
    )
    rid = open_request(world, request)
    world.sim("aliyun").inject(fault, path_contains="dev-0400")
    world.service.approve(rid, world.on_card(rid, BOB))
    card = world.slack.of("update")[-1].message
    [dm] = [p.message for p in world.slack.of("post") if p.target == ALICE]
    return rid, card, dm


def test_a_partly_unknown_run_is_headed_partly_unknown_on_its_card_and_in_the_dm(
    world: World,
) -> None:
    rid, card, dm = run_with(world, Fault.UNAVAILABLE)
    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.UNKNOWN
    assert isinstance(record.outcome, Outcome)
    assert record.outcome.counts == Counts(succeeded=800, unknown=200)

    assert header(card).startswith(":grey_question: Partly unknown: aliyun.ota-task.cancel")
    assert card.text.startswith("Partly unknown: aliyun.ota-task.cancel on 1,000 targets")
    assert "Outcome unknown" not in said(card)
    assert dm.text.startswith(f"Partly unknown: aliyun.ota-task.cancel ({rid})")
    assert f"*Partly unknown:* your request `{rid}`" in said(dm)
    assert "Outcome unknown" not in said(dm)

    # Where the state itself is named, it keeps SPEC's name.
    origin = Origin(user=ALICE, channel=record.channel, response_url="https://hooks.example/a")
    assert world.service.status(rid, origin).text == f"Status of {rid}: Outcome unknown"
    assert "Outcome unknown" in said(world.service.history(HistoryCommand(mine=True), origin))
    events = [e.event for e in world.store.events(request_id=rid)]
    assert AuditEventName.UNKNOWN in events
