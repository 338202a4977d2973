"""`/ops enos ota-job delete <jobId> --org <orgId>`."""

from __future__ import annotations

import pytest

from adapters.enos.operations import DELETE_OTA_JOB, OPERATIONS
from commands.catalog import Catalog
from commands.model import OperationRequest, ParsedCommand, UsageError
from commands.parse import parse as parse_with

CATALOG = Catalog(OPERATIONS)


def parse(text: str) -> ParsedCommand:
    """`parse` over this vendor's own operations."""
    return parse_with(text, CATALOG)


def expected(**overrides: object) -> OperationRequest:
    fields: dict[str, object] = {
        "operation": "enos.ota-job.delete",
        "vendor": "enos",
        "targets": ("6f1a2b3c4d5e",),
        "params": {"org": "o15724268424841"},
    }
    return OperationRequest.model_validate(fields | overrides)


@pytest.mark.parametrize(
    "text",
    [
        "enos ota-job delete 6f1a2b3c4d5e --org o15724268424841",
        "enos ota-job delete 6f1a2b3c4d5e --org=o15724268424841",
        "ENOS OTA-JOB Delete 6f1a2b3c4d5e --ORG o15724268424841",
        "  enos  ota-job\ndelete\t6f1a2b3c4d5e   --org   o15724268424841  ",
        'enos ota-job delete "6f1a2b3c4d5e" --org "o15724268424841"',
    ],
)
def test_happy_path(text: str) -> None:
    assert parse(text) == expected()


def test_reason_and_dry_run() -> None:
    text = (
        "enos ota-job delete 6f1a2b3c4d5e --org o15724268424841 "
        '--reason "stale job, INC-42" --dry-run'
    )
    assert parse(text) == expected(reason="stale job, INC-42", dry_run=True)


def test_reason_with_equals_and_typographic_quotes() -> None:
    text = "enos ota-job delete 6f1a2b3c4d5e --org=o15724268424841 --reason=“stale job, INC-42”"
    assert parse(text) == expected(reason="stale job, INC-42")


def test_the_help_example_parses() -> None:
    text = (
        '/ops enos ota-job delete 6f1a2b3c4d5e --org o15724268424841 --reason "stale job, INC-42"'
    )
    assert parse(text.removeprefix("/ops ")) == expected(reason="stale job, INC-42")


def test_missing_org() -> None:
    with pytest.raises(UsageError, match="Missing --org") as caught:
        parse("enos ota-job delete 6f1a2b3c4d5e")
    assert caught.value.field == "--org"
    assert "Usage: /ops enos ota-job delete <jobId> --org <orgId>" in caught.value.usage


def test_missing_job_id() -> None:
    with pytest.raises(UsageError, match="Missing jobId") as caught:
        parse("enos ota-job delete --org o1")
    assert caught.value.field == "jobId"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("enos ota-job delete ../x --org o1", "jobId"),
        ("enos ota-job delete x --org ../o1", "--org"),
        ("enos ota-job delete x --org=a/b", "--org"),
        ("enos ota-job delete x%2F --org o1", "jobId"),
        ("enos ota-job delete x --org=", "--org"),
    ],
)
def test_bad_identifiers_name_their_field(text: str, field: str) -> None:
    with pytest.raises(UsageError, match=f"Bad {field} ") as caught:
        parse(text)
    assert caught.value.field == field


def test_the_job_id_and_org_missing_are_both_reported() -> None:
    with pytest.raises(UsageError) as caught:
        parse("enos ota-job delete")
    assert caught.value.message == (
        "Missing jobId and --org: `/ops enos ota-job delete` needs <jobId> and --org <orgId>."
    )
    assert [error.field for error in caught.value.each] == ["jobId", "--org"]


def test_bad_identifier_is_reported_before_a_missing_flag() -> None:
    with pytest.raises(UsageError) as caught:
        parse("enos ota-job delete ../etc")
    assert caught.value.field == "jobId"
    assert [error.field for error in caught.value.each] == ["jobId", "--org"]


def test_two_job_ids_are_refused() -> None:
    with pytest.raises(UsageError, match="takes one jobId; 2 were given"):
        parse("enos ota-job delete j1 j2 --org o1")


def test_the_same_job_id_twice_is_one_target() -> None:
    """One target, and the repeat counted so its requester can be told it was dropped."""
    parsed = parse("enos ota-job delete 6f1a2b3c4d5e,6f1a2b3c4d5e --org o15724268424841")
    assert parsed == expected().model_copy(update={"duplicates": 1})


def test_the_adapter_reads_these_parameter_keys() -> None:
    assert DELETE_OTA_JOB.param_keys == {"org"}
