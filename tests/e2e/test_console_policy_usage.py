"""Usage, help and the form follow the policy (SPEC §1, §3): a reason shown as required where
the policy requires one, ``--break-glass`` only where someone may use it, and the target limit
and examples within the policy's ``max_targets``, so nothing teaches a command it refuses."""

from __future__ import annotations

import io
from pathlib import Path

from bot.console import run_console
from bot.settings import load_settings

POLICY = """\
[policy]
approvers = ["S0OPSLEADS"]
require_reason = false

[policy.operations."aliyun.ota-task.cancel"]
max_targets = 20
require_reason = true
break_glass = ["U0ALICE"]
"""
ALIYUN = "/ops aliyun ota-task cancel"


def run(script: str, tmp_path: Path) -> str:
    (tmp_path / "opsgate.toml").write_text(POLICY)
    settings = load_settings({"OPSGATE_CONFIG": str(tmp_path / "opsgate.toml")})
    out = io.StringIO()
    code = run_console(settings, stdin=io.StringIO(script), stdout=out, db=tmp_path / "console.db")
    assert code == 0
    return out.getvalue()


def usage_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(("Usage: ", "/ops "))]


def test_the_usage_under_an_error_follows_the_policy(tmp_path: Path) -> None:
    output = run(f"{ALIYUN} thermo-001 --firmware f1\n/ops huawei device delete a1 b2\n", tmp_path)
    aliyun, huawei = [line for line in usage_lines(output) if line.startswith("Usage: ")]
    assert ' --reason "<text>" [--dry-run]' in aliyun
    assert '[--break-glass "<incident ref>"]' in aliyun
    assert '[--reason "<text>"]' in huawei
    assert "--break-glass" not in huawei  # the policy lets nobody break glass for it
    assert "thermo-{001..020}" in output and "thermo-{001..050}" not in output


def test_help_states_the_policy_limit_and_an_example_within_it(tmp_path: Path) -> None:
    output = run("/ops help aliyun\n", tmp_path)
    assert "Up to 20 targets per request." in " ".join(output.split())
    assert "10,000" not in output
    example = " ".join(output[output.index("Example:") :].split()[:3])
    assert example == "Example: `/ops aliyun"
    assert "thermo-{001..020}" in output and "thermo-{001..050}" not in output
    assert "--break-glass" in "".join(usage_lines(output))


def test_the_form_shows_the_usage_and_limit_of_the_policy(tmp_path: Path) -> None:
    output = run("form aliyun.ota-task.cancel\n" + "\n" * 12, tmp_path)
    [usage] = usage_lines(output)
    assert ' --reason "<text>" [--dry-run]' in usage
    assert "Up to 20," in output and "up to 20." in output
    assert "10,000" not in output


def test_too_many_targets_is_told_the_policy_s_limit(tmp_path: Path) -> None:
    output = run(f'{ALIYUN} thermo-{{00001..10001}} --firmware f1 --reason "fleet"\n', tmp_path)
    flat = " ".join(output.split())
    assert "takes at most 20 deviceName values under the policy; 10,001 were given." in flat
    assert "10,000" not in output


def test_the_usages_under_an_incomplete_or_unknown_command_follow_the_policy(
    tmp_path: Path,
) -> None:
    """`/ops huawei` lists Huawei's usages and an unknown vendor every command's: each under
    the policy's terms, as one operation's usage is."""
    output = run("/ops huawei\n/ops huawei.device.delete gw-0001\n", tmp_path)
    incomplete = output[output.index("alice> /ops huawei\n") : output.index("alice> /ops huawei.")]
    unknown = output[output.index("alice> /ops huawei.") :]
    assert "Incomplete command" in incomplete and "Commands:" in unknown
    shown = usage_lines(incomplete) + usage_lines(unknown)
    huawei = [line for line in shown if "huawei" in line and "Example" not in line]
    [aliyun] = [line for line in usage_lines(unknown) if line.startswith(ALIYUN)]
    assert len(huawei) == 4  # two in each answer
    assert all("--break-glass" not in line for line in huawei)
    assert ' --reason "<text>" [--dry-run]' in aliyun
    assert '[--break-glass "<incident ref>"]' in aliyun
