"""Which request a console click without an id means (`approve`, `stop`, `review` …), and
waiting for what a line started without waiting out a long bulk run (so `stop` can reach it)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Final

from bot.cards.dialogs import REASON_LIMIT
from bot.cards.history import review_when_ended
from bot.console.session import ConsoleSession
from bot.lifecycle.home import HomeTab
from bot.lifecycle.services import Services
from bot.model import RequestState, rules
from bot.store import Store, UnreadableRequestError
from commands.meta import bad_request_id, request_id_of

#: What each click's default request is waiting for, to say when there is none.
WAITING: Final = {
    "approve": "pending request",
    "reject": "pending request",
    "withdraw": "pending request",
    "stop": "running request",
    "review": "break-glass request awaiting your review",
}
#: A word the user meant as a request id (``r-…`` too): never read as the start of a reason.
_NAMED_ID: Final = re.compile(r"[Rr]-\S*")
#: A request id typed without its ``R-`` (eight of its letters and digits).
_BARE_ID: Final = re.compile(r"[0-9A-Za-z]{8}")
#: How long a line's work may take before a running bulk request is left to run on its own.
SETTLE: Final = 1.0


def default_click(services: Services, word: str, *, user: str) -> str | None:
    """The request `user`'s click without an id means: for `review` the break-glass run whose
    review is due first among those `user` may review (never their own; as `home review`
    lists them), else `default_request`'s. None when there is none."""
    if word == "review":
        waiting = HomeTab(services, operation_ids=()).break_glass_awaiting_review(user)
        return waiting[0].id if waiting else None
    return default_request(services.store, word)


def default_request(store: Store, word: str) -> str | None:
    """The newest pending request; for `stop` the newest running one. None when there is
    none."""
    state = RequestState.EXECUTING if word == "stop" else RequestState.PENDING
    found = [r for r in store.history(limit=50) if r.state is state]
    return found[0].id if found else None


def nothing_to_click(services: Services, word: str, *, user: str) -> str:
    """What `user`'s click without an id says when there is no request for it. For `review`,
    a break-glass run still running that `user` may review once it ends is named (as `home
    review` does; never their own): its card already says it is reviewed once it ends, and
    "there is none" alone would leave the reviewer looking for it."""
    if word == "review":
        tab = HomeTab(services, operation_ids=())
        running = [r.id for r in tab.break_glass_running(user)]
        if running:
            return f"there is no {WAITING[word]}: {review_when_ended(running)}"
    return f"there is no {WAITING[word]}; name one: {word} R-XXXXXXXX"


def click_words(store: Store, word: str, rest: str) -> tuple[str, str] | str:
    """The request id (empty: the default one) and, for ``reject``, the reason a click's words
    name; or, when they are not a click's words, what to tell the user.

    An id typed without its ``R-`` is read as the id when a request has it: ``reject 4C4JPA9N``
    is never a reason that rejects the newest pending request instead.
    """
    named, why = first_word(rest)
    if _BARE_ID.fullmatch(named):
        named = named_request(store, named)
    if word == "reject" and named and not _NAMED_ID.fullmatch(named):
        named, why = "", rest.strip()  # no id: all of it is the reason
    if word == "reject" and len(why.strip()) > REASON_LIMIT:  # Slack's field holds no more
        return (
            f"the Reject dialog takes a reason of at most {REASON_LIMIT} characters, and this "
            f"one has {len(why.strip()):,}: shorten it. Nothing was decided."
        )
    shaped = _NAMED_ID.fullmatch(named) or _BARE_ID.fullmatch(named)
    if word != "reject" and (why.strip() or (named and not shaped)):  # `approve it`, too
        return f"{word} takes at most a request id: {word} [R-XXXXXXXX]; not {rest.strip()[:40]}"
    if named and request_id_of(named) is None:  # `review R-`: as `/ops status R-` says it
        return f"{bad_request_id(named)} Nothing was clicked."
    return named.upper(), why.strip()


def named_request(store: Store, typed: str) -> str:
    """The request id `typed` names, in any case: with its ``R-`` put back when it was typed
    without it and a request has that id (``audit 4c4jpa9n`` is `R-4C4JPA9N`)."""
    if _BARE_ID.fullmatch(typed):
        try:
            known = store.get(f"R-{typed.upper()}") is not None
        except UnreadableRequestError:  # a request has it, though its row cannot be read
            known = True
        if known:
            return f"R-{typed.upper()}"
    return typed.upper()


def malformed_id(store: Store, typed: str) -> str | None:
    """What `/ops status` says of `typed` when it is not shaped as a request id (even with its
    ``R-`` put back, as `named_request` does), for a command that takes one; else None."""
    return None if request_id_of(named_request(store, typed)) else bad_request_id(typed)


def settle(session: ConsoleSession, say: Callable[[str], None], *, limit: float = 60.0) -> None:
    """Wait until the app has finished what was started, like `ConsoleSession.wait`; but a
    bulk run that Stop could still stop goes on in the background, after saying so, so the
    next line can be ``stop``. Its card's updates keep printing as they come. What the line
    itself set off is waited for even then: a request typed while a run goes on has its card
    posted (or is refused) before the prompt comes back, so a next line can approve it; at
    `limit` the prompt comes back all the same, saying so too when a run may be stopped."""
    deadline = time.monotonic() + limit
    while not session.wait(timeout=SETTLE):
        running = stoppable(session)
        out_of_time = time.monotonic() >= deadline
        if running is not None and (out_of_time or not session.app.runner.taking_in()):
            say(f"── {running} is still running: `stop` stops it ──")
            return
        if out_of_time:
            return


def stoppable(session: ConsoleSession) -> str | None:
    """The newest running request Stop could still stop, or None."""
    store, services = session.app.store, session.app.service.s
    running = default_request(store, "stop")
    record = store.get(running) if running else None
    if record is None or not rules.stoppable(record, calls=services.vendor_calls(record)):
        return None
    return record.id


def quit_waits_for(session: ConsoleSession) -> str | None:
    """What `quit` (or the end of input) waits for before the console ends, to say so: a run
    Stop could still stop, or, while the app is still at work (a single vendor call that
    outlasted `settle`), the request running, else the work itself. None when nothing is."""
    running = stoppable(session)
    if running is None and not session.wait(timeout=SETTLE):
        running = default_request(session.app.store, "stop") or "opsgate's last command"
    return running


def first_word(line: str) -> tuple[str, str]:
    """`line`'s first word and the rest, split at any run of spaces or tabs (a line pasted
    from a document or a terminal may hold tabs)."""
    parts = line.strip().split(None, 1)
    return (parts[0], parts[1]) if len(parts) == 2 else (parts[0] if parts else "", "")
