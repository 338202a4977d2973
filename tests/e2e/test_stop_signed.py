"""Stop through signed HTTP, in real time (SPEC §8): a 1,050-device Alibaba cancel against the
simulator (which enforces the account's 10 calls/s), each call taking the vendor 300 ms, is still
running when a signed Stop click from its card arrives; the simulator never receives the calls
not yet sent, and the request ends `stopped` with counts that add up."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import httpx
from pydantic import SecretStr
from served_app import Served, served_opsgate

from adapters.aliyun.adapter import AliyunAdapter
from adapters.aliyun.plugin import PLUGIN as ALIYUN
from adapters.aliyun.settings import AliyunSettings
from adapters.aliyun.simulator import sandbox as sbx
from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.plugin import Sandbox
from adapters.registry import Plugins, installed_plugins
from bot import cards
from bot.model import AuditEventName, RequestState

ALICE, BOB = "U0ALICE", "U0BOB"
CANCEL = "CancelOTATaskByDevice"
#: How long the vendor takes to answer each cancel: six calls, one at a time, take 1.8 s.
LATENCY = 0.3
COMMAND = (
    "aliyun ota-task cancel thermo-{0001..1050} --product a1OpsThermo "
    "--firmware fw-thermo-2.1.0 --reason bad rollout"
)


def slow_sandbox(clock: Clock = SYSTEM_CLOCK) -> Sandbox:
    """The Alibaba sandbox, its cancels answered after `LATENCY`, sent one at a time."""
    simulator = sbx.seeded(clock=clock)
    settings = AliyunSettings(
        endpoint=sbx.ENDPOINT,
        region_id=sbx.REGION_ID,
        access_key_id=sbx.ACCESS_KEY_ID,
        access_key_secret=SecretStr(sbx.ACCESS_KEY_SECRET),
        iot_instance_id=sbx.INSTANCE_ID,
    )

    def vendor(request: httpx.Request) -> httpx.Response:
        if f"Action={CANCEL}" in str(request.url):
            time.sleep(LATENCY)
        return simulator.handle(request)

    client = httpx.Client(transport=httpx.MockTransport(vendor))
    adapter = AliyunAdapter(config=settings, client=client, clock=clock, sandbox=True, workers=1)
    return Sandbox(adapter=adapter, simulator=simulator)


def plugins() -> Plugins:
    others = [p for name, p in installed_plugins().by_name.items() if name != "aliyun"]
    return Plugins.of(dataclasses.replace(ALIYUN, sandbox=slow_sandbox), *others)


def cancels(served: Served) -> list[dict[str, str]]:
    return served.opsgate.adapters.simulators["aliyun"].accepted_calls(CANCEL)  # type: ignore[attr-defined,no-any-return]


def wait_until(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_signed_stop_reaches_a_run_in_progress(tmp_path: Path) -> None:
    policy = '[policy]\nchannels = ["C0OPS"]\napprovers = ["S0OPSLEADS"]\n'
    with served_opsgate(tmp_path, policy=policy, plugins=plugins()) as served:
        served.slash(COMMAND, user=ALICE)
        rid = served.card_request_id()
        served.click(cards.APPROVE_ACTION, rid, user=BOB)
        wait_until(lambda: len(cancels(served)) >= 1)  # running, and paced

        assert served.click(cards.STOP_ACTION, rid, user=ALICE).status_code == 200
        wait_until(lambda: served.opsgate.store.get(rid).state is not RequestState.EXECUTING)  # type: ignore[union-attr]
        assert served.opsgate.runner.wait_idle(10)

        record = served.opsgate.store.get(rid)
        assert record is not None and record.state is RequestState.STOPPED
        outcome = record.outcome.model_dump(mode="json")  # type: ignore[union-attr]
        counts = outcome["counts"]
        assert sum(counts.values()) == 1050 and counts["not_sent"] > 0
        sent = {v for c in cancels(served) for k, v in c.items() if k.startswith("DeviceName.")}
        unsent = {t for f in outcome["failures"] if f["kind"] == "not_sent" for t in f["targets"]}
        assert len(unsent) == counts["not_sent"] and not unsent & sent
        assert len(sent) == 1050 - counts["not_sent"]

        [*_, stopped] = served.opsgate.store.events(request_id=rid)
        assert (stopped.event, stopped.actor) == (AuditEventName.STOPPED, ALICE)
        card = served.slack.message("C0OPS", str(record.message_ts))
        assert card is not None and "Stopped by <@U0ALICE>" in json.dumps(card["blocks"])
        assert served.opsgate.store.verify().ok
