"""Usage errors name what went wrong where it went wrong: two different ``--db`` values are
refused rather than the later one used without a word, and a word nobody takes points to the
help of the subcommand it was given to."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import cli
from bot.store import Store


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == 2
    err: str = capsys.readouterr().err
    return err


@pytest.mark.parametrize(
    ("argv", "prog"),
    [
        (["audit", "--db", "{a}", "verify", "--db", "{b}"], "opsgate audit"),
        (["audit", "--db", "{a}", "head", "--db", "{b}"], "opsgate audit"),
        (["audit", "export", "--db", "{a}", "--db", "{b}"], "opsgate audit export"),
        (["db", "--db", "{a}", "migrate", "--db", "{b}"], "opsgate db"),
    ],
)
def test_two_different_databases_are_a_usage_error_naming_both(
    env: Path, capsys: pytest.CaptureFixture[str], argv: list[str], prog: str
) -> None:
    """`opsgate audit --db A verify --db B` must not verify B alone and say "intact"."""
    a, b = env / "a.db", env / "b.db"
    Store.open(a).close()
    words = [word.format(a=a, b=b) for word in argv]
    assert _refused(words, capsys) == (
        f"{prog}: error: --db is given twice, as '{a}' and as '{b}': give it once "
        f"(see: {prog} --help)\n"
    )
    assert not b.exists()  # nothing was opened, nor created


def test_a_url_given_twice_is_named_without_its_password(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql://ops:hunter2@db.example/opsgate"
    err = _refused(["audit", "--db", url, "verify", "--db", "b.db"], capsys)
    assert "hunter2" not in err
    assert "'postgresql://ops:****@db.example/opsgate' and as 'b.db'" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["audit", "--db", "{a}", "verify", "--db", "{a}"],
        ["audit", "verify", "--db", "{a}", "--db", "{a}"],
        ["audit", "--db", "{a}", "verify"],
    ],
)
def test_the_same_database_given_twice_is_used(
    env: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    a = env / "a.db"
    Store.open(a).close()
    assert cli.main([word.format(a=a) for word in argv]) == 0
    assert capsys.readouterr().out == "audit log intact: 0 events verified\n"


@pytest.mark.parametrize(
    ("argv", "prog"),
    [
        (["audit", "verify", "--bogus"], "opsgate audit verify"),
        (["audit", "--bogus", "verify"], "opsgate audit"),
        (["db", "migrate", "--bogus"], "opsgate db migrate"),
        (["plugins", "--bogus"], "opsgate plugins"),
        (["check", "extra"], "opsgate check"),
        (["--bogus"], "opsgate"),
    ],
)
def test_an_unknown_word_points_to_the_help_of_the_command_it_was_given_to(
    env: Path, capsys: pytest.CaptureFixture[str], argv: list[str], prog: str
) -> None:
    bogus = argv[-1] if argv[-1] != "verify" else "--bogus"
    assert _refused(argv, capsys) == (
        f"{prog}: error: unrecognized arguments: {bogus} (see: {prog} --help)\n"
    )
