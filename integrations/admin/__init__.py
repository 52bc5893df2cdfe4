"""The support console's pages for the link to Ashby: connections, the audit trail, and the
tenant page's integration inlines. One module per flow, like integrations/models/."""

from integrations.admin import (  # noqa: F401
    audit,
    budget,
    connection,
    delivery_history,
    personal_data,
    sync_run_pages,
    tenant,
    webhook_pages,
)
