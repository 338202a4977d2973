"""A new request: policy, preview, verdict, store, approval card; or, for --dry-run, the preview
and the exact vendor request, with nothing stored and no card.

The preview's verdict decides what happens (SPEC §8): ``ok`` and ``warn`` post the card (a
``warn`` card shows its warnings first); ``blocked`` posts none unless the request says
``--force``: the requester sees the preview privately with the reason and the ``--force`` hint,
and ``system`` records it ``denied``. A preview that could not be made reads as ``warn``: an
unreachable vendor must not block an emergency request.
"""

from __future__ import annotations

from adapters.base import Adapter, Preview
from adapters.errors import AdapterError
from bot import cards
from bot.lifecycle import refusals
from bot.lifecycle.replies import Replies
from bot.lifecycle.services import Origin, Services
from bot.model import PreviewUnavailable, Refusal, RequestPreview
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
            self._refuse(request, origin, decision.refusal)
            return
        try:
            adapter = self.s.adapters.get(request.vendor)
        except AdapterError as exc:
            self.replies.answer(origin, cards.refusal_message(refusals.vendor_unavailable(exc)))
            return
        preview = _preview(adapter, request)
        if request.dry_run:
            self._dry_run(adapter, request, origin, preview, command_text)
        elif isinstance(preview, Preview) and preview.blocked is not None and not request.force:
            self._blocked(request, origin, preview, command_text)
        else:
            self._open(request, origin, preview)

    def _refuse(self, request: OperationRequest, origin: Origin, refusal: Refusal) -> None:
        """Answer privately; a real request's refusal is audited, a dry run's never is."""
        if not request.dry_run:
            reason = cards.plain(refusal)
            self.s.store.record_denied(
                request, requester=origin.user, channel=origin.channel, reason=reason
            )
        self.replies.answer(origin, cards.refusal_message(refusal))

    def _dry_run(
        self,
        adapter: Adapter,
        request: OperationRequest,
        origin: Origin,
        preview: RequestPreview,
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

    def _blocked(
        self, request: OperationRequest, origin: Origin, preview: Preview, command_text: str
    ) -> None:
        """No card: the requester sees why, privately; ``system`` records it denied."""
        record = self.s.store.record_denied(
            request,
            requester=origin.user,
            channel=origin.channel,
            reason=cards.plain(refusals.blocked(preview)),
            blocked=preview,
        )
        bind(request_id=record.id)
        self.replies.answer(origin, cards.blocked_message(record, command_text=command_text))

    def _open(self, request: OperationRequest, origin: Origin, preview: RequestPreview) -> None:
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


def _preview(adapter: Adapter, request: OperationRequest) -> RequestPreview:
    try:
        return adapter.preview(request)
    except AdapterError as exc:
        # An unreachable vendor must not block an emergency request: the card says so.
        code = getattr(exc, "code", None)
        return PreviewUnavailable(
            error=type(exc).__name__,
            message=exc.message,
            next_step=exc.next_step,
            code=None if code is None else str(code),
        )
