"""Preview verdicts in the lifecycle (SPEC §8, issue 7 #3 and #7): a blocked request gets no
card unless --force; a forced card says so loudly; warn cards show their warnings first; a dry
run needs no reason and writes no audit event."""

from __future__ import annotations

import pytest
from lifecycle_world import ALICE, BOB, CHANNEL, World

from adapters.aliyun.simulator import sandbox as aliyun
from adapters.base import Preview, Verdict
from adapters.enos.simulator import api as enos
from adapters.registry import installed_plugins
from bot.cards import Message, status_message
from bot.model import AuditEventName, ClosedOutcome, FailedOutcome, RequestState
from bot.model.outcomes import NOT_FOUND_ERROR
from commands.model import OperationRequest
from commands.parse import parse

ORG = enos.SANDBOX_ORG_ID
ALIYUN = f"--product {aliyun.PRODUCT_KEY} --firmware {aliyun.FIRMWARE_ID}"
#: Each case the preview knows the vendor will refuse, through the sandbox's simulators.
BLOCKED = {
    "running EnOS job": (f"enos ota-job delete {enos.SANDBOX_RUNNING_JOB_ID} --org {ORG}", "24618"),
    "missing EnOS job": (f"enos ota-job delete otajob-nope --org {ORG}", "24404"),
    "mistyped EnOS org": (
        f"enos ota-job delete {enos.SANDBOX_STOPPED_JOB_ID} --org o1572426842484",
        "24404",
    ),
    "unauthorized Huawei app": (
        "huawei device delete stranger-dev-0001 --app stranger-app",
        "100217",
    ),
    "missing Huawei device": ("huawei device delete dev-nope-0001", "100403"),
    "missing Huawei package": ("huawei package delete pkg-nope", "123002"),
    "unknown Alibaba firmware": (
        f"aliyun ota-task cancel thermo-001 --product {aliyun.PRODUCT_KEY} --firmware fw-nope",
        "iot.ota.FirmwareNotExist",
    ),
}


def request_of(command: str) -> OperationRequest:
    parsed = parse(command, installed_plugins().catalog)
    assert isinstance(parsed, OperationRequest)
    return parsed


def submit(world: World, command: str, *, user: str = ALICE) -> None:
    world.service.submit(request_of(command), world.origin(user), command_text=f"/ops {command}")


def shown(message: Message) -> str:
    """The notification text and every text of the blocks, as Slack receives them."""
    return "\n".join([message.text, *texts(message.blocks)])


