"""Huawei OceanConnect, as an opsgate vendor plugin: delete a version package or a device.

Operations: ``huawei.package.delete`` (``/ops huawei package delete <fileId>``) and
``huawei.device.delete`` (``/ops huawei device delete <deviceId> [--app <appId>]
[--no-cascade]``).

Where each part is:

- `plugin`: ``PLUGIN``, what the ``opsgate.vendors`` entry point names; the sandbox wiring.
- `operations`: the grammar (``OPERATIONS``).
- `settings`: ``OPSGATE_HUAWEI__*`` / ``[huawei]`` (`HuaweiSettings`).
- `adapter`: preview, execute, describe, check (`HuaweiAdapter`); `auth`: the single-flight
  login, mutual TLS and the rate limit; `preview`: what the card says about a target; `errors`:
  the platform's codes in plain language.
- `simulator`: the northbound API, simulated, and the sandbox's seed.
"""
