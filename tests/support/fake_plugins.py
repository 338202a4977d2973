"""Hand-made vendor plugins and installed distributions, for testing discovery and wiring.

`vendor_plugin` builds a small valid plugin (change any field with keywords); `install_dist`
writes a distribution's metadata and modules into a directory, as pip would, so a test that puts
that directory on ``sys.path`` sees its entry points.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

from pydantic import SecretStr

from adapters.base import Outcome, Preview, VendorCall
from adapters.clock import Clock
from adapters.plugin import Sandbox, VendorPlugin
from adapters.settings import VendorSettings
from commands.model import OperationRequest
from commands.spec import FlagKind, FlagSpec, OperationSpec, TargetSpec


class GlobexSettings(VendorSettings):
    required_together: ClassVar[tuple[tuple[str, ...], ...]] = (("token", "base_url"),)
    url_fields: ClassVar[tuple[str, ...]] = ("base_url",)

    base_url: str | None = None
    token: SecretStr | None = None
    region: str = "eu"


@dataclass
class FakeAdapter:
    """Our `Adapter` protocol, recording what it was asked."""

    vendor: str
    sandbox: bool = False
    settings: VendorSettings | None = None
    executed: list[OperationRequest] = field(default_factory=list)
    closed: bool = False

    def preview(self, request: OperationRequest) -> Preview:
        return Preview(summary=f"{request.targets[0]} exists")

    def execute(self, request: OperationRequest, *, progress: Any = None) -> Outcome:
        self.executed.append(request)
        return Outcome(summary=f"Deleted {request.targets[0]}")

    def describe(self, request: OperationRequest) -> list[VendorCall]:
        return [VendorCall(method="DELETE", url=f"https://x.example/{request.targets[0]}")]

    def close(self) -> None:
        self.closed = True

    def check(self) -> str:
        return "ok"


class FakeSimulator:
    """Stands in for a simulator: only its identity matters here."""


def operation(vendor: str, resource: str = "gizmo", action: str = "delete") -> OperationSpec:
    return OperationSpec(
        id=f"{vendor}.{resource}.{action}",
        vendor=vendor,
        resource=resource,
        action=action,
        summary=f"{action.title()} a {resource}.",
        target=TargetSpec(name=f"{resource}Id"),
        flags=(
            FlagSpec(
                name="--region",
                key="region",
                kind=FlagKind.IDENTIFIER,
                metavar="<region>",
                help="where it is",
            ),
        ),
        example=f'/ops {vendor} {resource} {action} g-1 --reason "INC-1"',
    )


def _connect(settings: GlobexSettings, clock: Clock) -> FakeAdapter:
    return FakeAdapter(vendor="globex", settings=settings)


def _sandbox(clock: Clock) -> Sandbox:
    return Sandbox(adapter=FakeAdapter(vendor="globex", sandbox=True), simulator=FakeSimulator())  # type: ignore[arg-type]


GLOBEX = VendorPlugin(
    name="globex",
    title="Globex Gizmos",
    operations=(operation("globex"), operation("globex", "order", "cancel")),
    settings=GlobexSettings,
    connect=_connect,
    sandbox=_sandbox,
    sandbox_targets="gizmos g-1, g-2",
)


def vendor_plugin(name: str = "globex", **changes: Any) -> VendorPlugin[Any]:
    """`GLOBEX` renamed to `name` (its operations and its adapters too), with any field
    changed."""

    def connect(settings: GlobexSettings, clock: Clock) -> FakeAdapter:
        return FakeAdapter(vendor=name, settings=settings)

    def sandbox(clock: Clock) -> Sandbox:
        return Sandbox(adapter=FakeAdapter(vendor=name, sandbox=True), simulator=FakeSimulator())  # type: ignore[arg-type]

    renamed = replace(
        GLOBEX,
        name=name,
        operations=(operation(name), operation(name, "order", "cancel")),
        connect=connect,
        sandbox=sandbox,
    )
    return replace(renamed, **changes)


def install_dist(
    site: Path,
    name: str,
    *,
    entry_points: dict[str, str],
    modules: dict[str, str] | None = None,
    version: str = "1.0",
) -> Path:
    """Write distribution `name` into `site` the way pip installs one: its modules and a
    ``.dist-info`` with METADATA and the ``opsgate.vendors`` entry points."""
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    lines = "\n".join(f"{key} = {value}" for key, value in entry_points.items())
    (info / "entry_points.txt").write_text(f"[opsgate.vendors]\n{lines}\n")
    for filename, source in (modules or {}).items():
        (site / filename).write_text(textwrap.dedent(source))
    return site
