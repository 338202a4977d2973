"""Each vendor's connection settings (read by `bot.settings` from ``OPSGATE_<VENDOR>__<FIELD>``).

A vendor whose credentials are missing is "not configured"; `configured` says so.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, SecretStr


class _VendorConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Seconds to wait for the vendor before giving up on a call.
    timeout: float = 10.0

    @property
    def configured(self) -> bool:
        """True when enough credentials are present to call the real vendor."""
        raise NotImplementedError


class EnosConfig(_VendorConfig):
    """Envision EnOS API gateway (APIM).

    ``OPSGATE_ENOS__BASE_URL``, ``__APP_KEY``, ``__APP_SECRET``.
    """

    base_url: str | None = None
    app_key: str | None = None
    app_secret: SecretStr | None = None

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.app_key and self.app_secret)


class AliyunConfig(_VendorConfig):
    """Alibaba Cloud IoT (RPC API, version 2018-01-20)."""

    endpoint: str | None = None  # default https://iot.<region_id>.aliyuncs.com
    region_id: str = "cn-shanghai"
    access_key_id: str | None = None
    access_key_secret: SecretStr | None = None
    iot_instance_id: str | None = None
    #: Documented limit: 10 calls per second per account.
    calls_per_second: float = 10.0

    @property
    def configured(self) -> bool:
        return bool(self.access_key_id and self.access_key_secret)

    @property
    def resolved_endpoint(self) -> str:
        """The endpoint to call: the configured one, or the region's public endpoint."""
        return (self.endpoint or f"https://iot.{self.region_id}.aliyuncs.com").rstrip("/")


class HuaweiConfig(_VendorConfig):
    """Huawei OceanConnect northbound application API (default port 8743, mutual TLS)."""

    base_url: str | None = None
    app_id: str | None = None
    secret: SecretStr | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    ca_bundle: Path | None = None
    #: Documented default limit: 100 calls per 60 s per application.
    calls_per_minute: int = 100

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.app_id and self.secret)


class ServicePowerConfig(_VendorConfig):
    """ServicePower ServiceBroker: a system access token, or a JWT by client credentials."""

    base_url: str | None = None
    token: SecretStr | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None

    @property
    def configured(self) -> bool:
        has_auth = bool(self.token) or bool(self.client_id and self.client_secret)
        return bool(self.base_url) and has_auth
