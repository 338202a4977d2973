"""What confirms a Huawei deletion: only the platform's documented empty success, ``200 OK`` with
no body (a package, VENDORS.md §4) or ``204 No Content`` (a device, §5). Any other 2xx (a
login or firewall page served with 200, ``{}``, ``[1]``, a 202) confirms nothing: unknown, sent
once, never "Deleted"."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from adapters.clock import FakeClock
from adapters.errors import OutcomeUnknown
from adapters.huawei.adapter import HuaweiAdapter
from adapters.huawei.settings import HuaweiSettings
from adapters.huawei.simulator.api import SANDBOX_APP_ID, SANDBOX_SECRET, HuaweiSimulator
from adapters.ratelimit import RateLimiter
from commands.model import OperationRequest

PACKAGE = OperationRequest(
    operation="huawei.package.delete", vendor="huawei", targets=("pkg-meter-fw-1.2.0",)
)
DEVICE = OperationRequest(
    operation="huawei.device.delete", vendor="huawei", targets=("dev-meter-0001",)
)
HTML = {"content-type": "text/html; charset=utf-8"}


def answering(
    status: int, content: bytes, headers: dict[str, str]
) -> tuple[HuaweiAdapter, list[int]]:
    """An adapter whose DELETEs the simulator carries out but `status`/`content` answers (a
    proxy or gateway in front), and the list of DELETEs sent."""
    clock = FakeClock()
    sim = HuaweiSimulator.seeded(clock=clock)
    sent: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        answer = sim.handle(request)
        if request.method != "DELETE":
            return answer
        sent.append(1)
        return httpx.Response(status, content=content, headers=headers)

    config = HuaweiSettings(
        base_url="https://iot.example.test", app_id=SANDBOX_APP_ID, secret=SecretStr(SANDBOX_SECRET)
    )
    client = httpx.Client(transport=httpx.MockTransport(handler))
    limiter = RateLimiter(calls=100, period=60.0, clock=clock)
    return HuaweiAdapter(config=config, client=client, clock=clock, limiter=limiter), sent


JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("status", "content", "headers", "said"),
    [
        (200, b"<html><title>SSO login</title></html>", HTML, "a body (text/html)"),
        (200, b"<html>Request blocked</html>", HTML, "a body (text/html)"),
        (200, b"[1]", JSON, "a body (application/json)"),
        (200, b"{}", JSON, "a body (application/json)"),
        (200, b'{"result": "failed"}', JSON, "a body (application/json)"),
        (200, b'{"error_code": ""}', JSON, "a body (application/json)"),
        (202, b"", {}, "no body"),
        (202, b"{}", JSON, "a body (application/json)"),
    ],
)
@pytest.mark.parametrize("request_", [PACKAGE, DEVICE], ids=["package", "device"])
def test_a_2xx_that_is_not_the_documented_empty_success_is_unknown(
    status: int, content: bytes, headers: dict[str, str], said: str, request_: OperationRequest
) -> None:
    adapter, sent = answering(status, content, headers)
    with pytest.raises(OutcomeUnknown) as caught:
        adapter.execute(request_)
    message = caught.value.message
    assert f"with HTTP {status} and {said}, not the documented empty 200 or 204" in message
    assert message.endswith("so it may or may not be deleted")
    assert request_.targets[0] in caught.value.next_step  # check the console first
    assert sent == [1]  # never sent again


@pytest.mark.parametrize("status", [200, 204])
@pytest.mark.parametrize("request_", [PACKAGE, DEVICE], ids=["package", "device"])
def test_an_empty_200_or_204_confirms_the_deletion(status: int, request_: OperationRequest) -> None:
    adapter, sent = answering(status, b"", {})
    outcome = adapter.execute(request_)
    assert outcome.summary.startswith("Deleted") and not outcome.already_gone
    assert sent == [1]


def test_the_previews_still_read_their_json_answers() -> None:
    adapter, _ = answering(204, b"", {})
    assert adapter.preview(PACKAGE).found and adapter.preview(DEVICE).found
