from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone


def _media_url(name: str) -> str:
    return default_storage.url(name)


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


class User(AbstractUser):
    """A staff account (organiser, agent, data manager, superuser). Supporters never have one.

    The project's own user model from the start, as Django recommends: fields the campaign
    needs later are a migration, not a swap of the model under real accounts."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = "staff account"
        verbose_name_plural = "staff accounts"


class CampaignSettings(models.Model):
    """The one row of campaign-specific facts and copy, edited by organisers in admin."""

    candidate_name = models.CharField(max_length=100)
    constituency = models.CharField(max_length=100)
    party_description = models.CharField(
        max_length=100,
        default="Independent",
        help_text="How the candidate stands, e.g. 'Independent'.",
    )
    tagline = models.CharField(max_length=200, help_text="One line under the candidate's name.")
    slogan = models.CharField(max_length=200, blank=True)
    why_standing = models.TextField(
        help_text="Why the candidate is standing. Plain text; a blank line starts a new paragraph."
    )
    phonebank_copy = models.TextField(help_text="What phonebanking involves, for the home page.")
    canvass_copy = models.TextField(help_text="What canvassing involves, for the home page.")
    donate_copy = models.TextField(help_text="Why to donate, for the home page.")
    target_pence = models.PositiveIntegerField(
        default=1_300_000,
        validators=[MinValueValidator(100)],
        help_text="The fundraising target in pence (£13,000 is 1300000).",
    )
    promoter_name = models.CharField(
        max_length=200, help_text="Imprint: who promotes this material (usually the agent)."
    )
    promoter_address = models.CharField(
        max_length=300, help_text="Imprint: the promoter's postal address."
    )
    on_behalf_of = models.CharField(
        max_length=200,
        help_text="Imprint: on whose behalf it is published (the candidate), with address "
        "if different from the promoter's.",
    )
    contact_email = models.EmailField()
    # Empty: the server's DEFAULT_FROM_EMAIL (campaign_site.core.selectors.campaign_sender).
    email_from_name = models.CharField(
        "sender's name",
        max_length=100,
        blank=True,
        help_text="The name emails come from, also the organiser of sessions in people's "
        "calendars, e.g. 'Chris Williamson for Derby North'.",
    )
    email_from_address = models.EmailField(
        "sender's address",
        blank=True,
        help_text="The address emails come from. Your email provider must accept it as a "
        "sender (a domain you have set up with them).",
    )
    twitter_url = models.URLField(blank=True)
    facebook_url = models.URLField(blank=True)
    instagram_url = models.URLField(blank=True)
    # What `campaign_site.core.images` kept of the uploaded pictures (file names and sizes);
    # set only through `campaign_settings_update`, never typed in.
    photo = models.JSONField("candidate's photo", default=dict, blank=True, editable=False)
    photo_alt = models.CharField(
        "photo description",
        max_length=200,
        blank=True,
        help_text="What the photo shows, for people who cannot see it, e.g. "
        "'Chris Williamson smiling, outside Derby Council House'.",
    )
    logo = models.JSONField("campaign logo", default=dict, blank=True, editable=False)
    logo_alt = models.CharField(
        "logo description",
        max_length=200,
        blank=True,
        help_text="The words in the logo, or what it shows, for people who cannot see it.",
    )
    volunteer_data_retained_until = models.DateField(
        "keep volunteer data until",
        null=True,
        blank=True,
        help_text="After this date (say, a month after polling day) supporters' personal data "
        "is erased automatically: names, emails, postcodes, phone numbers and sign-up names. "
        "Counts are kept, and so are donation records, which the law requires.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "campaign settings"
        verbose_name_plural = "campaign settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="campaign_settings_single_row")
        ]

    def __str__(self) -> str:
        return f"{self.candidate_name} for {self.constituency}"

    def clean(self):
        errors = {}
        if self.photo and not self.photo_alt.strip():
            errors["photo_alt"] = "Describe the photo for people who cannot see it."
        if self.logo and not self.logo_alt.strip():
            errors["logo_alt"] = "Give the logo's words or describe it."
        if errors:
            raise ValidationError(errors)

    @property
    def photo_sizes(self) -> list[dict]:
        """The photo's stored sizes, smallest first, with their URLs."""
        return [
            {**size, "webp_url": _media_url(size["webp"]), "jpeg_url": _media_url(size["jpeg"])}
            for size in self.photo.get("sizes", [])
        ]

    @property
    def photo_fallback(self) -> dict | None:
        """The size an old browser without srcset gets (a phone's width)."""
        sizes = self.photo_sizes
        return next((s for s in sizes if s["width"] >= 480), sizes[-1]) if sizes else None

    @property
    def logo_email(self) -> dict | None:
        """The logo for emails: absolute URLs on SITE_URL (emails are read elsewhere)."""
        if not self.logo:
            return None
        return {
            "width": self.logo["width"],
            "height": self.logo["height"],
            "url": _absolute(_media_url(self.logo["png_2x"])),
            "url_1x": _absolute(_media_url(self.logo["png"])),
        }

    @property
    def imprint(self) -> str:
        return (
            f"Promoted by {self.promoter_name}, {self.promoter_address}, "
            f"on behalf of {self.on_behalf_of}."
        )

    @property
    def target_pounds(self) -> int:
        return self.target_pence // 100

    @property
    def why_standing_paragraphs(self) -> list[str]:
        return [p.strip() for p in self.why_standing.split("\n\n") if p.strip()]

    @property
    def social_links(self) -> list[tuple[str, str]]:
        links = [
            ("Twitter / X", self.twitter_url),
            ("Facebook", self.facebook_url),
            ("Instagram", self.instagram_url),
        ]
        return [(name, url) for name, url in links if url]


