"""Discovering vendor plugins through entry points, checking them, and building adapters."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_plugins import GLOBEX, FakeAdapter, GlobexSettings, install_dist, operation, vendor_plugin
from pydantic import Field, SecretStr

from adapters.clock import FakeClock
from adapters.errors import NotConfigured
from adapters.registry import GROUP, PluginError, Plugins, build_adapters, discover_plugins
from commands.spec import FlagKind, FlagSpec

BUILT_IN = ("aliyun", "enos", "huawei", "servicepower")
PLUGIN_MODULE = """
    from fake_plugins import vendor_plugin

    PLUGIN = vendor_plugin("globex")
    NOT_A_PLUGIN = {"name": "globex"}
    OTHER_NAME = vendor_plugin("initech")
    HUAWEI = vendor_plugin("huawei")
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory on sys.path, where a test installs distributions."""
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("globex_plugin", None)  # each test writes its own


def error(site: Path, entry_points: dict[str, str], source: str = PLUGIN_MODULE) -> str:
    install_dist(
        site, "opsgate-globex", entry_points=entry_points, modules={"globex_plugin.py": source}
    )
    with pytest.raises(PluginError) as caught:
        discover_plugins()
    return str(caught.value)


# -- what is installed ----------------------------------------------------------------------------


def test_the_built_in_vendors_are_plugins_of_the_opsgate_distribution() -> None:
    plugins = discover_plugins()
    assert tuple(plugins.by_name) == BUILT_IN
    assert [spec.id for spec in plugins.operations] == [
        "aliyun.ota-task.cancel",
        "enos.ota-job.delete",
        "huawei.package.delete",
        "huawei.device.delete",
        "servicepower.job.cancel",
    ]
    source = plugins.sources["huawei"]
    assert (source.distribution, source.entry_point) == (
        "opsgate",
        "huawei = adapters.huawei.plugin:PLUGIN",
    )
    assert plugins.describe("huawei").startswith("vendor plugin 'huawei' (entry point huawei = ")


def test_loading_the_plugins_and_their_real_adapters_loads_no_simulator() -> None:
    """Production never loads simulator code: checked in a fresh interpreter."""
    script = (
        "import sys\n"
        "from adapters.registry import discover_plugins\n"
        "for plugin in discover_plugins().by_name.values():\n"
        "    plugin.connect  # the real adapters' modules are imported with the plugin\n"
        "print(sorted(m for m in sys.modules if 'simulator' in m))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
    assert (
        "adapters.huawei.adapter"
        in subprocess.run(
            [sys.executable, "-c", script.replace("'simulator' in m", "m.endswith('adapter')")],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    )


def test_discovery_reads_the_entry_points_afresh(site: Path) -> None:
    assert "globex" not in discover_plugins().by_name
    install_dist(
        site,
        "opsgate-globex",
        entry_points={"globex": "globex_plugin:PLUGIN"},
        modules={"globex_plugin.py": PLUGIN_MODULE},
        version="2.3",
    )
    plugins = discover_plugins()
    assert tuple(plugins.by_name) == ("aliyun", "enos", "globex", "huawei", "servicepower")
    assert plugins.sources["globex"].distribution == "opsgate-globex"
    assert plugins.sources["globex"].version == "2.3"
    assert plugins.plugin_for("globex.order.cancel").name == "globex"
    assert plugins.catalog.spec_for("globex.gizmo.delete").vendor == "globex"


def test_plugin_for_an_unknown_operation() -> None:
    with pytest.raises(KeyError):
        Plugins.of(GLOBEX).plugin_for("enos.ota-job.delete")


def test_help_order_is_plugin_name_then_declaration_order() -> None:
    plugins = Plugins.of(vendor_plugin("zeta"), vendor_plugin("alpha"))
    assert [spec.id for spec in plugins.operations] == [
        "alpha.gizmo.delete",
        "alpha.order.cancel",
        "zeta.gizmo.delete",
        "zeta.order.cancel",
    ]
    assert plugins.catalog.vendors == ("alpha", "zeta")


# -- what is refused, in one sentence naming the entry point and its distribution -------------


def test_a_plugin_that_fails_to_import(site: Path) -> None:
    message = error(site, {"globex": "globex_plugin:PLUGIN"}, "import no_such_module\n")
    assert message == (
        "vendor plugin 'globex' (entry point globex = globex_plugin:PLUGIN in opsgate-globex "
        "1.0) failed to import: ModuleNotFoundError: No module named 'no_such_module'"
    )


def test_a_plugin_whose_import_calls_sys_exit(site: Path) -> None:
    source = "import sys\nsys.exit('globex needs the globex-sdk package')\n"
    message = error(site, {"globex": "globex_plugin:PLUGIN"}, source)
    assert message == (
        "vendor plugin 'globex' (entry point globex = globex_plugin:PLUGIN in opsgate-globex "
        "1.0) failed to import: SystemExit: globex needs the globex-sdk package"
    )


def test_a_plugin_whose_module_has_no_such_object(site: Path) -> None:
    assert "failed to import: AttributeError" in error(site, {"globex": "globex_plugin:NOPE"})


def test_an_entry_point_that_is_not_a_plugin(site: Path) -> None:
    message = error(site, {"globex": "globex_plugin:NOT_A_PLUGIN"})
    assert message.endswith("in opsgate-globex 1.0) is a dict, not a VendorPlugin")


def test_the_entry_point_must_be_named_after_the_plugin(site: Path) -> None:
    message = error(site, {"globex": "globex_plugin:OTHER_NAME"})
    assert "is called 'initech'; name the entry point after it" in message


def test_two_plugins_with_one_name(site: Path) -> None:
    install_dist(site, "other-globex", entry_points={"globex": "globex_plugin:PLUGIN"})
    message = error(site, {"globex": "globex_plugin:PLUGIN"})
    # Both are named, so whoever installed the second one can tell which to remove.
    assert message.startswith("two installed vendor plugins are called 'globex' (")
    assert "in other-globex 1.0" in message and "in opsgate-globex 1.0" in message
    assert message.endswith("; uninstall one")


def test_a_plugin_may_not_take_a_built_in_name(site: Path) -> None:
    message = error(site, {"huawei": "globex_plugin:HUAWEI"})
    assert message.startswith("two installed vendor plugins are called 'huawei' (")
    assert (
        "in opsgate-globex 1.0" in message and "adapters.huawei.plugin:PLUGIN in opsgate" in message
    )


def test_the_group_is_opsgate_vendors() -> None:
    assert GROUP == "opsgate.vendors"


@pytest.mark.parametrize("name", ["Globex", "glo_bex", "9lobex", ""])
def test_a_name_must_be_a_lowercase_word(name: str) -> None:
    with pytest.raises(PluginError, match="needs a lowercase word for a name"):
        Plugins.of(vendor_plugin(name))


@pytest.mark.parametrize("name", ["help", "status", "history"])
def test_a_name_may_not_be_one_of_opsgates_commands_and_says_so(name: str) -> None:
    with pytest.raises(PluginError) as caught:
        Plugins.of(vendor_plugin(name))
    assert str(caught.value) == (
        f"vendor plugin {name!r} is named like opsgate's own command {name!r} "
        "(/ops help, /ops history, /ops status); rename the plugin"
    )


def test_a_duplicate_operation_id() -> None:
    """Ids start with their plugin's name, so a duplicate can only be within one plugin."""
    twice = vendor_plugin("globex", operations=(operation("globex"), operation("globex")))
    with pytest.raises(PluginError) as caught:
        Plugins.of(twice)
    assert str(caught.value) == "vendor plugin 'globex' declares globex.gizmo.delete twice"


