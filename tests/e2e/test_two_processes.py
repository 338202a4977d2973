"""Two opsgate processes sharing one database: every request calls its vendor exactly once.

ServicePower is the vendor here because its JWTs do not invalidate each other; two processes
logging in to Huawei would (its platform keeps only the newest token), which is about tokens,
not about exactly-once.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

from adapters.servicepower import plugin as servicepower
from bot.model import AuditEventName, RequestState
from bot.policy import OperationPolicy
from bot.store import Store
from commands.model import OperationRequest

JOBS = ("JOB-1001", "JOB-1002", "JOB-1003")

CHILD = textwrap.dedent("""
    import json, sys, threading, time
    from pathlib import Path
    import httpx
    from pydantic import SecretStr
    from adapters.clock import SYSTEM_CLOCK
    from adapters.servicepower.settings import ServicePowerSettings
    from adapters.servicepower.adapter import ServicePowerAdapter
    from adapters.registry import Adapters, installed_plugins
    from adapters.servicepower.simulator.api import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
    from bot.lifecycle import Origin, RequestService, Services
    from bot.policy import parse_policy
    from bot.store import Store

    db, base_url, go, name = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4]
    request_ids = sys.argv[5:]

    class QuietSlack:
        def post(self, channel, message): return "1.0"
        def update(self, channel, ts, message): pass
        def ephemeral(self, channel, user, message): pass
        def respond(self, url, message): pass

    class Nobody:
        def members(self, group): return frozenset()
        def outsider(self, user): return False

    config = ServicePowerSettings(base_url=base_url, client_id=SANDBOX_CLIENT_ID,
                                client_secret=SecretStr(SANDBOX_CLIENT_SECRET))
    adapter = ServicePowerAdapter(config=config, client=httpx.Client(timeout=10), sandbox=True)
    store = Store.open(db)
    service = RequestService(Services(
        store=store, policy=parse_policy({"approvers": ["*"], "channels": ["*"]}),
        adapters=Adapters(by_vendor={"servicepower": adapter}), slack=QuietSlack(),
        directory=Nobody(), clock=SYSTEM_CLOCK, catalog=installed_plugins().catalog))
    (go.parent / f"ready-{name}").touch()  # at the starting line
    while not go.exists():
        time.sleep(0.005)
    def click(rid, user):
        service.approve(rid, Origin(user=user, channel="C0OPS", message_ts="1.0"))
    threads = [threading.Thread(target=click, args=(rid, f"U0{name}{i}"))
               for rid in request_ids for i in range(4)]
    for t in threads: t.start()
    for t in threads: t.join()
    store.close()
    print(json.dumps({"done": name}))
""")


def test_two_processes_never_execute_a_request_twice(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    store = Store.open(db)
    ids = []
    for job in JOBS:
        request = OperationRequest(
            operation="servicepower.job.cancel",
            vendor="servicepower",
            targets=(job,),
            reason="two processes",
        )
        record = store.create_request(
            request,
            requester="U0ALICE",
            channel="C0OPS",
            policy=OperationPolicy(approvals=1, ttl=timedelta(minutes=30)),
            sandbox=False,  # the children call the served simulator as the real vendor
        )
        store.set_message(record.id, channel="C0OPS", ts="1.0")
        ids.append(record.id)
    store.close()
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    go = tmp_path / "go"
    simulator = servicepower.sandboxed().simulator
    with simulator.serve() as base_url:
        children = [
            subprocess.Popen(
                [sys.executable, str(script), str(db), base_url, str(go), name, *ids],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name in ("A", "B")
        ]
        deadline = time.monotonic() + 30
        while not all((tmp_path / f"ready-{n}").exists() for n in ("A", "B")):
            assert time.monotonic() < deadline, "a child process never got ready"
            time.sleep(0.005)
        go.touch()  # both are at the starting line: release them together
        outputs = [child.communicate(timeout=60) for child in children]
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        assert json.loads(out.strip().splitlines()[-1])["done"] in {"A", "B"}

    cancels = [json.loads(r.content)["Id"] for r in simulator.requests_to("/CancelJob")]
    assert sorted(cancels) == sorted(JOBS)  # one call per request, none twice
    store = Store.open(db)
    for rid in ids:
        record = store.get(rid)
        assert record is not None and record.state is RequestState.SUCCEEDED
        names = [e.event for e in store.events(request_id=rid)]
        assert names.count(AuditEventName.EXECUTING) == 1
        assert names.count(AuditEventName.SUCCEEDED) == 1
        assert names.count(AuditEventName.APPROVED) == 1
    assert store.verify().ok
    store.close()
