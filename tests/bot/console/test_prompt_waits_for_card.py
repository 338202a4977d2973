"""A request typed while a bulk run goes on: the prompt comes back once its card is posted, not
as soon as the run can be stopped, so a script's next line can approve it (README "Stopping a
bulk run in the console"). The run's cancel calls are held at the sandbox, and so is the new
request's preview until the console has looked at the running run twice (the second look is
one it takes only while it waits for the card), so both are still going whatever the machine's
speed."""

from __future__ import annotations

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
#: Two calls of 200 and 100 devices: a run Stop can reach.
BULK = (
    "/ops aliyun ota-task cancel thermo-{056..355} --product a1OpsThermo "
    "--firmware fw-thermo-2.1.0 --reason bad rollout --break-glass INC-42\n"
)
SECOND = (
    "/ops aliyun ota-task cancel thermo-001 --product a1OpsThermo "
    "--firmware fw-thermo-2.1.0 --reason bad rollout\n"
)


class Sandbox:
    """Holds the bulk run's cancel calls until `quit`, and the second request's preview until
    `looks` is set."""

    def __init__(self, route: Callable[[httpx.Request], httpx.Response]) -> None:
        self._route = route
        self.bulk_held, self.bulk_go = threading.Event(), threading.Event()
        self.second_typed, self.preview_go = threading.Event(), threading.Event()

    def route(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        second = "thermo-001" in url
        if "Action=CancelOTATaskByDevice" in url and not second:
            self.bulk_held.set()
            assert self.bulk_go.wait(60), "quit never came"
        elif second and "Action=CancelOTATaskByDevice" not in url:
            assert self.preview_go.wait(60), "the preview was never let go"
        return self._route(request)


class Script(io.StringIO):
    """The bulk run, the second request once the run's call is held, then @bob's approval
    (noting whether a request was pending when it was asked for), then `quit`."""

    def __init__(self, sandbox: Sandbox, session: ConsoleSession) -> None:
        super().__init__()
        self.sandbox, self.session = sandbox, session
        self.lines = [BULK, SECOND, "as @bob approve\n", "quit\n"]
        self.pending_when_asked: str | None = None

    def readline(self, size: int | None = -1, /) -> str:  # type: ignore[override]
        if not self.lines:
            return ""
        line = self.lines.pop(0)
        if line == SECOND:
            assert self.sandbox.bulk_held.wait(60), "the bulk run's call never came"
            self.sandbox.second_typed.set()
        elif line.startswith("as @bob"):
            self.pending_when_asked = clicks.default_request(self.session.app.store, "approve")
            self.sandbox.preview_go.set()  # on the code before the fix: let it finish now
        elif line == "quit\n":
            self.sandbox.bulk_go.set()
        return line


@pytest.fixture
def session(tmp_path: Path) -> Iterator[ConsoleSession]:
    with console_session(tmp_path, POLICY) as session:
        yield session


def test_a_request_typed_during_a_bulk_run_has_its_card_before_the_prompt(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = session.app.adapters.simulators["aliyun"]
    sandbox = Sandbox(sim.route)
    monkeypatch.setattr(sim, "route", sandbox.route)
    monkeypatch.setattr(clicks, "SETTLE", 0.05)
    waits = [0]
    wait = session.wait

    def counted(timeout: float = 60.0) -> bool:
        if sandbox.second_typed.is_set():
            waits[0] += 1
            if waits[0] == 2:  # the console looked again: the preview may go on
                sandbox.preview_go.set()
        return wait(timeout)

    monkeypatch.setattr(session, "wait", counted)
    out = io.StringIO()
    script = Script(sandbox, session)
    assert repl.Console(session, out).run(script, interactive=False) == 0
    assert session.wait()
    output = out.getvalue()
    assert script.pending_when_asked is not None, output
    assert "there is no pending request" not in output
    second = session.app.store.get(script.pending_when_asked)
    assert second is not None and second.targets == ("thermo-001",)
    assert second.state is RequestState.SUCCEEDED  # @bob's approval ran it
