"""An unknown outcome keeps the vendor's request id of the call, when its answer gave one: it is
what the vendor's support asks for to say whether the change happened (SPEC §2: the card shows
"the vendor's request id"; §4: the event's detail holds it). A ServicePower cancel answered with
a contradiction or a 5xx, through a gateway that names its requests, is the case in point."""

from __future__ import annotations

import json

import httpx
import pytest
from lifecycle_world import BOB, World, open_request

from adapters.registry import installed_plugins
from bot.model import AuditEventName, RequestState, UnknownOutcome
from commands.parse import parse

ANSWERS = {
    "contradiction": httpx.Response(
        200, json={"Success": True, "Code": "7"}, headers={"x-request-id": "gw-req-42"}
    ),
    "server error": httpx.Response(
        502, json={"Code": 2, "Message": "upstream"}, headers={"x-request-id": "gw-req-42"}
    ),
}


@pytest.mark.parametrize("answer", sorted(ANSWERS))
def test_an_unknown_cancel_keeps_the_vendor_request_id(world: World, answer: str) -> None:
    sim = world.sim("servicepower")
    route = sim.route

    def answered(request: httpx.Request) -> httpx.Response:
        return ANSWERS[answer] if request.method == "PUT" else route(request)

    sim.route = answered
    command = 'servicepower job cancel JOB-1002 --reason "duplicate visit"'
    rid = open_request(world, parse(command, installed_plugins().catalog))  # type: ignore[arg-type]
    world.service.approve(rid, world.on_card(rid, BOB))

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.UNKNOWN
    assert isinstance(record.outcome, UnknownOutcome)
    assert record.outcome.vendor_request_id == "gw-req-42"
    card = world.slack.of("update")[-1].message
    assert "Vendor request id: `gw-req-42`" in json.dumps(card.blocks)
    [unknown] = [e for e in world.store.events(request_id=rid) if e.event is AuditEventName.UNKNOWN]
    assert unknown.detail["vendor_request_id"] == "gw-req-42"
