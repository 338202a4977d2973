"""Reading the request modal back: what was entered, and where each error goes. Pure functions.

`read_form` turns Slack's ``view.state.values`` into a `FormEntry`; `form_fields` makes that the
grammar's `commands.fields.Fields`; `error_block` names the input a `UsageError` belongs under
(``response_action: errors`` is keyed by block id). `prefill_from_entry` and
`prefill_from_record` fill a new form from an old one (after the operation changed) or from a
request (Request again).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from adapters.base import Preview
from bot.cards.form import (
    CHANNEL_BLOCK,
    FILE_BLOCK,
    FORM_SWITCHES,
    OPERATION_BLOCK,
    OPTIONS_BLOCK,
    REASON_BLOCK,
    TARGETS_BLOCK,
    TEXT_INPUT_LIMIT,
    FormPrefill,
    KeptTargets,
    param_block,
)
from bot.cards.sentences import plain
from bot.cards.text import clip_raw
from bot.model import RequestRecord, RequestState, backticked, rules
from commands.fields import Fields, split_typed
from commands.model import UsageError
from commands.spec import FlagKind, FlagSpec, OperationSpec

#: Longest error shown under a field: Slack shows it in one small line.
ERROR_LIMIT: Final = 300


@dataclass(frozen=True)
class FormEntry:
    """What a submitted (or redrawn) request modal holds.

    Attributes:
        operation: The operation id chosen, or None.
        channel: The channel chosen for the card, or None.
        targets: The text box of targets, as typed.
        files: The uploaded target files (Slack file objects: ``url_private``, ``name``, …).
        values: Flag name -> value, for the flags given one (empty ones left out).
        switches: The switch flags ticked, the operation's own and the common ones.
        reason: The reason, stripped.
        kept: The targets kept from the request asked for again, used when the text box is
            left empty (and no file given) for the same operation.
    """

    operation: str | None = None
    channel: str | None = None
    targets: str = ""
    files: tuple[dict[str, Any], ...] = ()
    values: dict[str, str] | None = None
    switches: frozenset[str] = frozenset()
    reason: str = ""
    kept: KeptTargets | None = None

    @property
    def from_file(self) -> bool:
        """The targets come from an uploaded file (the text box left empty): their errors go
        under the file input."""
        return bool(self.files) and not self.targets.strip()


def read_form(view: dict[str, Any], spec: OperationSpec | None) -> FormEntry:
    """Read the modal's state; `spec` is the chosen operation's (None: read only the common
    fields). Unknown or malformed blocks are ignored: Slack only sends what the form holds."""
    values: dict[str, dict[str, Any]] = ((view.get("state") or {}).get("values")) or {}

    def element(block: str) -> dict[str, Any]:
        actions = values.get(block) or {}
        return next(iter(actions.values()), {}) if isinstance(actions, dict) else {}

    flags, switches = _flag_entries(spec, element)
    switches |= _ticked(element(OPTIONS_BLOCK))
    return FormEntry(
        operation=_selected(element(OPERATION_BLOCK)),
        channel=element(CHANNEL_BLOCK).get("selected_conversation") or None,
        targets=str(element(TARGETS_BLOCK).get("value") or ""),
        files=tuple(f for f in element(FILE_BLOCK).get("files") or [] if isinstance(f, dict)),
        values=flags,
        switches=frozenset(switches),
        reason=str(element(REASON_BLOCK).get("value") or "").strip(),
        kept=_kept(view),
    )


def _flag_entries(
    spec: OperationSpec | None, element: Callable[[str], dict[str, Any]]
) -> tuple[dict[str, str], set[str]]:
    """The values and ticked switches of the operation's own flags."""
    values: dict[str, str] = {}
    switches: set[str] = set()
    if spec is None:
        return values, switches
    for flag in spec.flags:
        state = element(param_block(spec, flag))
        if flag.kind is FlagKind.SWITCH:
            switches |= _ticked(state) & {flag.name}
        elif str(state.get("value") or "").strip():
            values[flag.name] = str(state["value"]).strip()
    return values, switches


