"""A plugin's adapter called, and what it did wrong named as its own, never as opsgate's.

An adapter raises an `AdapterError` on purpose; anything else it raises, and anything it
returns that is not what `adapters.base.Adapter` promises (a `Preview`, an `Outcome`, a list of
`VendorCall`), is a bug in the plugin. The requester, the card and the log then name the plugin
and what went wrong, by type only (an exception's text may hold a secret; the log keeps the
traceback), so the plugin's author knows where to look:

- a preview: unavailable, so the card is still posted and marked (`previewed`);
- the mutating call: `unknown`, since the vendor may have acted (`executed`);
- a dry run's requests: an `AdapterError`, answered like one the plugin raised (`described`).
"""

from __future__ import annotations

import logging
from typing import Any

from adapters.base import (
    Adapter,
    Outcome,
    Preview,
    ProgressCallback,
    StopSignal,
    VendorCall,
    call_execute,
)
from adapters.errors import AdapterError
from adapters.plugin import PLUGIN_FAULTS
from adapters.plugin_start import masked
from adapters.settings import VendorSettings
from bot.model import PreviewUnavailable, RequestPreview, UnknownOutcome
from commands.model import OperationRequest

log = logging.getLogger(__name__)

#: What the engineer does when the plugin's mutating call went wrong in the plugin itself.
CHECK_VENDOR = (
    "Check the vendor console before requesting it again: the vendor may have acted. Tell the "
    "plugin's maintainers (the bot's log has this request's details)."
)


def previewed(adapter: Adapter, request: OperationRequest) -> RequestPreview:
    """`adapter.preview`; an error or a wrong answer becomes a `PreviewUnavailable`."""
    try:
        preview: Any = adapter.preview(_own(request))
    except AdapterError as exc:
        # An unreachable vendor must not block an emergency request: the card says so.
        code = getattr(exc, "code", None)
        return PreviewUnavailable(
            error=type(exc).__name__,
            message=exc.message,
            next_step=exc.next_step,
            code=None if code is None else str(code),
        )
    except PLUGIN_FAULTS as exc:
        # A bug in the plugin's read-only call: the same, and the log has the traceback.
        log.exception("the %s plugin failed unexpectedly previewing", request.vendor)
        what = f"plugin failed unexpectedly previewing this ({_type(exc)})"
        return _unavailable(request.vendor, what)
    if not isinstance(preview, Preview):
        _log_wrong(request.vendor, "preview", preview, "a Preview")
        return _unavailable(
            request.vendor, f"plugin's preview returned {_kind(preview)}, not a Preview"
        )
    return preview


def executed(
    adapter: Adapter,
    request: OperationRequest,
    *,
    progress: ProgressCallback | None = None,
    stop: StopSignal | None = None,
) -> Outcome | UnknownOutcome:
    """`adapter.execute` (through `call_execute`); its `AdapterError`s are raised, and anything
    else it raises or returns is `unknown`: the vendor may have acted before it happened."""
    try:
        outcome: Any = call_execute(adapter, _own(request), progress=progress, stop=stop)
    except AdapterError:
        raise
    except PLUGIN_FAULTS as exc:
        log.exception("the %s plugin failed unexpectedly executing", request.vendor)
        what = f"plugin failed unexpectedly during the vendor call ({_type(exc)})"
        return _unknown(request.vendor, what)
    if not isinstance(outcome, Outcome):
        _log_wrong(request.vendor, "execute", outcome, "an Outcome")
        return _unknown(
            request.vendor, f"plugin's execute returned {_kind(outcome)}, not an Outcome"
        )
    if outcome.total != len(request.targets):
        return _miscounted(request, outcome)
    return outcome


