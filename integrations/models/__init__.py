"""Models of the link to Ashby, one module per flow:

- connection.py: the tenant's Ashby connection (API key encrypted at rest)
- audit.py: who connected, replaced or disconnected a key
- sync_records.py: sync runs and per-resource sync state
- webhook_records.py: webhook subscriptions (one row per event) and deliveries
- delivery_attempts.py: every processing attempt of a delivery (its history)
- erasure_records.py: a tenant's data being deleted in the background (offboarding)
- rate_limits.py: the shared request budget to the ATS (when not in Redis)
- guide_link_writes.py: each candidate's guide link written back to the ATS
"""

from integrations.models.audit import *  # noqa: F403
from integrations.models.connection import *  # noqa: F403
from integrations.models.delivery_attempts import *  # noqa: F403
from integrations.models.erasure_records import *  # noqa: F403
from integrations.models.guide_link_writes import *  # noqa: F403
from integrations.models.rate_limits import *  # noqa: F403
from integrations.models.sync_records import *  # noqa: F403
from integrations.models.webhook_records import *  # noqa: F403
