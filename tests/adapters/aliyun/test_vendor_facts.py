"""VENDORS.md §7, Alibaba Cloud IoT: each confirmed fact, in the adapter (and its simulator)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from adapters.aliyun.adapter import AliyunAdapter
from adapters.aliyun.errors import code_info, error_for, succeeded
from adapters.aliyun.rpc import RpcClient, shared_limiter
from adapters.aliyun.simulator import sandbox as sbx
from adapters.aliyun.simulator.api import AliyunSimulator
from adapters.base import Verdict
from adapters.clock import FakeClock
from adapters.errors import OutcomeUnknown, VendorError, VendorThrottled, VendorUnreachable
from commands.model import OperationRequest

CONFIG = sbx.SETTINGS


def adapter(transport: httpx.BaseTransport, clock: FakeClock) -> AliyunAdapter:
    return AliyunAdapter(config=CONFIG, client=httpx.Client(transport=transport), clock=clock)


def cancel(*targets: str, **params: str) -> OperationRequest:
    return OperationRequest(
        operation="aliyun.ota-task.cancel",
        vendor="aliyun",
        targets=targets,
        params={"product": sbx.PRODUCT_KEY, "firmware": sbx.FIRMWARE_ID, **params},
    )


def answering(status: int, body: dict[str, Any]) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, json=body))


def test_the_unfinished_task_listing_always_names_task_statuses(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    adapter(sim.transport(), clock).preview(cancel("thermo-001", "thermo-051"))
    for params in sim.accepted_calls("ListOTAUnfinishedTaskByDevice"):
        statuses = {v for k, v in params.items() if k.startswith("TaskStatusList.")}
        assert statuses == {"CONFIRM", "QUEUED", "NOTIFIED", "IN_PROGRESS"}


OOPS = {"RequestId": "r-1", "Success": False, "Code": "iot.ota.Oops", "ErrorMessage": "no"}


@pytest.mark.parametrize("status", [200, 400])
def test_success_false_is_a_failure_at_any_http_status(status: int, clock: FakeClock) -> None:
    with pytest.raises(VendorError) as caught:
        adapter(answering(status, OOPS), clock).execute(cancel("thermo-001"))
    assert (caught.value.code, caught.value.http_status) == ("iot.ota.Oops", status)


def test_success_false_in_a_5xx_fails_a_read_but_leaves_the_cancel_unknown(
    clock: FakeClock,
) -> None:
    client = httpx.Client(transport=answering(500, OOPS))
    rpc = RpcClient(
        config=CONFIG, client=client, clock=clock, limiter=shared_limiter(CONFIG, clock)
    )
    with pytest.raises(VendorError) as caught:
        rpc.call("QueryOTAFirmware", {"FirmwareId": "f"}, mutating=False)
    assert (caught.value.code, caught.value.http_status) == ("iot.ota.Oops", 500)
    with pytest.raises(OutcomeUnknown, match=r"code iot\.ota\.Oops: no, RequestId r-1"):
        adapter(answering(500, OOPS), clock).execute(cancel("thermo-001"))


def test_a_non_empty_code_is_no_success_even_beside_success_true(clock: FakeClock) -> None:
    """Nor a certain refusal: the answer says both, so the cancel ends unknown (see
    test_unknown.py); a read answered so fails, as any read that is not a success."""
    body = {"RequestId": "r-1", "Success": True, "Code": "iot.ota.Oops", "Message": "odd"}
    assert not succeeded(body, 200)
    assert succeeded({"RequestId": "r-1", "Success": True, "Code": ""}, 200)
    with pytest.raises(OutcomeUnknown, match=r'`"Code": "iot\.ota\.Oops"`, which contradicts'):
        adapter(answering(200, body), clock).execute(cancel("thermo-001"))


def test_message_is_read_as_well_as_error_message() -> None:
    gateway = error_for({"Code": "iot.ota.Unheard", "Message": "from the gateway"}, 400)
    iot = error_for({"Code": "iot.ota.Unheard", "ErrorMessage": "from IoT"}, 200)
    assert (gateway.message, iot.message) == ("from the gateway", "from IoT")


def test_keys_and_codes_are_read_case_insensitively(clock: FakeClock) -> None:
    body = {"requestId": "r-9", "success": False, "code": "Iot.Device.NotExistedDevice"}
    with pytest.raises(VendorError) as caught:
        adapter(answering(200, body), clock).execute(cancel("thermo-001"))
    assert caught.value.vendor_request_id == "r-9"
    assert caught.value.message == "the device does not exist in this product"


def test_a_device_missing_in_any_casing_is_seen_as_missing(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    sim.inject_error("Iot.Device.NotExistedDevice", device="thermo-001")
    preview = adapter(sim.transport(), clock).preview(cancel("thermo-001", "thermo-002"))
    assert "1 device (`thermo-001`) does not exist in product a1OpsThermo." in preview.warnings


@pytest.mark.parametrize("status", [400, 403, 429])
def test_throttling_is_recognised_by_its_code_at_any_status(
    status: int, sim: AliyunSimulator, clock: FakeClock
) -> None:
    sim.inject_error("THROTTLING.User", "flow control", status=status, gateway=True, times=9)
    with pytest.raises(VendorThrottled):
        adapter(sim.transport(), clock).execute(cancel("thermo-001"))
    assert len(sim.requests_to("Action=CancelOTATaskByDevice")) == 5  # refused: safe to retry


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("iot.device.NotExistedDevice", "the device does not exist"),
        ("iot.prod.NotExistedProduct", "the product does not exist"),
        ("SignatureNonceUsed", "nonce"),
        ("InvalidAccessKeyId.NotFound", "AccessKeyId"),
        ("Forbidden.RAM", "RAM user"),
        ("ServiceUnavailable", "temporarily unavailable"),
        ("InternalError", "internal error"),
        ("IncompleteSignature", "signature"),
        ("iot.common.QueryDeviceActionError", "could not query the device"),
        ("iot.firmware.InvalidTaskStatus", "task-status filter"),
    ],
)
def test_documented_codes_have_plain_messages(code: str, says: str) -> None:
    info = code_info(code)
    assert info is not None and says in info.message and info.next_step
    assert code_info(code.upper()) == info


def test_settings_and_flags_in_messages_are_backticked() -> None:
    for code in ("InvalidAccessKeyId.NotFound", "iot.system.InstanceNotFound"):
        info = code_info(code)
        assert info is not None and "`OPSGATE_ALIYUN__" in info.next_step


def test_query_firmware_draws_from_its_own_twenty_per_second(clock: FakeClock) -> None:
    rpc = RpcClient(
        config=CONFIG,
        client=httpx.Client(transport=answering(200, {"RequestId": "r", "Success": True})),
        clock=clock,
        limiter=AliyunAdapter(config=CONFIG, client=httpx.Client(), clock=clock).limiter,
    )
    start = clock.monotonic()
    for _ in range(20):
        rpc.call("QueryOTAFirmware", {"FirmwareId": "f"}, mutating=False)
    assert clock.monotonic() == start  # 20 in the first second: no wait
    assert rpc.limiter_for("QueryOTAFirmware").calls == 20
    assert rpc.limiter_for("CancelOTATaskByDevice") is rpc.limiter and rpc.limiter.calls == 10


def test_a_blocked_preview_carries_the_vendors_code(sim: AliyunSimulator, clock: FakeClock) -> None:
    preview = adapter(sim.transport(), clock).preview(cancel("thermo-001", product="a1Nope"))
    assert preview.verdict is Verdict.BLOCKED and preview.blocked is not None
    assert preview.blocked.code == "iot.prod.NotExistedProduct"


def test_a_preview_where_no_device_exists_is_blocked(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    preview = adapter(sim.transport(), clock).preview(cancel("ghost-0001", "ghost-0002"))
    assert preview.verdict is Verdict.BLOCKED and preview.blocked is not None
    assert preview.blocked.code == "iot.device.NotExistedDevice"
    assert "none of the 2 devices exists" in preview.blocked.message


def test_refused_credentials_make_no_verdict_they_raise(clock: FakeClock) -> None:
    """Credentials are not the request's fault: the preview is unavailable, not blocked."""
    body = {"RequestId": "r", "Code": "SignatureDoesNotMatch", "Message": "bad signature"}
    with pytest.raises(VendorError) as caught:
        adapter(answering(400, body), clock).preview(cancel("thermo-001"))
    assert caught.value.code == "SignatureDoesNotMatch"