def _miscounted(request: OperationRequest, outcome: Outcome) -> UnknownOutcome:
    """An `Outcome` whose `total` is not the request's targets says nothing of the others (or
    counts targets never asked for): what happened to each target is unknown."""
    asked, total = len(request.targets), outcome.total
    log.error(
        "the %s plugin's execute returned an Outcome for %d targets, not the request's %d: %s",
        request.vendor,
        total,
        asked,
        outcome.summary,
    )
    what = f"plugin's execute returned an Outcome for {_targets(total)}, not the request's {asked}"
    ids = outcome.vendor_request_ids
    return _unknown(request.vendor, what).model_copy(
        update={"vendor_request_id": ids[0] if len(ids) == 1 else None}
    )


def _targets(count: int) -> str:
    return f"{count} target" if count == 1 else f"{count} targets"


def described(
    adapter: Adapter, request: OperationRequest, *, settings: VendorSettings | None = None
) -> list[VendorCall]:
    """`adapter.describe`: the dry run's vendor requests, with every secret value of the
    vendor's `settings` masked, in case the plugin left one in a URL, a header or the body.

    Raises:
        AdapterError: the plugin's own, or one naming the plugin for anything else it raised
            or for an answer that is not a list of `VendorCall`.
    """
    vendor = request.vendor
    try:
        calls: Any = adapter.describe(_own(request))
    except AdapterError:
        raise
    except PLUGIN_FAULTS as exc:
        log.exception("the %s plugin failed unexpectedly describing its requests", vendor)
        what = f"plugin failed unexpectedly describing its requests ({_type(exc)})"
        raise AdapterError(f"the {vendor} {what}", vendor=vendor, next_step=_TELL) from None
    if not isinstance(calls, list) or not all(isinstance(call, VendorCall) for call in calls):
        said = _kind(calls)
        if isinstance(calls, list):  # "a list" alone would read as the right answer
            said += f" holding {_kind(next(c for c in calls if not isinstance(c, VendorCall)))}"
        log.error("the %s plugin's describe returned %s, not a list of VendorCall", vendor, said)
        what = f"plugin's describe returned {said}, not a list of VendorCall"
        raise AdapterError(f"the {vendor} {what}", vendor=vendor, next_step=_TELL)
    return [_masked(call, settings) for call in calls] if settings is not None else calls


def _own(request: OperationRequest) -> OperationRequest:
    """`request` with a `params` dict of its own (the model is frozen, its dict is not): a
    plugin that changes it (normalising a flag's value in its preview, say) changes nothing
    opsgate keeps, so the card, the audit log and the vendor call get what was requested."""
    return request.model_copy(update={"params": dict(request.params)})


def _masked(call: VendorCall, settings: VendorSettings) -> VendorCall:
    headers = {name: masked(value, settings) for name, value in call.headers.items()}
    body = None if call.body is None else masked(call.body, settings)
    return call.model_copy(
        update={"url": masked(call.url, settings), "headers": headers, "body": body}
    )


_TELL = "Tell the plugin's maintainers: this is a bug in it (the bot's log has the details)."


def _unavailable(vendor: str, what: str) -> PreviewUnavailable:
    return PreviewUnavailable(
        error="InternalError",
        message=f"the {vendor} {what}, so opsgate cannot show what it would change",
        next_step="Check the targets in the vendor console before approving, and tell the "
        "plugin's maintainers (the bot's log has this request's details).",
    )


def _unknown(vendor: str, what: str) -> UnknownOutcome:
    return UnknownOutcome(
        error="InternalError",
        message=f"the {vendor} {what}; the request's state is unknown",
        next_step=CHECK_VENDOR,
    )


def _log_wrong(vendor: str, method: str, value: Any, wanted: str) -> None:
    log.error("the %s plugin's %s returned %s, not %s", vendor, method, _kind(value), wanted)


def _type(error: BaseException) -> str:
    return type(error).__name__


def _kind(value: Any) -> str:
    """``None``, or ``a dict``: what a plugin answered, by type only (never its contents)."""
    return "None" if value is None else f"{_article(type(value).__name__)} {type(value).__name__}"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"
