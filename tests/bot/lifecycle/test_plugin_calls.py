"""A plugin that raises what it should not, or answers with the wrong type: the request ends as
the contract says (the card still posted for a preview, `unknown` for the mutating call) and the
requester, the card and the log name the plugin and what it did, not opsgate."""

from __future__ import annotations

from typing import Any

import pytest
from lifecycle_world import ALICE, BOB, World, open_request, package_request

from adapters.base import Outcome, Preview
from bot.model import AuditEventName, PreviewUnavailable, RequestState, UnknownOutcome
from commands.model import OperationRequest


class WrongAdapter:
    """A huawei adapter whose calls answer `answer`, or raise it when it is an exception."""

    vendor = "huawei"
    sandbox = True

    def __init__(self, **answers: Any) -> None:
        self.answers = answers
        self.executed = 0

    def _answer(self, call: str, default: Any) -> Any:
        answer = self.answers.get(call, default)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def preview(self, request: OperationRequest) -> Any:
        return self._answer("preview", Preview(summary="ok"))

    def execute(self, request: OperationRequest, *, progress: Any = None) -> Any:
        self.executed += 1
        return self._answer("execute", None)

    def describe(self, request: OperationRequest) -> Any:
        return self._answer("describe", [])

    def check(self) -> str:
        return "ok"

    def close(self) -> None:
        pass


def use(world: World, adapter: WrongAdapter) -> WrongAdapter:
    world.adapters.by_vendor["huawei"] = adapter  # type: ignore[assignment]
    return adapter


def unknown_outcome(world: World, adapter: WrongAdapter) -> UnknownOutcome:
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))
    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.UNKNOWN
    assert isinstance(record.outcome, UnknownOutcome) and adapter.executed == 1
    return record.outcome


def test_a_plugin_bug_in_execute_is_the_plugins_not_opsgates(world: World) -> None:
    outcome = unknown_outcome(world, use(world, WrongAdapter(execute=KeyError("secret-ish"))))
    assert outcome.message == (
        "the huawei plugin failed unexpectedly during the vendor call (KeyError); the request's "
        "state is unknown"
    )
    assert "plugin's maintainers" in outcome.next_step and "vendor console" in outcome.next_step
    assert "secret-ish" not in str(outcome)


@pytest.mark.parametrize(("answer", "kind"), [({"summary": "done"}, "a dict"), (None, "None")])
def test_an_execute_that_returns_no_outcome_is_unknown_naming_what_it_returned(
    world: World, answer: Any, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    outcome = unknown_outcome(world, use(world, WrongAdapter(execute=answer)))
    assert outcome.message == (
        f"the huawei plugin's execute returned {kind}, not an Outcome; the request's state is "
        "unknown"
    )
    assert f"the huawei plugin's execute returned {kind}, not an Outcome" in caplog.text


def test_a_preview_that_returns_no_preview_still_posts_the_card_marked(world: World) -> None:
    use(world, WrongAdapter(preview={"summary": "fine"}))
    world.service.submit(package_request(), world.origin(ALICE), command_text="/ops …")
    [record] = world.store.history()
    assert record.state is RequestState.PENDING and record.message_ts is not None
    assert isinstance(record.preview, PreviewUnavailable)
    assert record.preview.message == (
        "the huawei plugin's preview returned a dict, not a Preview, so opsgate cannot show "
        "what it would change"
    )
    assert [e.event for e in world.store.events(request_id=record.id)] == [AuditEventName.REQUESTED]


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (ValueError("oops"), "plugin failed unexpectedly describing its requests (ValueError)"),
        ("DELETE /x", "plugin's describe returned a str, not a list of VendorCall"),
        (
            [{"method": "DELETE"}],
            "plugin's describe returned a list holding a dict, not a list of VendorCall",
        ),
    ],
)
def test_a_dry_run_whose_describe_breaks_names_the_plugin(
    world: World, answer: Any, said: str
) -> None:
    use(world, WrongAdapter(describe=answer))
    request = package_request(dry_run=True)
    world.service.submit(request, world.origin(ALICE), command_text="/ops …")
    shown = world.slack.last_text_to(ALICE)
    assert f"the huawei {said}" in shown
    assert "opsgate failed unexpectedly" not in shown
    assert world.store.history() == []


def test_a_dry_run_masks_the_vendors_secret_settings_the_plugin_left_in_its_requests(
    world: World,
) -> None:
    from adapters.base import VendorCall
    from adapters.huawei.settings import HuaweiSettings

    secret = "hw-s3cret-value"
    settings = HuaweiSettings.model_validate(
        {"base_url": "https://oc.example", "app_id": "app", "secret": secret}
    )
    world.adapters.settings["huawei"] = settings
    leaky = VendorCall(
        method="DELETE",
        url=f"https://oc.example/x?secret={secret}",
        headers={"X-Secret": secret},
        body=f'{{"secret": "{secret}"}}',
    )
    use(world, WrongAdapter(describe=[leaky]))
    world.service.submit(package_request(dry_run=True), world.origin(ALICE), command_text="/ops …")
    shown = str(world.slack.sent[-1].message)
    assert "https://oc.example/x?secret=****" in shown and '"secret": "****"' in shown
    assert secret not in shown


@pytest.mark.parametrize(("total", "said"), [(0, "0 targets"), (3, "3 targets")])
def test_an_outcome_that_counts_other_than_the_request_s_targets_is_unknown(
    world: World, total: int, said: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Without the check, the request ended `succeeded` ("✔ Succeeded: ", nothing confirmed).
    miscounted = Outcome(summary="", total=total, vendor_request_ids=("req-1",))
    outcome = unknown_outcome(world, use(world, WrongAdapter(execute=miscounted)))
    assert outcome.message == (
        f"the huawei plugin's execute returned an Outcome for {said}, not the request's 1; the "
        "request's state is unknown"
    )
    assert outcome.vendor_request_id == "req-1"  # what the vendor's support asks for
    assert f"returned an Outcome for {total} targets, not the request's 1" in caplog.text


class Meddling(WrongAdapter):
    """A plugin that 'normalises' the request it is given, in place."""

    def preview(self, request: OperationRequest) -> Any:
        request.params["app"] = "stranger-app"
        return Preview(summary="ok")

    def execute(self, request: OperationRequest, *, progress: Any = None) -> Any:
        self.seen = dict(request.params)
        request.params.clear()
        return Outcome(summary="Deleted it")


def test_a_plugin_that_changes_the_request_it_is_given_changes_nothing_opsgate_keeps(
    world: World,
) -> None:
    adapter = use(world, Meddling())
    asked = OperationRequest(
        operation="huawei.device.delete",
        vendor="huawei",
        targets=("dev-meter-0001",),
        params={"app": "partner-app", "cascade": True},
        reason="retired",
    )
    rid = open_request(world, asked)
    world.service.approve(rid, world.on_card(rid, BOB))
    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.SUCCEEDED
    # The card, the audit log and the vendor call have what was asked, not the preview's change.
    assert adapter.seen == {"app": "partner-app", "cascade": True}
    assert record.params == {"app": "partner-app", "cascade": True}
    assert "stranger-app" not in str(list(world.store.events(request_id=rid)))
    assert asked.params == {"app": "partner-app", "cascade": True}
