"""The inputs of the request form, one builder per kind of field. Pure functions.

`bot.cards.form` assembles them; block ids and action ids are its constants, so
`bot.cards.form_state` can read a submission back by the same names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from slack_sdk.models.blocks import (
    CheckboxesElement,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
)

from bot.cards.blocks import Block
from bot.cards.text import clip_raw
from commands.spec import COMMON_FLAGS, FlagKind, FlagSpec, OperationSpec
from commands.values import MAX_REASON_LENGTH

FILE_BLOCK: Final = "targets_file"
REASON_BLOCK: Final = "reason"
OPTIONS_BLOCK: Final = "options"
VALUE_ACTION: Final = "value"
#: The common switches the form offers (break-glass is typed, deliberately, not ticked).
FORM_SWITCHES: Final = tuple(f for f in COMMON_FLAGS if f.kind is FlagKind.SWITCH)
FILE_TYPES: Final = ("txt", "csv")
OPTION_TEXT: Final = 75
#: Slack's limit on an input block's label (and hint).
LABEL_LIMIT: Final = 2000


def param_block(spec: OperationSpec, flag: FlagSpec) -> str:
    """The block id of one flag's input: unique per operation, so a value typed for one
    operation's flag is never carried into another's."""
    return f"param:{spec.id}:{flag.name}"


def file_input(name: str, most: int) -> Block:
    """A ``.txt``/``.csv`` file of targets (one per line); Slack has no model for it yet."""
    element = {
        "type": "file_input",
        "action_id": VALUE_ACTION,
        "filetypes": list(FILE_TYPES),
        "max_files": 1,
    }
    return InputBlock(
        block_id=FILE_BLOCK,
        label="…or a file of targets",
        element=element,
        hint=f"A .txt or .csv file: one {name} per line, up to {most:,}.",
        optional=True,
    ).to_dict()


def flag_input(
    spec: OperationSpec, flag: FlagSpec, *, values: Mapping[str, str], switches: frozenset[str]
) -> Block:
    label = clip_raw(f"{flag.name} {flag.metavar}".strip(), LABEL_LIMIT)
    if flag.kind is FlagKind.SWITCH:
        ticked = flag.name in switches
        element: Any = _checkbox(flag, ticked=ticked)
    elif flag.kind is FlagKind.NUMBER:
        element = NumberInputElement(
            action_id=VALUE_ACTION,
            is_decimal_allowed=False,
            min_value=flag.low,
            max_value=flag.high,
            initial_value=values.get(flag.name) or None,
        )
    else:
        element = PlainTextInputElement(
            action_id=VALUE_ACTION,
            initial_value=values.get(flag.name) or None,
            max_length=flag.rule.max_length if flag.kind is FlagKind.IDENTIFIER else None,
        )
    return InputBlock(
        block_id=param_block(spec, flag),
        label=label,
        element=element,
        hint=clip_raw(flag.help, LABEL_LIMIT),
        optional=not flag.required or flag.kind is FlagKind.SWITCH,
    ).to_dict()


def _checkbox(flag: FlagSpec, *, ticked: bool) -> CheckboxesElement:
    option = Option(value=flag.name, text=flag.name)
    return CheckboxesElement(
        action_id=VALUE_ACTION, options=[option], initial_options=[option] if ticked else None
    )


def reason_input(reason: str, *, required: bool = True) -> Block:
    """The reason, as long as the grammar allows it; its hint says whether the policy needs one
    (the input stays optional to Slack: a dry run needs none, and the check is opsgate's)."""
    box = PlainTextInputElement(
        action_id=VALUE_ACTION,
        multiline=True,
        initial_value=reason or None,
        max_length=MAX_REASON_LENGTH,
        placeholder="Why, e.g. bad firmware rollout, INC-42",
    )
    return InputBlock(
        block_id=REASON_BLOCK,
        label="Reason",
        element=box,
        hint=(
            "The policy needs one for this operation; a dry run needs none."
            if required
            else "Optional for this operation: the policy needs none."
        ),
        optional=True,
    ).to_dict()


def switches_input(ticked: frozenset[str]) -> Block:
    """The common switches (dry run, force) as checkboxes."""
    options = [_switch_option(flag) for flag in FORM_SWITCHES]
    chosen = [
        option for option, flag in zip(options, FORM_SWITCHES, strict=True) if flag.name in ticked
    ]
    element = CheckboxesElement(
        action_id=VALUE_ACTION, options=options, initial_options=chosen or None
    )
    return InputBlock(
        block_id=OPTIONS_BLOCK, label="Options", element=element, optional=True
    ).to_dict()


def _switch_option(flag: FlagSpec) -> Option:
    return Option(value=flag.name, text=flag.name, description=clip_raw(flag.help, OPTION_TEXT))
