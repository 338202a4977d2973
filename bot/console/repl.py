"""`opsgate console`: request, approve and audit in a terminal, against sandboxed vendors.

Lines are slash commands (`/ops …`), clicks (`approve R-…`), or console commands (the request
form, App Home, Request again, the audit log); `as @bob …` runs one line as another person.
Reads a terminal interactively (line editing and history, styles) or a piped script (plain
text, each line echoed).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

from adapters.registry import Plugins
from bot.cards.lists import EVENT_TITLE_WIDTH, event_title
from bot.cards.text import elide
from bot.console.clicks import (
    WAITING,
    click_words,
    default_click,
    default_request,
    first_word,
    malformed_id,
    named_request,
    nothing_to_click,
    quit_waits_for,
    settle,
)
from bot.console.greeting import HELP, banner
from bot.console.output import Output
from bot.console.reader import LineReader
from bot.console.render import render_message
from bot.console.session import CHANNEL, CHANNEL_NAME, USERS, AckReply, ConsoleSession
from bot.console.standin.server import RecordedCall
from bot.console.surfaces import Surfaces
from bot.console.transcript import Transcript, is_direct_message
from bot.console.words import NAMES, TRY, cannot_run_as, unknown_command
from bot.settings import Settings
from bot.store import DatabaseUnavailable


class Console:
    """The read-eval-print loop over a `ConsoleSession`.

    Args:
        color: Show Slack's bold and italic as terminal styles (for a terminal).
    """

    def __init__(
        self, session: ConsoleSession, out: TextIO, *, user: str = "alice", color: bool = False
    ) -> None:
        self.session = session
        self.user = NAMES[user]
        self.color = color
        # How Slack shows ids: people by name, and user groups by handle (usergroups.list).
        self.names = {**USERS, CHANNEL: CHANNEL_NAME, **session.group_names()}
        self.reader: LineReader | None = None
        self.transcript = Transcript(self.names, color=color, message=session.standin.message)
        # While a line runs, what the app sends to Slack is held so the ack (what Slack shows
        # first) is printed first; and until the app has settled, so a transcript reads the
        # same every time.
        # At a terminal, what the app sends while the typist is at the prompt goes above it.
        prompt = (lambda: self.reader) if out.isatty() else (lambda: None)
        self.output = Output(out, settled=session.app.runner.wait_idle, prompt=prompt)
        # What the app sent as it started (a run an earlier session left executing, now
        # unknown; an expiry), before it could be shown or since, prints after the banner.
        # Held in the order sent: those sent before listening, then any sent since.
        self.output.hold()
        for call in session.standin.on_call(self._show):
            self._show(call)

    def run(self, stdin: TextIO, *, interactive: bool) -> int:
        """Read lines until end of input or `quit`. Returns the exit status."""
        self.say(banner(self.session, user=USERS[self.user]))
        self.release()
        self.reader = LineReader(stdin, self.say, interactive=interactive)
        try:
            while True:
                try:
                    line = self.reader.read(f"{USERS[self.user]}> ")
                    if line is None or not self.handle(line.strip()):
                        self._leaving()
                        return 0
                except KeyboardInterrupt:
                    if not interactive:
                        raise
                    self.release()  # what came meanwhile shows now, not after the next line
                    self.say("")  # at a terminal: drop the line or the form, as a shell does
        finally:
            self.reader.close()

    def _leaving(self) -> None:
        """At `quit` or the end of input: the session finishes a run still going (a bulk run,
        or a single vendor call) before it ends, never leaving it executing; say so, or the
        console would sit there silent."""
        running = quit_waits_for(self.session)
        if running is not None:
            self.say(f"── {running} is still running: the console ends once it has ended ──")

    def handle(self, line: str) -> bool:
        """Run one line; False means quit."""
        if not line or line.startswith("#"):
            return True
        user = self.user
        if first_word(line)[0] == "as":
            who, line = first_word(first_word(line)[1])
            who = who.lower()  # people are named in any case, as in Slack
            refused = cannot_run_as(who, line)
            if refused:
                self.say(refused)
                return True
            user = NAMES[who.lstrip("@")]
        return self._run(line.strip(), user)

    def _run(self, line: str, user: str) -> bool:
        word, rest = first_word(line)
        if word == "/ops" and not rest.strip():
            word = "form"  # as in Slack, `/ops` alone opens the request form
        if word in {"quit", "exit"}:
            return False
        if word == "/ops":
            self.hold()
            self.show_ack(self.session.slash(rest, user=user), user, keep_holding=True)
        elif word in WAITING:
            self._click(word, rest, user)
        elif word == "user":
            self._become(rest.strip())
        elif word in {"form", "again", "home"}:
            Surfaces(self).run(word, rest.split(), user)
        elif word == "audit":
            bad = rest.strip() and malformed_id(self.session.app.store, rest.strip())
            if bad:  # `audit R-`: as `/ops status R-` says it
                self.say(bad)
            else:
                self._audit(named_request(self.session.app.store, rest.strip()) or None)
        elif word == "verify" and rest.strip():
            self.say(f"verify takes no words; type verify (not {rest.strip()[:40]})")
        elif word == "verify":
            self.say(self.session.app.store.verify().describe())
        elif word == "help":
            self.say(HELP)
        else:
            self.say(unknown_command(word, self.session.app.service.s.catalog))
        self.hold()
        settle(self.session, self._release_then_say)
        self.release()
        return True

    def _become(self, who: str) -> None:
        """``user @bob``: type as someone else from now on."""
        if not who:
            self.say(f"name someone to become: user @bob; {TRY}")
        elif who.lstrip("@").lower() not in NAMES:
            self.say(f"no such person {who}; {TRY}")
        else:
            self.user = NAMES[who.lstrip("@").lower()]

    def _click(self, word: str, rest: str, user: str) -> None:
        """``approve|withdraw [<id>]``, or ``reject [<id>] [why…]`` (the Reject dialog's reason)."""
        words = click_words(self.session.app.store, word, rest)
        if isinstance(words, str):  # not a click's words: say so rather than guess
            self.say(words)
            return
        named, why = words
        request_id = named or default_click(self.session.app.service.s, word, user=user)
        if request_id is None:
            self.say(nothing_to_click(self.session.app.service.s, word, user=user))
            return
        self.hold()
        if word == "reject":
            reply = self.session.reject(request_id, user=user, reason=why.strip() or None)
            for error in ((reply.message or {}).get("errors") or {}).values():
                self.release()  # the dialog first, then what it says under its field
                self.say(f"the Reject dialog says: {error} Nothing was decided.")
            self.show_ack(reply, user, keep_holding=True)
        else:
            self.show_ack(self.session.click(word, request_id, user=user), user, keep_holding=True)

    def newest_pending(self) -> str | None:
        return default_request(self.session.app.store, "approve")

    def open_tab(self, user: str) -> None:
        self.transcript.open_tab(user)

    def hold(self) -> None:
        """Keep what the app sends to Slack until `release` (already holding: keep holding)."""
        self.output.hold()

    def release(self) -> None:
        """Print what was held: in the order it came, but direct messages last."""
        self.output.release()

    def _release_then_say(self, text: str) -> None:
        self.release()
        self.say(text)

    def show_ack(self, reply: AckReply, user: str, *, keep_holding: bool = False) -> None:
        """Print Slack's answer to a command or click, then what the app sent before it; with
        `keep_holding`, that and what the app sends next wait for the line's last `release`
        (printed at the ack, a requester's message could come before the card update sent
        with it, whichever reached Slack first)."""
        message = reply.message
        if message and message.get("blocks"):
            self.say(f"── only visible to @{USERS[user]} ──")
            self.say(render_message(message["blocks"], names=self.names, color=self.color))
        if not keep_holding:
            self.release()

    def _audit(self, request_id: str | None) -> None:
        events = list(self.session.app.store.events(request_id=request_id))  # one trail whole
        events = events if request_id else events[-20:]
        if not events:  # an id no request has, or an empty log
            self.say(f"there is no request {request_id}" if request_id else "no audit events yet")
        for e in events:
            actor = f"@{USERS[e.actor]}" if e.actor in USERS else e.actor
            # Later events refer to the request's first event instead of repeating its targets;
            # the first names three, and counts the rest as the card does.
            targets = elide(e.targets, shown=3) or f"(see #{e.detail.get('requested_seq', '?')})"
            self.say(
                f"#{e.seq:<4} {e.at}  {event_title(e):<{EVENT_TITLE_WIDTH}} {actor:<8} "
                f"{e.request_id}  {e.operation} {targets}"
            )

    def _show(self, call: RecordedCall) -> None:
        """Print what the app sent to Slack, as the people in the channel would see it."""
        text = self.transcript.text(call)
        if text:
            self.output.show(text, direct=is_direct_message(call))

    def say(self, text: str, *, end: str = "\n") -> None:
        self.output.say(text, end=end)


def run_console(
    settings: Settings,
    *,
    stdin: TextIO,
    stdout: TextIO,
    db: Path | None = None,
    plugins: Plugins | None = None,
) -> int:
    """Run the console until end of input. The database defaults to ./opsgate-console.db so
    sandbox requests never mix with a real audit log.

    Raises:
        DatabaseUnavailable: ``OPSGATE_CONSOLE_DB`` holds only spaces, which name no file.
    """
    path = db or _console_db()
    # asked first: an output that cannot be written ends the console before its database opens
    color = stdout.isatty() and not os.environ.get("NO_COLOR")
    interactive = stdin.isatty()
    session = ConsoleSession(settings, db=path, plugins=plugins)
    output: Output | None = None
    try:
        console = Console(session, stdout, color=color)
        output = console.output
        return console.run(stdin, interactive=interactive)
    finally:  # on Ctrl-C in a script too: the app closes, then what it sent is printed
        session.close()
        if output is not None:
            output.finish()


def _console_db() -> Path:
    """``OPSGATE_CONSOLE_DB``, else ``./opsgate-console.db`` (an empty value is no setting)."""
    named = os.environ.get("OPSGATE_CONSOLE_DB") or "opsgate-console.db"
    if not named.strip():  # not a database file named by the spaces, in the working folder
        raise DatabaseUnavailable("OPSGATE_CONSOLE_DB names no file: name the file, or unset it")
    return Path(named)
