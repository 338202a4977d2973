"""Declarative descriptions of operations: the single source for parsing, usage and help.

Each vendor plugin declares its operations as `OperationSpec` values; the parser, the usage text,
"did you mean" and `format_command` all read them, so they cannot drift apart.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import Final

from commands.identifiers import STRICT, IdentifierRule
from commands.model import ParamValue
from commands.ranges import fit_ranges

#: The largest whole number a numeric flag takes unless it says otherwise (a Java ``int``).
INT32_MAX: Final = 2**31 - 1


class FlagKind(enum.Enum):
    """What a flag's value is."""

    IDENTIFIER = "identifier"  #: a vendor id, checked against the flag's `IdentifierRule`
    NUMBER = "number"  #: a whole number between `FlagSpec.low` and `FlagSpec.high`
    TEXT = "text"  #: free text (the reason)
    SWITCH = "switch"  #: no value; its presence sets `FlagSpec.key` to `FlagSpec.switch_value`


@dataclass(frozen=True, slots=True, kw_only=True)
class FlagSpec:
    """One ``--flag`` of an operation.

    Attributes:
        name: The flag as typed, e.g. ``"--site"``.
        key: Where its value goes: the key of `OperationRequest.params` the adapter reads
            (``reason`` and ``dry_run`` are the common flags' own).
        kind: What its value is.
        help: One line for the help text.
        metavar: The placeholder in usage text, e.g. ``"<siteId>"``.
        rule: For `FlagKind.IDENTIFIER`: the identifier rule its value must satisfy.
        required: Whether the operation needs it.
        low: For `FlagKind.NUMBER`: the smallest value allowed.
        high: For `FlagKind.NUMBER`: the largest value allowed.
        switch_value: For `FlagKind.SWITCH`: the value set when the flag is present.
        default: The value of `key` when the flag is absent (None: the key is left out).
        many_words: For `FlagKind.TEXT`: the value is every word up to the next flag, quoted
            or not (``--reason bad firmware rollout``).
        example: For `FlagKind.TEXT`: a value to show when it is given empty.
        in_usage: Whether the one-line usage shows it (help always lists every flag); a
            plugin's rare flags may stay out so the usage under every error stays short. Every
            common flag is shown: each is a flag of every operation.
    """

    name: str
    key: str
    kind: FlagKind
    help: str
    metavar: str = ""
    rule: IdentifierRule = STRICT
    required: bool = False
    low: int = 0
    high: int = INT32_MAX
    switch_value: bool = True
    default: ParamValue | None = None
    many_words: bool = False
    example: str = ""
    in_usage: bool = True

    @property
    def takes_value(self) -> bool:
        """True unless the flag is a switch."""
        return self.kind is not FlagKind.SWITCH

    @property
    def usage(self) -> str:
        """The flag as it appears in usage text, e.g. ``--site <siteId>`` or ``[--dry-run]``."""
        text = f"{self.name} {self.metavar}" if self.takes_value else self.name
        return text if self.required else f"[{text}]"


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetSpec:
    """The positional identifiers an operation acts on.

    Attributes:
        name: The vendor's name for one target, e.g. ``"widgetId"``; used in errors and usage.
        rule: The identifier rule each target must satisfy.
        max_count: The most distinct targets one request may carry.
        per_call: How many targets one vendor call carries (a run of more than one call can
            be stopped part way: the card offers Stop while it runs).
    """

    name: str
    rule: IdentifierRule = STRICT
    max_count: int = 1
    per_call: int = 1

    @property
    def usage(self) -> str:
        """``<widgetId>``, or ``<widgetId>...`` when several are allowed."""
        return f"<{self.name}>..." if self.max_count > 1 else f"<{self.name}>"


