"""`opsgate plugins`, and what every command does when a vendor plugin is broken."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_plugins import install_dist

from adapters.registry import installed_plugins
from bot import cli

BUILT_IN = ["aliyun", "enos", "huawei", "servicepower"]


@pytest.fixture
def env(env: Path) -> Iterator[Path]:
    """The clean environment, and the installed plugins read afresh before and after."""
    installed_plugins.cache_clear()
    yield env
    installed_plugins.cache_clear()
    sys.modules.pop("broken_plugin", None)


def test_lists_the_four_vendors_and_their_five_operations(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("4 vendor plugins, 5 operations\n")
    assert (
        "\nhuawei: Huawei OceanConnect (opsgate 0.2.0)\n  not configured; sandbox available\n"
        in out
    )
    assert "  huawei.device.delete\n    /ops huawei device delete <deviceId> [--app <appId>]" in out
    assert "    /ops enos ota-job delete <jobId> --org <orgId> [--reason" in out
    headings = [line.split(":")[0] for line in out.splitlines() if line and not line[0].isspace()]
    assert headings[1:] == BUILT_IN


def test_usage_lines_show_force_and_break_glass_wrapped_before_a_flag(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert (
        '    /ops enos ota-job delete <jobId> --org <orgId> [--reason "<text>"] [--dry-run] '
        '[--force]\n      [--break-glass "<incident ref>"]\n'
    ) in out
    assert out.count("[--force]") == out.count("[--break-glass") == 5
    assert max(len(line) for line in out.splitlines()) <= 100


def test_json_for_scripts(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPSGATE_SERVICEPOWER__BASE_URL", "https://sp.example")
    monkeypatch.setenv("OPSGATE_SERVICEPOWER__TOKEN", "sp-token-value")
    assert cli.main(["plugins", "--json"]) == 0
    out = capsys.readouterr().out
    plugins = json.loads(out)["plugins"]
    assert [p["name"] for p in plugins] == BUILT_IN
    by_name = {p["name"]: p for p in plugins}
    assert by_name["servicepower"]["configured"] is True
    assert by_name["enos"]["configured"] is False
    assert by_name["enos"]["sandbox"] is True
    assert by_name["enos"]["distribution"] == "opsgate"
    assert by_name["enos"]["entry_point"] == "enos = adapters.enos.plugin:PLUGIN"
    assert "otajob-7d2c1e" in by_name["enos"]["sandbox_targets"]
    assert [op["id"] for op in by_name["huawei"]["operations"]] == [
        "huawei.package.delete",
        "huawei.device.delete",
    ]
    assert by_name["huawei"]["operations"][0]["usage"].startswith("/ops huawei package delete")
    assert "sp-token-value" not in out


def test_help_describes_the_command_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert (
        "list the installed vendor plugins and the operations each adds" in capsys.readouterr().out
    )


@pytest.mark.parametrize("command", [["plugins"], ["check"], ["serve"], ["console"]])
def test_a_broken_plugin_is_one_line_and_exit_2(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    site = env / "site"
    install_dist(
        site,
        "opsgate-broken",
        entry_points={"broken": "broken_plugin:PLUGIN"},
        modules={"broken_plugin.py": "raise RuntimeError('no licence key')\n"},
    )
    monkeypatch.syspath_prepend(str(site))
    assert cli.main(command) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "opsgate: vendor plugin 'broken' (entry point broken = broken_plugin:PLUGIN in "
        "opsgate-broken 1.0) failed to import: RuntimeError: no licence key\n"
    )
