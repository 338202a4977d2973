"""`format_command`, usage text and help text, over the test catalog (`grammar_specs`)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from grammar_specs import CATALOG, SPECS

from commands.model import OperationRequest, ParsedCommand, UsageError
from commands.parse import format_command as format_with
from commands.parse import help_text as help_with
from commands.parse import parse as parse_with
from commands.spec import OperationSpec, UsageTerms, usage_of


def parse(text: str) -> ParsedCommand:
    return parse_with(text, CATALOG)


def format_command(request: OperationRequest, *, elide: bool = True) -> str:
    return format_with(request, CATALOG, elide=elide)


def help_text(vendor: str | None = None, **kwargs: object) -> str:
    return help_with(CATALOG, vendor, **kwargs)  # type: ignore[arg-type]


def globex(targets: tuple[str, ...]) -> OperationRequest:
    return OperationRequest(
        operation="globex.ota-task.cancel",
        vendor="globex",
        targets=targets,
        params={"product": "pk01", "firmware": "fw01"},
    )


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.id)
def test_every_example_parses_to_its_operation(spec: OperationSpec) -> None:
    parsed = parse(spec.example.removeprefix("/ops "))
    assert isinstance(parsed, OperationRequest)
    assert parsed.operation == spec.id
    assert parsed.reason


def test_param_keys_are_the_flags_keys() -> None:
    assert CATALOG.spec_for("acme.gadget.delete").param_keys == {"app", "cascade"}
    assert CATALOG.spec_for("initech.package.delete").param_keys == frozenset()


def test_spec_for_and_usage_for() -> None:
    assert CATALOG.spec_for("acme.gadget.delete").target.name == "gadgetId"
    assert CATALOG.usage_for("acme.widget.delete") == (
        "Usage: /ops acme widget delete <widgetId> --site <siteId> "
        '[--reason "<text>"] [--dry-run] [--force] [--break-glass "<incident ref>"]\n'
        "Example: /ops acme widget delete w-6f1a2b --site s157 "
        '--reason "stale widget, INC-42"'
    )
    with pytest.raises(KeyError):
        CATALOG.spec_for("acme.device.delete")


def test_the_synopsis_shows_the_reason_required_when_a_policy_requires_it() -> None:
    spec = CATALOG.spec_for("acme.widget.delete")
    assert spec.synopsis() == spec.usage
    assert spec.synopsis(UsageTerms(reason_required=True)) == (
        "/ops acme widget delete <widgetId> --site <siteId> "
        '--reason "<text>" [--dry-run] [--force] [--break-glass "<incident ref>"]'
    )


@pytest.mark.parametrize(
    ("request_", "line"),
    [
        (
            OperationRequest(
                operation="acme.widget.delete",
                vendor="acme",
                targets=("w1",),
                params={"site": "s1"},
                reason="stale widget, INC-42",
                dry_run=True,
            ),
            '/ops acme widget delete w1 --site s1 --reason "stale widget, INC-42" --dry-run',
        ),
        (
            OperationRequest(
                operation="acme.gadget.delete",
                vendor="acme",
                targets=("g1",),
                params={"cascade": False, "app": "a1"},
                reason="INC-7",
            ),
            "/ops acme gadget delete g1 --app a1 --no-cascade --reason INC-7",
        ),
        (
            OperationRequest(
                operation="acme.gadget.delete",
                vendor="acme",
                targets=("g1",),
                params={"cascade": True},
            ),
            "/ops acme gadget delete g1",
        ),
        (
            OperationRequest(
                operation="acme.order.cancel",
                vendor="acme",
                targets=("Dep-1306",),
                params={"reason_id": 0},
                reason='say "no" \\ twice',
            ),
            r'/ops acme order cancel Dep-1306 --reason-id 0 --reason "say \"no\" \\ twice"',
        ),
        (
            globex(("dev1", "dev2")),
            "/ops globex ota-task cancel dev1 dev2 --product pk01 --firmware fw01",
        ),
    ],
)
def test_format_command(request_: OperationRequest, line: str) -> None:
    assert format_command(request_) == line
    assert parse(line.removeprefix("/ops ")) == request_


def test_ten_targets_are_shown_in_full() -> None:
    targets = tuple(f"dev{n:02}" for n in range(10))
    assert " ".join(targets) in format_command(globex(targets))


def test_many_targets_are_elided() -> None:
    targets = tuple(f"dev{n:05}" for n in range(10_000))
    line = format_command(globex(targets))
    assert line == (
        "/ops globex ota-task cancel dev00000 dev00001 dev00002 dev00003 dev00004 "
        "… (+9,995 more) --product pk01 --firmware fw01"
    )


def test_elision_can_be_turned_off() -> None:
    targets = tuple(f"dev{n:05}" for n in range(11))
    line = format_command(globex(targets), elide=False)
    assert parse(line.removeprefix("/ops ")) == globex(targets)


def test_help_teaches_every_operation() -> None:
    text = help_text()
    for spec in SPECS:
        assert f"*{spec.command}*: {spec.summary}" in text
        assert f"Usage: {spec.usage}" in text
        assert f"Example: {spec.example}" in text
    assert "--no-cascade: keep the gadgets attached to it" in text
    assert "Every operation also takes:" in text
    assert "/ops status <request-id>" in text


def test_help_for_one_vendor() -> None:
    text = help_text("acme")
    assert "*acme widget delete*" in text
    assert "*acme gadget delete*" in text
    assert "*acme order cancel*" in text
    assert "globex" not in text
    assert "/ops history" not in text


def test_help_for_the_operations_a_user_may_request() -> None:
    text = help_text(operation_ids={"acme.order.cancel"})
    assert "*acme order cancel*" in text
    assert "*acme widget delete*" not in text


def test_help_when_nothing_may_be_requested() -> None:
    assert help_text("acme", operation_ids=()) == "There are no acme operations you may request."


def test_the_synopsis_leaves_out_break_glass_when_the_policy_lets_nobody_use_it() -> None:
    spec = CATALOG.spec_for("acme.widget.delete")
    assert "--break-glass" not in spec.synopsis(UsageTerms(break_glass=False))


def test_the_usage_example_stays_within_the_policy_limit_on_targets() -> None:
    example = "/ops globex ota-task cancel dev-{001..050} --product p1 --firmware f1 --reason x"
    spec = replace(CATALOG.spec_for("globex.ota-task.cancel"), example=example)
    assert usage_of(spec).endswith(example)
    assert (spec.most(), spec.most(UsageTerms(max_targets=20_000))) == (10_000, 10_000)
    terms = UsageTerms(max_targets=20)
    assert spec.most(terms) == 20
    fitted = usage_of(spec, terms).splitlines()[1].removeprefix("Example: ")
    assert fitted == example.replace("{001..050}", "{001..020}")
    parsed = parse(fitted)
    assert isinstance(parsed, OperationRequest)
    assert len(parsed.targets) == 20
    assert "cancel dev-001 --product" in usage_of(spec, UsageTerms(max_targets=1))


def test_an_operation_usage_error_names_its_operation() -> None:
    with pytest.raises(UsageError) as caught:
        parse("acme widget delete w1")
    assert caught.value.operation == "acme.widget.delete"
    with pytest.raises(UsageError) as caught:
        parse("acme widgets delete w1 --site s")
    assert caught.value.operation == "acme.widget.delete"