#: Flags every operation takes.
COMMON_FLAGS: Final = (
    FlagSpec(
        name="--reason",
        key="reason",
        kind=FlagKind.TEXT,
        metavar='"<text>"',
        help="why (up to 500 characters): every word up to the next flag",
        many_words=True,
        example="stale job, INC-42",
    ),
    FlagSpec(
        name="--dry-run",
        key="dry_run",
        kind=FlagKind.SWITCH,
        help="show the preview and the exact vendor request; change nothing (no reason needed)",
    ),
    FlagSpec(
        name="--force",
        key="force",
        kind=FlagKind.SWITCH,
        help="post the approval card even when the preview says the vendor will refuse",
    ),
    FlagSpec(
        name="--break-glass",
        key="break_glass",
        kind=FlagKind.TEXT,
        metavar='"<incident ref>"',
        help="run at once without approvals, in an incident (only for the policy's break_glass "
        "list; reviewed afterwards)",
        many_words=True,
        example="INC-42",
    ),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class OperationSpec:
    """Everything opsgate knows about one operation's command.

    Attributes:
        id: The operation id, ``<vendor>.<resource>.<action>``, e.g. ``"acme.widget.delete"``.
        vendor: The first word of the command: the vendor plugin's name, e.g. ``"acme"``.
        resource: The second word, e.g. ``"widget"``.
        action: The third word, e.g. ``"delete"``.
        summary: One sentence saying what it does, for help text.
        target: The positional identifiers it takes.
        flags: Its own flags, in canonical order (the common flags are added by `all_flags`).
        example: A realistic command line.
    """

    id: str
    vendor: str
    resource: str
    action: str
    summary: str
    target: TargetSpec
    flags: tuple[FlagSpec, ...]
    example: str

    @property
    def all_flags(self) -> tuple[FlagSpec, ...]:
        """Its own flags followed by `COMMON_FLAGS`."""
        return self.flags + COMMON_FLAGS

    @property
    def param_keys(self) -> frozenset[str]:
        """The keys its own flags may set in `OperationRequest.params`."""
        return frozenset(flag.key for flag in self.flags)

    @property
    def command(self) -> str:
        """The three command words, e.g. ``"acme widget delete"``."""
        return f"{self.vendor} {self.resource} {self.action}"

    @property
    def usage(self) -> str:
        """The one-line synopsis, e.g. ``/ops acme widget delete <widgetId> [--reason ...``."""
        return self.synopsis()

    def synopsis(self, terms: UsageTerms | None = None) -> str:
        """`usage` under a policy's `terms`: ``--reason`` shown as required (no brackets) when
        the policy requires one (the grammar never does: a dry run needs none), and
        ``--break-glass`` left out when the policy lets nobody use it."""
        terms = terms or UsageTerms()
        shown = (
            replace(flag, required=True) if terms.reason_required and flag.key == "reason" else flag
            for flag in self.all_flags
            if flag.in_usage and (terms.break_glass or flag.key != "break_glass")
        )
        return f"/ops {self.command} {self.target.usage} {' '.join(f.usage for f in shown)}"

    def most(self, terms: UsageTerms | None = None) -> int:
        """The most targets one request may name: the operation's limit, or the policy's when
        that is smaller."""
        policy = (terms or UsageTerms()).max_targets
        return self.target.max_count if policy is None else min(policy, self.target.max_count)


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageTerms:
    """What a policy says of one operation that its usage and help must show, so that they
    never teach a command the policy refuses.

    Attributes:
        reason_required: A request (not a dry run) must give ``--reason``.
        break_glass: Someone may use ``--break-glass``.
        max_targets: The most targets the policy lets one request name (None: no limit).
    """

    reason_required: bool = False
    break_glass: bool = True
    max_targets: int | None = None


def example_of(spec: OperationSpec, terms: UsageTerms | None = None) -> str:
    """`spec`'s example under `terms`: its ranges cut down to the targets allowed."""
    return fit_ranges(spec.example, spec.most(terms))


def usage_of(spec: OperationSpec, terms: UsageTerms | None = None) -> str:
    """Return the usage block of `spec` under `terms`: its synopsis and an example
    (`example_of`)."""
    return f"Usage: {spec.synopsis(terms)}\nExample: {example_of(spec, terms)}"