def _selected(state: dict[str, Any]) -> str | None:
    option = state.get("selected_option") or {}
    return str(option.get("value") or "") or None


def _ticked(state: dict[str, Any]) -> set[str]:
    return {str(o.get("value")) for o in state.get("selected_options") or [] if isinstance(o, dict)}


def _kept(view: dict[str, Any]) -> KeptTargets | None:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None
    return KeptTargets.from_metadata(meta.get("kept")) if isinstance(meta, dict) else None


def form_fields(entry: FormEntry, *, listed: Sequence[str] = ()) -> Fields:
    """The entry as the grammar's fields; `listed` are targets read from a file (or kept from
    the request being made again), taken literally."""
    values = dict(entry.values or {})
    if entry.reason:
        values["--reason"] = entry.reason
    return Fields(
        typed_targets=split_typed(entry.targets),
        listed_targets=tuple(listed),
        values=values,
        switches=entry.switches,
    )


def error_block(error: UsageError, spec: OperationSpec, *, from_file: bool) -> str:
    """The block id of the input a grammar error belongs under.

    Target errors go under the file input when the targets came from a file; anything the
    grammar cannot pin on a field goes under the targets.
    """
    if error.field == "--reason":
        return REASON_BLOCK
    if error.field in {flag.name for flag in FORM_SWITCHES}:
        return OPTIONS_BLOCK
    flag = next((f for f in spec.flags if f.name == error.field), None)
    if flag is not None:
        return param_block(spec, flag)
    return FILE_BLOCK if from_file else TARGETS_BLOCK


def error_text(message: str) -> str:
    """An error as Slack shows it under a field: plain text (what the grammar marks as code
    loses its backticks, which plain text would show), one line, clipped."""
    return clip_raw(" ".join(plain(backticked(message)).split()), ERROR_LIMIT)


def prefill_from_entry(entry: FormEntry) -> FormPrefill:
    """The form redrawn with what was entered (the operation's own flags are dropped: they
    belonged to the operation that was chosen before)."""
    common = frozenset(flag.name for flag in FORM_SWITCHES)
    return FormPrefill(
        operation=entry.operation,
        channel=entry.channel,
        targets=entry.targets,
        switches=entry.switches & common,
        reason=entry.reason,
        kept=entry.kept,
    )


def prefill_from_record(record: RequestRecord, spec: OperationSpec) -> FormPrefill:
    """The form for asking `record` again: a new request with the same operation, targets (of
    a stopped, partly failed or unknown run, those left undone: `rules.again_targets`),
    parameters and reason, in the same channel. Targets that do not fit the text box are kept
    by reference (`FormPrefill.kept`)."""
    targets = rules.again_targets(record)
    count, ended = len(targets), record.state.value
    unsent = count < len(record.targets)
    text = "\n".join(targets)
    fits = len(text) <= TEXT_INPUT_LIMIT
    values = {
        flag.name: str(record.params[flag.key])
        for flag in spec.flags
        if flag.kind is not FlagKind.SWITCH and flag.key in record.params
    }
    switches = frozenset(f.name for f in spec.flags if _switched_on(f, record))
    return FormPrefill(
        operation=record.operation,
        channel=record.channel,
        targets=text if fits else "",
        values=values,
        switches=switches,
        reason=record.reason or "",
        kept=None if fits else KeptTargets(record.id, record.operation, count, unsent, ended),
        unsent_of=record.id if unsent else None,
        unsent_ended=ended,
        forced=_forced(record),
    )


def _forced(record: RequestRecord) -> tuple[str, str] | None:
    """`record`'s id and its blocked preview's message, when ``--force`` posted its card past
    that preview (a break-glass run went ahead for its incident instead: not forced)."""
    preview = record.preview
    if record.break_glass is not None or not isinstance(preview, Preview):
        return None
    if preview.blocked is None or record.state is RequestState.DENIED:
        return None
    return record.id, preview.blocked.message


def _switched_on(flag: FlagSpec, record: RequestRecord) -> bool:
    if flag.kind is not FlagKind.SWITCH or flag.key not in record.params:
        return False
    value = record.params[flag.key]
    return value == flag.switch_value and value != flag.default
