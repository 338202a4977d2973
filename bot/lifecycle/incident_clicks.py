"""The buttons of a request that is running or has run: **Stop** and **Mark reviewed**.

Like every click (`bot.lifecycle.clicks`), each counts only from the request's own card, is
re-read from the store and re-checked against the policy at the moment of the click, and a
refused one is answered privately and recorded as ``denied``.

- Stop: the requester or an approver asks the run of a multi-call request to send no more
  calls. The request is stored as stopping, so the process running the calls sees it before its
  next call, whichever process took the click; the run then ends ``stopped``.
- Mark reviewed: someone who may approve the operation, other than the requester, reviews a
  break-glass run that has ended (``reviewed``). A run whose card Slack would not post is
  reviewed from App Home: the same checks, without a card to bind the click to.
"""

from __future__ import annotations

from typing import Any

from bot.lifecycle import incident_words
from bot.lifecycle.clicks import on_card, refuse_click
from bot.lifecycle.replies import Replies
from bot.lifecycle.services import Origin, Services
from bot.model import Refusal, RequestRecord, rules
from bot.policy.incident import check_review, check_stop


class IncidentClicks:
    """Stop and Mark reviewed. Every public method runs on a worker, after the ack."""

    def __init__(self, services: Services, replies: Replies) -> None:
        self.s = services
        self.replies = replies

    def stop(self, request_id: str, origin: Origin, *, in_tab: bool = False) -> None:
        """A Stop click: no more vendor calls for this run (those in flight finish); `in_tab`
        when it came from App Home, where a run without a card may be stopped too."""
        record = on_card(self.s, self.replies, request_id, origin, "stop", cardless=in_tab)
        if record is None:
            return
        if not rules.stoppable(record, calls=self.s.vendor_calls(record)):
            self._refuse(record, origin, "stop", incident_words.not_stoppable(record))
            return
        decision = check_stop(self.s.policy, record, user=origin.user, directory=self.s.directory)
        if decision.refusal is not None:
            self._refuse(record, origin, "stop", decision.refusal)
            return
        after = self.s.store.request_stop(record.id, by=origin.user)
        if after is None:  # it ended, or someone asked first, since we read it
            current = self.s.store.get(record.id) or record
            self._refuse(current, origin, "stop", incident_words.not_stoppable(current))
            return
        self.replies.refresh_card_soon(after)
        self.replies.notice(origin, incident_words.stopping(after))

    def review(self, request_id: str, origin: Origin, *, in_tab: bool = False) -> None:
        """A Mark reviewed click on a break-glass run that has ended; `in_tab` when it came
        from App Home, where a run without a card may be reviewed too."""
        record = on_card(self.s, self.replies, request_id, origin, "review", cardless=in_tab)
        if record is None:
            return
        if not rules.awaiting_review(record):
            self._refuse(record, origin, "review", incident_words.not_reviewable(record))
            return
        decision = check_review(self.s.policy, record, user=origin.user, directory=self.s.directory)
        if decision.refusal is not None:
            self._refuse(record, origin, "review", decision.refusal)
            return
        after = self.s.store.review(record.id, reviewer=origin.user, channel=origin.channel)
        if after is None:  # someone else reviewed it first
            current = self.s.store.get(record.id) or record
            self._refuse(current, origin, "review", incident_words.not_reviewable(current))
            return
        self.replies.refresh_card_soon(after)
        self.replies.notice(origin, incident_words.reviewed(after))

    def _refuse(
        self, record: RequestRecord, origin: Origin, action: str, refusal: Refusal, **evidence: Any
    ) -> None:
        refuse_click(self.s, self.replies, record, origin, action, refusal, **evidence)
