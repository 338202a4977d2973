"""A plugin whose own code raises while its adapter is built (`connect`, `connect_shared`,
`sandbox`): one `PluginStartError` sentence naming the plugin and the error, every secret setting
of that vendor masked, and the adapters already built closed."""

from __future__ import annotations

import base64
import json
import ssl
from typing import Any, ClassVar, NoReturn
from urllib.parse import quote, quote_plus

import pytest
from fake_plugins import FakeAdapter, GlobexSettings, vendor_plugin
from pydantic import SecretStr

from adapters.clock import Clock
from adapters.errors import VendorUnreachable
from adapters.plugin import Sandbox
from adapters.plugin_start import masked, written_forms
from adapters.registry import PluginError, Plugins, PluginStartError, build_adapters
from adapters.settings import VendorSettings

TOKEN = "gx-live-4f1c9a0d"
CONFIGURED = GlobexSettings(base_url="https://globex.example", token=SecretStr(TOKEN))


def careless_connect(settings: GlobexSettings, clock: Clock) -> NoReturn:
    assert settings.token is not None
    raise RuntimeError(f"globex refused token {settings.token.get_secret_value()}")


def failing_sandbox(clock: Clock) -> NoReturn:
    raise RuntimeError("boom in sandbox")


def start_error(plugins: Plugins, settings: dict[str, Any], **kwargs: Any) -> PluginStartError:
    with pytest.raises(PluginStartError) as caught:
        build_adapters(plugins, settings, **kwargs)
    return caught.value


def test_a_connect_that_raises_is_one_sentence_with_the_secret_masked() -> None:
    error = start_error(
        Plugins.of(vendor_plugin(connect=careless_connect)), {"globex": CONFIGURED}, sandbox=True
    )
    assert isinstance(error, PluginError)  # stops start-up as every broken plugin does
    assert str(error) == (
        "vendor plugin 'globex' failed to connect: RuntimeError: globex refused token ****"
    )
    assert (error.vendor, error.sandboxed) == ("globex", False)
    # Nothing chained carries the plugin's own, unmasked text into a traceback.
    assert error.__cause__ is None and error.__context__ is None


def test_a_sandbox_that_raises_is_one_sentence() -> None:
    error = start_error(Plugins.of(vendor_plugin(sandbox=failing_sandbox)), {}, sandbox=True)
    assert str(error) == (
        "vendor plugin 'globex' failed to build its sandbox: RuntimeError: boom in sandbox"
    )
    assert error.sandboxed


def test_a_connect_or_sandbox_that_calls_sys_exit_is_one_sentence() -> None:
    def connect(settings: GlobexSettings, clock: Clock) -> NoReturn:
        raise SystemExit("usage: globex-sdk [-h] --token TOKEN")  # its SDK's argument parser

    def sandbox(clock: Clock) -> NoReturn:
        raise SystemExit(3)

    plugins = Plugins.of(vendor_plugin(connect=connect, sandbox=sandbox))
    assert str(start_error(plugins, {"globex": CONFIGURED}, sandbox=True)) == (
        "vendor plugin 'globex' failed to connect: SystemExit: usage: globex-sdk [-h] --token TOKEN"
    )
    assert str(start_error(plugins, {}, sandbox=True)) == (
        "vendor plugin 'globex' failed to build its sandbox: SystemExit: 3"
    )


def test_connect_shared_that_raises_is_one_sentence() -> None:
    def connect_shared(settings: GlobexSettings, clock: Clock, shared: object) -> NoReturn:
        raise VendorUnreachable("globex.example did not answer", vendor="globex")

    plugins = Plugins.of(vendor_plugin(connect_shared=connect_shared))
    error = start_error(plugins, {"globex": CONFIGURED}, sandbox=False, shared=object())
    assert str(error).startswith("vendor plugin 'globex' failed to connect: VendorUnreachable: ")
    assert "globex.example did not answer" in str(error)


def test_a_missing_certificate_file_names_the_file() -> None:
    def connect(settings: GlobexSettings, clock: Clock) -> FakeAdapter:
        ssl.create_default_context(cafile="/nonexistent/ca.pem")
        return FakeAdapter(vendor="globex")

    error = start_error(
        Plugins.of(vendor_plugin(connect=connect)), {"globex": CONFIGURED}, sandbox=False
    )
    assert str(error).startswith("vendor plugin 'globex' failed to connect: FileNotFoundError: ")


