"""A plugin whose adapter calls `sys.exit` (a vendor SDK's command-line habit, an argument
parser's error) is a bug in the plugin like any exception: the request ends as the contract says
and names the plugin, never left `executing` by a worker that silently stopped, nor a request
whose requester hears nothing after "previewing"."""

from __future__ import annotations

from typing import Any

from lifecycle_world import ALICE, BOB, World, open_request, package_request

from adapters.base import Preview
from bot.model import PreviewUnavailable, RequestState, UnknownOutcome
from commands.model import OperationRequest


class ExitingAdapter:
    """A huawei adapter whose `calls` end in `sys.exit`."""

    vendor = "huawei"
    sandbox = True

    def __init__(self, *calls: str) -> None:
        self.calls = calls
        self.executed = 0

    def _maybe_exit(self, call: str) -> None:
        if call in self.calls:
            raise SystemExit(f"usage: huawei-sdk {call} [-h]")

    def preview(self, request: OperationRequest) -> Preview:
        self._maybe_exit("preview")
        return Preview(summary="ok")

    def execute(self, request: OperationRequest, *, progress: Any = None) -> Any:
        self.executed += 1
        self._maybe_exit("execute")

    def describe(self, request: OperationRequest) -> list[Any]:
        self._maybe_exit("describe")
        return []

    def check(self) -> str:
        return "ok"

    def close(self) -> None:
        pass


def use(world: World, adapter: ExitingAdapter) -> ExitingAdapter:
    world.adapters.by_vendor["huawei"] = adapter  # type: ignore[assignment]
    return adapter


def test_an_execute_that_exits_ends_unknown_naming_the_plugin(world: World) -> None:
    adapter = use(world, ExitingAdapter("execute"))
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))
    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.UNKNOWN
    assert isinstance(record.outcome, UnknownOutcome) and adapter.executed == 1
    assert record.outcome.message == (
        "the huawei plugin failed unexpectedly during the vendor call (SystemExit); the "
        "request's state is unknown"
    )


def test_a_preview_that_exits_still_posts_the_card_marked(world: World) -> None:
    use(world, ExitingAdapter("preview"))
    world.service.submit(package_request(), world.origin(ALICE), command_text="/ops …")
    [record] = world.store.history()
    assert record.state is RequestState.PENDING and record.message_ts is not None
    assert isinstance(record.preview, PreviewUnavailable)
    assert "the huawei plugin failed unexpectedly previewing this (SystemExit)" in (
        record.preview.message
    )


def test_a_dry_run_whose_describe_exits_names_the_plugin(world: World) -> None:
    use(world, ExitingAdapter("describe"))
    world.service.submit(package_request(dry_run=True), world.origin(ALICE), command_text="/ops …")
    shown = world.slack.last_text_to(ALICE)
    assert "the huawei plugin failed unexpectedly describing its requests (SystemExit)" in shown
    assert world.store.history() == []
