"""A request given as fields (the request form, a workflow step) is read by the same grammar as
the slash command: same results, same errors, and no value can turn into a flag or a target."""

from __future__ import annotations

import pytest
from grammar_specs import CATALOG, TASK_CANCEL, WIDGET_DELETE

from commands.fields import (
    Fields,
    listed_targets,
    request_from_fields,
    request_from_parts,
    split_typed,
)
from commands.model import OperationRequest, UsageError
from commands.parse import parse


def typed(spec_words: str) -> OperationRequest:
    parsed = parse(spec_words, CATALOG)
    assert isinstance(parsed, OperationRequest)
    return parsed


FLAGS = {"--product": "p1", "--firmware": "f1"}


def test_fields_give_the_request_the_command_line_gives() -> None:
    fields = Fields(
        typed_targets=split_typed("dev-1\ndev-2, dev-3"),
        listed_targets=["dev-4"],
        values={**FLAGS, "--reason": "bad firmware, INC-7"},
        switches={"--dry-run"},
    )
    line = (
        "globex ota-task cancel dev-1 dev-2, dev-3 dev-4 --product p1 --firmware f1 "
        '--reason "bad firmware, INC-7" --dry-run'
    )
    assert request_from_fields(TASK_CANCEL, fields) == typed(line)
    single = Fields(typed_targets=["w-1"], values={"--site": "s1"})
    assert request_from_fields(WIDGET_DELETE, single) == typed("acme widget delete w-1 --site s1")


def test_typed_ranges_expand_and_listed_targets_are_taken_literally() -> None:
    ranged = request_from_fields(TASK_CANCEL, Fields(typed_targets=["dev-{1..3}"], values=FLAGS))
    assert ranged.targets == ("dev-1", "dev-2", "dev-3")
    with pytest.raises(UsageError, match=r"numeric ranges look like") as caught:
        request_from_fields(TASK_CANCEL, Fields(listed_targets=["dev-{1..3}"], values=FLAGS))
    assert caught.value.field == "deviceName"


def test_a_typed_target_with_a_dash_is_a_bad_target_never_a_flag() -> None:
    with pytest.raises(UsageError, match="may not start with '-'") as caught:
        request_from_fields(TASK_CANCEL, Fields(typed_targets=["dev-1", "--dry-run"], values=FLAGS))
    assert caught.value.field == "deviceName"


def test_a_value_is_one_word_whatever_it_holds() -> None:
    with pytest.raises(UsageError) as caught:
        request_from_fields(
            WIDGET_DELETE, Fields(typed_targets=["w-1"], values={"--site": "s1 w-9"})
        )
    assert caught.value.field == "--site"  # a bad site, not a stray word or a second target
    reason = "stop --dry-run now"
    values = {"--site": "s1", "--reason": reason}
    request = request_from_fields(WIDGET_DELETE, Fields(typed_targets=["w-1"], values=values))
    assert request.reason == reason and request.dry_run is False


def test_fields_the_operation_has_not_are_refused() -> None:
    with pytest.raises(UsageError, match="has no flag --colour") as caught:
        request_from_fields(WIDGET_DELETE, Fields(typed_targets=["w-1"], values={"--colour": "x"}))
    assert caught.value.field == "--colour"
    with pytest.raises(UsageError, match="--site needs a value"):
        request_from_fields(WIDGET_DELETE, Fields(typed_targets=["w-1"], switches={"--site"}))
    with pytest.raises(UsageError, match="--dry-run takes no value"):
        request_from_fields(WIDGET_DELETE, Fields(typed_targets=["w-1"], values={"--dry-run": "y"}))


def test_the_grammar_reports_missing_targets_and_counts() -> None:
    with pytest.raises(UsageError, match="Missing deviceName") as caught:
        request_from_fields(TASK_CANCEL, Fields(values=FLAGS))
    assert caught.value.field == "deviceName"
    with pytest.raises(UsageError, match="takes one widgetId; 2 were given"):
        request_from_fields(
            WIDGET_DELETE, Fields(typed_targets=["w-1", "w-2"], values={"--site": "s1"})
        )


def test_a_list_file_holds_one_target_per_line() -> None:
    text = "\ufeffwidgetId\nw-1\n\n  w-2  \r\nw-3\n"
    assert listed_targets(text.lstrip("\ufeff"), name="widgetId") == ["w-1", "w-2", "w-3"]
    assert listed_targets('"w-1"\nw-2,\n', name="widgetId", csv_rows=True) == ["w-1", "w-2"]
    assert listed_targets("w-1\nwidgetId\n", name="widgetId") == ["w-1", "widgetId"]  # not 1st
    assert listed_targets("widget\nw-1\n", name="widgetId") == ["w-1"]
    assert listed_targets("Widget ID\nw-1\n", name="widgetId") == ["w-1"]
    assert listed_targets("Id #\nw-1\n", name="widgetId") == ["w-1"]
    # a first line that names no column is a target: a bad one is refused later, never dropped
    assert listed_targets("w 1\nw-2\n", name="widgetId") == ["w 1", "w-2"]
    assert listed_targets("Serial\nw-2\n", name="widgetId") == ["Serial", "w-2"]
    with pytest.raises(UsageError, match="Line 2 has 2 values") as caught:
        listed_targets("w-1\nw-2,w-3\n", name="widgetId", csv_rows=True)
    assert caught.value.field == "widgetId"


@pytest.mark.parametrize(
    "command",
    [
        "acme widget delete --site s1",
        "/ops acme widget delete --site s1",
        "acme.widget.delete --site s1",
        "ACME Widget Delete --site=s1",
    ],
)
def test_a_step_names_the_operation_with_its_flags(command: str) -> None:
    request = request_from_parts(CATALOG, command=command, targets="w-1", reason="old, INC-7")
    assert request == typed('acme widget delete w-1 --site s1 --reason "old, INC-7"')
    bulk = request_from_parts(
        CATALOG, command="globex.ota-task.cancel --product p1 --firmware f1", targets="dev-1\ndev-2"
    )
    assert bulk.targets == ("dev-1", "dev-2")


def test_a_step_is_checked_like_the_command() -> None:
    with pytest.raises(UsageError, match="did you mean"):
        request_from_parts(CATALOG, command="acme widgte delete", targets="w-1")
    with pytest.raises(UsageError, match="--reason is given twice"):
        request_from_parts(
            CATALOG, command="acme widget delete --site s1 --reason a", targets="w-1", reason="b"
        )
    with pytest.raises(UsageError, match="Incomplete command"):
        request_from_parts(CATALOG, command="", targets="w-1")
