"""A request this replica has just moved to `executing` is its own call from that moment: its
lease is renewed and recovery leaves it alone, also while Slack is slow to take what is said
before the call goes out (README "Running replicas"). Otherwise a sweep could mark `unknown`
("the replica stopped mid-call") a call about to be sent, freeing its targets for another
request while it runs."""

from __future__ import annotations

from collections.abc import Callable

from lifecycle_world import ALICE, BOB, FakeSlack, World, deletes, open_request, package_request

from bot.cards import Message
from bot.model import AuditEventName, RequestState

POLICY = f"""
[policy]
approvers = ["U0BOB"]
break_glass = ["{ALICE}"]
channels = ["C0OPS"]
"""
PACKAGE = "/iodm/northbound/v1.5.0/category/pkg-meter-fw-1.2.0"


class SlowSlack(FakeSlack):
    """Slack that takes longer than a lease to take the first private answer, card update or
    post; while it does, the replica's sweeper recovers lost calls (`during`)."""

    during: Callable[[], None] | None = None

    def _slowly(self) -> None:
        during, self.during = self.during, None
        if during is not None:
            during()

    def respond(self, response_url: str, message: Message) -> None:
        self._slowly()
        super().respond(response_url, message)

    def update(self, channel: str, ts: str, message: Message) -> None:
        self._slowly()
        super().update(channel, ts, message)


def _sweep_after_the_lease(world: World, recovered: list[str]) -> Callable[[], None]:
    def sweep() -> None:
        world.clock.advance(world.store.leases.duration.total_seconds() + 1)
        recovered.extend(record.id for record in world.store.recover_executing())

    return sweep


def _events(world: World, request_id: str) -> list[str]:
    return [event.event.value for event in world.store.events(request_id=request_id)]


def test_a_break_glass_run_is_not_recovered_while_its_requester_is_answered(
    world_factory: Callable[..., World],
) -> None:
    slack = SlowSlack()
    world = world_factory(POLICY, slack=slack)
    recovered: list[str] = []
    slack.during = _sweep_after_the_lease(world, recovered)

    world.service.submit(
        package_request().model_copy(update={"break_glass": "INC-7 fleet down"}),
        world.origin(ALICE),
        command_text="/ops …",
    )

    assert recovered == []
    (record,) = world.store.history(requester=ALICE, limit=1)
    assert record.state is RequestState.SUCCEEDED
    assert AuditEventName.UNKNOWN.value not in _events(world, record.id)
    assert deletes(world, PACKAGE) == 1


def test_an_approved_call_is_not_recovered_while_its_card_is_redrawn(
    world_factory: Callable[..., World],
) -> None:
    slack = SlowSlack()
    world = world_factory(POLICY, slack=slack)
    request_id = open_request(world)
    recovered: list[str] = []
    slack.during = _sweep_after_the_lease(world, recovered)

    world.service.approve(request_id, world.on_card(request_id, BOB))

    assert recovered == []
    record = world.store.get(request_id)
    assert record is not None and record.state is RequestState.SUCCEEDED
    assert AuditEventName.UNKNOWN.value not in _events(world, request_id)
    assert deletes(world, PACKAGE) == 1
