"""The Alibaba Cloud IoT simulator: the gateway's checks, the rate window, and OTA task state."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest

from adapters.aliyun import signing
from adapters.aliyun.signing import AccessKey, encode_query, signed_params
from adapters.aliyun.simulator import sandbox as sbx
from adapters.aliyun.simulator.api import AliyunSimulator
from adapters.clock import FakeClock

KEY = AccessKey(sbx.ACCESS_KEY_ID, sbx.ACCESS_KEY_SECRET)
BASE = {
    "ProductKey": sbx.PRODUCT_KEY,
    "FirmwareId": sbx.FIRMWARE_ID,
    "IotInstanceId": sbx.INSTANCE_ID,
}


def _request(
    action: str, params: dict[str, str], clock: FakeClock, *, key: AccessKey = KEY, **override: str
) -> httpx.Request:
    signed = signed_params("POST", action, params, key=key, region_id="cn-shanghai", clock=clock)
    signed.update(override)
    return httpx.Request("POST", f"{sbx.ENDPOINT}/?{encode_query(signed.items())}")


def _call(
    sim: AliyunSimulator, clock: FakeClock, action: str, params: dict[str, str], **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    response = sim.handle(_request(action, params, clock, **kwargs))
    return response.status_code, response.json()


def _cancel(devices: list[str], **extra: str) -> dict[str, str]:
    names = {f"DeviceName.{i}": d for i, d in enumerate(devices, start=1)}
    return {**BASE, **names, **extra}


def _statuses(sim: AliyunSimulator, device: str) -> list[str]:
    return [t.status for t in sim.state.tasks(sbx.PRODUCT_KEY, device)]


def test_cancel_moves_pending_tasks_to_canceled(sim: AliyunSimulator, clock: FakeClock) -> None:
    status, body = _call(
        sim, clock, "CancelOTATaskByDevice", _cancel(["thermo-001", "thermo-002", "thermo-010"])
    )
    assert status == 200 and body["Success"] is True and body["RequestId"]
    assert _statuses(sim, "thermo-001") == ["CANCELED"]
    assert _statuses(sim, "thermo-002") == ["CANCELED"]
    assert _statuses(sim, "thermo-010") == ["IN_PROGRESS"]  # upgrading: not cancellable


def test_cancel_with_nothing_to_cancel_still_succeeds(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    for _ in range(2):
        status, body = _call(sim, clock, "CancelOTATaskByDevice", _cancel(["thermo-051"]))
        assert (status, body["Success"]) == (200, True)
    assert _statuses(sim, "thermo-051") == ["SUCCEEDED"]


def test_cancel_honours_the_job_filter(sim: AliyunSimulator, clock: FakeClock) -> None:
    _call(sim, clock, "CancelOTATaskByDevice", _cancel(["thermo-001"], JobId="other-job"))
    assert _statuses(sim, "thermo-001") == ["CONFIRM"]
    _call(sim, clock, "CancelOTATaskByDevice", _cancel(["thermo-001"], JobId=sbx.JOB_ID))
    assert _statuses(sim, "thermo-001") == ["CANCELED"]


def test_wrong_secret_is_signature_does_not_match(sim: AliyunSimulator, clock: FakeClock) -> None:
    status, body = _call(
        sim,
        clock,
        "CancelOTATaskByDevice",
        _cancel(["thermo-001"]),
        key=AccessKey(sbx.ACCESS_KEY_ID, "wrong"),
    )
    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")
    assert "Message" in body and "HostId" in body
    assert _statuses(sim, "thermo-001") == ["CONFIRM"]


def test_tampered_parameter_breaks_the_signature(sim: AliyunSimulator, clock: FakeClock) -> None:
    status, body = _call(
        sim,
        clock,
        "CancelOTATaskByDevice",
        _cancel(["thermo-001"]),
        **{"DeviceName.1": "thermo-002"},
    )
    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")


@pytest.mark.parametrize(
    "slip",
    [
        lambda value: quote(value, safe="-_.~*"),  # "*" left as it is
        lambda value: quote(value, safe="-_.~/"),  # "/" left as it is
        lambda value: quote_plus(value, safe="-_.~"),  # a space as "+"
    ],
)
def test_a_slip_in_the_adapters_signing_is_refused(
    sim: AliyunSimulator, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, slip: Any
) -> None:
    # The gateway computes its check on its own, so the adapter's code cannot agree with itself.
    monkeypatch.setattr(signing, "percent_encode", slip)
    status, body = _call(sim, clock, "CancelOTATaskByDevice", _cancel(["thermo 001*/"]))
    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")


def test_unknown_access_key(sim: AliyunSimulator, clock: FakeClock) -> None:
    status, body = _call(
        sim,
        clock,
        "ListOTAFirmware",
        {"CurrentPage": "1", "PageSize": "1"},
        key=AccessKey("LTAInobody", "x"),
    )
    assert (status, body["Code"]) == (404, "InvalidAccessKeyId.NotFound")


def test_replayed_request_is_refused(sim: AliyunSimulator, clock: FakeClock) -> None:
    request = _request("CancelOTATaskByDevice", _cancel(["thermo-001"]), clock)
    assert sim.handle(request).status_code == 200
    replay = sim.handle(httpx.Request("POST", request.url))
    assert (replay.status_code, replay.json()["Code"]) == (400, "SignatureNonceUsed")


def test_stale_timestamp_is_refused(sim: AliyunSimulator, clock: FakeClock) -> None:
    request = _request("ListOTAFirmware", {"CurrentPage": "1", "PageSize": "1"}, clock)
    clock.advance(16 * 60)
    response = sim.handle(request)
    assert response.json()["Code"] == "InvalidTimeStamp.Expired"


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"Action": "DeleteEverything"}, "InvalidAction.NotFound"),
        ({"Version": "2017-04-20"}, "InvalidVersion"),
        ({"SignatureMethod": "HMAC-SHA256"}, "InvalidSignatureMethod"),
        ({"Timestamp": "yesterday"}, "InvalidTimeStamp.Format"),
        ({"SignatureNonce": ""}, "MissingSignatureNonce"),
    ],
)
def test_gateway_shape_checks(
    sim: AliyunSimulator, clock: FakeClock, override: dict[str, str], code: str
) -> None:
    status, body = _call(
        sim, clock, "ListOTAFirmware", {"CurrentPage": "1", "PageSize": "1"}, **override
    )
    assert status >= 400 and body["Code"] == code


def test_xml_is_the_default_format(sim: AliyunSimulator, clock: FakeClock) -> None:
    request = _request(
        "ListOTAFirmware", {"CurrentPage": "1", "PageSize": "1"}, clock, Format="XML"
    )
    response = sim.handle(request)
    assert response.text.startswith("<?xml") and "<Code>SignatureDoesNotMatch</Code>" in (
        response.text
    )


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({**_cancel(["thermo-001"]), "IotInstanceId": "iot-other"}, "iot.system.InstanceNotFound"),
        (
            {k: v for k, v in _cancel(["a"]).items() if k != "IotInstanceId"},
            "iot.system.InstanceNotFound",
        ),
        ({k: v for k, v in _cancel(["a"]).items() if k != "ProductKey"}, "MissingProductKey"),
        (_cancel([f"d{i}" for i in range(201)]), "iot.ota.DeviceNameSizeExceeded"),
        (_cancel(["a", "b", "a"]), "iot.ota.DuplicateDeviceName"),
        ({**BASE, "DeviceName.1": "a", "DeviceName.3": "c"}, "iot.common.InvalidParameter"),
        (BASE, "MissingDeviceName.1"),
        ({**_cancel(["a"]), "FirmwareId": "fw-nope"}, "iot.ota.FirmwareNotExist"),
    ],
)
def test_cancel_parameter_checks(
    sim: AliyunSimulator, clock: FakeClock, params: dict[str, str], code: str
) -> None:
    _, body = _call(sim, clock, "CancelOTATaskByDevice", params)
    assert body["Code"] == code and body.get("Success") is not True


def test_exactly_200_devices_are_accepted(sim: AliyunSimulator, clock: FakeClock) -> None:
    _, body = _call(sim, clock, "CancelOTATaskByDevice", _cancel([f"d{i}" for i in range(200)]))
    assert body["Success"] is True


def test_ten_calls_per_second_per_account(sim: AliyunSimulator, clock: FakeClock) -> None:
    params = {"CurrentPage": "1", "PageSize": "1", "IotInstanceId": sbx.INSTANCE_ID}
    codes = [_call(sim, clock, "ListOTAFirmware", params)[1].get("Code") for _ in range(11)]
    assert codes[:10] == [None] * 10
    assert codes[10] == "Throttling.User" and sim.throttled_count == 1
    sim.add_account("LTAIsecond", "s2")  # another account has its own budget
    _, other = _call(sim, clock, "ListOTAFirmware", params, key=AccessKey("LTAIsecond", "s2"))
    assert other["Success"] is True
    clock.advance(1.0)
    assert _call(sim, clock, "ListOTAFirmware", params)[1]["Success"] is True


def test_query_firmware_has_its_own_twenty_per_second(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    """Each API has its own per-account limit (VENDORS.md §7): QueryOTAFirmware 20/s."""
    params = {"FirmwareId": sbx.FIRMWARE_ID, "IotInstanceId": sbx.INSTANCE_ID}
    codes = [_call(sim, clock, "QueryOTAFirmware", params)[1].get("Code") for _ in range(21)]
    assert codes[:20] == [None] * 20 and codes[20] == "Throttling.User"
    listing = {"CurrentPage": "1", "PageSize": "1", "IotInstanceId": sbx.INSTANCE_ID}
    assert _call(sim, clock, "ListOTAFirmware", listing)[1]["Success"] is True


def test_list_tasks_by_job_filters_names_and_status_and_pages(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    _call(sim, clock, "CancelOTATaskByDevice", _cancel(["thermo-001", "thermo-002"]))
    names = {"DeviceNames.1": "thermo-001", "DeviceNames.2": "thermo-003", "DeviceNames.3": "nope"}
    params = {"JobId": sbx.JOB_ID, "IotInstanceId": sbx.INSTANCE_ID, "PageSize": "100"}
    _, cancelled = _call(
        sim, clock, "ListOTATaskByJob", {**params, **names, "TaskStatus": "CANCELED"}
    )
    rows = cancelled["Data"]["SimpleOTATaskInfo"]
    assert [r["DeviceName"] for r in rows] == ["thermo-001"] and cancelled["Total"] == 1
    _, any_status = _call(sim, clock, "ListOTATaskByJob", {**params, **names})
    assert sorted(r["DeviceName"] for r in any_status["Data"]["SimpleOTATaskInfo"]) == [
        "thermo-001",
        "thermo-003",
    ]
    _, page_2 = _call(
        sim, clock, "ListOTATaskByJob", {**params, "PageSize": "20", "CurrentPage": "3"}
    )
    assert page_2["Total"] == 55 and len(page_2["Data"]["SimpleOTATaskInfo"]) == 15
    _, too_big = _call(sim, clock, "ListOTATaskByJob", {**params, "PageSize": "101"})
    assert too_big["Success"] is False
    status, no_job = _call(sim, clock, "ListOTATaskByJob", {"IotInstanceId": sbx.INSTANCE_ID})
    assert (status, no_job["Code"]) == (400, "MissingJobId")


def test_injected_gateway_error_has_code_and_message_only(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    sim.inject_error("Throttling.User", "flow control", status=429, gateway=True)
    status, body = _call(sim, clock, "CancelOTATaskByDevice", _cancel(["thermo-001"]))
    assert status == 429 and body["Code"] == "Throttling.User"
    assert body["Message"] == "flow control" and "Success" not in body
    assert _statuses(sim, "thermo-001") == ["CONFIRM"]  # refused before IoT saw it


def test_throttled_answer_is_http_400_throttling_user(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    response = sim.throttled(_request("ListOTAFirmware", {}, clock))
    assert (response.status_code, response.json()["Code"]) == (400, "Throttling.User")


def test_list_unfinished_tasks(sim: AliyunSimulator, clock: FakeClock) -> None:
    params = {
        "ProductKey": sbx.PRODUCT_KEY,
        "DeviceName": "thermo-010",
        "IotInstanceId": sbx.INSTANCE_ID,
        "TaskStatusList.1": "IN_PROGRESS",
    }
    _, body = _call(sim, clock, "ListOTAUnfinishedTaskByDevice", params)
    [task] = body["Data"]["SimpleOTATaskInfo"]
    assert (task["TaskStatus"], task["FirmwareId"], task["JobId"]) == (
        "IN_PROGRESS",
        sbx.FIRMWARE_ID,
        sbx.JOB_ID,
    )
    _, missing = _call(
        sim, clock, "ListOTAUnfinishedTaskByDevice", {**params, "DeviceName": "ghost"}
    )
    assert missing["Code"] == "iot.device.NotExistedDevice"
    _, no_status = _call(
        sim,
        clock,
        "ListOTAUnfinishedTaskByDevice",
        {k: v for k, v in params.items() if k != "TaskStatusList.1"},
    )
    assert no_status["Code"] == "iot.firmware.InvalidTaskStatus"  # VENDORS.md §7
    assert no_status["Success"] is False


def test_query_firmware(sim: AliyunSimulator, clock: FakeClock) -> None:
    params = {"FirmwareId": sbx.FIRMWARE_ID, "IotInstanceId": sbx.INSTANCE_ID}
    _, body = _call(sim, clock, "QueryOTAFirmware", params)
    assert body["FirmwareInfo"]["DestVersion"] == "2.1.0"


def test_injected_error_targets_the_call_naming_the_device(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    sim.inject_error("iot.common.RamActionPermissionDeny", device="thermo-002")
    _, first = _call(sim, clock, "CancelOTATaskByDevice", _cancel(["thermo-001"]))
    _, second = _call(sim, clock, "CancelOTATaskByDevice", _cancel(["thermo-002"]))
    assert first["Success"] is True
    assert second["Code"] == "iot.common.RamActionPermissionDeny"


def test_serves_real_http_with_form_bodies_too(sim: AliyunSimulator, clock: FakeClock) -> None:
    signed = signed_params(
        "POST",
        "QueryOTAFirmware",
        {"FirmwareId": sbx.FIRMWARE_ID, "IotInstanceId": sbx.INSTANCE_ID},
        key=KEY,
        region_id="cn-shanghai",
        clock=clock,
    )
    with sim.serve() as url, httpx.Client() as client:
        response = client.post(f"{url}/", data=signed)
    assert response.json()["FirmwareInfo"]["FirmwareId"] == sbx.FIRMWARE_ID


def test_device_without_tasks_lists_nothing(sim: AliyunSimulator, clock: FakeClock) -> None:
    sim.add_device(sbx.PRODUCT_KEY, "bare")
    params = {
        "ProductKey": sbx.PRODUCT_KEY,
        "DeviceName": "bare",
        "IotInstanceId": sbx.INSTANCE_ID,
        "TaskStatus": "QUEUED",
    }
    _, body = _call(sim, clock, "ListOTAUnfinishedTaskByDevice", params)
    assert body["Data"]["SimpleOTATaskInfo"] == []


def test_unknown_product_and_bad_page_size(sim: AliyunSimulator, clock: FakeClock) -> None:
    _, product = _call(sim, clock, "CancelOTATaskByDevice", _cancel(["a"], ProductKey="a1Nope"))
    assert product["Code"] == "iot.prod.NotExistedProduct"
    page = {"CurrentPage": "1", "PageSize": "0", "IotInstanceId": sbx.INSTANCE_ID}
    _, listing = _call(sim, clock, "ListOTAFirmware", page)
    assert listing["Code"] == "iot.common.InvalidPageParams"


# -- the gateway refuses what Alibaba's refuses (or adapter bugs hide behind the simulator)
@pytest.mark.parametrize("path", ["/wrong/path", "/iot/", "//"])
def test_a_call_to_a_path_other_than_the_root_is_not_found(
    sim: AliyunSimulator, clock: FakeClock, path: str
) -> None:
    request = _request("CancelOTATaskByDevice", _cancel(["thermo-001"]), clock)
    response = sim.handle(httpx.Request("POST", request.url.copy_with(path=path)))
    assert (response.status_code, response.json()["Code"]) == (404, "InvalidAction.NotFound")
    assert _statuses(sim, "thermo-001") == ["CONFIRM"]  # nothing cancelled


def test_a_call_without_region_id_is_refused(sim: AliyunSimulator, clock: FakeClock) -> None:
    signed = signed_params(
        "POST", "CancelOTATaskByDevice", _cancel(["thermo-001"]), key=KEY,
        region_id="cn-shanghai", clock=clock,
    )  # fmt: skip
    del signed["RegionId"]
    signed["Signature"] = signing.signature("POST", signed, KEY.secret)
    response = sim.handle(httpx.Request("POST", f"{sbx.ENDPOINT}/?{encode_query(signed.items())}"))
    assert (response.status_code, response.json()["Code"]) == (400, "MissingRegionId")
    assert _statuses(sim, "thermo-001") == ["CONFIRM"]
