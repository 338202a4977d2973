"""A target named twice is acted on once (SPEC §8: each device name is one target): the
requester is told how many repeats were dropped, in the answer to a posted request and in a
dry run's target line, and in a break-glass run's and a blocked preview's answers (one wording),
rather than find fewer targets on the card than they typed."""

from __future__ import annotations

import json
from pathlib import Path

from surfaces_world import ALICE, session_with

from adapters.enos.simulator import api as enos
from bot.console.session import ConsoleSession

CANCEL = (
    "aliyun ota-task cancel thermo-{001..003} thermo-002 thermo-003 "
    "--product a1OpsThermo --firmware fw-thermo-2.1.0 --reason stuck"
)


def answered(session: ConsoleSession, words: str) -> str:
    """What `/ops <words>` was last answered with (its blocks), as one JSON text."""
    session.slash(words, user=ALICE)
    assert session.wait(timeout=10)
    answer = [call for call in session.standin.calls if call.method == "response_url"][-1]
    return json.dumps(answer.params)


def test_a_dry_run_says_how_many_duplicate_targets_were_dropped(tmp_path: Path) -> None:
    with session_with(tmp_path) as session:
        said = answered(session, f"{CANCEL} --dry-run")

    assert (
        "*3 targets:* `thermo-001`, `thermo-002`, `thermo-003` (2 duplicate targets dropped)"
        in (said)
    )


def test_the_answer_to_a_posted_request_says_its_duplicates_were_dropped(tmp_path: Path) -> None:
    with session_with(tmp_path) as session:
        said = answered(session, CANCEL)
        once = answered(session, CANCEL.replace("{001..003} thermo-002 thermo-003", "{004..006}"))

    assert "is posted and waiting for approval" in said
    assert "2 duplicate targets dropped: each target is acted on once." in said
    assert "is posted and waiting for approval" in once and "duplicate" not in once


def test_a_break_glass_runs_answer_says_its_duplicates_were_dropped(tmp_path: Path) -> None:
    policy = '[policy]\napprovers = ["S0OPSLEADS"]\nbreak_glass = ["U0ALICE"]\n'
    with session_with(tmp_path, policy) as session:
        said = answered(session, f"{CANCEL} --break-glass INC-42")

    assert "runs now, without approvals, for incident" in said
    assert "2 duplicate targets dropped: each target is acted on once." in said


def test_a_blocked_previews_refusal_says_its_duplicates_were_dropped(tmp_path: Path) -> None:
    running, org = enos.SANDBOX_RUNNING_JOB_ID, enos.SANDBOX_ORG_ID
    with session_with(tmp_path) as session:
        said = answered(session, f"enos ota-job delete {running} {running} --org {org} --reason x")

    assert "Not posted" in said and "No approval card was posted" in said
    assert f"`{running}` 1 duplicate target dropped: each target is acted on once." in said
