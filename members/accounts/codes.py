"""One-time activation codes: generation, normalisation, keyed digests.

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown
as ``ABCD-EFGH``: 31^8 ≈ 8.5·10^11 possibilities (about 40 bits), enough against
guessing under the activation rate limits within the code's lifetime. Only an HMAC
of the code, keyed with SECRET_KEY and bound to the member, is stored.
"""

import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8
_KEY_SALT = "members.accounts.activation-code"


def new_code() -> str:
    """A fresh random code, without separator."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def display(code: str) -> str:
    """The code as printed and mailed: two groups of four."""
    return f"{code[:4]}-{code[4:]}"


def normalise(typed: str) -> str:
    """What a member typed, as a code: upper case, spaces and dashes dropped."""
    cleaned = "".join(ch for ch in (typed or "").upper() if ch not in " -_\t　－")
    return cleaned[: LENGTH * 2]


def digest(member_id: int, code: str) -> str:
    """The stored form of a member's code (hex HMAC-SHA256)."""
    message = f"{member_id}:{normalise(code)}"
    return salted_hmac(_KEY_SALT, message, algorithm="sha256").hexdigest()


def matches(member_id: int, typed: str, stored_digest: str) -> bool:
    """Whether the typed code is the member's (constant-time comparison)."""
    return constant_time_compare(digest(member_id, typed), stored_digest)
