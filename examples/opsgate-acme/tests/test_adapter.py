"""The Acme adapter against its simulator: preview, execute, describe, check, and every error."""

from __future__ import annotations

import httpx
import pytest
from adapters.base import Verdict
from adapters.errors import (
    NotConfigured,
    OutcomeUnknown,
    VendorAuthError,
    VendorError,
    VendorUnreachable,
)
from commands.model import OperationRequest
from pydantic import SecretStr

from opsgate_acme.adapter import AcmeAdapter, connect
from opsgate_acme.settings import AcmeSettings
from opsgate_acme.simulator import sandbox
from opsgate_acme.simulator.api import AcmeSimulator, Widget

TOKEN = "test-token-value"


@pytest.fixture
def sim() -> AcmeSimulator:
    simulator = AcmeSimulator(token=TOKEN)
    simulator.add_widget(Widget("w-1", "Left widget", site="plant-9"))
    simulator.add_widget(Widget("w-2", "Spinner", state="spinning"))
    return simulator


def adapter_for(sim: AcmeSimulator, token: str = TOKEN) -> AcmeAdapter:
    settings = AcmeSettings(base_url="https://acme.test", token=SecretStr(token))
    return AcmeAdapter(settings=settings, client=httpx.Client(transport=sim.transport()))


def delete(widget: str) -> OperationRequest:
    return OperationRequest(operation="acme.widget.delete", vendor="acme", targets=(widget,))


def deletes(sim: AcmeSimulator) -> int:
    return sum(1 for call in sim.calls if call.method == "DELETE")


# -- preview ------------------------------------------------------------------------------------


def test_preview_reads_the_widget_and_changes_nothing(sim: AcmeSimulator) -> None:
    preview = adapter_for(sim).preview(delete("w-1"))
    assert preview.found
    assert preview.summary == "Widget w-1 “Left widget”: idle"
    assert preview.facts == {"name": "Left widget", "state": "idle", "site": "plant-9"}
    assert preview.warnings == [] and preview.verdict is Verdict.OK
    assert [call.method for call in sim.calls] == ["GET"]
    assert "w-1" in sim.widgets


def test_preview_of_a_spinning_widget_is_blocked(sim: AcmeSimulator) -> None:
    preview = adapter_for(sim).preview(delete("w-2"))
    assert preview.verdict is Verdict.BLOCKED and preview.blocked is not None
    assert (
        preview.blocked.code == "widget_spinning" and "Stop it first" in preview.blocked.next_step
    )


def test_preview_of_a_missing_widget(sim: AcmeSimulator) -> None:
    preview = adapter_for(sim).preview(delete("w-404"))
    assert not preview.found and preview.verdict is Verdict.BLOCKED
    assert "not found" in preview.summary


def test_preview_retries_a_transient_failure(sim: AcmeSimulator) -> None:
    sim.inject("server_error")
    assert adapter_for(sim).preview(delete("w-1")).found
    assert len(sim.calls) == 2


# -- execute: the one mutating call -------------------------------------------------------------


def test_execute_deletes_the_widget(sim: AcmeSimulator) -> None:
    outcome = adapter_for(sim).execute(delete("w-1"))
    assert outcome.summary == "Deleted widget w-1"
    assert outcome.vendor_request_ids == ("req-000001",)
    assert "w-1" not in sim.widgets
    call = sim.calls[-1]
    assert (call.method, call.url.path) == ("DELETE", "/v1/widgets/w-1")
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_widget_already_gone_is_reported_as_such(sim: AcmeSimulator) -> None:
    outcome = adapter_for(sim).execute(delete("w-404"))
    assert outcome.already_gone
    assert "already gone" in outcome.summary


def test_a_spinning_widget_is_refused_and_not_retried(sim: AcmeSimulator) -> None:
    with pytest.raises(VendorError) as caught:
        adapter_for(sim).execute(delete("w-2"))
    assert caught.value.code == "widget_spinning"
    assert "Stop the widget" in caught.value.next_step
    assert deletes(sim) == 1


def test_a_throttled_delete_is_sent_again_because_nothing_was_done(sim: AcmeSimulator) -> None:
    sim.inject("throttle", path_contains="/v1/widgets/w-1")
    assert adapter_for(sim).execute(delete("w-1")).ok
    assert deletes(sim) == 2


@pytest.mark.parametrize("fault", ["timeout", "server_error", "malformed"])
def test_a_delete_without_a_usable_answer_is_unknown_and_never_retried(
    sim: AcmeSimulator, fault: str
) -> None:
    sim.inject(fault, path_contains="/v1/widgets/", apply=True)
    with pytest.raises(OutcomeUnknown):
        adapter_for(sim).execute(delete("w-1"))
    assert deletes(sim) == 1


def test_a_connection_that_fails_before_sending_changes_nothing(sim: AcmeSimulator) -> None:
    sim.inject("disconnect", times=10)
    with pytest.raises(VendorUnreachable):
        adapter_for(sim).execute(delete("w-1"))
    assert "w-1" in sim.widgets


def test_a_wrong_token_is_an_auth_error(sim: AcmeSimulator) -> None:
    with pytest.raises(VendorAuthError) as caught:
        adapter_for(sim, token="wrong").execute(delete("w-1"))
    assert caught.value.code == "unauthorized"
    assert "wrong" not in str(caught.value)


def test_an_unknown_error_code_is_shown_verbatim() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": {"code": "widget_locked", "message": "Locked."}})

    settings = AcmeSettings(base_url="https://acme.test", token=SecretStr(TOKEN))
    acme = AcmeAdapter(
        settings=settings, client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    with pytest.raises(VendorError) as caught:
        acme.execute(delete("w-1"))
    assert (caught.value.code, caught.value.message) == ("widget_locked", "widget w-1: Locked.")


# -- describe, check, construction --------------------------------------------------------------


def test_describe_shows_the_delete_with_the_token_masked(sim: AcmeSimulator) -> None:
    [call] = adapter_for(sim).describe(delete("w-1"))
    assert (call.method, call.url) == ("DELETE", "https://acme.test/v1/widgets/w-1")
    assert call.headers["authorization"] == "****"
    assert sim.calls == []


def test_check_proves_the_token(sim: AcmeSimulator) -> None:
    assert "accepted the token (account acme-test)" in adapter_for(sim).check()
    with pytest.raises(VendorAuthError):
        adapter_for(sim, token="wrong").check()


def test_half_the_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="required when token is set"):
        AcmeSettings(token=SecretStr(TOKEN))
    with pytest.raises(NotConfigured):
        AcmeAdapter(settings=AcmeSettings(), client=httpx.Client())


def test_the_sandbox_holds_its_seeded_widgets() -> None:
    simulator = sandbox.seeded()
    assert set(simulator.widgets) == {"w-1001", "w-1002", "w-1003", "w-2001"}
    assert simulator.widgets["w-2001"].state == "spinning"


def test_served_over_real_http(sim: AcmeSimulator) -> None:
    """As `connect` builds it: opsgate's vendor client, with the settings' deadline."""
    with sim.serve() as base_url:
        adapter = connect(AcmeSettings(base_url=base_url, token=SecretStr(TOKEN), deadline=5))
        try:
            assert adapter.execute(delete("w-1")).ok
        finally:
            adapter.close()
