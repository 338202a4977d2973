"""ServicePower ServiceBroker, as an opsgate vendor plugin: cancel a Scheduling job.

Operations: ``servicepower.job.cancel`` (``/ops servicepower job cancel <jobId>
[--reason-id <n>]``).

Where each part is:

- `plugin`: ``PLUGIN``, what the ``opsgate.vendors`` entry point names; the sandbox wiring.
- `operations`: the grammar (``OPERATIONS``) and the job id rule.
- `settings`: ``OPSGATE_SERVICEPOWER__*`` / ``[servicepower]`` (`ServicePowerSettings`).
- `adapter`: preview, execute, describe, check (`ServicePowerAdapter`); `auth`: a system token
  or JWTs; `request`: the CancelJob body; `errors`: return codes in plain language.
- `simulator`: ServiceBroker, simulated, with the sandbox's jobs and credentials.
"""
