"""A database target as people see it: no password in any form a URL or libpq string holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings.targets import (
    UnreadableTarget,
    masked_error,
    parse_target,
    passwords_in,
    redacted,
)


@pytest.mark.parametrize(
    ("target", "shown"),
    [
        (
            "postgresql:///opsgate?host=127.0.0.1&user=ops&password=s3cretpw",
            "postgresql:///opsgate?host=127.0.0.1&user=ops&password=****",
        ),
        ("postgresql://ops:s3cret%pw@db:5432/ops", "postgresql://ops:****@db:5432/ops"),
        ("postgresql://ops:p@ss@[::1]:5432/ops", "postgresql://ops:****@[::1]:5432/ops"),
        (
            "postgres://ops:pw@db/ops?sslpassword=k&x=1",
            "postgres://ops:****@db/ops?sslpassword=****&x=1",
        ),
        ("host=db user=ops password='a b' dbname=x", "host=db user=ops password=**** dbname=x"),
        ("postgresql://ops@db/ops", "postgresql://ops@db/ops"),
        ("postgresql://ops:pw@[::1/ops", "postgresql://ops:****@[::1/ops"),  # unclosed: no error
        ("/var/lib/opsgate/opsgate.db", "/var/lib/opsgate/opsgate.db"),
    ],
)
def test_every_password_is_masked(target: str, shown: str) -> None:
    assert redacted(target) == shown


def test_the_passwords_are_found_as_written_and_decoded() -> None:
    assert passwords_in("postgresql://ops:s%40cret@db/x?password=two") == [
        "s%40cret",
        "s@cret",
        "two",
    ]
    assert passwords_in("opsgate.db") == []


def test_a_drivers_error_quoting_the_password_back_is_masked() -> None:
    target = "postgresql://ops:s3cret%pw@127.0.0.1:1/ops"
    said = masked_error(f'invalid percent-encoded token: "s3cret%pw" in "{target}"', target)
    assert said == (  # the password masked, the target without it shown
        'invalid percent-encoded token: "****" in "postgresql://ops:****@127.0.0.1:1/ops"'
    )


@pytest.mark.parametrize(
    ("target", "read"),
    [
        ("postgresql://db/x", "postgresql://db/x"),
        ("PostgreSQL://ops:pw@db/x", "postgresql://ops:pw@db/x"),
        ("postgres://db/x", "postgres://db/x"),
        ("sqlite:///opsgate.db", Path("opsgate.db")),
        ("SQLITE:////var/lib/ops.db", Path("/var/lib/ops.db")),
        ("opsgate.db", Path("opsgate.db")),
        ("./data/ops=1.db", Path("data/ops=1.db")),
    ],
)
def test_a_target_is_a_sqlite_path_or_a_postgresql_url(target: str, read: Path | str) -> None:
    assert parse_target(target) == read


@pytest.mark.parametrize(
    ("target", "why"),
    [
        (
            "mysql://ops:s3cret@db/x",
            "mysql://…: give a file path (or sqlite:///relative.db, sqlite:////absolute.db) or a "
            "postgresql:// URL",
        ),
        ("sqlite://x.db", "sqlite://…: give a file path"),
        ("host=db password=s3cret", "a key=value connection string is not read"),
    ],
)
def test_targets_opsgate_cannot_read_say_why_without_the_password(target: str, why: str) -> None:
    with pytest.raises(UnreadableTarget) as caught:
        parse_target(target)
    assert str(caught.value).startswith(why) and "s3cret" not in str(caught.value)


def test_a_password_with_a_slash_question_mark_or_at_sign_is_masked_whole() -> None:
    assert redacted("postgresql://u:pa/ss?x@h@db:5432/ops") == "postgresql://u:****@db:5432/ops"
    assert passwords_in("postgresql://u:pa/ss@db/ops") == ["pa/ss"]


def test_a_short_password_is_masked_only_where_it_stands_alone() -> None:
    said = masked_error("at host a: password a authentication failed", "postgresql://u:a@h/x")
    assert said == "at host ****: password **** authentication failed"


@pytest.mark.parametrize(
    ("target", "shown"),
    [
        ("postgresql://u@h:1/db?pass%77ord=Sekr3tPw", "postgresql://u@h:1/db?pass%77ord=****"),
        (
            "postgresql://u@h/db?%73slpassword=Sekr3tPw&x=1",
            "postgresql://u@h/db?%73slpassword=****&x=1",
        ),
        ("postgresql://u@h/db?password=abc#Sekr3tPw", "postgresql://u@h/db?password=****"),
        ("postgresql://u@h/db?password=abc\tSekr3tPw", "postgresql://u@h/db?password=****"),
    ],
)
def test_a_password_parameter_is_masked_as_libpq_reads_it(target: str, shown: str) -> None:
    # libpq decodes a percent-encoded key, and keeps a # or a tab inside a value.
    assert redacted(target) == shown
    assert "Sekr3tPw" not in masked_error(f"cannot connect: {target}", target)


def test_no_fragment_libpq_quotes_back_is_shown_when_the_target_holds_a_password() -> None:
    target = "postgresql://u:a@b:c/d?e#f%g'h Sekr3tPw@127.0.0.1:1/db"
    quoted = "e#f%g'h Sekr3tPw@127.0.0.1:1/db"
    libpq = f'missing key/value separator "=" in URI query parameter: "{quoted}"'
    said = masked_error(libpq, target)
    assert "Sekr3tPw" not in said and said.endswith('URI query parameter: "…"')
    plain = "postgresql://u@127.0.0.1:1/db"  # nothing to hide: libpq's words stay as they are
    assert masked_error('connection to server at "127.0.0.1" failed', plain) == (
        'connection to server at "127.0.0.1" failed'
    )


def test_the_user_and_database_a_driver_quotes_stay_when_the_target_holds_a_password() -> None:
    target = "postgresql://opsgate:Sekr3tPw@db.internal:5432/ops%5Fprod"
    said = masked_error(
        'connection to server at "db.internal" (10.0.0.5), port 5432 failed: FATAL:  password '
        'authentication failed for user "opsgate" | FATAL: database "ops_prod" does not exist | '
        'quoted "Sekr3tPw" and "Sekr3t"',
        target,
    )
    assert 'at "db.internal"' in said and 'user "opsgate"' in said
    assert 'database "ops_prod"' in said
    assert said.endswith('quoted "****" and "…"')  # the password, and a piece of it


@pytest.mark.parametrize(
    "target",
    [
        "postgresql://opsgate:Tr0ub@dorSECRET@db.internal:5432/opsgate",
        "postgres://u:a@b@c@db/x?sslmode=require",
    ],
)
def test_a_password_with_a_raw_at_sign_is_refused_without_showing_it(target: str) -> None:
    with pytest.raises(UnreadableTarget) as caught:
        parse_target(target)
    said = str(caught.value)
    assert "percent-encode each @ in the password as %40" in said
    assert not any(piece in said for piece in ("Tr0ub", "dorSECRET", "a@b", "b@c"))


def test_an_at_sign_in_the_query_or_an_encoded_one_is_read() -> None:
    assert parse_target("postgresql://u:a%40b@db/x?application_name=a@b") == (
        "postgresql://u:a%40b@db/x?application_name=a@b"
    )


def test_no_piece_of_a_password_a_driver_cut_elsewhere_is_shown() -> None:
    target = "postgresql://opsgate:Tr0ub@dorSECRET@db.internal:5432/opsgate"
    for error in (
        "failed to resolve host 'dorSECRET@db.internal': [Errno -2] Name or service not known",
        'failed to resolve host "dorSECRET@db.internal"',
        "password authentication failed for user opsgate:Tr0ub (host dorSECRET@db.internal)",
    ):
        said = masked_error(error, target)
        assert "SECRET" not in said and "Tr0ub" not in said, said
    kept = masked_error("server doesn't accept 'opsgate' at db.internal", target)
    assert kept == "server doesn't accept 'opsgate' at db.internal"
