"""What an adapter's `preview` and `execute` return: typed, so the card can show exactly what
the vendor said.

- `Preview` ends in a `Verdict` (ok, warn, blocked; a `Blocker` says why it is blocked);
- `Outcome` is what the vendor answered to `execute`, with per-target `Counts` that add up
  (succeeded, failed, not sent, unknown) and each unsuccessful call as an `ItemFailure`;
- `Progress` carries the same counts while a bulk run goes on.

`bot.model` adds the shapes opsgate itself produces (a preview that could not be made; a
request that failed, ended unknown, or was closed by a person or the clock) and stores them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator


class Verdict(StrEnum):
    """How a preview ends (SPEC §8): whether the call can run as asked.

    - ``ok``: nothing stands in the way;
    - ``warn``: the call will run, but something needs attention (a gateway's children go too,
      some devices have nothing to cancel, the preview could not be made);
    - ``blocked``: the vendor is certain to refuse, or the target does not exist.
    """

    OK = "ok"
    WARN = "warn"
    BLOCKED = "blocked"


class Blocker(BaseModel):
    """Why a preview is `Verdict.BLOCKED`: what the vendor will refuse, and its code.

    Attributes:
        message: Plain words: what makes the call certain to fail ("the job is running").
        code: The vendor's code for it, when the vendor gave or documents one (``"24618"``).
        next_step: What to do instead ("stop the job first").
    """

    model_config = ConfigDict(frozen=True)

    message: str
    code: str | None = None
    next_step: str = ""


class Preview(BaseModel):
    """What a read-only look at the target(s) found, for the approval card, ending in a verdict.

    The verdict follows from the fields, so it can never disagree with them: `blocked` set (or
    `found` false) is `Verdict.BLOCKED`; otherwise any warning is `Verdict.WARN`; otherwise
    `Verdict.OK`.

    Attributes:
        kind: ``"preview"``: tells a stored preview from `bot.model.PreviewUnavailable`.
        summary: One line: what the target is and its state.
        facts: Label -> value pairs shown on the card and kept in the audit log.
        warnings: Things approvers must know before approving (a gateway will cascade).
        found: False when the vendor says the target does not exist (then `blocked` says so,
            if the adapter did not).
        blocked: Why the vendor is certain to refuse; None when it is not.
        outcome_note: What the preview counted that the vendor's answer will not say, said in
            brackets after the outcome's summary (SPEC §8: "cancel accepted for 10,000 devices
            (55 had a pending task when previewed)"); empty: nothing to add.
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["preview"] = "preview"
    summary: str
    facts: dict[str, str] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    found: bool = True
    blocked: Blocker | None = None
    outcome_note: str = ""

    @model_validator(mode="before")
    @classmethod
    def _not_found_blocks(cls, data: Any) -> Any:
        """A target the vendor says does not exist blocks the request, whoever built it."""
        if isinstance(data, dict) and data.get("found") is False and not data.get("blocked"):
            summary = str(data.get("summary") or "the target")
            return {**data, "blocked": {"message": f"not found at the vendor: {summary}"}}
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def verdict(self) -> Verdict:
        """`Verdict.BLOCKED`, `Verdict.WARN` or `Verdict.OK` (kept in the stored form too)."""
        if self.blocked is not None:
            return Verdict.BLOCKED
        return Verdict.WARN if self.warnings else Verdict.OK


class Counts(BaseModel):
    """Targets by what the vendor said about them (SPEC §8: they add up to the targets).

    Attributes:
        succeeded: The vendor accepted or confirmed the change for these.
        failed: The vendor refused the call for these (or it could not reach them).
        not_sent: Never sent: the run stopped before their call.
        unknown: Their call got no usable answer: the change may or may not have happened.
            Unknown is not failed.
    """

    model_config = ConfigDict(frozen=True)

    succeeded: int = Field(default=0, ge=0)
    failed: int = Field(default=0, ge=0)
    not_sent: int = Field(default=0, ge=0)
    unknown: int = Field(default=0, ge=0)

    @property
    def done(self) -> int:
        """Targets with an answer (or a decision not to send): the sum of the four counts."""
        return self.succeeded + self.failed + self.not_sent + self.unknown


class Progress(Counts):
    """How far a bulk `execute` has got, in targets (not calls), with the four counts.

    ``Progress(done=400, total=1000, failed=200)`` (the form before the counts) still reads:
    what is done and not failed counts as succeeded.
    """

    total: int = Field(ge=0)

    @model_validator(mode="before")
    @classmethod
    def _from_done(cls, data: Any) -> Any:
        if isinstance(data, dict) and "done" in data:
            rest = {k: v for k, v in data.items() if k != "done"}
            others = sum(int(rest.get(k, 0)) for k in ("failed", "not_sent", "unknown"))
            rest.setdefault("succeeded", int(data["done"]) - others)
            return rest
        return data


