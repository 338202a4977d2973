"""A request typed while a break-glass bulk run goes on, when that run's vendor has one preview
lane (OPSGATE_WORKERS under 8: a preview pool of 4 to 7 threads): the run, which runs in its
preview's job, hands its lane place on at its vendor call, so the request has its card during
the run and the prompt waits for it, then says the run can be stopped (README "Stopping a bulk
run in the console"). Before, the request waited for the whole run, and the prompt for a minute.
The run's cancel calls are held at the sandbox until the line after the request is read."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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


def simulator(session: ConsoleSession) -> Any:
    return session.app.adapters.simulators["aliyun"]


class Script(io.StringIO):
    """The bulk run, the second request once the run's call is held, then `quit`, which lets
    the run go on; notes how often the console had said the run can be stopped by then, and
    the newest request waiting for approval (one with its card)."""

    def __init__(
        self, session: ConsoleSession, out: io.StringIO, *, hold_preview: bool = False
    ) -> None:
        super().__init__()
        self.session, self.out, self.hold_preview = session, out, hold_preview
        self.route_on: Callable[[httpx.Request], httpx.Response] = simulator(session).route
        self.held, self.go = threading.Event(), threading.Event()
        self.lines = [BULK, SECOND, "quit\n"]
        self.notes_at_quit = -1
        self.pending_at_quit: str | None = None

    def route(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        cancel, second = "Action=CancelOTATaskByDevice" in url, "thermo-001" in url
        if cancel and not second:
            self.held.set()
            assert self.go.wait(60), "quit never came"
        elif second and not cancel and self.hold_preview:  # the second request's preview
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
            self.pending_at_quit = clicks.default_request(self.session.app.store, "approve")
            self.go.set()
        return line


@pytest.fixture
def session(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ConsoleSession]:
    (tmp_path / "opsgate.toml").write_text(POLICY)
    workers = getattr(request, "param", "4")
    env = {"OPSGATE_CONFIG": str(tmp_path / "opsgate.toml"), "OPSGATE_WORKERS": workers}
    with ConsoleSession(load_settings(env), db=tmp_path / "console.db") as session:
        yield session


def test_a_request_of_the_run_s_vendor_has_its_card_during_the_run_and_before_the_prompt(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = io.StringIO()
    script = Script(session, out)
    monkeypatch.setattr(simulator(session), "route", script.route)
    # Before, the prompt waited for the card until this limit, then came back silently.
    settle = clicks.settle
    monkeypatch.setattr(repl, "settle", lambda s, say: settle(s, say, limit=5.0))
    assert repl.Console(session, out).run(script, interactive=False) == 0
    assert session.wait()
    # Said after the bulk run's line, and again after the second request's card.
    assert script.notes_at_quit == 2, out.getvalue()
    # The card came while the run's calls were still held: the next line could approve it.
    second = session.app.store.get(script.pending_at_quit) if script.pending_at_quit else None
    assert second is not None and second.targets == ("thermo-001",), out.getvalue()
    assert second.state is RequestState.PENDING and second.message_ts


@pytest.mark.parametrize("session", ["16"], indirect=True)
def test_a_card_that_does_not_come_in_time_still_leaves_the_prompt_saying_stop_can_reach_the_run(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second request's preview has a thread but its vendor keeps it past the prompt's
    wait: the prompt comes back then, saying the run can be stopped, not silently."""
    out = io.StringIO()
    script = Script(session, out, hold_preview=True)
    monkeypatch.setattr(simulator(session), "route", script.route)
    monkeypatch.setattr(clicks, "SETTLE", 0.05)
    settle, limits = clicks.settle, [60.0, 0.5]  # the bulk run's line, then the second's
    monkeypatch.setattr(repl, "settle", lambda s, say: settle(s, say, limit=limits.pop(0)))
    assert repl.Console(session, out).run(script, interactive=False) == 0
    assert session.wait()
    assert script.notes_at_quit == 2, out.getvalue()
    pending = clicks.default_request(session.app.store, "approve")
    second = session.app.store.get(pending) if pending else None
    assert second is not None and second.targets == ("thermo-001",)  # its card came later
