"""Tracking numbers and query codes: readable, random, checkable (no Django here).

Shared by everything followed with a number and a code (letters, notice feedback);
members.tracked looks such objects up under rate limits.
"""

import hashlib
import hmac
import secrets
from datetime import date

# Crockford's base32: no I, L, O, U, so codes survive being read aloud or copied by hand.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Tracking numbers use 31 symbols (no Z) so a mod-31 check catches every single typo.
NUMBER_ALPHABET = ALPHABET[:31]
RANDOM_CHARS = 8  # 31**8, about 40 bits per day
QUERY_CODE_CHARS = 16  # 80 bits
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _check_char(symbols: str) -> str:
    """Weighted sum mod 31 (a prime): catches any single typo or adjacent swap."""
    total = sum((i + 1) * NUMBER_ALPHABET.index(ch) for i, ch in enumerate(symbols))
    return NUMBER_ALPHABET[total % 31]


def new_tracking_number(today: date) -> str:
    """e.g. 20261121-4KQ7-M2P9X: the date, 8 random base32 chars and a check char."""
    body = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(RANDOM_CHARS))
    return f"{today:%Y%m%d}-{body[:4]}-{body[4:]}{_check_char(body)}"


def normalize_tracking_number(raw: str) -> str | None:
    """The canonical form of a typed number, or None if it cannot be one of ours."""
    compact = "".join(ch for ch in raw.upper() if ch.isalnum()).translate(_CONFUSABLE)
    if len(compact) != 8 + RANDOM_CHARS + 1 or not compact[:8].isdigit():
        return None
    prefix, body, check = compact[:8], compact[8:-1], compact[-1]
    if any(ch not in NUMBER_ALPHABET for ch in body) or _check_char(body) != check:
        return None
    return f"{prefix}-{body[:4]}-{body[4:]}{check}"


def new_query_code() -> str:
    """A random 80-bit code shown as four groups: ABCD-EFGH-JKMN-PQRS."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(QUERY_CODE_CHARS))
    return "-".join(raw[i : i + 4] for i in range(0, QUERY_CODE_CHARS, 4))


def normalize_query_code(raw: str) -> str:
    """Upper-case, separators dropped, look-alike letters mapped to digits."""
    return "".join(ch for ch in raw.upper() if ch.isalnum()).translate(_CONFUSABLE)


def hash_query_code(code: str, *, key: bytes) -> str:
    """A keyed hash: the code has 80 random bits, so a slow hash adds nothing."""
    normalized = normalize_query_code(code)
    return hmac.new(key, normalized.encode(), hashlib.sha256).hexdigest()


def query_code_matches(code: str, digest: str, *, key: bytes) -> bool:
    """Constant-time comparison of a typed code with a stored hash."""
    return hmac.compare_digest(hash_query_code(code, key=key), digest)
