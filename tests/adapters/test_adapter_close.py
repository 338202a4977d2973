"""Closing the adapters (at the end of `opsgate check`, at shutdown, when another plugin failed
to connect) runs each plugin's own `close`. One that raises is one warning naming it, its
secrets masked; the other adapters are still closed, and its error never stands in place of the
one that stopped start-up."""

from __future__ import annotations

import logging

import pytest
from fake_plugins import FakeAdapter, FakeSimulator, GlobexSettings, vendor_plugin
from pydantic import SecretStr

from adapters.clock import Clock
from adapters.plugin import Sandbox
from adapters.plugin_start import PluginStartError
from adapters.registry import Plugins, build_adapters

TOKEN = "tok-SECRET-9876"


class FailsToClose(FakeAdapter):
    def close(self) -> None:
        raise RuntimeError(f"session {TOKEN} already closed")


def closing_badly(settings: GlobexSettings, clock: Clock) -> FakeAdapter:
    return FailsToClose(vendor="acme", settings=settings)


def refusing(settings: GlobexSettings, clock: Clock) -> FakeAdapter:
    raise ValueError("zeta's gateway refused the certificate")


def settings() -> GlobexSettings:
    return GlobexSettings(base_url="https://x.example", token=SecretStr(TOKEN))


ACME = vendor_plugin("acme", connect=closing_badly)


def test_a_plugin_that_failed_to_connect_is_named_though_another_fails_to_close() -> None:
    plugins = Plugins.of(ACME, vendor_plugin("zeta", connect=refusing))
    with pytest.raises(PluginStartError) as caught:
        build_adapters(plugins, {"acme": settings(), "zeta": settings()}, sandbox=False)
    assert str(caught.value) == (
        "vendor plugin 'zeta' failed to connect: ValueError: zeta's gateway refused the certificate"
    )


def test_an_adapter_that_fails_to_close_is_one_warning_and_the_others_close(
    caplog: pytest.LogCaptureFixture,
) -> None:
    plugins = Plugins.of(ACME, vendor_plugin("zeta"))
    adapters = build_adapters(plugins, {"acme": settings(), "zeta": settings()}, sandbox=False)
    with caplog.at_level(logging.WARNING):
        adapters.close()
    zeta = adapters.get("zeta")
    assert isinstance(zeta, FakeAdapter) and zeta.closed
    assert [r.getMessage() for r in caplog.records] == [
        "vendor plugin 'acme' failed to close its adapter: RuntimeError: session **** already "
        "closed"
    ]


class ExitsOnClose(FakeAdapter):
    def close(self) -> None:
        raise SystemExit(1)  # a vendor SDK's habit


def test_an_adapter_whose_close_exits_is_one_warning_and_the_others_close(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def connect(settings: GlobexSettings, clock: Clock) -> FakeAdapter:
        return ExitsOnClose(vendor="acme", settings=settings)

    plugins = Plugins.of(vendor_plugin("acme", connect=connect), vendor_plugin("zeta"))
    adapters = build_adapters(plugins, {"acme": settings(), "zeta": settings()}, sandbox=False)
    with caplog.at_level(logging.WARNING):
        adapters.close()
    zeta = adapters.get("zeta")
    assert isinstance(zeta, FakeAdapter) and zeta.closed
    assert [r.getMessage() for r in caplog.records] == [
        "vendor plugin 'acme' failed to close its adapter: SystemExit: 1"
    ]


def test_an_adapter_refused_by_the_shape_check_is_closed_before_check_builds_the_others() -> None:
    returned: list[FakeAdapter] = []

    def misnamed(settings: GlobexSettings, clock: Clock) -> FakeAdapter:
        returned.append(FakeAdapter(vendor="acmee", settings=settings))
        return returned[-1]

    plugins = Plugins.of(vendor_plugin("acme", connect=misnamed), vendor_plugin("zeta"))
    adapters = build_adapters(
        plugins, {"acme": settings(), "zeta": settings()}, sandbox=False, keep_going=True
    )
    assert "whose vendor is 'acmee', not 'acme'" in str(adapters.failed["acme"])
    assert [a.closed for a in returned] == [True]


def test_a_sandbox_adapter_refused_by_the_shape_check_is_closed() -> None:
    returned: list[FakeAdapter] = []

    def unmarked(clock: Clock) -> Sandbox:
        returned.append(FakeAdapter(vendor="acme", sandbox=None))  # type: ignore[arg-type]
        return Sandbox(adapter=returned[-1], simulator=FakeSimulator())  # type: ignore[arg-type]

    with pytest.raises(PluginStartError, match="no sandbox attribute"):
        build_adapters(Plugins.of(vendor_plugin("acme", sandbox=unmarked)), {}, sandbox=True)
    assert [a.closed for a in returned] == [True]


@pytest.mark.parametrize(
    ("closes", "warned"),
    [
        (FailsToClose, "RuntimeError: session **** already closed"),
        (ExitsOnClose, "SystemExit: 1"),
    ],
    ids=["raises", "exits"],
)
def test_a_refused_adapter_whose_close_fails_is_one_masked_warning_beside_the_refusal(
    caplog: pytest.LogCaptureFixture, closes: type[FakeAdapter], warned: str
) -> None:
    def misnamed(settings: GlobexSettings, clock: Clock) -> FakeAdapter:
        return closes(vendor="acmee", settings=settings)

    with caplog.at_level(logging.WARNING), pytest.raises(PluginStartError) as caught:
        build_adapters(
            Plugins.of(vendor_plugin("acme", connect=misnamed)), {"acme": settings()}, sandbox=False
        )
    assert "whose vendor is 'acmee', not 'acme'" in str(caught.value)
    assert [r.getMessage() for r in caplog.records] == [
        f"vendor plugin 'acme' failed to close its refused adapter: {warned}"
    ]
