"""The console's commands for Slack's other ways in: the request form (``form``), Request
again (``again``) and the App Home tab (``home``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bot.cards.history import review_when_ended
from bot.cards.messages import AGAIN_CARDS, AGAIN_STATES, refusal_message
from bot.console.clicks import click_words, malformed_id, named_request
from bot.console.form import FormWalk
from bot.console.reader import LineReader
from bot.console.session import AckReply, ConsoleSession
from bot.lifecycle.home import HomeTab
from bot.lifecycle.refusals import no_such_request
from bot.model import RequestRecord, rules
from bot.model.again import NOT_INSTALLED
from bot.store import UnreadableRequestError


class Screen(Protocol):
    """What these commands need of the console: its session, its input, and its output."""

    session: ConsoleSession
    reader: LineReader | None

    def say(self, text: str, *, end: str = "\n") -> None:
        """Print a line of the conversation."""
        ...

    def hold(self) -> None:
        """Hold what the app sends to Slack until the ack is shown."""
        ...

    def show_ack(self, reply: AckReply, user: str, *, keep_holding: bool = False) -> None:
        """Show the ack (what Slack shows first), then what was held (with `keep_holding`,
        that and what the app sends next wait for the line's end)."""
        ...

    def newest_pending(self) -> str | None:
        """The newest pending request's id."""
        ...

    def open_tab(self, user: str) -> None:
        """Show `user`'s App Home tab whole at its next drawing, then what changes in it."""
        ...


class Surfaces:
    """Runs one of these commands for a console (`bot.console.repl.Console` is one)."""

    def __init__(self, console: Screen) -> None:
        self.console = console
        self.session = console.session

    def run(self, word: str, args: list[str], user: str) -> None:
        """``form [<operation>]``, ``again [<id>]``,
        ``home [approve|reject|review|stop [<id>]]``, ``home reject [<id>] <why>``."""
        store = self.session.app.store
        bad = _id_word(word, args) and malformed_id(store, _id_word(word, args))
        if bad:  # `home approve R-`: as `/ops status R-` says it
            self.console.say(f"{bad} Nothing was clicked.")
        elif word in _ONE_WORD and len(args) > 1:  # a word too many: say so, never guess
            (taken, shown), said = _ONE_WORD[word], " ".join(args)[:40]
            self.console.say(f"{word} takes at most {taken}: {word} [{shown}]; not {said}")
        elif word == "form":
            operation = args[0] if args else None
            self._form(lambda: self.session.slash("", user=user), user, operation)
        elif word == "again":
            self._again(named_request(store, args[0]) if args else self._newest_ended(), user)
        elif args and args[0] == "reject":  # `reject [<id>] <why>`, as on the card
            words = click_words(store, "reject", " ".join(args[1:]))
            if isinstance(words, str):
                self.console.say(words)
            else:
                self._tab_click("reject", words[0] or None, user, reason=words[1] or None)
        elif args and args[0] in _NOTHING_IN_TAB and len(args) <= 2:
            named = named_request(store, args[1]) if len(args) > 1 else None
            self._tab_click(args[0], named, user)
        elif args:  # a word the tab has no button for: say so, rather than open it regardless
            said = " ".join(args)[:40]
            buttons = "approve|reject|review|stop [<id>] (reject [<id>] <why>)"
            self.console.say(f"home takes nothing, or {buttons}; not {said}")
        else:
            self._home(user)

    def _again(self, request_id: str | None, user: str) -> None:
        if request_id is None:
            self.console.say("no request can be asked again yet; name one: again R-XXXXXXXX")
            return
        if self._unknown(request_id):  # no card has it: refused as a click on it would be
            self._no_such_request(request_id, user)
            return
        record = self._record(request_id)
        installed = record is not None and self._installed(record)
        if record is not None and not rules.offers_again(record, installed=installed):
            self.console.say(  # the card has no such button
                f"{request_id} is {record.state.value}, and its card has no Request again: "
                + _why_no_again(record, installed=installed)
            )
            return
        self._form(lambda: self.session.click("again", request_id, user=user), user)

    def _installed(self, record: RequestRecord) -> bool:
        """Whether `record`'s operation is still installed (its card's Request again)."""
        return self.session.app.service.s.installed(record.operation)

    def _record(self, request_id: str) -> RequestRecord | None:
        """`request_id` as stored, or None when it cannot be read."""
        try:
            return self.session.app.store.get(request_id)
        except UnreadableRequestError:
            return None

    def _no_such_request(self, request_id: str, user: str) -> None:
        refusal = refusal_message(no_such_request(request_id))
        self.console.show_ack(AckReply(status=200, message={"blocks": refusal.blocks}), user)

    def _unknown(self, request_id: str) -> bool:
        """No request has this id (one that cannot be read is the app's to explain)."""
        try:
            return self.session.app.store.get(request_id) is None
        except UnreadableRequestError:
            return False

    def _form(
        self, open_it: Callable[[], AckReply], user: str, operation: str | None = None
    ) -> None:
        """Open the request form (as Slack would show it) and walk its fields."""
        standin, before = self.session.standin, len(self.session.standin.calls)
        self.console.hold()
        self.console.show_ack(open_it(), user)
        try:
            standin.wait_for(lambda call: call.method == "views.open", since=before, timeout=10)
        except TimeoutError:
            self.console.say("no form opened")
            return
        reader = self.console.reader
        walk = FormWalk(
            self.session,
            ask=lambda prompt: reader.read(prompt, answer=True) if reader else None,
            say=self.console.say,
            user=user,
            retry=bool(reader and reader.interactive),
            # What the submission sets off prints after "form submitted", as in Slack.
            before_submit=self.console.hold,
        )
        try:
            submitted = walk.run(standin.opened_views()[-1], operation=operation)
        except KeyboardInterrupt:  # Ctrl-C at a prompt: the form goes, and says so
            self.console.say("\n── form closed (Ctrl-C): nothing was submitted ──")
            raise
        if submitted is not None:
            self.console.say("── form submitted ──")

    def _tab_click(
        self, action: str, request_id: str | None, user: str, *, reason: str | None = None
    ) -> None:
        if request_id is None and action == "stop":
            runs = self._runs_to_stop(user)
            if len(runs) > 1:  # the tab has a Stop on each: which one is theirs to say
                several = f"{len(runs)} runs you may stop ({', '.join(runs)})"
                self.console.say(f"{several}; name one: home stop R-XXXXXXXX")
                return
            if runs:
                self.console.say(f"stopping {runs[0]}, the one run you may stop")
            request_id = runs[0] if runs else None
        elif request_id is None:
            request_id = self._top_of_tab(action, user)
        if request_id is None:
            self.console.say(self._nothing_in_tab(action, user))
            return
        if self._unknown(request_id):  # the tab never shows it: nothing to click
            self._no_such_request(request_id, user)
            return
        self.console.hold()
        if action == "reject":  # the same Reject dialog as on the card, with its reason
            reply = self.session.reject(request_id, user=user, reason=reason, in_tab=True)
        else:
            reply = self.session.tab_click(action, request_id, user=user)
        self.console.show_ack(reply, user, keep_holding=True)  # as a click on the card

    def _runs_to_stop(self, user: str) -> list[str]:
        """The runs `user`'s tab has a Stop on, as it lists them: their own (newest first),
        then those they may stop as an approver."""
        content = HomeTab(self.session.app.service.s, operation_ids=()).content(user)
        own = [r.id for r in content.yours if r.id in content.stoppable]
        return own + [r.id for r in content.running]

    def _nothing_in_tab(self, action: str, user: str) -> str:
        """What a tab click without an id says when the tab has no such button; for `review`,
        naming the break-glass runs still running that `user` may review once they end."""
        nothing = f"{_NOTHING_IN_TAB[action]} in your App Home"
        if action == "review":
            tab = HomeTab(self.session.app.service.s, operation_ids=())
            running = [r.id for r in tab.break_glass_running(user)]
            if running:
                return f"{nothing}: {review_when_ended(running)}"
        return f"{nothing}; name one: home {action} R-XXXXXXXX"

    def _top_of_tab(self, action: str, user: str) -> str | None:
        """The first request `user`'s tab has this button for: "Waiting for you" (approve,
        reject), or the break-glass runs awaiting their review; None when it has none."""
        tab = HomeTab(self.session.app.service.s, operation_ids=())
        shown = tab.break_glass_awaiting_review(user) if action == "review" else None
        listed = shown if shown is not None else tab.waiting_for(user)
        return listed[0].id if listed else None

    def _home(self, user: str) -> None:
        self.console.open_tab(user)  # asked for: shown whole
        before = len(self.session.standin.calls)
        # The tab is drawn after the ack: held to the line's end, it prints before the next line.
        self.console.hold()
        self.console.show_ack(self.session.open_home(user=user), user, keep_holding=True)
        # Bolt acks an event before its listener runs; wait until the tab reaches Slack.
        self.session.standin.wait_for(
            lambda call: call.method == "views.publish", since=before, timeout=10
        )

    def _newest_ended(self) -> str | None:
        history = self.session.app.store.history(limit=50)
        ended = [r for r in history if rules.offers_again(r, installed=self._installed(r))]
        return ended[0].id if ended else None


#: What `form` and `again` take after them, at most one word.
#: What a tab with no such button says instead of the list the button would be in.
_NOTHING_IN_TAB = {
    "approve": "nothing is waiting for your approval",
    "reject": "nothing is waiting for your approval",
    "review": "no break-glass run awaits your review",
    "stop": "no run of yours can be stopped",
}
_ONE_WORD = {"form": ("an operation", "<operation>"), "again": ("a request id", "<id>")}


def _id_word(word: str, args: list[str]) -> str:
    """The request id `again <id>` or `home approve|review|stop <id>` names (``home reject``'s
    is read by `click_words`), or "" when there is none."""
    if word == "again" and len(args) == 1:
        return args[0]
    tab_click = word == "home" and len(args) == 2 and args[0] in _NOTHING_IN_TAB
    return args[1] if tab_click and args[0] != "reject" else ""


def _why_no_again(record: RequestRecord, *, installed: bool) -> str:
    """Why a card of a state that may have Request again has none (or which cards have it)."""
    if not installed and rules.offers_again(record):  # it would, were its plugin installed
        return f"{record.operation} {NOT_INSTALLED}"
    if rules.failed_integrity(record):
        return (
            "its stored form disagrees with the audit log; type the request again once that "
            "is explained"
        )
    if record.state.value in AGAIN_STATES:  # its outcome left nothing safe to ask for
        return (
            "its outcome names no target left undone, and asking for all of them could act "
            "twice on those done or unknown"
        )
    return f"only {AGAIN_CARDS}"
