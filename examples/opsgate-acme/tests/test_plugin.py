"""The plugin as opsgate sees it: checked like an installed one, its grammar, its sandbox."""

from __future__ import annotations

import logging

import pytest
from adapters.registry import Plugins, build_adapters
from commands.catalog import Catalog
from commands.model import OperationRequest, UsageError
from commands.parse import parse
from pydantic import ValidationError

from opsgate_acme.plugin import PLUGIN, sandboxed
from opsgate_acme.settings import AcmeSettings

CATALOG = Catalog(PLUGIN.operations)


def test_opsgate_accepts_the_plugin() -> None:
    plugins = Plugins.of(PLUGIN)
    assert plugins.plugin_for("acme.widget.delete") is PLUGIN
    assert plugins.catalog.ids == ("acme.widget.delete",)


def test_the_command_parses() -> None:
    request = parse('acme widget delete w-1001 --reason "decommissioned"', CATALOG)
    assert request == OperationRequest(
        operation="acme.widget.delete",
        vendor="acme",
        targets=("w-1001",),
        reason="decommissioned",
    )
    example = parse(PLUGIN.operations[0].example.removeprefix("/ops "), CATALOG)
    assert isinstance(example, OperationRequest)


@pytest.mark.parametrize("widget", ["w/1", "w.1", "w1", "x" * 41, "w 1"])
def test_a_bad_widget_id_is_a_usage_error(widget: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(f'acme widget delete "{widget}"', CATALOG)
    assert caught.value.field == "widgetId"


def test_unconfigured_it_runs_on_its_sandbox() -> None:
    adapters = build_adapters(Plugins.of(PLUGIN), {}, sandbox=True)
    assert adapters.is_sandboxed("acme")
    assert adapters.sandbox_targets["acme"].startswith("widgets w-1001")
    preview = adapters.get("acme").preview(
        OperationRequest(operation="acme.widget.delete", vendor="acme", targets=("w-1001",))
    )
    assert preview.found


def test_configured_it_connects_to_the_real_api() -> None:
    settings = AcmeSettings.model_validate(
        {"base_url": "https://api.acme.example", "token": "t-value"}
    )
    adapters = build_adapters(Plugins.of(PLUGIN), {"acme": settings}, sandbox=True)
    assert not adapters.is_sandboxed("acme")
    assert adapters.get("acme").sandbox is False
    adapters.close()


def test_the_sandbox_adapter_is_marked() -> None:
    built = sandboxed()
    assert built.adapter.sandbox
    built.adapter.close()


@pytest.mark.parametrize("token", ["two words", "t\u00f6ken"])
def test_a_token_that_cannot_go_in_a_header_is_refused_naming_it(token: str) -> None:
    with pytest.raises(ValidationError) as caught:
        AcmeSettings.model_validate({"base_url": "https://api.acme.example", "token": token})
    assert caught.value.errors()[0]["loc"] == ("token",)


@pytest.mark.parametrize(
    ("base_url", "warned"),
    [
        ("http://api.acme.example", True),
        ("https://api.acme.example", False),
        ("http://127.0.0.1:9", False),
    ],
)
def test_a_token_over_plain_http_to_another_machine_is_warned_about(
    caplog: pytest.LogCaptureFixture, base_url: str, warned: bool
) -> None:
    # opsgate says it as it builds the adapter: the plugin's own code does nothing for it.
    settings = AcmeSettings.model_validate({"base_url": base_url, "token": "t-value"})
    with caplog.at_level(logging.WARNING):
        build_adapters(Plugins.of(PLUGIN), {"acme": settings}, sandbox=False).close()
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    warning = (
        "OPSGATE_ACME__BASE_URL is plain http to another machine: every call sends the token "
        "unencrypted unless a proxy on the way adds TLS (use https://)"
    )
    assert said == ([warning] if warned else [])
    assert "t-value" not in caplog.text
