"""The architecture's one-way dependencies (STYLE.md), checked on the source itself.

commands/ knows no Slack, no HTTP, no storage; adapters/ knows no Slack and no storage; only
bot/store/ talks to SQLite. Vendors live only in their plugins: no vendor name in bot/,
commands/ or the top level of adapters/; a plugin's real adapter never imports a simulator (only
its plugin.py may, inside the sandbox factory); no plugin imports another.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN = {
    "commands": {"slack_bolt", "slack_sdk", "httpx", "sqlite_utils", "sqlite3", "bot", "adapters"},
    "adapters": {"slack_bolt", "slack_sdk", "sqlite_utils", "sqlite3", "bot"},
}
#: Every vendor opsgate ships, by plugin name and by the words its docs use for it.
VENDOR_WORDS = ("enos", "envision", "aliyun", "alibaba", "huawei", "servicepower")
VENDOR_NAME = re.compile(rf"(?<![a-z])({'|'.join(VENDOR_WORDS)})(?![a-z])", re.IGNORECASE)
#: The example plugin: held to the same rules as the built-in ones.
EXAMPLE = ROOT / "examples" / "opsgate-acme" / "src" / "opsgate_acme"


def imported_roots(path: Path) -> set[str]:
    return {name.split(".")[0] for name, _ in imports(path.read_text(), package="")}


def imports(source: str, *, package: str) -> Iterator[tuple[str, bool]]:
    """Each module `source` imports (relative ones resolved against `package`), and whether
    the import is inside a function."""
    yield from _imports(ast.parse(source), package, in_function=False)


def _imports(node: ast.AST, package: str, *, in_function: bool) -> Iterator[tuple[str, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import):
            yield from ((alias.name, in_function) for alias in child.names)
        elif isinstance(child, ast.ImportFrom):
            base = _resolve(child, package)
            yield base, in_function
            yield from ((f"{base}.{alias.name}", in_function) for alias in child.names)
        inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
        yield from _imports(child, package, in_function=inside)


def _resolve(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join([*parts, node.module] if node.module else parts)


def plugin_packages() -> dict[str, Path]:
    """Every vendor plugin package: its import name and folder."""
    found = {
        f"adapters.{path.parent.name}": path.parent
        for path in sorted((ROOT / "adapters").glob("*/plugin.py"))
    }
    return found | {EXAMPLE.name: EXAMPLE}


def plugin_problems(package: str, module: str, source: str, others: set[str]) -> list[str]:
    """What is wrong with one module of plugin `package` (dotted `module` name)."""
    if module.startswith(f"{package}.simulator"):
        return []  # a simulator may import its vendor's pure helpers, and the shared machinery
    problems = []
    for name, in_function in imports(source, package=module.rpartition(".")[0]):
        simulator = name.startswith((f"{package}.simulator", "adapters.simulator"))
        if simulator and not (module == f"{package}.plugin" and in_function):
            problems.append(f"{module} imports {name}")
        if any(name == other or name.startswith(f"{other}.") for other in others):
            problems.append(f"{module} imports another plugin: {name}")
    return problems


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_inner_packages_do_not_import_outer_layers(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in sorted((ROOT / package).rglob("*.py"))
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_the_store_imports_sqlite() -> None:
    users = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "bot").rglob("*.py")
        if imported_roots(path) & {"sqlite_utils", "sqlite3"}
    )
    assert users and all(user.startswith("bot/store/") for user in users), users


def test_no_vendor_is_named_outside_its_plugin() -> None:
    paths = [
        *(ROOT / "bot").rglob("*.py"),
        *(ROOT / "commands").rglob("*.py"),
        *(ROOT / "adapters").glob("*.py"),
    ]
    named = {
        str(path.relative_to(ROOT)): sorted(set(VENDOR_NAME.findall(path.read_text().lower())))
        for path in sorted(paths)
    }
    assert {k: v for k, v in named.items() if v} == {}


@pytest.mark.parametrize("package", sorted(plugin_packages()))
def test_a_plugin_imports_no_simulator_outside_its_sandbox_and_no_other_plugin(
    package: str,
) -> None:
    folder = plugin_packages()[package]
    others = set(plugin_packages()) - {package}
    problems = [
        problem
        for path in sorted(folder.rglob("*.py"))
        for problem in plugin_problems(
            package, _module(package, folder, path), path.read_text(), others
        )
    ]
    assert problems == []


def _module(package: str, folder: Path, path: Path) -> str:
    parts = path.relative_to(folder).with_suffix("").parts
    return ".".join([package, *(p for p in parts if p != "__init__")])


# -- the checks are not vacuous: they see what they forbid when it is planted -----------------


def test_the_checks_see_imports() -> None:
    assert "sqlite_utils" in imported_roots(ROOT / "bot" / "store" / "database.py")
    assert (EXAMPLE / "plugin.py").is_file()
    assert plugin_packages().keys() >= {
        "adapters.enos",
        "adapters.aliyun",
        "adapters.huawei",
        "adapters.servicepower",
        "opsgate_acme",
    }


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("adapters.enos.adapter", "from adapters.enos.simulator.api import demo_simulator\n"),
        ("adapters.enos.adapter", "from .simulator import api\n"),
        ("adapters.enos.auth", "import adapters.enos.simulator\n"),
        ("adapters.enos.adapter", "def f():\n    from adapters.simulator import Simulator\n"),
        ("adapters.enos.plugin", "from adapters.enos.simulator import api\n"),
        ("adapters.enos.plugin", "from .simulator.api import EnosSimulator\n"),
    ],
)
def test_a_planted_simulator_import_is_seen(module: str, source: str) -> None:
    assert plugin_problems("adapters.enos", module, source, set()) != []


def test_the_sandbox_factory_may_import_its_simulator() -> None:
    source = "def sandboxed(clock):\n    from adapters.enos.simulator import api\n"
    assert plugin_problems("adapters.enos", "adapters.enos.plugin", source, set()) == []
    simulator = "from adapters.enos.auth import sign\nfrom adapters.simulator import Simulator\n"
    assert plugin_problems("adapters.enos", "adapters.enos.simulator.api", simulator, set()) == []


def test_a_planted_import_of_another_plugin_is_seen() -> None:
    others = {"adapters.huawei"}
    for source in ("from adapters.huawei.errors import VENDOR\n", "import adapters.huawei\n"):
        problems = plugin_problems("adapters.enos", "adapters.enos.adapter", source, others)
        assert problems
        assert all(
            "adapters.enos.adapter imports another plugin: adapters.huawei" in p for p in problems
        )
    shared = "from adapters.http import send\nfrom adapters.huawei_like import x\n"
    assert plugin_problems("adapters.enos", "adapters.enos.adapter", shared, others) == []


def test_a_planted_vendor_name_is_seen() -> None:
    for text in ("OPSGATE_ENOS__APP_KEY", "huawei.device.delete", "Alibaba Cloud", "ServicePower"):
        assert VENDOR_NAME.search(text), text
    assert not VENDOR_NAME.search("venosa genoSee reenosted")
