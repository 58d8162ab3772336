"""Password hashing (argon2id through argon2-cffi) and the password rule.

argon2id is the recommendation of the OWASP Password Storage Cheat Sheet and of
RFC 9106; argon2-cffi's defaults follow RFC 9106's second recommended option.
Hashes are stored as PHC strings, so parameters can be raised later:
:func:`needs_rehash` tells when a stored hash is older than the current ones.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ipnav.accounts.errors import WeakPassword

MIN_LENGTH = 10
MAX_LENGTH = 1024  # hashing a megabyte is a denial of service, not a password

_hasher = PasswordHasher()


def check_rule(password: str) -> None:
    """Raise :class:`WeakPassword` saying what is missing; return when the password is fine."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"at least {MIN_LENGTH} characters (got {len(password)})")
    if len(password) > MAX_LENGTH:
        problems.append(f"at most {MAX_LENGTH} characters")
    if not any(c.isalpha() for c in password):
        problems.append("at least one letter")
    if not any(c.isdigit() for c in password):
        problems.append("at least one digit")
    if problems:
        raise WeakPassword("the password needs " + ", ".join(problems))


def hash_password(password: str) -> str:
    """The argon2id PHC string of ``password`` (after checking the rule)."""
    check_rule(password)
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash`` (False for a malformed hash too)."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


@cache
def dummy_hash() -> str:
    """A valid hash of no one's password, verified against when the e-mail is unknown,
    so that a login takes as long for an unknown address as for a wrong password."""
    return _hasher.hash("no such user 0")


def rehash(password: str) -> str:
    """A hash with the current parameters of a password that was just verified."""
    return _hasher.hash(password)
