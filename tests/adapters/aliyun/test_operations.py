"""`/ops aliyun ota-task cancel <deviceName>... --product --firmware [--job] [--instance]`."""

from __future__ import annotations

import pytest

from adapters.aliyun.operations import CANCEL_OTA_TASK, DEVICE_NAME, OPERATIONS
from commands.catalog import Catalog
from commands.model import OperationRequest, ParsedCommand, UsageError
from commands.parse import parse as parse_with

CATALOG = Catalog(OPERATIONS)


def parse(text: str) -> ParsedCommand:
    """`parse` over this vendor's own operations."""
    return parse_with(text, CATALOG)


FLAGS = "--product a1BwAGV3kPx --firmware UfuxnwygsuSkVE0VCN0100"


def expected(targets: tuple[str, ...], **params: str) -> OperationRequest:
    return OperationRequest(
        operation="aliyun.ota-task.cancel",
        vendor="aliyun",
        targets=targets,
        params={"product": "a1BwAGV3kPx", "firmware": "UfuxnwygsuSkVE0VCN0100", **params},
    )


def targets_of(text: str) -> tuple[str, ...]:
    request = parse(text)
    assert isinstance(request, OperationRequest)
    return request.targets


def test_one_device() -> None:
    assert parse(f"aliyun ota-task cancel meter-0412 {FLAGS}") == expected(("meter-0412",))


def test_all_flags_with_equals() -> None:
    text = (
        "aliyun ota-task cancel meter-0412 --product=a1BwAGV3kPx --firmware=UfuxnwygsuSkVE0VCN0100"
        " --job=wahVIzGkCMuAUE2gDERM02 --instance=iot-cn-0pp1n8t"
    )
    assert parse(text) == expected(
        ("meter-0412",), job="wahVIzGkCMuAUE2gDERM02", instance="iot-cn-0pp1n8t"
    )


@pytest.mark.parametrize(
    "devices",
    [
        "dev1 dev2 dev3",
        "dev1,dev2,dev3",
        "dev1, dev2 ,dev3,",
        "dev1\ndev2\ndev3",
        "dev1,\ndev2\n\ndev3",
        '"dev1,dev2" dev3',
    ],
)
def test_device_list_separators(devices: str) -> None:
    assert parse(f"aliyun ota-task cancel {devices} {FLAGS}") == expected(("dev1", "dev2", "dev3"))


def test_devices_after_the_flags_are_refused_by_name() -> None:
    with pytest.raises(UsageError, match="'dev1' comes after --firmware") as caught:
        parse(f"aliyun ota-task cancel {FLAGS} dev1 dev2")
    assert caught.value.field == "dev1"
    assert "targets before the first flag" in caught.value.message


def test_duplicates_are_dropped_keeping_order() -> None:
    text = f"aliyun ota-task cancel dev3 dev1 dev3,dev2 dev1 {FLAGS}"
    assert targets_of(text) == ("dev3", "dev1", "dev2")


def test_device_names_may_hold_at_sign_and_colon() -> None:
    assert targets_of(f"aliyun ota-task cancel meter@site:3 {FLAGS}") == ("meter@site:3",)


def test_ten_thousand_devices_are_accepted() -> None:
    devices = ",".join(f"dev{n:05}" for n in range(10_000))
    request = parse(f"aliyun ota-task cancel {devices} {FLAGS}")
    assert isinstance(request, OperationRequest)
    assert len(request.targets) == 10_000
    assert request.targets[-1] == "dev09999"


def test_ten_thousand_and_one_devices_are_refused() -> None:
    devices = "\n".join(f"dev{n:05}" for n in range(10_001))
    with pytest.raises(UsageError, match="at most 10,000 deviceName values; 10,001") as caught:
        parse(f"aliyun ota-task cancel {devices} {FLAGS}")
    assert caught.value.field == "deviceName"


def test_the_limit_counts_distinct_devices() -> None:
    devices = " ".join(f"dev{n:05}" for n in range(10_000))
    assert len(targets_of(f"aliyun ota-task cancel {devices} dev00000 {FLAGS}")) == 10_000


@pytest.mark.parametrize(
    ("devices", "problem"),
    [
        ("dev", "3 characters long, shorter than 4"),
        ("d" * 33, "33 characters long, longer than 32"),
        ("dev/1", "'/' is not allowed"),
        ("dev%2F1", "'%' is not allowed"),
        ("设备0001", "'设' is not allowed"),
        ("good1 ../../x", "'/' is not allowed"),
    ],
)
def test_bad_device_names(devices: str, problem: str) -> None:
    with pytest.raises(UsageError, match="Bad deviceName") as caught:
        parse(f"aliyun ota-task cancel {devices} {FLAGS}")
    assert problem in caught.value.message
    assert caught.value.field == "deviceName"


@pytest.mark.parametrize(
    ("flags", "field"),
    [
        ("--product a/b --firmware f1", "--product"),
        ("--product p1 --firmware 'f 1'", "--firmware"),
        ("--product p1 --firmware f1 --job j?1", "--job"),
        ("--product p1 --firmware f1 --instance=i#1", "--instance"),
        ("--product p@1 --firmware f1", "--product"),
    ],
)
def test_bad_flag_identifiers(flags: str, field: str) -> None:
    with pytest.raises(UsageError, match=f"Bad {field} ") as caught:
        parse(f"aliyun ota-task cancel dev1 {flags}")
    assert caught.value.field == field


@pytest.mark.parametrize("missing", ["--product", "--firmware"])
def test_required_flags(missing: str) -> None:
    flags = "--product p1 --firmware f1".replace(f"{missing} ", "--job ")
    with pytest.raises(UsageError, match=f"Missing {missing}") as caught:
        parse(f"aliyun ota-task cancel dev1 {flags}")
    assert caught.value.field == missing


def test_no_devices() -> None:
    with pytest.raises(UsageError, match="Missing deviceName"):
        parse(f"aliyun ota-task cancel {FLAGS}")


def test_a_lone_comma_is_no_device() -> None:
    with pytest.raises(UsageError, match="Missing deviceName"):
        parse(f"aliyun ota-task cancel , {FLAGS}")


def test_the_adapter_reads_these_parameter_keys() -> None:
    assert CANCEL_OTA_TASK.param_keys == {"product", "firmware", "job", "instance"}


@pytest.mark.parametrize("value", ["dev1", "meter@site-3", "a.b:c_d-e", "x" * 32])
def test_device_name_rule(value: str) -> None:
    assert DEVICE_NAME.matches(value)


@pytest.mark.parametrize("value", ["abc", "x" * 33, "dev/1", "dev 1", "dev%1", "dev#1", "设备0001"])
def test_device_name_rule_refuses(value: str) -> None:
    assert not DEVICE_NAME.matches(value)
