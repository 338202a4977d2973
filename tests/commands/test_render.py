"""`format_command`, usage text and help text."""

from __future__ import annotations

import pytest

from commands.model import PARAM_KEYS, OperationRequest
from commands.parse import OPERATIONS, format_command, help_text, parse, spec_for, usage_for


def aliyun(targets: tuple[str, ...]) -> OperationRequest:
    return OperationRequest(
        operation="aliyun.ota-task.cancel",
        vendor="aliyun",
        targets=targets,
        params={"product": "pk01", "firmware": "fw01"},
    )


def test_operations_cover_exactly_the_param_keys_contract() -> None:
    assert {spec.id for spec in OPERATIONS} == set(PARAM_KEYS)
    for spec in OPERATIONS:
        assert {flag.key for flag in spec.flags} == PARAM_KEYS[spec.id]
        assert spec.id == f"{spec.vendor}.{spec.resource}.{spec.action}"


@pytest.mark.parametrize("spec", OPERATIONS, ids=lambda spec: spec.id)
def test_every_example_parses_to_its_operation(spec: object) -> None:
    example = spec.example  # type: ignore[attr-defined]
    parsed = parse(example.removeprefix("/ops "))
    assert isinstance(parsed, OperationRequest)
    assert parsed.operation == spec.id  # type: ignore[attr-defined]
    assert parsed.reason


def test_spec_for_and_usage_for() -> None:
    assert spec_for("huawei.device.delete").target.name == "deviceId"
    assert usage_for("enos.ota-job.delete") == (
        'Usage: /ops enos ota-job delete <jobId> --org <orgId> [--reason "<text>"] [--dry-run]\n'
        "Example: /ops enos ota-job delete 6f1a2b3c4d5e --org o15724268424841 "
        '--reason "stale job, INC-42"'
    )
    with pytest.raises(KeyError):
        spec_for("enos.device.delete")


@pytest.mark.parametrize(
    ("request_", "line"),
    [
        (
            OperationRequest(
                operation="enos.ota-job.delete",
                vendor="enos",
                targets=("j1",),
                params={"org": "o1"},
                reason="stale job, INC-42",
                dry_run=True,
            ),
            '/ops enos ota-job delete j1 --org o1 --reason "stale job, INC-42" --dry-run',
        ),
        (
            OperationRequest(
                operation="huawei.device.delete",
                vendor="huawei",
                targets=("d1",),
                params={"cascade": False, "app": "a1"},
                reason="INC-7",
            ),
            "/ops huawei device delete d1 --app a1 --no-cascade --reason INC-7",
        ),
        (
            OperationRequest(
                operation="huawei.device.delete",
                vendor="huawei",
                targets=("d1",),
                params={"cascade": True},
            ),
            "/ops huawei device delete d1",
        ),
        (
            OperationRequest(
                operation="servicepower.job.cancel",
                vendor="servicepower",
                targets=("Dep-1306",),
                params={"reason_id": 0},
                reason='say "no" \\ twice',
            ),
            r'/ops servicepower job cancel Dep-1306 --reason-id 0 --reason "say \"no\" \\ twice"',
        ),
        (
            aliyun(("dev1", "dev2")),
            "/ops aliyun ota-task cancel dev1 dev2 --product pk01 --firmware fw01",
        ),
    ],
)
def test_format_command(request_: OperationRequest, line: str) -> None:
    assert format_command(request_) == line
    assert parse(line.removeprefix("/ops ")) == request_


def test_ten_targets_are_shown_in_full() -> None:
    targets = tuple(f"dev{n:02}" for n in range(10))
    assert " ".join(targets) in format_command(aliyun(targets))


def test_many_targets_are_elided() -> None:
    targets = tuple(f"dev{n:05}" for n in range(10_000))
    line = format_command(aliyun(targets))
    assert line == (
        "/ops aliyun ota-task cancel dev00000 dev00001 dev00002 dev00003 dev00004 "
        "… (+9,995 more) --product pk01 --firmware fw01"
    )


def test_elision_can_be_turned_off() -> None:
    targets = tuple(f"dev{n:05}" for n in range(11))
    line = format_command(aliyun(targets), elide=False)
    assert parse(line.removeprefix("/ops ")) == aliyun(targets)


def test_help_teaches_every_operation() -> None:
    text = help_text()
    for spec in OPERATIONS:
        assert f"*{spec.command}*: {spec.summary}" in text
        assert f"Usage: {spec.usage}" in text
        assert f"Example: {spec.example}" in text
    assert "--no-cascade: keep the devices connected through it" in text
    assert "Every operation also takes:" in text
    assert "/ops status <request-id>" in text


def test_help_for_one_vendor() -> None:
    text = help_text("huawei")
    assert "*huawei package delete*" in text
    assert "*huawei device delete*" in text
    assert "enos" not in text
    assert "/ops history" not in text


def test_help_for_the_operations_a_user_may_request() -> None:
    text = help_text(operation_ids={"servicepower.job.cancel"})
    assert "*servicepower job cancel*" in text
    assert "*enos ota-job delete*" not in text


def test_help_when_nothing_may_be_requested() -> None:
    assert help_text("enos", operation_ids=()) == "There are no enos operations you may request."