def test_an_operation_for_another_vendor() -> None:
    stray = vendor_plugin("globex", operations=(operation("initech"),))
    with pytest.raises(PluginError) as caught:
        Plugins.of(stray)
    assert str(caught.value) == (
        "vendor plugin 'globex' declares initech.gizmo.delete for vendor 'initech', not 'globex'"
    )


def test_an_operation_id_must_be_vendor_resource_action() -> None:
    from dataclasses import replace

    odd = replace(operation("globex"), id="globex.gizmo-delete")
    with pytest.raises(PluginError, match=r"id is <vendor>\.<resource>\.<action>, so this"):
        Plugins.of(vendor_plugin("globex", operations=(odd,)))


@pytest.mark.parametrize(
    ("flag", "key", "said"),
    [
        ("--reason", "why", "declares --reason on globex.gizmo.delete; every operation has it"),
        # The flag's name is its own: the clash is its key, and the message says so (it once
        # said "declares --why …; every operation has it already", which no operation has).
        (
            "--why",
            "dry_run",
            "declares --why on globex.gizmo.delete with the key 'dry_run', which is --dry-run's "
            "(every operation has it already); give --why a key of its own",
        ),
    ],
)
def test_an_operation_may_not_redeclare_a_common_flag(flag: str, key: str, said: str) -> None:
    from dataclasses import replace

    clash = FlagSpec(name=flag, key=key, kind=FlagKind.TEXT, help="x")
    spec = replace(operation("globex"), flags=(clash,))
    with pytest.raises(PluginError) as caught:
        Plugins.of(vendor_plugin("globex", operations=(spec,)))
    assert said in str(caught.value)


def test_settings_must_be_a_vendor_settings_model() -> None:
    with pytest.raises(PluginError, match="not a VendorSettings model"):
        Plugins.of(vendor_plugin("globex", settings=dict))


def test_settings_defaults_must_be_valid() -> None:
    class Broken(GlobexSettings):
        token: SecretStr | None = SecretStr("half")  # a token without a base URL

    with pytest.raises(PluginError, match="has settings whose defaults are invalid") as caught:
        Plugins.of(vendor_plugin("globex", settings=Broken))
    assert "\n" not in str(caught.value)  # one line, not pydantic's report
    assert "[type=" not in str(caught.value)


