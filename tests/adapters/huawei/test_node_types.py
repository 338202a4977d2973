"""A device the platform does not say is an endpoint may be a gateway: its preview asks how many
devices hang off it, and warns that a cascade takes them too (VENDORS.md §5: "Warn on the card
when a gateway will cascade"). The platform documents ``UNKNOW`` as a node type, and an answer
may lack the field; neither may drop the warning a gateway gets."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from adapters.base import Verdict
from adapters.clock import FakeClock
from adapters.huawei.adapter import HuaweiAdapter
from adapters.huawei.plugin import sandboxed
from adapters.huawei.settings import HuaweiSettings
from adapters.huawei.simulator.api import SANDBOX_APP_ID, SANDBOX_SECRET, HuaweiSimulator, SimDevice
from adapters.ratelimit import RateLimiter
from commands.model import OperationRequest, ParamValue

World = tuple[HuaweiAdapter, HuaweiSimulator]


def device(device_id: str, **params: ParamValue) -> OperationRequest:
    return OperationRequest(
        operation="huawei.device.delete", vendor="huawei", targets=(device_id,), params=params
    )


@pytest.fixture
def world() -> World:
    built = sandboxed(FakeClock())
    sim = built.simulator
    sim.state.add_device(SimDevice("hub-0001", SANDBOX_APP_ID, "hub", node_type="UNKNOW"))
    for n in (1, 2):
        sim.state.add_device(
            SimDevice(f"hub-0001-child-{n}", SANDBOX_APP_ID, f"child {n}", gateway_id="hub-0001")
        )
    sim.state.add_device(SimDevice("odd-0001", SANDBOX_APP_ID, "odd", node_type="UNKNOW"))
    return built.adapter, sim


def test_a_device_of_unknown_node_type_with_children_warns_they_go_too(world: World) -> None:
    adapter, _ = world
    preview = adapter.preview(device("hub-0001"))
    assert preview.facts["node type"] == "UNKNOW"
    assert preview.facts["child devices"] == "2"
    assert preview.verdict is Verdict.WARN
    assert preview.warnings == [
        "node type UNKNOW, with devices under it as a gateway's: deleting it also deletes its 2 "
        "child devices (use `--no-cascade` to keep them as directly connected)"
    ]


def test_without_cascade_it_says_the_children_stay(world: World) -> None:
    adapter, _ = world
    preview = adapter.preview(device("hub-0001", cascade=False))
    assert preview.facts["cascade"] == "false"
    assert "2 child devices will be kept and become directly connected" in preview.warnings[0]


def test_a_device_of_unknown_node_type_without_children_has_no_warning(world: World) -> None:
    adapter, _ = world
    preview = adapter.preview(device("odd-0001"))
    assert preview.warnings == [] and preview.verdict is Verdict.OK


def test_a_device_answer_without_a_node_type_still_warns_for_a_gateway(world: World) -> None:
    _, sim = world

    def answer(request: httpx.Request) -> httpx.Response:
        response = sim.handle(request)
        if request.url.path.endswith("/devices/gw-0001"):
            body = response.json()
            del body["nodeType"]
            return httpx.Response(response.status_code, json=body)
        return response

    adapter = HuaweiAdapter(
        config=HuaweiSettings(
            base_url="https://huawei.sandbox.invalid:8743",
            app_id=SANDBOX_APP_ID,
            secret=SecretStr(SANDBOX_SECRET),
        ),
        client=httpx.Client(transport=httpx.MockTransport(answer)),
        clock=sim.clock,
        limiter=RateLimiter(calls=100, period=60.0, clock=sim.clock),
    )
    preview = adapter.preview(device("gw-0001"))
    assert preview.facts["child devices"] == "3"
    assert preview.verdict is Verdict.WARN
    assert "deleting it also deletes its 3 child devices" in preview.warnings[0]


def test_a_device_of_unknown_node_type_whose_children_cannot_be_listed_warns(
    world: World,
) -> None:
    adapter, sim = world
    sim.inject("server_error", times=10, path_contains="gatewayId=")
    preview = adapter.preview(device("odd-0001"))
    assert "child devices" not in preview.facts
    assert preview.verdict is Verdict.WARN
    assert preview.warnings == [
        "node type UNKNOW, perhaps a gateway: if so, deleting it also deletes its child devices "
        "(use `--no-cascade` to keep them as directly connected)"
    ]
