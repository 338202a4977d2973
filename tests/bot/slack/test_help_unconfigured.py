"""`/ops help` marks the operations of a vendor that has neither credentials nor a sandbox:
SPEC §6 says its commands say so, and help should not send anyone to one unwarned."""

from __future__ import annotations

from types import SimpleNamespace

from lifecycle_world import FakeDirectory

from adapters.building import Adapters
from adapters.registry import installed_plugins
from bot.policy import Policy
from bot.slack.listeners.context import ListenerContext


def context(unconfigured: frozenset[str]) -> ListenerContext:
    s = SimpleNamespace(
        policy=Policy(), adapters=Adapters(unconfigured=unconfigured), directory=FakeDirectory()
    )
    return ListenerContext(
        service=SimpleNamespace(s=s),  # type: ignore[arg-type]
        runner=None,  # type: ignore[arg-type]
        catalog=installed_plugins().catalog,
    )


def test_help_entries_mark_the_operations_of_an_unconfigured_vendor() -> None:
    entries = context(frozenset({"huawei"})).help_entries(user="U0ALICE", channel="C0OPS")

    marked = {entry.operation for entry in entries if entry.unconfigured}
    assert marked == {"huawei.package.delete", "huawei.device.delete"}
    assert len(entries) == 5
