"""Is a configured key fit for production? Pure checks, used by config/settings.py at start.

Each check takes the variable's name and its value and returns the problems, each naming the
variable and the fix (empty: fine). A new key (for example the audit signing key) adds one line
to ``KEY_CHECKS`` in config/settings.py with one of these checks, or a check of its own with the
same shape. The rule is in docs/security.md ("Production mode").
"""

from __future__ import annotations

import base64
import binascii

MIN_SECRET_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 8
MIN_DISTINCT_KEY_BYTES = 16  # of a Fernet key's 32 bytes; a random key has about 30
# Words that mark a placeholder or a development value, never a generated key.
PLACEHOLDER_WORDS = (
    "changeme",
    "change-me",
    "change_me",
    "insecure",
    "placeholder",
    "example",
    "your-secret",
    "secret-key",
    "secretkey",
)
MAKE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'  # noqa: S105
MAKE_FERNET_KEY = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


def _repeats_a_shorter_string(value: str) -> bool:
    return any(
        len(value) % size == 0 and value == value[:size] * (len(value) // size)
        for size in range(1, len(value) // 2 + 1)
    )


def secret_weakness(value: str) -> str | None:
    """Why a secret string (SECRET_KEY, an HMAC key) is too weak, or None.

    The rule catches mistakes, placeholders and typed-in values, not every human choice: at
    least 32 characters, at least 8 different ones, no character making up half of it, not a
    shorter string repeated, no placeholder word. A generated key (``MAKE_SECRET``, Django's
    ``get_random_secret_key``, 32 hex digits or more) always passes."""
    if len(value) < MIN_SECRET_LENGTH:
        return f"is too short ({len(value)} characters; at least {MIN_SECRET_LENGTH})"
    lowered = value.lower()
    if any(word in lowered for word in PLACEHOLDER_WORDS):
        return "is a placeholder or development value"
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        return f"has fewer than {MIN_DISTINCT_CHARACTERS} different characters"
    if max(value.count(c) for c in set(value)) * 2 > len(value):
        return "is mostly one repeated character"
    if _repeats_a_shorter_string(value):
        return "is a shorter string repeated"
    return None


def secret_problems(name: str, value: str, *, default: str = "") -> list[str]:
    if not value or value == default:
        return [f"{name} must be set: generate one with {MAKE_SECRET}"]
    weakness = secret_weakness(value)
    if weakness:
        return [f"{name} {weakness}: generate a random one with {MAKE_SECRET}"]
    return []


def fernet_key_weakness(value: str) -> str | None:
    """Why a string is not a usable Fernet key (32 url-safe base64 bytes, not a pattern)."""
    try:
        raw = base64.urlsafe_b64decode(value.encode())
    except (binascii.Error, ValueError):
        return "is not url-safe base64"
    if len(raw) != 32 or len(value) != 44:
        return "is not a Fernet key (44 characters of url-safe base64, 32 bytes)"
    if len(set(raw)) < MIN_DISTINCT_KEY_BYTES:
        return "is not random (too few different bytes)"
    return None


def fernet_key_problems(name: str, values: list[str]) -> list[str]:
    if not values:
        return [
            f"{name} must be set (Fernet keys, newest first): generate one with {MAKE_FERNET_KEY}"
        ]
    problems = []
    for position, value in enumerate(values, start=1):
        weakness = fernet_key_weakness(value)
        if weakness:
            problems.append(
                f"{name}: key {position} of {len(values)} {weakness}; generate one with "
                f"{MAKE_FERNET_KEY}"
            )
    return problems


def distinct_problems(first: tuple[str, str], second: tuple[str, str]) -> list[str]:
    """Two keys with different purposes must not be the same value."""
    (name_a, value_a), (name_b, value_b) = first, second
    if value_a and value_a == value_b:
        return [f"{name_a} must differ from {name_b}: generate a separate one with {MAKE_SECRET}"]
    return []


MAKE_SIGNING_KEY = 'python -c "import base64,os; print(base64.b64encode(os.urandom(32)).decode())"'


def signing_key_problems(name: str, value: str) -> list[str]:
    """The audit log's Ed25519 signing key: the base64 of a random 32-byte seed."""
    if not value:
        return [f"{name} must be set (the audit log's signing key): generate one with "
                f"{MAKE_SIGNING_KEY}"]  # fmt: skip
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        return [f"{name} must be the base64 of 32 bytes: generate one with {MAKE_SIGNING_KEY}"]
    if len(set(raw)) < MIN_DISTINCT_KEY_BYTES:
        return [f"{name} is not random (too few different bytes): generate one with "
                f"{MAKE_SIGNING_KEY}"]  # fmt: skip
    return []
