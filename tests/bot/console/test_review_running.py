"""`review`, `home review` and `/ops history --unreviewed` while a break-glass run is still
executing: its card says it is reviewed once it ends, so the console names it rather than
saying only that nothing awaits review. The run's cancel calls are held at the sandbox until
the script has been read to its end, so the run is still going whatever the machine's speed."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from console_sessions import console_session

from bot.console import repl
from bot.console.session import ConsoleSession

POLICY = '[policy]\napprovers = ["S0OPSLEADS"]\nbreak_glass = ["U0ALICE"]\n'
#: Two calls of 200 and 100 devices, run at once (break-glass).
CANCEL = (
    "/ops aliyun ota-task cancel thermo-{001..300} --product a1OpsThermo "
    "--firmware fw-thermo-2.1.0 --reason bad rollout --break-glass INC-42\n"
)


class Held:
    """Holds every cancel call at the sandbox until `open` is set; `sent` once one is held."""

    def __init__(self, route: Callable[[httpx.Request], httpx.Response]) -> None:
        self._route = route
        self.open, self.sent = threading.Event(), threading.Event()

    def route(self, request: httpx.Request) -> httpx.Response:
        if "Action=CancelOTATaskByDevice" in str(request.url):
            self.sent.set()
            assert self.open.wait(60), "the script never ended"
        return self._route(request)


class Script(io.StringIO):
    """The break-glass request, then (once its first call is held) each line; at the end of
    the script the held calls go on."""

    def __init__(self, held: Held, lines: list[str]) -> None:
        super().__init__()
        self.held, self.lines = held, [CANCEL, *lines]

    def readline(self, size: int | None = -1, /) -> str:  # type: ignore[override]
        if len(self.lines) < 2:
            assert self.held.sent.wait(60), "the run never started"
        if not self.lines:
            self.held.open.set()
            return ""
        return self.lines.pop(0)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[ConsoleSession]:
    with console_session(tmp_path, POLICY) as session:
        yield session


def answers(session: ConsoleSession, monkeypatch: pytest.MonkeyPatch, line: str) -> list[str]:
    """What the console answers `line`, typed while the break-glass run is held."""
    sim = session.app.adapters.simulators["aliyun"]
    held = Held(sim.route)
    monkeypatch.setattr(sim, "route", held.route)
    out = io.StringIO()
    assert repl.Console(session, out).run(Script(held, [line]), interactive=False) == 0
    output = out.getvalue()
    return output[output.index(f"alice> {line.strip()}") :].splitlines()[1:2]


def test_review_names_the_break_glass_run_still_running(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    said = answers(session, monkeypatch, "as @bob review\n")
    [record] = session.app.store.history(limit=5)
    assert said == [
        f"there is no break-glass request awaiting your review: {record.id} is still running; "
        "review it when it ends"
    ]


def test_home_review_names_the_run_to_those_who_may_review_it(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    said = answers(session, monkeypatch, "as @bob home review\n")
    [record] = session.app.store.history(limit=5)
    assert said == [
        f"no break-glass run awaits your review in your App Home: {record.id} is still "
        "running; review it when it ends"
    ]


def test_home_review_does_not_send_the_requester_to_review_their_own_run(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    said = answers(session, monkeypatch, "home review\n")
    assert said == [
        "no break-glass run awaits your review in your App Home; name one: home review R-XXXXXXXX"
    ]


def test_review_does_not_send_the_requester_to_review_their_own_run(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    said = answers(session, monkeypatch, "review\n")  # alice's own run: she may not review it
    assert said == [
        "there is no break-glass request awaiting your review; name one: review R-XXXXXXXX"
    ]


def test_history_unreviewed_names_the_run_still_running(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = session.app.adapters.simulators["aliyun"]
    held = Held(sim.route)
    monkeypatch.setattr(sim, "route", held.route)
    out = io.StringIO()
    line = "as @bob /ops history --unreviewed\n"
    assert repl.Console(session, out).run(Script(held, [line]), interactive=False) == 0
    output = out.getvalue()
    said = " ".join(output[output.index("alice> as @bob /ops history --unreviewed") :].split())
    [record] = session.app.store.history(limit=5)
    assert (
        f"Nothing awaits review yet: `{record.id}` is still running; review it when it ends."
        in said
    )
