"""Signed links in receipts: stopping a monthly gift needs no account, only the link."""

from django.core import signing

STOP_MONTHLY_SALT = "donations.stop-monthly"


def stop_monthly_token(*, donation_id: int) -> str:
    return signing.dumps({"d": donation_id}, salt=STOP_MONTHLY_SALT, compress=True)


def stop_monthly_token_read(*, token: str) -> int | None:
    try:
        data = signing.loads(token, salt=STOP_MONTHLY_SALT)
    except signing.BadSignature:
        return None
    donation_id = data.get("d") if isinstance(data, dict) else None
    return donation_id if isinstance(donation_id, int) else None
