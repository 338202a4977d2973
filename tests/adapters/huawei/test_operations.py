"""`/ops huawei package delete <fileId>` and `/ops huawei device delete <deviceId> ...`."""

from __future__ import annotations

import pytest

from adapters.huawei.operations import DELETE_DEVICE, DELETE_PACKAGE, OPERATIONS
from commands.catalog import Catalog
from commands.model import OperationRequest, ParsedCommand, UsageError
from commands.parse import parse as parse_with

CATALOG = Catalog(OPERATIONS)


def parse(text: str) -> ParsedCommand:
    """`parse` over this vendor's own operations."""
    return parse_with(text, CATALOG)


DEVICE = "7e2b1f0a-4c5d-4e6f-8a9b-0c1d2e3f4a5b"


def device_request(**params: object) -> OperationRequest:
    return OperationRequest.model_validate(
        {
            "operation": "huawei.device.delete",
            "vendor": "huawei",
            "targets": (DEVICE,),
            "params": {"cascade": True} | params,
        }
    )


def test_package_delete() -> None:
    assert parse("huawei package delete 5c3f1a2b9d8e") == OperationRequest(
        operation="huawei.package.delete", vendor="huawei", targets=("5c3f1a2b9d8e",)
    )


def test_package_delete_takes_no_operation_flags() -> None:
    with pytest.raises(UsageError, match="Unknown flag '--app'") as caught:
        parse("huawei package delete f1 --app a1")
    assert "huawei package delete <fileId>" in caught.value.usage


@pytest.mark.parametrize("file_id", ["../category", "a/b", "%2e%2e", "", "f 1"])
def test_package_bad_file_id(file_id: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(f'huawei package delete "{file_id}"')
    assert caught.value.field == "fileId"


def test_device_delete_cascades_by_default() -> None:
    assert parse(f"huawei device delete {DEVICE}") == device_request()


def test_no_cascade() -> None:
    assert parse(f"huawei device delete {DEVICE} --no-cascade") == device_request(cascade=False)


def test_app_with_equals() -> None:
    text = f"huawei device delete {DEVICE} --app=Xy3kq1a2b3 --no-cascade"
    assert parse(text) == device_request(app="Xy3kq1a2b3", cascade=False)


def test_no_cascade_takes_no_value() -> None:
    with pytest.raises(UsageError, match="--no-cascade takes no value") as caught:
        parse(f"huawei device delete {DEVICE} --no-cascade=true")
    assert caught.value.field == "--no-cascade"


def test_cascade_is_not_a_flag_it_is_the_default_and_no_cascade_keeps_the_children() -> None:
    with pytest.raises(UsageError) as caught:
        parse(f"huawei device delete {DEVICE} --cascade")
    assert "cascade is the default, so leave it out; `--no-cascade` would keep" in (
        caught.value.message
    )
    assert "did you mean" not in caught.value.message


def test_one_device_only() -> None:
    with pytest.raises(UsageError, match="takes one deviceId; 2 were given") as caught:
        parse(f"huawei device delete {DEVICE} other-device")
    assert caught.value.field == "deviceId"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("huawei device delete ../../x", "deviceId"),
        ("huawei device delete dev?cascade=false", "deviceId"),
        (f"huawei device delete {DEVICE} --app a&cascade=false", "--app"),
        (f"huawei device delete {DEVICE} --app a&amp;cascade=false", "--app"),
    ],
)
def test_query_injection_is_refused(text: str, field: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(text)
    assert caught.value.field == field


def test_the_help_example_parses() -> None:
    text = (
        f'huawei device delete {DEVICE} --app Xy3kq1a2b3 --reason "meter decommissioned, CHG-1182"'
    )
    assert parse(text) == device_request(app="Xy3kq1a2b3").model_copy(
        update={"reason": "meter decommissioned, CHG-1182"}
    )


def test_the_adapter_reads_these_parameter_keys() -> None:
    assert DELETE_PACKAGE.param_keys == frozenset()
    assert DELETE_DEVICE.param_keys == {"app", "cascade"}
