"""A database target as people see it: no password in any form a URL or libpq string holds."""

from __future__ import annotations

import pytest

from bot.settings.targets import masked_error, passwords_in, redacted, unreadable_target


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
    ("target", "why"),
    [
        ("mysql://ops@db/x", "mysql://…: give a file path or a postgresql:// URL"),
        (
            "host=db password=pw",
            "a key=value connection string is not read: give a postgresql:// URL",
        ),
        ("postgresql://db/x", None),
        ("sqlite:///opsgate.db", None),
        ("opsgate.db", None),
        ("./data/ops=1.db", None),
    ],
)
def test_targets_opsgate_cannot_read_say_why(target: str, why: str | None) -> None:
    assert unreadable_target(target) == why
