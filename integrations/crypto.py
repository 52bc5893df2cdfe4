"""Secrets at rest: Fernet through MultiFernet over settings.GUIDE_ENCRYPTION_KEYS.

The first key encrypts; every key decrypts, so a new key is put first, then
`manage.py rotate_encryption_keys` re-encrypts every stored secret with it, and only then
the old key is dropped: no downtime, no secret lost. (The settings module refuses to start
without valid keys.)

`EncryptedTextField` stores a Fernet token in its own column. Loaded from the database its
value is an `EncryptedSecret`, which decrypts only when asked (`reveal()`): a page that merely
lists a row never decrypts, and a repr or a template shows no secret. Assigning a plain `str`
encrypts it on save.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

logger = logging.getLogger(__name__)


class DecryptionError(Exception):
    """No key in GUIDE_ENCRYPTION_KEYS decrypts a stored secret."""


@functools.lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    """The MultiFernet for the current settings (newest key first)."""
    return _fernet_for(tuple(settings.GUIDE_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    """A Fernet token for `plaintext`, made with the newest key."""
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """The plaintext of a token made with any configured key."""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            "A stored secret cannot be decrypted with any key in GUIDE_ENCRYPTION_KEYS. "
            "Was a key removed before `manage.py rotate_encryption_keys` ran?"
        ) from None


def rotate(token: str) -> str:
    """The same secret re-encrypted with the newest key."""
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError("A stored secret cannot be decrypted with any configured key.")


class EncryptedSecret:
    """A stored secret as loaded from the database: the token, decrypted on demand."""

    __slots__ = ("token",)

    def __init__(self, token: str) -> None:
        self.token = token

    def reveal(self) -> str:
        """The plaintext. Call it only where the secret is used (an HTTP call)."""
        return decrypt(self.token)

    def __repr__(self) -> str:
        return "<EncryptedSecret>"

    def __str__(self) -> str:
        return "[encrypted]"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EncryptedSecret) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)


def reveal(value: EncryptedSecret | str | None) -> str | None:
    """The plaintext of a field value, whether loaded (EncryptedSecret) or just assigned."""
    if isinstance(value, EncryptedSecret):
        return value.reveal()
    return value


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token. Not editable in forms; only `isnull` lookups
    (a token differs on every encryption, so equality lookups could never match)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("editable") is False:
            del kwargs["editable"]
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression, connection) -> EncryptedSecret | None:
        return None if value is None else EncryptedSecret(value)

    def to_python(self, value: Any) -> EncryptedSecret | str | None:
        return value

    def pre_save(self, model_instance: models.Model, add: bool) -> EncryptedSecret | None:
        """Encrypt a freshly assigned plaintext, and keep only the token on the instance."""
        value = getattr(model_instance, self.attname)
        if value is not None and not isinstance(value, EncryptedSecret):
            value = EncryptedSecret(encrypt(str(value)))
            setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, EncryptedSecret):
            return value.token
        return encrypt(str(value))

    def get_lookup(self, lookup_name: str):
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    def value_to_string(self, obj: models.Model) -> str:
        value = self.value_from_object(obj)
        return "" if value is None else self.get_prep_value(value)


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every (model, field) pair that stores a secret, across all installed apps."""
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]
