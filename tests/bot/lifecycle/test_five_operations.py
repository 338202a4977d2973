"""Each of the five operations end to end through the lifecycle against its simulator: request,
preview on the card, approval by a teammate, one vendor call that changes the simulator's state,
the outcome on the card, and an audit trail with no secret in it."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from lifecycle_world import ALICE, BOB, World, open_request

from adapters.aliyun.simulator import sandbox as aliyun_sandbox
from adapters.base import Preview
from adapters.enos.simulator import api as enos
from adapters.huawei.simulator import state as huawei_state
from adapters.registry import installed_plugins
from adapters.servicepower.simulator import api as servicepower
from bot.model import AuditEventName, RequestState
from commands.parse import parse

SECRETS = (
    enos.SANDBOX_APP_SECRET,
    aliyun_sandbox.ACCESS_KEY_SECRET,
    huawei_state.SANDBOX_SECRET,
    servicepower.SANDBOX_CLIENT_SECRET,
)


def enos_job_gone(world: World) -> bool:
    return world.sim("enos").job(enos.SANDBOX_ORG_ID, enos.SANDBOX_STOPPED_JOB_ID) is None


def aliyun_tasks_cancelled(world: World) -> bool:
    tasks = [
        t
        for d in ("thermo-002", "thermo-003")
        for t in world.sim("aliyun").state.tasks(aliyun_sandbox.PRODUCT_KEY, d)
    ]
    return bool(tasks) and all(t.status == "CANCELED" for t in tasks)


def huawei_package_gone(world: World) -> bool:
    return "pkg-gw-sw-2.0.1" not in world.sim("huawei").state.packages


def huawei_device_gone(world: World) -> bool:
    return "dev-meter-0001" not in world.sim("huawei").state.devices


def servicepower_job_cancelled(world: World) -> bool:
    [cancelled] = world.sim("servicepower").cancelled
    return (cancelled.job.job_id, cancelled.reason_id, cancelled.reason_desc) == (
        "JOB-1002",
        3,
        "duplicate visit",
    )


CASES: list[tuple[str, str, Callable[[World], bool]]] = [
    (
        "enos",
        f"enos ota-job delete {enos.SANDBOX_STOPPED_JOB_ID} --org {enos.SANDBOX_ORG_ID} "
        '--reason "stale rollout"',
        enos_job_gone,
    ),
    (
        "aliyun",
        f"aliyun ota-task cancel thermo-002, thermo-003 --product {aliyun_sandbox.PRODUCT_KEY} "
        f'--firmware {aliyun_sandbox.FIRMWARE_ID} --reason "bad firmware"',
        aliyun_tasks_cancelled,
    ),
    ("huawei", 'huawei package delete pkg-gw-sw-2.0.1 --reason "superseded"', huawei_package_gone),
    ("huawei", 'huawei device delete dev-meter-0001 --reason "decommissioned"', huawei_device_gone),
    (
        "servicepower",
        'servicepower job cancel JOB-1002 --reason-id 3 --reason "duplicate visit"',
        servicepower_job_cancelled,
    ),
]


@pytest.mark.parametrize(
    ("vendor", "command", "effect"), CASES, ids=[c[1].split(" --")[0] for c in CASES]
)
def test_operation_end_to_end(
    world: World, vendor: str, command: str, effect: Callable[[World], bool]
) -> None:
    request = parse(command, installed_plugins().catalog)
    rid = open_request(world, request)  # type: ignore[arg-type]
    record = world.store.get(rid)
    assert record is not None and isinstance(record.preview, Preview)
    assert record.sandbox and record.vendor == vendor

    world.service.approve(rid, world.on_card(rid, BOB))

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.SUCCEEDED, record.outcome
    assert effect(world)
    card = world.slack.of("update")[-1].message
    assert "succeeded" in (card.text + json.dumps(card.blocks)).lower()
    events = list(world.store.events(request_id=rid))
    assert [e.event for e in events] == [
        AuditEventName.REQUESTED,
        AuditEventName.APPROVED,
        AuditEventName.EXECUTING,
        AuditEventName.SUCCEEDED,
    ]
    assert [e.actor for e in events[:3]] == [ALICE, BOB, BOB]
    trail = json.dumps([e.model_dump(mode="json") for e in events])
    trail += json.dumps(record.outcome.model_dump(mode="json") if record.outcome else None)
    sent_to_slack = json.dumps([(p.message.text, p.message.blocks) for p in world.slack.sent])
    for secret in SECRETS:
        assert secret not in trail and secret not in sent_to_slack
