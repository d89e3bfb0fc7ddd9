"""Matching numbers against the TPS and Corporate TPS files without keeping the numbers.

A number is kept as HMAC-SHA256 of its E.164 form, keyed with SECRET_KEY (the same value
django.utils.crypto.salted_hmac(KEY_SALT, e164, algorithm="sha256") gives): the hash table
matches a contact's number but cannot be read back into a list of numbers without the key.
A screening file's lines are national numbers (01332 000000), sometimes written +44 or
44; they are turned into E.164 by a fast rule of their own (the files hold millions of
lines: phonenumbers would take minutes), which gives the same string as phones.phone_to_e164
for every UK number that function accepts.
"""

import hashlib
import hmac
import re
from collections.abc import Callable

from django.conf import settings

KEY_SALT = "events.phonebank.tps"
_NOT_DIGITS = re.compile(r"[\s\-().]")


def _key() -> bytes:
    # salted_hmac's key derivation, done once rather than per number.
    return hashlib.sha256((KEY_SALT + settings.SECRET_KEY).encode()).digest()


def phone_hasher() -> Callable[[str], bytes]:
    """A function E.164 -> its 32-byte keyed hash, for hashing many numbers."""
    base = hmac.new(_key(), digestmod=hashlib.sha256)

    def digest(e164: str) -> bytes:
        mac = base.copy()
        mac.update(e164.encode())
        return mac.digest()

    return digest


def phone_hash(e164: str) -> bytes:
    return phone_hasher()(e164)


def key_check() -> str:
    """Says which SECRET_KEY hashed a file, without revealing it."""
    return hmac.new(_key(), b"key check", hashlib.sha256).hexdigest()[:16]


def screening_line_to_e164(line: str) -> str | None:
    """'01332 000000', '+44 7700 900123', '447700900123' -> E.164; None for a blank line or
    one that is not a UK number of 10 digits after the 0 (9 for a few old areas)."""
    digits = _NOT_DIGITS.sub("", line.strip().strip('"'))
    if digits.startswith("+44"):
        national = digits[3:]
    elif digits.startswith("0044"):
        national = digits[4:]
    elif digits.startswith("44") and len(digits) in (11, 12):
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        return None
    national = national.removeprefix("0")  # +44 (0)1332 ...
    if not national.isdigit() or len(national) not in (9, 10) or national[0] in "0":
        return None
    return f"+44{national}"
