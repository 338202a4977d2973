"""What a request's preview found and how the request ended, as typed unions. Pure data.

A stored preview is one of (discriminated by ``kind``):

- `adapters.base.Preview` (``"preview"``): the vendor's read-only look, ending in a verdict;
- `PreviewUnavailable` (``"unavailable"``): the look could not be made (vendor unreachable, not
  configured). The card still posts: an unreachable vendor must not block an emergency request,
  so it reads as `Verdict.WARN`.

A request's outcome is one of:

- `adapters.base.Outcome` (``"answered"``): the vendor answered; per-target counts add up;
- `FailedOutcome` (``"failed"``): one error: the vendor's refusal, or opsgate's own (``integrity``,
  not configured, unreachable);
- `UnknownOutcome` (``"unknown"``): the call got no usable answer (or opsgate failed during it);
- `ClosedOutcome` (``"closed"``): rejected, withdrawn, expired or denied, by a person or the clock.

Rows written by release 1 hold plain dicts without ``kind``; `RequestPreview` and
`RequestOutcome` infer it before validating, so old requests still read (and render) typed.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal, TypeAlias

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, computed_field

from adapters.base import Outcome, Preview, Progress, Verdict

#: The `FailedOutcome.error` of a request whose stored form disagreed with its audit chain.
INTEGRITY_ERROR: Final = "integrity"
#: The error of a request whose vendor is no longer served as when it was requested (real or
#: sandboxed): nothing was sent (`bot.model.rules.sandbox_changed`).
SANDBOX_CHANGED_ERROR: Final = "sandbox_changed"
#: The error of a delete the vendor found nothing to delete for, when no preview had found the
#: target either: not "already gone" (`confirmed_gone`).
NOT_FOUND_ERROR: Final = "not_found"
#: Errors that mean "no usable answer" rather than "refused" (release 1 stored them as dicts).
_UNKNOWN_ERRORS: Final = frozenset({"OutcomeUnknown", "InternalError"})


class PreviewUnavailable(BaseModel):
    """The preview could not be made; the request may still go ahead (it reads as ``warn``).

    Attributes:
        error: The kind of failure (an `adapters.errors` class name, e.g. ``VendorUnreachable``).
        message: What happened, in plain words.
        next_step: What to do about it.
        code: The vendor's code, when the vendor answered with one.
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["unavailable"] = "unavailable"
    error: str
    message: str
    next_step: str = ""
    code: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def verdict(self) -> Verdict:
        """Always `Verdict.WARN`: nobody could look, so approvers must."""
        return Verdict.WARN


class FailedOutcome(BaseModel):
    """The request failed with one error, and nothing (more) happened at the vendor.

    Attributes:
        error: What failed: an `adapters.errors` class name (``VendorError``,
            ``VendorAuthError``, ``VendorUnreachable``, ``NotConfigured`` …), or opsgate's own
            `INTEGRITY_ERROR`.
        message: What happened, in plain words.
        next_step: What to do about it.
        code: The vendor's own code, verbatim, when it gave one.
        http_status: The HTTP status of the vendor's answer, when there was one.
        vendor_request_id: The vendor's request id of the call, when it gave one.
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["failed"] = "failed"
    error: str
    message: str
    next_step: str = ""
    code: str | None = None
    http_status: int | None = None
    vendor_request_id: str | None = None


class UnknownOutcome(BaseModel):
    """The call got no usable answer: the change may or may not have happened. Never retried.

    Attributes:
        error: ``OutcomeUnknown`` (no answer), or ``InternalError`` (opsgate failed mid-call).
        message: What happened ("the vendor did not answer in 10 s").
        next_step: What to check before requesting again.
        confirmed: For a bulk run opsgate lost track of (its replica stopped mid-run), the
            counts last recorded with its lease: what the vendor had answered by then; every
            target without an answer is counted unknown. None for any other unknown outcome.
        vendor_request_id: The vendor's request id of the call, when its answer gave one:
            what its support asks for to say whether the change happened.
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["unknown"] = "unknown"
    error: str = "OutcomeUnknown"
    message: str = ""
    next_step: str = ""
    confirmed: Progress | None = None
    vendor_request_id: str | None = None


