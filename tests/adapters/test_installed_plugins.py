"""Every installed vendor plugin, checked the same way: its grammar, its adapters, its sandbox."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from typing import Any

import annotated_types
import pytest
from pydantic import ValidationError

from adapters.clock import FakeClock
from adapters.plugin import VendorPlugin
from adapters.registry import _source as source_of
from adapters.registry import installed_plugins
from commands.model import OperationRequest
from commands.parse import parse

PLUGINS = installed_plugins()
SPECS = PLUGINS.operations
#: Settings that make each built-in vendor configured (the hosts are never contacted).
CONFIGURED: dict[str, dict[str, Any]] = {
    "aliyun": {"access_key_id": "id", "access_key_secret": "secret", "region_id": "cn-shanghai"},
    "enos": {"base_url": "https://apim.example", "app_key": "k", "app_secret": "s"},
    "huawei": {"base_url": "https://oc.example", "app_id": "a", "secret": "s"},
    "servicepower": {"base_url": "https://sp.example", "token": "t"},
}


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.id)
def test_every_example_parses_to_its_operation(spec: Any) -> None:
    parsed = parse(spec.example.removeprefix("/ops "), PLUGINS.catalog)
    assert isinstance(parsed, OperationRequest)
    assert parsed.operation == spec.id
    assert parsed.reason


@pytest.mark.parametrize("plugin", PLUGINS.by_name.values(), ids=lambda plugin: plugin.name)
def test_configured_settings_connect_the_real_adapter(plugin: VendorPlugin[Any]) -> None:
    settings = plugin.settings.model_validate(CONFIGURED[plugin.name])
    assert settings.configured
    adapter = plugin.connect(settings, FakeClock())
    try:
        assert (adapter.vendor, adapter.sandbox) == (plugin.name, False)
    finally:
        adapter.close()


def numeric_bounds(plugin: VendorPlugin[Any]) -> dict[str, tuple[float, float]]:
    """Each numeric setting's lowest and highest value, as its settings model declares them."""
    bounds = {}
    for name, info in plugin.settings.model_fields.items():
        if info.annotation not in (int, float, float | None):
            continue
        low = high = None
        for bound in info.metadata:
            if isinstance(bound, annotated_types.Ge):
                low = bound.ge
            elif isinstance(bound, annotated_types.Gt):
                low = bound.gt + (1 if info.annotation is int else 0.001)
            elif isinstance(bound, annotated_types.Le):
                high = bound.le
        assert low is not None and high is not None, f"{plugin.name}.{name} is not bounded"
        bounds[name] = (float(low), float(high))
    return bounds


@pytest.mark.parametrize("plugin", PLUGINS.by_name.values(), ids=lambda plugin: plugin.name)
def test_every_numeric_setting_is_bounded_and_works_at_its_bounds(
    plugin: VendorPlugin[Any],
) -> None:
    """A rate or a timeout of 0 or less is refused by the model; the extremes it accepts still
    connect the real adapter (no division by zero, no limiter refusing its own rate)."""
    bounds = numeric_bounds(plugin)
    assert "timeout" in bounds
    for name, (low, high) in bounds.items():
        for refused in (0, -5, high * 2):
            with pytest.raises(ValidationError):
                plugin.settings.model_validate(CONFIGURED[plugin.name] | {name: refused})
        for accepted in (low, high):
            values = CONFIGURED[plugin.name] | {name: accepted}
            plugin.connect(plugin.settings.model_validate(values), FakeClock()).close()


@pytest.mark.parametrize("plugin", PLUGINS.by_name.values(), ids=lambda plugin: plugin.name)
def test_the_sandbox_wires_an_adapter_to_a_fresh_simulator(plugin: VendorPlugin[Any]) -> None:
    assert plugin.sandbox is not None and plugin.sandbox_targets
    built = plugin.sandbox(FakeClock())
    try:
        assert (built.adapter.vendor, built.adapter.sandbox) == (plugin.name, True)
        assert built.simulator.calls == []
    finally:
        built.adapter.close()


def test_an_entry_point_without_a_distribution_is_still_named() -> None:
    entry = EntryPoint("acme", "opsgate_acme.plugin:PLUGIN", "opsgate.vendors")
    assert str(source_of(entry)) == "entry point acme = opsgate_acme.plugin:PLUGIN in ? ?"


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.id)
def test_every_example_names_what_the_sandbox_holds(spec: Any) -> None:
    """`/ops help` examples work as typed in the console: their ids are seeded in the sandbox."""
    plugin = PLUGINS.by_name[spec.vendor]
    assert plugin.sandbox is not None
    parsed = parse(spec.example.removeprefix("/ops "), PLUGINS.catalog)
    assert isinstance(parsed, OperationRequest)
    built = plugin.sandbox(FakeClock())
    try:
        preview = built.adapter.preview(parsed)
    finally:
        built.adapter.close()
    assert preview.found, preview.summary
    assert not any("not found" in warning.lower() for warning in preview.warnings)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.id)
def test_a_dry_run_masks_a_password_in_the_vendors_url(spec: Any) -> None:
    plugin = PLUGINS.by_name[spec.vendor]
    [field] = plugin.settings.url_fields
    # Settings refuse such a URL (`check_url`); masking is the second guard, for a URL that
    # reaches an adapter anyway (a plugin that does not declare it among its url_fields).
    settings = plugin.settings.model_validate(CONFIGURED[plugin.name])
    settings = settings.model_copy(update={field: "https://ops:LEAKME-pw@gw.example:8443"})
    adapter = plugin.connect(settings, FakeClock())
    parsed = parse(spec.example.removeprefix("/ops "), PLUGINS.catalog)
    assert isinstance(parsed, OperationRequest)
    try:
        calls = adapter.describe(parsed)
    finally:
        adapter.close()
    assert calls and all(call.url.startswith("https://ops:****@gw.example:8443") for call in calls)
    assert not any("LEAKME" in call.model_dump_json() for call in calls)
