"""The console's `audit` listing: every event name, "approved again" the widest, fits its
column, so the actor, request and operation columns line up on every line."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from surfaces_world import session_with

from bot.console import repl
from bot.console.session import ConsoleSession
from bot.model import AuditEvent, AuditEventName


@pytest.fixture
def session(tmp_path: Path) -> Iterator[ConsoleSession]:
    with session_with(tmp_path) as opened:
        yield opened


def _event(seq: int, name: AuditEventName, **detail: Any) -> AuditEvent:
    return AuditEvent(
        seq=seq,
        at="2026-11-28T06:00:00.000000Z",
        request_id="R-4C4JPA9N",
        event=name,
        actor="U0BOB",
        operation="servicepower.job.cancel",
        targets=("JOB-1001",),
        detail=detail,
        prev_hash="0" * 64,
        hash="0" * 64,
    )


def test_every_event_name_fits_the_audit_column(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = [_event(i, name) for i, name in enumerate(AuditEventName, start=1)]
    events.append(_event(len(events) + 1, AuditEventName.APPROVED, again=True, restored=["U0BOB"]))
    monkeypatch.setattr(session.app.store, "events", lambda request_id=None: iter(events))
    out = io.StringIO()
    repl.Console(session, out).handle("audit")
    lines = [line for line in out.getvalue().splitlines() if line.startswith("#")]
    assert len(lines) == len(events)
    assert any("  approved again @bob" in line for line in lines)
    # The actor column starts at the same place on every line, whatever the event's name.
    assert len({line.index("@bob") for line in lines}) == 1, "\n".join(lines)
