from django.db import IntegrityError, transaction

from volunteers.models import Supporter, normalise_email


def supporter_get_or_create(
    *, email: str, source: str, name: str = "", phone: str = ""
) -> tuple[Supporter, bool]:
    """Find the supporter with this address (case-blind) or create one.

    Creating a supporter subscribes them to nothing: the mailing list needs consent
    through `supporter_subscribe()`. A name or phone given now fills in blanks only.
    """
    email = normalise_email(email)
    supporter = Supporter.objects.filter(email=email).first()
    created = False
    if supporter is None:
        try:
            with transaction.atomic():
                supporter = Supporter(email=email, name=name, phone=phone, source=source)
                supporter.full_clean(validate_unique=False)
                supporter.save()
                created = True
        except IntegrityError:  # someone else created it a moment ago
            supporter = Supporter.objects.get(email=email)
    changed = []
    if name and not supporter.name:
        supporter.name, changed = name, [*changed, "name"]
    if phone and not supporter.phone:
        supporter.phone, changed = phone, [*changed, "phone"]
    if changed:
        supporter.save(update_fields=changed)
    return supporter, created