def texts(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if isinstance(node.get("text"), str) else []
        return own + [t for value in node.values() for t in texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in texts(item)]
    return []


def sections(message: Message) -> list[str]:
    return [b["text"]["text"] for b in message.blocks if b["type"] == "section" and "text" in b]


def answers_to(world: World, user: str) -> list[str]:
    return [shown(p.message) for p in world.slack.sent if p.kind == "respond" and user in p.target]


@pytest.mark.parametrize(("command", "code"), BLOCKED.values(), ids=list(BLOCKED))
def test_a_blocked_preview_posts_no_card_and_system_denies_it(
    world: World, command: str, code: str
) -> None:
    command += ' --reason "cleanup"'
    submit(world, command)

    assert not world.slack.of("post")  # no approval card
    [record] = world.store.history()
    assert record.state is RequestState.DENIED
    assert isinstance(record.preview, Preview) and record.preview.verdict is Verdict.BLOCKED
    assert isinstance(record.outcome, ClosedOutcome) and record.outcome.by == "system"
    [event] = world.store.events(request_id=record.id)
    assert (event.event, event.actor) == (AuditEventName.DENIED, "system")
    assert event.detail["code"] == code and event.detail["verdict"] == "blocked"
    assert "the vendor will refuse" in event.detail["reason"]
    [answer] = answers_to(world, ALICE)
    assert code in answer and "Not posted" in answer
    assert f"```/ops {command} --force```" in answer  # the command to copy, --force appended


def test_force_posts_a_loud_card_that_can_run(world: World) -> None:
    submit(world, f"enos ota-job delete otajob-nope --org {ORG} --reason stale --force")

    [card] = world.slack.of("post")
    assert card.target == CHANNEL
    assert card.message.blocks[0]["text"]["text"].startswith(":rotating_light: FORCED:")
    first = sections(card.message)[0]
    assert first.startswith(":rotating_light: *The preview says the vendor will refuse:*")
    assert "vendor code `24404`" in first and f"*Forced by <@{ALICE}>*" in first
    [record] = world.store.history()
    assert record.state is RequestState.PENDING
    [event] = world.store.events(request_id=record.id)
    assert event.event is AuditEventName.REQUESTED
    assert event.detail["preview"]["verdict"] == "blocked"

    # It runs as approved; EnOS answers 24404 again. After a preview that found nothing, that
    # is no "already gone" (only a 404 after a successful preview is): nothing was deleted.
    world.service.approve(record.id, world.on_card(record.id, BOB))
    ended = world.store.get(record.id)
    assert ended is not None and ended.state is RequestState.FAILED
    assert isinstance(ended.outcome, FailedOutcome) and ended.outcome.error == NOT_FOUND_ERROR
    assert "no preview had found it before: nothing was deleted" in ended.outcome.message


def test_a_warn_card_shows_its_warnings_before_the_preview(world: World) -> None:
    submit(world, 'huawei device delete gw-0001 --reason "decommissioned"')

    [card] = world.slack.of("post")
    parts = sections(card.message)
    warn_at = next(i for i, t in enumerate(parts) if ":warning:" in t)
    preview_at = next(i for i, t in enumerate(parts) if t.startswith("*Preview:*"))
    assert warn_at < preview_at and "child devices" in parts[warn_at]
    assert "`--no-cascade`" in parts[warn_at]  # copyable, not escaped


def test_an_ok_card_shows_no_warning(world: World) -> None:
    submit(world, 'huawei device delete dev-meter-0001 --reason "decommissioned"')
    [card] = world.slack.of("post")
    assert ":warning:" not in shown(card.message)
    assert "FORCED" not in shown(card.message)


def test_a_dry_run_needs_no_reason_and_writes_nothing(world: World) -> None:
    submit(world, f"enos ota-job delete {enos.SANDBOX_RUNNING_JOB_ID} --org {ORG} --dry-run")

    assert world.store.history() == [] and list(world.store.events()) == []
    assert not world.slack.of("post")
    [answer] = answers_to(world, ALICE)
    assert "Dry run: enos.ota-job.delete" in answer and "needs a reason" not in answer
    assert "*Verdict: blocked*" in answer and "24618" in answer
    assert "add `--force` to post one anyway" in answer


def test_a_forced_dry_run_of_a_blocked_request_says_a_forced_card_would_be_posted(
    world: World,
) -> None:
    submit(
        world, f"enos ota-job delete {enos.SANDBOX_RUNNING_JOB_ID} --org {ORG} --dry-run --force"
    )
    [answer] = answers_to(world, ALICE)
    assert "*Verdict: blocked*" in answer
    assert "With `--force`, a real request posts an approval card marked FORCED anyway." in answer
    assert "add `--force`" not in answer


def test_a_dry_run_the_user_may_not_request_is_refused_privately_not_audited(
    world_factory,  # type: ignore[no-untyped-def]
) -> None:
    world = world_factory('[policy]\nrequesters = ["S0OPSLEADS"]\napprovers = ["*"]\n')
    submit(world, "huawei package delete pkg-meter-fw-1.2.0 --dry-run")

    assert world.store.history() == [] and list(world.store.events()) == []
    [answer] = answers_to(world, ALICE)
    assert "You may not request" in answer


def test_the_status_of_a_blocked_request_says_why_with_the_code(world: World) -> None:
    submit(world, f'enos ota-job delete {enos.SANDBOX_RUNNING_JOB_ID} --org {ORG} --reason "x"')
    [record] = world.store.history()
    events = list(world.store.events(request_id=record.id))

    status = shown(
        status_message(record, events, approvers=world.policy.approvers(record.operation))
    )

    assert (
        ":no_entry: *Denied before any card:* the preview says the vendor will refuse: the job "
        "is running: EnOS refuses to delete a running OTA job (vendor code `24618`)"
    ) in status
    assert "FORCED" not in status  # only a card posted with --force says so


def test_blocked_and_forced_requests_verify_against_the_chain(world: World) -> None:
    submit(world, f'enos ota-job delete otajob-nope --org {ORG} --reason "x"')
    submit(world, f'enos ota-job delete otajob-nope --org {ORG} --reason "x" --force')
    forced = next(r for r in world.store.history() if r.state is RequestState.PENDING)
    world.service.approve(forced.id, world.on_card(forced.id, BOB))

    assert world.store.verify().ok


def test_a_delete_found_gone_after_a_preview_that_found_it_is_already_gone(world: World) -> None:
    job = enos.SANDBOX_STOPPED_JOB_ID
    submit(world, f"enos ota-job delete {job} --org {ORG} --reason stale")
    [record] = world.store.history()
    world.sim("enos").remove_job(ORG, job)  # deleted by someone else, after the preview
    world.service.approve(record.id, world.on_card(record.id, BOB))
    ended = world.store.get(record.id)
    assert ended is not None and ended.state is RequestState.SUCCEEDED
    assert "already gone" in ended.outcome.summary  # type: ignore[union-attr]


def test_the_answer_to_a_request_a_simulated_vendor_blocked_says_sandbox(world: World) -> None:
    """README "Settings": what a simulated vendor says is marked SANDBOX; the private "Not
    posted" answer must not read as the real vendor's refusal."""
    submit(world, f"enos ota-job delete {enos.SANDBOX_RUNNING_JOB_ID} --org {ORG} --reason x")

    [answer] = answers_to(world, ALICE)
    assert "Not posted" in answer and "*SANDBOX*: the vendor is simulated" in answer
    assert world.store.verify().ok