class FailureKind(StrEnum):
    """Why some targets of a bulk run did not succeed."""

    FAILED = "failed"  # the vendor refused the call, or it could not be sent
    NOT_SENT = "not_sent"  # never sent: the run stopped first
    UNKNOWN = "unknown"  # no usable answer: the change may or may not have happened


class ItemFailure(BaseModel):
    """Targets one vendor call did not succeed for, and why.

    Attributes:
        targets: The call's targets.
        kind: Failed, not sent, or unknown (`FailureKind`).
        code: The vendor's own code, verbatim; None when the vendor gave none (never a word
            of opsgate's, such as "unknown").
        message: What happened, in plain words.
        next_step: What to do about it.
        vendor_request_id: The vendor's request id of the call, when it gave one.
    """

    model_config = ConfigDict(frozen=True)

    targets: tuple[str, ...]
    kind: FailureKind = FailureKind.FAILED
    code: str | None = None
    message: str
    next_step: str = ""
    vendor_request_id: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _legacy_codes(cls, data: Any) -> Any:
        """Release 1 marked unknown and unsent batches by their `code`; read those as kinds."""
        if isinstance(data, dict) and "kind" not in data:
            code = data.get("code")
            if code in (FailureKind.UNKNOWN.value, FailureKind.NOT_SENT.value):
                return {**data, "kind": code, "code": None}
            if code == "unreachable":
                return {**data, "code": None}
        return data


class Outcome(BaseModel):
    """The result of `execute` when the vendor answered (for bulk: every call was attempted).

    Say only what the vendor confirmed (SPEC §8): when a vendor answers "accepted" without
    saying what changed, `summary` says "accepted", and `checked` says what a read afterwards
    showed.

    Attributes:
        kind: ``"answered"``: tells a stored outcome from the other shapes of
            `bot.model.RequestOutcome`.
        summary: One line for the card ("Deleted device X", "Cancel accepted for 10 devices").
        vendor_request_ids: The vendor's request id for each mutating call that returned one.
        already_gone: The target did not exist any more when we tried (a 404 after preview).
        total: Targets attempted.
        failures: The calls (batches) that did not succeed, each with its kind; empty when
            everything succeeded.
        succeeded_as: The word for what the vendor confirmed of each succeeded target, for
            counts ("accepted"); empty: the operation's own past tense ("deleted").
        checked: What a read-only look after the change showed, in one line; empty when none
            was made.
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["answered"] = "answered"
    summary: str
    vendor_request_ids: tuple[str, ...] = ()
    already_gone: bool = False
    total: int = Field(default=1, ge=0)
    failures: tuple[ItemFailure, ...] = ()
    succeeded_as: str = ""
    checked: str = ""

    @model_validator(mode="after")
    def _failures_fit(self) -> Outcome:
        if sum(len(f.targets) for f in self.failures) > self.total:
            raise ValueError("the failures name more targets than the outcome's total")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def counts(self) -> Counts:
        """Targets succeeded, failed, not sent and unknown; they add up to `total`."""
        by_kind = {kind: 0 for kind in FailureKind}
        for failure in self.failures:
            by_kind[failure.kind] += len(failure.targets)
        return Counts(
            succeeded=self.total - sum(by_kind.values()),
            failed=by_kind[FailureKind.FAILED],
            not_sent=by_kind[FailureKind.NOT_SENT],
            unknown=by_kind[FailureKind.UNKNOWN],
        )

    @property
    def failed_targets(self) -> int:
        """How many targets did not succeed (failed, not sent or unknown)."""
        return sum(len(f.targets) for f in self.failures)

    @property
    def ok(self) -> bool:
        """True when every target succeeded."""
        return not self.failures


def stopped_before_sending(targets: tuple[str, ...]) -> Outcome:
    """The outcome of a call whose run was told to send no more (a shutdown, or Stop) before it
    went out, while it waited for the vendor's rate limit: every target not sent."""
    return Outcome(
        summary="Not sent: the run was stopped before its call went out",
        total=len(targets),
        failures=(
            ItemFailure(
                targets=targets,
                kind=FailureKind.NOT_SENT,
                message="the run was stopped before this call went out",
                next_step="Request it again if it is still needed.",
            ),
        ),
    )
