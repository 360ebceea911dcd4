"""Model fields: personal data encrypted at rest, and references to staff users."""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


def _key_material() -> bytes:
    secret = settings.PORTAL_FIELD_ENCRYPTION_KEY or settings.SECRET_KEY
    return hashlib.sha256(("portal-field:" + secret).encode()).digest()


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_key_material()))


def encrypt_text(value: str) -> str:
    """Encrypt a string with the site's field key (Fernet: AES-128-CBC + HMAC)."""
    return _fernet().encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    """Decrypt a value written by encrypt_text; raises ValueError if tampered."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("encrypted field cannot be decrypted with this key") from exc


def lookup_digest(value: str) -> str:
    """A keyed hash of a normalised value, so encrypted values can still be matched."""
    normalised = "".join(value.split()).lower()
    return hmac.new(_key_material(), normalised.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; reads return plain text, '' stays ''."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return decrypt_text(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt_text(value)


def user_reference(**options) -> models.ForeignKey:
    """A reference to the user who did something (created, signed off, closed…).

    Kept when the user is deleted (the reference becomes empty), so records and
    their history outlive staff changes."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        **options,
    )
