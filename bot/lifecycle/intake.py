"""A new request: policy, preview, verdict, store, approval card; or, for --dry-run, the preview
and the exact vendor request, with nothing stored and no card.

The preview's verdict decides what happens (SPEC §8): ``ok`` and ``warn`` post the card (a
``warn`` card shows its warnings first); ``blocked`` posts none unless the request says
``--force``: the requester sees the preview privately with the reason and the ``--force`` hint,
and ``system`` records it ``denied``. A preview that could not be made reads as ``warn``: an
unreachable vendor must not block an emergency request. A break-glass request
(`bot.lifecycle.breakglass`) runs whatever the verdict: the incident is its force, and its card
shows the verdict.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from adapters.base import Adapter, Preview
from adapters.errors import AdapterError
from bot import cards
from bot.lifecycle import notices, plugin_calls, refusals
from bot.lifecycle.breakglass import BreakGlass
from bot.lifecycle.card_post import CardUnsettled
from bot.lifecycle.posting import Posting
from bot.lifecycle.replies import Replies
from bot.lifecycle.services import Origin, Services
from bot.model import Refusal, RequestPreview
from bot.observability.logs import bind
from bot.policy.incident import check_break_glass
from bot.slack.port import SlackPostError
from bot.store import OverlapError
from commands.model import OperationRequest

log = logging.getLogger(__name__)


class Intake:
    """Turns a parsed request into a pending request with its card. Runs after the ack."""

    def __init__(
        self, services: Services, replies: Replies, posting: Posting, *, break_glass: BreakGlass
    ) -> None:
        self.s = services
        self.replies = replies
        self._posting = posting
        self._break_glass = break_glass

    def submit(
        self,
        request: OperationRequest,
        origin: Origin,
        *,
        command_text: str,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Check policy, preview, then post the approval card (or the dry run) for a request;
        a break-glass request by someone the policy lets runs at once instead. `then` is called
        once that is done, however it ended: with a runner, after the preview, on its pool."""
        handed_off = False
        try:
            handed_off = self._submit(request, origin, command_text, then)
        finally:
            if then is not None and not handed_off:
                then()

    def _submit(
        self,
        request: OperationRequest,
        origin: Origin,
        command_text: str,
        then: Callable[[], None] | None,
    ) -> bool:
        """`submit`; True when the preview and what follows were handed to the runner."""
        decision = self.s.policy.check_request(
            request, user=origin.user, channel=origin.channel, directory=self.s.directory
        )
        if decision.allowed and request.break_glass and not request.dry_run:
            decision = check_break_glass(
                self.s.policy, request, user=origin.user, directory=self.s.directory
            )
        if decision.refusal is not None:
            typed = command_text.strip()
            fixed = f"{typed} {decision.missing}" if decision.missing and typed else None
            self._refuse(request, origin, decision.refusal, copy=fixed)
            return False
        try:
            adapter = self.s.adapters.get(request.vendor)
        except AdapterError as exc:  # not configured: refused, and audited like any refusal
            self._refuse(request, origin, refusals.vendor_unavailable(exc))
            return False
        if not request.dry_run and self._held(request, origin):
            return False
        previewed = partial(self._previewed, adapter, request, origin, command_text)
        if self.s.runner is None:
            previewed()
            return False
        # A slow preview must not hold up others' cards, nor anyone's clicks: it goes on to the
        # preview pool, where one vendor's previews hold a few threads at most.
        job = self.replies.guarded(origin, _followed(previewed, then))
        self.s.runner.submit_preview(request.vendor, job)
        return True

    def _previewed(
        self, adapter: Adapter, request: OperationRequest, origin: Origin, command_text: str
    ) -> None:
        """Preview, then the dry run, the break-glass run, the refusal or the card."""
        preview = plugin_calls.previewed(adapter, request)
        if request.dry_run:
            self._dry_run(adapter, request, origin, preview, command_text)
        elif request.break_glass:
            self._run_break_glass(request, origin, preview)
        elif isinstance(preview, Preview) and preview.blocked is not None and not request.force:
            self._blocked(request, origin, preview, command_text)
        else:
            self._open(request, origin, preview, command_text)

    def _held(self, request: OperationRequest, origin: Origin) -> bool:
        """A quick look, before the preview, for an open request holding a target."""
        try:
            self.s.store.check_overlap(request.operation, request.targets)
        except OverlapError as exc:
            self._refuse(request, origin, refusals.held(exc.holder, exc.shared, asker=origin.user))
            return True
        return False

    def _refuse(
        self,
        request: OperationRequest,
        origin: Origin,
        refusal: Refusal,
        *,
        copy: str | None = None,
    ) -> None:
        """Answer privately; a real request's refusal is audited, a dry run's never is. `copy`
        is the command that would pass, offered to copy when it is short enough (the audit log
        keeps the refusal alone)."""
        if not request.dry_run:
            reason = cards.plain(refusal)
            self.s.store.record_denied(
                request,
                requester=origin.user,
                channel=origin.channel,
                reason=reason,
                step=origin.step,
            )
        self.replies.answer(origin, cards.refusal_message(refusals.with_copy(refusal, copy)))

    def _dry_run(
        self,
        adapter: Adapter,
        request: OperationRequest,
        origin: Origin,
        preview: RequestPreview,
        command_text: str,
    ) -> None:
        try:
            settings = self.s.adapters.settings.get(request.vendor)
            calls = plugin_calls.described(adapter, request, settings=settings)
        except AdapterError as exc:
            self.replies.answer(origin, cards.refusal_message(refusals.vendor_unavailable(exc)))
            return
        sandbox = self.s.adapters.is_sandboxed(request.vendor)
        message = cards.dry_run_message(
            request,
            preview=preview,
            calls=calls,
            sandbox=sandbox,
            command_text=command_text,
            break_glass_refusal=self._real_glass(request, origin),
            held_refusal=self._real_held(request, origin),
        )
        self.replies.answer(origin, message)

    def _real_held(self, request: OperationRequest, origin: Origin) -> Refusal | None:
        """Why the real request of a dry run would be refused now because an open request
        holds one of its targets (`_held`'s answer), or None."""
        try:
            self.s.store.check_overlap(request.operation, request.targets)
        except OverlapError as exc:
            return refusals.held(exc.holder, exc.shared, asker=origin.user)
        return None

    def _real_glass(self, request: OperationRequest, origin: Origin) -> Refusal | None:
        """Why the real request of a dry run with ``--break-glass`` would be refused (the
        policy as for a real one: a reason too), or None when it would run at once."""
        if request.break_glass is None:
            return None
        real, policy = request.model_copy(update={"dry_run": False}), self.s.policy
        decision = policy.check_request(
            real, user=origin.user, channel=origin.channel, directory=self.s.directory
        )
        if decision.allowed:
            decision = check_break_glass(policy, real, user=origin.user, directory=self.s.directory)
        return decision.refusal

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
            sandbox=self.s.adapters.is_sandboxed(request.vendor),
            step=origin.step,
        )
        bind(request_id=record.id)
        blocked = cards.blocked_message(
            record, command_text=command_text, dropped=request.duplicates
        )
        self.replies.answer(origin, blocked)

    def _run_break_glass(
        self, request: OperationRequest, origin: Origin, preview: RequestPreview
    ) -> None:
        # Asked again after the preview, which may have taken seconds: someone taken out of
        # the break_glass group meanwhile (Slack said so) does not run it.
        again = check_break_glass(
            self.s.policy, request, user=origin.user, directory=self.s.directory
        )
        if again.refusal is not None:
            self._refuse(request, origin, again.refusal)
            return
        try:
            self._break_glass.run(request, origin, preview)
        except OverlapError as exc:
            self._refuse(request, origin, refusals.held(exc.holder, exc.shared, asker=origin.user))

    def _open(
        self, request: OperationRequest, origin: Origin, preview: RequestPreview, command: str
    ) -> None:
        rules = self.s.policy.for_operation(request.operation)
        try:
            # `exclusive`: the overlap rule again, inside the creating transaction (race-free).
            record = self.s.store.create_request(
                request,
                requester=origin.user,
                channel=origin.channel,
                policy=rules,
                sandbox=self.s.adapters.is_sandboxed(request.vendor),
                preview=preview,
                exclusive=True,
                step=origin.step,
            )
        except OverlapError as exc:
            self._refuse(request, origin, refusals.held(exc.holder, exc.shared, asker=origin.user))
            return
        bind(request_id=record.id)  # log lines from here on name the request
        try:
            if not self._posting.post(record, group_dm=origin.group_dm):
                return  # ended meanwhile (by a sweep, which told the requester)
        except CardUnsettled as exc:
            notice = notices.card_unsettled(record, exc.error, exc.looked)
            self.replies.answer(origin, cards.notice_message(notice))
            return
        except SlackPostError as exc:
            refusal = refusals.card_not_posted(
                record,
                exc.error,
                command=command,
                unreachable=exc.unreachable,
                group_dm=origin.group_dm,
            )
            self.replies.answer(origin, cards.refusal_message(refusal))
            return
        posted = notices.posted(record, dropped=request.duplicates)
        self.replies.answer(origin, cards.notice_message(posted))


def _followed(job: Callable[[], None], then: Callable[[], None] | None) -> Callable[[], None]:
    """`job`, then `then` (if any) however `job` ended."""

    def both() -> None:
        try:
            job()
        finally:
            if then is not None:
                then()

    return both
