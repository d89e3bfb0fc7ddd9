import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

from volunteers.validators import validate_postcode, validate_uk_phone


def new_token() -> str:
    """A random, opaque value behind every signed link (nothing guessable, no ids)."""
    return secrets.token_urlsafe(18)


class SupporterQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)

    def audience(self, audience: str):
        """Confirmed supporters who asked for what an update (or alert) is about."""
        return self.confirmed().filter(**{Update.Audience.interest_field(audience): True})


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
        PREFERENCES = "prefs", "Preferences page"

    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8, blank=True, validators=[validate_postcode])
    phone = models.CharField(max_length=20, blank=True, validators=[validate_uk_phone])
    wants_updates = models.BooleanField("campaign updates", default=False)
    wants_canvass_alerts = models.BooleanField("canvassing alerts", default=False)
    wants_phonebank_alerts = models.BooleanField("phonebank alerts", default=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.JOIN)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the agreement to be phoned by the campaign (a confirmed Consent with
    # wants_phone_calls) took effect; None: never agreed, or withdrew.
    phone_consent_at = models.DateTimeField(
        "agreed to be phoned", null=True, blank=True, editable=False
    )
    # Behind the preferences and unsubscribe links; replaced on erasure so old links die.
    manage_token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)

    objects = SupporterQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="supporter_email_unique_ci"),
        ]
        indexes = [models.Index(fields=["created_at"])]
        permissions = [("export_supporters", "Can export supporters' personal data (CSV)")]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)

    @property
    def is_subscribed(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None

    @property
    def interests(self) -> list[str]:
        return [
            label
            for wanted, label in [
                (self.wants_updates, "campaign updates"),
                (self.wants_canvass_alerts, "canvassing alerts"),
                (self.wants_phonebank_alerts, "phonebank alerts"),
            ]
            if wanted
        ]


def normalise_email(email: str) -> str:
    """Trim and lower-case the whole address: the list compares addresses case-blind."""
    return email.strip().lower()


class Consent(models.Model):
    """Evidence of one agreement to be emailed: when, where, and the exact words shown.

    The wording is copied into the row, so it stays true when the site's copy changes.
    A sign-up's consent takes effect only once its confirmation link is followed.
    """

    supporter = models.ForeignKey(Supporter, on_delete=models.CASCADE, related_name="consents")
    given_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=10, choices=Supporter.Source.choices)
    page = models.CharField("page or form", max_length=200)
    wording = models.TextField("exact wording agreed to")
    wants_updates = models.BooleanField("campaign updates", default=False)
    wants_canvass_alerts = models.BooleanField("canvassing alerts", default=False)
    wants_phonebank_alerts = models.BooleanField("phonebank alerts", default=False)
    # Agreement to be phoned about the election, and the number it was given for.
    wants_phone_calls = models.BooleanField("phone calls", default=False)
    phone = models.CharField(max_length=20, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)

    class Meta:
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"Consent from {self.page} on {self.given_at:%d %b %Y}"


class Suppression(models.Model):
    """All that is left of an erased supporter: a keyed hash of the address.

    It stops the address being mailed again until its owner gives fresh consent.
    """

    email_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Suppressed address {self.email_hash[:12]}…"


class Update(models.Model):
    """News sent by organisers to the list: one email per supporter, sent once."""

    class Audience(models.TextChoices):
        UPDATES = "updates", "Everyone who wants campaign updates"
        CANVASS = "canvass", "Everyone who wants canvassing news"
        PHONEBANK = "phonebank", "Everyone who wants phonebank news"

        @staticmethod
        def interest_field(audience: str) -> str:
            return {
                "updates": "wants_updates",
                "canvass": "wants_canvass_alerts",
                "phonebank": "wants_phonebank_alerts",
            }[audience]

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        # Too many bounces or complaints: the rest waits for an organiser (see admin).
        PAUSED = "paused", "Paused"

    subject = models.CharField(max_length=200)
    body = models.TextField(
        help_text="Plain text: a blank line starts a new paragraph, web addresses become links. "
        "Simple Markdown works (**bold**, *italic*, [text](https://…), lists). HTML is not "
        "allowed and will show as typed."
    )
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.UPDATES)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    send_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    send_requested_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField("all emails queued at", null=True, blank=True)
    recipient_count = models.PositiveIntegerField(default=0)
    # Fan-out progress: supporters are queued in primary-key order; a re-run resumes here.
    fanned_out_through = models.BigIntegerField(default=0, editable=False)
    fan_out_progress_at = models.DateTimeField(null=True, blank=True, editable=False)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_reason = models.CharField("why it paused", max_length=300, blank=True)
    # An organiser resumed it after a pause: it does not pause itself again.
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "update to the list"
        verbose_name_plural = "updates to the list"
        ordering = ["-created_at"]
        permissions = [("send_update", "Can send an update to the list")]

    def __str__(self) -> str:
        return self.subject

    @property
    def outbox_key_prefix(self) -> str:
        return f"update:{self.pk}:"


def suppression_hash(email: str) -> str:
    """A keyed hash of the normalised address: it matches the address again, but a copy
    of the database alone cannot be tested against a list of guessed addresses."""
    return salted_hmac(
        "volunteers.suppression", normalise_email(email), algorithm="sha256"
    ).hexdigest()
