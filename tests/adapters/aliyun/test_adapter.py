"""AliyunAdapter against the simulator: batching, pacing, partial failure, errors, preview."""

from __future__ import annotations

import contextlib
import logging
import re

import httpx
import pytest
from aliyun_requests import sandbox_cancel
from json_log import json_lines
from pydantic import SecretStr

from adapters.aliyun.adapter import AliyunAdapter, from_config
from adapters.aliyun.bulk import failure
from adapters.aliyun.errors import for_the_cancel
from adapters.aliyun.plugin import sandboxed
from adapters.aliyun.preview import CANCELLABLE
from adapters.aliyun.rpc import shared_limiter
from adapters.aliyun.settings import AliyunSettings
from adapters.aliyun.simulator import sandbox as sbx
from adapters.aliyun.simulator.api import AliyunSimulator
from adapters.base import Counts, FailureKind, Progress, Verdict
from adapters.clock import FakeClock
from adapters.errors import (
    AdapterError,
    NotConfigured,
    OutcomeUnknown,
    VendorAuthError,
    VendorError,
    VendorThrottled,
)
from adapters.simulator import Fault
from bot.observability.logs import fresh_log_context, log_context

CONFIG = sbx.SETTINGS
CANCEL = "CancelOTATaskByDevice"


def _devices(n: int) -> tuple[str, ...]:
    return tuple(f"dev-{i:05d}" for i in range(n))


def _adapter(
    sim: AliyunSimulator, clock: FakeClock, *, workers: int = 1, config: AliyunSettings = CONFIG
) -> AliyunAdapter:
    client = httpx.Client(transport=sim.transport())
    return AliyunAdapter(config=config, client=client, clock=clock, workers=workers)


def _seed(sim: AliyunSimulator, devices: tuple[str, ...]) -> None:
    for device in devices:
        sim.add_task(sbx.PRODUCT_KEY, device, sbx.FIRMWARE_ID, sbx.JOB_ID, "QUEUED")


def _batch(params: dict[str, str]) -> list[str]:
    return [params[f"DeviceName.{i}"] for i in range(1, 201) if f"DeviceName.{i}" in params]


# -- batching and pacing ------------------------------------------------------------------------
def test_batches_of_200_numbered_from_1(sim: AliyunSimulator, clock: FakeClock) -> None:
    devices = _devices(450)
    outcome = _adapter(sim, clock, workers=4).execute(sandbox_cancel(devices))
    batches = sorted((_batch(p) for p in sim.accepted_calls(CANCEL)), key=lambda b: b[0])
    assert [len(b) for b in batches] == [200, 200, 50]
    assert [d for b in batches for d in b] == list(devices)
    assert all(
        len([k for k in p if k.startswith("DeviceName.")]) <= 200
        for p in sim.accepted_calls(CANCEL)
    )
    assert outcome.ok and outcome.total == 450 and len(outcome.vendor_request_ids) == 3
    assert outcome.summary == "Cancel accepted for 450 devices"  # what Success:true says
    assert outcome.succeeded_as == "accepted"


def test_duplicate_targets_are_sent_once(sim: AliyunSimulator, clock: FakeClock) -> None:
    outcome = _adapter(sim, clock).execute(
        sandbox_cancel(("thermo-001", "thermo-002", "thermo-001"))
    )
    assert _batch(sim.accepted_calls(CANCEL)[0]) == ["thermo-001", "thermo-002"]
    assert outcome.total == 2


