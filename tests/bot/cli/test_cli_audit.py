"""`opsgate audit head`, `verify --anchor`, and the keyed chain from the command line (SPEC §9)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pydantic import SecretStr
from tampering import rehash, tamper, truncate
from terminal import Terminal

from bot import cli
from bot.cli import audit
from bot.model import AuditEventName
from bot.policy import OperationPolicy
from bot.store import Store
from commands.model import OperationRequest

KEY = "0123456789abcdef-audit-key"


def seed(db: Path, count: int = 2, *, key: str | None = None) -> None:
    store = Store.open(db, key=None if key is None else SecretStr(key))
    for i in range(count):
        request = OperationRequest(
            operation="huawei.package.delete",
            vendor="huawei",
            targets=(f"pkg-{i}",),
            reason="cli test",
        )
        store.create_request(
            request, requester="U0ALICE", channel="C0OPS", policy=OperationPolicy(), sandbox=True
        )
    store.close()


def head(capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main(["audit", "head"]) == 0
    return capsys.readouterr().out.strip()


def test_head_prints_seq_and_hash(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed(env / "opsgate.db", 2)
    store = Store.open(env / "opsgate.db")
    last = list(store.events())[-1]
    store.close()

    assert head(capsys) == f"2:{last.hash}"


def test_verify_with_an_anchor_that_holds(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed(env / "opsgate.db", 1)
    anchor = head(capsys)
    seed(env / "opsgate.db", 2)  # the log grows past the anchor

    assert cli.main(["audit", "verify", "--anchor", anchor]) == 0
    assert "3 events verified; 1 anchor held" in capsys.readouterr().out
    later = head(capsys)
    assert cli.main(["audit", "verify", "--anchor", anchor, "--anchor", later]) == 0
    assert capsys.readouterr().out == "audit log intact: 3 events verified; 2 anchors held\n"


def test_verify_with_an_anchor_catches_truncation(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(env / "opsgate.db", 1)
    before = head(capsys)
    seed(env / "opsgate.db", 1)
    anchor = head(capsys)
    truncate(env / "opsgate.db", keep=1)
    tamper(
        env / "opsgate.db", "DELETE FROM requests WHERE id NOT IN (SELECT request_id FROM events)"
    )

    assert cli.main(["audit", "verify", "--anchor", before]) == 0
    capsys.readouterr()
    assert cli.main(["audit", "verify", "--anchor", before, "--anchor", anchor]) == 1
    err = capsys.readouterr().err
    assert err.startswith("audit log broken at event seq 2: anchor 2 is not in the log")


def test_verify_with_an_anchor_catches_a_rewrite_before_it(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(env / "opsgate.db", 2)
    anchor = head(capsys)
    tamper(env / "opsgate.db", "UPDATE events SET at = '2020-01-01T00:00:00.000000Z' WHERE seq = 1")
    rehash(env / "opsgate.db")

    assert cli.main(["audit", "verify"]) == 0
    capsys.readouterr()
    assert cli.main(["audit", "verify", "--anchor", anchor]) == 1
    assert "rewritten at or before event 2" in capsys.readouterr().err


def test_a_malformed_anchor_is_a_usage_error(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed(env / "opsgate.db", 1)

    assert cli.main(["audit", "verify", "--anchor", "12-abc"]) == 2
    assert "write it as <seq>:<hash>" in capsys.readouterr().err


@pytest.mark.parametrize("seq", ["\u00b2", "\u0661", "\uff12"])  # ², Arabic-Indic 1, fullwidth 2
def test_an_anchor_whose_seq_is_not_written_in_0_to_9_is_a_usage_error(
    env: Path, capsys: pytest.CaptureFixture[str], seq: str
) -> None:
    """`audit head` prints the seq in 0-9: other digits are a mistyped anchor, told as every
    malformed one (not read as another seq, nor Python's own words)."""
    seed(env / "opsgate.db", 1)
    _, _, digest = head(capsys).partition(":")

    assert cli.main(["audit", "verify", "--anchor", f"{seq}:{digest}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "write it as <seq>:<hash>" in err


@pytest.mark.parametrize("seq", [str(2**63), "99999999999999999999999", "9" * 5000])
def test_an_anchor_whose_seq_no_log_can_reach_is_a_usage_error(
    env: Path, capsys: pytest.CaptureFixture[str], seq: str
) -> None:
    """A seq above 64 bits (a typo, a pasted number) is told in one line and status 2, as any
    unreadable anchor: not SQLite's OverflowError as a traceback, nor Python's digit limit."""
    seed(env / "opsgate.db", 1)
    _, _, digest = head(capsys).partition(":")

    assert cli.main(["audit", "verify", "--anchor", f"{seq}:{digest}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "its seq is above 9223372036854775807" in err
    assert cli.main(["audit", "verify", "--anchor", f"{2**63 - 1}:{digest}"]) == 1  # readable


def test_an_anchor_at_seq_0_is_a_usage_error_unless_it_is_the_empty_logs_head(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(env / "opsgate.db", 0)
    empty = head(capsys)  # an empty log's head: seq 0 and the genesis hash
    seed(env / "opsgate.db", 2)
    _, _, digest = head(capsys).partition(":")

    assert cli.main(["audit", "verify", "--anchor", f"0:{digest}"]) == 2  # a mistyped seq
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "events are numbered from 1; write it as <seq>:<hash>" in err
    assert "audit log broken" not in err
    assert cli.main(["audit", "verify", "--anchor", empty]) == 0


def test_verify_names_the_request_whose_tables_disagree(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(env / "opsgate.db", 2)
    tamper(env / "opsgate.db", "UPDATE requests SET targets = '[\"pkg-EVIL\"]' WHERE rowid = 2")

    assert cli.main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("audit log and tables disagree at request R-")
    assert "pkg-EVIL" in err


def test_a_keyed_log_verifies_with_its_key_only(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(env / "opsgate.db", 2, key=KEY)

    monkeypatch.setenv("OPSGATE_AUDIT_KEY", KEY)
    assert cli.main(["audit", "verify"]) == 0
    assert "2 events verified" in capsys.readouterr().out

    monkeypatch.delenv("OPSGATE_AUDIT_KEY")
    assert cli.main(["audit", "verify"]) == 2
    without = capsys.readouterr()
    monkeypatch.setenv("OPSGATE_AUDIT_KEY", "a-different-key-of-16+")
    assert cli.main(["audit", "verify"]) == 2
    wrong = capsys.readouterr()

    assert without.err.count("\n") == 1 and "set OPSGATE_AUDIT_KEY" in without.err
    assert wrong.err.count("\n") == 1 and "is not the key" in wrong.err
    for captured in (without, wrong):
        assert KEY not in captured.out + captured.err


def test_a_forged_rewrite_fails_keyed_verify(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(env / "opsgate.db", 2, key=KEY)
    tamper(env / "opsgate.db", "UPDATE events SET at = '2020-01-01T00:00:00.000000Z' WHERE seq = 2")
    rehash(env / "opsgate.db")  # without the key
    monkeypatch.setenv("OPSGATE_AUDIT_KEY", KEY)

    assert cli.main(["audit", "verify"]) == 1
    assert "hash mismatch" in capsys.readouterr().err


def test_a_keyed_log_forged_into_an_unkeyed_one_is_broken_under_the_key(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(env / "opsgate.db", 2, key=KEY)
    tamper(env / "opsgate.db", "UPDATE events SET at = '2020-01-01T00:00:00.000000Z' WHERE seq = 2")
    rehash(env / "opsgate.db")  # plain SHA-256, then the log marked unkeyed to match
    tamper(
        env / "opsgate.db",
        "UPDATE chain_key SET algorithm = 'sha256', key_fingerprint = NULL",
        "UPDATE chain_head SET seal = NULL",
    )
    monkeypatch.setenv("OPSGATE_AUDIT_KEY", KEY)

    assert cli.main(["audit", "verify"]) == 1  # broken, not a setting to change
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("audit log broken: ")
    assert "it has been rewritten since (treat it as tampered)" in err
    assert "unset" not in err

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    assert cli.main(["serve", "--http"]) == 2
    assert "treat it as tampered" in capsys.readouterr().err


def test_keyed_verify_catches_refused_clicks_removed_from_the_end(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(env / "opsgate.db", 2, key=KEY)
    store = Store.open(env / "opsgate.db", key=SecretStr(KEY))
    request_id = next(iter(store.events())).request_id
    store.log(request_id, AuditEventName.DENIED, actor="U0EVE", detail={"reason": "not yours"})
    store.close()
    monkeypatch.setenv("OPSGATE_AUDIT_KEY", KEY)
    assert cli.main(["audit", "verify"]) == 0
    assert "3 events verified" in capsys.readouterr().out

    truncate(env / "opsgate.db", keep=2)  # the refused click is gone, the head moved back

    assert cli.main(["audit", "verify"]) == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(
        "audit log broken: the chain head (event 2) does not carry its seal under OPSGATE_AUDIT_KEY"
    )
    assert KEY not in captured.out + captured.err


def test_serve_will_not_start_on_a_keyed_log_without_its_key(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(env / "opsgate.db", 1, key=KEY)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")

    assert cli.main(["serve", "--http"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the audit log is keyed" in err


@pytest.mark.parametrize(("stream", "announced"), [(Terminal, True), (io.StringIO, False)])
def test_verify_of_a_long_log_says_what_it_checks_on_a_terminal_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stream: type[io.StringIO], announced: bool
) -> None:
    monkeypatch.setattr(audit, "ANNOUNCE_FROM", 2)
    seed(tmp_path / "opsgate.db", 3)
    store = Store.open(tmp_path / "opsgate.db")
    out, err = io.StringIO(), stream()

    assert audit.verify(store, anchors=[], out=out, err=err) == 0
    assert out.getvalue() == "audit log intact: 3 events verified\n"
    assert (err.getvalue() == "opsgate: verifying 3 events…\n") is announced
    assert err.getvalue() == "" or announced
    store.close()


def test_a_short_log_is_verified_without_announcement(tmp_path: Path) -> None:
    seed(tmp_path / "opsgate.db", 3)
    store = Store.open(tmp_path / "opsgate.db")
    err = Terminal()

    assert audit.verify(store, anchors=[], out=io.StringIO(), err=err) == 0
    assert err.getvalue() == ""
    store.close()


def test_verify_fails_a_log_beside_a_rollback_journal_naming_it(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQLite would roll the journal back into the file before reading it: verify must not pass
    the file alone, and changes neither file."""
    seed(env / "opsgate.db", 1)
    journal = env / "opsgate.db-journal"
    journal.write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" + bytes(504))

    assert cli.main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"audit log broken: {journal} is a rollback journal: SQLite would roll it back into the "
        "database before reading it, so what verify checked is not what opsgate would read "
        "(opsgate writes through a write-ahead log and never leaves one; neither file was "
        "changed)\n"
    )
    assert journal.read_bytes()[:4] == b"\xd9\xd5\x05\xf9"


@pytest.mark.parametrize("command", [["head"], ["export", "--format", "jsonl"]])
def test_head_and_export_refuse_a_log_beside_a_rollback_journal(
    env: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    seed(env / "opsgate.db", 1)
    (env / "opsgate.db-journal").write_bytes(b"\xd9\xd5\x05\xf9")

    assert cli.main(["audit", *command]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"opsgate: {env / 'opsgate.db-journal'} is a rollback journal")
    assert err.endswith(f": {command[0]} refuses to read it\n")


def test_a_head_changed_outside_opsgate_is_one_line_for_verify_and_head(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(env / "opsgate.db", 1)
    tamper(env / "opsgate.db", "UPDATE chain_head SET seq = 'abc'")
    named = (
        "the chain head record was changed outside opsgate: its seq is 'abc', not a whole number"
    )

    assert cli.main(["audit", "verify"]) == 1
    assert capsys.readouterr().err == f"audit log broken: {named}\n"
    assert cli.main(["audit", "head"]) == 1
    assert capsys.readouterr() == ("", f"opsgate: {named}\n")


def test_a_changed_chain_key_row_fails_verify_under_the_key_that_verifies_the_log(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(env / "opsgate.db", 1, key=KEY)
    tamper(env / "opsgate.db", "UPDATE chain_key SET key_fingerprint = '0000000000000000'")
    monkeypatch.setenv("OPSGATE_AUDIT_KEY", KEY)

    assert cli.main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("audit log broken: the chain_key row was changed outside opsgate")

    monkeypatch.setenv("OPSGATE_AUDIT_KEY", "another key entirely, 32 chars!")
    assert cli.main(["audit", "verify"]) == 2  # a key that is not the log's: a setting
    assert "is not the key this audit log was written with" in capsys.readouterr().err
