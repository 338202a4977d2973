"""The request modal (SPEC §10): the slash command as a form. Pure functions, no I/O.

One input per part of the command: the operation (a select of what the user may request), the
channel for the card, the targets (typed, or a ``.txt``/``.csv`` file of them), one input per
flag of the operation (by its kind: text, number or checkbox), the reason, and the common
switches (dry run, force). Block ids are stable per operation and flag, so `bot.cards.form_state`
reads a submission back by the same names and puts each error under its own field. The inputs
themselves are built by `bot.cards.form_inputs`; their block ids are exported here too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from slack_sdk.models.blocks import (
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.cards.blocks import Block, context, section
from bot.cards.form_again import again_note, forced_note
from bot.cards.form_inputs import (
    FILE_BLOCK,
    FORM_SWITCHES,
    OPTION_TEXT,
    OPTIONS_BLOCK,
    REASON_BLOCK,
    VALUE_ACTION,
    file_input,
    flag_input,
    param_block,
    reason_input,
    switches_input,
)
from bot.cards.text import clip_raw, code_block, escape
from commands.spec import OperationSpec, UsageTerms

__all__ = [
    "CHANNEL_BLOCK",
    "FILE_BLOCK",
    "FORM_CALLBACK",
    "FORM_SWITCHES",
    "OPERATION_ACTION",
    "OPERATION_BLOCK",
    "OPTIONS_BLOCK",
    "REASON_BLOCK",
    "TARGETS_BLOCK",
    "TEXT_INPUT_LIMIT",
    "FormPrefill",
    "KeptTargets",
    "param_block",
    "request_form",
]

FORM_CALLBACK: Final = "opsgate_request_form"
OPERATION_ACTION: Final = "opsgate_form_operation"
OPERATION_BLOCK: Final = "operation"
CHANNEL_BLOCK: Final = "channel"
TARGETS_BLOCK: Final = "targets"
#: Slack's limit on a text input's value: longer target lists are kept by reference (`again`).
TEXT_INPUT_LIMIT: Final = 3000
#: Slack's limit on an input's placeholder.
PLACEHOLDER_LIMIT: Final = 150


@dataclass(frozen=True)
class KeptTargets:
    """A request's targets, kept by reference for Request again when they do not fit the text
    box: used when the box is left empty and the same operation is chosen.

    Attributes:
        request_id: The request asked for again.
        operation: Its operation.
        count: How many targets are asked for again (`bot.model.rules.again_targets`).
        unsent: They are the targets the request left undone (not all of its own).
        ended: The state the request ended in (``stopped``, ``failed``, ``unknown``), which
            says how it left them undone.
    """

    request_id: str
    operation: str
    count: int
    unsent: bool = False
    ended: str = "stopped"

    def as_metadata(self) -> dict[str, Any]:
        """The form's ``private_metadata`` entry (Slack keeps it with the open form)."""
        return {
            "request": self.request_id,
            "operation": self.operation,
            "count": self.count,
            "unsent": self.unsent,
            "ended": self.ended,
        }

    @classmethod
    def from_metadata(cls, data: Any) -> KeptTargets | None:
        """Read `as_metadata` back; None for anything else."""
        if not isinstance(data, dict):
            return None
        try:
            unsent = data.get("unsent") is True
            ended = str(data.get("ended") or "stopped")
            request, operation = str(data["request"]), str(data["operation"])
            return cls(request, operation, int(data["count"]), unsent, ended)
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class FormPrefill:
    """What the form shows when it opens (Request again, or a redraw after a change).

    Attributes:
        operation: The operation id selected, if any.
        channel: The channel preselected for the card.
        targets: The text box of targets.
        values: Flag name -> value, for the operation's flags that take one.
        switches: The switch flags ticked (the operation's own and the common ones).
        reason: The reason.
        kept: The targets of the request asked for again, when they do not fit the text box.
        unsent_of: The request whose targets left undone fill the text box (not all of its
            targets: it stopped, or partly failed, and did the others).
        unsent_ended: The state that request ended in (``stopped``, ``failed``, ``unknown``).
        forced: The request asked again, and what its blocked preview said, when it was posted
            with ``--force`` past it: the form says so, and leaves ``--force`` for the
            requester to tick again (the new request is previewed afresh).
    """

    operation: str | None = None
    channel: str | None = None
    targets: str = ""
    values: Mapping[str, str] = field(default_factory=dict)
    switches: frozenset[str] = frozenset()
    reason: str = ""
    kept: KeptTargets | None = None
    unsent_of: str | None = None
    unsent_ended: str = "stopped"
    forced: tuple[str, str] | None = None


