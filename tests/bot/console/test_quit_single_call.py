"""`quit` while a single vendor call (not a bulk run Stop can reach) is still going: the console
finishes it before it ends, and says so, as it does for a bulk run, rather than sitting silent.
The call is held at the sandbox until the console has said it, so it is still going whatever
the machine's speed; the console's wait after each line is cut short, as for a call that
outlasts it."""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from console_sessions import console_session

from bot.console import clicks, repl
from bot.console.session import ConsoleSession
from bot.model import RequestState

POLICY = '[policy]\napprovers = ["S0OPSLEADS"]\nbreak_glass = ["U0ALICE"]\n'
CANCEL = (
    "/ops aliyun ota-task cancel thermo-001 --product a1OpsThermo --firmware fw-thermo-2.1.0 "
    "--reason bad rollout --break-glass INC-42\n"
)
SAID = "is still running: the console ends once it has ended"


class Gate:
    """Holds the cancel call at the sandbox until the console's output says `SAID`."""

    def __init__(self, route: Callable[[httpx.Request], httpx.Response]) -> None:
        self._route = route
        self.open = threading.Event()
        self.held = threading.Event()

    def route(self, request: httpx.Request) -> httpx.Response:
        if "Action=CancelOTATaskByDevice" in str(request.url):
            self.held.set()
            assert self.open.wait(30), "the console never said why it waits"
        return self._route(request)


class Output(io.StringIO):
    def __init__(self, gate: Gate) -> None:
        super().__init__()
        self.gate = gate

    def write(self, text: str) -> int:
        if SAID in text:
            self.gate.open.set()
        return super().write(text)


class Script(io.StringIO):
    """The cancel, then `quit` once its call is held at the sandbox."""

    def __init__(self, gate: Gate) -> None:
        super().__init__()
        self.gate, self.lines = gate, [CANCEL, "quit\n"]

    def readline(self, size: int | None = -1, /) -> str:  # type: ignore[override]
        if not self.lines:
            return ""
        if len(self.lines) == 1:
            assert self.gate.held.wait(60), "the cancel call never came"
        return self.lines.pop(0)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[ConsoleSession]:
    with console_session(tmp_path, POLICY) as session:
        yield session


def test_quit_during_a_single_vendor_call_says_it_waits_for_it(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = session.app.adapters.simulators["aliyun"]
    gate = Gate(sim.route)
    monkeypatch.setattr(sim, "route", gate.route)
    monkeypatch.setattr(repl, "settle", functools.partial(clicks.settle, limit=0))
    out = Output(gate)
    assert repl.Console(session, out).run(Script(gate), interactive=False) == 0
    assert session.wait()  # the call, let go once the console said it waits for it
    output = out.getvalue()
    [record] = session.app.store.history(limit=5)
    said = f"── {record.id} {SAID} ──"
    assert said in output
    assert "`stop` stops it" not in output  # a single call: nothing Stop could still stop
    # The call was let go only once that was said; then it ran to its end.
    assert session.app.store.get(record.id).state is RequestState.SUCCEEDED  # type: ignore[union-attr]
