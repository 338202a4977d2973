"""Acme Widgets, as an opsgate vendor plugin: the complete example of docs/plugins.md.

Operations: ``acme.widget.delete`` (``/ops acme widget delete <widgetId>``).

Where each part is:

- `plugin`: ``PLUGIN``, what the ``opsgate.vendors`` entry point names, and the sandbox wiring.
- `operations`: the grammar (``OPERATIONS``) and the widget id rule.
- `settings`: ``OPSGATE_ACME__BASE_URL`` and ``OPSGATE_ACME__TOKEN`` (`AcmeSettings`).
- `adapter`: preview (a read), execute (the one DELETE), describe, check (`AcmeAdapter`).
- `errors`: Acme's documented error codes, in plain language, as opsgate's error types.
- `simulator`: the Acme API, simulated, and the sandbox's seeded widgets.
"""
