"""`home stop` without an id: with one run of yours that Stop can still reach, it says which one
it stops; with several, it lists them (as the App Home tab does, newest first) and stops none,
asking for an id (README "Console commands"). Each run's cancel calls are held at the sandbox
until the console has answered, so the runs are still going whatever the machine's speed."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from console_sessions import console_session

from bot.console import repl
from bot.console.session import ConsoleSession

POLICY = '[policy]\napprovers = ["S0OPSLEADS"]\nbreak_glass = ["U0ALICE"]\n'
#: Two calls of 200 and 100 devices: a run Stop can reach.
CANCEL = (
    "/ops aliyun ota-task cancel {}-{{001..300}} --product a1OpsThermo "
    "--firmware fw-thermo-2.1.0 --reason bad rollout --break-glass INC-42\n"
)
ANSWERED = ("can be stopped", "no run of yours")


class Gate:
    """Holds every cancel call at the sandbox until the console's output shows `ANSWERED`."""

    def __init__(self, route: Callable[[httpx.Request], httpx.Response]) -> None:
        self._route = route
        self.open = threading.Event()
        self._seen: set[str] = set()
        self._changed = threading.Condition()

    def route(self, request: httpx.Request) -> httpx.Response:
        if "Action=CancelOTATaskByDevice" in str(request.url):
            with self._changed:
                self._seen.update(re.findall(r"DeviceName\.1=(\w+)-", str(request.url)))
                self._changed.notify_all()
            assert self.open.wait(60), "the console never answered"
        return self._route(request)

    def held(self, prefix: str) -> None:
        """Wait until a call of the run on `prefix`-NNN devices is held."""
        with self._changed:
            assert self._changed.wait_for(lambda: prefix in self._seen, timeout=60)


class Output(io.StringIO):
    """The console's output, opening the gate once `home stop` has answered."""

    def __init__(self, gate: Gate) -> None:
        super().__init__()
        self.gate = gate

    def write(self, text: str) -> int:
        if any(said in text for said in ANSWERED):
            self.gate.open.set()
        return super().write(text)


class Script(io.StringIO):
    """Input lines, each given once its run (if any) has a call held at the gate."""

    def __init__(self, gate: Gate, lines: list[tuple[str | None, str]]) -> None:
        super().__init__()
        self.gate, self.lines = gate, lines

    def readline(self, size: int | None = -1, /) -> str:  # type: ignore[override]
        if not self.lines:
            return ""
        after, line = self.lines.pop(0)
        if after is not None:
            self.gate.held(after)
        return line


@pytest.fixture
def session(tmp_path: Path) -> Iterator[ConsoleSession]:
    with console_session(tmp_path, POLICY) as session:
        yield session


def console_run(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch, lines: list[tuple[str | None, str]]
) -> str:
    sim = session.app.adapters.simulators["aliyun"]
    gate = Gate(sim.route)
    monkeypatch.setattr(sim, "route", gate.route)
    out = Output(gate)
    assert repl.Console(session, out).run(Script(gate, lines), interactive=False) == 0
    return out.getvalue()


def test_home_stop_lists_several_runs_and_stops_none(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = console_run(
        session,
        monkeypatch,
        [(None, CANCEL.format("one")), ("one", CANCEL.format("two")), ("two", "home stop\n")],
    )
    second, first = session.app.store.history(limit=5)  # newest first
    assert [first.targets[0], second.targets[0]] == ["one-001", "two-001"]
    answer = output[output.index("alice> home stop") :].splitlines()[1]
    assert answer == (
        f"2 runs you may stop ({second.id}, {first.id}); name one: home stop R-XXXXXXXX"
    )
    assert "Stop requested" not in output
    assert [r.stop_requested_by for r in session.app.store.history(limit=5)] == [None, None]


def test_home_stop_says_which_run_it_stops(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = console_run(
        session, monkeypatch, [(None, CANCEL.format("one")), ("one", "home stop\n")]
    )
    [record] = session.app.store.history(limit=5)
    answer = output[output.index("alice> home stop") :].splitlines()[1]
    assert answer == f"stopping {record.id}, the one run you may stop"
    assert "🛑 Stop requested by @alice" in output
    assert session.app.store.get(record.id).stop_requested_by == "U0ALICE"  # type: ignore[union-attr]
