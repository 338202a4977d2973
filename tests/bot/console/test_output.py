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
