"""The request form in the terminal: the console plays the Slack client that shows the modal.

`FormWalk` prompts for each input of the modal the app opened (as Slack would show them), sends
the operation select's change to the app (which redraws the form with that operation's fields),
and submits the answers as Slack does; errors come back under their fields, as in Slack. A piped
script answers the prompts line by line: an empty line keeps what is shown, ``-`` clears it. What
Slack's own inputs would not let through (an operation not on offer, a channel that is none, a
file that cannot be read) is asked for again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.cards.form import OPERATION_ACTION, OPERATION_BLOCK
from bot.console.render import render_message
from bot.console.session import CHANNEL, CHANNEL_NAME, AckReply, ConsoleSession
from bot.console.standin.views import Answer, ViewInput, inputs, state_values

Ask = Callable[[str], str | None]
Say = Callable[[str], None]
#: Rounds of fixing errors before the form is given up (a typist can always retype it).
MAX_ROUNDS = 3


class FormWalk:
    """Fill in and submit one open modal as `user`.

    Args:
        session: The console session (the app and the Slack stand-in).
        ask: Reads one answer after showing a prompt; None at the end of input.
        say: Shows one line.
        user: Who is filling it in.
        retry: Whether to ask again for fields with errors (interactive) or give up (a script).
    """

    def __init__(
        self,
        session: ConsoleSession,
        *,
        ask: Ask,
        say: Say,
        user: str,
        retry: bool,
        before_submit: Callable[[], None] = lambda: None,
    ) -> None:
        self.session = session
        self._ask = ask
        self._say = say
        self._user = user
        self._retry = retry
        self._before_submit = before_submit
        self._under: dict[str, list[str]] = {}

    def _read(self, prompt: str) -> str | None:
        """One answer; at the end of input, None, once said that nothing was submitted."""
        answer = self._ask(prompt)
        if answer is None:
            self._say("── form closed (end of input): nothing was submitted ──")
        return answer

    def run(self, view: dict[str, Any], *, operation: str | None = None) -> AckReply | None:
        """Walk the form; returns the submission's ack, or None when it was given up."""
        title = ((view.get("title") or {}).get("text")) or "form"
        self._say(f"── form: {title} ──")
        chosen = self._choose(view, operation)
        if chosen is None:
            return None
        view = chosen
        for line in _notes(view):
            self._say(line)
        self._under = _notes_under(view)
        answers: dict[str, Answer | None] = {}
        fields = [i for i in inputs(view) if i.block_id != OPERATION_BLOCK]
        for _ in range(MAX_ROUNDS):
            if not self._fill(fields, answers):
                return None
            self._before_submit()
            reply = self.session.submit(view, state_values(view, answers), user=self._user)
            errors = (reply.message or {}).get("errors") or {}
            if not errors:
                return reply
            fields = self._show_errors(view, errors)
            if not self._retry:
                self._say("form not submitted: fix the fields above and try again")
                return None
        self._say(f"form not submitted after {MAX_ROUNDS} tries: type form to start again")
        return None

    def _choose(self, view: dict[str, Any], operation: str | None) -> dict[str, Any] | None:
        """Choose the operation (as given, or asked); the app redraws the form for it."""
        select = next((i for i in inputs(view) if i.block_id == OPERATION_BLOCK), None)
        if select is None:  # nothing may be requested: the form says so, and that is all
            for line in _notes(view):
                self._say(line)
            return None
        choices = select.options
        # `form 5` as the prompt takes 5: a number from the list, or an operation's id
        chosen = _operation(select, operation)[0] if operation else self._pick(select)
        if operation and chosen is None:
            names = ", ".join(value for value, _ in choices) or "none"
            self._say(f"{_not_offered(operation, len(choices))}; you may request: {names}")
            return None
        if chosen is None:
            return None
        if chosen == select.initial:
            return view
        return self._select(view, select, chosen)

    def _pick(self, select: ViewInput) -> str | None:
        """The operation typed at its prompt (its number or its id), asked again until it is
        one on offer, as the channel prompt asks again; None at the end of input."""
        for number, (value, _) in enumerate(select.options, start=1):
            self._say(f"  {number}. {value}")
        shown = f" [{select.initial}]" if select.initial else ""
        while True:
            answer = self._read(f"{select.label} (number or id){shown}: ")
            if answer is None:
                return None
            chosen, refused = _operation(select, answer.strip())
            if chosen is not None:
                return chosen
            self._say(f"  ✖ {select.label}: {refused}")

    def _select(self, view: dict[str, Any], select: ViewInput, chosen: str) -> dict[str, Any]:
        standin = self.session.standin
        before = len(standin.calls)
        option = next(o for o in select.element["options"] if o["value"] == chosen)
        action = {
            "type": "static_select",
            "action_id": OPERATION_ACTION,
            "block_id": OPERATION_BLOCK,
            "selected_option": option,
        }
        state = state_values(view, {OPERATION_BLOCK: chosen})
        self.session.view_action(view, action, state, user=self._user)
        standin.wait_for(lambda call: call.method == "views.update", since=before, timeout=10)
        return next(v for v in reversed(standin.opened_views()) if v["id"] == view["id"])

    def _fill(self, fields: list[ViewInput], answers: dict[str, Answer | None]) -> bool:
        """Ask for each field; False at the end of input."""
        for item in fields:
            for line in self._under.get(item.block_id, []):
                self._say(line)
            if item.hint:
                self._say(f"  ({item.hint})")
            answer = self._answer(item, answers.get(item.block_id, item.initial))
            if answer is _END:
                return False
            answers[item.block_id] = answer  # type: ignore[assignment]
        return True

    def _answer(self, item: ViewInput, current: Answer | None) -> Answer | object | None:
        if item.kind == "checkboxes":
            return self._ticks(item, current)
        if item.kind == "file_input":
            return self._file(item)
        shown = _shown(item, current)
        while True:  # until an answer the field can take, as Slack's own pickers allow no other
            typed = self._read(f"{item.label}{shown}: ")
            if typed is None:
                return _END
            refused = _not_a_channel(item, typed.strip())
            if refused is None:
                return _typed(item, typed.strip(), current)
            self._say(f"  ✖ {item.label}: {refused}")

    def _file(self, item: ViewInput) -> Answer | object:
        """A local file, uploaded as Slack's file input uploads one; asked again while it
        cannot be read, as the channel prompt asks again for what is no channel."""
        while True:
            typed = self._read(f"{item.label} (a file path, or empty for none): ")
            if typed is None:
                return _END
            if not typed.strip():
                return []
            try:
                return [self.session.upload(_local_path(typed.strip()))]
            except OSError as exc:
                why = exc.strerror or str(exc)
                self._say(f"  ✖ {item.label}: cannot read {typed.strip()}: {why}")

    def _ticks(self, item: ViewInput, current: Answer | None) -> list[str] | object:
        ticked = set(current if isinstance(current, list) else [])
        chosen: list[str] = []
        for value, text in item.options:
            default = "Y/n" if value in ticked else "y/N"
            while True:  # a switch such as --dry-run is never guessed from "true" or "1"
                typed = self._read(f"{text}? [{default}]: ")
                if typed is None:
                    return _END
                answer = typed.strip().lower()
                yes = _YES_NO.get(answer) if answer else value in ticked
                if yes is not None:
                    break
                self._say(f"  ✖ {text}: answer y or n (or nothing to keep [{default}])")
            chosen += [value] if yes else []
        return chosen

    def _show_errors(self, view: dict[str, Any], errors: dict[str, str]) -> list[ViewInput]:
        failed = [i for i in inputs(view) if i.block_id in errors]
        for item in failed:
            self._say(f"  ✖ {item.label}: {errors[item.block_id]}")
        return failed


