"""The grammar engine: slash-command text in, typed and validated request models out.

No Slack, no HTTP, and no vendor: the operations come from a `commands.catalog.Catalog` built
from the vendor plugins' specs (`commands.spec.OperationSpec`).
"""
