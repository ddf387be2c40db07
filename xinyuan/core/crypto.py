"""Keyed hashes and field encryption for identifiers (HL-08).

Keys live outside the database (environment); in development they are derived from SECRET_KEY.
``XINYUAN_FIELD_ENCRYPTION_KEYS`` is a comma-separated list of Fernet keys, newest first: the
first encrypts, all decrypt, so a key can be rotated without downtime.
"""

import base64
import hashlib
import hmac
import logging
from collections.abc import Callable
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

KEY_UNAVAILABLE_MESSAGE = _(
    "This value was encrypted with a key that is no longer configured. Tell your administrator: "
    "put the old key back in XINYUAN_FIELD_ENCRYPTION_KEYS, after the new one, until "
    "rotate_keys has run."
)


class KeyUnavailable(InvalidToken):
    """No configured field key decrypts the value: its key was removed before ``rotate_keys``
    re-encrypted it (or the stored value is damaged). A subclass of Fernet's ``InvalidToken``,
    so code that catches that (``rotate_keys``) still does. Pages and the API answer it with
    ``KEY_UNAVAILABLE_MESSAGE`` (core.middleware.KeyUnavailableMiddleware, config/api.py)."""


def report_key_unavailable(where: str) -> None:
    """Tell the operator (the log) what the user was told (the message)."""
    logger.error(
        "A stored value could not be decrypted with any key of XINYUAN_FIELD_ENCRYPTION_KEYS "
        "(%s): a key was removed before rotate_keys re-encrypted the values under it, or the "
        "value is damaged. Put the old key back after the new one and run rotate_keys.",
        where,
    )


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


def keyed_hash(kind: str, value: str, *, key: str | None = None) -> str:
    secret = _hmac_key(settings.IDENTITY_HMAC_KEY if key is None else key)
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def keyed_hashes(kind: str, value: str) -> list[str]:
    """The hash under the current key, then under each retired key still being rotated out
    (``XINYUAN_IDENTITY_HMAC_OLD_KEYS``): lookups match either until ``rotate_keys`` re-hashed."""
    return [keyed_hash(kind, value)] + [
        keyed_hash(kind, value, key=old) for old in settings.IDENTITY_HMAC_OLD_KEYS
    ]


def current_fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return current_fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """The clear value; ``KeyUnavailable`` if no configured key opens it."""
    try:
        return current_fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise KeyUnavailable from exc


def reencrypt(token: str) -> str:
    """The same clear value under the newest key (MultiFernet.rotate)."""
    try:
        return current_fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise KeyUnavailable from exc


# What ``manage.py rotate_keys`` re-encrypts: each app that keeps values under these keys
# registers a step (in its AppConfig.ready) that re-encrypts them in batches and says how many.
KEY_ROTATIONS: dict[str, Callable[[int], int | dict[str, int]]] = {}


def register_key_rotation(name: str, step: Callable[[int], int | dict[str, int]]) -> None:
    KEY_ROTATIONS[name] = step
