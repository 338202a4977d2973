"""Huawei 100418 ("the device does not exist in this application") comes both from a device of
an authorizing application asked for without `--app`, and from opsgate's own device asked for
with one: the next step covers both, instead of saying "pass `--app`" to whoever passed it."""

from __future__ import annotations

from adapters.base import Verdict
from adapters.clock import FakeClock
from adapters.huawei.plugin import sandboxed
from commands.model import OperationRequest, ParamValue


def preview(device_id: str, **params: ParamValue) -> tuple[Verdict, str]:
    adapter = sandboxed(FakeClock()).adapter
    request = OperationRequest(
        operation="huawei.device.delete", vendor="huawei", targets=(device_id,), params=params
    )
    looked = adapter.preview(request)
    assert looked.blocked is not None
    return looked.verdict, looked.blocked.next_step


def test_own_device_with_app_is_told_to_drop_it() -> None:
    verdict, step = preview("dev-meter-0001", app="partner-app")
    assert verdict is Verdict.BLOCKED
    assert "drop `--app`" in step


def test_partner_device_without_app_is_told_to_pass_it() -> None:
    verdict, step = preview("partner-dev-0001")
    assert verdict is Verdict.BLOCKED
    assert "pass `--app <appId>`" in step
