"""Keyed hashes and field encryption for identifiers (HL-08).

Keys live outside the database (environment); in development they are derived from SECRET_KEY.
``XINYUAN_FIELD_ENCRYPTION_KEYS`` is a comma-separated list of Fernet keys, newest first: the
first encrypts, all decrypt, so a key can be rotated without downtime.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


def _derived(label: str) -> bytes:
    return hashlib.sha256(f"xinyuan:{label}:{settings.SECRET_KEY}".encode()).digest()


@lru_cache(maxsize=4)
def _hmac_key(configured: str) -> bytes:
    return configured.encode() if configured else _derived("identity-hmac")


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        keys = (base64.urlsafe_b64encode(_derived("field-encryption")).decode(),)
    return MultiFernet([Fernet(key.encode()) for key in keys])


def keyed_hash(kind: str, value: str) -> str:
    key = _hmac_key(settings.IDENTITY_HMAC_KEY)
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def encrypt(value: str) -> str:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS)).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS)).decrypt(token.encode()).decode()
