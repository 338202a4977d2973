"""Settings: environment over opsgate.toml, nested vendor settings, errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr
from settings_errors import settings_error as _error

from bot.settings import Settings, SettingsError, load_settings

FULL_ENV = {
    "SLACK_BOT_TOKEN": "xoxb-bot-token-value",
    "SLACK_SIGNING_SECRET": "signing-secret-value",
    "SLACK_APP_TOKEN": "xapp-app-token-value",
    "OPSGATE_ENOS__BASE_URL": "https://apim.enos.example",
    "OPSGATE_ENOS__APP_KEY": "enos-key",
    "OPSGATE_ENOS__APP_SECRET": "enos-secret-value",
    "OPSGATE_ALIYUN__ENDPOINT": "https://iot.cn-beijing.aliyuncs.com",
    "OPSGATE_ALIYUN__REGION_ID": "cn-beijing",
    "OPSGATE_ALIYUN__ACCESS_KEY_ID": "LTAIkeyid",
    "OPSGATE_ALIYUN__ACCESS_KEY_SECRET": "aliyun-secret-value",
    "OPSGATE_ALIYUN__IOT_INSTANCE_ID": "iot-cn-123",
    "OPSGATE_HUAWEI__BASE_URL": "https://oc.huawei.example:8743",
    "OPSGATE_HUAWEI__APP_ID": "huawei-app",
    "OPSGATE_HUAWEI__SECRET": "huawei-secret-value",
    "OPSGATE_HUAWEI__CLIENT_CERT": "cert.pem",  # written by `in_tmp`
    "OPSGATE_HUAWEI__CLIENT_KEY": "key.pem",
    "OPSGATE_HUAWEI__CA_BUNDLE": "cert.pem",
    "OPSGATE_SERVICEPOWER__BASE_URL": "http://127.0.0.1:8080",
    "OPSGATE_SERVICEPOWER__CLIENT_ID": "sp-client",
    "OPSGATE_SERVICEPOWER__CLIENT_SECRET": "sp-client-secret-value",
}
SECRET_VALUES = [v for k, v in FULL_ENV.items() if "value" in v]


# -- defaults and environment ---------------------------------------------------------------------


def test_defaults() -> None:
    settings = load_settings({})
    assert settings.slack_bot_token is None
    assert settings.slack_signing_secret is None
    assert settings.slack_app_token is None
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.db == Path("opsgate.db")
    assert settings.policy_file is None
    assert settings.config_file is None
    assert settings.sandbox is False
    assert settings.workers == 16
    assert settings.log_level == "INFO"
    assert not any(
        v.configured
        for v in (settings.enos, settings.aliyun, settings.huawei, settings.servicepower)
    )


def test_top_level_variables() -> None:
    settings = load_settings(
        {
            "OPSGATE_SLACK_API_URL": "http://127.0.0.1:9999/api/",
            "OPSGATE_DB": "/var/lib/opsgate/audit.db",
            "OPSGATE_POLICY": "policy.toml",
            "OPSGATE_SANDBOX": "1",
            "OPSGATE_WORKERS": "256",
            "OPSGATE_LOG_LEVEL": "debug",
        }
    )
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"
    assert settings.db == Path("/var/lib/opsgate/audit.db")
    assert settings.policy_file == Path("policy.toml")
    assert settings.sandbox is True
    assert settings.workers == 256
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("0", False)])
def test_sandbox_values(value: str, expected: bool) -> None:
    assert load_settings({"OPSGATE_SANDBOX": value}).sandbox is expected


def test_slack_credentials_use_bolts_names_without_prefix() -> None:
    settings = load_settings(FULL_ENV)
    assert settings.slack_bot_token == SecretStr("xoxb-bot-token-value")
    assert settings.slack_signing_secret == SecretStr("signing-secret-value")
    assert settings.slack_app_token == SecretStr("xapp-app-token-value")
    # Prefixed, they are no setting: refused with the name that is, never silently ignored.
    with pytest.raises(SettingsError) as caught:
        load_settings({"OPSGATE_SLACK_BOT_TOKEN": "xoxb-no", "OPSGATE_POLICY_FILE": "p"})
    assert str(caught.value).splitlines() == [
        "OPSGATE_POLICY_FILE: unknown setting; did you mean OPSGATE_POLICY?",
        "OPSGATE_SLACK_BOT_TOKEN: unknown setting; did you mean SLACK_BOT_TOKEN?",
    ]


def test_a_misspelt_variable_is_refused_and_the_console_and_tests_own_are_not() -> None:
    with pytest.raises(
        SettingsError, match=r"OPSGATE_WORKERZ: unknown setting; did you mean OPSGATE_WORKERS\?"
    ):
        load_settings({"OPSGATE_WORKERZ": "3"})
    known = {
        "OPSGATE_CONSOLE_DB": "c.db",
        "OPSGATE_CONSOLE_HISTORY": "",
        "OPSGATE_TEST_DATABASE_URL": "postgresql://x",
        "OPSGATE_REQUIRE_POSTGRES": "1",
        "OPSGATE_PG_BIN": "/usr/lib/postgresql/15/bin",
        "OPSGATE_WORKERS": "3",
    }
    assert load_settings(known).workers == 3


@pytest.mark.parametrize(
    ("variable", "said"),
    [
        ("OPSGATE_ACME__TOKEN", "OPSGATE_ACME__TOKEN (acme.token): unknown setting"),
        ("OPSGATE_SP__TOKEN", "OPSGATE_SP__TOKEN (sp.token): unknown setting"),
        (
            "OPSGATE_ENSO__BASE_URL",
            "OPSGATE_ENSO__BASE_URL (enso.base_url): unknown setting; "
            "did you mean OPSGATE_ENOS__BASE_URL?",
        ),
    ],
)
def test_a_key_of_a_vendor_no_plugin_provides_is_never_offered_another_vendors_key(
    variable: str, said: str
) -> None:
    """OPSGATE_ACME__TOKEN was offered SLACK_BOT_TOKEN, OPSGATE_ACME__API_KEY the EnOS app key:
    a hint that invites a secret into another's slot."""
    with pytest.raises(SettingsError) as raised:
        load_settings({variable: "x"})
    assert str(raised.value).splitlines() == [said]