def test_10000_devices_take_50_paced_calls_and_no_throttle(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    devices = _devices(10_000)
    _seed(sim, devices)
    seen: list[Progress] = []
    start, last_cancel = clock.monotonic(), [0.0]

    def record(progress: Progress) -> None:
        seen.append(progress)
        last_cancel[0] = clock.monotonic()

    outcome = _adapter(sim, clock).execute(sandbox_cancel(devices), progress=record)
    elapsed = last_cancel[0] - start  # the listing afterwards is not part of the cancel's pace
    assert len(sim.accepted_calls(CANCEL)) == 50 and sim.throttled_count == 0
    assert outcome.ok and len(outcome.vendor_request_ids) == 50 and outcome.total == 10_000
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    assert seen[-1] == Progress(succeeded=10_000, total=10_000) and len(seen) == 50
    # Five windows of ten calls; a window is 1.05 s (the limiter's 5% margin): 95% of the limit.
    assert elapsed == pytest.approx(4 * 1.05)
    assert {t.status for d in devices for t in sim.state.tasks(sbx.PRODUCT_KEY, d)} == {"CANCELED"}


def test_thread_pool_run_cancels_everything(sim: AliyunSimulator, clock: FakeClock) -> None:
    devices = _devices(2_000)
    _seed(sim, devices)
    seen: list[Progress] = []
    outcome = _adapter(sim, clock, workers=4).execute(sandbox_cancel(devices), progress=seen.append)
    assert outcome.ok and outcome.total == 2_000 and len(outcome.vendor_request_ids) == 10
    assert [p.done for p in seen] == list(range(200, 2_001, 200))
    assert {t.status for d in devices for t in sim.state.tasks(sbx.PRODUCT_KEY, d)} == {"CANCELED"}


def test_adapters_with_one_key_share_one_limiter(clock: FakeClock) -> None:
    other = CONFIG.model_copy(update={"access_key_id": "LTAIother"})
    assert shared_limiter(CONFIG, clock) is shared_limiter(CONFIG, clock)
    assert shared_limiter(CONFIG, clock) is not shared_limiter(other, clock)
    first, second = sandboxed(clock).adapter, sandboxed(clock).adapter
    assert first.limiter is second.limiter and first.limiter.limit == 10


# -- partial failure ----------------------------------------------------------------------------
def test_one_refused_batch_does_not_stop_the_rest(sim: AliyunSimulator, clock: FakeClock) -> None:
    devices = _devices(1_000)
    sim.inject_error("iot.ota.DeviceTaskStateChanged", "no", device="dev-00250")
    outcome = _adapter(sim, clock, workers=4).execute(sandbox_cancel(devices))
    [failure] = outcome.failures
    assert failure.targets == devices[200:400]
    assert failure.code == "iot.ota.DeviceTaskStateChanged" and failure.kind is FailureKind.FAILED
    assert failure.vendor_request_id and failure.next_step
    assert len(outcome.vendor_request_ids) == 4  # the accepted calls' (the refused: its failure)
    assert failure.vendor_request_id not in outcome.vendor_request_ids
    assert outcome.summary == "Cancel accepted for 800 of 1,000 devices"
    assert outcome.counts == Counts(succeeded=800, failed=200)


@pytest.mark.parametrize(
    "code",
    ["iot.common.RamActionPermissionDeny", "iot.system.InstanceNotFound", "SignatureDoesNotMatch"],
)
def test_a_refusal_every_batch_shares_stops_the_run(
    code: str, sim: AliyunSimulator, clock: FakeClock
) -> None:
    devices = _devices(1_000)
    sim.inject_error(code, "no", device="dev-00000", status=400)
    outcome = _adapter(sim, clock, workers=1).execute(sandbox_cancel(devices))
    assert len(sim.requests_to("Action=CancelOTATaskByDevice")) == 1  # nothing sent after it
    assert [f.code for f in outcome.failures] == [code] + [None] * 4
    assert [f.kind for f in outcome.failures] == [FailureKind.FAILED] + [FailureKind.NOT_SENT] * 4
    assert outcome.counts == Counts(failed=200, not_sent=800)
    assert outcome.summary == "No cancel was accepted for the 1,000 devices"
    assert not outcome.checked  # nothing was accepted, so nothing is listed again


def test_a_500_makes_its_batch_unknown_and_is_sent_once(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    sim.inject_error("iot.system.SystemException", device="dev-00000", times=99, status=500)
    seen: list[Progress] = []
    outcome = _adapter(sim, clock).execute(sandbox_cancel(_devices(400)), progress=seen.append)
    assert len([p for p in sim.accepted_calls(CANCEL) if "dev-00000" in _batch(p)]) == 1
    assert [(f.kind, f.code) for f in outcome.failures] == [(FailureKind.UNKNOWN, None)]
    assert "iot.system.SystemException" in outcome.failures[0].message
    assert seen[-1] == Progress(succeeded=200, total=400, unknown=200)


def test_a_transient_internal_error_to_a_read_is_retried(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    sim.inject(Fault.SERVER_ERROR, times=2, path_contains="Action=QueryOTAFirmware")
    preview = _adapter(sim, clock).preview(sandbox_cancel(("thermo-001",)))
    assert preview.facts["Firmware"] and len(sim.requests_to("Action=QueryOTAFirmware")) == 3


def test_the_simulators_500_after_the_cancel_is_unknown_and_not_resent(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    sim.inject(Fault.SERVER_ERROR, path_contains=f"Action={CANCEL}", apply=True)
    with pytest.raises(OutcomeUnknown, match="HTTP 500"):
        _adapter(sim, clock).execute(sandbox_cancel(("thermo-001",)))
    assert len(sim.requests_to(f"Action={CANCEL}")) == 1


def test_throttling_slows_the_limiter_and_retries(sim: AliyunSimulator, clock: FakeClock) -> None:
    adapter = _adapter(sim, clock)
    sim.inject(Fault.THROTTLE, times=2)
    outcome = adapter.execute(sandbox_cancel(("thermo-001", "thermo-002")))
    assert outcome.ok and sim.throttled_count == 2
    assert adapter.limiter.limit < 10
    nonces = {r.url.params["SignatureNonce"] for r in sim.requests_to(f"Action={CANCEL}")}
    assert len(nonces) == 3  # every attempt signed afresh


def test_timeout_makes_one_batch_unknown_without_retry(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    sim.inject(Fault.TIMEOUT, path_contains="dev-00250", apply=True)
    outcome = _adapter(sim, clock, workers=4).execute(sandbox_cancel(_devices(600)))
    assert len(sim.requests_to("dev-00250")) == 1
    [failure] = outcome.failures
    assert failure.kind is FailureKind.UNKNOWN and failure.code is None  # never a vendor code
    assert "state is unknown" in failure.message
    assert failure.targets == _devices(600)[200:400]
    assert outcome.counts == Counts(succeeded=400, unknown=200)
    assert outcome.summary == "Cancel accepted for 400 of 600 devices"


def test_unreachable_batch_is_retried(sim: AliyunSimulator, clock: FakeClock) -> None:
    sim.inject(Fault.DISCONNECT, times=1)
    assert _adapter(sim, clock).execute(sandbox_cancel(_devices(300))).ok


# -- single-batch errors raise ------------------------------------------------------------------
def test_single_batch_timeout_raises_outcome_unknown(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    sim.inject(Fault.TIMEOUT)
    with pytest.raises(OutcomeUnknown):
        _adapter(sim, clock).execute(sandbox_cancel(("thermo-001",)))
    assert len(sim.calls) == 1


def test_single_batch_malformed_answer_is_unknown(sim: AliyunSimulator, clock: FakeClock) -> None:
    sim.inject(Fault.MALFORMED)
    with pytest.raises(OutcomeUnknown):
        _adapter(sim, clock).execute(sandbox_cancel(("thermo-001",)))


@pytest.mark.parametrize(
    ("code", "status", "error_type", "says"),
    [
        ("iot.common.RamActionPermissionDeny", 200, VendorError, "RAM user"),
        ("iot.common.AuthActionPermissionDeny", 200, VendorError, "not authorised"),
        ("iot.ota.JobNotCancelable", 200, VendorError, "the vendor's own words"),
        ("Throttling.User", 400, VendorThrottled, "rate limit"),
        ("Throttling.Api", 400, VendorThrottled, "rate limit"),
        ("InvalidAccessKeyId.Inactive", 400, VendorAuthError, "AccessKeyId"),
    ],
)
def test_single_batch_refusal_raises(
    sim: AliyunSimulator,
    clock: FakeClock,
    code: str,
    status: int,
    error_type: type[VendorError],
    says: str,
) -> None:
    sim.inject_error(code, "the vendor's own words", times=99, status=status)
    with pytest.raises(error_type) as caught:
        _adapter(sim, clock).execute(sandbox_cancel(("thermo-001",)))
    assert caught.value.code == code and caught.value.http_status == status
    assert caught.value.vendor_request_id and says in caught.value.message
    assert caught.value.next_step


def test_wrong_secret_is_an_auth_error(sim: AliyunSimulator, clock: FakeClock) -> None:
    config = CONFIG.model_copy(update={"access_key_secret": SecretStr("wrong")})
    with pytest.raises(VendorAuthError) as caught:
        _adapter(sim, clock, config=config).execute(sandbox_cancel(("thermo-001",)))
    assert (caught.value.code, caught.value.http_status) == ("SignatureDoesNotMatch", 400)
    assert caught.value.vendor_request_id and len(sim.calls) == 1  # refused: not retried


def test_missing_instance_is_explained(sim: AliyunSimulator, clock: FakeClock) -> None:
    config = CONFIG.model_copy(update={"iot_instance_id": None})
    adapter = _adapter(sim, clock, config=config)
    with pytest.raises(VendorError) as caught:
        adapter.execute(sandbox_cancel(("thermo-001",)))
    assert caught.value.code == "iot.system.InstanceNotFound"
    assert "--instance" in caught.value.next_step
    assert adapter.execute(sandbox_cancel(("thermo-001",), instance=sbx.INSTANCE_ID)).ok


def test_instance_param_overrides_the_config(sim: AliyunSimulator, clock: FakeClock) -> None:
    sim.instance_id = "iot-override"
    _adapter(sim, clock).execute(sandbox_cancel(("thermo-001",), instance="iot-override"))
    assert sim.accepted_calls(CANCEL)[0]["IotInstanceId"] == "iot-override"


def test_job_is_sent_as_jobid(sim: AliyunSimulator, clock: FakeClock) -> None:
    _adapter(sim, clock).execute(sandbox_cancel(("thermo-001",), job=sbx.JOB_ID))
    [params] = sim.accepted_calls(CANCEL)
    assert params["JobId"] == sbx.JOB_ID and "JobID" not in params and "FirmwareID" not in params


def test_not_configured(sim: AliyunSimulator, clock: FakeClock) -> None:
    adapter = _adapter(sim, clock, config=AliyunSettings())
    with pytest.raises(NotConfigured):
        adapter.execute(sandbox_cancel(("thermo-001",)))
    assert not sim.calls


def test_camel_case_answers_of_rehosted_endpoints(clock: FakeClock) -> None:
    def rehosted(request: httpx.Request) -> httpx.Response:  # the seed document's sample answer
        return httpx.Response(200, json={"code": "", "requestId": "d2fce065", "success": True})

    client = httpx.Client(transport=httpx.MockTransport(rehosted))
    adapter = AliyunAdapter(config=CONFIG, client=client, clock=clock)
    assert adapter.execute(sandbox_cancel(("thermo-001",))).vendor_request_ids == ("d2fce065",)


# -- preview, describe, check -------------------------------------------------------------------
def test_preview_names_the_firmware_and_counts_pending(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    targets = ("thermo-001", "thermo-002", "thermo-010", "thermo-051", "ghost")
    preview = _adapter(sim, clock).preview(sandbox_cancel(targets))
    assert preview.found and preview.summary.startswith("Read-only look")
    assert preview.facts["Firmware"] == "thermo-fw 2.0.3 → 2.1.0 (fw-thermo-2.1.0)"
    assert preview.facts["Sampled"] == "all devices"
    assert preview.facts["Pending cancellable tasks"].startswith("2 of 5 devices")
    assert any("IN_PROGRESS" in w for w in preview.warnings)
    assert "1 device (`ghost`) does not exist in product a1OpsThermo." in preview.warnings
    assert not sim.accepted_calls(CANCEL)
    assert sim.state.tasks(sbx.PRODUCT_KEY, "thermo-001")[0].status == "CONFIRM"


def test_preview_samples_long_lists(sim: AliyunSimulator, clock: FakeClock) -> None:
    devices = _devices(10_000)
    preview = _adapter(sim, clock, workers=4).preview(sandbox_cancel(devices))
    looked = [p["DeviceName"] for p in sim.accepted_calls("ListOTAUnfinishedTaskByDevice")]
    assert len(looked) == 20 and {devices[0], devices[-1]} <= set(looked)
    assert len(sim.accepted_calls("QueryOTAFirmware")) == 1
    assert preview.facts["Sampled"] == "20 of 10,000 devices (sampled, evenly spaced)"
    assert preview.facts["Devices"] == "10,000 (50 calls of up to 200)"
    # None of the sampled devices exists in the sandbox, but a sample cannot be sure of the rest.
    assert preview.verdict is Verdict.WARN
    assert (
        "20 sampled devices (`dev-00000`, `dev-00526`, `dev-01053` +17 more) do not exist in "
        "product a1OpsThermo." in preview.warnings
    )


def test_preview_counts_pending_tasks_for_the_outcome(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    # SPEC §8: the outcome says "(55 had a pending task when previewed)"; the preview counts.
    adapter = _adapter(sim, clock)
    mixed = (*sbx.BUSY_DEVICES[:3], *sbx.IDLE_DEVICES[:2])
    assert adapter.preview(sandbox_cancel(mixed)).outcome_note == (
        "3 had a pending task when previewed"
    )
    idle = adapter.preview(sandbox_cancel(sbx.IDLE_DEVICES))
    assert idle.outcome_note == "none had a pending task when previewed"
    one = adapter.preview(sandbox_cancel(("thermo-001",)))
    assert one.outcome_note == "it had a pending task when previewed"
    assert adapter.preview(sandbox_cancel(sbx.IDLE_DEVICES[:1])).outcome_note == (
        "it had no pending task when previewed"
    )
    sampled = adapter.preview(sandbox_cancel((*sbx.BUSY_DEVICES, *sbx.IDLE_DEVICES)))
    assert sampled.outcome_note.endswith(" of 20 sampled had a pending task when previewed")
    looked = sim.accepted_calls("ListOTAUnfinishedTaskByDevice")[-20:]
    pending = sum(
        1
        for p in looked
        if any(t.status in CANCELLABLE for t in sim.state.tasks(sbx.PRODUCT_KEY, p["DeviceName"]))
    )
    assert 0 < pending < 20 and sampled.outcome_note.startswith(f"{pending} of 20 ")


def test_preview_of_devices_that_do_not_exist_says_so_for_the_outcome(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    # A forced request, or a long list whose sample found none, still runs: its "Cancel
    # accepted for 3,000 devices" must not read as if the preview had found them.
    adapter = _adapter(sim, clock)
    both = adapter.preview(sandbox_cancel(("ghost-1", "ghost-2")))
    assert both.verdict is Verdict.BLOCKED
    assert both.outcome_note == "none of the 2 existed when previewed"
    one = adapter.preview(sandbox_cancel(("ghost-1",)))
    assert one.outcome_note == "it did not exist when previewed"
    sampled = adapter.preview(sandbox_cancel(_devices(3000)))
    assert sampled.verdict is Verdict.WARN
    assert sampled.outcome_note == "none of the 20 sampled existed when previewed"


def test_preview_warns_when_nothing_would_be_cancelled(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    preview = _adapter(sim, clock).preview(sandbox_cancel(sbx.IDLE_DEVICES))
    assert preview.found
    assert any("would change nothing" in w for w in preview.warnings)
    other_job = _adapter(sim, clock).preview(sandbox_cancel(("thermo-001",), job="other-job"))
    assert any("firmware and job" in w for w in other_job.warnings)


def test_preview_warns_when_some_devices_have_nothing_to_cancel(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    mixed = ("thermo-001", "thermo-002", sbx.IDLE_DEVICES[0])
    preview = _adapter(sim, clock).preview(sandbox_cancel(mixed))
    assert preview.verdict is Verdict.WARN
    assert (
        f"1 of the 3 devices (`{sbx.IDLE_DEVICES[0]}`) has nothing to cancel for this firmware"
        in " ".join(preview.warnings)
    )
    busy = _adapter(sim, clock).preview(sandbox_cancel(("thermo-001", "thermo-002")))
    assert not any("nothing to cancel" in w for w in busy.warnings)


def test_preview_of_unknown_firmware_is_blocked_verbatim(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    preview = _adapter(sim, clock).preview(sandbox_cancel(("thermo-001",), firmware="fw-nope"))
    assert preview.verdict is Verdict.BLOCKED and preview.blocked is not None
    assert preview.blocked.code == "iot.ota.FirmwareNotExist"
    assert preview.blocked.message == "The specified firmware does not exist."


def test_describe_shows_the_first_call_masked(sim: AliyunSimulator, clock: FakeClock) -> None:
    [call] = _adapter(sim, clock).describe(sandbox_cancel(_devices(10_000)))
    assert call.method == "POST" and call.url.startswith(f"{sbx.ENDPOINT}/?Action=")
    assert "AccessKeyId=****" in call.url and "Signature=****" in call.url
    assert sbx.ACCESS_KEY_ID not in call.url and sbx.ACCESS_KEY_SECRET not in call.url
    assert "DeviceName.200=dev-00199" in call.url and "DeviceName.201" not in call.url
    assert f"IotInstanceId={sbx.INSTANCE_ID}" in call.url
    assert call.body == "+49 more calls of up to 200 devices"
    assert not sim.calls  # nothing sent


def test_describe_single_call_has_no_note(sim: AliyunSimulator, clock: FakeClock) -> None:
    [call] = _adapter(sim, clock).describe(sandbox_cancel(("dev 1*~",)))
    assert "DeviceName.1=dev%201%2A~" in call.url and call.body is None


def test_check_is_a_signed_read(sim: AliyunSimulator, clock: FakeClock) -> None:
    line = _adapter(sim, clock).check()
    assert "LTAI****" in line and sbx.ACCESS_KEY_ID not in line and "1 firmware" in line
    assert [a for a, _ in sim.accepted] == ["ListOTAFirmware"]


def test_check_of_an_answer_without_a_total_says_no_count(clock: FakeClock) -> None:
    def bare(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"Success": True, "RequestId": "r-1"})

    client = httpx.Client(transport=httpx.MockTransport(bare))
    line = AliyunAdapter(config=CONFIG, client=client, clock=clock).check()
    assert line.endswith(f"accepted a signed read with AccessKeyId {CONFIG.access_key_id[:4]}****")
    assert "None" not in line


@pytest.mark.parametrize("answer", [{"ok": True}, {"RequestId": "r-1"}, {"Data": {"Total": 3}}])
def test_check_of_an_answer_that_is_not_alibabas_fails(
    clock: FakeClock, answer: dict[str, object]
) -> None:
    """Any JSON passed a check that read nothing of it: a wrong endpoint looked like working
    credentials."""
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=answer)))
    with pytest.raises(VendorError, match='without `"Success": true`'):
        AliyunAdapter(config=CONFIG, client=client, clock=clock).check()


def test_check_with_an_unknown_key_fails(sim: AliyunSimulator, clock: FakeClock) -> None:
    config = CONFIG.model_copy(update={"access_key_id": "LTAInobody"})
    with pytest.raises(VendorAuthError) as caught:
        _adapter(sim, clock, config=config).check()
    assert caught.value.code == "InvalidAccessKeyId.NotFound"


def test_sandboxed_and_from_config(clock: FakeClock) -> None:
    built = sandboxed(clock)
    adapter, sim = built.adapter, built.simulator
    assert adapter.sandbox and adapter.vendor == "aliyun"
    assert adapter.execute(sandbox_cancel(sbx.BUSY_DEVICES)).ok
    statuses = {t.status for d in sbx.BUSY_DEVICES for t in sim.state.tasks(sbx.PRODUCT_KEY, d)}
    assert statuses == {"CANCELED", "IN_PROGRESS"}
    real = from_config(CONFIG, clock=clock)
    assert not real.sandbox and real.config.resolved_endpoint == sbx.ENDPOINT


def test_logs_never_hold_the_secret(
    sim: AliyunSimulator, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    adapter = _adapter(sim, clock, workers=4)
    adapter.preview(sandbox_cancel(_devices(300)))
    sim.inject_error("iot.common.RamActionPermissionDeny", device="dev-00000")
    adapter.execute(sandbox_cancel(_devices(300)))
    adapter.check()
    adapter.describe(sandbox_cancel(_devices(3)))
    assert caplog.records and sbx.ACCESS_KEY_SECRET not in caplog.text
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("adapters")]
    assert ours and not any("Signature=" in m or sbx.ACCESS_KEY_ID in m for m in ours)


def test_single_batch_reports_progress_once(sim: AliyunSimulator, clock: FakeClock) -> None:
    seen: list[Progress] = []
    _adapter(sim, clock).execute(sandbox_cancel(("thermo-001", "thermo-002")), progress=seen.append)
    assert seen == [Progress(succeeded=2, total=2)]


def test_request_without_product_or_firmware_is_refused_before_any_call(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    request = sandbox_cancel(("thermo-001",)).model_copy(update={"params": {"product": "p"}})
    with pytest.raises(AdapterError, match="--firmware"):
        _adapter(sim, clock).execute(request)
    assert not sim.calls


def test_preview_reads_plain_array_answers(clock: FakeClock) -> None:
    def rehosted(request: httpx.Request) -> httpx.Response:
        if request.url.params["Action"] == "QueryOTAFirmware":
            info = {"FirmwareName": "fw", "DestVersion": "3.0", "ProductKey": "a1Other"}
            return httpx.Response(200, json={"RequestId": "r1", "FirmwareInfo": info})
        task = {"FirmwareId": sbx.FIRMWARE_ID, "JobId": "j", "TaskStatus": "QUEUED"}
        return httpx.Response(200, json={"RequestId": "r2", "Data": [task]})

    config = CONFIG.model_copy(update={"iot_instance_id": None})
    client = httpx.Client(transport=httpx.MockTransport(rehosted))
    preview = AliyunAdapter(config=config, client=client, clock=clock).preview(
        sandbox_cancel(("thermo-001",))
    )
    assert preview.facts["Firmware"] == f"fw 3.0 ({sbx.FIRMWARE_ID})"
    assert preview.facts["Pending cancellable tasks"].startswith("1 of 1")
    assert "Instance" not in preview.facts
    assert preview.verdict is Verdict.BLOCKED and preview.blocked is not None
    assert "belongs to product a1Other" in preview.blocked.message


def test_preview_refusal_other_than_not_found_raises(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    sim.inject_error("iot.common.RamActionPermissionDeny", device="thermo-001")
    with pytest.raises(VendorError) as caught:
        _adapter(sim, clock).preview(sandbox_cancel(("thermo-001",)))
    assert caught.value.code == "iot.common.RamActionPermissionDeny"


def test_an_unanswered_batch_keeps_the_request_id_the_vendor_gave() -> None:
    answered = VendorError(
        "internal error", vendor="aliyun", code="InternalError", http_status=500,
        vendor_request_id="RID-UNKNOWN-1",
    )  # fmt: skip
    unknown = for_the_cancel(answered)
    assert isinstance(unknown, OutcomeUnknown) and unknown.vendor_request_id == "RID-UNKNOWN-1"
    kept = failure(("thermo-001",), unknown)
    assert kept.kind is FailureKind.UNKNOWN and kept.vendor_request_id == "RID-UNKNOWN-1"


def test_the_preview_counts_one_device_in_the_singular(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    """The tester's transcript: "None of the 1 sampled devices has …", "0 of 1 devices have
    …", "1 sampled device(s) do not exist". In "1 of 2 devices has …" the verb agrees with
    the one device counted, as the warnings' "1 of the 2 devices has nothing to cancel" do;
    "0 of 2 devices have"."""
    idle = _adapter(sim, clock).preview(sandbox_cancel(sbx.IDLE_DEVICES[:1]))
    assert idle.warnings == [
        "The device has no pending task for this firmware: the cancel would change nothing."
    ]
    pending = "a task awaiting confirmation, queued or pushed"
    assert idle.facts["Pending cancellable tasks"] == f"0 of 1 device has {pending}"
    busy = _adapter(sim, clock).preview(sandbox_cancel(("thermo-001",)))
    assert busy.facts["Pending cancellable tasks"] == f"1 of 1 device has {pending}"
    assert busy.summary.endswith(f"; 1 of 1 device has {pending}")
    upgrading = _adapter(sim, clock).preview(sandbox_cancel(("thermo-001", "thermo-010")))
    assert any(
        w.startswith("1 device (`thermo-010`) is already upgrading (IN_PROGRESS)")
        for w in upgrading.warnings
    )
    assert upgrading.facts["Pending cancellable tasks"] == f"1 of 2 devices has {pending}"
    idle_two = _adapter(sim, clock).preview(sandbox_cancel(sbx.IDLE_DEVICES[:2]))
    assert idle_two.facts["Pending cancellable tasks"] == f"0 of 2 devices have {pending}"
    two = _adapter(sim, clock).preview(sandbox_cancel(sbx.BUSY_DEVICES[:2]))
    assert two.facts["Pending cancellable tasks"] == f"2 of 2 devices have {pending}"
    ghost = _adapter(sim, clock).preview(sandbox_cancel(("ghost-1",)))
    assert ghost.summary == "The device does not exist in product a1OpsThermo"
    assert ghost.blocked is not None
    assert ghost.blocked.message == "the device does not exist in product a1OpsThermo"
    mixed = _adapter(sim, clock).preview(sandbox_cancel(("thermo-001", "ghost-1")))
    assert "1 device (`ghost-1`) does not exist in product a1OpsThermo." in mixed.warnings
    text = " ".join((*idle.warnings, *busy.warnings, *upgrading.warnings, *mixed.warnings))
    assert "(s)" not in text and "of the 1 " not in text and "1 devices" not in text


def test_the_lines_of_a_previews_and_a_bulk_runs_parallel_calls_name_the_request(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    """Calls fanned out to threads log in the context the preview or execute was called in."""
    adapter = _adapter(sim, clock, workers=4)
    listing = "ListOTAUnfinishedTaskByDevice"
    sim.inject_error("iot.common.RamActionPermissionDeny", device="dev-00250", action=listing)
    sim.inject_error("iot.common.RamActionPermissionDeny", device="dev-00250", action=CANCEL)
    with fresh_log_context(), log_context(request_id="R-7K3F9QW2"), json_lines() as lines:
        with contextlib.suppress(VendorError):
            adapter.preview(sandbox_cancel(_devices(300)))
        adapter.execute(sandbox_cancel(_devices(300)))

    refused = [line for line in lines() if " refused: " in line["message"]]
    assert {line["message"].split(" refused")[0] for line in refused} == {
        f"aliyun {listing}",
        f"aliyun {CANCEL}",
    }
    assert {line.get("request_id") for line in refused} == {"R-7K3F9QW2"}


def test_a_throttled_call_retried_is_one_line_naming_the_call_and_the_wait(
    sim: AliyunSimulator, clock: FakeClock
) -> None:
    adapter = _adapter(sim, clock)
    listing = "ListOTAUnfinishedTaskByDevice"
    sim.inject_error("Throttling.User", status=400, device="dev-00001", action=listing)
    with json_lines() as lines:
        adapter.preview(sandbox_cancel(_devices(2)))

    [retry] = [line for line in lines() if line["level"] == "WARNING"]
    assert retry["logger"] == "adapters.retries"
    assert re.fullmatch(rf"aliyun {listing}: retry 1 in \d+\.\d s after .+", retry["message"])
    assert not [line for line in lines() if line["logger"].startswith("stamina")]
