"""Alibaba Cloud IoT settings: ``OPSGATE_ALIYUN__ENDPOINT``, ``__REGION_ID``,
``__ACCESS_KEY_ID``, ``__ACCESS_KEY_SECRET``, ``__IOT_INSTANCE_ID``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr

from adapters.settings import VendorSettings


class AliyunSettings(VendorSettings):
    """Alibaba Cloud IoT (RPC API, version 2018-01-20).

    Attributes:
        endpoint: The API endpoint; default ``https://iot.<region_id>.aliyuncs.com``.
        region_id: The region, e.g. ``cn-shanghai``.
        access_key_id: A RAM user's AccessKey id.
        access_key_secret: Its secret (signs every call; never logged).
        iot_instance_id: The default IotInstanceId, when the instance has one.
        calls_per_second: The account's rate limit (documented: 10 calls per second); more
            than 0 (a fraction is one call every so many seconds), at most 1000.
    """

    required_together: ClassVar[tuple[tuple[str, ...], ...]] = (
        ("access_key_id", "access_key_secret"),
    )
    url_fields: ClassVar[tuple[str, ...]] = ("endpoint",)

    endpoint: str | None = None
    region_id: str = "cn-shanghai"
    access_key_id: str | None = None
    access_key_secret: SecretStr | None = None
    iot_instance_id: str | None = None
    calls_per_second: float = Field(default=10.0, gt=0, le=1000, allow_inf_nan=False)

    @property
    def resolved_endpoint(self) -> str:
        """The endpoint to call: the configured one, or the region's public endpoint."""
        return (self.endpoint or f"https://iot.{self.region_id}.aliyuncs.com").rstrip("/")
