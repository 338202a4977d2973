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
    assert said == (
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
    said = masked_error('at host "a": password authentication failed', "postgresql://u:a@h/x")
    assert said == 'at host "****": password authentication failed'
