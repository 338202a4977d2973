"""When the console prints what the app sends to Slack: in the order Slack received it, except
that direct messages come last, once the app has settled, whether a line set it off (a command,
a click) or the app sent it on its own (a reminder, an expiry, a bulk run's progress)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Final, Protocol, TextIO

#: How long what the app sends on its own waits for the app to settle before it is printed:
#: long enough for a card's update and the requester's message sent with it, short enough
#: that a long bulk run's progress still reads as it comes.
SETTLE_ALONE: Final = 1.0


class PromptLine(Protocol):
    """A terminal's input line, waiting for the typist (`bot.console.reader.LineReader`)."""

    def showing(self) -> bool:
        """A prompt is on the screen, waiting for a line."""
        ...

    def redraw(self) -> str:
        """The prompt again, with what has been typed after it so far."""
        ...


class Output:
    """The console's output, and what the app sends to Slack held back until it may be printed.

    Args:
        out: Where the console prints.
        settled: Waits until the app has finished its work, at most this many seconds; True
            when it has.
        prompt: The terminal's input line, if any: what the app sends on its own while the
            typist is at the prompt is printed over it, and the prompt shown again below.
    """

    def __init__(
        self,
        out: TextIO,
        *,
        settled: Callable[[float], bool],
        prompt: Callable[[], PromptLine | None] = lambda: None,
    ) -> None:
        self.out = out
        self._settled = settled
        self._prompt = prompt
        self._lock = threading.Lock()
        # What a line set off waits here while the line holds it (`hold` to `release`).
        self._held: list[tuple[int, str]] | None = None
        # What the app sent on its own waits here until it has settled (`_print_alone`).
        self._alone: list[tuple[int, str]] = []

    def say(self, text: str, *, end: str = "\n") -> None:
        """Print now."""
        with self._lock:
            self._write([text], end=end)

    def hold(self) -> None:
        """Keep what the app sends until `release` (already holding: keep holding)."""
        with self._lock:
            if self._held is None:
                self._held = []

    def release(self) -> None:
        """Print what was held: in the order it came, but direct messages last. Slack's pools
        send a card's last update and the requester's message at the same moment, in either
        order; the transcript shows them in one."""
        with self._lock:
            held, self._held = self._held or [], None
            self._write(_in_order(held))

    def show(self, text: str, *, direct: bool) -> None:
        """What the app sent to Slack (`direct`: a direct message): kept while a line holds,
        or else until the app settles, as what a line sets off is."""
        item = (1 if direct else 0, text)
        with self._lock:
            if self._held is not None:
                self._held.append(item)
                return
            self._alone.append(item)
            if len(self._alone) > 1:  # a thread is already waiting to print them
                return
        threading.Thread(target=self._print_alone, daemon=True, name="console-output").start()

    def finish(self) -> None:
        """Print what is still waiting: the app has stopped, so it has settled (a run it
        finished while closing sent its last card update and message just now)."""
        with self._lock:
            waiting, self._alone, self._held = [*(self._held or []), *self._alone], [], None
            self._write(_in_order(waiting))

    def _print_alone(self) -> None:
        """Once the app has settled (or a moment has passed), print what it sent on its own;
        if a line holds by then, its `release` prints them, first (they came first)."""
        self._settled(SETTLE_ALONE)
        with self._lock:
            alone, self._alone = self._alone, []
            if self._held is not None:
                self._held[:0] = alone
                return
            prompt = self._prompt()
            showing = prompt is not None and prompt.showing()
            if showing:  # over the prompt line, then the prompt again, as typed so far
                self.out.write("\r\x1b[K")
            self._write(_in_order(alone))
            if showing and prompt is not None:
                self._write([prompt.redraw()], end="")

    def _write(self, texts: list[str], *, end: str = "\n") -> None:
        for text in texts:
            self.out.write(text + end)
        self.out.flush()


def _in_order(items: list[tuple[int, str]]) -> list[str]:
    """In the order they came, but direct messages last."""
    return [text for _, text in sorted(items, key=lambda item: item[0])]
