"""Operation specs that cannot work are refused when the plugins are checked, in one sentence
naming the plugin, saying what is wrong and what is allowed."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from fake_plugins import operation, vendor_plugin

from adapters.registry import PluginError, Plugins
from commands.spec import FlagKind, FlagSpec, OperationSpec, TargetSpec


def refusal(spec: OperationSpec) -> str:
    with pytest.raises(PluginError) as caught:
        Plugins.of(vendor_plugin("globex", operations=(spec,)))
    message = str(caught.value)
    assert message.startswith("vendor plugin 'globex' ") and "\n" not in message
    return message


def flag(name: str, key: str, kind: FlagKind = FlagKind.IDENTIFIER) -> FlagSpec:
    return FlagSpec(name=name, key=key, kind=kind, metavar="<siteId>", help="where")


def with_flags(*flags: FlagSpec) -> OperationSpec:
    return dataclasses.replace(operation("globex"), flags=flags)


def test_well_formed_specs_pass() -> None:
    spec = dataclasses.replace(
        operation("globex", "ota-job", "force-delete"),
        target=TargetSpec(name="jobId", max_count=10, per_call=2),
        flags=(flag("--site", "site"), flag("--no-cascade", "cascade", FlagKind.SWITCH)),
        example='/ops globex ota-job force-delete j-1 --reason "INC-1"',
    )
    assert Plugins.of(vendor_plugin("globex", operations=(spec,))).catalog.ids == (
        "globex.ota-job.force-delete",
    )


@pytest.mark.parametrize(
    ("part", "changes"),
    [
        ("resource", {"resource": "Gizmo"}),
        ("resource", {"resource": "giz mo"}),
        ("resource", {"resource": "-gizmo"}),
        ("action", {"action": "DELETE"}),
        ("action", {"action": "de.lete"}),
    ],
)
def test_command_words_must_be_lower_case(part: str, changes: dict[str, str]) -> None:
    spec = dataclasses.replace(operation("globex"), **changes)
    spec = dataclasses.replace(spec, id=f"globex.{spec.resource}.{spec.action}")
    word = changes[part]
    # Not a "did you mean" the example cannot follow: the words themselves are what is wrong.
    assert refusal(spec) == (
        f"vendor plugin 'globex' declares {spec.id} with the {part} {word!r}; command words must "
        "be lower case: a letter, then letters, digits or hyphens ([a-z][a-z0-9-]*)"
    )


def test_a_vendor_name_that_is_not_lower_case_says_what_is_allowed() -> None:
    with pytest.raises(PluginError) as caught:
        Plugins.of(vendor_plugin("Globex"))
    assert "needs a lowercase word for a name ([a-z][a-z0-9]*: a letter, then letters or " in str(
        caught.value
    )


@pytest.mark.parametrize("name", ["site", "-site", "--Site", "--site=x", "--", "--9site"])
def test_a_flag_must_be_two_dashes_and_a_lower_case_word(name: str) -> None:
    assert refusal(with_flags(flag(name, "site"))) == (
        f"vendor plugin 'globex' declares the flag {name!r} on globex.gizmo.delete; a flag's "
        "name must be -- then a lower-case word: a letter, then letters, digits or hyphens "
        "(--[a-z][a-z0-9-]*, e.g. --site)"
    )


def test_two_flags_may_not_share_a_key() -> None:
    """With both given, the last would win: `--site a --site2 b` would act on site b."""
    message = refusal(with_flags(flag("--site", "site"), flag("--site2", "site")))
    assert message == (
        "vendor plugin 'globex' declares --site and --site2 on globex.gizmo.delete with one "
        "key, 'site'; each flag needs a key of its own"
    )


def test_a_number_flag_whose_range_holds_no_number_is_refused() -> None:
    # Accepted before: `--batch 5` was then refused as out of range whatever was typed.
    batch = FlagSpec(name="--batch", key="batch", kind=FlagKind.NUMBER, help="x", low=10, high=1)
    assert refusal(with_flags(batch)) == (
        "vendor plugin 'globex' declares --batch on globex.gizmo.delete for a number from 10 to "
        "1: no number is; give it low <= high"
    )
    one = dataclasses.replace(batch, low=1, high=1)
    Plugins.of(vendor_plugin("globex", operations=(with_flags(one),)))


def test_two_flags_may_not_share_a_name() -> None:
    message = refusal(with_flags(flag("--site", "site"), flag("--site", "site2")))
    assert message == "vendor plugin 'globex' declares --site twice on globex.gizmo.delete"


@pytest.mark.parametrize(
    ("number", "value", "meaning"),
    [
        ("per_call", 0, "how many targets one vendor call carries"),
        ("per_call", -5, "how many targets one vendor call carries"),
        ("max_count", 0, "the most targets one request may carry"),
    ],
)
def test_target_counts_start_at_1(number: str, value: Any, meaning: str) -> None:
    target = dataclasses.replace(TargetSpec(name="gizmoId", max_count=100), **{number: value})
    spec = dataclasses.replace(operation("globex"), target=target)
    assert refusal(spec) == (
        f"vendor plugin 'globex' gives globex.gizmo.delete the target {number}={value!r}; it "
        f"must be a whole number of at least 1 ({meaning})"
    )


def test_a_plugin_with_no_operations_is_refused() -> None:
    with pytest.raises(PluginError) as caught:
        Plugins.of(vendor_plugin("globex", operations=()))
    assert str(caught.value) == (
        "vendor plugin 'globex' declares no operations: give it at least one OperationSpec"
    )


@pytest.mark.parametrize("title", ["", "  "])
def test_a_plugin_with_no_title_is_refused(title: str) -> None:
    with pytest.raises(PluginError) as caught:
        Plugins.of(vendor_plugin("globex", title=title))
    assert str(caught.value) == (
        "vendor plugin 'globex' has no title: give it one for people (e.g. 'Acme Widgets')"
    )


def test_an_id_that_is_not_its_words_names_the_right_one() -> None:
    spec = dataclasses.replace(operation("globex"), id="globex.gizmos.delete")
    assert refusal(spec) == (
        "vendor plugin 'globex' declares globex.gizmos.delete; an operation's id is "
        "<vendor>.<resource>.<action>, so this one's is globex.gizmo.delete"
    )


def test_a_sandbox_without_its_targets_is_refused() -> None:
    with pytest.raises(PluginError) as caught:
        Plugins.of(vendor_plugin("globex", sandbox_targets=" "))
    assert str(caught.value) == (
        "vendor plugin 'globex' has a sandbox but no sandbox_targets: name the ids its "
        "simulator seeds"
    )
    assert Plugins.of(vendor_plugin("globex", sandbox=None, sandbox_targets=""))  # no sandbox


def test_one_operation_not_in_a_tuple_says_how_to_write_it() -> None:
    with pytest.raises(PluginError) as caught:
        Plugins.of(vendor_plugin("globex", operations=operation("globex")))
    assert str(caught.value) == (
        "vendor plugin 'globex' gives its operations as an OperationSpec, not a tuple of "
        "OperationSpec (one operation is written `(SPEC,)`)"
    )


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"target": None}, "gives globex.gizmo.delete None for a target, not a TargetSpec"),
        ({"flags": None}, "gives globex.gizmo.delete flags that are not a tuple of FlagSpec: None"),
        ({"summary": " "}, "gives globex.gizmo.delete no summary: one sentence for /ops help"),
    ],
)
def test_a_spec_of_the_wrong_shape_is_one_line_not_a_traceback(
    changes: dict[str, Any], said: str
) -> None:
    assert refusal(dataclasses.replace(operation("globex"), **changes)) == (
        f"vendor plugin 'globex' {said}"
    )


def test_something_else_among_the_operations_is_named() -> None:
    with pytest.raises(PluginError) as caught:
        Plugins.of(vendor_plugin("globex", operations=(operation("globex"), "globex.x.y")))
    assert str(caught.value) == (
        "vendor plugin 'globex' declares a str among its operations, not an OperationSpec"
    )


@pytest.mark.parametrize("hook", ["connect", "connect_shared", "sandbox"])
def test_a_hook_that_is_not_a_function_is_refused_before_it_is_needed(hook: str) -> None:
    with pytest.raises(PluginError) as caught:
        Plugins.of(vendor_plugin("globex", **{hook: "adapter.connect"}))
    assert str(caught.value) == (
        f"vendor plugin 'globex' gives {hook} a str, not a function (docs/plugins.md)"
    )


def test_no_connect_at_all_is_refused() -> None:
    with pytest.raises(PluginError, match="gives connect None, not a function"):
        Plugins.of(vendor_plugin("globex", connect=None))


def _target(**changes: Any) -> OperationSpec:
    spec = operation("globex")
    return dataclasses.replace(spec, target=dataclasses.replace(spec.target, **changes))


def _flag(**changes: Any) -> OperationSpec:
    spec = operation("globex")
    return dataclasses.replace(spec, flags=(dataclasses.replace(spec.flags[0], **changes),))


@pytest.mark.parametrize(
    ("spec", "said"),
    [
        # Each was a traceback from the grammar, or accepted and shown as "None" in /ops help.
        (
            dataclasses.replace(operation("globex"), example=None),
            "gives the example of globex.gizmo.delete as None, not text",
        ),
        (_target(name=None), "gives the name of globex.gizmo.delete's target as None, not text"),
        (
            _target(rule="[a-z]+"),
            "gives the rule of globex.gizmo.delete's target as a str, not a "
            "commands.identifiers.IdentifierRule",
        ),
        (
            _flag(help=None),
            "gives the help of globex.gizmo.delete's flag --region as None, not text",
        ),
        (
            _flag(kind="identifier"),
            "gives the kind of globex.gizmo.delete's flag --region as a str, not a FlagKind "
            "(FlagKind.IDENTIFIER, NUMBER, TEXT or SWITCH)",
        ),
        (
            _flag(kind=FlagKind.NUMBER, high="9"),
            "gives the high of globex.gizmo.delete's flag --region as a str, not a whole number",
        ),
    ],
)
def test_a_spec_field_of_the_wrong_type_is_one_line(spec: OperationSpec, said: str) -> None:
    assert refusal(spec) == f"vendor plugin 'globex' {said}"


def test_sandbox_targets_that_are_not_text_are_refused() -> None:
    with pytest.raises(PluginError) as caught:
        Plugins.of(vendor_plugin("globex", sandbox_targets=["gizmo g-1", "gizmo g-2"]))
    assert str(caught.value) == (
        "vendor plugin 'globex' gives sandbox_targets as a list, not text: one or two lines "
        "naming the ids its simulator seeds"
    )
