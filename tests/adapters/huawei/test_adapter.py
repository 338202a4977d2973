"""HuaweiAdapter: previews, deletions, errors, throttling, describe, mutual TLS, encoding."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from certs import COMMON_NAME, CertFiles, write_cert_files
from pydantic import SecretStr

from adapters.base import Verdict
from adapters.clock import FakeClock
from adapters.errors import (
    NotConfigured,
    OutcomeUnknown,
    VendorAuthError,
    VendorError,
    VendorThrottled,
)
from adapters.huawei.adapter import HuaweiAdapter, from_config
from adapters.huawei.auth import MAX_THROTTLE_RETRIES, tls_context
from adapters.huawei.errors import CATALOG, to_error
from adapters.huawei.plugin import sandboxed
from adapters.huawei.settings import HuaweiSettings
from adapters.huawei.simulator.api import SANDBOX_APP_ID, SANDBOX_SECRET, HuaweiSimulator, SimDevice
from adapters.ratelimit import RateLimiter
from adapters.simulator import Fault
from commands.model import OperationRequest, ParamValue

World = tuple[HuaweiAdapter, HuaweiSimulator]


def package(file_id: str = "pkg-meter-fw-1.2.0") -> OperationRequest:
    return OperationRequest(operation="huawei.package.delete", vendor="huawei", targets=(file_id,))


def device(device_id: str = "dev-meter-0001", **params: ParamValue) -> OperationRequest:
    return OperationRequest(
        operation="huawei.device.delete", vendor="huawei", targets=(device_id,), params=params
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def world(clock: FakeClock) -> tuple[HuaweiAdapter, HuaweiSimulator]:
    built = sandboxed(clock)
    return built.adapter, built.simulator


# -- previews -------------------------------------------------------------------------------------
def test_package_preview_shows_the_documented_facts(world: World) -> None:
    adapter, _ = world
    preview = adapter.preview(package())
    assert preview.found
    assert preview.summary == "firmwarePackage meter-firmware 1.2.0 for WaterMeter WM-100"
    assert preview.facts["version"] == "1.2.0"
    assert preview.facts["type"] == "firmwarePackage"
    assert preview.facts["uploaded"] == "20251102T080000Z"


def test_a_missing_package_previews_as_not_found(world: World) -> None:
    adapter, _ = world
    preview = adapter.preview(package("pkg-nope"))
    assert not preview.found
    assert preview.verdict is Verdict.BLOCKED and preview.blocked is not None
    assert preview.blocked.code == "123002"
    assert preview.blocked.message == "package pkg-nope: no version package with this fileId exists"


def test_endpoint_preview_has_no_cascade_warning(world: World) -> None:
    adapter, sim = world
    preview = adapter.preview(device())
    assert preview.facts["status"] == "ONLINE"
    assert preview.facts["node type"] == "ENDPOINT"
    assert preview.warnings == []
    assert sim.requests_to("gatewayId=") == []  # children are only counted for gateways


def test_gateway_preview_warns_that_cascade_deletes_its_children(world: World) -> None:
    adapter, _ = world
    preview = adapter.preview(device("gw-0001"))
    assert preview.facts["child devices"] == "3"
    assert preview.warnings == [
        "gateway: deleting it also deletes its 3 child devices "
        "(use `--no-cascade` to keep them as directly connected)"
    ]
    assert preview.verdict is Verdict.WARN


def test_gateway_preview_without_a_child_count_still_warns(world: World) -> None:
    adapter, sim = world
    sim.inject(Fault.SERVER_ERROR, times=10, path_contains="gatewayId=")
    preview = adapter.preview(device("gw-0001"))
    assert "child devices" not in preview.facts
    assert preview.warnings[0].startswith("gateway: deleting it also deletes its child devices")


def test_no_cascade_preview_says_the_children_stay(world: World) -> None:
    adapter, _ = world
    preview = adapter.preview(device("gw-0001", cascade=False))
    assert preview.facts["cascade"] == "false"
    assert "kept and become directly connected" in preview.warnings[0]


def test_a_device_of_an_authorizing_app_is_previewed_with_app_id(world: World) -> None:
    adapter, sim = world
    preview = adapter.preview(device("partner-dev-0001", app="partner-app"))
    assert preview.found
    assert sim.calls[-1].url.params["appId"] == "partner-app"


def test_a_missing_device_previews_as_not_found(world: World) -> None:
    adapter, _ = world
    preview = adapter.preview(device("nope"))
    assert not preview.found and preview.verdict is Verdict.BLOCKED
    assert preview.blocked is not None and preview.blocked.code == "100403"


@pytest.mark.parametrize(
    ("target", "app", "code"),
    [
        ("stranger-dev-0001", "stranger-app", "100217"),  # not authorized: the DELETE fails too
        ("partner-dev-0001", "no-such-app", "100203"),
        ("partner-dev-0001", None, "100418"),  # another application's device, without --app
    ],
)
def test_a_preview_the_delete_would_share_is_blocked(
    world: World, target: str, app: str | None, code: str
) -> None:
    adapter, _ = world
    params: dict[str, ParamValue] = {"app": app} if app else {}
    preview = adapter.preview(device(target, **params))
    assert preview.verdict is Verdict.BLOCKED and preview.blocked is not None
    assert preview.blocked.code == code and preview.blocked.next_step


def test_a_malformed_file_id_previews_as_blocked(world: World) -> None:
    adapter, _ = world
    preview = adapter.preview(package("pkg~1"))
    assert preview.blocked is not None and preview.blocked.code == "120015"


def test_an_endpoint_previews_ok(world: World) -> None:
    adapter, _ = world
    assert adapter.preview(device()).verdict is Verdict.OK


# -- execute --------------------------------------------------------------------------------------
def test_package_delete(world: World) -> None:
    adapter, sim = world
    outcome = adapter.execute(package())
    assert outcome.summary == "Deleted version package pkg-meter-fw-1.2.0"
    assert not outcome.already_gone
    assert "pkg-meter-fw-1.2.0" not in sim.state.packages


def test_cascade_delete_removes_the_gateways_children(world: World) -> None:
    adapter, sim = world
    adapter.execute(device("gw-0001"))
    assert sim.calls[-1].url.params["cascade"] == "true"
    assert not any(d.startswith("gw-0001") for d in sim.state.devices)


def test_no_cascade_sends_false_and_the_children_stay_directly_connected(world: World) -> None:
    adapter, sim = world
    adapter.execute(device("gw-0001", cascade=False))
    assert sim.calls[-1].url.params["cascade"] == "false"
    child = sim.state.devices["gw-0001-child-1"]
    assert "gw-0001" not in sim.state.devices
    assert child.gateway_id == child.device_id


@pytest.mark.parametrize(
    ("request_", "summary"),
    [
        (package(), "Version package pkg-meter-fw-1.2.0 was already gone"),
        (device(), "Device dev-meter-0001 was already gone"),
    ],
)
def test_a_404_on_execute_is_already_gone(
    world: World, request_: OperationRequest, summary: str
) -> None:
    adapter, _ = world
    adapter.preview(request_)
    adapter.execute(request_)
    outcome = adapter.execute(request_)
    assert outcome.already_gone and outcome.ok
    assert outcome.summary == summary


def test_a_timeout_on_delete_is_outcome_unknown_and_not_retried(world: World) -> None:
    adapter, sim = world
    sim.inject(Fault.TIMEOUT, path_contains="/devices/dev-meter-0001", apply=True)
    with pytest.raises(OutcomeUnknown):
        adapter.execute(device())
    assert len(sim.requests_to("/devices/dev-meter-0001")) == 1
    assert "dev-meter-0001" not in sim.state.devices  # it did happen: only the answer was lost


def deletes_of(sim: HuaweiSimulator, path: str) -> int:
    return sum(1 for r in sim.requests_to(path) if r.method == "DELETE")


def test_a_500_on_delete_is_outcome_unknown_and_is_not_sent_again(world: World) -> None:
    adapter, sim = world
    sim.inject(Fault.SERVER_ERROR, path_contains="/devices/dev-meter-0001")
    with pytest.raises(OutcomeUnknown) as caught:
        adapter.execute(device())
    assert "HTTP 500, code 50252" in caught.value.message
    assert "may or may not be deleted" in caught.value.message
    assert "OceanConnect console" in caught.value.next_step
    assert deletes_of(sim, "/devices/dev-meter-0001") == 1


def test_a_500_after_the_delete_happened_is_unknown_and_not_repeated(world: World) -> None:
    adapter, sim = world
    sim.inject(Fault.SERVER_ERROR, path_contains="/devices/dev-meter-0001", apply=True)
    with pytest.raises(OutcomeUnknown):
        adapter.execute(device())
    assert "dev-meter-0001" not in sim.state.devices  # it did happen: "failed" would be untrue
    assert deletes_of(sim, "/devices/dev-meter-0001") == 1


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_gateway_page_in_answer_to_a_delete_is_outcome_unknown(
    clock: FakeClock, status: int
) -> None:
    sim = HuaweiSimulator.seeded(clock=clock)

    def gateway_page(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            sim.handle(request)  # the platform deleted; the proxy in front lost the answer
            return httpx.Response(status, text="<html><h1>Bad gateway</h1></html>")
        return sim.handle(request)

    with pytest.raises(OutcomeUnknown) as caught:
        adapter_on(gateway_page, clock).execute(package())
    assert f"(HTTP {status})" in caught.value.message
    assert deletes_of(sim, "/category/") == 1


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize(
    ("request_", "path"), [(package(), "/category/"), (device(), "/devices/")], ids=["pkg", "dev"]
)
def test_a_redirect_answering_a_delete_is_outcome_unknown_not_deleted(
    clock: FakeClock, status: int, request_: OperationRequest, path: str
) -> None:
    """The client follows no redirect, so a 3xx confirms nothing (VENDORS §4: 200, §5: 204)."""
    sim = HuaweiSimulator.seeded(clock=clock)
    deletes: list[httpx.Request] = []

    def redirect(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            deletes.append(request)
            return httpx.Response(status, headers={"location": "https://elsewhere.test/"})
        return sim.handle(request)

    with pytest.raises(OutcomeUnknown) as caught:
        adapter_on(redirect, clock).execute(request_)
    message = caught.value.message
    assert f"huawei answered HTTP {status} (a redirect, which opsgate does not follow)" in message
    assert message.endswith("; the request's state is unknown")
    assert "OceanConnect console" in caught.value.next_step and request_.targets[0] in (
        caught.value.next_step
    )
    assert len(deletes) == 1 and path in str(deletes[0].url)


@pytest.mark.parametrize(
    ("status", "body"),
    [(200, {"error_code": "50252"}), (200, {"error_code": "100203", "error_desc": "Server error"})],
)  # never a 204: it has no body to carry a code (HTTP clients read none)
@pytest.mark.parametrize(
    ("request_", "path"), [(package(), "/category/"), (device(), "/devices/")], ids=["pkg", "dev"]
)
def test_a_success_carrying_an_error_code_is_outcome_unknown_not_deleted(
    clock: FakeClock, status: int, body: dict[str, str], request_: OperationRequest, path: str
) -> None:
    """The platform answers a deletion with an empty 200 (§4) or 204 (§5); a 200 that also
    says an error code confirms nothing, and is never sent again."""
    sim = HuaweiSimulator.seeded(clock=clock)
    deletes: list[httpx.Request] = []

    def contradicting(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            deletes.append(request)
            return httpx.Response(status, json=body)
        return sim.handle(request)

    with pytest.raises(OutcomeUnknown) as caught:
        adapter_on(contradicting, clock).execute(request_)
    message = caught.value.message
    assert f"with HTTP {status} and error code {body['error_code']}" in message
    assert message.endswith("so it may or may not be deleted")
    assert request_.targets[0] in caught.value.next_step
    assert len(deletes) == 1 and path in str(deletes[0].url)


def test_a_500_saying_the_application_does_not_exist_fails(clock: FakeClock) -> None:
    sim = HuaweiSimulator.seeded(clock=clock)
    deletes: list[httpx.Request] = []

    def no_application(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            deletes.append(request)
            body = {"error_code": "100203", "error_desc": "The application is not existed."}
            return httpx.Response(500, json=body)
        return sim.handle(request)

    with pytest.raises(VendorError) as caught:
        adapter_on(no_application, clock).execute(device())
    assert caught.value.code == "100203" and not caught.value.retryable
    assert "dev-meter-0001" in sim.state.devices
    assert len(deletes) == 1


def test_a_refused_connection_on_delete_is_retried(world: World) -> None:
    adapter, sim = world
    sim.inject(Fault.DISCONNECT, path_contains="/devices/dev-meter-0001")  # nothing was sent
    assert adapter.execute(device()).summary == "Deleted device dev-meter-0001"


def test_an_unauthorized_app_is_refused_with_next_step(world: World) -> None:
    adapter, _ = world
    with pytest.raises(VendorError) as caught:
        adapter.execute(device("stranger-dev-0001", app="stranger-app"))
    assert (caught.value.code, caught.value.http_status) == ("100217", 403)
    assert "authorize" in caught.value.next_step


# -- throttling -----------------------------------------------------------------------------------
def test_a_throttle_slows_the_limiter_down_and_the_retry_succeeds(
    world: World, clock: FakeClock
) -> None:
    adapter, sim = world
    sim.inject(Fault.THROTTLE, path_contains="/devices/dev-meter-0001")
    before = clock.monotonic()
    assert adapter.execute(device()).summary == "Deleted device dev-meter-0001"
    assert adapter.session.limiter.limit == 75
    assert clock.monotonic() - before >= 60  # paused a whole window before retrying
    assert len(sim.requests_to("/devices/dev-meter-0001")) == 2


def test_throttling_that_persists_surfaces_as_throttled(world: World) -> None:
    adapter, sim = world
    sim.inject(Fault.THROTTLE, times=100, path_contains="/devices/dev-meter-0001")
    with pytest.raises(VendorThrottled) as caught:
        adapter.execute(device())
    assert caught.value.code == "1010009"
    assert len(sim.requests_to("/devices/dev-meter-0001")) == 1 + MAX_THROTTLE_RETRIES


def test_a_preview_read_under_persistent_throttling_is_sent_four_times_not_twelve(
    world: World,
) -> None:
    adapter, sim = world
    sim.inject(Fault.THROTTLE, times=100, path_contains="/devices/dev-meter-0001")
    with pytest.raises(VendorThrottled):
        adapter.preview(device())
    assert len(sim.requests_to("/devices/dev-meter-0001")) == 1 + MAX_THROTTLE_RETRIES


def test_150_deletions_under_the_limiter_see_no_throttling(world: World, clock: FakeClock) -> None:
    adapter, sim = world
    for n in range(150):
        sim.add_device(SimDevice(f"bulk-{n:03d}", SANDBOX_APP_ID, f"bulk {n}"))
    start = clock.monotonic()
    for n in range(150):
        adapter.execute(device(f"bulk-{n:03d}"))
    assert sim.throttled_count == 0
    assert not any(d.startswith("bulk-") for d in sim.state.devices)
    assert clock.monotonic() - start >= 60  # the limiter did make calls wait


# -- error catalog --------------------------------------------------------------------------------
DOCUMENTED = [
    (401, "100208", VendorAuthError),
    (500, "50252", VendorError),
    (400, "120015", VendorError),
    (403, "1010009", VendorThrottled),
    (403, "1010005", VendorAuthError),
    (404, "123002", VendorError),
    (403, "100203", VendorError),
    (500, "100203", VendorError),
    (403, "100217", VendorError),
    (404, "100403", VendorError),
    (404, "100418", VendorError),
    (400, "100247", VendorAuthError),  # refresh refusals (VENDORS.md §7)
    (400, "102202", VendorAuthError),
    (400, "50400", VendorAuthError),
]


@pytest.mark.parametrize(("status", "code", "kind"), DOCUMENTED)
def test_every_documented_code_has_a_message_and_next_step(
    status: int, code: str, kind: type[VendorError]
) -> None:
    body = {"error_code": code, "error_desc": "vendor text"}
    error = to_error(httpx.Response(status, json=body), subject="device d")
    assert type(error) is kind
    assert error.code == code and error.http_status == status
    assert error.message == f"device d: {CATALOG[code].message}"
    assert error.next_step == CATALOG[code].next_step != ""


def test_the_catalog_covers_exactly_the_documented_codes() -> None:
    assert set(CATALOG) == {code for _, code, _ in DOCUMENTED}


@pytest.mark.parametrize(
    "body",
    [
        {"resultcode": "100217", "resultdesc": "x"},
        {"errorCode": "100217", "errorDesc": "x"},
        {"error_code": 100217},
    ],
)
def test_other_error_field_spellings_are_understood(body: dict[str, object]) -> None:
    assert to_error(httpx.Response(403, json=body), subject="s").code == "100217"


def test_an_unknown_code_is_shown_verbatim() -> None:
    body = {"error_code": "107777", "error_desc": "Something new."}
    error = to_error(httpx.Response(409, json=body), subject="device d")
    assert error.code == "107777"
    assert "Something new." in error.message and "409" in error.message


def test_a_body_without_a_code_falls_back_to_the_http_status() -> None:
    error = to_error(httpx.Response(502, text="<html>bad gateway</html>"), subject="s")
    assert error.code == "HTTP 502" and error.retryable


# -- describe, secrets, encoding ------------------------------------------------------------------
def test_describe_shows_the_exact_delete_with_the_token_masked(world: World) -> None:
    adapter, sim = world
    adapter.check()  # a cached token exists: it must still not appear
    (call,) = adapter.describe(device("gw-0001", app="partner-app", cascade=False))
    assert call.method == "DELETE"
    assert call.url == (
        "https://huawei.sandbox.invalid:8743/iocm/app/dm/v1.4.0/devices/gw-0001"
        "?appId=partner-app&cascade=false"
    )
    assert call.headers["app_key"] == SANDBOX_APP_ID
    assert call.headers["authorization"] == "Bearer ****"
    assert "POST https://huawei.sandbox.invalid:8743/iocm/app/sec/v1.1.0/login" in (call.body or "")
    text = call.model_dump_json()
    assert SANDBOX_SECRET not in text
    assert sim.state.grants[SANDBOX_APP_ID].access not in text
    assert sim.requests_to("/devices") == []  # describe sent nothing


def test_describe_package_delete(world: World) -> None:
    adapter, _ = world
    (call,) = adapter.describe(package())
    assert call.url.endswith("/iodm/northbound/v1.5.0/category/pkg-meter-fw-1.2.0")


def test_identifiers_with_special_characters_are_encoded(world: World) -> None:
    adapter, sim = world
    odd = "dev/1?x=y#z %"
    sim.add_device(SimDevice(odd, SANDBOX_APP_ID, "odd"))
    assert adapter.preview(device(odd)).facts["deviceId"] == odd
    adapter.execute(device(odd))
    assert odd not in sim.state.devices
    assert sim.calls[-1].url.raw_path.startswith(
        b"/iocm/app/dm/v1.4.0/devices/dev%2F1%3Fx%3Dy%23z%20%25?"
    )
    (call,) = adapter.describe(device("d", app="a&cascade=false"))
    assert "appId=a%26cascade%3Dfalse&cascade=true" in call.url


def test_a_malformed_file_id_is_refused_by_the_platform(world: World) -> None:
    adapter, _ = world
    with pytest.raises(VendorError) as caught:
        adapter.execute(package("../../etc"))
    assert caught.value.code == "120015"


# -- construction ---------------------------------------------------------------------------------
def adapter_on(
    handler: Callable[[httpx.Request], httpx.Response], clock: FakeClock
) -> HuaweiAdapter:
    config = HuaweiSettings(
        base_url="https://iot.example.test", app_id=SANDBOX_APP_ID, secret=SecretStr(SANDBOX_SECRET)
    )
    client = httpx.Client(transport=httpx.MockTransport(handler))
    limiter = RateLimiter(calls=100, period=60.0, clock=clock)
    return HuaweiAdapter(config=config, client=client, clock=clock, limiter=limiter)


def test_default_port_and_shared_limiter(clock: FakeClock) -> None:
    config = HuaweiSettings(base_url="https://iot.example.test/", app_id="a", secret=SecretStr("s"))
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    first = HuaweiAdapter(config=config, client=client, clock=clock)
    second = HuaweiAdapter(config=config, client=client, clock=clock)
    other = HuaweiAdapter(config=config, client=client, clock=FakeClock())
    assert first.session.base_url == "https://iot.example.test:8743"
    assert first.session.limiter is second.session.limiter
    assert first.session.limiter is not other.session.limiter
    assert first.session.limiter.calls == 100


@pytest.mark.parametrize(
    ("base_url", "port"),
    [
        ("https://iot.example.test", 8743),  # none written: the platform's
        ("https://iot.example.test:443", 443),  # a gateway in front of it: kept
        ("https://iot.example.test:443/", 443),
        ("https://iot.example.test:8443", 8443),
    ],
)
def test_only_a_url_without_a_port_is_sent_to_8743(base_url: str, port: int) -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(401, json={"error_code": "100208", "error_desc": "no"})

    config = HuaweiSettings(base_url=base_url, app_id="a", secret=SecretStr("s"))
    client = httpx.Client(transport=httpx.MockTransport(handler))
    with pytest.raises(VendorAuthError):
        HuaweiAdapter(config=config, client=client, clock=FakeClock()).check()
    assert {(url.host, url.port or 443) for url in seen} == {("iot.example.test", port)}


@pytest.fixture
def cert_files(tmp_path: Path) -> CertFiles:
    """A throwaway self-signed certificate, its key, and an unrelated key (made in-process)."""
    return write_cert_files(tmp_path)


def test_mutual_tls_client_trusts_the_ca_and_presents_the_certificate(
    cert_files: CertFiles,
) -> None:
    cert, key, other = cert_files
    config = HuaweiSettings(
        base_url="https://iot.example.test", app_id="a", secret=SecretStr("s"),
        client_cert=cert, client_key=key, ca_bundle=cert,
    )  # fmt: skip
    context = tls_context(config)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    subjects = [ca["subject"] for ca in context.get_ca_certs()]
    assert subjects == [((("commonName", COMMON_NAME),),)]  # only the platform CA
    adapter = from_config(config)
    # Read-only look inside httpx: the pool holds the context we built (no network is used).
    pool_context = adapter.session._client._transport._pool._ssl_context  # type: ignore[attr-defined]
    assert pool_context.get_ca_certs() == context.get_ca_certs()
    assert adapter.session.base_url.endswith(":8743")
    with pytest.raises(ssl.SSLError):  # the key must match the certificate
        tls_context(config.model_copy(update={"client_key": other}))


@pytest.mark.parametrize(("value", "sent"), [("false", "false"), ("no", "false"), ("true", "true")])
def test_a_cascade_given_as_text_is_read_as_a_flag(world: World, value: str, sent: str) -> None:
    adapter, _ = world
    (call,) = adapter.describe(device("gw-0001", cascade=value))
    assert call.url.endswith(f"cascade={sent}")


def test_an_unconfigured_account_says_so() -> None:
    # The model refuses this; built unchecked, the adapter must refuse it too.
    with pytest.raises(NotConfigured):
        HuaweiAdapter(
            config=HuaweiSettings.model_construct(base_url="https://x"), client=httpx.Client()
        )


def test_only_huawei_operations_with_one_target_are_accepted(world: World) -> None:
    adapter, _ = world
    with pytest.raises(ValueError, match="does not handle"):
        adapter.preview(
            OperationRequest(operation="enos.ota-job.delete", vendor="enos", targets=("j",))
        )
    with pytest.raises(ValueError, match="exactly one"):
        adapter.execute(
            OperationRequest(operation="huawei.package.delete", vendor="huawei", targets=("a", "b"))
        )


def replicas_sharing(
    store: Any, simulator: HuaweiSimulator, clock: FakeClock, count: int
) -> list[HuaweiAdapter]:
    """`count` adapters of one application sharing `store` (a `bot.store.Store`), as replicas'
    `build_app` makes them."""
    config = HuaweiSettings(
        base_url="https://huawei.example", app_id=SANDBOX_APP_ID, secret=SecretStr(SANDBOX_SECRET)
    )
    return [
        HuaweiAdapter(
            config=config,
            client=httpx.Client(transport=simulator.transport()),
            clock=clock,
            shared=store.shared,
        )
        for _ in range(count)
    ]


def test_adapters_of_replicas_sharing_a_store_log_in_once_and_pace_together() -> None:
    from bot.store import Store  # what replicas share, as `build_app` passes it

    clock = FakeClock()
    simulator = HuaweiSimulator.seeded(clock=clock)
    store = Store.memory(clock=clock)
    replicas = replicas_sharing(store, simulator, clock, 3)

    for adapter in replicas:
        adapter.preview(package())

    assert simulator.logins == 1
    assert all(a.session.limiter is not replicas[0].session.limiter for a in replicas[1:])
    store.close()


def test_the_token_replicas_share_is_stored_sealed() -> None:
    from bot.store import Store

    clock = FakeClock()
    simulator = HuaweiSimulator.seeded(clock=clock)
    store = Store.memory(clock=clock)
    [adapter] = replicas_sharing(store, simulator, clock, 1)

    adapter.preview(package())

    grant = simulator.state.grants[SANDBOX_APP_ID]
    with store.engine.read() as db:
        [(value, refresh)] = list(db.rows("SELECT value, refresh_token FROM token_slots"))
    assert value.startswith("sealed-v1:") and grant.access not in value
    assert refresh.startswith("sealed-v1:") and grant.refresh not in refresh
    store.close()


def test_a_child_listing_without_a_device_list_still_warns(world: World) -> None:
    """An answer to the children's listing that holds no ``devices`` list says nothing about
    them: the card keeps its cascade warning instead of counting 0 children (and dropping it)."""
    _, sim = world

    def answer(request: httpx.Request) -> httpx.Response:
        if "gatewayId=" in str(request.url):
            return httpx.Response(200, json={"totalCount": None})
        return sim.handle(request)

    adapter = HuaweiAdapter(
        config=HuaweiSettings(
            base_url="https://huawei.sandbox.invalid:8743",
            app_id=SANDBOX_APP_ID,
            secret=SecretStr(SANDBOX_SECRET),
        ),
        client=httpx.Client(transport=httpx.MockTransport(answer)),
        clock=sim.clock,
        limiter=RateLimiter(calls=100, period=60.0, clock=sim.clock),
    )
    preview = adapter.preview(device("gw-0001"))
    assert "child devices" not in preview.facts
    assert preview.warnings[0].startswith("gateway: deleting it also deletes its child devices")


def test_app_naming_our_own_application_is_not_sent(world: World) -> None:
    """``appId`` is for a device of another, authorizing application; for our own the platform
    wants it null (its advice for 100217), so `--app <our appId>` sends none."""
    adapter, sim = world
    request = device("dev-meter-0001", app=SANDBOX_APP_ID)
    assert adapter.preview(request).found
    assert adapter.execute(request).summary == "Deleted device dev-meter-0001"
    described = adapter.describe(request)[0].url
    sent = sim.requests_to("/devices/dev-meter-0001")
    assert [call.method for call in sent] == ["GET", "DELETE"]
    assert all("appId" not in call.url.params for call in sent) and "appId" not in described
