"""Password hashing (argon2id) and access tokens (JWT HS256)."""

from __future__ import annotations

import functools
import hashlib
from datetime import datetime, timedelta, timezone

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from backend.core.settings import Settings

_ALGORITHM = "HS256"


@functools.cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher().hash(password)


@functools.cache
def _dummy_hash() -> str:
    return hash_password("dummy password for constant-time misses")


def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether ``password`` matches; a missing hash still costs one verification (timing)."""
    try:
        return _hasher().verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with weaker parameters than the current ones."""
    return _hasher().check_needs_rehash(password_hash)


def create_access_token(*, settings: Settings, account_id: int) -> tuple[str, int]:
    """A signed access token for ``account_id`` and its lifetime in seconds."""
    now = datetime.now(timezone.utc)
    lifetime = timedelta(minutes=settings.access_token_minutes)
    claims = {"sub": str(account_id), "iat": now, "exp": now + lifetime, "typ": "access"}
    token = jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=_ALGORITHM)
    return token, int(lifetime.total_seconds())


def decode_access_token(*, settings: Settings, token: str) -> int | None:
    """The account id in a valid, unexpired access token, else None."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[_ALGORITHM],
            options={"require": ["sub", "exp"]},
        )
    except jwt.PyJWTError:
        return None
    if claims.get("typ") != "access":
        return None
    try:
        return int(claims["sub"])
    except (TypeError, ValueError):
        return None


def hash_secret(secret: str) -> str:
    """SHA-256 of a high-entropy secret (registration tokens, link codes) for storage."""
    return hashlib.sha256(secret.encode()).hexdigest()
