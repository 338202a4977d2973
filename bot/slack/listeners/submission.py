"""Reading a submitted request modal (SPEC §10): the request it asks for and its channel, or
each error under its field, as Slack shows them only in the submission's ack
(``response_action: errors``): the grammar's errors, and the policy's reason, channel and
limit on targets, all said before the form closes. Targets may come from an uploaded file
(`bot.slack.files`, bounded in time) or from the request asked for again.
"""

from __future__ import annotations

from typing import Any, Final

from bot.cards.form import (
    CHANNEL_BLOCK,
    FILE_BLOCK,
    OPERATION_BLOCK,
    REASON_BLOCK,
    TARGETS_BLOCK,
)
from bot.cards.form_state import FormEntry, error_block, error_text, form_fields, read_form
from bot.cards.sentences import plain
from bot.model import RequestRecord, is_channel_id, rules
from bot.policy.members import channel_refusal
from bot.slack.files import TargetFileError
from bot.slack.listeners.context import ListenerContext
from bot.store import UnreadableRequestError
from commands.fields import listed_targets, request_from_fields
from commands.model import OperationRequest, UsageError
from commands.spec import OperationSpec

#: Under the Reason field when it was left empty and the policy wants one.
REASON_NEEDED: Final = (
    "Say why: the policy needs a reason for this operation (a dry run needs none)."
)
#: Under the targets when those kept from the request asked for again cannot be read now.
_KEPT_UNREADABLE: Final = (
    "The targets of {} can no longer be read (it was changed outside opsgate): type the targets."
)
#: Under the targets when the request asked for again has ended otherwise since the form opened
#: (a run `unknown` then, whose late outcome has come): its undone targets are no longer those.
_KEPT_CHANGED: Final = "{} has ended {} since this form opened: type the targets to ask for."


class KeptTargetsChanged(Exception):
    """The targets kept by reference are no longer those the form said: `record` has ended
    otherwise since (`KeptTargets.count` no longer matches `rules.again_targets`)."""

    def __init__(self, record: RequestRecord) -> None:
        super().__init__(record.id)
        self.record = record


def read_submission(
    view: dict[str, Any], ctx: ListenerContext
) -> tuple[OperationRequest, str] | dict[str, str]:
    """The request a submitted form asks for and its channel, or every error by block id."""
    spec = spec_named(ctx, read_form(view, None).operation)
    if spec is None:
        return {OPERATION_BLOCK: "Choose an operation."}
    entry = read_form(view, spec)
    errors: dict[str, str] = {}
    if not is_channel_id(entry.channel):  # Slack's conversation select gives a channel id
        errors[CHANNEL_BLOCK] = "Choose the channel for the approval card."
    elif refused := channel_refusal(spec.id, _channels(ctx, spec), str(entry.channel)):
        errors[CHANNEL_BLOCK] = error_text(plain(refused))  # said here, as the targets' limit
    try:
        listed = _listed(entry, spec, ctx)
    except (TargetFileError, UsageError) as exc:
        errors[FILE_BLOCK] = error_text(str(getattr(exc, "message", exc)))
        listed = []
    except UnreadableRequestError as exc:  # the request asked for again, changed since
        errors[TARGETS_BLOCK] = error_text(_KEPT_UNREADABLE.format(exc.request_id))
        listed = []
    except KeptTargetsChanged as exc:
        ended = exc.record
        errors[TARGETS_BLOCK] = error_text(_KEPT_CHANGED.format(ended.id, ended.state.value))
        listed = []
    try:
        request = request_from_fields(spec, form_fields(entry, listed=listed))
    except UsageError as exc:
        _place_errors(errors, exc, spec, entry)
        request = None
    if _reason_missing(entry, spec, ctx):
        errors.setdefault(REASON_BLOCK, REASON_NEEDED)
    too_many = _over_the_policys_limit(request, spec, ctx)
    if too_many:
        errors.setdefault(FILE_BLOCK if entry.from_file else TARGETS_BLOCK, too_many)
    if errors or request is None:
        return errors
    return request, str(entry.channel)


def _channels(ctx: ListenerContext, spec: OperationSpec) -> tuple[str, ...]:
    return ctx.service.s.policy.for_operation(spec.id).channels


def _place_errors(
    errors: dict[str, str], exc: UsageError, spec: OperationSpec, entry: FormEntry
) -> None:
    """Each field's error under its own input; an input keeps the first error said of it (a
    file that could not be read is not also reported as no targets)."""
    for error in exc.each:
        errors.setdefault(
            error_block(error, spec, from_file=entry.from_file), error_text(error.at_field)
        )


def _over_the_policys_limit(
    request: OperationRequest | None, spec: OperationSpec, ctx: ListenerContext
) -> str | None:
    """What to say under the targets when they are more than the policy lets one request
    name: said there, as the form's hint ("Up to N") promises, not after the form has closed."""
    count = 0 if request is None else len(request.targets)
    most = ctx.service.s.policy.too_many_targets(spec.id, count)
    if most is None:
        return None
    return (
        f"The policy allows at most {most:,} target{'' if most == 1 else 's'} per request and "
        f"these are {count:,}: split them into requests of at most {most:,}."
    )


def _reason_missing(entry: FormEntry, spec: OperationSpec, ctx: ListenerContext) -> bool:
    """The reason was left empty, and the policy wants one for this operation. Checked here,
    not left to the policy after submission, so it is said under the Reason field."""
    dry_run = "--dry-run" in entry.switches
    return not entry.reason and ctx.service.s.policy.needs_reason(spec.id, dry_run=dry_run)


def _listed(entry: FormEntry, spec: OperationSpec, ctx: ListenerContext) -> list[str]:
    """Targets from the uploaded file, or kept from the request made again."""
    if entry.files:
        if ctx.files is None:
            raise TargetFileError("opsgate cannot read uploaded files here.")
        file = entry.files[0]
        text = ctx.files.text(file, most_targets=spec.target.max_count)
        csv_rows = str(file.get("name") or "").lower().endswith(".csv")
        target = spec.target
        return listed_targets(text, name=target.name, csv_rows=csv_rows)
    kept = entry.kept
    if kept is not None and kept.operation == spec.id and not entry.targets.strip():
        record = ctx.service.s.store.get(kept.request_id)
        if record is not None and record.operation == spec.id:
            targets = rules.again_targets(record)
            if len(targets) != kept.count:
                raise KeptTargetsChanged(record)
            return list(targets)
    return []


def response_url(body: dict[str, Any], channel: str) -> str | None:
    """The response_url Slack hands a submission for the channel chosen (the select's
    ``response_url_enabled``); None when it gave none."""
    for entry in body.get("response_urls") or []:
        if isinstance(entry, dict) and entry.get("block_id") == CHANNEL_BLOCK:
            url = entry.get("response_url")
            if isinstance(url, str) and url and entry.get("channel_id") == channel:
                return url
    return None


def spec_named(ctx: ListenerContext, operation: str | None) -> OperationSpec | None:
    try:
        return ctx.catalog.spec_for(operation) if operation else None
    except KeyError:
        return None
