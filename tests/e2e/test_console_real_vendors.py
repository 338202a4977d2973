"""The console sandboxes only the vendors that are not configured: one whose credentials are
set (a shell with production settings exported, say) is called for real. The banner must say
so, loudly, rather than "a local Slack with sandboxed vendors"."""

from __future__ import annotations

import io
from pathlib import Path

from bot.console import run_console
from bot.settings import load_settings

REAL = {
    "OPSGATE_SERVICEPOWER__BASE_URL": "https://servicebroker.example.invalid",
    "OPSGATE_SERVICEPOWER__TOKEN": "not-a-real-token",
}


def banner(tmp_path: Path, env: dict[str, str]) -> str:
    (tmp_path / "opsgate.toml").write_text("")
    settings = load_settings({"OPSGATE_CONFIG": str(tmp_path / "opsgate.toml"), **env})
    out = io.StringIO()
    code = run_console(settings, stdin=io.StringIO("quit\n"), stdout=out, db=tmp_path / "c.db")
    assert code == 0
    return out.getvalue()[: out.getvalue().index("alice> quit")]


def test_a_configured_vendor_is_named_as_real_in_the_banner(tmp_path: Path) -> None:
    shown = banner(tmp_path, REAL)
    assert "with sandboxed vendors" not in shown
    assert (
        "⚠ REAL: servicepower (ServicePower ServiceBroker) is configured "
        "(OPSGATE_SERVICEPOWER__* or [servicepower]): its commands call the real vendor."
        in " ".join(shown.split())
    )
    assert "  servicepower (" not in shown[shown.index("Sandbox targets:") :]


def test_with_nothing_configured_every_vendor_is_sandboxed_and_none_is_named_real(
    tmp_path: Path,
) -> None:
    shown = banner(tmp_path, {})
    assert "a local Slack with sandboxed vendors" in shown
    assert "REAL" not in shown


#: Every built-in vendor configured, as an `opsgate.toml` of a deployment would have it.
EVERY_VENDOR = REAL | {
    "OPSGATE_ENOS__BASE_URL": "https://enos.example.invalid",
    "OPSGATE_ENOS__APP_KEY": "key",
    "OPSGATE_ENOS__APP_SECRET": "not-a-real-secret",
    "OPSGATE_ALIYUN__REGION_ID": "cn-shanghai",
    "OPSGATE_ALIYUN__ACCESS_KEY_ID": "id",
    "OPSGATE_ALIYUN__ACCESS_KEY_SECRET": "not-a-real-secret",
    "OPSGATE_HUAWEI__BASE_URL": "https://huawei.example.invalid:8743",
    "OPSGATE_HUAWEI__APP_ID": "app",
    "OPSGATE_HUAWEI__SECRET": "not-a-real-secret",
}


def test_with_every_vendor_configured_the_banner_promises_no_sandbox(tmp_path: Path) -> None:
    shown = banner(tmp_path, EVERY_VENDOR)
    assert "a local Slack with no vendor sandboxed." in shown
    assert "sandbox target below" not in shown and "Sandbox targets:" not in shown
    assert shown.count("⚠ REAL:") == 4
    assert "not-a-real" not in shown  # no secret is printed
    assert not shown.endswith("\n\n\n")  # no stray blank lines before the prompt
