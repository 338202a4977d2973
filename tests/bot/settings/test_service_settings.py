"""The service settings (SPEC §13): empty secrets, HTTP limits, shutdown grace, log format."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from settings_errors import settings_error as _error

from bot.settings import load_settings


@pytest.mark.parametrize("blank", ['""', '"   "'])
def test_an_empty_secret_in_the_toml_file_counts_as_not_set(in_tmp: Path, blank: str) -> None:
    (in_tmp / "opsgate.toml").write_text(
        f"slack_signing_secret = {blank}\nslack_bot_token = {blank}\nslack_app_token = {blank}\n"
    )
    settings = load_settings({})
    assert settings.slack_signing_secret is None
    assert settings.slack_bot_token is None
    assert settings.slack_app_token is None


def test_an_empty_secret_in_the_environment_counts_as_not_set(in_tmp: Path) -> None:
    settings = load_settings({"SLACK_SIGNING_SECRET": "  ", "SLACK_BOT_TOKEN": ""})
    assert settings.slack_bot_token is None
    assert settings.slack_signing_secret is None
    # An empty variable does not hide the file's value either: it is simply not a value.
    (in_tmp / "opsgate.toml").write_text('slack_signing_secret = "from-the-file"\n')
    settings = load_settings({"SLACK_SIGNING_SECRET": ""})
    assert settings.slack_signing_secret is not None
    assert settings.slack_signing_secret.get_secret_value() == "from-the-file"


def test_service_defaults() -> None:
    settings = load_settings({})
    assert settings.shutdown_grace == timedelta(seconds=30)
    assert settings.log_format == "text"
    assert settings.http_connection_limit == 1000
    assert settings.http_threads == 16
    assert settings.http_channel_timeout == timedelta(seconds=60)
    assert settings.http_max_body == 2 * 1024 * 1024


def test_service_settings_from_the_environment() -> None:
    settings = load_settings(
        {
            "OPSGATE_SHUTDOWN_GRACE": "1m30s",
            "OPSGATE_LOG_FORMAT": "JSON",
            "OPSGATE_HTTP_CONNECTION_LIMIT": "5000",
            "OPSGATE_HTTP_THREADS": "8",
            "OPSGATE_HTTP_CHANNEL_TIMEOUT": "15",
            "OPSGATE_HTTP_MAX_BODY": "512KiB",
        }
    )
    assert settings.shutdown_grace == timedelta(minutes=1, seconds=30)
    assert settings.log_format == "json"
    assert settings.http_connection_limit == 5000
    assert settings.http_threads == 8
    assert settings.http_channel_timeout == timedelta(seconds=15)
    assert settings.http_max_body == 512 * 1024


def test_service_settings_from_the_toml_file(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text(
        'shutdown_grace = "2m"\nhttp_max_body = "1MB"\nhttp_connection_limit = 300\n'
    )
    settings = load_settings({})
    assert settings.shutdown_grace == timedelta(minutes=2)
    assert settings.http_max_body == 1_000_000
    assert settings.http_connection_limit == 300


@pytest.mark.parametrize(
    ("written", "why"),
    [
        (
            "http_channel_timeout = 0.5",
            'http_channel_timeout: must be whole seconds, at least "1s"',
        ),
        (
            "http_channel_timeout = 1.5",
            'http_channel_timeout: must be whole seconds, at least "1s"',
        ),
        ("shutdown_grace = 1.5", 'shutdown_grace: must be whole seconds, such as "1s" or "90s"'),
        ("shutdown_grace = 2.0", 'shutdown_grace: must be whole seconds, such as "1s" or "90s"'),
        ("http_channel_timeout = 0", 'http_channel_timeout: must be at least "1s"'),
    ],
)
def test_a_decimal_in_the_file_is_refused_as_in_the_environment(
    in_tmp: Path, written: str, why: str
) -> None:
    """Whole-second durations: `1.5` in opsgate.toml (a TOML decimal) is refused as
    ``OPSGATE_SHUTDOWN_GRACE=1.5`` is, naming the setting, never taken as 1.5 s."""
    (in_tmp / "opsgate.toml").write_text(written + "\n")
    assert _error({}) == f"opsgate.toml: {why}"
    variable = "OPSGATE_" + written.split(" = ")[0].upper()
    (in_tmp / "opsgate.toml").write_text("")
    said = _error({variable: written.split(" = ")[1]})
    assert said == f"{variable} ({why.split(':')[0]}):{why.split(':', 1)[1]}"


def test_whole_seconds_in_the_file_are_taken(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text("shutdown_grace = 45\nhttp_channel_timeout = 5\n")
    settings = load_settings({})
    assert settings.shutdown_grace == timedelta(seconds=45)
    assert settings.http_channel_timeout == timedelta(seconds=5)


@pytest.mark.parametrize(
    ("variable", "value", "why"),
    [
        ("OPSGATE_SHUTDOWN_GRACE", "soon", "must be a duration"),
        # SIGTERM's wait would overflow threading's longest timeout, failing as it stops
        ("OPSGATE_SHUTDOWN_GRACE", "999999d", 'must be at most "24h"'),
        ("OPSGATE_SHUTDOWN_GRACE", "24h1s", 'must be at most "24h"'),
        ("OPSGATE_HTTP_CHANNEL_TIMEOUT", "-5s", "must be a duration"),
        ("OPSGATE_HTTP_CHANNEL_TIMEOUT", "0s", 'must be at least "1s"'),
        ("OPSGATE_HTTP_CHANNEL_TIMEOUT", "0", 'must be at least "1s"'),
        ("OPSGATE_HTTP_CHANNEL_TIMEOUT", "0.5", 'must be whole seconds, at least "1s"'),
        ("OPSGATE_HTTP_CHANNEL_TIMEOUT", "0.5s", 'must be whole seconds, at least "1s"'),
        ("OPSGATE_HTTP_CHANNEL_TIMEOUT", "1.5s", 'must be whole seconds, at least "1s"'),
        ("OPSGATE_SHUTDOWN_GRACE", "2.5s", 'must be whole seconds, such as "1s"'),
        ("OPSGATE_HTTP_MAX_BODY", "0", "must be between 1KiB and 1GiB (1024 and 1073741824 bytes)"),
        ("OPSGATE_HTTP_CONNECTION_LIMIT", "0", "must be between 10 and 100000"),
        ("OPSGATE_HTTP_THREADS", "-1", "must be between 1 and 256"),
        ("OPSGATE_HTTP_MAX_BODY", "lots", "must be a size in bytes"),
        ("OPSGATE_HTTP_MAX_BODY", "10", "must be between 1KiB and 1GiB"),
        (
            "OPSGATE_HTTP_MAX_BODY",
            "1kb",
            "must be between 1KiB and 1GiB (1024 and 1073741824 bytes)",
        ),
        ("OPSGATE_HTTP_CONNECTION_LIMIT", "5", "must be between 10 and 100000"),
        ("OPSGATE_HTTP_THREADS", "0", "must be between 1 and 256"),
        ("OPSGATE_LOG_FORMAT", "xml", "'text' or 'json'"),
    ],
)
def test_bad_service_settings_name_the_variable(variable: str, value: str, why: str) -> None:
    message = _error({variable: value})
    assert message.startswith(variable) and why in message


HUGE = "9" * 5000  # past Python's 4,300-digit limit on reading a number
#: In README's units (`1KiB` to `1GiB`), and in bytes.
_MAX_BODY_RANGE = "must be between 1KiB and 1GiB (1024 and 1073741824 bytes)"


@pytest.mark.parametrize(
    ("variable", "value", "why"),
    [
        ("OPSGATE_HTTP_MAX_BODY", HUGE, _MAX_BODY_RANGE),
        ("OPSGATE_HTTP_MAX_BODY", HUGE + "MiB", _MAX_BODY_RANGE),
        ("OPSGATE_WORKERS", HUGE, "must be between 1 and 256"),
        ("OPSGATE_WORKERS", "-" + HUGE, "must be between 1 and 256"),
        ("OPSGATE_HTTP_THREADS", HUGE, "must be between 1 and 256"),
        ("OPSGATE_HTTP_CONNECTION_LIMIT", HUGE, "must be between 10 and 100000"),
        ("OPSGATE_LEASE_SECONDS", HUGE, "must be between 1 and 3600"),
        ("OPSGATE_HUAWEI__CALLS_PER_MINUTE", HUGE, "must be at most 10000"),
        ("OPSGATE_HUAWEI__CALLS_PER_MINUTE", "-" + HUGE, "must be at least 1"),
        ("OPSGATE_SHUTDOWN_GRACE", HUGE, "is too long"),
        ("OPSGATE_SHUTDOWN_GRACE", HUGE + "s", "is too long"),
        ("OPSGATE_SHUTDOWN_GRACE", "99999999999999999999", "is too long"),  # past timedelta's
        ("OPSGATE_HTTP_CHANNEL_TIMEOUT", "1h" + HUGE + "m", "is too long"),
    ],
    ids=lambda value: value[:40] if isinstance(value, str) else None,
)
def test_a_number_too_long_to_read_says_the_range(variable: str, value: str, why: str) -> None:
    message = _error({variable: value})
    key = variable.removeprefix("OPSGATE_").lower().replace("__", ".")
    assert message == f"{variable} ({key}): {why}"


def test_leading_zeros_never_make_a_number_too_long() -> None:
    assert load_settings({"OPSGATE_WORKERS": "0" * 5000 + "7"}).workers == 7


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("workers = true\n", "opsgate.toml: workers: must be a whole number"),
        ("lease_seconds = false\n", "opsgate.toml: lease_seconds: must be a whole number"),
        (
            "[huawei]\ncalls_per_minute = true\n",
            "opsgate.toml: huawei.calls_per_minute: must be a whole number",
        ),
    ],
)
def test_true_or_false_is_no_whole_number(in_tmp: Path, written: str, why: str) -> None:
    (in_tmp / "opsgate.toml").write_text(written)
    assert _error({}) == why


#: Whole-number settings: the TOML key (a vendor's in its table) and the variable.
WHOLE_NUMBERS = [
    ("lease_seconds", "OPSGATE_LEASE_SECONDS"),
    ("workers", "OPSGATE_WORKERS"),
    ("huawei.calls_per_minute", "OPSGATE_HUAWEI__CALLS_PER_MINUTE"),
]


def _in_file(key: str, written: str) -> str:
    table, _, name = key.rpartition(".")
    return f"[{table}]\n{name} = {written}\n" if table else f"{key} = {written}\n"


def _read(settings: object, key: str) -> object:
    for part in key.split("."):
        settings = getattr(settings, part)
    return settings


@pytest.mark.parametrize(("key", "variable"), WHOLE_NUMBERS)
@pytest.mark.parametrize(("written", "number"), [("1e2", 100), ("5E1", 50), ("0.2e2", 20)])
def test_a_whole_number_with_an_exponent_reads_the_same_in_the_file_and_the_environment(
    in_tmp: Path, key: str, variable: str, written: str, number: int
) -> None:
    assert _read(load_settings({variable: written}), key) == number
    (in_tmp / "opsgate.toml").write_text(_in_file(key, written))
    assert _read(load_settings({}), key) == number


@pytest.mark.parametrize(("key", "variable"), WHOLE_NUMBERS)
@pytest.mark.parametrize("written", ["2.5e0", "1e-3", "2.5"])
def test_a_decimal_is_refused_in_the_file_and_the_environment_alike(
    in_tmp: Path, key: str, variable: str, written: str
) -> None:
    assert _error({variable: written}) == f"{variable} ({key}): must be a whole number"
    (in_tmp / "opsgate.toml").write_text(_in_file(key, written))
    assert _error({}) == f"opsgate.toml: {key}: must be a whole number"


@pytest.mark.parametrize(("key", "variable"), WHOLE_NUMBERS)
@pytest.mark.parametrize("written", ["١e1", "１e1", "1e١", "٣" * 1001])
def test_digits_other_than_0_to_9_are_refused_with_an_exponent_or_many_as_alone(
    key: str, variable: str, written: str
) -> None:
    """``٣`` (an Arabic-Indic three) is no whole number to opsgate, nor to TOML: written with an
    exponent, or a thousand times over, it is none either (not 30, nor one past the range)."""
    assert _error({variable: "٣"}) == f"{variable} ({key}): must be a whole number"
    assert _error({variable: written}) == f"{variable} ({key}): must be a whole number"