def test_nested_vendor_variables() -> None:
    s = load_settings(FULL_ENV)
    assert (s.enos.base_url, s.enos.app_key) == ("https://apim.enos.example", "enos-key")
    assert s.enos.app_secret == SecretStr("enos-secret-value")
    assert s.aliyun.resolved_endpoint == "https://iot.cn-beijing.aliyuncs.com"
    assert (s.aliyun.region_id, s.aliyun.access_key_id) == ("cn-beijing", "LTAIkeyid")
    assert s.aliyun.access_key_secret == SecretStr("aliyun-secret-value")
    assert s.aliyun.iot_instance_id == "iot-cn-123"
    assert (s.huawei.base_url, s.huawei.app_id) == ("https://oc.huawei.example:8743", "huawei-app")
    assert s.huawei.secret == SecretStr("huawei-secret-value")
    assert s.huawei.client_cert == Path("cert.pem")
    assert s.huawei.client_key == Path("key.pem")
    assert s.huawei.ca_bundle == Path("cert.pem")
    assert s.servicepower.base_url == "http://127.0.0.1:8080"
    assert s.servicepower.token is None  # a tenant uses a token or client credentials
    assert s.servicepower.client_id == "sp-client"
    assert s.servicepower.client_secret == SecretStr("sp-client-secret-value")
    assert all(v.configured for v in (s.enos, s.aliyun, s.huawei, s.servicepower))


def test_empty_variables_count_as_unset() -> None:
    settings = load_settings({"OPSGATE_WORKERS": "", "SLACK_APP_TOKEN": ""})
    assert (settings.workers, settings.slack_app_token) == (16, None)


def test_an_explicit_environ_ignores_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPSGATE_WORKERS", "99")
    assert load_settings({}).workers == 16
    assert load_settings().workers == 99


def test_settings_built_directly_read_arguments_over_the_environment(
    monkeypatch: pytest.MonkeyPatch, in_tmp: Path
) -> None:
    (in_tmp / "opsgate.toml").write_text("workers = 5\n", encoding="utf-8")
    monkeypatch.setenv("OPSGATE_LOG_LEVEL", "warning")
    settings = Settings(workers=3)
    assert (settings.workers, settings.log_level, settings.config_file) == (3, "WARNING", None)


# -- the TOML file --------------------------------------------------------------------------------

TOML = """
workers = 8
sandbox = true
db = "toml.db"

[enos]
base_url = "https://apim.enos.example"
app_key = "toml-key"
app_secret = "toml-secret-value"

[servicepower]
base_url = "https://sp.example"
token = "toml-token-value"

[policy]
approvals = 2
"""


