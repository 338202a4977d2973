"""The tables' cross-check compares each request's first event with the detail its row implies,
in every form a release wrote: this release's, the one before the creation time was recorded,
and release 1's (no ``break_glass``, no ``review_due_at``). Each form lets an intact request
through the quick query, and a row changed under any of them is still a suspect that `verify`
names, in this process and in the workers alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_requests import fill
from tampering import drop_detail_key, rehash, set_detail_key, tamper

from bot.store import Store, beside
from bot.store import scan as chain_scan
from bot.store.crosscheck import suspects

#: The keys each form's ``requested`` detail lacks.
FORMS = {
    "this release": (),
    "before the creation time": ("created_at",),
    "release 1": ("created_at", "break_glass", "review_due_at"),
}
CHANGES = [
    "UPDATE requests SET reason = 'other' WHERE id = ?",
    "UPDATE requests SET channel = 'C0ELSE' WHERE id = ?",
    "UPDATE requests SET params = '{\"reason_id\":8}' WHERE id = ?",
    "UPDATE requests SET expires_at = '2099-01-01T00:00:00.000000Z' WHERE id = ?",
]
#: Changes to what only release 2's details record (release 1 had no break-glass: its details
#: say nothing of one, so a row that claims one has no event behind it).
RELEASE_2_CHANGES = [
    "UPDATE requests SET break_glass = 'U0MALLORY' WHERE id = ?",
    "UPDATE requests SET review_due_at = '2099-01-01T00:00:00.000000Z' WHERE id = ?",
]
RECORDED = {name: dropped for name, dropped in FORMS.items() if "break_glass" not in dropped}


@pytest.fixture(params=["in this process", "in workers"])
def where(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Verify in this process, or (on a SQLite file) with the tables' query in workers."""
    if request.param == "in workers":
        monkeypatch.setattr(chain_scan, "PARALLEL_FROM", 1)
        monkeypatch.setattr(chain_scan.os, "cpu_count", lambda: 3)
    return str(request.param)


def written_as(target: str | Path, dropped: tuple[str, ...]) -> None:
    """The log as a release that did not record `dropped` wrote it (the chain consistent)."""
    for key in dropped:
        drop_detail_key(target, event="requested", key=key)
    rehash(target)


def suspected(store: Store, target: str | Path) -> list[str]:
    with store.engine.read() as db:
        here = suspects(db, store.engine.kind)
    if isinstance(target, Path):  # a worker, on its own SQLite, suspects the same
        last = store.head().seq
        asked = beside.InWorker(target, last)
        try:
            assert asked.answer() == here
        finally:
            asked.close()
    return here


@pytest.mark.parametrize("dropped", FORMS.values(), ids=FORMS)
def test_each_form_of_the_first_detail_lets_an_intact_request_through(
    store: Store, target: str | Path, dropped: tuple[str, ...]
) -> None:
    fill(store, requests=4)
    written_as(target, dropped)

    assert suspected(store, target) == []
    assert store.verify().ok


#: Each form with each change to what it records: every column for a detail of this release or
#: the one before, the release-2-only ones not for release 1's (which record no break-glass).
CHANGED_UNDER = [
    pytest.param(dropped, change, id=f"{name}-{n}")
    for name, dropped in FORMS.items()
    for n, change in enumerate(CHANGES + (RELEASE_2_CHANGES if name in RECORDED else []))
]


@pytest.mark.parametrize(("dropped", "change"), CHANGED_UNDER)
def test_a_row_changed_under_each_form_is_a_suspect_and_named(
    store: Store, target: str | Path, dropped: tuple[str, ...], change: str
) -> None:
    ids = fill(store, requests=4)
    written_as(target, dropped)
    tamper(target, change, params=(ids[0],))

    assert suspected(store, target)[:1] == [ids[0]]
    result = store.verify()
    assert (result.ok, result.request_id) == (False, ids[0])


@pytest.mark.parametrize("change", RELEASE_2_CHANGES)
@pytest.mark.usefixtures("where")
def test_a_break_glass_or_review_given_to_a_release_1_request_is_named(
    store: Store, target: str | Path, change: str
) -> None:
    ids = fill(store, requests=4)
    written_as(target, FORMS["release 1"])
    tamper(target, change, params=(ids[0],))

    assert suspected(store, target)[:1] == [ids[0]]  # never let through the quick query
    result = store.verify()
    assert (result.ok, result.request_id) == (False, ids[0])
    column = change.split()[3]  # UPDATE requests SET <column> = ...
    assert result.problem is not None
    assert result.problem.startswith(f"{column}: the stored request has ")


@pytest.mark.parametrize("value", [1, "1", None], ids=["integer", "text", "null"])
@pytest.mark.usefixtures("where")
def test_a_first_event_that_refers_to_an_event_is_named(
    store: Store, target: str | Path, value: object
) -> None:
    """The query does not parse a ``requested`` event's reference: such a detail is not the one
    its row implies, so its request is a suspect, and the field-by-field comparison names it."""
    ids = fill(store, requests=4)
    set_detail_key(target, event="requested", key="requested_seq", value=value)
    rehash(target)

    assert suspected(store, target) == ids
    result = store.verify()
    assert (result.ok, result.request_id) == (False, ids[0])
    assert result.problem is not None
    assert "requested_seq" in result.problem