@pytest.mark.parametrize("code", ["iot.ota.NullOtaModuleName", "iot.ota.EmptyDeviceInfoParams"])
def test_a_listing_refused_for_its_own_parameters_does_not_block_the_cancel(
    code: str, sim: AliyunSimulator, clock: FakeClock
) -> None:
    """Documented for ListOTAUnfinishedTaskByDevice (VENDORS.md §7): the codes are about how the
    listing was asked, not about what the cancel names, so the look fails (the card says it
    could not be made) rather than claiming the vendor will refuse the cancel."""
    sim.inject_error(code, "refused", action="ListOTAUnfinishedTaskByDevice")
    with pytest.raises(VendorError) as caught:
        adapter(sim.transport(), clock).preview(cancel("thermo-001"))
    assert caught.value.code == code


def listings_answering(sim: AliyunSimulator, data: object) -> httpx.MockTransport:
    """The simulator, except that every OTA task listing answers success with `data` as Data."""

    def handle(request: httpx.Request) -> httpx.Response:
        if "Action=ListOTA" in str(request.url):
            return httpx.Response(200, json={"RequestId": "r-7", "Success": True, "Data": data})
        return sim.handle(request)

    return httpx.MockTransport(handle)


@pytest.mark.parametrize("data", [1, True, "rows"])
def test_a_listing_whose_data_is_not_a_list_is_unreadable_not_empty(
    data: object, sim: AliyunSimulator, clock: FakeClock
) -> None:
    """The preview cannot be made (not "no pending task"); after an accepted cancel, the check
    says the listing failed, and the outcome keeps what the cancel answered."""
    with pytest.raises(VendorUnreachable, match="Data is not a list"):
        adapter(listings_answering(sim, data), clock).preview(cancel("thermo-001"))
    outcome = adapter(listings_answering(sim, data), clock).execute(
        cancel("thermo-001", job=sbx.JOB_ID)
    )
    assert outcome.summary == "Cancel accepted for 1 device" and outcome.ok
    assert outcome.checked.startswith("could not list the devices' tasks (")