class ClosedOutcome(BaseModel):
    """The request ended without a vendor call: rejected, withdrawn, expired or denied.

    Attributes:
        by: Who closed it: a Slack user id, ``system`` (the clock, or a blocked preview), or
            empty when a release-1 row did not say.
        note: Why, when someone said (a rejecter's reason; a denial's reason).
        code: The vendor's code behind a denial, when there is one (a blocked preview's).
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["closed"] = "closed"
    by: str
    note: str | None = None
    code: str | None = None


def _preview_kind(data: Any) -> Any:
    """Release-1 previews: an error dict (``"error"`` key) is unavailable, the rest a preview."""
    if isinstance(data, dict) and "kind" not in data:
        return {**data, "kind": "unavailable" if "error" in data else "preview"}
    return data


def _outcome_kind(data: Any) -> Any:
    """Release-1 outcomes: infer the shape from the keys each one always had."""
    if not isinstance(data, dict) or "kind" in data:
        return data
    if "summary" in data:
        return {**data, "kind": "answered"}
    if "error" in data:
        kind = "unknown" if data["error"] in _UNKNOWN_ERRORS else "failed"
        return {**data, "kind": kind}
    # A rejecter's "reason", or what happened ("message": a card Slack would not post).
    note = data.get("note") or data.get("reason") or data.get("message")
    return {**data, "kind": "closed", "by": str(data.get("by") or ""), "note": note}


#: A stored preview: the vendor's look, or why there is none.
RequestPreview: TypeAlias = Annotated[
    Preview | PreviewUnavailable,
    Field(discriminator="kind"),
    BeforeValidator(_preview_kind),
]

#: How a request ended.
RequestOutcome: TypeAlias = Annotated[
    Outcome | FailedOutcome | UnknownOutcome | ClosedOutcome,
    Field(discriminator="kind"),
    BeforeValidator(_outcome_kind),
]

_PREVIEWS: Final[TypeAdapter[RequestPreview]] = TypeAdapter(RequestPreview)
_OUTCOMES: Final[TypeAdapter[RequestOutcome]] = TypeAdapter(RequestOutcome)


def read_preview(data: Any) -> RequestPreview:
    """A stored preview (JSON-shaped, any release) as its typed form.

    Raises:
        pydantic.ValidationError: `data` is no preview of any release.
    """
    return _PREVIEWS.validate_python(data)


def read_outcome(data: Any) -> RequestOutcome:
    """A stored outcome (JSON-shaped, any release) as its typed form.

    Raises:
        pydantic.ValidationError: `data` is no outcome of any release.
    """
    return _OUTCOMES.validate_python(data)


def with_preview_note(outcome: Outcome, preview: RequestPreview | None) -> Outcome:
    """`outcome` with its preview's `Preview.outcome_note` in brackets after its summary (SPEC
    §8: "cancel accepted for 10,000 devices (55 had a pending task when previewed)"): what the
    preview counted, which the vendor's answer does not say."""
    if not isinstance(preview, Preview) or not preview.outcome_note:
        return outcome
    return outcome.model_copy(update={"summary": f"{outcome.summary} ({preview.outcome_note})"})


def confirmed_gone(outcome: Outcome, preview: RequestPreview | None) -> Outcome | FailedOutcome:
    """`outcome`, unless it reads a vendor's "not found" as "already gone" without a preview
    that had found the target (README, VENDORS: a 404 on delete *after a successful preview*
    is already gone). Forced past a preview that found nothing, or with no preview that could
    look, the vendor's "not found" is a failure: nothing was deleted, and the id, the
    application or the org may well be wrong."""
    if not outcome.already_gone or (isinstance(preview, Preview) and preview.found):
        return outcome
    return FailedOutcome(
        error=NOT_FOUND_ERROR,
        message=f"The vendor found nothing to delete ({outcome.summary}), and no preview had "
        "found it before: nothing was deleted",
        next_step="Check the id (and --app or --org) and request again.",
        vendor_request_id=outcome.vendor_request_ids[0] if outcome.vendor_request_ids else None,
    )


def as_recorded(outcome: Outcome, *, preview: RequestPreview | None) -> Outcome | FailedOutcome:
    """A vendor's answer to an execution as its request records it: with its preview's note
    (`with_preview_note`), and a "not found" that no preview had found a failure
    (`confirmed_gone`)."""
    return confirmed_gone(with_preview_note(outcome, preview), preview)
