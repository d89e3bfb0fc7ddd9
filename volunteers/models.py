from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class SupporterQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)


class Supporter(models.Model):
    """A person who gave us their email: on the list, at a session, or donating.

    Being a Supporter row does not mean being on the mailing list: only a confirmed,
    not unsubscribed supporter with an interest ticked gets updates or alerts.
    """

    class Source(models.TextChoices):
        JOIN = "join", "Join page"
        FOOTER = "footer", "Footer sign-up"
        RSVP = "rsvp", "Session sign-up"
        DONATION = "donation", "Donation"
        ADMIN = "admin", "Added by an organiser"

    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    wants_updates = models.BooleanField("campaign updates", default=False)
    wants_canvass_alerts = models.BooleanField("canvassing alerts", default=False)
    wants_phonebank_alerts = models.BooleanField("phonebank alerts", default=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.JOIN)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    objects = SupporterQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="supporter_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)


def normalise_email(email: str) -> str:
    """Trim and lower-case the whole address: the list compares addresses case-blind."""
    return email.strip().lower()
