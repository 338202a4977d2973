"""Is a lease's owner a process of this machine that no longer runs? Only a certain "yes" lets
recovery act before the lease lapses (SPEC §2 and §13)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from lease_owners import owner_of_a_process

from bot.store import liveness
from bot.store.leases import new_owner
from bot.store.liveness import Place


@pytest.fixture
def place() -> Place:
    here = liveness.here()
    if here is None:  # pragma: no cover - the suite runs on Linux, where /proc tells
        pytest.fail("this machine's /proc gives no boot id, pid namespace or start time")
    return here


def owner_of_an_ended_process() -> str:
    with owner_of_a_process(still_running=False) as owner:
        return owner


@pytest.fixture
def running() -> Iterator[str]:
    """The owner id of a process that is still running."""
    with owner_of_a_process(still_running=True) as owner:
        yield owner


def test_an_owner_records_its_place_on_this_machine(place: Place) -> None:
    owner = new_owner()
    assert owner.endswith(f"@{place.mark()}")
    assert owner.split(":")[1] == str(place.pid)


def test_an_ended_process_is_gone(place: Place) -> None:
    assert liveness.gone(owner_of_an_ended_process(), place)


def test_a_running_process_and_this_one_are_not(place: Place, running: str) -> None:
    assert not liveness.gone(running, place)
    assert not liveness.gone(new_owner(), place)


def test_a_reused_pid_does_not_keep_the_dead_alive(place: Place) -> None:
    # This process's pid, with another start time: an earlier process that had the same pid.
    earlier = replace(place, started=str(int(place.started) - 1))
    assert liveness.gone(f"host:{place.pid}:abc123@{earlier.mark()}", place)


@pytest.mark.parametrize(
    "elsewhere",
    [
        {"boot": "0" * 12},  # another machine, or this one before a restart
        {"namespace": "1"},  # another container: its pids are not ours
    ],
)
def test_a_process_of_another_boot_or_namespace_is_never_judged_here(
    place: Place, elsewhere: dict[str, str]
) -> None:
    owner = owner_of_an_ended_process()
    head, _, _ = owner.partition("@")
    pid = int(head.split(":")[1])
    recorded = replace(place, pid=pid, started="1", **elsewhere)
    assert not liveness.gone(f"{head}@{recorded.mark()}", place)


@pytest.mark.parametrize(
    "owner",
    [
        "replica-a",
        "host:4242:abc123",  # written before opsgate recorded a place
        "host:0:abc123@{here}.1",  # pid 0 would name a process group
        "host:-1:abc123@{here}.1",
        "host:x:abc123@{here}.1",
        "host:4242:abc123@{here}",
        "@{here}.1",
    ],
)
def test_an_owner_without_a_readable_place_is_left_to_its_lease(place: Place, owner: str) -> None:
    assert not liveness.gone(owner.format(here=f"{place.boot}.{place.namespace}"), place)


def test_nothing_is_judged_where_the_system_does_not_tell() -> None:
    assert not liveness.gone(owner_of_an_ended_process(), None)
