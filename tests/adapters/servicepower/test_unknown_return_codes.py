"""A cancel Scheduling refused with a return code opsgate has no name for: the card shows the
code it gave (VENDORS.md §6: "Show the name and number"), never that none was given, and an
answer with no code at all is said so, never coded as the word ``None``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from adapters.errors import VendorError
from adapters.servicepower.adapter import ServicePowerAdapter
from adapters.servicepower.settings import ServicePowerSettings
from commands.model import OperationRequest

CANCEL = OperationRequest(
    operation="servicepower.job.cancel", vendor="servicepower", targets=("JOB-1",)
)


def refused_with(body: dict[str, Any]) -> VendorError:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    config = ServicePowerSettings(base_url="https://sb.example.test", token=SecretStr("sat-1"))
    adapter = ServicePowerAdapter(
        config=config, client=httpx.Client(transport=httpx.MockTransport(answer))
    )
    with pytest.raises(VendorError) as caught:
        adapter.execute(CANCEL)
    return caught.value


def test_an_unnamed_return_code_is_shown_with_its_number() -> None:
    error = refused_with(
        {"Success": False, "Code": 9, "Payload": {"returnCode": {"type": "Error", "code": "99"}}}
    )
    assert error.code == "99"
    assert "Scheduling return code 99" in error.message
    assert "no return code given" not in error.message
    assert "(ServiceBroker code 9)" in error.message


def test_the_message_scheduling_gave_is_quoted_beside_its_code() -> None:
    error = refused_with(
        {
            "Success": False,
            "Code": 9,
            "Message": "job locked",
            "Payload": {"returnCode": {"type": "Error", "code": "42"}},
        }
    )
    assert "Scheduling return code 42: job locked" in error.message


def test_a_refusal_naming_no_code_at_all_is_not_coded_none() -> None:
    error = refused_with({"Success": False})
    assert error.code != "None" and "None" not in str(error)
    assert "no return code given" in error.message