def test_every_secret_setting_is_masked_wherever_it_appears_and_the_message_is_one_line() -> None:
    class TwoSecrets(VendorSettings):
        required_together: ClassVar[tuple[tuple[str, ...], ...]] = (("key", "secret"),)
        key: SecretStr | None = None
        secret: SecretStr | None = None
        region: str = "eu-west"

    def connect(settings: TwoSecrets, clock: Clock) -> NoReturn:
        raise ValueError("bad pair\nkey=k-123 secret=k-123-long\nregion eu-west, k-123 again")

    settings = TwoSecrets(key=SecretStr("k-123"), secret=SecretStr("k-123-long"))
    plugins = Plugins.of(vendor_plugin(settings=TwoSecrets, connect=connect))
    error = start_error(plugins, {"globex": settings}, sandbox=False)
    # The longer secret is masked whole, though the shorter is part of it; others stay.
    assert str(error) == (
        "vendor plugin 'globex' failed to connect: ValueError: bad pair key=**** "
        "secret=**** region eu-west, **** again"
    )


def test_an_error_without_text_or_with_text_that_cannot_be_read() -> None:
    class Unprintable(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no")

    def silent(clock: Clock) -> NoReturn:
        raise KeyError

    def unprintable(clock: Clock) -> NoReturn:
        raise Unprintable

    assert str(start_error(Plugins.of(vendor_plugin(sandbox=silent)), {}, sandbox=True)).endswith(
        "failed to build its sandbox: KeyError"
    )
    error = start_error(Plugins.of(vendor_plugin(sandbox=unprintable)), {}, sandbox=True)
    assert str(error).endswith(
        "failed to build its sandbox: Unprintable: (its text cannot be shown)"
    )


def test_the_adapters_built_before_are_closed() -> None:
    built: list[FakeAdapter] = []

    def sandbox(clock: Clock) -> Sandbox:
        built.append(FakeAdapter(vendor="alpha", sandbox=True))
        return Sandbox(adapter=built[-1], simulator=object())  # type: ignore[arg-type]

    plugins = Plugins.of(
        vendor_plugin("alpha", sandbox=sandbox), vendor_plugin("zeta", sandbox=failing_sandbox)
    )
    assert "'zeta'" in str(start_error(plugins, {}, sandbox=True))
    assert [adapter.closed for adapter in built] == [True]


def test_keep_going_builds_the_others_and_keeps_the_error() -> None:
    plugins = Plugins.of(
        vendor_plugin("alpha", sandbox=failing_sandbox),
        vendor_plugin("beta"),
        vendor_plugin("gamma", connect=careless_connect),
    )
    adapters = build_adapters(plugins, {"gamma": CONFIGURED}, sandbox=True, keep_going=True)
    assert set(adapters.by_vendor) == {"beta"}
    assert set(adapters.failed) == {"alpha", "gamma"}
    assert adapters.failed["alpha"].sandboxed and not adapters.failed["gamma"].sandboxed
    assert TOKEN not in str(adapters.failed["gamma"])


def test_a_secret_is_masked_in_the_forms_a_request_carries_it() -> None:
    secret = 'p@ss/w+rd é"x'
    basic = base64.b64encode(f"svc-user:{secret}".encode()).decode()
    url = f"https://globex.example/login?key={quote(secret, safe='')}&alt={quote_plus(secret)}"
    body = json.dumps({"token": secret})
    bearer = base64.urlsafe_b64encode(secret.encode()).decode()

    def connect(settings: GlobexSettings, clock: Clock) -> NoReturn:
        raise RuntimeError(f"{url} {body} Authorization: Basic {basic} Bearer {bearer}")

    settings = GlobexSettings(base_url="https://globex.example", token=SecretStr(secret))
    plugins = Plugins.of(vendor_plugin(connect=connect))
    error = str(start_error(plugins, {"globex": settings}, sandbox=False))
    assert error.startswith("vendor plugin 'globex' failed to connect: RuntimeError: ")
    for shown in (quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1], basic):
        assert shown not in error
    assert "key=**** " not in error and "key=****&alt=****" in error
    assert '{"token": "****"}' in error
    # Base64 keeps the characters the bytes before and after share with the secret.
    assert base64.b64decode(basic) not in error.encode()
    assert "Basic c3ZjLXVzZXI6" in error and "Bearer ****" in error


def test_a_short_secret_has_no_base64_form_to_mask() -> None:
    assert written_forms("ab") == {"ab"}
    assert len(written_forms("abcdef")) > 1


def test_a_password_in_the_base_url_is_masked_like_a_secret() -> None:
    """Written into the base URL for a proxy's Basic credentials, it is a secret too: masked in
    the URL, alone, and in the Basic header httpx builds from it."""
    base_url = "https://svc:LEAKME-pw@globex.example:8443/api"
    basic = base64.b64encode(b"svc:LEAKME-pw").decode()

    def connect(settings: GlobexSettings, clock: Clock) -> NoReturn:
        raise RuntimeError(f"{settings.base_url} refused LEAKME-pw (Authorization: Basic {basic})")

    # Settings refuse such a URL; masking is the second guard, for one that gets past them.
    settings = GlobexSettings(base_url="https://globex.example", token=SecretStr(TOKEN))
    settings = settings.model_copy(update={"base_url": base_url})
    plugins = Plugins.of(vendor_plugin(connect=connect))
    error = str(start_error(plugins, {"globex": settings}, sandbox=False))
    assert "LEAKME" not in error and basic not in error
    assert "https://svc:****@globex.example:8443/api refused ****" in error


