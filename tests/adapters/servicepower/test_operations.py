"""`/ops servicepower job cancel <jobId> [--reason-id <n>]`."""

from __future__ import annotations

import pytest

from adapters.servicepower.operations import CANCEL_JOB, JOB_ID, OPERATIONS
from commands.catalog import Catalog
from commands.model import OperationRequest, ParsedCommand, UsageError
from commands.parse import parse as parse_with

CATALOG = Catalog(OPERATIONS)


def parse(text: str) -> ParsedCommand:
    """`parse` over this vendor's own operations."""
    return parse_with(text, CATALOG)


def test_cancel() -> None:
    assert parse("servicepower job cancel Dep-1306") == OperationRequest(
        operation="servicepower.job.cancel", vendor="servicepower", targets=("Dep-1306",)
    )


@pytest.mark.parametrize("flag", ["--reason-id 7", "--reason-id=7", "--reason-id=007"])
def test_reason_id_is_an_int(flag: str) -> None:
    request = parse(f'servicepower job cancel Dep-1306 {flag} --reason "customer cancelled"')
    assert isinstance(request, OperationRequest)
    assert request.params == {"reason_id": 7}
    assert request.param("reason_id") == 7
    assert request.reason == "customer cancelled"


@pytest.mark.parametrize("value", ["seven", "-1", "1.5", "+3", "2147483648", "1_0"])
def test_bad_reason_id(value: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(f"servicepower job cancel Dep-1306 --reason-id={value}")
    assert caught.value.field == "--reason-id"


def test_job_id_of_50_characters_fits() -> None:
    request = parse(f"servicepower job cancel {'J' * 50}")
    assert isinstance(request, OperationRequest)
    assert request.targets == ("J" * 50,)


def test_job_id_of_51_characters_is_refused() -> None:
    with pytest.raises(UsageError, match="longer than 50") as caught:
        parse(f"servicepower job cancel {'J' * 51}")
    assert caught.value.field == "jobId"


def test_reason_longer_than_cancel_reason_desc_is_refused() -> None:
    with pytest.raises(UsageError, match="at most 500") as caught:
        parse(f'servicepower job cancel Dep-1306 --reason "{"r" * 501}"')
    assert caught.value.field == "--reason"


def test_the_adapter_reads_these_parameter_keys() -> None:
    assert CANCEL_JOB.param_keys == {"reason_id"}


def test_job_id_is_at_most_50() -> None:
    assert JOB_ID.matches("J" * 50)
    assert not JOB_ID.matches("J" * 51)