def test_default_toml_file_is_read(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text(TOML, encoding="utf-8")
    settings = load_settings({})
    assert (settings.workers, settings.sandbox, settings.db) == (8, True, Path("toml.db"))
    assert settings.enos.app_key == "toml-key"
    assert settings.servicepower.configured
    assert settings.config_file == Path("opsgate.toml")


def test_an_empty_value_in_the_file_counts_as_unset(in_tmp: Path) -> None:
    """As an empty variable does (README "Settings"): ``db = ""`` is the default database,
    not the working directory, and an empty channel or vendor URL is no value to refuse."""
    (in_tmp / "opsgate.toml").write_text(
        'db = ""\naudit_channel = ""\nlog_level = ""\nworkers = ""\n'
        '[enos]\nbase_url = ""\n[huawei]\nclient_cert = ""\n',
        encoding="utf-8",
    )
    settings = load_settings({})
    assert (settings.db, settings.audit_channel, settings.log_level, settings.workers) == (
        Path("opsgate.db"),
        None,
        "INFO",
        16,
    )
    assert (settings.enos.base_url, settings.huawei.client_cert) == (None, None)


def test_a_key_that_is_no_setting_is_refused_even_when_empty(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text('workerz = ""\n[enos]\nbase_ur = ""\n', "utf-8")
    message = _error({})
    assert "workerz" in message
    assert "base_ur" in message


def test_environment_wins_over_toml_and_merges_into_vendor_tables(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text(TOML, encoding="utf-8")
    settings = load_settings({"OPSGATE_WORKERS": "2", "OPSGATE_ENOS__APP_KEY": "env-key"})
    assert settings.workers == 2
    assert settings.enos.app_key == "env-key"
    assert settings.enos.base_url == "https://apim.enos.example"  # still from the file
    assert settings.enos.app_secret == SecretStr("toml-secret-value")


def test_opsgate_config_names_the_file(in_tmp: Path) -> None:
    (in_tmp / "elsewhere.toml").write_text("workers = 7\n", encoding="utf-8")
    (in_tmp / "opsgate.toml").write_text("workers = 9\n", encoding="utf-8")
    settings = load_settings({"OPSGATE_CONFIG": "elsewhere.toml"})
    assert (settings.workers, settings.config_file) == (7, Path("elsewhere.toml"))


def test_missing_named_config_file_is_an_error() -> None:
    assert _error({"OPSGATE_CONFIG": "nope.toml"}) == "OPSGATE_CONFIG: file not found: nope.toml"


def test_malformed_toml_is_an_error(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text("workers = \n", encoding="utf-8")
    assert _error({}).startswith("OPSGATE_CONFIG (opsgate.toml): cannot read: ")


def test_a_config_file_saved_as_utf16_is_one_sentence(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_bytes("workers = 4\n".encode("utf-16"))
    assert _error({}) == (
        "OPSGATE_CONFIG (opsgate.toml): cannot read: it is not UTF-8 text: save it as UTF-8"
    )


def test_a_config_named_that_is_a_device_says_so() -> None:
    said = _error({"OPSGATE_CONFIG": "/dev/null"})
    assert said == "OPSGATE_CONFIG: /dev/null is not a regular file; name the file"


def test_a_config_nested_too_deeply_is_one_sentence(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    assert _error({}) == (
        "OPSGATE_CONFIG (opsgate.toml): cannot read: not valid TOML: nested too deeply"
    )


def test_a_config_over_a_mebibyte_is_refused_unread(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text("# " + "x" * (1024 * 1024) + "\nworkers = 4\n")
    assert _error({}) == (
        "OPSGATE_CONFIG (opsgate.toml): cannot read: "
        "it is larger than 1 MiB, more than a settings or policy file needs"
    )


def test_a_config_named_that_is_a_directory_says_so(in_tmp: Path) -> None:
    (in_tmp / "conf").mkdir()
    said = _error({"OPSGATE_CONFIG": "conf"})
    assert said == "OPSGATE_CONFIG: conf is a directory; name the file"


def test_config_file_cannot_name_itself(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text('config_file = "x.toml"\n', encoding="utf-8")
    assert _error({}) == "opsgate.toml: config_file: set OPSGATE_CONFIG instead"


def test_toml_values_are_validated_and_named_in_the_file(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text(
        'wrokers = 3\n[huawei]\nbase_url = "oc.example"\n', encoding="utf-8"
    )
    assert sorted(_error({}).splitlines()) == [
        "opsgate.toml: huawei.base_url: must be an http:// or https:// URL",
        "opsgate.toml: wrokers: unknown setting; did you mean workers?",
    ]


def test_a_conflict_between_the_file_and_the_environment_names_both_places(
    in_tmp: Path,
) -> None:
    client = {"OPSGATE_SERVICEPOWER__CLIENT_ID": "c", "OPSGATE_SERVICEPOWER__CLIENT_SECRET": "s"}
    conflict = (
        "cannot be used with servicepower.client_id and client_secret: set the system access "
        "token or the client credentials, not both"
    )
    (in_tmp / "opsgate.toml").write_text(
        '[servicepower]\nbase_url = "https://sp.example"\ntoken = "t"\n', encoding="utf-8"
    )
    assert _error(client) == (
        f"opsgate.toml: servicepower.token: {conflict} (the environment sets "
        "OPSGATE_SERVICEPOWER__CLIENT_ID and OPSGATE_SERVICEPOWER__CLIENT_SECRET)"
    )
    (in_tmp / "opsgate.toml").write_text(
        '[servicepower]\nbase_url = "https://sp.example"\nclient_id = "c"\n', encoding="utf-8"
    )
    env = {"OPSGATE_SERVICEPOWER__TOKEN": "t", "OPSGATE_SERVICEPOWER__CLIENT_SECRET": "s"}
    assert _error(env) == (
        f"OPSGATE_SERVICEPOWER__TOKEN (servicepower.token): {conflict} "
        "(opsgate.toml sets servicepower.client_id)"
    )


def test_an_unknown_key_of_the_file_is_shown_the_key_it_most_likely_meant(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text(
        'log-level = "DEBUG"\nfoo = 1\n[enos]\nappkey = "k"\n', encoding="utf-8"
    )
    assert sorted(_error({}).splitlines()) == [
        "opsgate.toml: enos.appkey: unknown setting; did you mean enos.app_key?",
        "opsgate.toml: foo: unknown setting",
        "opsgate.toml: log-level: unknown setting; did you mean log_level?",
    ]


@pytest.mark.parametrize(
    ("table", "meant"),
    [("Policy", "[policy]"), ("polcy", "[policy]"), ("policies", "[policy]"), ("enso", "enos")],
)
def test_an_unknown_table_of_the_file_is_shown_the_table_it_most_likely_meant(
    in_tmp: Path, table: str, meant: str
) -> None:
    # `[policy]` is read by the policy, never by the settings, yet it is a table of the file.
    (in_tmp / "opsgate.toml").write_text(f"[{table}]\napprovals = 1\n", encoding="utf-8")
    assert _error({}) == f"opsgate.toml: {table}: unknown setting; did you mean {meant}?"


@pytest.mark.parametrize(
    ("toml", "environ", "message"),
    [
        ("workers = 0\n", {}, "opsgate.toml: workers: must be between 1 and 256"),
        (
            "workers = 4\n",
            {"OPSGATE_WORKERS": "0"},
            "OPSGATE_WORKERS (workers): must be between 1 and 256",
        ),
        (
            "workers = 0\n",
            {"opsgate_workers": "300"},
            "OPSGATE_WORKERS (workers): must be between 1 and 256",
        ),
        (
            "[aliyun]\ncalls_per_second = 0\n",
            {},
            "opsgate.toml: aliyun.calls_per_second: must be at least 0.01",
        ),
        (
            "[aliyun]\ncalls_per_second = 5\n",
            {"OPSGATE_ALIYUN__CALLS_PER_SECOND": "0"},
            "OPSGATE_ALIYUN__CALLS_PER_SECOND (aliyun.calls_per_second): must be at least 0.01",
        ),
        ('"a.b" = 1\n', {}, 'opsgate.toml: "a.b": unknown setting'),
        (
            "db = 5\n",
            {},
            "opsgate.toml: db: must be a file path or a postgresql:// URL (a string)",
        ),
        (
            "",
            {"OPSGATE_LOG_FORMAT": "xml"},
            "OPSGATE_LOG_FORMAT (log_format): must be 'text' or 'json'",
        ),
    ],
)
def test_a_bad_value_is_named_where_it_was_set(
    toml: str, environ: dict[str, str], message: str, in_tmp: Path
) -> None:
    """The environment wins, so a bad value there is named by its variable even when the file
    sets the same key; a bad value from the file is named by the file and its key."""
    (in_tmp / "opsgate.toml").write_text(toml, encoding="utf-8")
    assert _error(environ) == message


def test_problems_from_both_places_are_each_named_where_they_were_set(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text("workers = 0\n", encoding="utf-8")
    assert _error({"OPSGATE_SANDBOX": "maybe"}).splitlines() == [
        "OPSGATE_SANDBOX (sandbox): must be true or false (or 1 or 0)",
        "opsgate.toml: workers: must be between 1 and 256",
    ]


def test_the_file_is_named_as_opsgate_config_names_it(in_tmp: Path) -> None:
    (in_tmp / "conf").mkdir()
    (in_tmp / "conf" / "ops.toml").write_text("workers = 0\n", encoding="utf-8")
    message = _error({"OPSGATE_CONFIG": "conf/ops.toml"})
    assert message == "conf/ops.toml: workers: must be between 1 and 256"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            'OPSGATE_DB = "b.db"\n',
            "opsgate.toml: OPSGATE_DB: unknown setting "
            "(that is an environment variable; the file's key is db)",
        ),
        (
            '[huawei]\nOPSGATE_HUAWEI__APP_ID = "a"\n',
            "opsgate.toml: huawei.OPSGATE_HUAWEI__APP_ID: unknown setting "
            "(that is an environment variable; the file's key is huawei.app_id)",
        ),
        ('OPSGATE_NOTHING = "x"\n', "opsgate.toml: OPSGATE_NOTHING: unknown setting"),
    ],
)
def test_a_variable_name_written_in_the_file_is_shown_its_key(toml: str, message: str) -> None:
    Path("opsgate.toml").write_text(toml, encoding="utf-8")
    assert _error({}) == message


def test_a_missing_credential_is_named_where_the_one_needing_it_was_set(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text('[enos]\nbase_url = "https://apim.example"\n')
    assert _error({}) == "opsgate.toml: enos.app_key: required when enos.base_url is set"
    assert _error({"OPSGATE_ENOS__BASE_URL": "https://apim.example"}) == (
        "OPSGATE_ENOS__APP_KEY (enos.app_key): required when enos.base_url is set"
    )


def test_aliased_settings_are_named_as_the_file_writes_them(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text(
        'slack_bot_token = 5\npolicy_file = "rules.toml"\n', encoding="utf-8"
    )
    assert _error({}) == "opsgate.toml: slack_bot_token: must be a string"
    (in_tmp / "opsgate.toml").write_text("SLACK_BOT_TOKEN = 5\n", encoding="utf-8")
    assert _error({}) == "opsgate.toml: SLACK_BOT_TOKEN: must be a string"
    (in_tmp / "opsgate.toml").write_text('slack_app_token = "xapp-toml-value"\n', encoding="utf-8")
    assert load_settings({}).slack_app_token == SecretStr("xapp-toml-value")
    (in_tmp / "opsgate.toml").write_text('policy_file = "rules.toml"\n', encoding="utf-8")
    assert load_settings({}).policy_file == Path("rules.toml")
    assert load_settings({"OPSGATE_POLICY": "env.toml"}).policy_file == Path("env.toml")


def test_a_vendor_that_is_not_a_table(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text('enos = "yes"\n', encoding="utf-8")
    assert _error({}) == "opsgate.toml: enos: must be a table of settings"


# -- bad values name their key --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"OPSGATE_WORKERS": "0"}, "OPSGATE_WORKERS (workers): must be between 1 and 256"),
        ({"OPSGATE_WORKERS": "257"}, "OPSGATE_WORKERS (workers): must be between 1 and 256"),
        ({"OPSGATE_WORKERS": "many"}, "OPSGATE_WORKERS (workers): must be a whole number"),
        (
            {"OPSGATE_SANDBOX": "maybe"},
            "OPSGATE_SANDBOX (sandbox): must be true or false (or 1 or 0)",
        ),
        (
            {"OPSGATE_LOG_LEVEL": "LOUD"},
            "OPSGATE_LOG_LEVEL (log_level): must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
        ),
        (
            {"OPSGATE_SLACK_API_URL": "slack.com/api"},
            "OPSGATE_SLACK_API_URL (slack_api_url): must be an http:// or https:// URL",
        ),
        (
            {"OPSGATE_ENOS__BASE_URL": "http://x:bad/"},
            "OPSGATE_ENOS__BASE_URL (enos.base_url): "
            "must be a URL with a valid host and port (a port is a number from 1 to 65535)",
        ),
        (
            {"OPSGATE_HUAWEI__BASE_URL": "http://:80"},
            "OPSGATE_HUAWEI__BASE_URL (huawei.base_url): "
            "must be an http:// or https:// URL with a host",
        ),
        (
            {"OPSGATE_SERVICEPOWER__BASE_URL": "https://sp example.com"},
            "OPSGATE_SERVICEPOWER__BASE_URL (servicepower.base_url): "
            "must be a URL without spaces or control characters",
        ),
        (
            {"OPSGATE_SLACK_API_URL": "https://slack.com:0/api/"},
            "OPSGATE_SLACK_API_URL (slack_api_url): "
            "must be a URL with a valid port (a number from 1 to 65535)",
        ),
        (
            {"OPSGATE_ALIYUN__REGION_ID": "evil.com/x?"},
            "OPSGATE_ALIYUN__REGION_ID (aliyun.region_id): must be an Alibaba Cloud region id: "
            "lower-case letters, digits and hyphens, such as cn-shanghai or ap-southeast-1",
        ),
        (
            {"OPSGATE_ENOS__TIMEOUT": "soon"},
            "OPSGATE_ENOS__TIMEOUT (enos.timeout): must be a number",
        ),
        (
            {"OPSGATE_ENOS__APPKEY": "k"},
            "OPSGATE_ENOS__APPKEY (enos.appkey): unknown setting; "
            "did you mean OPSGATE_ENOS__APP_KEY?",
        ),
        (
            {"OPSGATE_ENOS_BASE_URL": "https://x"},
            "OPSGATE_ENOS_BASE_URL: unknown setting; did you mean OPSGATE_ENOS__BASE_URL?",
        ),
        (
            {"OPSGATE_ENSO__BASE_URL": "https://x"},
            "OPSGATE_ENSO__BASE_URL (enso.base_url): unknown setting; "
            "did you mean OPSGATE_ENOS__BASE_URL?",
        ),
        ({"OPSGATE_NOTHING_LIKE_IT": "1"}, "OPSGATE_NOTHING_LIKE_IT: unknown setting"),
        (
            {"OPSGATE_ALIYUN__ENDPOINT": "ftp://iot.example"},
            "OPSGATE_ALIYUN__ENDPOINT (aliyun.endpoint): must be an http:// or https:// URL",
        ),
        (
            {"OPSGATE_ALIYUN__CALLS_PER_SECOND": "0"},
            "OPSGATE_ALIYUN__CALLS_PER_SECOND (aliyun.calls_per_second): must be at least 0.01",
        ),
        (
            {"OPSGATE_ALIYUN__CALLS_PER_SECOND": "-5"},
            "OPSGATE_ALIYUN__CALLS_PER_SECOND (aliyun.calls_per_second): must be at least 0.01",
        ),
        (
            {"OPSGATE_ALIYUN__CALLS_PER_SECOND": "1e-320"},
            "OPSGATE_ALIYUN__CALLS_PER_SECOND (aliyun.calls_per_second): must be at least 0.01",
        ),
        (
            {"OPSGATE_ALIYUN__CALLS_PER_SECOND": "0.0099"},
            "OPSGATE_ALIYUN__CALLS_PER_SECOND (aliyun.calls_per_second): must be at least 0.01",
        ),
        (
            {"OPSGATE_ALIYUN__CALLS_PER_SECOND": "nan"},
            "OPSGATE_ALIYUN__CALLS_PER_SECOND (aliyun.calls_per_second): must be a finite number",
        ),
        (
            {"OPSGATE_ALIYUN__CALLS_PER_SECOND": "1000.5"},
            "OPSGATE_ALIYUN__CALLS_PER_SECOND (aliyun.calls_per_second): must be at most 1000",
        ),
        (
            {"OPSGATE_HUAWEI__CALLS_PER_MINUTE": "0"},
            "OPSGATE_HUAWEI__CALLS_PER_MINUTE (huawei.calls_per_minute): must be at least 1",
        ),
        (
            {"OPSGATE_HUAWEI__CALLS_PER_MINUTE": "10001"},
            "OPSGATE_HUAWEI__CALLS_PER_MINUTE (huawei.calls_per_minute): must be at most 10000",
        ),
        (
            {"OPSGATE_ENOS__TIMEOUT": "0"},
            "OPSGATE_ENOS__TIMEOUT (enos.timeout): must be more than 0",
        ),
        (
            {"OPSGATE_SERVICEPOWER__TIMEOUT": "301"},
            "OPSGATE_SERVICEPOWER__TIMEOUT (servicepower.timeout): must be at most 300",
        ),
        (
            {"OPSGATE_HUAWEI__DEADLINE": "0"},
            "OPSGATE_HUAWEI__DEADLINE (huawei.deadline): must be more than 0",
        ),
        (
            {"OPSGATE_ENOS__DEADLINE": "901"},
            "OPSGATE_ENOS__DEADLINE (enos.deadline): must be at most 900",
        ),
        (
            {"OPSGATE_HUAWEI__CA_BUNDLE": "/nonexistent/ca.pem"},
            "OPSGATE_HUAWEI__CA_BUNDLE (huawei.ca_bundle): no such file: /nonexistent/ca.pem",
        ),
        (
            {"OPSGATE_HUAWEI__CLIENT_CERT": "key.pem", "OPSGATE_HUAWEI__CLIENT_KEY": "key.pem"},
            "OPSGATE_HUAWEI__CLIENT_CERT (huawei.client_cert): key.pem is not a PEM certificate",
        ),
        (
            {"OPSGATE_HUAWEI__CLIENT_CERT": "cert.pem", "OPSGATE_HUAWEI__CLIENT_KEY": "other.pem"},
            "OPSGATE_HUAWEI__CLIENT_KEY (huawei.client_key): "
            "other.pem does not match the client certificate",
        ),
    ],
)
def test_bad_values_name_the_key(environ: dict[str, str], message: str) -> None:
    assert _error(environ) == message


def test_a_vendors_deadline_is_its_own_or_three_of_its_timeouts() -> None:
    settings = load_settings({"OPSGATE_HUAWEI__DEADLINE": "45", "OPSGATE_ENOS__TIMEOUT": "4"})
    assert (settings.huawei.call_deadline, settings.enos.call_deadline) == (45, 12)
    assert settings.aliyun.call_deadline == 30  # the defaults: 3 × 10 s


def test_fractional_and_largest_rates_are_accepted() -> None:
    settings = load_settings(
        {"OPSGATE_ALIYUN__CALLS_PER_SECOND": "0.01", "OPSGATE_HUAWEI__CALLS_PER_MINUTE": "10000"}
    )
    assert (settings.aliyun.calls_per_second, settings.huawei.calls_per_minute) == (0.01, 10000)


def test_every_problem_is_reported() -> None:
    lines = _error({"OPSGATE_WORKERS": "0", "OPSGATE_SANDBOX": "maybe"}).splitlines()
    assert [line.split(" ")[0] for line in lines] == ["OPSGATE_SANDBOX", "OPSGATE_WORKERS"]


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"OPSGATE_ENOS__APP_KEY": "k"},
            "OPSGATE_ENOS__APP_SECRET (enos.app_secret): required when enos.app_key is set",
        ),
        (
            {"OPSGATE_ENOS__APP_KEY": "k", "OPSGATE_ENOS__APP_SECRET": "s"},
            "OPSGATE_ENOS__BASE_URL (enos.base_url): required when enos.app_key is set",
        ),
        (
            {"OPSGATE_ENOS__BASE_URL": "https://apim.example"},
            "OPSGATE_ENOS__APP_KEY (enos.app_key): required when enos.base_url is set",
        ),
        (
            {
                "OPSGATE_ENOS__BASE_URL": "https://apim.example",
                "OPSGATE_ENOS__APP_KEY": "k",
                "OPSGATE_ENOS__APP_SECRET": "   ",  # blank: not set, as a blank Slack secret
            },
            "OPSGATE_ENOS__APP_SECRET (enos.app_secret): required when enos.app_key is set",
        ),
        (
            {"OPSGATE_ALIYUN__ACCESS_KEY_SECRET": "s"},
            "OPSGATE_ALIYUN__ACCESS_KEY_ID (aliyun.access_key_id): "
            "required when aliyun.access_key_secret is set",
        ),
        (
            {"OPSGATE_ALIYUN__ACCESS_KEY_ID": "i", "OPSGATE_ALIYUN__ACCESS_KEY_SECRET": "s"},
            "OPSGATE_ALIYUN__REGION_ID (aliyun.region_id): "
            "required when aliyun.access_key_id is set",
        ),
        (
            {"OPSGATE_HUAWEI__APP_ID": "a", "OPSGATE_HUAWEI__BASE_URL": "https://oc.example"},
            "OPSGATE_HUAWEI__SECRET (huawei.secret): required when huawei.app_id is set",
        ),
        (
            {"OPSGATE_HUAWEI__CLIENT_CERT": "/c.crt"},
            "OPSGATE_HUAWEI__CLIENT_KEY (huawei.client_key): "
            "required when huawei.client_cert is set",
        ),
        (
            {"OPSGATE_SERVICEPOWER__BASE_URL": "https://sp.example"},
            "OPSGATE_SERVICEPOWER__TOKEN (servicepower.token): "
            "required when servicepower.base_url is set",
        ),
        (
            {"OPSGATE_SERVICEPOWER__TOKEN": "t"},
            "OPSGATE_SERVICEPOWER__BASE_URL (servicepower.base_url): "
            "required when servicepower.token is set",
        ),
        (
            {
                "OPSGATE_SERVICEPOWER__BASE_URL": "https://sp.example",
                "OPSGATE_SERVICEPOWER__TOKEN": "t",
                "OPSGATE_SERVICEPOWER__CLIENT_ID": "c",
                "OPSGATE_SERVICEPOWER__CLIENT_SECRET": "s",
            },
            "OPSGATE_SERVICEPOWER__TOKEN (servicepower.token): cannot be used with "
            "servicepower.client_id and client_secret: set the system access token or the "
            "client credentials, not both",
        ),
        (
            {"OPSGATE_SERVICEPOWER__CLIENT_ID": "c", "OPSGATE_SERVICEPOWER__BASE_URL": "http://x"},
            "OPSGATE_SERVICEPOWER__CLIENT_SECRET (servicepower.client_secret): "
            "required when servicepower.client_id is set",
        ),
        (
            {"OPSGATE_SERVICEPOWER__CLIENT_ID": "c", "OPSGATE_SERVICEPOWER__CLIENT_SECRET": "s"},
            "OPSGATE_SERVICEPOWER__BASE_URL (servicepower.base_url): "
            "required when servicepower.client_id is set",
        ),
    ],
)
def test_partial_credentials_name_the_missing_key(environ: dict[str, str], message: str) -> None:
    assert _error(environ) == message


@pytest.mark.parametrize(
    "environ",
    [
        {"OPSGATE_SERVICEPOWER__BASE_URL": "http://sp", "OPSGATE_SERVICEPOWER__TOKEN": "t"},
        {
            "OPSGATE_SERVICEPOWER__BASE_URL": "http://sp",
            "OPSGATE_SERVICEPOWER__CLIENT_ID": "c",
            "OPSGATE_SERVICEPOWER__CLIENT_SECRET": "s",
        },
        {
            "OPSGATE_ALIYUN__ACCESS_KEY_ID": "i",
            "OPSGATE_ALIYUN__ACCESS_KEY_SECRET": "s",
            "OPSGATE_ALIYUN__REGION_ID": "ap-southeast-1",
        },
        {"OPSGATE_ALIYUN__REGION_ID": "cn-beijing", "OPSGATE_ALIYUN__IOT_INSTANCE_ID": "iot-1"},
        {"OPSGATE_HUAWEI__CA_BUNDLE": "cert.pem"},
    ],
)
def test_complete_or_optional_settings_are_accepted(environ: dict[str, str]) -> None:
    load_settings(environ)


# -- secrets are never shown ----------------------------------------------------------------------


def test_secrets_never_appear_in_repr_str_or_describe() -> None:
    settings = load_settings(FULL_ENV)
    shown = [repr(settings), str(settings), repr(settings.describe())]
    for secret in SECRET_VALUES:
        assert all(secret not in text for text in shown), secret


def test_describe_masks_set_secrets_and_marks_unset_values() -> None:
    described = load_settings(FULL_ENV | {"OPSGATE_WORKERS": "4"}).describe()
    assert described["slack_bot_token"] == "****"
    assert described["enos.app_secret"] == "****"
    assert described["servicepower.client_secret"] == "****"
    assert described["enos.app_key"] == "enos-key"
    assert described["workers"] == "4"
    assert described["sandbox"] == "false"
    assert described["huawei.client_cert"] == "cert.pem"
    empty = load_settings({}).describe()
    assert empty["slack_bot_token"] == "(not set)"
    assert empty["enos.app_secret"] == "(not set)"
    assert empty["policy_file"] == "(not set)"
    assert empty["aliyun.region_id"] == "(not set)"  # no default: required with a key


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (
            "mysql://ops@db/ops",
            "OPSGATE_DB (db): mysql://…: give a file path (or sqlite:///",
        ),
        (
            "host=db user=ops password=s3cret",
            "OPSGATE_DB (db): a key=value connection string is not read: give a postgresql:// URL",
        ),
    ],
)
def test_a_database_opsgate_cannot_read_is_refused_without_its_password(
    given: str, said: str
) -> None:
    error = _error({"OPSGATE_DB": given})
    assert said in error and "s3cret" not in error


@pytest.mark.parametrize("given", ["   ", "\t", "sqlite:///", "sqlite:/// "])
def test_a_database_setting_naming_no_file_is_refused_not_read_as_the_working_folder(
    given: str,
) -> None:
    """Only spaces are no path (an empty value is no setting at all: the default applies);
    they were read as ".", and `serve` then said "." is a directory."""
    error = _error({"OPSGATE_DB": given})
    assert "OPSGATE_DB (db): names no file: give a file path" in error


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("OPSGATE_POLICY", "OPSGATE_POLICY (policy_file): names no file"),
        ("OPSGATE_CONFIG", "OPSGATE_CONFIG: names no file"),
    ],
)
def test_a_file_setting_of_only_spaces_names_no_file(name: str, said: str) -> None:
    """Not `cannot read   : no such file`, naming a file nobody sees, nor "." as a folder."""
    assert said in _error({name: "  "})


def test_a_postgresql_url_is_read_whatever_the_case_of_its_scheme() -> None:
    settings = load_settings({"OPSGATE_DB": "PostgreSQL://ops:hunter2@db/ops"})
    assert settings.db == "postgresql://ops:hunter2@db/ops"
    assert settings.describe()["db"] == "postgresql://ops:****@db/ops"