class OutboundEmailQuerySet(models.QuerySet):
    def due(self, now=None):
        now = now or timezone.now()
        return self.filter(status=OutboundEmail.Status.QUEUED, next_attempt_at__lte=now)


class OutboundEmail(models.Model):
    """One email to one person, written in the transaction of the change that causes it.

    `key` names why the email exists (``rsvp-confirm:42``), so the same email is never
    written, and so never sent, twice.

    Each row links to whom it is for (`person`: a supporter, a donor) and what it is about
    (`about`: an update, a session, a gift) through generic links, so the core names no app
    and erasure, retention and per-update counts follow an index instead of scanning
    addresses. Bodies of rows sent long ago are blanked (`blanked_at`); the key stays.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # A bulk send paused for its bounce or complaint rate: waits for an organiser.
        HELD = "held", "Held (bulk send paused)"
        # Bulk mail to an address suppressed after a hard bounce or a complaint.
        SKIPPED = "skipped", "Not sent (address suppressed)"

    key = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()
    headers = models.JSONField(default=dict, blank=True)
    attachments = models.JSONField(
        default=list,
        blank=True,
        help_text="List of {filename, content, mimetype}; content is text.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    tries = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    permanent_failure = models.BooleanField(
        default=False, help_text="Failed for good: the server refused the address itself."
    )
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    is_bulk = models.BooleanField(
        default=False,
        help_text="Bulk mail (an update, an alert): not sent to suppressed addresses.",
    )
    esp_message_id = models.CharField(
        "provider's message id", max_length=255, blank=True, help_text="From the email provider."
    )
    blanked_at = models.DateTimeField(
        null=True, blank=True, help_text="When the content was removed (sent long ago, or erased)."
    )
    # Generic links, as "app_label.model" and the row's id: no foreign key to an app's
    # table, and no content-type id that differs between databases or goes stale in a
    # long-running worker's cache.
    person_type = models.CharField(
        max_length=100, blank=True, help_text="Whom it is for: app_label.model (blank: staff)."
    )
    person_id = models.PositiveBigIntegerField(null=True, blank=True)
    about_type = models.CharField(
        max_length=100, blank=True, help_text="What it is about: app_label.model."
    )
    about_id = models.PositiveBigIntegerField(null=True, blank=True)

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        verbose_name = "outbox email"
        verbose_name_plural = "outbox"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["to"], name="outbox_to_idx"),
            models.Index(fields=["person_type", "person_id"], name="outbox_person_idx"),
            models.Index(fields=["about_type", "about_id", "status"], name="outbox_about_idx"),
            # The daily blanking of old bodies reads only rows not yet blanked.
            models.Index(
                fields=["sent_at"],
                condition=models.Q(blanked_at__isnull=True, sent_at__isnull=False),
                name="outbox_unblanked_sent_idx",
            ),
            models.Index(
                fields=["esp_message_id"],
                condition=~models.Q(esp_message_id=""),
                name="outbox_esp_message_id_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.get_status_display()})"

    @property
    def person(self) -> models.Model | None:
        return _linked(self.person_type, self.person_id)

    @property
    def about(self) -> models.Model | None:
        return _linked(self.about_type, self.about_id)


def _linked(label: str, pk: int | None) -> models.Model | None:
    if not label or pk is None:
        return None
    return apps.get_model(label)._default_manager.filter(pk=pk).first()


class EmailSuppression(models.Model):
    """An address no bulk email goes to (updates, alerts): it bounced hard, its owner
    complained, or it bounced softly too often. Transactional email (receipts,
    confirmations) still goes. Only a keyed hash of the address is kept."""

    class Reason(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", "Hard bounce"
        COMPLAINT = "complaint", "Spam complaint"
        SOFT_BOUNCES = "soft_bounces", "Repeated soft bounces"

    address_hash = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "suppressed address"
        verbose_name_plural = "suppressed addresses"

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.address_hash[:12]}…"


class DeliveryEvent(models.Model):
    """A bounce or complaint reported by the email provider's tracking webhook, stored
    once per provider event id (a replayed webhook changes nothing)."""

    class Kind(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", "Hard bounce"
        SOFT_BOUNCE = "soft_bounce", "Soft bounce"
        COMPLAINT = "complaint", "Complaint"

    event_key = models.CharField(max_length=255, unique=True)
    esp = models.CharField("provider", max_length=40)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    address_hash = models.CharField(max_length=64)
    email = models.ForeignKey(
        OutboundEmail,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="delivery_events",
    )
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    description = models.CharField(
        max_length=500, blank=True, help_text="What the provider said (the address removed)."
    )

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["address_hash", "kind", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.esp}, {self.occurred_at:%d %b %Y %H:%M})"


class AuditEvent(models.Model):
    """Who exported, erased or bulk-emailed personal data, when, and how many rows; and each
    change to the spending ledger the agent signs for.

    Written by services only; admin shows it read-only to superusers.
    """

    class Action(models.TextChoices):
        EXPORT = "export", "Export"
        ERASURE = "erasure", "Erasure"
        BULK_EMAIL = "bulk_email", "Bulk email"
        RETENTION = "retention", "Retention erasure"
        IMPORT = "import", "Import"
        SPENDING_PROPOSE = "spending_propose", "Spending item proposed"
        SPENDING_APPROVE = "spending_approve", "Spending item approved"
        SPENDING_CHANGE = "spending_change", "Spending item changed"
        SPENDING_DELETE = "spending_delete", "Spending item deleted"

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(
        max_length=150, help_text="The account's username at the time (kept if it is deleted)."
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    what = models.CharField(max_length=300)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.what} ({self.rows}) by {self.actor_name}"


class ShareImage(models.Model):
    """One drawn version of a page's share image, kept in media storage (`share/`).

    The row is inserted before the image is drawn, in the same transaction, so the unique
    version is the lock: a second request for it waits, then serves the same file."""

    kind = models.CharField(max_length=30)
    key = models.CharField(max_length=150, blank=True)
    version = models.CharField(max_length=32)
    name = models.CharField("file", max_length=300)
    bytes = models.PositiveIntegerField(default=0)
    made_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "version"], name="share_image_once")
        ]

    def __str__(self) -> str:
        return self.name


class SourceCode(models.Model):
    """A code organisers put in the links they share (`/donate/?source=fb-leaflet-dec`), to
    see which posts and leaflets bring people in. Only totals are kept (SourceCount)."""

    code = models.SlugField(
        max_length=50,
        unique=True,
        help_text="Lower-case letters, digits and hyphens, e.g. fb-leaflet-dec.",
    )
    description = models.CharField(
        max_length=200, blank=True, help_text="Where the links are used, e.g. 'December leaflet'."
    )
    is_active = models.BooleanField(
        "counting", default=True, help_text="Off: visits with this code are no longer counted."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "code"]
        verbose_name = "source code"

    def __str__(self) -> str:
        return self.code


class SourceCount(models.Model):
    """How many times visitors who arrived with a code went on to do one thing: a counter,
    never a record of who (nothing here points to a person)."""

    class Action(models.TextChoices):
        JOIN = "join", "Joined the list"
        SIGNUP = "signup", "Signed up for a session"
        GIFT = "gift", "Gave"

    source = models.ForeignKey(SourceCode, on_delete=models.CASCADE, related_name="counts")
    action = models.CharField(max_length=10, choices=Action.choices)
    count = models.PositiveIntegerField(default=0)
    amount_pence = models.PositiveBigIntegerField(
        default=0, help_text="For gifts: the money of their first payment."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "action"], name="source_count_once")
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.get_action_display()} ({self.count})"