def test_a_secret_that_is_not_utf8_is_masked_without_failing() -> None:
    secret = "x\udcff\udcfeZq7Kw9"
    forms = written_forms(secret)
    assert {secret, "x%FF%FEZq7Kw9"} <= forms
    # Built unchecked, as a plugin's own code might: the settings refuse such a secret.
    settings = _OneSecret.model_construct(secret=SecretStr(secret))
    said = masked(f"sent secret={quote(secret.encode(errors='surrogateescape'))}", settings)
    assert said == "sent secret=****"


class _OneSecret(VendorSettings):
    secret: SecretStr | None = None


def test_a_sandbox_that_returns_an_adapter_not_a_sandbox_says_so() -> None:
    def bare(clock: Clock) -> FakeAdapter:
        return FakeAdapter(vendor="globex", sandbox=True)

    error = start_error(Plugins.of(vendor_plugin(sandbox=bare)), {}, sandbox=True)
    assert str(error) == (
        "vendor plugin 'globex' failed to build its sandbox: TypeError: its sandbox returned a "
        "FakeAdapter, not an adapters.plugin.Sandbox"
    )


@pytest.mark.parametrize(
    ("returned", "said"),
    [
        (None, "its connect returned None, not an adapter"),
        (object(), "its connect returned an object, not an adapter (it has no preview, execute, "
         "describe, check, close)"),
        (FakeAdapter(vendor="globexx"), "its connect returned an adapter whose vendor is "
         "'globexx', not 'globex'"),
    ],
)  # fmt: skip
def test_a_connect_that_returns_no_adapter_for_its_vendor_says_so(returned: Any, said: str) -> None:
    def connect(settings: GlobexSettings, clock: Clock) -> Any:
        return returned

    error = start_error(
        Plugins.of(vendor_plugin(connect=connect)), {"globex": CONFIGURED}, sandbox=True
    )
    assert str(error) == f"vendor plugin 'globex' failed to connect: TypeError: {said}"


def test_a_sandbox_adapter_for_another_vendor_is_refused() -> None:
    def other(clock: Clock) -> Sandbox:
        return Sandbox(adapter=FakeAdapter(vendor="initech"), simulator=object())  # type: ignore[arg-type]

    error = start_error(Plugins.of(vendor_plugin(sandbox=other)), {}, sandbox=True)
    assert "its sandbox returned an adapter whose vendor is 'initech', not 'globex'" in str(error)


class NoProgress(FakeAdapter):
    def execute(self, request: Any) -> Any:  # type: ignore[override]
        return super().execute(request)


class AnyKeywords(FakeAdapter):
    def execute(self, request: Any, **options: Any) -> Any:
        return super().execute(request)


def test_an_execute_that_takes_no_progress_is_refused_before_any_request() -> None:
    def sandbox(clock: Clock) -> Sandbox:
        return Sandbox(adapter=NoProgress(vendor="globex"), simulator=object())  # type: ignore[arg-type]

    error = start_error(Plugins.of(vendor_plugin(sandbox=sandbox)), {}, sandbox=True)
    assert str(error) == (
        "vendor plugin 'globex' failed to build its sandbox: TypeError: its sandbox returned an "
        "adapter whose execute takes no progress keyword: declare it "
        "`execute(self, request, *, progress=None, stop=None)`"
    )


def test_an_execute_that_takes_any_keyword_is_accepted() -> None:
    def connect(settings: GlobexSettings, clock: Clock) -> AnyKeywords:
        return AnyKeywords(vendor="globex", settings=settings)

    adapters = build_adapters(
        Plugins.of(vendor_plugin(connect=connect)), {"globex": CONFIGURED}, sandbox=True
    )
    assert isinstance(adapters.get("globex"), AnyKeywords)


class NoSandboxFlag:
    """An adapter whose author forgot the ``sandbox`` attribute."""

    vendor = "globex"

    def preview(self, request: Any) -> Any: ...
    def execute(self, request: Any, *, progress: Any = None) -> Any: ...
    def describe(self, request: Any) -> Any: ...
    def check(self) -> str:
        return "ok"

    def close(self) -> None: ...


def test_an_adapter_without_its_sandbox_attribute_is_refused() -> None:
    def sandbox(clock: Clock) -> Sandbox:
        return Sandbox(adapter=NoSandboxFlag(), simulator=object())  # type: ignore[arg-type]

    error = start_error(Plugins.of(vendor_plugin(sandbox=sandbox)), {}, sandbox=True)
    assert str(error) == (
        "vendor plugin 'globex' failed to build its sandbox: TypeError: its sandbox returned an "
        "adapter with no sandbox attribute: set it True when the adapter talks to the "
        "simulator, False otherwise"
    )
