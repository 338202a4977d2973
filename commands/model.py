"""The typed results of parsing a slash command.

`OperationRequest` is the one model that crosses every seam: the parser produces it, the policy
judges it, the store persists it, and an adapter carries it out. Its `params` keys are the keys
of its operation's flags (`OperationSpec.param_keys`), so the parser and the vendor's adapter
agree on them through the spec alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

ParamValue = str | int | bool


class OperationRequest(BaseModel):
    """A validated request for one destructive vendor operation.

    Attributes:
        operation: The operation id, e.g. ``"acme.widget.delete"``.
        vendor: The vendor prefix of the operation id, e.g. ``"acme"``.
        targets: The identifiers to act on, validated and de-duplicated in order.
        params: Operation parameters, keyed by the operation's flags' keys.
        reason: Why the requester wants this (``--reason``), if given.
        dry_run: ``--dry-run``: preview and show the vendor request only; change nothing.
        force: ``--force``: post the approval card even when the preview is blocked.
        break_glass: ``--break-glass "<incident ref>"``: the incident that justifies running
            without approvals, if given.
        duplicates: How many repeated targets the command named and parsing dropped (each
            target is acted on once): said to the requester, never stored.
    """

    model_config = ConfigDict(frozen=True)

    operation: str
    vendor: str
    targets: tuple[str, ...] = Field(min_length=1)
    params: dict[str, ParamValue] = Field(default_factory=dict)
    reason: str | None = None
    dry_run: bool = False
    force: bool = False
    break_glass: str | None = None
    duplicates: int = 0

    def param(self, key: str) -> ParamValue | None:
        """Return one parameter, or None when it was not given."""
        return self.params.get(key)

    def str_param(self, key: str) -> str | None:
        """Return a string parameter, or None when it was not given."""
        value = self.params.get(key)
        return None if value is None else str(value)


class HelpCommand(BaseModel):
    """`/ops help [vendor]`."""

    model_config = ConfigDict(frozen=True)
    vendor: str | None = None


class HistoryCommand(BaseModel):
    """`/ops history [--mine] [--unreviewed] [--vendor <v>] [--limit <n>]`.

    Attributes:
        unreviewed: Only break-glass requests that nobody has reviewed yet.
    """

    model_config = ConfigDict(frozen=True)
    mine: bool = False
    unreviewed: bool = False
    vendor: str | None = None
    limit: int = Field(default=20, ge=1, le=100)


class StatusCommand(BaseModel):
    """`/ops status <request-id>`.

    Attributes:
        request_id: The id as opsgate reads it: upper-cased, O read as 0, I and L as 1.
        typed: The id as it was typed, for answers to echo (a user should never be told of
            an id they did not type); empty when the command was not typed.
    """

    model_config = ConfigDict(frozen=True)
    request_id: str
    typed: str = ""


ParsedCommand = OperationRequest | HelpCommand | HistoryCommand | StatusCommand


class UsageError(ValueError):
    """The command text is not a valid opsgate command.

    The only exception the parser raises for any input text.

    Attributes:
        message: What is wrong, naming the bad field where there is one: one sentence, or one
            line per field when several fields are wrong.
        field: The flag or positional name that was wrong (``"--org"``, ``"jobId"``), if any;
            the first one when several are.
        usage: The usage text of the nearest valid command, to show beneath the message.
        each: One error per field that is wrong (just this error when only one is), so a form
            can show each under its own field.
        at_field: The error as said under its own field of a form, where the command is not
            typed: without naming the command or its usage notation (default: `message`).
        operation: The id of the operation whose usage `usage` is, if it is one operation's:
            whoever knows the policy shows that usage under the policy's terms instead.
        operations: The ids of the operations whose usages `usage` lists, when it lists
            several (an incomplete command, or every command), shown under the policy's terms
            the same way.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        usage: str = "",
        each: Sequence[UsageError] = (),
        at_field: str = "",
        operation: str | None = None,
        operations: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.usage = usage
        self.each: tuple[UsageError, ...] = tuple(each) or (self,)
        self.at_field = at_field or message
        self.operation = operation
        self.operations = tuple(operations)

    def __str__(self) -> str:
        return f"{self.message}\n{self.usage}" if self.usage else self.message
