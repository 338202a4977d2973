"""A bad setting stops every command in one line naming it, and a non-zero status: never a
traceback (SPEC §13), whichever command meets it first."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from certs import write_cert_files

from bot import cli

#: The commands that build vendor adapters at start-up.
STARTING = (["check"], ["console"], ["serve", "--http"])


@pytest.fixture
def env(env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The clean environment, run from its directory, with the console reading nothing."""
    monkeypatch.chdir(env)
    monkeypatch.setattr("sys.stdin", io.StringIO("quit\n"))
    return env


def failure(capsys: pytest.CaptureFixture[str]) -> str:
    """The one line on stderr; nothing else was written there."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    [line] = err.splitlines()
    return line


@pytest.fixture
def huawei(monkeypatch: pytest.MonkeyPatch) -> None:
    """Huawei's credentials, so its adapter would be built."""
    monkeypatch.setenv("OPSGATE_HUAWEI__BASE_URL", "https://127.0.0.1:9")
    monkeypatch.setenv("OPSGATE_HUAWEI__APP_ID", "a")
    monkeypatch.setenv("OPSGATE_HUAWEI__SECRET", "s")


@pytest.mark.usefixtures("huawei")
@pytest.mark.parametrize("command", STARTING, ids=" ".join)
@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        (
            {"CLIENT_CERT": "/nonexist.pem", "CLIENT_KEY": "/nonexist.key"},
            "OPSGATE_HUAWEI__CLIENT_CERT (huawei.client_cert): no such file: /nonexist.pem",
        ),
        (
            {"CLIENT_CERT": "garbage.pem", "CLIENT_KEY": "key.pem"},
            "OPSGATE_HUAWEI__CLIENT_CERT (huawei.client_cert): garbage.pem is not a PEM "
            "certificate",
        ),
        (
            {"CLIENT_CERT": "cert.pem", "CLIENT_KEY": "other.pem"},
            "OPSGATE_HUAWEI__CLIENT_KEY (huawei.client_key): other.pem does not match the client "
            "certificate",
        ),
        (
            {"CA_BUNDLE": "/nonexist"},
            "OPSGATE_HUAWEI__CA_BUNDLE (huawei.ca_bundle): no such file: /nonexist",
        ),
    ],
    ids=["missing", "not pem", "not its key", "missing ca"],
)
def test_a_bad_huawei_tls_file_stops_start_up_naming_it(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    variables: dict[str, str],
    expected: str,
) -> None:
    write_cert_files(env)
    (env / "garbage.pem").write_text("not a certificate\n")
    for name, value in variables.items():
        monkeypatch.setenv(f"OPSGATE_HUAWEI__{name}", value)
    assert cli.main(command) == 2
    assert failure(capsys) == f"opsgate: invalid settings: {expected}"


@pytest.mark.parametrize("command", STARTING, ids=" ".join)
@pytest.mark.parametrize(
    ("variable", "value", "why"),
    [
        ("OPSGATE_ALIYUN__CALLS_PER_SECOND", "0", "must be at least 0.01"),
        ("OPSGATE_ALIYUN__CALLS_PER_SECOND", "-5", "must be at least 0.01"),
        ("OPSGATE_HUAWEI__CALLS_PER_MINUTE", "0", "must be at least 1"),
    ],
)
def test_a_rate_limit_of_zero_or_less_stops_start_up_naming_it(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    huawei: None,
    command: list[str],
    variable: str,
    value: str,
    why: str,
) -> None:
    monkeypatch.setenv("OPSGATE_ALIYUN__ACCESS_KEY_ID", "id")
    monkeypatch.setenv("OPSGATE_ALIYUN__ACCESS_KEY_SECRET", "secret")
    monkeypatch.setenv("OPSGATE_ALIYUN__REGION_ID", "cn-shanghai")
    monkeypatch.setenv("OPSGATE_ALIYUN__ENDPOINT", "https://127.0.0.1:9")
    monkeypatch.setenv(variable, value)
    assert cli.main(command) == 2
    table, field = variable.removeprefix("OPSGATE_").lower().split("__")
    assert failure(capsys) == f"opsgate: invalid settings: {variable} ({table}.{field}): {why}"


@pytest.mark.parametrize("command", STARTING, ids=" ".join)
@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("workers = 0\n", "opsgate.toml: workers: must be between 1 and 256"),
        (
            'OPSGATE_DB = "b.db"\n',
            "opsgate.toml: OPSGATE_DB: unknown setting "
            "(that is an environment variable; the file's key is db)",
        ),
    ],
)
def test_a_bad_setting_in_the_file_is_named_by_the_file_and_its_key(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    toml: str,
    expected: str,
) -> None:
    monkeypatch.delenv("OPSGATE_CONFIG")  # the default file, ./opsgate.toml
    (env / "opsgate.toml").write_text(toml)
    assert cli.main(command) == 2
    assert failure(capsys) == f"opsgate: invalid settings: {expected}"
