"""A new request: policy, preview, store, approval card; or, for --dry-run, the preview and the
exact vendor request, with nothing stored and no card."""

from __future__ import annotations

from typing import Any

from adapters.base import Adapter
from adapters.errors import AdapterError
from bot import cards
from bot.lifecycle import refusals
from bot.lifecycle.replies import Replies
from bot.lifecycle.services import Origin, Services
from bot.observability.logs import bind
from bot.slack.port import SlackPostError
from commands.model import OperationRequest


class Intake:
    """Turns a parsed request into a pending request with its card. Runs after the ack."""

    def __init__(self, services: Services, replies: Replies) -> None:
        self.s = services
        self.replies = replies

    def submit(self, request: OperationRequest, origin: Origin, *, command_text: str) -> None:
        """Check policy, preview, then post the approval card (or the dry run) for a request."""
        decision = self.s.policy.check_request(
            request, user=origin.user, channel=origin.channel, directory=self.s.directory
        )
        if decision.refusal is not None:
            reason = cards.plain(decision.refusal)
            self.s.store.record_denied(
                request, requester=origin.user, channel=origin.channel, reason=reason
            )
            self.replies.answer(origin, cards.refusal_message(decision.refusal))
            return
        try:
            adapter = self.s.adapters.get(request.vendor)
        except AdapterError as exc:
            self.replies.answer(origin, cards.refusal_message(refusals.vendor_unavailable(exc)))
            return
        preview = _preview(adapter, request)
        if request.dry_run:
            self._dry_run(adapter, request, origin, preview, command_text)
        else:
            self._open(request, origin, preview)

    def _dry_run(
        self,
        adapter: Adapter,
        request: OperationRequest,
        origin: Origin,
        preview: dict[str, Any],
        command_text: str,
    ) -> None:
        try:
            calls = adapter.describe(request)
        except AdapterError as exc:
            self.replies.answer(origin, cards.refusal_message(refusals.vendor_unavailable(exc)))
            return
        sandbox = self.s.adapters.is_sandboxed(request.vendor)
        message = cards.dry_run_message(
            request, preview=preview, calls=calls, sandbox=sandbox, command_text=command_text
        )
        self.replies.answer(origin, message)

    def _open(self, request: OperationRequest, origin: Origin, preview: dict[str, Any]) -> None:
        rules = self.s.policy.for_operation(request.operation)
        record = self.s.store.create_request(
            request,
            requester=origin.user,
            channel=origin.channel,
            policy=rules,
            sandbox=self.s.adapters.is_sandboxed(request.vendor),
            preview=preview,
        )
        bind(request_id=record.id)  # log lines from here on name the request
        try:
            ts = self.s.slack.post(origin.channel, self.replies.card(record))
        except SlackPostError as exc:
            refusal = refusals.card_not_posted(record, exc.error)
            self.replies.answer(origin, cards.refusal_message(refusal))
            return
        self.s.store.set_message(record.id, channel=origin.channel, ts=ts)
        self.replies.answer(origin, cards.notice_message(refusals.posted(record)))


def _preview(adapter: Adapter, request: OperationRequest) -> dict[str, Any]:
    try:
        return adapter.preview(request).model_dump(mode="json")
    except AdapterError as exc:
        # An unreachable vendor must not block an emergency request: the card says so.
        return exc.detail()
