"""One-click unsubscribe (RFC 8058) and the addresses Guide never writes to.

Each email carries a signed token naming the tenant and the address; the token is the whole
proof (no sign-in), so it is signed with SECRET_KEY and a salt of its own. Unsubscribing holds
for that tenant only: another company the candidate applied to is a relationship of its own.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse

from emails.models import Suppression
from tenants.models import Tenant

logger = logging.getLogger(__name__)

SALT = "guide.emails.unsubscribe"


def normalise(address: str) -> str:
    return address.strip().lower()


def unsubscribe_token(tenant_id: int, address: str) -> str:
    return signing.dumps([tenant_id, normalise(address)], salt=SALT, compress=True)


def unsubscribe_url(tenant_id: int, address: str, language: str = "") -> str:
    """The one-click link; `language`: the email's, which the page then speaks."""
    token = unsubscribe_token(tenant_id, address)
    url = settings.PUBLIC_BASE_URL + reverse("emails:unsubscribe", args=[token])
    return f"{url}?lang={language}" if language else url


def read_token(token: str) -> tuple[Tenant, str] | None:
    """The tenant and address a token names, or None when it is forged or the tenant is gone."""
    try:
        tenant_id, address = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    return (tenant, address) if tenant is not None else None


def suppress(tenant: Tenant, address: str, reason: str, detail: str = "") -> bool:
    """Never write to `address` for this tenant again; False when it already was."""
    try:
        with transaction.atomic():
            Suppression.objects.create(
                tenant=tenant, address=normalise(address), reason=reason, detail=detail[:500]
            )
    except IntegrityError:
        return False
    logger.info("Tenant %s: an address is suppressed (%s)", tenant.pk, reason)
    return True


def suppression_of(tenant_id: int, address: str) -> Suppression | None:
    return Suppression.objects.filter(tenant_id=tenant_id, address=normalise(address)).first()
