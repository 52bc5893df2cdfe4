"""Secrets at rest: encrypted in their own column, decrypted only on use, rotatable."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.core.management import CommandError, call_command
from django.db import connection as db

from integrations import crypto
from integrations.models import AshbyConnection

KEY = "ashby-secret-0123456789abcdefWXYZ"
A = Fernet.generate_key().decode()
B = Fernet.generate_key().decode()
C = Fernet.generate_key().decode()


def raw_rows() -> list[tuple]:
    with db.cursor() as cursor:
        cursor.execute("SELECT * FROM integrations_ashbyconnection")
        return cursor.fetchall()


def raw_token(pk: int) -> str:
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT api_key_encrypted FROM integrations_ashbyconnection WHERE id = %s", [pk]
        )
        return cursor.fetchone()[0]


@pytest.fixture
def stored(tenant_a) -> AshbyConnection:
    conn = AshbyConnection(tenant=tenant_a, key_title="Guide")
    conn.api_key = KEY
    conn.save()
    return conn


def test_encrypt_round_trips_and_hides_the_plaintext():
    token = crypto.encrypt(KEY)
    assert KEY not in token
    assert crypto.decrypt(token) == KEY


def test_the_raw_database_row_holds_no_plaintext(stored):
    (row,) = raw_rows()
    assert all(KEY not in str(value) for value in row)
    assert KEY[-4:] in row  # only the last four, in their own column
    assert crypto.decrypt(raw_token(stored.pk)) == KEY


def test_after_saving_the_instance_keeps_only_the_token(stored):
    assert isinstance(stored.api_key_encrypted, crypto.EncryptedSecret)
    assert KEY not in str(vars(stored))
    assert stored.api_key == KEY


def test_a_loaded_key_decrypts_only_when_asked_and_never_shows_in_reprs(stored):
    loaded = AshbyConnection.objects.get(pk=stored.pk)

    assert isinstance(loaded.api_key_encrypted, crypto.EncryptedSecret)
    for text in (repr(loaded), str(loaded), repr(loaded.api_key_encrypted), str(loaded.__dict__)):
        assert KEY not in text
    assert loaded.api_key == KEY
    assert loaded.key_last4 == "WXYZ"


def test_saving_a_loaded_row_does_not_encrypt_the_token_again(stored):
    loaded = AshbyConnection.objects.get(pk=stored.pk)
    before = raw_token(stored.pk)

    loaded.key_title = "Renamed"
    loaded.save()

    assert raw_token(stored.pk) == before
    assert AshbyConnection.objects.get(pk=stored.pk).api_key == KEY


def test_equality_lookups_on_a_secret_are_refused(stored):
    with pytest.raises(FieldError):
        list(AshbyConnection.objects.filter(api_key_encrypted=KEY))
    assert AshbyConnection.objects.filter(api_key_encrypted__isnull=False).count() == 1


def test_a_secret_under_an_unknown_key_gives_a_clear_error(stored, settings):
    settings.GUIDE_ENCRYPTION_KEYS = [C]
    loaded = AshbyConnection.objects.get(pk=stored.pk)  # loading alone never fails

    with pytest.raises(crypto.DecryptionError, match="rotate_encryption_keys") as caught:
        loaded.api_key  # noqa: B018
    assert KEY not in str(caught.value)


def test_rotation_re_encrypts_every_secret_with_the_newest_key(tenant_a, tenant_b, settings):
    settings.GUIDE_ENCRYPTION_KEYS = [B]
    for tenant in (tenant_a, tenant_b):
        conn = AshbyConnection(tenant=tenant)
        conn.api_key = f"{KEY}-{tenant.slug}"
        conn.save()

    settings.GUIDE_ENCRYPTION_KEYS = [A, B]
    out = io.StringIO()
    call_command("rotate_encryption_keys", "--batch-size", "1", stdout=out)

    assert "integrations.AshbyConnection.api_key_encrypted: 2 re-encrypted, 0 undecryptable" in (
        out.getvalue()
    )
    settings.GUIDE_ENCRYPTION_KEYS = [A]  # the old key is gone: A alone must decrypt
    keys = sorted(c.api_key for c in AshbyConnection.objects.all())
    assert keys == [f"{KEY}-acme", f"{KEY}-bravo"]


def test_rotation_leaves_an_undecryptable_secret_alone_and_fails_loudly(stored, settings):
    settings.GUIDE_ENCRYPTION_KEYS = [A, B]  # the row was written under the test key, not these
    before = raw_token(stored.pk)

    with pytest.raises(CommandError, match="could not be decrypted"):
        call_command("rotate_encryption_keys", stdout=io.StringIO())

    assert raw_token(stored.pk) == before


def test_mark_needs_attention_stops_use_of_the_key(stored):
    stored.mark_needs_attention("Ashby rejected the key.")

    loaded = AshbyConnection.objects.get(pk=stored.pk)
    assert loaded.status == AshbyConnection.Status.NEEDS_ATTENTION
    assert loaded.status_reason == "Ashby rejected the key."
    assert not loaded.is_usable
