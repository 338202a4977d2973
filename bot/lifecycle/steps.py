"""Workflow Builder steps (SPEC §10): a step opens a request, and completes when it ends.

A step (Slack's ``function_executed`` for ``opsgate_request``) is read by the grammar
(`commands.fields.request_from_parts`) and then goes through intake exactly as ``/ops`` does:
policy, preview, approval card. Inputs that are no valid request fail the step at once.

The step waits for its request in the database, not in this process: intake stores the request
with a link to the step's execution id (``workflow_steps``, in the same transaction, since the
`Origin` carries the step), and `WorkflowSteps`, subscribed to the store, completes the step when
the request ends, in whichever process ends it; of several, the one that claims the completion
first (`Store.claim_step`). A request that ends as it is made (refused by the policy) completes
its step at once, the same way; a step whose intake stored nothing fails at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Protocol

from bot.cards.steps import step_error, step_outputs, usage_failure
from bot.lifecycle.services import Origin, Services
from bot.model import RequestState, is_channel_id, is_user_id
from bot.observability.logs import log_context
from bot.store import Appended
from commands.catalog import Catalog
from commands.fields import request_from_parts
from commands.model import OperationRequest, UsageError
from commands.render import format_command
from commands.values import check_reason

log = logging.getLogger(__name__)

#: Opens a request as intake does, then calls its third argument once intake is done with it
#: (maybe later, on another thread: after the preview).
Submit = Callable[[OperationRequest, Origin, Callable[[], None]], None]


class StepPort(Protocol):
    """Completing Workflow Builder steps (``functions.completeSuccess`` / ``completeError``)."""

    def complete(self, execution_id: str, outputs: dict[str, str]) -> None:
        """The step succeeded with these outputs."""
        ...

    def fail(self, execution_id: str, error: str) -> None:
        """The step failed; `error` says why, in plain words."""
        ...


@dataclass(frozen=True)
class StepCall:
    """One execution of the ``opsgate_request`` step, as Slack handed it over.

    Attributes:
        execution_id: Slack's function execution id (``Fx…``).
        inputs: The step's inputs: ``operation``, ``targets``, ``reason``, ``channel``, and
            ``requester`` (the person who used the workflow, a user context or user id).
    """

    execution_id: str
    inputs: dict[str, Any] = field(default_factory=dict)


# Every refusal is recorded, and completes the step with its reason; this is what is left.
_NOTHING_OPENED = "opsgate opened no request; the requester was told why in the channel."

# Said of the step's own input, not as the slash command's "add --reason" (a step has no flags).
_REASON_NEEDED = "The step needs reason: why this is wanted (the policy asks for one)."


# Break-glass is the requester's own call, typed in an incident; a step asks for approval, and
# a --break-glass written into a workflow would skip it for whoever runs the workflow.
_NO_BREAK_GLASS = (
    "A workflow step cannot break glass: it asks for approval. In an incident, run "
    "/ops ... --break-glass yourself."
)


class WorkflowSteps:
    """Runs steps and completes them when their requests end. Subscribe it to the store."""

    def __init__(
        self, services: Services, *, port: StepPort, catalog: Catalog, submit: Submit
    ) -> None:
        self.s = services
        self._port = port
        self._catalog = catalog
        self._submit = submit

    def run(self, call: StepCall) -> None:
        """Open the step's request (on a worker); fail the step when that cannot be done."""
        problem, request, origin = self._read(call)
        if problem is not None or request is None or origin is None:
            self._port.fail(call.execution_id, problem or "opsgate could not read the step")
            return
        # From here the step's lines name what a slash command's name: operation and requester.
        step_origin = replace(origin, step=call.execution_id)
        with log_context(operation=request.operation, actor=origin.user):
            self._submit(request, step_origin, partial(self._opened, call))

    def _opened(self, call: StepCall) -> None:
        """Intake is done with the step's request: fail the step if it stored nothing."""
        if self.s.store.step_request(call.execution_id) is None:
            self._port.fail(call.execution_id, _NOTHING_OPENED)

    def __call__(self, appended: Appended) -> None:
        """Store observer: complete the step waiting for a request that has ended."""
        if appended.ended:
            self._complete(appended.event.request_id, appended.event.detail)

    def _complete(self, request_id: str, detail: dict[str, Any]) -> None:
        if self.s.store.step_waiting(request_id) is None:
            return  # most requests: no step waits (a cheap read, no write)
        execution_id = self.s.store.claim_step(request_id)
        record = self.s.store.get(request_id)
        if execution_id is None or record is None:
            return  # another process completed it
        if record.state is RequestState.SUCCEEDED:
            self._port.complete(execution_id, step_outputs(record))
        else:
            self._port.fail(execution_id, step_error(record, detail))

    def _read(self, call: StepCall) -> tuple[str | None, OperationRequest | None, Origin | None]:
        """The request and origin a step asks for, or what is wrong with its inputs."""
        inputs = call.inputs
        requester, channel = _requester(inputs.get("requester")), str(inputs.get("channel") or "")
        # Slack's own ids only (a user context, a channel picker): anything else is none at all.
        if not is_user_id(requester):
            return "The step needs requester: the person who used the workflow.", None, None
        if not is_channel_id(channel):
            return "The step needs channel: where the approval card goes.", None, None
        reason = str(inputs.get("reason") or "")
        try:
            request = request_from_parts(
                self._catalog,
                command=str(inputs.get("operation") or ""),
                targets=str(inputs.get("targets") or ""),
                reason=reason,
            )
        except UsageError as exc:
            if exc.field == "--reason" and (wrong := _wrong_reason(reason)):
                return wrong, None, None  # the step's own input, not a flag typed into operation
            usage = self._catalog.usage_under(exc, self.s.policy.usage_terms)
            return usage_failure(exc.message, usage), None, None
        if request.dry_run:
            return "A workflow step cannot be a dry run: it waits for a request to end.", None, None
        if request.break_glass is not None:
            return _NO_BREAK_GLASS, None, None
        if not request.reason and self.s.policy.needs_reason(request.operation, dry_run=False):
            return _REASON_NEEDED, None, None
        return None, request, Origin(user=requester, channel=channel)


def _wrong_reason(reason: str) -> str | None:
    """What is wrong with the step's reason input, named as that input; None when it is fine
    (a ``--reason`` typed into the operation input is then what was refused)."""
    if not reason.strip():
        return None
    try:
        check_reason(reason)
    except UsageError as exc:
        return "The step's reason" + exc.message.removeprefix("--reason")
    return None


def _requester(value: Any) -> str:
    """The user id in a ``slack#/types/user_context`` input (``{"id": "U…", …}``) or a plain
    user id."""
    if isinstance(value, dict):
        value = value.get("id")
    return str(value or "")


def intake_submit(service_submit: Callable[..., None], catalog: Catalog) -> Submit:
    """`Submit` over `RequestService.submit`, with the canonical command line for dry runs and
    the card."""

    def submit(request: OperationRequest, origin: Origin, then: Callable[[], None]) -> None:
        service_submit(request, origin, command_text=format_command(request, catalog), then=then)

    return submit
