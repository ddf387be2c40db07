"""API bearer tokens: generated once, stored as SHA-256, revocable, expiring."""

import hashlib
import secrets

TOKEN_PREFIX = "xy_"  # noqa: S105 - a public prefix, not a secret


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
