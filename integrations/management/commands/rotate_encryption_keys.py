"""Re-encrypt every stored secret with the newest key of GUIDE_ENCRYPTION_KEYS.

Rotation, with no downtime: put the new key first in GUIDE_ENCRYPTION_KEYS (keep the old one
after it), deploy, run this command, then remove the old key.
"""

from __future__ import annotations

import logging

from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction

from integrations.crypto import (
    DecryptionError,
    EncryptedSecret,
    EncryptedTextField,
    encrypted_fields,
    rotate,
)

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Re-encrypt every stored secret (API keys, webhook secrets) with the newest key."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options) -> None:
        failures = 0
        for model, field in encrypted_fields():
            rotated, failed = rotate_field(model, field, batch_size=batch_size)
            failures += failed
            label = f"{model._meta.label}.{field.name}"
            self.stdout.write(f"{label}: {rotated} re-encrypted, {failed} undecryptable")
        if failures:
            raise CommandError(
                f"{failures} secret(s) could not be decrypted with any configured key; "
                "they were left unchanged. Put back the key they were encrypted with."
            )
        self.stdout.write(self.style.SUCCESS("Every stored secret now uses the newest key."))


def rotate_field(
    model: type[models.Model], field: EncryptedTextField, *, batch_size: int = 500
) -> tuple[int, int]:
    """Re-encrypt one column, `batch_size` rows per transaction. Returns (rotated, failed)."""
    rotated = failed = 0
    last_pk = None
    rows = model._base_manager.exclude(**{f"{field.name}__isnull": True}).order_by("pk")
    while True:
        batch = rows.filter(pk__gt=last_pk) if last_pk is not None else rows
        batch = list(batch.values_list("pk", field.name)[:batch_size])
        if not batch:
            return rotated, failed
        with transaction.atomic():
            for pk, secret in batch:
                try:
                    token = rotate(secret.token)
                except DecryptionError:
                    logger.error(
                        "Cannot decrypt %s.%s of row %s", model._meta.label, field.name, pk
                    )
                    failed += 1
                    continue
                model._base_manager.filter(pk=pk).update(**{field.name: EncryptedSecret(token)})
                rotated += 1
        last_pk = batch[-1][0]
