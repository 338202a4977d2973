"""`Output`: what the app sends to Slack prints once the app has settled, direct messages last,
whether a line set it off or the app sent it on its own."""

from __future__ import annotations

import io
import threading
import time

from bot.console.output import Output


def printed(out: io.StringIO, *, lines: int, timeout: float = 10.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while len(out.getvalue().splitlines()) < lines:
        assert time.monotonic() < deadline, out.getvalue()
        time.sleep(0.01)
    return out.getvalue().splitlines()


def test_what_the_app_sends_on_its_own_waits_until_it_has_settled() -> None:
    settled = threading.Event()
    out = io.StringIO()
    output = Output(out, settled=lambda timeout: settled.wait(timeout))
    output.show("Expired: your request", direct=True)
    output.show("card updated", direct=False)
    assert out.getvalue() == ""
    settled.set()
    assert printed(out, lines=2) == ["card updated", "Expired: your request"]


def test_a_line_that_holds_prints_what_came_on_its_own_first() -> None:
    settled = threading.Event()
    out = io.StringIO()
    output = Output(out, settled=lambda timeout: settled.wait(timeout))
    output.show("reminder", direct=False)
    output.hold()
    settled.set()
    output.show("the line's card", direct=False)
    for thread in threading.enumerate():  # the reminder's thread has handed it to the line
        if thread.name == "console-output":
            thread.join(10)
    assert out.getvalue() == ""
    output.release()
    assert printed(out, lines=2) == ["reminder", "the line's card"]


def test_finish_prints_what_is_still_waiting() -> None:
    out = io.StringIO()
    output = Output(out, settled=lambda timeout: threading.Event().wait(timeout))
    output.show("message", direct=True)
    output.show("card", direct=False)
    output.finish()
    assert out.getvalue().splitlines() == ["card", "message"]


class Prompt:
    """A terminal's prompt line with `typed` after it, on the screen while `waiting`."""

    def __init__(self, *, waiting: bool) -> None:
        self.waiting = waiting

    def showing(self) -> bool:
        return self.waiting

    def redraw(self) -> str:
        return "alice> sto"


def test_what_comes_while_the_typist_is_at_the_prompt_goes_above_it() -> None:
    """A bulk run's progress, printed while `alice> sto` waits for its `p`, clears that line,
    and the prompt is shown again under it, as typed so far: never left above the update."""
    out = io.StringIO()
    prompt = Prompt(waiting=True)
    output = Output(out, settled=lambda timeout: True, prompt=lambda: prompt)
    output.show("── card R-1 updated ──", direct=False)
    deadline = time.monotonic() + 10
    while not out.getvalue().endswith("alice> sto") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert out.getvalue() == "\r\x1b[K── card R-1 updated ──\nalice> sto"


def test_without_a_prompt_showing_nothing_is_drawn_over_it() -> None:
    out = io.StringIO()
    prompt = Prompt(waiting=False)  # a line is running: its own output follows the line
    output = Output(out, settled=lambda timeout: True, prompt=lambda: prompt)
    output.show("── card R-1 updated ──", direct=False)
    assert printed(out, lines=1) == ["── card R-1 updated ──"]
