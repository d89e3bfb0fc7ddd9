from django.contrib.auth.models import AbstractBaseUser

from campaign_site.core.models import AuditEvent

SYSTEM = "system"


def audit_record(
    *, actor: AbstractBaseUser | None, action: str, what: str, rows: int
) -> AuditEvent:
    """Record an export, import, erasure or bulk email of personal data. `actor` None is the
    system (a periodic task)."""
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor is not None else SYSTEM,
        action=action,
        what=what[:300],
        rows=rows,
    )