def request_form(
    operations: Sequence[OperationSpec],
    *,
    prefill: FormPrefill,
    note: str | None = None,
    terms: Callable[[str], UsageTerms] | None = None,
) -> dict[str, Any]:
    """The request modal.

    Args:
        operations: What the user may request, in help order (the select lists only these).
        prefill: What to show in the fields; `prefill.operation` must be one of `operations`
            to be selected (otherwise nothing is, and `note` should say why).
        note: A line shown at the top, e.g. why the previous operation is not offered.
        terms: The policy's terms for an operation id, so the usage and the targets' hint
            show what the policy asks (a required reason, its limit on targets).
    """
    chosen = next((s for s in operations if s.id == prefill.operation), None)
    blocks: list[Block] = [context(_intro(note))]
    if not operations:
        blocks.append(section("You may not request any operation: ask an admin about the policy."))
        return View(type="modal", callback_id=FORM_CALLBACK, title=_TITLE, blocks=blocks).to_dict()
    blocks += [_operation_input(operations, chosen), _channel_input(prefill.channel)]
    if chosen is not None:
        blocks += _operation_inputs(chosen, prefill, terms(chosen.id) if terms else UsageTerms())
    view = View(
        type="modal",
        callback_id=FORM_CALLBACK,
        title=_TITLE,
        submit="Request",
        close="Cancel",
        private_metadata=json.dumps({"kept": prefill.kept.as_metadata()} if prefill.kept else {}),
        blocks=blocks,
    )
    return view.to_dict()


_TITLE: Final = "Request an operation"


def _intro(note: str | None) -> str:
    lead = (
        "The same as typing `/ops`: opsgate checks the policy, previews the targets, and posts "
        "an approval card in the channel you choose."
    )
    return f"{escape(clip_raw(note, 500))}\n{lead}" if note else lead


def _operation_input(operations: Sequence[OperationSpec], chosen: OperationSpec | None) -> Block:
    options = [_option(spec) for spec in operations[:100]]
    select = StaticSelectElement(
        action_id=OPERATION_ACTION,
        placeholder="Choose an operation",
        options=options,
        initial_option=_option(chosen) if chosen is not None else None,
    )
    return InputBlock(
        block_id=OPERATION_BLOCK, label="Operation", element=select, dispatch_action=True
    ).to_dict()


def _option(spec: OperationSpec) -> Option:
    return Option(
        value=spec.id,
        text=clip_raw(spec.id, OPTION_TEXT),
        description=clip_raw(spec.summary, OPTION_TEXT),
    )


def _channel_input(channel: str | None) -> Block:
    # Only channels are offered (a card belongs in one); a DM where /ops was typed is not.
    # The submission carries a response_url for the channel chosen: opsgate answers through
    # it, as it answers /ops, which works where the bot was not invited too.
    select = ConversationSelectElement(
        action_id=VALUE_ACTION,
        placeholder="Where the approval card goes",
        initial_conversation=channel if channel and channel.startswith(("C", "G")) else None,
        response_url_enabled=True,
        filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
    )
    return InputBlock(
        block_id=CHANNEL_BLOCK,
        label="Channel",
        element=select,
        hint="The card is posted there; invite the bot first (/invite @opsgate).",
    ).to_dict()


def _operation_inputs(spec: OperationSpec, prefill: FormPrefill, terms: UsageTerms) -> list[Block]:
    usage = code_block(spec.synopsis(terms))
    blocks = [section(f"{escape(clip_raw(spec.summary, 500))}\n{usage}")]
    blocks += _target_inputs(spec, prefill, spec.most(terms))
    values, ticked = prefill.values, prefill.switches
    blocks += [flag_input(spec, flag, values=values, switches=ticked) for flag in spec.flags]
    blocks.append(reason_input(prefill.reason, required=terms.reason_required))
    blocks.append(switches_input(prefill.switches))
    return blocks + forced_note(spec, prefill)


def _target_inputs(spec: OperationSpec, prefill: FormPrefill, most: int) -> list[Block]:
    name = spec.target.name
    box = PlainTextInputElement(
        action_id=VALUE_ACTION,
        multiline=most > 1,
        initial_value=prefill.targets or None,
        max_length=TEXT_INPUT_LIMIT,
        placeholder=clip_raw(f"{name}, e.g. {_example_target(spec)}", PLACEHOLDER_LIMIT),
    )
    hint = (
        f"Up to {most:,}, separated by spaces, commas or new lines; "
        "numeric ranges like dev-{001..050} expand."
        if most > 1
        else f"One {name}."
    )
    blocks = [
        InputBlock(
            block_id=TARGETS_BLOCK, label=f"Targets ({name})", element=box, hint=hint, optional=True
        ).to_dict()
    ]
    blocks += again_note(spec, prefill)
    if most > 1:
        blocks.append(file_input(name, most))
    return blocks


def _example_target(spec: OperationSpec) -> str:
    """The first target of the operation's example command (its fifth word)."""
    words = spec.example.split()
    return words[4].rstrip(",") if len(words) > 4 else spec.target.name