_END = object()
_YES_NO = {"y": True, "yes": True, "n": False, "no": False}
#: A Slack channel id: public (C…) or private (G…).
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")


def _notes(view: dict[str, Any]) -> list[str]:
    """The form's context lines at its top (what it does, why an operation is not offered,
    the chosen operation's usage): those before any input but the operation select."""
    top = []
    for block in view.get("blocks") or []:
        if block.get("type") == "input" and block.get("block_id") != OPERATION_BLOCK:
            break
        if block.get("type") in _NOTE_TYPES:
            top.append(block)
    return render_message(top).splitlines()


def _notes_under(view: dict[str, Any]) -> dict[str, list[str]]:
    """Block id -> the context lines Slack shows under that input (Request again's "Leave this
    empty…" under the targets): shown with its prompt, not at the top of the form."""
    under: dict[str, list[dict[str, Any]]] = {}
    last: str | None = None
    for block in view.get("blocks") or []:
        if block.get("type") == "input":
            last = None if block.get("block_id") == OPERATION_BLOCK else block.get("block_id")
        elif last is not None and block.get("type") in _NOTE_TYPES:
            under.setdefault(last, []).append(block)
    return {key: render_message(blocks).splitlines() for key, blocks in under.items()}


_NOTE_TYPES = frozenset({"context", "section"})


def _shown(item: ViewInput, current: Answer | None) -> str:
    if item.kind == "conversations_select":
        return f" [#{CHANNEL_NAME}]" if current == CHANNEL else f" [{current}]" if current else ""
    if isinstance(current, str) and current:
        line = " ".join(current.split())
        return f" [{line if len(line) <= 60 else line[:57] + '…'}]"
    return ""


def _local_path(typed: str) -> Path:
    """`typed` as a path, ``~`` expanded where it names a home directory."""
    try:
        return Path(typed).expanduser()
    except RuntimeError:  # ~someone with no home here: then it is just not found
        return Path(typed)


def _not_a_channel(item: ViewInput, typed: str) -> str | None:
    """Why a channel picker cannot take `typed` (Slack's offers only channels), or None."""
    if item.kind != "conversations_select" or typed in {"", "-"}:
        return None
    if typed.lstrip("#") == CHANNEL_NAME or _CHANNEL_ID.fullmatch(typed.lstrip("#")):
        return None
    return f"{typed} is not a channel here: type #{CHANNEL_NAME}, or a channel id (C…)"


def _operation(select: ViewInput, typed: str) -> tuple[str | None, str]:
    """The operation `typed` names (by number or id; empty keeps what is shown, ``-`` clears
    it), or None and why not."""
    offered = [value for value, _ in select.options]
    if typed.isdigit() and 1 <= int(typed) <= len(offered):
        return offered[int(typed) - 1], ""
    chosen = typed or str(select.initial or "")
    if chosen in offered:
        return chosen, ""
    how = "type a number from the list, or an operation's id"
    if chosen in {"", "-"}:
        return None, f"the form needs one: {how}"
    return None, f"{_not_offered(chosen, len(offered))}: {how}"


def _not_offered(typed: str, count: int) -> str:
    """Why `typed` chooses none of the `count` operations offered: a number past the list
    says where the list runs (``form 9`` of five)."""
    if typed.isdigit():
        return f"{typed} is not in the list, which runs from 1 to {count}"
    return f"{typed} is not an operation you may request"


def _typed(item: ViewInput, typed: str, current: Answer | None) -> Answer | None:
    if not typed:
        return current
    if typed == "-":
        return None
    if item.kind == "conversations_select":
        return CHANNEL if typed.lstrip("#") == CHANNEL_NAME else typed.lstrip("#")
    return typed
