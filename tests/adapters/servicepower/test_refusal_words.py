"""A Scheduling refusal reads as one sentence: the ServiceBroker code goes inside it, before its
full stop ("… memory horizon (ServiceBroker code 9)."), never as a fragment after it."""

from __future__ import annotations

import httpx

from adapters.servicepower.errors import RETURN_CODES, refusal


def refused(code: str) -> str:
    body = {"Success": False, "Code": 9, "Payload": {"returnCode": {"type": "Error", "code": code}}}
    return refusal(body, job_id="JOB-9999", response=httpx.Response(200, json=body)).message


def test_the_servicebroker_code_is_inside_the_sentence() -> None:
    message = refused("1")
    assert message == (
        "job JOB-9999: " + RETURN_CODES["1"].message.removesuffix(".") + " (ServiceBroker code 9)."
    )
    assert ". (" not in message


def test_every_known_code_reads_the_same_way() -> None:
    for code in RETURN_CODES:
        message = refused(code)
        assert ". (ServiceBroker" not in message and message.endswith("(ServiceBroker code 9).")
