"""Addresses no bulk email goes to (see deliverability.py for how they get there).

Only a keyed hash of each address is kept; checking a chunk of addresses is one query.
"""

from collections.abc import Iterable

from django.utils.crypto import salted_hmac

from campaign_site.core.models import EmailSuppression


def address_hash(address: str) -> str:
    """A keyed hash of the normalised address (the same address always matches it)."""
    return salted_hmac(
        "campaign_site.suppression", address.strip().lower(), algorithm="sha256"
    ).hexdigest()


def suppressed_among(addresses: Iterable[str]) -> set[str]:
    """Which of these addresses no bulk email may go to (one query)."""
    hashes = {address_hash(address): address for address in addresses}
    if not hashes:
        return set()
    found = EmailSuppression.objects.filter(address_hash__in=list(hashes)).values_list(
        "address_hash", flat=True
    )
    return {hashes[found_hash] for found_hash in found}


def suppressed_count(addresses: Iterable[str], chunk_size: int = 5000) -> int:
    """How many of these addresses (any iterable, e.g. a values_list) are suppressed."""
    if not EmailSuppression.objects.exists():
        return 0
    count, chunk = 0, []
    for address in addresses:
        chunk.append(address)
        if len(chunk) == chunk_size:
            count, chunk = count + len(suppressed_among(chunk)), []
    return count + len(suppressed_among(chunk))
