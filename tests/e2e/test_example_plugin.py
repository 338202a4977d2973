"""Adding a vendor touches no file of opsgate: the example plugin, installed, works end to end.

The package in examples/opsgate-acme is installed the way a user would (pip, offline, into a
directory of its own, never into the suite's environment); its own tests run against its
simulator; then opsgate discovers it and carries a request through signed HTTP requests and the
Slack stand-in: request, card, approval, the vendor's DELETE, the card updated, the audit trail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from served_app import CHANNEL, blocks_of, served_opsgate

from adapters.registry import discover_plugins
from bot import cards
from bot.model import AuditEventName, RequestState

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "opsgate-acme"
ALICE, BOB = "U0ALICE", "U0BOB"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def acme_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example installed with pip into a directory of its own (from a copy, so the build
    leaves nothing in the repository)."""
    work = tmp_path_factory.mktemp("acme")
    source = work / "source"
    shutil.copytree(
        EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )
    site = work / "site"
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
            "--no-build-isolation", "--no-index", "--target", str(site), str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )  # fmt: skip
    return site


@pytest.fixture
def acme_on_path(acme_site: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(acme_site))
    yield acme_site
    for name in [m for m in sys.modules if m == "opsgate_acme" or m.startswith("opsgate_acme.")]:
        del sys.modules[name]


def test_the_examples_dependency_admits_this_opsgate() -> None:
    # The suite installs the example with --no-deps, so pip's own check would never run here.
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [Requirement(text) for text in project["dependencies"]]
    [opsgate] = [requirement for requirement in wanted if requirement.name == "opsgate"]
    assert opsgate.specifier.contains(version("opsgate")), (str(opsgate), version("opsgate"))


def environment(site: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("OPSGATE_", "SLACK_"))}
    # The checkout under test after the example: not whichever opsgate the venv installed.
    return keep | {"PYTHONPATH": os.pathsep.join((str(site), str(ROOT)))} | extra


def test_the_example_passes_its_own_tests_against_its_simulator(
    acme_site: Path, tmp_path: Path
) -> None:
    tests = tmp_path / "example"
    shutil.copytree(EXAMPLE, tests, ignore=shutil.ignore_patterns("src", "build", "__pycache__"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tests,
        env=environment(acme_site),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_the_suites_environment_does_not_have_the_example() -> None:
    assert "acme" not in discover_plugins().by_name


def test_a_request_goes_through_the_whole_lifecycle(acme_on_path: Path, tmp_path: Path) -> None:
    plugins = discover_plugins()
    assert list(plugins.by_name) == ["acme", "aliyun", "enos", "huawei", "servicepower"]
    assert plugins.sources["acme"].distribution == "opsgate-acme"
    with served_opsgate(tmp_path, plugins=plugins) as served:
        ack = served.slash('acme widget delete w-1001 --reason "worn out, INC-7"', user=ALICE)
        assert ack.status_code == 200
        request_id = served.card_request_id()
        assert served.opsgate.runner.wait_idle(10)
        card = str(blocks_of(served.slack.calls_to("chat.postMessage")[0]))
        assert "acme.widget.delete" in card and "w-1001" in card and "SANDBOX" in card

        click = served.click(cards.APPROVE_ACTION, request_id, user=BOB)
        assert click.status_code == 200
        assert served.opsgate.runner.wait_idle(10)

        simulator = served.opsgate.adapters.simulators["acme"]
        deletes = [r for r in simulator.calls if r.method == "DELETE"]
        assert [r.url.path for r in deletes] == ["/v1/widgets/w-1001"]
        assert "w-1001" not in simulator.widgets  # type: ignore[attr-defined]
        record = served.opsgate.store.get(request_id)
        assert record is not None and record.state is RequestState.SUCCEEDED
        update = served.slack.calls_to("chat.update")[-1]
        assert "succeeded" in str(blocks_of(update)).lower()
        assert served.slack.message(CHANNEL, str(record.message_ts)) is not None
        assert [e.event for e in served.opsgate.store.events(request_id=request_id)] == [
            AuditEventName.REQUESTED,
            AuditEventName.APPROVED,
            AuditEventName.EXECUTING,
            AuditEventName.SUCCEEDED,
        ]


def test_opsgate_plugins_lists_the_example_beside_the_built_in_vendors(
    acme_site: Path, tmp_path: Path
) -> None:
    (tmp_path / "opsgate.toml").write_text("")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "plugins"],
        cwd=tmp_path,
        env=environment(acme_site, OPSGATE_CONFIG=str(tmp_path / "opsgate.toml")),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("5 vendor plugins, 6 operations\n")
    assert "\nacme: Acme Widgets (opsgate-acme 0.1.0)\n" in result.stdout
    assert "    /ops acme widget delete <widgetId> [--reason" in result.stdout
    assert "\nhuawei: Huawei OceanConnect (opsgate 0.2.0)\n" in result.stdout
