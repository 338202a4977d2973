"""`opsgate console` for incidents: a break-glass request, its review, and the new verbs."""

from __future__ import annotations

import io
import re
from pathlib import Path

from bot.console import run_console
from bot.settings import load_settings

POLICY = '[policy]\napprovers = ["S0OPSLEADS"]\nbreak_glass = ["U0ALICE"]\n'


def run(script: str, tmp_path: Path, policy: str = POLICY) -> str:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "opsgate.toml").write_text(policy)
    settings = load_settings({"OPSGATE_CONFIG": str(tmp_path / "opsgate.toml")})
    out = io.StringIO()
    code = run_console(settings, stdin=io.StringIO(script), stdout=out, db=tmp_path / "console.db")
    assert code == 0
    return out.getvalue()


def test_break_glass_then_review_in_the_console(tmp_path: Path) -> None:
    script = (
        "/ops servicepower job cancel JOB-1001 --reason dispatch storm --break-glass INC-42\n"
        "review\n"
        "as @bob review\n"
        "audit\n"
    )
    output = run(script, tmp_path)
    request_id = re.search(r"R-[0-9A-Z]{8}", output).group(0)  # type: ignore[union-attr]
    assert "Executing: servicepower.job.cancel [BREAK-GLASS] [SANDBOX]" in output
    assert "[Mark reviewed]" in output
    # alice ran it: not hers to review, so `review` picks nothing for her
    assert "there is no break-glass request awaiting your review" in output
    assert "Reviewed by @bob" in output
    trail = [line.split()[2] for line in output.splitlines() if line.startswith("#")]
    assert trail == [
        "requested",
        "break_glass",
        "executing",
        "succeeded",
        "reviewed",  # alice's `review` clicked nothing: no refusal logged
    ]
    assert request_id in output


def test_review_without_an_id_picks_the_oldest_run_the_asker_may_review(tmp_path: Path) -> None:
    """The oldest run awaiting review is bob's own: `review` as bob skips it for alice's, and
    dave, no approver, is told there is none for him, as `home review` lists them."""
    policy = '[policy]\napprovers = ["S0OPSLEADS"]\nbreak_glass = ["U0ALICE", "U0BOB"]\n'
    script = (
        "as @bob /ops servicepower job cancel JOB-1001 --reason storm --break-glass INC-41\n"
        "/ops servicepower job cancel JOB-1002 --reason storm --break-glass INC-42\n"
        "as @bob review\n"
        "as @dave review\n"
    )
    output = run(script, tmp_path, policy)
    ids = dict.fromkeys(re.findall(r"Request id: `(R-[0-9A-Z]{8})`", output))
    bobs, alices = ids  # in the order they were requested: bob's is the oldest
    bob = output[output.index("alice> as @bob review") :].splitlines()[1:3]
    assert bob == ["── only visible to @bob ──", f"Marked `{alices}` reviewed. Thank you."]
    assert f"Marked `{bobs}` reviewed" not in output and "someone else reviews it" not in output
    dave = output[output.index("alice> as @dave review") :].splitlines()[1]
    assert (
        dave == "there is no break-glass request awaiting your review; name one: review R-XXXXXXXX"
    )


def test_the_new_verbs_say_when_there_is_nothing_to_click(tmp_path: Path) -> None:
    output = run("stop\nreview\nhelp\n", tmp_path)
    assert "there is no running request; name one: stop R-XXXXXXXX" in output
    assert "there is no break-glass request awaiting your review; name one: review R-XXXXXXXX" in (
        output
    )
    assert "stop [<id>]" in output and "review [<id>]" in output


def test_stop_reaches_a_bulk_run_from_the_console(tmp_path: Path) -> None:
    """A 10,000-device cancel takes the sandbox seconds at 10 calls/s: the console returns to
    the prompt while it runs, and `stop` on the next line stops it."""
    script = (
        "/ops aliyun ota-task cancel thermo-{00001..10000} --product a1OpsThermo "
        "--firmware fw-thermo-2.1.0 --reason bad rollout\n"
        "as @bob approve\n"
        "stop\n"
        "audit\n"
    )
    output = run(script, tmp_path)
    assert "is still running: `stop` stops it" in output
    assert "[Stop]" in output
    assert "Stopped by @alice" in output and "not sent" in output
    trail = [line.split()[2] for line in output.splitlines() if line.startswith("#")]
    assert trail[-1] == "stopped"


def test_an_approver_stops_a_bulk_run_from_their_app_home(tmp_path: Path) -> None:
    """@carol may stop @alice's run (an approver, SPEC §8): her tab offers Stop for it, and
    `home stop` clicks it."""
    script = (
        "/ops aliyun ota-task cancel thermo-{00001..10000} --product a1OpsThermo "
        "--firmware fw-thermo-2.1.0 --reason bad rollout\n"
        "as @bob approve\n"
        "as @carol home stop\n"
        "audit\n"
    )
    output = run(script, tmp_path)
    assert "is still running: `stop` stops it" in output
    assert "Stopped by @carol" in output and "not sent" in output
    trail = [line.split()[2] for line in output.splitlines() if line.startswith("#")]
    assert trail[-1] == "stopped"


def test_quitting_during_a_bulk_run_says_it_waits_for_the_run(tmp_path: Path) -> None:
    """`quit` (or the end of input) while a bulk run goes on: the console finishes the run
    before it ends, and says so, rather than sitting silent for as long as the run takes."""
    for last in ("quit\n", ""):
        script = (
            "/ops aliyun ota-task cancel thermo-{00001..10000} --product a1OpsThermo "
            "--firmware fw-thermo-2.1.0 --reason bad rollout\n"
            "as @bob approve\n"
        ) + last
        output = run(script, tmp_path / (last.strip() or "eof"))
        request_id = re.search(r"R-[0-9A-Z]{8}", output).group(0)  # type: ignore[union-attr]
        said = f"── {request_id} is still running: the console ends once it has ended ──"
        assert said in output
        assert output.index(said) < output.index("Succeeded: Cancel accepted for 10,000")
