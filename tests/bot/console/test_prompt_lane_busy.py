"""A request typed while a break-glass bulk run goes on, when that run holds its vendor's only
preview lane (OPSGATE_WORKERS under 8: a preview pool of 4 to 7 threads, one lane per vendor):
its preview waits, without a thread, until the run ends, so the prompt must not wait for its
card. It comes back at once, saying the run can be stopped (README "Stopping a bulk run in the
console"), as it did before prompts waited for cards; the card is posted once the run ends.
The run's cancel calls are held at the sandbox until the line after the request is read."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from bot.console import clicks, repl
from bot.console.session import ConsoleSession
from bot.model import RequestState
from bot.settings import load_settings

POLICY = '[policy]\napprovers = ["S0OPSLEADS"]\nbreak_glass = ["U0ALICE"]\n'
BULK = (
    "/ops aliyun ota-task cancel thermo-{056..355} --product a1OpsThermo "
    "--firmware fw-thermo-2.1.0 --reason bad rollout --break-glass INC-42\n"
)
SECOND = (
    "/ops aliyun ota-task cancel thermo-001 --product a1OpsThermo "
    "--firmware fw-thermo-2.1.0 --reason bad rollout\n"
)
NOTE = "is still running: `stop` stops it"


class Script(io.StringIO):
    """The bulk run, the second request once the run's call is held, then `quit`, which lets
    the run go on; notes how often the console had said the run can be stopped by then."""

    def __init__(self, route: Callable[[httpx.Request], httpx.Response], out: io.StringIO) -> None:
        super().__init__()
        self.route_on, self.out = route, out
        self.held, self.go = threading.Event(), threading.Event()
        self.lines = [BULK, SECOND, "quit\n"]
        self.notes_at_quit = -1

    def route(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if "Action=CancelOTATaskByDevice" in url and "thermo-001" not in url:
            self.held.set()
            assert self.go.wait(60), "quit never came"
        return self.route_on(request)

    def readline(self, size: int | None = -1, /) -> str:  # type: ignore[override]
        if not self.lines:
            return ""
        line = self.lines.pop(0)
        if line == SECOND:
            assert self.held.wait(60), "the bulk run's call never came"
        elif line == "quit\n":
            self.notes_at_quit = self.out.getvalue().count(NOTE)
            self.go.set()
        return line


@pytest.fixture
def session(tmp_path: Path) -> Iterator[ConsoleSession]:
    (tmp_path / "opsgate.toml").write_text(POLICY)
    env = {"OPSGATE_CONFIG": str(tmp_path / "opsgate.toml"), "OPSGATE_WORKERS": "4"}
    with ConsoleSession(load_settings(env), db=tmp_path / "console.db") as session:
        yield session


def test_a_request_queued_behind_the_run_in_its_lane_does_not_hold_the_prompt(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = session.app.adapters.simulators["aliyun"]
    out = io.StringIO()
    script = Script(sim.route, out)
    monkeypatch.setattr(sim, "route", script.route)
    # Before the fix the prompt waited for the card until this limit, then came back silently.
    settle = clicks.settle
    monkeypatch.setattr(repl, "settle", lambda s, say: settle(s, say, limit=5.0))
    assert repl.Console(session, out).run(script, interactive=False) == 0
    assert session.wait()
    # Said after the bulk run's line, and again after the second request's.
    assert script.notes_at_quit == 2, out.getvalue()
    pending = clicks.default_request(session.app.store, "approve")
    second = session.app.store.get(pending) if pending else None
    assert second is not None and second.targets == ("thermo-001",)  # its card came later
    assert second.state is RequestState.PENDING and second.message_ts