def test_defaults_out_of_their_own_bounds_are_refused_naming_each_field() -> None:
    class OutOfBounds(GlobexSettings):
        calls_per_minute: int = Field(default=0, ge=1)
        region: str = Field(default="eu", min_length=3)

    with pytest.raises(PluginError) as caught:
        Plugins.of(vendor_plugin("globex", settings=OutOfBounds))
    assert str(caught.value) == (
        "vendor plugin 'globex' has settings whose defaults are invalid: region: String should "
        "have at least 3 characters; calls_per_minute: Input should be greater than or equal to 1"
    )


def test_an_invalid_default_checked_by_the_whole_model_names_its_field() -> None:
    class BadURL(GlobexSettings):
        base_url: str | None = "ftp://globex.example"  # `url_fields`: checked by the model

    with pytest.raises(PluginError) as caught:
        Plugins.of(vendor_plugin("globex", settings=BadURL))
    assert str(caught.value) == (
        "vendor plugin 'globex' has settings whose defaults are invalid: "
        "base_url: must be an http:// or https:// URL"
    )


@pytest.mark.parametrize(
    "example",
    [
        "/ops globex gizmo delet g-1 --reason x",  # does not parse
        "/ops globex gizmo delete g-1",  # no reason
    ],
)
def test_an_example_must_be_the_operation_with_a_reason(example: str) -> None:
    spec = dataclasses.replace(operation("globex"), example=example)
    with pytest.raises(PluginError, match=r"globex\.gizmo\.delete an example") as caught:
        Plugins.of(vendor_plugin("globex", operations=(spec,)))
    assert example in str(caught.value)


# -- building adapters ------------------------------------------------------------------------


CONFIGURED = GlobexSettings(base_url="https://globex.example", token=SecretStr("t"))


def test_a_configured_vendor_gets_its_real_adapter() -> None:
    adapters = build_adapters(Plugins.of(GLOBEX), {"globex": CONFIGURED}, sandbox=True)
    adapter = adapters.get("globex")
    assert isinstance(adapter, FakeAdapter) and adapter.settings is CONFIGURED
    assert not adapters.is_sandboxed("globex")
    assert adapters.titles == {"globex": "Globex Gizmos"}
    assert adapters.sandbox_targets == {}


def test_a_plugin_that_shares_state_gets_what_replicas_share() -> None:
    given: list[object] = []

    def connect_shared(settings: GlobexSettings, clock: object, shared: object) -> FakeAdapter:
        given.append(shared)
        return FakeAdapter(vendor="globex", settings=settings)

    sharing = vendor_plugin(connect_shared=connect_shared)
    shared = object()  # what the store hands out; the plugin alone knows what it asks of it

    build_adapters(Plugins.of(sharing), {"globex": CONFIGURED}, sandbox=False, shared=shared)  # type: ignore[arg-type]
    build_adapters(Plugins.of(sharing), {"globex": CONFIGURED}, sandbox=False)  # no database

    assert given == [shared]


def test_an_unconfigured_vendor_is_sandboxed_when_allowed() -> None:
    adapters = build_adapters(Plugins.of(GLOBEX), {}, sandbox=True, clock=FakeClock())
    assert adapters.get("globex").sandbox
    assert adapters.is_sandboxed("globex")
    assert adapters.sandbox_targets == {"globex": "gizmos g-1, g-2"}


def test_an_unconfigured_vendor_says_so() -> None:
    adapters = build_adapters(Plugins.of(GLOBEX), {"globex": GlobexSettings()}, sandbox=False)
    assert adapters.unconfigured == {"globex"}
    with pytest.raises(NotConfigured, match="globex is not configured") as caught:
        adapters.get("globex")
    # Backticked, so the card shows them as code to copy.
    assert "`OPSGATE_GLOBEX__*`" in caught.value.next_step
    assert "`OPSGATE_SANDBOX=1`" in caught.value.next_step


def test_a_plugin_without_a_sandbox_stays_unconfigured_in_sandbox_mode() -> None:
    adapters = build_adapters(Plugins.of(vendor_plugin(sandbox=None)), {}, sandbox=True)
    assert adapters.unconfigured == {"globex"}
    assert adapters.simulators == {}
    with pytest.raises(NotConfigured) as caught:
        adapters.get("globex")
    # Sandboxing cannot help a vendor with no simulator: the next step does not offer it.
    assert "OPSGATE_SANDBOX" not in caught.value.next_step
    assert caught.value.next_step.endswith("; it has no simulator.")


def test_a_vendor_with_no_plugin_says_so() -> None:
    adapters = build_adapters(Plugins.of(GLOBEX), {}, sandbox=True)
    with pytest.raises(NotConfigured, match="no vendor plugin called initech is installed"):
        adapters.get("initech")


def test_settings_of_the_wrong_model_are_refused() -> None:
    from adapters.enos.settings import EnosSettings

    with pytest.raises(TypeError, match="globex's settings must be GlobexSettings"):
        build_adapters(Plugins.of(GLOBEX), {"globex": EnosSettings()}, sandbox=True)


def test_close_closes_every_adapter() -> None:
    adapters = build_adapters(Plugins.of(GLOBEX), {}, sandbox=True)
    adapters.close()
    assert adapters.get("globex").closed  # type: ignore[attr-defined]
