"""Seeded random sequences of what people (and opsgate's own sweeps) do to requests, on the
lifecycle world (`lifecycle_world`), and the invariants that must hold after any of them.

A `Fuzz` drives one world with one `random.Random`: requests (ServicePower job cancels, one job
each, so every vendor call names its request; now and then an Alibaba bulk run of six calls),
clicks by the requester, the approvers and strangers (repeated, from the wrong card too), Stop
and Mark reviewed, break-glass runs, expiry sweeps with the clock moved on, start-up recovery,
reminders, policy reloads and approvers joining and leaving the group, status and history.
Each step is checked as it is taken (`lifecycle_invariants.check_step`), and status and
history are checked against the stored state; `lifecycle_invariants.check_world` checks the
end of a sequence.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aliyun_gate import bulk
from lease_owners import as_another_replica
from lifecycle_invariants import (
    Terms,
    check_slack,
    check_step,
    check_world,
    listed,
    may_approve,
    shown,
)
from lifecycle_world import ALICE, BOB, CAROL, CHANNEL, DAVE, LEADS, World

from bot.cards.request import STATE_TITLES
from bot.lifecycle import Origin
from bot.lifecycle.home import HomeTab
from bot.model import RequestRecord, RequestState
from bot.policy import Policy, parse_policy
from bot.store import ApprovalStatus
from commands.model import HistoryCommand, OperationRequest

EVE = "U0EVE"  # in no group and no list: a stranger to every policy
USERS = (ALICE, BOB, CAROL, DAVE, EVE)
#: 1,050 devices: six Alibaba calls of at most 200.
DEVICES = (*(f"thermo-{i:03d}" for i in range(1, 56)), *(f"meter-{i:04d}" for i in range(995)))
Action = Callable[[str, str | None], None]  # what `user` does, to a request (if there is one)
_APPROVERS = (("*",), (LEADS,), (BOB, CAROL), (LEADS, DAVE))


def random_policy(rng: random.Random) -> tuple[Policy, Terms]:
    """A valid policy (approvers, approvals 0-2, self-approval, break-glass, ttl) and its
    terms in its own words."""
    while True:
        terms = Terms(
            approvers=rng.choice(_APPROVERS),
            self_approval=rng.random() < 0.3,
            break_glass=rng.choice(((), (ALICE,))),
            approvals=rng.choice((0, 1, 1, 2)),
            requesters=rng.choice((("*",), ("*",), ("*",), (), (ALICE, BOB, CAROL, DAVE))),
            channels=rng.choice(((CHANNEL,),) * 4 + ((), ("C0OTHER",))),
        )
        table = {
            "approvers": list(terms.approvers),
            "approvals": terms.approvals,
            "self_approval": terms.self_approval,
            "ttl": f"{rng.choice((10, 30))}m",
            "break_glass": list(terms.break_glass),
            "requesters": list(terms.requesters),
            "channels": list(terms.channels),
        }
        try:
            return parse_policy(table), terms
        except ValueError:
            continue  # one that could never be approved: start-up refuses it


@dataclass
class Fuzz:
    """One world driven by one seed; `log` says what was done, for a failing seed's report."""

    world: World
    rng: random.Random
    terms: Terms = field(default_factory=lambda: Terms(("*",), False, ()))
    requests: list[str] = field(default_factory=list)
    jobs: dict[str, str] = field(default_factory=dict)  # job id -> request id
    log: list[str] = field(default_factory=list)
    _jobs_made: int = 0

    def step(self) -> None:
        """Do one random thing, and check the events it appended name who did it."""
        action, user = self.rng.choice(self.actions()), self.rng.choice(USERS)
        before = self.world.store.head().seq
        rid = self.pick()
        self.log.append(f"{action.__name__} {user} {rid}")
        try:
            action(user, rid)
            if self.world.service.s.runner is not None:  # in the background, as when serving
                assert self.world.runner.wait_idle(30)
            groups = self.world.service.s.directory.groups  # type: ignore[attr-defined]
            check_step(self.world, before, user, self.terms, groups)
        except AssertionError as failed:
            raise AssertionError(f"{failed!r} after: {'; '.join(self.log[-8:])}") from failed

    def check(self) -> None:
        """The invariants of the whole sequence."""
        check_world(self.world, self.requests, self.jobs)
        check_slack([self.world], self.requests)

    def actions(self) -> list[Action]:
        weighted: list[Action] = [self.submit] * 4 + [self.approve] * 6
        weighted += [self.reject, self.withdraw]
        weighted += [self.sweep, self.wait, self.recover, self.reload, self.regroup, self.read]
        return [
            *weighted,
            self.stop,
            self.review,
            self.elsewhere,
            self.bulk,
            self.crash,
            self.slack_down,
        ]

    def pick(self) -> str | None:
        """A request, mostly one still pending."""
        pending = [r for r in self.requests if self.state(r) is RequestState.PENDING]
        pool = pending if pending and self.rng.random() < 0.8 else self.requests
        return self.rng.choice(pool) if pool else None

    def state(self, rid: str) -> RequestState:
        record = self.world.store.get(rid)
        assert record is not None
        return record.state

    def submit(
        self, user: str, _rid: str | None, *, request: OperationRequest | None = None
    ) -> None:
        if request is None:
            self._jobs_made += 1
            job = f"JOB-{self._jobs_made:04d}"
            if self.rng.random() < 0.9:  # else the vendor refuses: no such job
                self.world.sim("servicepower").add_job(job)
            glass = "INC-1 fleet down" if self.rng.random() < 0.15 else None
            request = OperationRequest(
                operation="servicepower.job.cancel", vendor="servicepower", targets=(job,),
                reason="stale job", break_glass=glass, dry_run=self.rng.random() < 0.05,
            )  # fmt: skip
        known = set(self.requests)
        self.world.service.submit(request, self.world.origin(user), command_text="/ops …")
        if self.world.service.s.runner is not None:  # the preview and the card come later
            assert self.world.runner.wait_idle(30)
        made = [r.id for r in self.world.store.history(limit=5) if r.id not in known]
        self.requests += made
        if made and len(request.targets) == 1:
            self.jobs[request.targets[0]] = made[0]

    def bulk(self, user: str, rid: str | None) -> None:
        self.submit(user, rid, request=bulk(DEVICES))

    def slack_down(self, user: str, rid: str | None) -> None:
        """A request while Slack refuses the card (it ends denied) or does not answer at all
        (its card is posted by a later sweep)."""
        trouble = self.rng.choice(("refuse_posts", "unreachable"))
        setattr(self.world.slack, trouble, "not_in_channel" if trouble == "refuse_posts" else True)
        try:
            self.submit(user, rid)
        finally:
            setattr(self.world.slack, trouble, None if trouble == "refuse_posts" else False)

    def approve(self, user: str, rid: str | None) -> None:
        if rid is not None:
            self.world.service.approve(rid, self.world.on_card(rid, user))

    def reject(self, user: str, rid: str | None) -> None:
        if rid is not None:
            reason = self.rng.choice((None, "not now"))
            self.world.service.reject_with_reason(rid, self.world.on_card(rid, user), reason)

    def withdraw(self, user: str, rid: str | None) -> None:
        if rid is not None:
            self.world.service.withdraw(rid, self.world.on_card(rid, user))

    def stop(self, user: str, rid: str | None) -> None:
        if rid is not None:
            self.world.service.stop(rid, self.world.on_card(rid, user))

    def review(self, user: str, rid: str | None) -> None:
        if rid is not None:
            self.world.service.review(rid, self.world.on_card(rid, user))

    def elsewhere(self, user: str, rid: str | None) -> None:
        """A click from another card or channel: never counts."""
        if rid is not None:
            before = self.world.store.get(rid)
            origin = self.world.on_card(rid, user, channel="C0ELSE", ts="1.000001")
            self.rng.choice((self.world.service.approve, self.world.service.withdraw))(rid, origin)
            assert self.world.store.get(rid) == before

    def sweep(self, _user: str, _rid: str | None) -> None:
        self.world.clock.advance(self.rng.choice((0, 60, 6 * 60, 16 * 60, 31 * 60)))
        self.world.service.expire_due()
        self.world.service.remind()
        self.world.service.sweeps.post_cardless()

    def wait(self, _user: str, _rid: str | None) -> None:
        """Time passes with no sweep yet (serve sweeps once a minute): a click on a request
        now past its expiry is judged by the store's own deadline."""
        self.world.clock.advance(self.rng.choice((60, 16 * 60, 31 * 60)))

    def recover(self, _user: str, _rid: str | None) -> None:
        """A start-up recovery while no call is in flight marks nothing unknown."""
        assert self.world.service.recover() == 0

    def crash(self, user: str, rid: str | None) -> None:
        """`user`'s approval, if they may give it, counted by another replica that dies before
        its vendor call: once its lease lapses, recovery marks the request unknown, and the
        vendor is never called for it."""
        record = None if rid is None else self.world.store.get(rid)
        groups = self.world.service.s.directory.groups  # type: ignore[attr-defined]
        now = datetime.fromtimestamp(self.world.clock.now(), tz=UTC)
        if record is None or record.state is not RequestState.PENDING or record.expires_at <= now:
            return  # past its expiry the other replica's click would expire it, not count
        if not may_approve(user, record, self.terms, groups):
            return
        other = as_another_replica(self.world.store, self.world.clock)
        lapsed = {a for a in record.approvers if not may_approve(a, record, self.terms, groups)}
        counted = other.approve(record.id, approver=user, lapsed=lapsed)
        if counted.status is not ApprovalStatus.EXECUTE:
            return
        self.world.clock.advance(other.leases.duration.total_seconds() + 1)
        assert self.world.service.recover() == 1
        after = self.world.store.get(record.id)
        assert after is not None and after.state is RequestState.UNKNOWN

    def reload(self, _user: str, _rid: str | None) -> None:
        policy, self.terms = random_policy(self.rng)
        object.__setattr__(self.world.service.s, "policy", policy)

    def regroup(self, _user: str, _rid: str | None) -> None:
        members = {user for user in (ALICE, BOB, CAROL, DAVE) if self.rng.random() < 0.5}
        self.world.service.s.directory.groups[LEADS] = frozenset(members)  # type: ignore[attr-defined]

    def read(self, user: str, rid: str | None) -> None:
        """Status in the request's channel shows its state as stored; history lists it."""
        if rid is None:
            return
        origin = Origin(user=user, channel=CHANNEL, response_url="https://hooks.example/r")
        record = self.world.store.get(rid)
        assert record is not None
        text = shown(self.world.service.status(rid, origin))
        assert rid in text and record.state.value in text.lower(), (record.state, text)
        for event in self.world.store.events(request_id=rid):  # the timeline names who acted
            assert event.actor == "system" or f"<@{event.actor}>" in text, (event, text)
        listed = shown(self.world.service.history(HistoryCommand(limit=100), origin))
        assert rid in listed
        self.home(user)
        self.read_elsewhere(user, record)

    def read_elsewhere(self, user: str, record: RequestRecord) -> None:
        """Asked outside its channel, status and history show a request only to its requester
        and to those its own policy (else the current one) lets approve it (SPEC §8)."""
        terms = record.policy or self.terms
        groups = self.world.service.s.directory.groups  # type: ignore[attr-defined]
        may = user == record.requester or (
            terms.approvals > 0 and listed(user, terms.approvers, groups)
        )
        origin = Origin(user=user, channel="D0DM", response_url="https://hooks.example/d")
        status = shown(self.world.service.status(record.id, origin))
        assert (STATE_TITLES[record.state] in status) == may, (user, record.id, status)
        # README (known limitations): history finds what a user may approve through today's
        # policy, then applies the request's own.
        today = self.terms.approvals > 0 and listed(user, self.terms.approvers, groups)
        history = shown(self.world.service.history(HistoryCommand(limit=100), origin))
        found = user == record.requester or (may and today)
        assert (record.id in history) == found, (user, record.id, terms, groups, history[:300])

    def home(self, user: str) -> None:
        """App Home's "Waiting for you" lists exactly the pending requests with a card that
        `user` may approve and has not (or no longer validly) approved."""
        services = self.world.service.s
        tab = HomeTab(services, operation_ids=services.catalog.ids)
        groups = services.directory.groups  # type: ignore[attr-defined]
        now = datetime.fromtimestamp(self.world.clock.now(), tz=UTC)
        waiting = {r.id for r in tab.waiting_for(user) if r.expires_at > now}
        expected = set()
        for rid in self.requests:
            record = self.world.store.get(rid)
            assert record is not None
            if record.state is not RequestState.PENDING or record.message_ts is None:
                continue
            counted = set(record.approvers) - set(record.lapsed)
            if record.expires_at > now and user not in counted:
                expected.update([rid] if may_approve(user, record, self.terms, groups) else [])
        differ = [
            (r.id, r.requester, r.approvals_needed, r.approvers, r.lapsed, r.policy)
            for r in (self.world.store.get(rid) for rid in waiting ^ expected)
            if r is not None
        ]
        assert waiting == expected, (user, self.terms, groups, waiting, differ)
