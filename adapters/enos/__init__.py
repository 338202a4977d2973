"""Envision EnOS, as an opsgate vendor plugin: delete an OTA job through the APIM gateway.

Operations: ``enos.ota-job.delete`` (``/ops enos ota-job delete <jobId> --org <orgId>``).

Where each part is:

- `plugin`: ``PLUGIN``, what the ``opsgate.vendors`` entry point names; the sandbox wiring.
- `operations`: the grammar (``OPERATIONS``).
- `settings`: ``OPSGATE_ENOS__*`` / ``[enos]`` (`EnosSettings`).
- `adapter`: preview, execute, describe, check (`EnosAdapter`); `auth`: the APIM token and
  request signature; `errors`: EnOS codes in plain language.
- `simulator`: the APIM gateway and OTA service, simulated, and the sandbox's seed.
"""
